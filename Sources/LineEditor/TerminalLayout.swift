import TextWidth

/// The arithmetic of a prompt and an input line on a terminal: how many columns each
/// character takes, and on which row and column libedit has put the cursor. Pure: the
/// line editor uses it to erase a (possibly wrapped) prompt and line before printing
/// above them, and the tests check it without a terminal.
///
/// The rules mirror libedit's `refresh.c` (3.1): a wide character that does not fit at the
/// end of a row is moved to the next row (the cell left over is padded with a space); a
/// row filled to the last column moves the cursor to the start of the next row; control
/// characters in the input line are drawn as `^X`, other unprintable characters as
/// `\U+XXXX`; tabs go to the next multiple of 8.
public enum TerminalLayout {
    /// Columns one character takes, with `wcwidth` semantics: -1 when it cannot be printed.
    public typealias WidthFunction = (Unicode.Scalar) -> Int

    /// The marker that brackets escape sequences in a prompt (libedit's `EL_PROMPT_ESC`).
    public static let promptEscapeMarker: Unicode.Scalar = "\u{1}"

    /// A cursor position, relative to the first column of the prompt's first row.
    public struct Position: Hashable, Sendable, CustomStringConvertible {
        public var row: Int
        public var column: Int

        public init(row: Int, column: Int) {
            self.row = row
            self.column = column
        }

        public var description: String { "(\(row), \(column))" }
    }

    // MARK: - Character widths

    /// `wcwidth` as glibc has it in a UTF-8 locale (`TextWidth.CharacterWidth`, the one
    /// width rule of the project): -1 when the character cannot be printed.
    public static func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
        CharacterWidth.of(scalar)
    }

    /// Columns `text` takes when libedit draws it in the input line, starting at column 0
    /// on a row wide enough: CJK characters count 2, combining marks 0, control
    /// characters 2 (`^C`), other unprintable characters 7 or 8 (`\U+XXXX`), a tab up to
    /// the next multiple of 8.
    public static func displayWidth(_ text: String, width: WidthFunction = scalarWidth) -> Int {
        var drawing = Drawing(columns: Int.max / 2)
        for scalar in text.unicodeScalars {
            drawing.addInputCharacter(scalar, width: width)
        }
        return drawing.column
    }

    /// Columns a prompt takes: what `\u{1}` brackets takes none (see `bracketEscapes`),
    /// unprintable characters take none.
    public static func promptWidth(_ prompt: String, width: WidthFunction = scalarWidth) -> Int {
        var drawing = Drawing(columns: Int.max / 2)
        drawing.drawPrompt(Array(prompt.unicodeScalars), width: width)
        return drawing.column
    }

    // MARK: - Rows

    /// Rows above the cursor's row that the prompt and the text before the cursor fill:
    /// how far to move up to reach the prompt's first row. Exact when no wide character
    /// straddles the end of a row; `cursorPosition` handles that case too.
    public static func rowsToErase(promptWidth: Int, textBeforeCursorWidth: Int, columns: Int) -> Int {
        guard columns > 0 else { return 0 }
        return (max(0, promptWidth) + max(0, textBeforeCursorWidth)) / columns
    }

    /// Where libedit puts the cursor after drawing `prompt` and `line` with the cursor
    /// before `line[cursor]` (`cursor == line.count`: at the end).
    public static func cursorPosition(
        prompt: String,
        line: [Unicode.Scalar],
        cursor: Int,
        columns: Int,
        width: WidthFunction = scalarWidth
    ) -> Position {
        var drawing = Drawing(columns: max(columns, 1))
        drawing.drawPrompt(Array(prompt.unicodeScalars), width: width)
        var position: Position?
        for (index, scalar) in line.enumerated() {
            if index == cursor {
                position = Position(row: drawing.row, column: drawing.column)
                // libedit: "handle being at a linebroken doublewidth char".
                let characterWidth = width(scalar)
                if characterWidth > 1 && drawing.column + characterWidth > drawing.columns {
                    position = Position(row: drawing.row + 1, column: 0)
                }
            }
            drawing.addInputCharacter(scalar, width: width)
        }
        return position ?? Position(row: drawing.row, column: drawing.column)
    }

    /// Convenience for `cursorPosition` with the line as a `String`, cursor at its end.
    public static func endPosition(
        prompt: String,
        line: String,
        columns: Int,
        width: WidthFunction = scalarWidth
    ) -> Position {
        let scalars = Array(line.unicodeScalars)
        return cursorPosition(prompt: prompt, line: scalars, cursor: scalars.count, columns: columns, width: width)
    }

    // MARK: - Prompt escapes

    /// Brackets each run of ANSI escape sequences (`ESC [ … final`, `ESC ] … BEL|ESC \`,
    /// `ESC x`) in `\u{1}` so libedit (`EL_PROMPT_ESC`) sends it without counting columns.
    ///
    /// libedit sends a bracketed run together with the visible character that follows it
    /// and drops a run that nothing visible follows, so a run at the very end (a colour
    /// reset after `> `) is moved before the last visible character. A prompt that already
    /// contains `\u{1}` is returned as it is.
    public static func bracketEscapes(_ prompt: String) -> String {
        let scalars = Array(prompt.unicodeScalars)
        if scalars.contains(promptEscapeMarker) || !scalars.contains("\u{1B}") { return prompt }

        enum Segment {
            case text([Unicode.Scalar])
            case escapes([Unicode.Scalar])
        }
        var segments: [Segment] = []
        func append(text scalar: Unicode.Scalar) {
            if case .text(let run)? = segments.last {
                segments[segments.count - 1] = .text(run + [scalar])
            } else {
                segments.append(.text([scalar]))
            }
        }
        func append(escape sequence: ArraySlice<Unicode.Scalar>) {
            if case .escapes(let run)? = segments.last {
                segments[segments.count - 1] = .escapes(run + sequence)
            } else {
                segments.append(.escapes(Array(sequence)))
            }
        }

        var index = 0
        while index < scalars.count {
            if scalars[index] == "\u{1B}" {
                let end = escapeSequenceEnd(scalars, from: index)
                append(escape: scalars[index..<end])
                index = end
            } else {
                append(text: scalars[index])
                index += 1
            }
        }

        // A trailing run would be dropped by libedit: move it before the last visible character.
        if segments.count >= 2, case .escapes(let trailing) = segments[segments.count - 1],
            case .text(let text) = segments[segments.count - 2], let last = text.last
        {
            segments.removeLast(2)
            if text.count > 1 { segments.append(.text(Array(text.dropLast()))) }
            if case .escapes(let before)? = segments.last {
                segments[segments.count - 1] = .escapes(before + trailing)
            } else {
                segments.append(.escapes(trailing))
            }
            segments.append(.text([last]))
        }

        var result = String.UnicodeScalarView()
        for segment in segments {
            switch segment {
            case .text(let text):
                result.append(contentsOf: text)
            case .escapes(let escapes):
                result.append(promptEscapeMarker)
                result.append(contentsOf: escapes)
                result.append(promptEscapeMarker)
            }
        }
        return String(result)
    }

    /// The index just past the escape sequence that starts at `start` (an ESC).
    static func escapeSequenceEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        var index = start + 1
        guard index < scalars.count else { return index }
        switch scalars[index] {
        case "[":  // CSI: parameters 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E.
            index += 1
            while index < scalars.count, (0x20...0x3F).contains(scalars[index].value) { index += 1 }
            if index < scalars.count, (0x40...0x7E).contains(scalars[index].value) { index += 1 }
            return index
        case "]", "P", "_", "^":  // OSC, DCS, APC, PM: up to BEL or ESC \.
            index += 1
            while index < scalars.count {
                if scalars[index] == "\u{7}" { return index + 1 }
                if scalars[index] == "\u{1B}" {
                    return index + 1 < scalars.count && scalars[index + 1] == "\\" ? index + 2 : index + 1
                }
                index += 1
            }
            return index
        default:  // Two-character sequences (ESC 7, ESC (B …).
            if scalars[index] == "(" || scalars[index] == ")" {
                return min(index + 2, scalars.count)
            }
            return index + 1
        }
    }
}

