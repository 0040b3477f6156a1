import Foundation
import SMTPPracticeServer
import Testing

/// Steps of a session on a ``RawSMTPClient``, each checking its reply.
extension RawSMTPClient {
    /// Reads the greeting and checks its code.
    @discardableResult
    func greeting(_ code: Int = 220) throws -> ReplyLines {
        let reply = try readReply()
        guard reply.code == code else { throw Failure(description: "expected a \(code) greeting, got \(reply)") }
        return reply
    }

    /// Sends a command and fails unless the reply has `code`.
    @discardableResult
    func expect(_ code: Int, after line: String) throws -> ReplyLines {
        let reply = try command(line)
        guard reply.code == code else {
            throw Failure(description: "expected \(code) after \(line.prefix(80)), got \(reply)")
        }
        return reply
    }

    /// EHLO, MAIL, RCPT, DATA, the message (dot-stuffed here), and the final dot; returns the
    /// reply to the dot.
    @discardableResult
    func sendMessage(
        _ message: [UInt8],
        from: String = "alice@example.org",
        to: [String] = ["bob@example.org"],
        ehlo: Bool = true
    ) throws -> ReplyLines {
        if ehlo { try expect(250, after: "EHLO client.example") }
        try expect(250, after: "MAIL FROM:<\(from)>")
        for recipient in to { try expect(250, after: "RCPT TO:<\(recipient)>") }
        try expect(354, after: "DATA")
        try sendRaw(Self.dotStuffed(message) + Array(".\r\n".utf8))
        return try readReply()
    }

    /// The message as a client sends it after DATA: a dot doubled at the start of each line,
    /// CRLF added at the end when missing (the final `.` CRLF not included).
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 50 + 2)
        var lineStart = true
        for byte in message {
            if lineStart && byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            lineStart = byte == 10
        }
        if !out.suffix(2).elementsEqual([13, 10]) { out += [13, 10] }
        return out
    }
}

/// A deterministic generator (xorshift64*), so a failing garbage test can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
