/// Makes bytes from the network safe and visible on a terminal.
///
/// Printable ASCII and valid UTF-8 text pass through. Everything that could act on a terminal
/// or hide what was sent is escaped: C0 and C1 control characters (ESC becomes `\x1B`, so a
/// server cannot repaint the screen or change the window title), DEL, Unicode bidirectional
/// overrides and other invisible format characters (`\u{202E}`), and invalid UTF-8 bytes
/// (`\xFF`). A backslash stays a backslash. Tab, CR and NUL are shown as `\t`, `\r`, `\0`.
public enum VisibleText {
    public static func escape<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        escape(bytes, reversible: false)
    }

    /// With `reversible`, ``EscapedBytes/decode(_:)`` gives the bytes back: a backslash is
    /// doubled, and an invisible character's bytes are written `\xHH` rather than `\u{…}`.
    static func escape<Bytes: Collection<UInt8>>(_ bytes: Bytes, reversible: Bool) -> String {
        var output = ""
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7F {
                if reversible && byte == UInt8(ascii: "\\") { output += "\\" }
                output.unicodeScalars.append(Unicode.Scalar(byte))
                index = bytes.index(after: index)
                continue
            }
            if byte < 0x80 {
                output += controlEscape(byte)
                index = bytes.index(after: index)
                continue
            }
            // A multi-byte UTF-8 sequence: decode one scalar, or escape the first byte (and,
            // reversibly, each byte of an invisible character).
            if let (scalar, length) = decodeScalar(bytes, at: index) {
                let hidden = isInvisibleOrControl(scalar)
                if !hidden || !reversible {
                    if hidden {
                        output += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                    } else {
                        output.unicodeScalars.append(scalar)
                    }
                    index = bytes.index(index, offsetBy: length)
                    continue
                }
            }
            output += hex(byte)
            index = bytes.index(after: index)
        }
        return output
    }

    public static func escape(_ string: String) -> String { escape(Array(string.utf8)) }

    /// An ASCII control byte written as an escape: `\t \r \n \0`, else `\xHH`.
    private static func controlEscape(_ byte: UInt8) -> String {
        switch byte {
        case 0x09: "\\t"
        case 0x0D: "\\r"
        case 0x0A: "\\n"
        case 0x00: "\\0"
        default: hex(byte)
        }
    }

    private static func hex(_ byte: UInt8) -> String { "\\x" + Hexadecimal.digits(byte) }

    /// C1 controls and invisible or bidirectional format characters: never shown as they are.
    public static func isInvisibleOrControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x80...0x9F: true  // C1 controls (CSI is 0x9B)
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: true  // zero-width, bidi, separators
        case 0xFFF9...0xFFFB: true
        default: false
        }
    }

    private static func decodeScalar<Bytes: Collection<UInt8>>(_ bytes: Bytes, at start: Bytes.Index) -> (Unicode.Scalar, Int)? {
        let first = bytes[start]
        let length: Int
        var value: UInt32
        switch first {
        case 0xC2...0xDF: length = 2; value = UInt32(first & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(first & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(first & 0x07)
        default: return nil
        }
        var index = bytes.index(after: start)
        for _ in 1..<length {
            guard index != bytes.endIndex else { return nil }
            let byte = bytes[index]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
            index = bytes.index(after: index)
        }
        // Reject overlong forms and surrogates.
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
