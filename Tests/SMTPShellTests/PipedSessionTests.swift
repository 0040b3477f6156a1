import Foundation
import NIOPosix
import SMTPPracticeServer
import Testing

/// `smtpsh HOST PORT` with standard input not a terminal, through the built binary, against
/// the practice server and against servers that misbehave.
@Suite(.serialized) struct PipedSessionTests {
    static func withServer<T>(
        _ configure: (inout PracticeServer.Options) -> Void = { _ in },
        _ body: (Int, URL) throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-piped-\(UUID().uuidString)")
        var options = PracticeServer.Options()
        options.port = 0
        options.messageDirectory = directory
        configure(&options)
        let server = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
        let listening = try await server.start()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let result = try body(listening.port, directory)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    static func stored(_ directory: URL) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".eml") }.sorted() ?? []
        return files.compactMap { try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
    }

    /// The stored messages once `done` says so (a message relayed through a real server comes
    /// some time after the client's 250), or as they are after `timeout` seconds.
    static func stored(_ directory: URL, within timeout: Double, until done: ([String]) -> Bool) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var messages = stored(directory)
        while !done(messages) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            messages = stored(directory)
        }
        return messages
    }

    static let session = """
        EHLO tester.example
        MAIL FROM:<alice@example.org>
        RCPT TO:<bob@example.org>
        DATA
        Subject: piped

        .a line that starts with a dot
        second line
        .
        QUIT

        """

    @Test func aWholeSessionSucceeds() async throws {
        try await Self.withServer { port, directory in
            let result = try BinaryRunner.run(["127.0.0.1", String(port)], stdin: Data(Self.session.utf8))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("=== Trying 127.0.0.1:\(port)..."))
            #expect(result.stdout.contains("=== Connected to 127.0.0.1:\(port) in"))
            #expect(result.stdout.contains("<-  220 practice.localhost ESMTP smtpsh practice server"))
            #expect(result.stdout.contains(" -> EHLO tester.example"))
            #expect(result.stdout.contains("<-  250-practice.localhost greets tester.example"))
            #expect(result.stdout.contains("<-  354 End data"))
            #expect(result.stdout.contains("<-  221 2.0.0"))
            #expect(!result.stdout.contains("\u{1B}["), "no colour without a terminal")
            let messages = Self.stored(directory)
            #expect(messages.count == 1)
            #expect(messages.first?.hasSuffix("Subject: piped\r\n\r\n.a line that starts with a dot\r\nsecond line\r\n") == true)
        }
    }

    @Test func eachReplyShowsItsLatency() async throws {
        try await Self.withServer { port, _ in
            let result = try BinaryRunner.run(["127.0.0.1:\(port)"], stdin: Data("NOOP\nQUIT\n".utf8))
            let noop = result.stdout.split(separator: "\n").first { $0.contains("<-  250 2.0.0 OK") }
            #expect(noop?.range(of: #"\(\d+(\.\d)? (ms|s)\)$"#, options: .regularExpression) != nil, "\(result.stdout)")
        }
    }

    @Test func aNegativeReplyGivesStatus1() async throws {
        try await Self.withServer({ $0.configuration.rules = [try! ScenarioRule(parsing: "RCPT: 452 #4.3.1 queue full")] }) { port, _ in
            let result = try BinaryRunner.run(["127.0.0.1", String(port)], stdin: Data(Self.session.utf8))
            #expect(result.status == 1)
            #expect(result.stdout.contains("<-  452 #4.3.1 queue full"))
        }
    }

    @Test func aRefusedDataNeverSendsTheMessageAsCommands() async throws {
        try await Self.withServer({ $0.configuration.rules = [try! ScenarioRule(parsing: "DATA: 550 5.7.1 no data for you")] }) { port, directory in
            let result = try BinaryRunner.run(["127.0.0.1", String(port)], stdin: Data(Self.session.utf8))
            #expect(result.status == 1)
            #expect(result.stdout.contains("skipping the script's message lines, up to the lone dot"))
            #expect(!result.stdout.contains(" -> Subject: piped"))
            #expect(!result.stdout.contains("500 5.5.2 Command not recognized"), "\(result.stdout)")
            #expect(result.stdout.contains("<-  221"))
            #expect(Self.stored(directory).isEmpty)
        }
    }

    @Test func theEndOfInputSendsQuit() async throws {
        try await Self.withServer { port, _ in
            let result = try BinaryRunner.run(["127.0.0.1", String(port)], stdin: Data("EHLO x\n".utf8))
            #expect(result.status == 0)
            #expect(result.stdout.contains("=== end of input: sending QUIT"))
            #expect(result.stdout.contains("<-  221"))
        }
    }

    @Test func warningsComeBeforeMistakes() async throws {
        try await Self.withServer { port, _ in
            let result = try BinaryRunner.run(["127.0.0.1", String(port)], stdin: Data("EHLO x\nRCPT TO:<a@b>\nMAIL FROM:a@b\nQUIT\n".utf8))
            #expect(result.stdout.contains("*** no MAIL FROM accepted yet: the server will likely answer 503"))
            #expect(result.stdout.contains("*** MAIL needs the address in angle brackets"))
            #expect(result.stdout.contains("<-  503 5.5.1"))
            #expect(result.status == 1)
        }
    }

    @Test func aRefusedPortIsOneClearLine() throws {
        let closedPort = try RawServer { _ in }
        closedPort.finish(timeout: 0)
        let result = try BinaryRunner.run(["127.0.0.1", String(closedPort.port)], stdin: Data())
        #expect(result.status == 4)
        #expect(result.stderr.contains("connection refused by 127.0.0.1:\(closedPort.port)"))
        // Said once: not also on standard output.
        #expect(result.stderr.split(separator: "\n").count(where: { $0.contains("refused") }) == 1, "\(result.stderr)")
        #expect(!result.stdout.contains("refused"), "\(result.stdout)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test func aServerThatNeverGreetsTimesOut() throws {
        let silent = try RawServer { connection in
            _ = connection.readLine(timeout: 5)
            connection.close()
        }
        let started = Date()
        let result = try BinaryRunner.run(["127.0.0.1", String(silent.port), "--timeout", "1"], stdin: Data("EHLO x\n".utf8))
        silent.finish()
        #expect(result.status == 5)
        #expect(result.stdout.contains("no reply to the greeting after 1 s (timed out)"))
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(!silent.receivedText.contains("EHLO"), "nothing is sent before the greeting")
    }

    @Test func aServerThatHangsUpMidSessionIsReported() throws {
        let rude = try RawServer { connection in
            connection.send("220 rude.example ESMTP\r\n")
            _ = connection.readLine()
            connection.send("250 rude.example\r\n")
            _ = connection.readLine()
            connection.close()
        }
        let result = try BinaryRunner.run(["127.0.0.1", String(rude.port), "--timeout", "5"], stdin: Data("EHLO x\nMAIL FROM:<a@b>\nRCPT TO:<c@d>\n".utf8))
        rude.finish()
        #expect(result.status == 6, "\(result.stdout)")
        #expect(result.stdout.contains("=== Connection closed by foreign host."))
    }

    @Test func hostileBytesAreShownEscaped() throws {
        let hostile = try RawServer { connection in
            connection.send(Array("220-caf".utf8) + [0xC3, 0x28, 0xFF, 0x00] + Array("\r\n220-\u{1B}]0;pwned\u{07}\u{1B}[2J\r\n".utf8))
            connection.send(Array("220-".utf8) + [UInt8](repeating: 65, count: 1_000_000) + Array("\r\n220 ok\r\n".utf8))
            _ = connection.readLine()
            connection.send("221 bye\r\n")
            connection.close()
        }
        let result = try BinaryRunner.run(["127.0.0.1", String(hostile.port), "--color", "always"], stdin: Data("QUIT\n".utf8))
        hostile.finish()
        #expect(result.status == 0, "\(result.stdout.prefix(2000))")
        #expect(result.stdout.contains("caf\\xC3(\\xFF\\0"))
        #expect(result.stdout.contains("\\x1B]0;pwned\\x07\\x1B[2J"))
        #expect(!result.stdout.contains("\u{1B}]0;"), "an OSC sequence from the server reached the terminal")
        #expect(!result.stdout.contains("\u{1B}[2J"))
        #expect(result.stdout.contains("[cut: the line was 1000004 octets]"))
        #expect(result.stdout.utf8.count < 100_000)
    }

    /// Each reply is followed by its explanation, indented; --no-explain leaves them out;
    /// --lang puts them (and smtpsh's own words) in another language.
    @Test func repliesAreExplainedUnderThem() async throws {
        try await Self.withServer { port, _ in
            let input = Data("EHLO tester.example\nRCPT TO:<bob@example.org>\nQUIT\n".utf8)
            let explained = try BinaryRunner.run(["127.0.0.1", String(port)], stdin: input)
            let lines = explained.stdout.split(separator: "\n").map(String.init)
            // The 503 for RCPT before MAIL: the code as the answer to RCPT (it replaces the
            // basic code's general meaning), then the enhanced code, then a hint (issue 17).
            guard let refusal = lines.firstIndex(where: { $0.hasPrefix("<-  503 5.5.1") }) else {
                Issue.record("no 503 in \(explained.stdout)")
                return
            }
            #expect(lines[refusal + 1].hasPrefix("      503    RCPT TO comes at the wrong time"), "\(explained.stdout)")
            #expect(lines[refusal...].prefix(8).contains { $0.hasPrefix("      5.5.1  ") }, "\(explained.stdout)")
            #expect(lines[refusal...].prefix(10).contains { $0.hasPrefix("      hint: ") }, "\(explained.stdout)")
            // Hints are for what went wrong: none under the 220, the 250s or the 221.
            let hints = lines.indices.filter { lines[$0].hasPrefix("      hint: ") }
            for index in hints {
                let reply = lines[..<index].last { $0.hasPrefix("<-  ") } ?? ""
                #expect(reply.hasPrefix("<-  5") || reply.hasPrefix("<-  4"), "a hint under \(reply)")
            }
            // The EHLO reply keyword by keyword.
            #expect(lines.contains { $0.hasPrefix("      PIPELINING") }, "\(explained.stdout)")

            let terse = try BinaryRunner.run(["127.0.0.1", String(port), "--no-explain"], stdin: input)
            #expect(terse.stdout.contains("<-  503 5.5.1"))
            #expect(!terse.stdout.split(separator: "\n").contains { $0.hasPrefix("      ") }, "\(terse.stdout)")

            let french = try BinaryRunner.run(["127.0.0.1", String(port), "--lang", "fr"], stdin: input)
            #expect(french.stdout.contains("=== Tentative de connexion à 127.0.0.1:\(port)..."), "\(french.stdout)")
            #expect(french.stdout.contains("RCPT TO arrive au mauvais moment"), "\(french.stdout)")
        }
    }
}
