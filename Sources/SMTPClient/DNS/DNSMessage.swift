/// The few DNS messages smtpsh needs (RFC 1035, section 4): a query for MX, A or AAAA, and
/// the answers, with name compression. Parsing never trusts the wire: every length and
/// pointer is checked, and compression loops end.
public enum DNSRecordType: UInt16, Hashable, Sendable {
    case a = 1
    case mx = 15
    case aaaa = 28
}

public struct DNSQuery: Hashable, Sendable {
    public var id: UInt16
    public var name: String
    public var type: DNSRecordType

    public init(id: UInt16, name: String, type: DNSRecordType) {
        self.id = id
        self.name = name
        self.type = type
    }

    /// The query on the wire (recursion desired).
    public func encoded() throws(DNSError) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        bytes += try Self.encodeName(name)
        bytes += [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1]
        return bytes
    }

    static func encodeName(_ name: String) throws(DNSError) -> [UInt8] {
        var bytes: [UInt8] = []
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        guard !trimmed.isEmpty else { return [0] }
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            let utf8 = Array(label.utf8)
            guard !utf8.isEmpty, utf8.count <= 63 else { throw DNSError.invalidName(name) }
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes.append(0)
        guard bytes.count <= 255 else { throw DNSError.invalidName(name) }
        return bytes
    }
}

public struct DNSResponse: Hashable, Sendable {
    public enum Answer: Hashable, Sendable {
        case mx(preference: UInt16, exchange: String)
        case a([UInt8])
        case aaaa([UInt8])
        case other(type: UInt16)
    }

    public var id: UInt16
    /// RCODE (RFC 1035, 4.1.1): 0 no error, 2 server failure, 3 name error (NXDOMAIN), 5 refused.
    public var responseCode: UInt8
    public var truncated: Bool
    public var answers: [Answer]

    public init(id: UInt16, responseCode: UInt8, truncated: Bool, answers: [Answer]) {
        self.id = id
        self.responseCode = responseCode
        self.truncated = truncated
        self.answers = answers
    }

    public init(parsing bytes: [UInt8]) throws(DNSError) {
        guard bytes.count >= 12 else { throw .malformed("shorter than a header") }
        id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard bytes[2] & 0x80 != 0 else { throw .malformed("not a response") }
        truncated = bytes[2] & 0x02 != 0
        responseCode = bytes[3] & 0x0F
        let questions = Int(UInt16(bytes[4]) << 8 | UInt16(bytes[5]))
        let answerCount = Int(UInt16(bytes[6]) << 8 | UInt16(bytes[7]))
        var offset = 12
        for _ in 0..<questions {
            _ = try Self.readName(bytes, at: &offset)
            offset += 4
            guard offset <= bytes.count else { throw .malformed("question runs past the end") }
        }
        var answers: [Answer] = []
        for _ in 0..<min(answerCount, 256) {
            _ = try Self.readName(bytes, at: &offset)
            guard offset + 10 <= bytes.count else { throw .malformed("answer runs past the end") }
            let type = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
            let length = Int(UInt16(bytes[offset + 8]) << 8 | UInt16(bytes[offset + 9]))
            offset += 10
            guard offset + length <= bytes.count else { throw .malformed("record data runs past the end") }
            switch type {
            case DNSRecordType.mx.rawValue:
                guard length >= 3 else { throw .malformed("MX record too short") }
                let preference = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
                var nameOffset = offset + 2
                let exchange = try Self.readName(bytes, at: &nameOffset)
                answers.append(.mx(preference: preference, exchange: exchange))
            case DNSRecordType.a.rawValue where length == 4:
                answers.append(.a(Array(bytes[offset..<offset + 4])))
            case DNSRecordType.aaaa.rawValue where length == 16:
                answers.append(.aaaa(Array(bytes[offset..<offset + 16])))
            default:
                answers.append(.other(type: type))
            }
            offset += length
        }
        self.answers = answers
    }

    /// Reads a possibly compressed name; `offset` moves past it in the original position.
    static func readName(_ bytes: [UInt8], at offset: inout Int) throws(DNSError) -> String {
        var labels: [String] = []
        var position = offset
        var jumped = false
        var jumps = 0
        var length = 0
        while true {
            guard position < bytes.count else { throw .malformed("name runs past the end") }
            let count = Int(bytes[position])
            if count == 0 {
                if !jumped { offset = position + 1 }
                break
            }
            if count & 0xC0 == 0xC0 {
                guard position + 1 < bytes.count else { throw .malformed("compression pointer cut") }
                jumps += 1
                guard jumps <= 32 else { throw .malformed("compression loop") }
                let target = (count & 0x3F) << 8 | Int(bytes[position + 1])
                if !jumped { offset = position + 2 }
                jumped = true
                guard target < bytes.count else { throw .malformed("compression pointer past the end") }
                position = target
                continue
            }
            guard count <= 63, position + 1 + count <= bytes.count else { throw .malformed("label runs past the end") }
            length += count + 1
            guard length <= 255 else { throw .malformed("name longer than 255 octets") }
            labels.append(String(decoding: bytes[(position + 1)...(position + count)], as: UTF8.self))
            position += 1 + count
        }
        return labels.joined(separator: ".")
    }

    /// Encodes a response (for tests and the fake DNS server in them).
    public static func encode(id: UInt16, question: DNSQuery, responseCode: UInt8 = 0, answers: [Answer]) throws(DNSError) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x81, 0x80 | responseCode, 0, 1, 0, UInt8(answers.count), 0, 0, 0, 0]
        let name = try DNSQuery.encodeName(question.name)
        bytes += name + [UInt8(question.type.rawValue >> 8), UInt8(question.type.rawValue & 0xFF), 0, 1]
        for answer in answers {
            bytes += [0xC0, 12]
            let data: [UInt8]
            let type: UInt16
            switch answer {
            case .mx(let preference, let exchange):
                type = 15
                data = [UInt8(preference >> 8), UInt8(preference & 0xFF)] + (try DNSQuery.encodeName(exchange))
            case .a(let address):
                type = 1
                data = address
            case .aaaa(let address):
                type = 28
                data = address
            case .other(let other):
                type = other
                data = []
            }
            bytes += [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1, 0, 0, 0x0E, 0x10, UInt8(data.count >> 8), UInt8(data.count & 0xFF)]
            bytes += data
        }
        return bytes
    }
}
