#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore

/// Just enough JSON to write events (RFC 8259): strings escaped, numbers without exponent.
/// Written as UTF-8 bytes: a string without characters to escape is copied whole.
enum JSONValue {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    var text: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    func write(into out: inout [UInt8]) {
        switch self {
        case .string(let value): Self.writeQuoted(value, into: &out)
        case .number(let value):
            if value == value.rounded() && abs(value) < 1e15 {
                out.append(contentsOf: String(Int64(value)).utf8)
            } else {
                out.append(contentsOf: String(value).utf8)
            }
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeQuoted(field.0, into: &out)
                out.append(UInt8(ascii: ":"))
                field.1.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func quoted(_ value: String) -> String {
        var bytes: [UInt8] = []
        writeQuoted(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Escapes `"`, `\`, controls (C0, DEL, C1) and U+2028/U+2029, which some readers take for
    /// line ends; everything else is copied as it is, a run of plain bytes at a time.
    /// Whether one of the eight bytes of `word` is below 0x20, `"`, `\`, 0x7F or 0x80 and above
    /// (the classic "has a byte less than / equal to" bit tricks).
    @inline(__always)
    private static func mayNeedEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let below = (word &- ones &* 0x20) & ~word & highs
        return (below | hasZero(word ^ (ones &* 0x22)) | hasZero(word ^ (ones &* 0x5C)) | hasZero(word ^ (ones &* 0x7F))
            | (word & highs)) != 0
    }

    static func writeQuoted(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            let count = bytes.count
            var plain = 0
            var index = 0
            while index < count {
                // Eight bytes at a time while none of them needs a look (no control, `"`, `\`,
                // DEL or byte of a non-ASCII character).
                if index + 8 <= count {
                    let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                    if !Self.mayNeedEscaping(word) {
                        index += 8
                        continue
                    }
                }
                let byte = bytes[index]
                // Printable ASCII but `"` and `\`, and the bytes of other characters: as they are.
                if byte >= 0x20 && byte != 0x22 && byte != 0x5C && byte != 0x7F && byte != 0xC2 && byte != 0xE2 {
                    index += 1
                    continue
                }
                var scalar = UInt32(byte)
                var length = 1
                if byte == 0xC2 || byte == 0xE2 {
                    if byte == 0xC2, index + 1 < count, (0x80...0x9F).contains(bytes[index + 1]) {
                        scalar = UInt32(bytes[index + 1])
                        length = 2
                    } else if byte == 0xE2, index + 2 < count, bytes[index + 1] == 0x80,
                        bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9
                    {
                        scalar = 0x2000 | UInt32(bytes[index + 2] & 0x3F)
                        length = 3
                    } else {
                        index += 1
                        continue
                    }
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plain..<index]))
                switch scalar {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [
                        0x5C, 0x75, hex[Int(scalar >> 12 & 15)], hex[Int(scalar >> 8 & 15)], hex[Int(scalar >> 4 & 15)],
                        hex[Int(scalar & 15)],
                    ])
                }
                index += length
                plain = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plain..<count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
