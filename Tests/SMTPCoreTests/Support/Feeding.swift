import SMTPCore

/// Ways to cut a byte string into chunks, as a network might deliver it.
enum Chunking: CustomStringConvertible, CaseIterable {
    case whole
    case byteByByte
    case pairs
    case primes

    var description: String {
        switch self {
        case .whole: "whole"
        case .byteByByte: "byte by byte"
        case .pairs: "2 bytes at a time"
        case .primes: "7/3/11-byte chunks"
        }
    }

    func chunks(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        switch self {
        case .whole: return [bytes[...]]
        case .byteByByte: return bytes.indices.map { bytes[$0...$0] }
        case .pairs: return Self.fixed(bytes, sizes: [2])
        case .primes: return Self.fixed(bytes, sizes: [7, 3, 11])
        }
    }

    static func fixed(_ bytes: [UInt8], sizes: [Int]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var offset = 0
        var turn = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + sizes[turn % sizes.count])
            result.append(bytes[offset..<end])
            offset = end
            turn += 1
        }
        return result
    }

    /// Every way to split `bytes` in two (including empty halves).
    static func everySplit(_ bytes: [UInt8]) -> [[ArraySlice<UInt8>]] {
        (0...bytes.count).map { [bytes[..<$0], bytes[$0...]] }
    }
}

extension ReplyParser {
    /// Feeds chunks one by one, collecting every event.
    static func events(_ chunks: [ArraySlice<UInt8>], limits: Limits = .default) -> [Event] {
        var parser = ReplyParser(limits: limits)
        var events: [Event] = []
        for chunk in chunks {
            parser.append(chunk)
            while let event = parser.next() { events.append(event) }
        }
        return events
    }

    static func replies(_ chunks: [ArraySlice<UInt8>], limits: Limits = .default) -> [Reply] {
        events(chunks, limits: limits).compactMap {
            if case .reply(let reply) = $0 { return reply }
            return nil
        }
    }
}

extension Array where Element == UInt8 {
    init(wire: String) { self = Array(wire.utf8) }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
