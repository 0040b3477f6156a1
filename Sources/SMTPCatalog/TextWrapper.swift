/// Wraps text to a number of terminal columns, by display width (``DisplayWidth``).
///
/// Lines break at spaces; in Japanese, which has none, between any two characters where
/// one is wide, except before closing punctuation and small kana (`、。）」ー ッ`…) and
/// after opening brackets (`（「`), as Japanese typesetting wants (kinsoku). A no-break
/// space (French `texte :`) never breaks. A word longer than the line is cut.
public enum TextWrapper {
    public static func wrap(_ text: String, width: Int) -> [String] {
        let width = max(width, 2)
        var lines: [String] = []
        var line = ""
        var lineWidth = 0
        var pendingSpace = false

        for segment in segments(of: text) {
            if segment.isSpace {
                pendingSpace = !line.isEmpty
                continue
            }
            let spaceWidth = pendingSpace ? 1 : 0
            if lineWidth + spaceWidth + segment.width <= width {
                if pendingSpace { line += " " }
                line += segment.text
                lineWidth += spaceWidth + segment.width
            } else if segment.width <= width {
                if !line.isEmpty { lines.append(line) }
                line = segment.text
                lineWidth = segment.width
            } else {
                // Longer than a line (a URL): on a line of its own, cut by characters.
                if !line.isEmpty { lines.append(line) }
                line = ""
                lineWidth = 0
                for character in segment.text {
                    let characterWidth = DisplayWidth.of(String(character))
                    if lineWidth + characterWidth > width, !line.isEmpty {
                        lines.append(line)
                        line = ""
                        lineWidth = 0
                    }
                    line.append(character)
                    lineWidth += characterWidth
                }
            }
            pendingSpace = false
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    struct Segment: Equatable {
        var text: String
        var width: Int
        var isSpace: Bool
    }

    /// The text cut at every place a line may break; spaces are segments of their own.
    static func segments(of text: String) -> [Segment] {
        text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) ? asciiSegments(of: text) : anySegments(of: text)
    }

    /// Any text: by characters, with the display width of each, and Japanese rules.
    static func anySegments(of text: String) -> [Segment] {
        var segments: [Segment] = []
        var current = Segment(text: "", width: 0, isSpace: false)
        var previous: Character?
        for character in text {
            let isSpace = character == " " || character == "\t" || character == "\n"
            let characterWidth = DisplayWidth.of(String(character))
            let breakBefore: Bool
            if isSpace {
                breakBefore = true
            } else if let previous, previous == " " || previous == "\t" || previous == "\n" {
                breakBefore = true
            } else if let previous, characterWidth > 1 || DisplayWidth.of(String(previous)) > 1 {
                breakBefore = !noBreakBefore.contains(character) && !noBreakAfter.contains(previous)
            } else {
                breakBefore = false
            }
            if breakBefore, !current.text.isEmpty {
                segments.append(current)
                current = Segment(text: "", width: 0, isSpace: false)
            }
            if isSpace {
                segments.append(Segment(text: " ", width: 1, isSpace: true))
            } else {
                current.text.append(character)
                current.width += characterWidth
            }
            previous = character
        }
        if !current.text.isEmpty { segments.append(current) }
        return segments
    }

    /// The same for printable ASCII (English), where only spaces break and every byte is a
    /// column: no grapheme breaking, no width lookups.
    static func asciiSegments(of text: String) -> [Segment] {
        var segments: [Segment] = []
        for (index, word) in text.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).enumerated() {
            if index > 0 { segments.append(Segment(text: " ", width: 1, isSpace: true)) }
            if !word.isEmpty { segments.append(Segment(text: String(Substring(word)), width: word.count, isSpace: false)) }
        }
        return segments
    }

    /// Characters a line must not start with (Japanese closing punctuation, small kana,
    /// prolonged sound mark; Latin closing punctuation).
    static let noBreakBefore: Set<Character> = Set(
        "、。，．・：；？！）］｝〕〉》」』】〙〗〟’”ゝゞー々〻ァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎ‐゠–〜～…‥)]}.,:;!?%»"
    )

    /// Characters a line must not end with (opening brackets).
    static let noBreakAfter: Set<Character> = Set("（［｛〔〈《「『【〘〖〝‘“([{«")
}
