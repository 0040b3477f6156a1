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
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
