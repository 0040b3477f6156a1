/// The notation for bytes sent exactly as written (`:raw`, `send --raw-data`'s display and a
/// recording's `:raw` lines): text stands for its UTF-8 bytes, and a backslash starts an
/// escape, so that any byte can be written and read back.
///
/// ```
/// MAIL FROM:<a@example.org>\n        → "MAIL FROM:<a@example.org>" LF   (a bare LF)
/// body\n.\nRSET\r\n                  → "body" LF "." LF "RSET" CR LF
/// \x00 \t \\                         → NUL, TAB, one backslash
/// ```
///
/// ``decode(_:)`` and ``encode(_:)`` are each other's inverse: a recording replays the bytes
/// it shows.
public enum EscapedBytes {
    /// What is wrong with an escape, and where (the offset in Unicode scalars of its backslash).
    public struct SyntaxError: Error, Hashable, Sendable {
        public enum Kind: Hashable, Sendable {
            /// `\q`: not one of `\r \n \t \0 \\ \xHH`.
            case unknownEscape(Character)
            /// `\x` not followed by two hexadecimal digits.
            case incompleteHex
            /// A backslash at the very end.
            case trailingBackslash
        }
        public var kind: Kind
        public var offset: Int
        /// The escape as written (`\q`, `\x4`), for the message.
        public var written: String
    }

    /// The bytes `text` stands for.
    public static func decode(_ text: String) throws(SyntaxError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        // Scalars, not characters: `\x9E` before a combining mark is still an escape.
        let scalars = Array(text.unicodeScalars)
        func hexValue(_ scalar: Unicode.Scalar) -> UInt8? {
            switch scalar {
            case "0"..."9": UInt8(scalar.value - 48)
            case "a"..."f": UInt8(scalar.value - 87)
            case "A"..."F": UInt8(scalar.value - 55)
            default: nil
            }
        }
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "\\" else {
                bytes += Array(String(scalar).utf8)
                index += 1
                continue
            }
            guard index + 1 < scalars.count else {
                throw SyntaxError(kind: .trailingBackslash, offset: index, written: "\\")
            }
            let next = scalars[index + 1]
            switch next {
            case "r": bytes.append(13)
            case "n": bytes.append(10)
            case "t": bytes.append(9)
            case "0": bytes.append(0)
            case "\\": bytes.append(UInt8(ascii: "\\"))
            case "x", "X":
                let digits = scalars[(index + 2)..<min(index + 4, scalars.count)]
                guard digits.count == 2, let high = digits.first.flatMap(hexValue), let low = digits.last.flatMap(hexValue) else {
                    var written = "\\" + String(next)
                    written.unicodeScalars.append(contentsOf: digits)
                    throw SyntaxError(kind: .incompleteHex, offset: index, written: written)
                }
                bytes.append(high << 4 | low)
                index += 4
                continue
            default:
                throw SyntaxError(kind: .unknownEscape(Character(next)), offset: index, written: "\\" + String(next))
            }
            index += 2
        }
        return bytes
    }

    /// `bytes` written so that ``decode(_:)`` gives them back and a terminal shows them
    /// safely: printable ASCII and visible UTF-8 as they are, a backslash doubled, CR, LF,
    /// TAB and NUL as `\r \n \t \0`, every other byte as `\xHH`.
    public static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        VisibleText.escape(bytes, reversible: true)
    }

    /// What in `bytes` is not SMTP's line ending or text: LF without CR before it, CR without
    /// LF after it, NUL. A warning names them.
    public struct Oddities: Hashable, Sendable {
        public var bareLineFeeds = 0
        public var bareCarriageReturns = 0
        public var nulBytes = 0

        public init<Bytes: Collection<UInt8>>(of bytes: Bytes) {
            var previous: UInt8?
            var pendingCR = false
            for byte in bytes {
                if pendingCR && byte != 10 { bareCarriageReturns += 1 }
                pendingCR = byte == 13
                if byte == 10 && previous != 13 { bareLineFeeds += 1 }
                if byte == 0 { nulBytes += 1 }
                previous = byte
            }
            // A CR at the very end may be completed by what is sent next: not counted.
        }

        public var isEmpty: Bool { bareLineFeeds == 0 && bareCarriageReturns == 0 && nulBytes == 0 }
    }
}
