import Testing
@testable import SMTPCore

@Suite struct VisibleTextTests {
    @Test(arguments: [
        ([UInt8]("250 OK".utf8), "250 OK"),
        (Array("café 日本語".utf8), "café 日本語"),
        ([0x1B, 0x5B, 0x32, 0x4A], "\\x1B[2J"),
        (Array("\u{1B}]0;pwned\u{07}".utf8), "\\x1B]0;pwned\\x07"),
        ([0xC2, 0x9B, 0x32, 0x4A], "\\u{9B}2J"),
        ([0xFF, 0xFE, 0x41], "\\xFF\\xFEA"),
        ([0xC3, 0x28], "\\xC3("),
        ([0xC0, 0xAF], "\\xC0\\xAF"),
        ([0xED, 0xA0, 0x80], "\\xED\\xA0\\x80"),
        ([0x00, 0x09, 0x0D, 0x7F], "\\0\\t\\r\\x7F"),
        (Array("a\u{202E}b".utf8), "a\\u{202E}b"),
        (Array("\\".utf8), "\\"),
        ([0xE6, 0x97], "\\xE6\\x97"),
    ])
    func escapes(bytes: [UInt8], expected: String) {
        #expect(VisibleText.escape(bytes) == expected)
    }

    @Test func noEscapeCharacterEverSurvives() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<24, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let escaped = VisibleText.escape(bytes)
            #expect(!escaped.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) })
        }
    }
}
