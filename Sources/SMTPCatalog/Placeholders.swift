import SMTPCore

/// Placeholders in catalogue texts: `{host}`, `{arg}`, `{size}` (and any lower-case name in
/// `message.*` entries), filled in when an entry is shown.
enum Placeholders {
    /// The names of the placeholders in `text`, in order (a name is `[a-z][a-z0-9-]*`;
    /// other braces are text).
    static func names(in text: some StringProtocol) -> [String] {
        guard text.utf8.contains(UInt8(ascii: "{")) else { return [] }
        var names: [String] = []
        var current: String?
        for scalar in text.unicodeScalars {
            if scalar == "{" {
                current = ""
            } else if scalar == "}" {
                if let name = current, !name.isEmpty { names.append(name) }
                current = nil
            } else if current != nil {
                let valid =
                    ("a"..."z").contains(scalar)
                    || (!current!.isEmpty && (("0"..."9").contains(scalar) || scalar == "-"))
                current = valid ? current! + String(scalar) : nil
            }
        }
        return names
    }

    /// `text` with each `{name}` that `values` has replaced by its value; other placeholders stay.
    static func fill(_ text: String, with values: [String: String]) -> String {
        guard !values.isEmpty, text.utf8.contains(UInt8(ascii: "{")) else { return text }
        // Braces are ASCII: searched as bytes, the text between copied whole.
        var result = ""
        let utf8 = text.utf8
        var rest = utf8.startIndex
        var index = rest
        while index < utf8.endIndex {
            guard utf8[index] == UInt8(ascii: "{") else {
                utf8.formIndex(after: &index)
                continue
            }
            let afterOpen = utf8.index(after: index)
            var close = afterOpen
            while close < utf8.endIndex, utf8[close] != UInt8(ascii: "}"), utf8[close] != UInt8(ascii: "{") {
                utf8.formIndex(after: &close)
            }
            if close < utf8.endIndex, utf8[close] == UInt8(ascii: "}"), let value = values[String(text[afterOpen..<close])] {
                result += text[rest..<index]
                result += value
                index = utf8.index(after: close)
                rest = index
            } else {
                index = afterOpen
            }
        }
        result += text[rest...]
        return result
    }

    /// A value from the server, made safe to print inside an explanation: control and
    /// invisible characters escaped (as the reply itself is shown), at most 64 characters.
    static func sanitised(_ value: String) -> String {
        // Printable ASCII, 64 bytes at most (an address, a host name): as it is.
        if value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) {
            return value.utf8.count <= 64 ? value : String(value.prefix(63)) + "…"
        }
        let visible = VisibleText.escape(value)
        return visible.count > 64 ? String(visible.prefix(63)) + "…" : visible
    }
}

/// A number of octets made readable in one language, as the SIZE keyword of an EHLO reply
/// is shown (RFC 1870): decimal units, rounded down so the figure never exceeds the limit.
///
/// ```
/// 35882577 → "35 MB" (en, ja), "35 Mo" (fr)
/// 1500000  → "1.5 MB", "1,5 Mo"
/// 512      → "512 B", "512 o"
/// ```
public enum ReadableSize {
    public static func format(_ octets: UInt64, in language: Language) -> String {
        let units =
            language == .fr ? ["o", "ko", "Mo", "Go", "To", "Po", "Eo"] : ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        let space = language == .fr ? "\u{00A0}" : " "
        var unit = 0
        var scale: UInt64 = 1
        while unit < units.count - 1, octets / scale >= 1000 {
            scale *= 1000
            unit += 1
        }
        let whole = octets / scale
        var figure = String(whole)
        if unit > 0, whole < 10 {
            let tenth = (octets % scale) / (scale / 10)
            if tenth > 0 { figure += (language == .fr ? "," : ".") + String(tenth) }
        }
        return figure + space + units[unit]
    }
}

/// A duration made readable in one language, as smtpsh shows a reply's latency and its
/// timeouts: the number as the language writes it, then the unit, with the space the
/// language puts between them (U+00A0 in French, as ``ReadableSize``).
///
/// ```
/// seconds(30)            → "30 s" (en), "30 s" (fr), "30 秒" (ja)
/// seconds(2.5)           → "2.5 s", "2,5 s", "2.5 秒"
/// milliseconds(0.44)     → "0.4 ms", "0,4 ms", "0.4 ms"
/// milliseconds(1500)     → "1.5 s", "1,5 s", "1.5 秒"
/// ```
///
/// Japanese keeps the symbol `ms` (as ping and most Japanese tools print a latency) but
/// writes seconds 秒 in a sentence (「30 秒以内に応答がありません」).
public enum ReadableDuration {
    /// A number of seconds, as given: `30`, `2.5`, `0.25`.
    public static func seconds(_ value: Double, in language: Language) -> String {
        let figure = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        return number(figure, in: language) + space(language) + secondsUnit(language)
    }

    /// A latency: one decimal under 10 ms, whole milliseconds under a second, then seconds
    /// with one decimal.
    public static func milliseconds(_ value: Double, in language: Language) -> String {
        if (value * 10).rounded() < 100 { return number(oneDecimal(value), in: language) + space(language) + "ms" }
        if value.rounded() < 1000 { return String(Int(value.rounded())) + space(language) + "ms" }
        return number(oneDecimal(value / 1000), in: language) + space(language) + secondsUnit(language)
    }

    private static func number(_ figure: String, in language: Language) -> String {
        language == .fr ? String(figure.map { $0 == "." ? "," : $0 }) : figure
    }

    private static func space(_ language: Language) -> String { language == .fr ? "\u{00A0}" : " " }

    private static func secondsUnit(_ language: Language) -> String { language == .ja ? "秒" : "s" }

    /// One decimal place, without Foundation.
    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
