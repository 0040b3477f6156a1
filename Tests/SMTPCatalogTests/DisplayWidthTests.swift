import Testing
@testable import SMTPCatalog

@Suite struct DisplayWidthTests {
    @Test(arguments: [
        ("abc", 3), ("", 0), ("メール", 6), ("宛先です。", 10), ("（RFC 5321）", 12), ("Boîte", 5),
        ("e\u{301}", 1), ("한국", 4), ("ｱｲｳ", 3), ("ＡＢ", 4), ("\u{00A0}:", 2), ("🙂", 2), ("\u{200B}", 0),
        ("〜", 2), ("ー", 2), ("·", 1),
    ])
    func columns(text: String, columns: Int) {
        #expect(DisplayWidth.of(text) == columns)
    }
}

@Suite struct TextWrapperTests {
    static let texts: [String] = {
        var texts = Catalog.shared.entries.flatMap { entry in
            Language.allCases.flatMap { [entry.meaning[$0], entry.hint[$0]] }
        }
        .compactMap { $0 }
        texts.append(String(repeating: "x", count: 100))
        texts.append(String(repeating: "あ", count: 50))
        return texts
    }()

    @Test(arguments: [10, 20, 27, 40, 80])
    func noLineIsWiderThanAsked(width: Int) {
        for text in Self.texts {
            for line in TextWrapper.wrap(text, width: width) {
                #expect(DisplayWidth.of(line) <= width, "\(line)")
                #expect(!line.hasPrefix(" ") && !line.hasSuffix(" "), "\(line)")
            }
        }
    }

    @Test(arguments: [10, 33, 80])
    func nothingIsLost(width: Int) {
        for text in Self.texts {
            let wrapped = TextWrapper.wrap(text, width: width).joined()
            #expect(wrapped.filter { $0 != " " } == text.filter { $0 != " " }, "\(text)")
        }
    }

    /// Printable ASCII takes a shorter way; it must cut text exactly as the general one does.
    @Test(arguments: [
        "", " ", "a", " a", "a ", "a  b", "  Requested action done: the command was accepted.  ",
        "MAIL FROM:<a@example.org> SIZE=1000 BODY=8BITMIME", "x-y.z,(w)! ?",
    ])
    func asciiIsCutAsAnyTextIs(text: String) {
        #expect(TextWrapper.asciiSegments(of: text) == TextWrapper.anySegments(of: text))
        #expect(DisplayWidth.of(text) == text.unicodeScalars.reduce(0) { $0 + DisplayWidth.of($1) })
    }

    @Test func latinBreaksAtSpacesOnly() {
        #expect(TextWrapper.wrap("one two three four", width: 9) == ["one two", "three", "four"])
        #expect(TextWrapper.wrap("SCRAM-SHA-256 is good", width: 14) == ["SCRAM-SHA-256", "is good"])
        #expect(TextWrapper.wrap("", width: 10) == [""])
        #expect(TextWrapper.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
    }

    @Test func aNoBreakSpaceHolds() {
        #expect(TextWrapper.wrap("la réponse\u{00A0}: oui", width: 10) == ["la", "réponse\u{00A0}:", "oui"])
    }

    @Test func japaneseBreaksBetweenCharactersButNotBeforeClosingPunctuation() {
        let lines = TextWrapper.wrap("サーバーは「テスト」を受け付けました。次に進みます。", width: 10)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 10 })
        #expect(lines.count > 1)
        for line in lines {
            #expect(!["。", "」", "ー", "、"].contains(line.first), "\(lines)")
            #expect(line.last != "「", "\(lines)")
        }
        #expect(lines.joined() == "サーバーは「テスト」を受け付けました。次に進みます。")
    }

    @Test func mixedJapaneseAndLatin() {
        let lines = TextWrapper.wrap("認証に成功しました（AUTH、RFC 4954）。このユーザーとして", width: 16)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 16 })
        #expect(lines.joined(separator: "").replacingSpaces == "認証に成功しました（AUTH、RFC4954）。このユーザーとして")
    }
}

extension String {
    var replacingSpaces: String { filter { $0 != " " } }
}
