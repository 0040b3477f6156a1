import Testing
@testable import SMTPCore

@Suite struct CapabilitiesTests {
    private func capabilities(_ wire: String) throws -> ServerCapabilities {
        let reply = try #require(ReplyParser.parseAll(wire.utf8).first)
        return try #require(ServerCapabilities(ehloReply: reply))
    }

    @Test func readsAPostfixStyleReply() throws {
        let caps = try capabilities(
            """
            250-mail.example.org\r
            250-PIPELINING\r
            250-SIZE 10240000\r
            250-VRFY\r
            250-ETRN\r
            250-STARTTLS\r
            250-AUTH PLAIN LOGIN\r
            250-AUTH=PLAIN LOGIN\r
            250-ENHANCEDSTATUSCODES\r
            250-8BITMIME\r
            250-DSN\r
            250-SMTPUTF8\r
            250 CHUNKING\r

            """
        )
        #expect(caps.domain == "mail.example.org")
        #expect(caps.supports("pipelining"))
        #expect(caps.supports(Capability.startTLS))
        #expect(caps.supports(Capability.chunking))
        #expect(!caps.supports(Capability.requireTLS))
        #expect(caps.size == .limit(10_240_000))
        #expect(caps.authMechanisms == ["PLAIN", "LOGIN"])
        #expect(caps.keywords.count == 12)
    }

    @Test func readsTheGreetingLine() throws {
        let caps = try capabilities("250-smtp.example.com at your service, [127.0.0.1]\r\n250 8BITMIME\r\n")
        #expect(caps.domain == "smtp.example.com")
        #expect(caps.greeting == "at your service, [127.0.0.1]")
    }

    @Test func oldStyleAuth() throws {
        let caps = try capabilities("250-x\r\n250 AUTH=LOGIN\r\n")
        #expect(caps.authMechanisms == ["LOGIN"])
    }

    @Test(arguments: [
        ("250-x\r\n250 SIZE\r\n", SizeLimit.noFixedLimit),
        ("250-x\r\n250 SIZE 0\r\n", .noFixedLimit),
        ("250-x\r\n250 SIZE 35882577\r\n", .limit(35_882_577)),
        ("250-x\r\n250 SIZE -1\r\n", .invalid("-1")),
        ("250-x\r\n250 SIZE 99999999999999999999\r\n", .invalid("99999999999999999999")),
        ("250-x\r\n250 SIZE abc\r\n", .invalid("abc")),
        ("250-x\r\n250 SIZE 18446744073709551615\r\n", .limit(UInt64.max)),
    ])
    func sizeLimits(wire: String, expected: SizeLimit) throws {
        #expect(try capabilities(wire).size == expected)
    }

    @Test func unknownKeywordsAreKept() throws {
        let caps = try capabilities("250-x\r\n250 X-EXPS GSSAPI NTLM\r\n")
        #expect(caps.capability("x-exps")?.parameters == ["GSSAPI", "NTLM"])
    }

    @Test func onlyA250IsAnEHLOReply() throws {
        let reply = try #require(ReplyParser.parseAll("502 5.5.2 EHLO not implemented\r\n".utf8).first)
        #expect(ServerCapabilities(ehloReply: reply) == nil)
    }

    @Test func aSingleLineEHLOReplyHasNoExtensions() throws {
        let caps = try capabilities("250 mail.example.org\r\n")
        #expect(caps.capabilities.isEmpty)
        #expect(caps.size == nil)
    }
}
