import Foundation
import SMTPPracticeServer
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension PracticeServerTests {
    /// Many clients at once, clients that vanish, garbage and huge lines: the server stays up,
    /// stores nothing it did not accept, and keeps its memory bounded.
    @Suite("Robustness")
    struct Robustness {
        @Test("200 concurrent connections, each a full session: 200 messages stored, each intact")
        func concurrentSessions() async throws {
            let count = 200
            try await TestServer.with { server in
                // All 200 connections are open at once; each step is sent on every connection
                // before any reply is read, so the server has 200 sessions in flight.
                let clients = try (0..<count).map { _ in try RawSMTPClient(port: server.port, timeout: 20) }
                defer { clients.forEach { $0.close() } }
                for client in clients { try client.greeting() }
                func step(_ line: (Int) -> String, expect code: Int) throws {
                    for (index, client) in clients.enumerated() { try client.send(line(index)) }
                    for (index, client) in clients.enumerated() {
                        let reply = try client.readReply()
                        #expect(reply.code == code, "session \(index), \(line(index)): \(reply)")
                    }
                }
                let messages = (0..<count).map { Messages.withDots(subject: "session \($0)") }
                try step({ "EHLO client\($0).example" }, expect: 250)
                try step({ "MAIL FROM:<sender\($0)@example.org>" }, expect: 250)
                try step({ _ in "RCPT TO:<bob@example.org>" }, expect: 250)
                try step({ _ in "DATA" }, expect: 354)
                for (index, client) in clients.enumerated() {
                    try client.sendRaw(RawSMTPClient.dotStuffed(messages[index]) + Array(".\r\n".utf8))
                }
                for (index, client) in clients.enumerated() {
                    let reply = try client.readReply()
                    #expect(reply.code == 250, "session \(index): \(reply)")
                }
                try step({ _ in "QUIT" }, expect: 221)

                let stored = try server.storedMessages()
                #expect(stored.count == count)
                #expect(server.accepted == count)
                for message in stored {
                    let sender = message.returnPath.dropFirst("<sender".count).prefix { $0.isNumber }
                    let index = try #require(Int(sender), "\(message.returnPath)")
                    #expect(message.content == messages[index], "session \(index)")
                    #expect(message.receivedFrom.hasPrefix("Received: from client\(index).example "))
                }
                #expect(Set(stored.map(\.id)).count == count, "message ids are not unique")
            }
        }

        @Test(
            "a client that disconnects in the middle of DATA: nothing stored, the next client is served",
            arguments: ["half a line", "after a whole line", "after CRLF and the dot but no final CRLF"]
        )
        func disconnectMidData(cut: String) async throws {
            try await TestServer.with(keepLog: true) { server in
                let quitter = try RawSMTPClient(port: server.port)
                try quitter.greeting()
                try quitter.expect(250, after: "EHLO quitter.example")
                try quitter.expect(250, after: "MAIL FROM:<quitter@example.org>")
                try quitter.expect(250, after: "RCPT TO:<bob@example.org>")
                try quitter.expect(354, after: "DATA")
                switch cut {
                case "half a line": try quitter.sendRaw(Array("Subject: unfinished\r\n\r\nhalf a li".utf8))
                case "after a whole line":
                    try quitter.sendRaw(Array("Subject: unfinished\r\n\r\na whole line\r\n".utf8))
                default: try quitter.sendRaw(Array("Subject: unfinished\r\n\r\nalmost\r\n.".utf8))
                }
                quitter.close()
                // Wait (bounded) until the server has seen the connection go.
                let deadline = Date().addingTimeInterval(5)
                while !server.log.contains(where: { $0.contains("disconnected in the middle of a message") }),
                    Date() < deadline
                {
                    usleep(10_000)
                }
                #expect(
                    server.log.contains { $0.contains("disconnected in the middle of a message: nothing was stored") })
                #expect(server.allFiles.isEmpty, "files after the disconnect: \(server.allFiles)")
                #expect(server.accepted == 0)

                let next = try RawSMTPClient(port: server.port)
                defer { next.close() }
                try next.greeting()
                let message = Messages.withDots(subject: "after the quitter")
                #expect(try next.sendMessage(message).code == 250)
                let stored = try server.onlyMessage()
                #expect(stored.content == message)
                #expect(server.allFiles.count == 1, "\(server.allFiles)")
            }
        }

        @Test("100 KB of random bytes: only error replies, the session survives, another client is served")
        func garbage() async throws {
            try await TestServer.with { server in
                var generator = SeededGenerator(seed: 0x5EED_0F_5A1AD)
                let garbage = (0..<102_400).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let vandal = try RawSMTPClient(port: server.port)
                defer { vandal.close() }
                try vandal.greeting()
                // The garbage, then QUIT, so the server's answer ends (with 221, or with 421 if
                // it hung up on the garbage first).
                try vandal.sendRaw(garbage + Array("\r\nQUIT\r\n".utf8))
                let answer = vandal.drain(seconds: 10)
                #expect(vandal.closedByPeer, "the server neither hung up nor answered QUIT")
                var lines = answer.split(separator: 10).map { line in
                    line.last == 13 ? Array(line.dropLast()) : Array(line)
                }
                let last = String(decoding: lines.popLast() ?? [], as: UTF8.self)
                #expect(
                    last == "221 2.0.0 practice.localhost closing connection"
                        || last == "421 4.7.0 practice.localhost Error: too many errors")
                #expect(lines.count >= 20, "\(lines.count) replies to about 400 garbage lines (the server hangs up after 20 bad commands)")
                for line in lines {
                    let code = Int(String(decoding: line.prefix(3), as: UTF8.self)) ?? 0
                    #expect((400...599).contains(code) && line.count > 3 && [32, 45].contains(line[3]), "\(line)")
                }
                // Replies never carry control characters (C0, DEL, C1) or U+FFFD back: what the
                // client sent is echoed only as safe text.
                let unsafe = lines.filter { line in
                    let text = String(decoding: line, as: UTF8.self)
                    return text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0xFFFD }
                }
                #expect(unsafe.isEmpty, "\(unsafe.count) of \(lines.count) replies hold control characters or U+FFFD")
                let codes = Set(lines.map { String(decoding: $0.prefix(3), as: UTF8.self) })
                #expect(codes.isSubset(of: ["500", "421"]), "reply codes to garbage: \(codes.sorted())")
                #expect(last == "421 4.7.0 practice.localhost Error: too many errors")

                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                let message = Messages.withDots(subject: "after the garbage")
                #expect(try client.sendMessage(message).code == 250)
                #expect(try server.onlyMessage().content == message)
            }
        }

        /// A server that kept the line would grow by about 1 MB (the control below shows it);
        /// one that drops it as it comes grows by a few hundred KB at most (socket reads).
        ///
        /// Measured on `smtpsh serve` running as a process of its own: the test runner's memory
        /// moves with whatever the other test targets are doing at the same time.
        static let growthLimit = 768 * 1024

        @Test("a 1 MB line without CRLF, then CRLF: one 500, bounded memory, another client served meanwhile")
        func megabyteLine() throws {
            let server = try ServerProcess()
            defer { server.stop() }
            let growth = try Self.measureGrowth(of: server, pending: .line, bytes: 1_048_576)
            #expect(growth.reply == ["500 5.5.2 Line too long"])
            #expect(
                growth.bytes < Self.growthLimit,
                "resident memory grew by \(growth.bytes) octets while the server held a 1 MB line")
        }

        /// The same measurement while the server holds 1 MB that it must keep (a message
        /// waiting for its final dot): the measurement must see it, or the test above proves
        /// nothing.
        @Test("control: a server holding 1 MB of message shows the growth the test above looks for")
        func megabyteLineControl() throws {
            let server = try ServerProcess()
            defer { server.stop() }
            let growth = try Self.measureGrowth(of: server, pending: .message, bytes: 1_048_576)
            #expect(growth.reply.first?.hasPrefix("250 ") == true, "\(growth.reply)")
            #expect(growth.bytes >= Self.growthLimit, "resident memory grew by only \(growth.bytes) octets")
        }

        enum Pending {
            /// `NOOP xxx…` without its CRLF: the server must drop it as it comes.
            case line
            /// Message lines after DATA, without the final dot: the server must keep them.
            case message
        }

        /// Sends `bytes` octets of `pending` in 16 KiB pieces without ending it, has a second
        /// client send a message meanwhile, measures how much the server's resident memory grew
        /// (peak included), then ends what was pending and returns the reply.
        ///
        /// The whole round is done once first with 64 KiB, unmeasured, so that what a session
        /// allocates the first time (thread pool threads, socket read buffers) is not counted.
        static func measureGrowth(
            of server: ServerProcess, pending: Pending, bytes: Int
        ) throws -> (reply: [String], bytes: Int) {
            let client = try RawSMTPClient(port: server.port)
            defer { client.close() }
            try client.greeting()
            try client.expect(250, after: "EHLO client.example")
            let other = try RawSMTPClient(port: server.port)
            defer { other.close() }
            try other.greeting()
            try other.expect(250, after: "EHLO other.example")
            var result: (reply: [String], bytes: Int) = ([], 0)
            for (round, size) in [65_536, bytes].enumerated() {
                let payload: [UInt8]
                let end: [UInt8]
                switch pending {
                case .line:
                    payload = Array(("NOOP " + String(repeating: "x", count: size - 5)).utf8)
                    end = [13, 10]
                case .message:
                    try client.expect(250, after: "MAIL FROM:<alice@example.org>")
                    try client.expect(250, after: "RCPT TO:<bob@example.org>")
                    try client.expect(354, after: "DATA")
                    let line = Array((String(repeating: "y", count: 98) + "\r\n").utf8)
                    payload = Array(Array(repeating: line, count: size / line.count).joined())
                    end = Array(".\r\n".utf8)
                }
                let message = Messages.withDots(subject: "meanwhile \(round)")
                usleep(50_000)
                let before = server.resident()
                let peakWasReset = server.resetPeak()
                for start in stride(from: 0, to: payload.count, by: 16_384) {
                    try client.sendRaw(Array(payload[start..<min(start + 16_384, payload.count)]))
                }
                // While the line is pending, another client is served.
                #expect(try other.sendMessage(message, ehlo: false).code == 250)
                #expect(try server.storedMessages().last?.content == message)
                usleep(200_000)
                let during = max(server.resident(), peakWasReset ? server.peak() ?? 0 : 0)
                try client.sendRaw(end)
                let reply = try client.readReply()
                // Exactly one reply: the next thing the client reads is the NOOP's.
                #expect(try client.command("NOOP").lines == ["250 2.0.0 OK"])
                result = (reply.lines, during - before)
            }
            return result
        }
    }
}
