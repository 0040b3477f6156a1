import SMTPCore
import Testing

@testable import SMTPClient

/// What smtpsh sends for each mechanism, against the examples of their RFCs.
@Suite struct SASLExchangeTests {
    @Test func plainCarriesAuthorizationIdentityUserAndPassword() {
        let exchange = SASLExchange(mechanism: .plain, user: "tim", secret: "tanstaaftanstaaf")
        // RFC 4616: [authzid] NUL authcid NUL passwd.
        #expect(exchange.command == "AUTH PLAIN " + Base64.encode(Array("\0tim\0tanstaaftanstaaf".utf8)))
        #expect(exchange.commandCarriesSecret)
    }

    @Test func loginAnswersEachPromptInBase64() {
        var exchange = SASLExchange(mechanism: .login, user: "alice", secret: "s3cret")
        #expect(exchange.command == "AUTH LOGIN")
        #expect(!exchange.commandCarriesSecret)
        #expect(exchange.respond(to: "VXNlcm5hbWU6") == Base64.encode(Array("alice".utf8)))  // "Username:"
        #expect(exchange.respond(to: "UGFzc3dvcmQ6") == Base64.encode(Array("s3cret".utf8)))  // "Password:"
    }

    @Test func cramMD5MatchesRFC2195() {
        var exchange = SASLExchange(mechanism: .cramMD5, user: "tim", secret: "tanstaaftanstaaf")
        #expect(exchange.command == "AUTH CRAM-MD5")
        let challenge = Base64.encode(Array("<1896.697170952@postoffice.reston.mci.net>".utf8))
        let response = exchange.respond(to: challenge)
        #expect(Base64.decode(response).map { String(decoding: $0, as: UTF8.self) } == "tim b913a602c7eda7a495b4e6e7334d3890")
    }

    @Test func oauthMechanismsCarryTheBearerToken() {
        let xoauth2 = SASLExchange(mechanism: .xoauth2, user: "someuser@example.com", secret: "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
        #expect(xoauth2.command == "AUTH XOAUTH2 " + Base64.encode(Array("user=someuser@example.com\u{01}auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\u{01}\u{01}".utf8)))
        var bearer = SASLExchange(mechanism: .oauthBearer, user: "user@example.com", secret: "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==")
        // RFC 7628, section 4.1 (without host and port).
        #expect(bearer.command == "AUTH OAUTHBEARER " + Base64.encode(Array("n,a=user@example.com,\u{01}auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\u{01}\u{01}".utf8)))
        // An error challenge is answered with %x01, which ends the exchange.
        #expect(bearer.respond(to: "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=") == "AQ==")
    }

    @Test func mechanismNamesAreReadInAnyCase() {
        #expect(SASLMechanism(name: "cram-md5") == .cramMD5)
        #expect(SASLMechanism(name: "Plain") == .plain)
        #expect(SASLMechanism(name: "DIGEST-MD5") == nil)
    }
}
