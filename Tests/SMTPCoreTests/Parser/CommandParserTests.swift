import Testing
@testable import SMTPCore

@Suite struct CommandParserTests {
    struct Success: CustomStringConvertible, Sendable {
        var line: String
        var command: Command
        var description: String { line }
    }

    static let successes: [Success] = [
        Success(line: "EHLO client.example", command: .ehlo("client.example")),
        Success(line: "ehlo [127.0.0.1]", command: .ehlo("[127.0.0.1]")),
        Success(line: "HELO x", command: .helo("x")),
        Success(line: "MAIL FROM:<alice@example.org>", command: .mail(Path("alice@example.org"), [])),
        Success(line: "mail from: <alice@example.org>", command: .mail(Path("alice@example.org"), [])),
        Success(line: "MAIL FROM:<>", command: .mail(.null, [])),
        Success(
            line: "MAIL FROM:<a@b> SIZE=1024 BODY=8BITMIME SMTPUTF8",
            command: .mail(Path("a@b"), [.size(1024), .body(.eightBitMIME), .smtpUTF8])
        ),
        Success(
            line: "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org",
            command: .rcpt(
                Path("bob@example.org"),
                [.notify(["SUCCESS", "FAILURE"]), .originalRecipient("rfc822;bob@example.org")]
            )
        ),
        Success(line: "RCPT TO:<Postmaster>", command: .rcpt(Path("Postmaster"), [])),
        Success(line: "RCPT TO:<\"john doe\"@example.org>", command: .rcpt(Path("\"john doe\"@example.org"), [])),
        Success(line: "RCPT TO:<\"a>b\"@example.org>", command: .rcpt(Path("\"a>b\"@example.org"), [])),
        Success(line: "RCPT TO:<@relay.example:bob@example.org>", command: .rcpt(Path("@relay.example:bob@example.org"), [])),
        Success(line: "RCPT TO:<用户@例子.中国>", command: .rcpt(Path("用户@例子.中国"), [])),
        Success(line: "DATA", command: .data),
        Success(line: "data  ", command: .data),
        Success(line: "BDAT 1000", command: .bdat(size: 1000, last: false)),
        Success(line: "BDAT 0 LAST", command: .bdat(size: 0, last: true)),
        Success(line: "RSET", command: .rset),
        Success(line: "NOOP", command: .noop(nil)),
        Success(line: "NOOP hello", command: .noop("hello")),
        Success(line: "QUIT", command: .quit),
        Success(line: "VRFY postmaster", command: .vrfy("postmaster")),
        Success(line: "EXPN staff", command: .expn("staff")),
        Success(line: "HELP", command: .help(nil)),
        Success(line: "HELP MAIL", command: .help("MAIL")),
        Success(line: "STARTTLS", command: .startTLS),
        Success(line: "AUTH PLAIN", command: .auth(mechanism: "PLAIN", initialResponse: nil)),
        Success(line: "auth plain AGFsaWNlAHNlY3JldA==", command: .auth(mechanism: "PLAIN", initialResponse: "AGFsaWNlAHNlY3JldA==")),
        Success(line: "AUTH CRAM-MD5", command: .auth(mechanism: "CRAM-MD5", initialResponse: nil)),
    ]

    @Test(arguments: successes)
    func parses(fixture: Success) throws {
        #expect(try CommandParser.parse(fixture.line) == fixture.command)
        #expect(try CommandParser.parse(Array(fixture.line.utf8)) == fixture.command)
    }

    struct Failure: CustomStringConvertible, Sendable {
        var line: String
        var kind: CommandParseError.Kind
        var description: String { line }
    }

    static let failures: [Failure] = [
        Failure(line: "", kind: .empty),
        Failure(line: "   ", kind: .empty),
        Failure(line: "XYZZY", kind: .unknownVerb),
        Failure(line: "EHLO", kind: .missingArgument),
        Failure(line: "helo", kind: .missingArgument),
        Failure(line: "EHLO two words", kind: .syntax),
        Failure(line: "MAIL FROM:alice@example.org", kind: .missingAngleBrackets),
        Failure(line: "MAIL FROM:<alice@example.org", kind: .missingAngleBrackets),
        Failure(line: "MAIL", kind: .missingArgument),
        Failure(line: "MAIL TO:<a@b>", kind: .syntax),
        Failure(line: "MAIL FROM:", kind: .missingArgument),
        Failure(line: "MAIL FROM:<a@b>SIZE=1", kind: .syntax),
        Failure(line: "MAIL FROM:<a@b> =1", kind: .invalidParameter("=1")),
        Failure(line: "MAIL FROM:<a b@c>", kind: .syntax),
        Failure(line: "RCPT TO:<>", kind: .syntax),
        Failure(line: "RCPT FROM:<a@b>", kind: .syntax),
        Failure(line: "DATA now", kind: .unexpectedArgument),
        Failure(line: "QUIT please", kind: .unexpectedArgument),
        Failure(line: "BDAT", kind: .missingArgument),
        Failure(line: "BDAT -1", kind: .syntax),
        Failure(line: "BDAT 99999999999999999999", kind: .syntax),
        Failure(line: "BDAT 10 FIRST", kind: .syntax),
        Failure(line: "AUTH", kind: .missingArgument),
        Failure(line: "AUTH PLAIN a b", kind: .syntax),
        Failure(line: "VRFY", kind: .missingArgument),
    ]

    @Test(arguments: failures)
    func fails(fixture: Failure) {
        #expect(throws: CommandParseError.self) { try CommandParser.parse(fixture.line) }
        do {
            _ = try CommandParser.parse(fixture.line)
        } catch {
            #expect(error.kind == fixture.kind)
        }
    }

    @Test func invalidUTF8IsAnError() {
        do {
            _ = try CommandParser.parse([0x45, 0x48, 0xFF])
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .invalidUTF8)
        }
    }

    @Test func knownVerbOfRawLines() {
        #expect(Command.raw(Array("helo".utf8)).knownVerb == .helo)
        #expect(Command.raw(Array("xyzzy 1".utf8)).knownVerb == nil)
        #expect(Command.raw(Array("BDAT 5 LAST".utf8)).isLastChunk)
        #expect(Command.auth(mechanism: "PLAIN", initialResponse: "AGFiYwB4").carriesSecret)
        #expect(!Command.auth(mechanism: "LOGIN", initialResponse: nil).carriesSecret)
    }

    @Test func parameterAccessors() {
        #expect(MailParameter(parsing: "size=2048")?.sizeValue == 2048)
        #expect(MailParameter(parsing: "SIZE=-1")?.sizeValue == nil)
        #expect(MailParameter(parsing: "SIZE=99999999999999999999")?.sizeValue == nil)
        #expect(MailParameter(parsing: "BODY=8bitmime")?.bodyValue == .eightBitMIME)
        #expect(MailParameter(parsing: "X-CUSTOM=yes") == MailParameter(keyword: "X-CUSTOM", value: "yes"))
        #expect(MailParameter(parsing: "-bad") == nil)
        #expect(MailParameter.smtpUTF8.description == "SMTPUTF8")
        #expect(Path("a@example.org").domain == "example.org")
        #expect(Path("用户@例子").needsSMTPUTF8)
        #expect(Path.null.description == "<>")
    }
}
