import Testing
@testable import SMTPCore

@Suite struct EnhancedStatusCodeTests {
    struct Fixture: CustomStringConvertible, Sendable {
        var text: String
        var code: String?
        var hash: Bool = false
        var length: Int = 0
        var description: String { text }
    }

    @Test(arguments: [
        Fixture(text: "5.1.1 User unknown", code: "5.1.1", length: 6),
        Fixture(text: "#4.3.1 queue full", code: "4.3.1", hash: true, length: 7),
        Fixture(text: "2.0.0", code: "2.0.0", length: 5),
        Fixture(text: "5.7.708 policy", code: "5.7.708", length: 8),
        Fixture(text: "4.7.30 REQUIRETLS", code: "4.7.30", length: 7),
        Fixture(text: "#5.7.11 Encryption required", code: "5.7.11", hash: true, length: 8),
    ])
    func parsesTheCodeAtTheStart(fixture: Fixture) throws {
        let prefix = try #require(EnhancedStatusCodePrefix.parse(fixture.text.bytes))
        #expect(prefix.code.description == fixture.code)
        #expect(prefix.hashPrefixed == fixture.hash)
        #expect(prefix.length == fixture.length)
    }

    @Test(arguments: [
        "#4.x.2 Too many messages to this session",
        "4.x.2 Too many messages",
        "5.1 incomplete",
        "6.0.0 not a class",
        "3.0.0 not a class either",
        "5.1.1234 too many digits",
        "5.1.1text without space",
        "5..1 empty subject",
        "# 4.3.1 space after hash",
        "##4.3.1",
        "my_esa.local Service not available",
        "",
        "5",
        "5.",
        "5.1.",
    ])
    func malformedFormsAreNotCodes(text: String) {
        #expect(EnhancedStatusCodePrefix.parse(text.bytes) == nil)
    }

    @Test func exactParsing() {
        #expect(EnhancedStatusCode("5.1.1") == EnhancedStatusCode(statusClass: .permanentFailure, subject: 1, detail: 1))
        #expect(EnhancedStatusCode("4.7.30")?.detail == 30)
        #expect(EnhancedStatusCode("5.1.1 ") == nil)
        #expect(EnhancedStatusCode("#5.1.1") == nil)
        #expect(EnhancedStatusCode("x") == nil)
    }

    @Test func aReplyWithAMalformedCodeKeepsItsText() throws {
        let reply = try #require(ReplyParser.parseAll("421 #4.x.2 Too many messages to this session\r\n".bytes).first)
        #expect(reply.code == .serviceNotAvailable)
        #expect(reply.enhancedStatusCode == nil)
        #expect(reply.text == "#4.x.2 Too many messages to this session")
    }
}
