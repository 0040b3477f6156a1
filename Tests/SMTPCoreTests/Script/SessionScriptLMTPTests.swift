import Foundation
import Testing

@testable import SMTPCore

/// LMTP recordings (RFC 2033): after the message, one reply per recipient accepted, all of
/// them the message's, none taken by the next command.
@Suite struct SessionScriptLMTPTests {
    static func exchanges(_ text: String) throws -> [SessionScript.Exchange] {
        try SessionScriptParser.parse(Array(text.utf8)).exchanges
    }

    static let session = """
        <-  220 lmtp.test ready
         -> LHLO client.example
        <-  250-lmtp.test
        <-  250 PIPELINING
         -> MAIL FROM:<a@example.org>
        <-  250 2.1.0 OK
         -> RCPT TO:<alice@lmtp.test>
        <-  250 2.1.5 OK
         -> RCPT TO:<nobody@lmtp.test>
        <-  550 5.1.1 User doesn't exist
         -> RCPT TO:<bob@lmtp.test>
        <-  250 2.1.5 OK
         -> DATA
        <-  354 OK
         -> Subject: x
         -> .
        <-  250 2.0.0 <alice@lmtp.test> Saved
        <-  552 5.2.2 <bob@lmtp.test> Quota exceeded
         -> QUIT
        <-  221 2.0.0 Bye

        """

    /// Found by its LHLO (a swaks transcript has no header): two replies for the two
    /// recipients accepted (the refused one does not count), QUIT gets its 221.
    @Test func theRepliesAfterTheDotAreTheMessages() throws {
        let exchanges = try Self.exchanges(Self.session)
        let message = try #require(exchanges.first { if case .message = $0.kind { true } else { false } })
        #expect(message.expectation?.recordedCode?.rawValue == 250)
        #expect(message.deliveryExpectations.map { $0.recordedCode?.rawValue } == [552])
        let quit = try #require(exchanges.last)
        #expect(quit.kind == .command("QUIT"))
        #expect(quit.expectation?.recordedCode?.rawValue == 221)
        #expect(!exchanges.contains { $0.kind == .unsolicited })
        #expect(try SessionScriptParser.parse(Array(Self.session.utf8)).isLMTP)
    }

    /// The same lines greeted with EHLO are SMTP: the second reply is one nobody asked for
    /// (nothing changes for SMTP recordings).
    @Test func withEHLOTheFileIsSMTP() throws {
        let smtp = Self.session.replacingOccurrences(of: "LHLO", with: "EHLO")
        let exchanges = try Self.exchanges(smtp)
        let message = try #require(exchanges.first { if case .message = $0.kind { true } else { false } })
        #expect(message.deliveryExpectations.isEmpty)
        let unsolicited = exchanges.filter { $0.kind == .unsolicited }
        #expect(unsolicited.map { $0.expectation?.recordedCode?.rawValue } == [552])
    }

    /// `# protocol: lmtp` says so even without an LHLO line (a macro that starts at MAIL).
    @Test func theHeaderSaysLMTP() throws {
        let text = """
            # smtpsh session
            # protocol: lmtp

             -> MAIL FROM:<a@example.org>
            <-  250 OK
             -> RCPT TO:<b@example.org>
            <-  250 OK
             -> RCPT TO:<c@example.org>
            <-  250 OK
             -> BDAT 4 LAST
             -> hi
            <-  250 b delivered
            <-  250 c delivered
             -> QUIT
            <-  221 Bye

            """
        let exchanges = try Self.exchanges(text)
        let chunk = try #require(exchanges.first { if case .chunk = $0.kind { true } else { false } })
        #expect(chunk.deliveryExpectations.count == 1)
        #expect(exchanges.last?.expectation?.recordedCode?.rawValue == 221)
    }
}
