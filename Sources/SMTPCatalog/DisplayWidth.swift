import TextWidth

/// How many terminal columns text takes, as `wcwidth` counts them in a UTF-8 locale: East
/// Asian Wide and Fullwidth characters (kanji, kana, fullwidth punctuation such as `（` `。`,
/// Hangul, most emoji) take two, combining marks and invisible format characters none,
/// everything else one.
///
/// The widths are the line editor's (`TextWidth.CharacterWidth`, generated from glibc), so
/// that text wrapped here is laid out as the terminal draws it.
public enum DisplayWidth {
    /// Columns of one scalar: 0, 1 or 2 (control characters and what cannot be printed
    /// count 0: callers escape them).
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        max(0, CharacterWidth.of(scalar))
    }

    /// Columns of a string.
    /// What goes between a label that ends in a colon and its text: a space, except after a
    /// fullwidth colon (`ヒント：`, `使い方：`), which carries its own.
    public static func space(after label: String) -> String {
        label.unicodeScalars.last.map { of($0) >= 2 ? "" : " " } ?? " "
    }

    /// `text` followed by the spaces that make it `columns` wide (as it is, if it is wider):
    /// for columns of names and descriptions.
    public static func padded(_ text: String, to columns: Int) -> String {
        text + String(repeating: " ", count: max(0, columns - of(text)))
    }

    /// `text` cut to `columns` (a kanji counts two), with `…` where it was cut.
    public static func fitted(_ text: String, to columns: Int) -> String {
        guard of(text) > columns else { return text }
        guard columns > 1 else { return columns == 1 ? "…" : "" }
        var result = ""
        var width = 0
        for character in text {
            let characterWidth = of(String(character))
            if width + characterWidth > columns - 1 { break }
            result.append(character)
            width += characterWidth
        }
        while result.last == " " { result.removeLast() }
        return result + "…"
    }

    public static func of(_ text: some StringProtocol) -> Int {
        // Printable ASCII (most of what smtpsh prints): a column a byte.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        return text.unicodeScalars.reduce(0) { $0 + of($1) }
    }
}
