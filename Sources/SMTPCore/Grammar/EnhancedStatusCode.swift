/// An enhanced mail system status code (RFC 3463, section 2; used in replies per RFC 2034).
///
/// `class.subject.detail`, where the class is 2 (success), 4 (persistent transient failure)
/// or 5 (permanent failure), and subject and detail are numbers of one to three digits.
///
/// ```
/// C: RCPT TO:<nobody@example.org>
/// S: 550 5.1.1 Mailbox does not exist
/// ```
///
/// Some appliances prefix the code with `#`: `452 #4.3.1 queue full`. Both forms are parsed.
/// Anything that does not match the grammar exactly (`#4.x.2`, `5.1`, `6.0.0`) is not an
/// enhanced status code: the text stays as it is and no code is reported.
public struct EnhancedStatusCode: Hashable, Sendable, CustomStringConvertible {
    /// RFC 3463, section 3.1.
    public enum Class: Int, Hashable, Sendable, CaseIterable {
        case success = 2
        case persistentTransientFailure = 4
        case permanentFailure = 5
    }

    public var statusClass: Class
    /// RFC 3463, section 3.2 names subjects 0 to 7; larger ones are representable.
    public var subject: Int
    public var detail: Int

    public init(statusClass: Class, subject: Int, detail: Int) {
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// Parses exactly `class.subject.detail` (no prefix, nothing after).
    public init?(_ string: String) {
        let bytes = Array(string.utf8)
        guard let (code, length) = Self.scan(bytes[...]), length == bytes.count else { return nil }
        self = code
    }

    public var description: String { "\(statusClass.rawValue).\(subject).\(detail)" }

    /// Scans an enhanced code at the start of `bytes`; returns it and the number of bytes it spans.
    static func scan(_ bytes: ArraySlice<UInt8>) -> (EnhancedStatusCode, Int)? {
        var index = bytes.startIndex
        guard index < bytes.endIndex, let statusClass = Class(rawValue: Int(bytes[index]) - 48) else { return nil }
        index += 1
        var numbers: [Int] = []
        for _ in 0..<2 {
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") else { return nil }
            index += 1
            var value = 0
            var digits = 0
            while index < bytes.endIndex, digits < 4, bytes[index] >= 48, bytes[index] <= 57 {
                value = value * 10 + Int(bytes[index] - 48)
                digits += 1
                index += 1
            }
            // RFC 3463 allows one to three digits (leading zeros are tolerated).
            guard (1...3).contains(digits) else { return nil }
            numbers.append(value)
        }
        return (EnhancedStatusCode(statusClass: statusClass, subject: numbers[0], detail: numbers[1]), index - bytes.startIndex)
    }
}

/// Where an enhanced status code was found at the start of a reply's text.
public struct EnhancedStatusCodePrefix: Hashable, Sendable {
    public var code: EnhancedStatusCode
    /// `true` for the `#4.3.1` form some appliances send.
    public var hashPrefixed: Bool
    /// The number of bytes the code (with its `#` and the following space) takes.
    public var length: Int

    /// Finds an enhanced status code at the start of a reply line's text: `5.1.1 text`,
    /// `#4.3.1 text`, or the code alone. The code must be followed by a space or the end.
    public static func parse<Bytes: Collection<UInt8>>(_ text: Bytes) -> EnhancedStatusCodePrefix? {
        let bytes = Array(text.prefix(16))
        var start = 0
        var hash = false
        if bytes.first == UInt8(ascii: "#") {
            hash = true
            start = 1
        }
        guard let (code, length) = EnhancedStatusCode.scan(bytes[start...]) else { return nil }
        var end = start + length
        if end < bytes.count {
            guard bytes[end] == UInt8(ascii: " ") else { return nil }
            end += 1
        }
        return EnhancedStatusCodePrefix(code: code, hashPrefixed: hash, length: end)
    }
}
