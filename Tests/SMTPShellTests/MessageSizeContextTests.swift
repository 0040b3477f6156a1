import Foundation
import Testing

/// A refusal for size after the message is explained with the size sent against the SIZE the
/// server advertised (`message.context-size-over` / `-under`). The size is counted as RFC 1870
/// (section 3) counts it: every octet of the message with its CRLFs, not the final dot and not
/// the dots that dot-stuffing added. The server here counts independently, from the bytes it
/// received, and the explanation must name the same number.
@Suite(.serialized) struct MessageSizeContextTests {
    /// A server that advertises SIZE `limit`, accepts the envelope, reads the message and
    /// refuses it for size whatever its size; it records the size it read (un-stuffed).
    static func sizeRefusingServer(limit: Int, measured: MeasuredSize) throws -> RawServer {
        try RawServer { connection in
            connection.send("220 size.test ESMTP\r\n")
            while let line = connection.readLine() {
                let verb = line.prefix(4).uppercased()
                switch verb {
                case "EHLO": connection.send("250-size.test\r\n250-PIPELINING\r\n250 SIZE \(limit)\r\n")
                case "MAIL", "RCPT": connection.send("250 2.1.0 Ok\r\n")
                case "DATA":
                    connection.send("354 End data with <CR><LF>.<CR><LF>\r\n")
                    var octets = 0
                    while let body = connection.readLine(), body != "." {
                        let unstuffed = body.hasPrefix(".") ? String(body.dropFirst()) : body
                        octets += unstuffed.utf8.count + 2
                    }
                    measured.set(octets)
                    connection.send("552 5.3.4 Message size exceeds fixed limit\r\n")
                case "QUIT":
                    connection.send("221 2.0.0 Bye\r\n")
                    connection.close()
                    return
                default: connection.send("500 5.5.2 What?\r\n")
                }
            }
            connection.close()
        }
    }

    /// The size the test's server counted, set on its thread and read by the test.
    final class MeasuredSize: @unchecked Sendable {
        private let lock = NSLock()
        private var value = -1
        func set(_ new: Int) { lock.lock(); value = new; lock.unlock() }
        func get() -> Int { lock.lock(); defer { lock.unlock() }; return value }
    }

    static func session(limit: Int, body: [String]) throws -> (output: String, serverCounted: Int) {
        let measured = MeasuredSize()
        let server = try sizeRefusingServer(limit: limit, measured: measured)
        defer { server.finish() }
        let input = (["EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA"] + body + [".", "QUIT"])
            .joined(separator: "\n") + "\n"
        let result = try BinaryRunner.run(
            ["--color", "never", "127.0.0.1", String(server.port)], stdin: Data(input.utf8), environment: ["COLUMNS": "400"])
        return (result.stdout + result.stderr, measured.get())
    }

    @Test("a message over the SIZE advertised: the explanation names its size as the server counted it")
    func overTheLimit() throws {
        // Two lines that start with a dot: dot-stuffed on the wire, not counted by SIZE.
        let body = ["Subject: size", "", String(repeating: "x", count: 60), ".hidden dot", "..two dots", String(repeating: "y", count: 40)]
        let (output, counted) = try Self.session(limit: 100, body: body)
        let expected = body.reduce(0) { $0 + $1.utf8.count + 2 }
        #expect(counted == expected, "the server read \(counted) octets, the test expected \(expected)")
        #expect(output.contains("<-  552 5.3.4"), "\(output)")
        #expect(
            output.contains("The message sent was \(expected) octets and the server advertised SIZE 100: it is over the limit."),
            "\(output)")
    }

    @Test("a message under the SIZE advertised and refused for size: the explanation says the server counts differently")
    func underTheLimit() throws {
        let body = ["Subject: small", "", ".a", "short"]
        let (output, counted) = try Self.session(limit: 500, body: body)
        let expected = body.reduce(0) { $0 + $1.utf8.count + 2 }
        #expect(counted == expected)
        #expect(output.contains("The message sent was \(expected) octets, under the SIZE 500 the server advertised"), "\(output)")
    }
}
