/// Lines of a file, split on the bytes (in Swift, "\r\n" is one Character: splitting a
/// String on "\n" would leave CRLF lines whole).
public enum TextLines {
    /// The lines without their LF or CRLF; a final line end does not make an empty line.
    public static func split<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [String] {
        let bytes = Array(bytes)
        var lines: [String] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 10 {
            var end = index
            if end > start && bytes[end - 1] == 13 { end -= 1 }
            lines.append(String(decoding: bytes[start..<end], as: UTF8.self))
            start = index + 1
        }
        if start < bytes.count {
            var end = bytes.count
            if bytes[end - 1] == 13 { end -= 1 }
            lines.append(String(decoding: bytes[start..<end], as: UTF8.self))
        }
        return lines
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, CR and LF (no Foundation).
    public var trimmingSpaces: String {
        trimming { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
    }

    /// The text without the characters at either end that `isTrimmed` accepts
    /// (`"..a.b.".trimming { $0 == "." }` is `"a.b"`).
    public func trimming(_ isTrimmed: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !isTrimmed($0) }), let last = lastIndex(where: { !isTrimmed($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
