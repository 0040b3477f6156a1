@testable import SMTPCore
import Testing

@Suite struct EscapedBytesTests {
    @Test func escapesDecode() throws {
        #expect(try EscapedBytes.decode("A\\r\\nB\\n\\t\\0\\\\\\x7f\\xFF") == Array("A\r\nB\n\t".utf8) + [0, UInt8(ascii: "\\"), 0x7F, 0xFF])
        #expect(try EscapedBytes.decode("déjà") == Array("déjà".utf8))
        #expect(try EscapedBytes.decode("") == [])
    }

    @Test(arguments: [
        ("a\\q", EscapedBytes.SyntaxError(kind: .unknownEscape("q"), offset: 1, written: "\\q")),
        ("\\x4", EscapedBytes.SyntaxError(kind: .incompleteHex, offset: 0, written: "\\x4")),
        ("\\xG0", EscapedBytes.SyntaxError(kind: .incompleteHex, offset: 0, written: "\\xG0")),
        ("\\x１２", EscapedBytes.SyntaxError(kind: .incompleteHex, offset: 0, written: "\\x１２")),
        ("ab\\", EscapedBytes.SyntaxError(kind: .trailingBackslash, offset: 2, written: "\\")),
    ])
    func badEscapesAreErrors(text: String, error: EscapedBytes.SyntaxError) {
        #expect(throws: error) { try EscapedBytes.decode(text) }
    }

    /// Every byte string survives encode then decode, and the encoded form has no control
    /// character a terminal would act on.
    @Test func encodeIsDecodesInverse() throws {
        var samples: [[UInt8]] = [Array(0...255), Array("MAIL FROM:<a@b>\n.\r\n".utf8), Array("\u{202E}évil\\".utf8), [0xE2, 0x80]]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 { samples.append((0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }) }
        for bytes in samples {
            let text = EscapedBytes.encode(bytes)
            #expect(try EscapedBytes.decode(text) == bytes, "\(text)")
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || VisibleText.isInvisibleOrControl($0) })
        }
    }

    @Test func odditiesAreCounted() {
        let oddities = EscapedBytes.Oddities(of: Array("a\nb\r\nc\rd\0\r".utf8))
        #expect(oddities.bareLineFeeds == 1)
        #expect(oddities.bareCarriageReturns == 1, "the CR at the very end may be completed later")
        #expect(oddities.nulBytes == 1)
        #expect(EscapedBytes.Oddities(of: Array("EHLO x\r\n".utf8)).isEmpty)
    }
}

@Suite struct XClientCommandTests {
    @Test func attributesAreXtextEncoded() throws {
        let command = try XClientCommand(parsing: "name=relay.example addr=192.0.2.7  LOGIN=a+b=c HELO=[UNAVAILABLE]")
        #expect(command.line == "XCLIENT NAME=relay.example ADDR=192.0.2.7 LOGIN=a+2Bb+3Dc HELO=[UNAVAILABLE]")
        #expect(XClientCommand.xtext("é x") == "+C3+A9+20x")
        #expect(command.notOffered(by: ["NAME", "ADDR", "helo"]) == ["LOGIN"])
    }

    @Test func malformedAttributes() {
        #expect(throws: XClientCommand.ParseError.empty) { try XClientCommand(parsing: "  ") }
        #expect(throws: XClientCommand.ParseError.missingValue("ADDR")) { try XClientCommand(parsing: "NAME=x ADDR") }
        #expect(throws: XClientCommand.ParseError.missingName("=x")) { try XClientCommand(parsing: "=x") }
    }

    @Test func recognisedAsXClient() throws {
        // Not a verb RFC 5321 knows: the parser leaves it raw.
        #expect(throws: CommandParseError.self) { try CommandParser.parse(Array("xclient NAME=a".utf8)) }
        #expect(XClientCommand.isXClient(.raw(Array("xclient NAME=a".utf8))))
        #expect(!XClientCommand.isXClient(try CommandParser.parse(Array("NOOP".utf8))))
    }
}
