import Testing

@testable import LineEditor

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct TerminalLayoutTests {
    // MARK: - Widths

    @Test(
        arguments: [
            ("a", 1), ("~", 1), ("é", 1), ("あ", 2), ("日", 2), ("ア", 2), ("한", 2), ("Ａ", 2), ("😀", 2),
            ("\u{301}", 0), ("\u{200B}", 0), ("\u{1}", -1), ("\u{7F}", -1), ("\u{85}", -1), ("\u{E000}", 1),
        ] as [(Unicode.Scalar, Int)])
    func scalarWidthFollowsWcwidth(scalar: Unicode.Scalar, width: Int) {
        #expect(TerminalLayout.scalarWidth(scalar) == width)
    }

    /// The table is generated from glibc (Scripts/generate-width-table); at run time the
    /// editor asks the C library, as libedit does. They agree on what both know.
    @Test func scalarWidthAgreesWithTheCLibraryInAUTF8Locale() throws {
        let locale = try #require(newlocale(LC_CTYPE_MASK, "C.UTF-8", nil))
        let previous = uselocale(locale)
        defer {
            uselocale(previous)
            freelocale(locale)
        }
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0xA0...0x2FF, 0x300...0x36F,  // ASCII, Latin, combining diacritics
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF,  // Hangul Jamo, CJK punctuation, kana
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3,  // CJK ideographs, Hangul syllables
            0xFF01...0xFF60, 0xFFE0...0xFFE6, 0x1F600...0x1F64F,  // fullwidth forms, emoticons
        ]
        var disagreements: [String] = []
        for range in ranges {
            for value in range {
                let scalar = Unicode.Scalar(value)!
                let system = LineEditor.systemWidth(scalar)
                // Characters newer than the C library's Unicode data are -1 there: skip them.
                if system >= 0 && TerminalLayout.scalarWidth(scalar) != system {
                    disagreements.append(String(value, radix: 16))
                }
            }
        }
        #expect(disagreements.isEmpty, "U+\(disagreements.prefix(20).joined(separator: " U+"))")
    }

    @Test(
        arguments: [
            ("", 0),
            ("MAIL FROM:<alice@example.org>", 29),
            ("日本語", 6),
            ("田中さん@メール.例え.日本", 25),
            ("e\u{301}", 1),  // e + combining acute
            ("\u{3099}か", 2),  // combining voiced sound mark
            ("a\u{3}b", 4),  // ^C
            ("\t", 8),
            ("ab\tc", 9),
        ] as [(String, Int)])
    func displayWidthCountsColumnsAsLibeditDraws(text: String, width: Int) {
        #expect(TerminalLayout.displayWidth(text) == width)
    }

    @Test func unprintableCharactersAreDrawnAsTheirCodePoint() {
        #expect(TerminalLayout.displayWidth("\u{378}") == 7)  // \U+0378, unassigned
        #expect(TerminalLayout.displayWidth("\u{10FFFF}") == 8)  // \U+10FFFF
    }

    @Test func promptWidthIgnoresBracketedEscapes() {
        #expect(TerminalLayout.promptWidth("smtpsh> ") == 8)
        #expect(TerminalLayout.promptWidth("\u{1}\u{1B}[32m\u{1}smtpsh>\u{1}\u{1B}[0m\u{1} ") == 8)
        #expect(TerminalLayout.promptWidth("送信> ") == 6)
    }

    // MARK: - Rows to erase

    @Test(arguments: [
        (9, 0, 80, 0),  // just the prompt
        (9, 70, 80, 0),  // column 79: still the first row
        (9, 71, 80, 1),  // exactly 80: libedit has moved the cursor to the next row
        (9, 151, 80, 2),
        (100, 0, 80, 1),  // a prompt wider than a row
        (200, 5, 80, 2),
        (9, 31, 40, 1),
        (9, 10, 0, 0),  // no columns known
    ])
    func rowsToErase(promptWidth: Int, textWidth: Int, columns: Int, rows: Int) {
        #expect(
            TerminalLayout.rowsToErase(promptWidth: promptWidth, textBeforeCursorWidth: textWidth, columns: columns)
                == rows
        )
    }

    // MARK: - Cursor position

    static let japaneseLine = Array("RCPT TO:<田中さん@メール.例え.日本>".unicodeScalars)

    @Test func japaneseLineWrapsOverTwoRowsIn40Columns() {
        // harness> RCPT TO:<田中さん@メール.例え.  is 39 columns; 日 does not fit in the 40th.
        let end = TerminalLayout.cursorPosition(
            prompt: "harness> ",
            line: Self.japaneseLine,
            cursor: Self.japaneseLine.count,
            columns: 40
        )
        #expect(end == .init(row: 1, column: 5))
    }

    @Test func cursorOnAWideCharacterMovedToTheNextRowIsOnTheNextRow() {
        let index = Self.japaneseLine.firstIndex(of: "日")!
        let position = TerminalLayout.cursorPosition(
            prompt: "harness> ",
            line: Self.japaneseLine,
            cursor: index,
            columns: 40
        )
        #expect(position == .init(row: 1, column: 0))
        // The simple arithmetic says row 0 here: only the simulation gets it right.
        let widthBefore = TerminalLayout.displayWidth(String(String.UnicodeScalarView(Self.japaneseLine[..<index])))
        #expect(TerminalLayout.rowsToErase(promptWidth: 9, textBeforeCursorWidth: widthBefore, columns: 40) == 0)
    }

    @Test func cursorBeforeTheLastCharacterOfTheFirstRow() {
        let index = Self.japaneseLine.firstIndex(of: "日")! - 1  // the second "."
        let position = TerminalLayout.cursorPosition(
            prompt: "harness> ",
            line: Self.japaneseLine,
            cursor: index,
            columns: 40
        )
        #expect(position == .init(row: 0, column: 38))
    }

    @Test func aLineFillingTheRowExactlyPutsTheCursorOnTheNextRow() {
        let line = Array(String(repeating: "x", count: 31).unicodeScalars)
        #expect(
            TerminalLayout.cursorPosition(prompt: "harness> ", line: line, cursor: line.count, columns: 40)
                == .init(row: 1, column: 0)
        )
        #expect(
            TerminalLayout.cursorPosition(prompt: "harness> ", line: line, cursor: 30, columns: 40)
                == .init(row: 0, column: 39)
        )
    }

    @Test func aPromptWiderThanARow() {
        let prompt = String(repeating: "p", count: 50)
        #expect(
            TerminalLayout.cursorPosition(prompt: prompt, line: [], cursor: 0, columns: 40) == .init(row: 1, column: 10)
        )
        let line = Array("abc".unicodeScalars)
        #expect(
            TerminalLayout.cursorPosition(prompt: prompt, line: line, cursor: 3, columns: 20)
                == .init(row: 2, column: 13)
        )
    }

    @Test func aWidePromptCharacterThatDoesNotFitMovesToTheNextRow() {
        // 9 columns of ASCII then 送 (2) in a 10-column terminal.
        #expect(
            TerminalLayout.cursorPosition(prompt: "123456789送", line: [], cursor: 0, columns: 10)
                == .init(row: 1, column: 2)
        )
    }

    @Test func colourInThePromptTakesNoColumns() {
        let prompt = TerminalLayout.bracketEscapes("\u{1B}[1;32mharness[2]>\u{1B}[0m ")
        let line = Array("HELO x".unicodeScalars)
        #expect(
            TerminalLayout.cursorPosition(prompt: prompt, line: line, cursor: 6, columns: 80)
                == .init(row: 0, column: 18))
    }

    // MARK: - Prompt escapes

    @Test func bracketEscapesWrapsEachRunOfEscapeSequences() {
        #expect(
            TerminalLayout.bracketEscapes("\u{1B}[1m\u{1B}[32msmtpsh\u{1B}[0m> ")
                == "\u{1}\u{1B}[1m\u{1B}[32m\u{1}smtpsh\u{1}\u{1B}[0m\u{1}> "
        )
    }

    @Test func aTrailingEscapeMovesBeforeTheLastVisibleCharacter() {
        // libedit drops a bracketed run with nothing visible after it.
        #expect(
            TerminalLayout.bracketEscapes("\u{1B}[32mharness> \u{1B}[0m")
                == "\u{1}\u{1B}[32m\u{1}harness>\u{1}\u{1B}[0m\u{1} "
        )
    }

    @Test func promptsWithoutEscapesOrAlreadyBracketedAreLeftAlone() {
        #expect(TerminalLayout.bracketEscapes("smtpsh> ") == "smtpsh> ")
        let bracketed = "\u{1}\u{1B}[32m\u{1}smtpsh> "
        #expect(TerminalLayout.bracketEscapes(bracketed) == bracketed)
    }

    @Test func bracketEscapesKnowsOSCSequences() {
        // An OSC 8 hyperlink: ESC ] … ESC \ (or BEL).
        let prompt = "\u{1B}]8;;mailto:a@b\u{1B}\\a@b\u{1B}]8;;\u{7}> "
        #expect(
            TerminalLayout.bracketEscapes(prompt)
                == "\u{1}\u{1B}]8;;mailto:a@b\u{1B}\\\u{1}a@b\u{1}\u{1B}]8;;\u{7}\u{1}> "
        )
        #expect(TerminalLayout.promptWidth(TerminalLayout.bracketEscapes(prompt)) == 5)
    }
}