/// libedit's virtual display, reduced to the cursor it moves (`re_putc`, `re_addc`,
/// `re_putliteral` and `prompt_print` in refresh.c and prompt.c).
struct Drawing {
    let columns: Int
    var row = 0
    var column = 0

    init(columns: Int) {
        self.columns = columns
    }

    mutating func nextRow() {
        column = 0
        row += 1
    }

    /// `re_putc(el, c, 1)`: a character that does not fit is moved to the next row.
    mutating func put(width: Int) {
        let width = min(max(width, 0), columns)
        while column + width > columns { put(width: 1) }
        column += width
        if column >= columns { nextRow() }
    }

    /// `re_putliteral`: a bracketed prompt escape, sent with the character after it.
    mutating func putLiteral(width: Int) {
        guard width > 0 else { return }
        column += width
        if column >= columns { nextRow() }
    }

    /// `re_addc`: one character of the input line.
    mutating func addInputCharacter(_ scalar: Unicode.Scalar, width: TerminalLayout.WidthFunction) {
        let value = scalar.value
        if value == 0x09 {
            repeat { put(width: 1) } while column % 8 != 0
        } else if value == 0x0A {
            nextRow()
        } else if value < 0x20 || (0x7F...0x9F).contains(value) {
            put(width: 1)  // ^X
            put(width: 1)
        } else {
            let characterWidth = width(scalar)
            if characterWidth >= 0 {
                put(width: characterWidth)
            } else {
                for _ in 0..<(value > 0xFFFF ? 8 : 7) { put(width: 1) }  // \U+XXXX
            }
        }
    }

    /// `prompt_print` with `EL_PROMPT_ESC` `\u{1}`.
    mutating func drawPrompt(_ prompt: [Unicode.Scalar], width: TerminalLayout.WidthFunction) {
        var index = 0
        while index < prompt.count {
            if prompt[index] == TerminalLayout.promptEscapeMarker {
                var end = index + 1
                while end < prompt.count && prompt[end] != TerminalLayout.promptEscapeMarker { end += 1 }
                // libedit loses an unterminated literal, and one that nothing follows.
                if end >= prompt.count || end + 1 >= prompt.count { return }
                putLiteral(width: width(prompt[end + 1]))
                index = end + 2
                continue
            }
            put(width: width(prompt[index]))
            index += 1
        }
    }
}
