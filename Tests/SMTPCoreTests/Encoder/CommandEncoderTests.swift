import Testing
@testable import SMTPCore

@Suite struct CommandEncoderTests {
    @Test(arguments: [
        (Command.ehlo("client.example"), "EHLO client.example\r\n"),
        (.helo("x"), "HELO x\r\n"),
        (.mail(Path("a@b"), [.size(10), .body(.eightBitMIME)]), "MAIL FROM:<a@b> SIZE=10 BODY=8BITMIME\r\n"),
        (.mail(.null, []), "MAIL FROM:<>\r\n"),
        (.rcpt(Path("c@d"), [.notify(["NEVER"])]), "RCPT TO:<c@d> NOTIFY=NEVER\r\n"),
        (.data, "DATA\r\n"),
        (.bdat(size: 42, last: true), "BDAT 42 LAST\r\n"),
        (.bdat(size: 7, last: false), "BDAT 7\r\n"),
        (.rset, "RSET\r\n"),
        (.noop(nil), "NOOP\r\n"),
        (.noop("x"), "NOOP x\r\n"),
        (.quit, "QUIT\r\n"),
        (.vrfy("bob"), "VRFY bob\r\n"),
        (.expn("list"), "EXPN list\r\n"),
        (.help("MAIL"), "HELP MAIL\r\n"),
        (.startTLS, "STARTTLS\r\n"),
        (.auth(mechanism: "PLAIN", initialResponse: "AGEAYg=="), "AUTH PLAIN AGEAYg==\r\n"),
        (.raw(Array("XCLIENT NAME=x".utf8)), "XCLIENT NAME=x\r\n"),
    ])
    func encodesWithCRLF(command: Command, wire: String) throws {
        #expect(try CommandEncoder.encode(command) == Array(wire.utf8))
    }

    @Test func encodedCommandsParseBack() throws {
        let commands: [Command] = [
            .ehlo("a.example"), .mail(Path("x@y"), [.smtpUTF8, .requireTLS]), .rcpt(Path("z@w"), [.originalRecipient("rfc822;z@w")]),
            .data, .bdat(size: 3, last: true), .rset, .quit, .startTLS, .auth(mechanism: "LOGIN", initialResponse: nil),
        ]
        for command in commands {
            let bytes = try CommandEncoder.encode(command)
            #expect(try CommandParser.parse(bytes.dropLast(2)) == command)
        }
    }

    @Test(arguments: ["RCPT TO:<a@b>\r\nRCPT TO:<c@d>", "NOOP\n", "NOOP\rx"])
    func neverEmitsABareCROrLFInsideACommand(line: String) {
        #expect(throws: CommandEncodingError.self) { try CommandEncoder.encodeLine(line) }
        #expect(throws: CommandEncodingError.self) { try CommandEncoder.encode(.ehlo(line)) }
    }
}
