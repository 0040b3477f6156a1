import Foundation
import Testing

/// Issue 15, problem 3: `BDAT n [LAST]` typed by hand. The next lines are the chunk, sent
/// as typed with their CRLF counted; BDAT's reply comes once the chunk is complete, and
/// nothing waits for a reply the server cannot send yet.
@Suite(.serialized) struct TypedChunkTests {
    /// 30 octets: "Subject: bdat\r\n" (15), "\r\n" (2), "hello bdat!\r\n" (13).
    static let chunk = ["Subject: bdat", "", "hello bdat!"]

    @Test("15.3: BDAT 30 LAST typed in a script: the three lines are the chunk, the message is stored, no timeout")
    func typedChunkInAScript() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let script = (["EHLO me.example", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>", "BDAT 30 LAST"] + Self.chunk + ["QUIT"])
                .joined(separator: "\n") + "\n"
            let started = Date()
            let result = try BinaryRunner.run(["127.0.0.1", String(port), "--no-explain", "--timeout", "5"], stdin: Data(script.utf8))
            #expect(Date().timeIntervalSince(started) < 5, "it waited for a reply it could not get")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("=== the next lines are BDAT's chunk: 30 octets"), "\(result.stdout)")
            #expect(result.stdout.contains("250 2.0.0 OK: message 1 accepted"), "\(result.stdout)")
            #expect(!result.stdout.contains("no reply to BDAT"))
            #expect(!result.stdout.contains("not sent"))
            let stored = PipedSessionTests.stored(directory)
            #expect(stored.count == 1)
            #expect(stored.first?.hasSuffix("Subject: bdat\r\n\r\nhello bdat!\r\n") == true, "\(stored)")
        }
    }

    /// A line that goes past the size: only what fits is sent, and the rest is said.
    @Test("15.3: a line longer than what the chunk has left is cut at the size, and the cut is said")
    func overflowingLineIsCut() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let script = "EHLO me.example\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nBDAT 7 LAST\nhello world\nQUIT\n"
            let result = try BinaryRunner.run(["127.0.0.1", String(port), "--no-explain", "--timeout", "5"], stdin: Data(script.utf8))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("the chunk was complete after 7 octets of this line: the other 4 (orld) were not sent"), "\(result.stdout)")
            #expect(result.stdout.contains("<-  250"), "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).first?.hasSuffix("hello w") == true)
        }
    }

    @Test("15.3: at the prompt, BDAT counts the octets down in the prompt and the reply comes after the chunk",
          .enabled(if: Tmux.isAvailable))
    func typedChunkAtThePrompt() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let tmux = try Tmux(
                command: "\(BinaryRunner.binary.path) 127.0.0.1 \(port) --no-explain --timeout 5", width: 120, height: 40,
                environment: TerminalTests.environment)
            for line in ["EHLO me.example", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>", "BDAT 30 LAST"] {
                try tmux.typeLine(line, delay: 0.01)
                Thread.sleep(forTimeInterval: 0.3)
            }
            var screen = tmux.waitFor { $0.contains("BDAT chunk (30 of 30 octets left)") }
            #expect(screen.contains("BDAT chunk (30 of 30 octets left)>"), "\(screen)")
            try tmux.typeLine(Self.chunk[0], delay: 0.01)
            screen = tmux.waitFor { $0.contains("(15 of 30 octets left)") }
            #expect(screen.contains("BDAT chunk (15 of 30 octets left)>"), "\(screen)")
            try tmux.keys("Enter")
            try tmux.typeLine(Self.chunk[2], delay: 0.01)
            screen = tmux.waitFor { $0.contains("message 1 accepted") }
            #expect(screen.contains("message 1 accepted"), "\(screen)")
            #expect(!screen.contains("no reply to BDAT"))
            try tmux.typeLine("QUIT", delay: 0.01)
            screen = tmux.waitFor { $0.contains("221") }
            #expect(!screen.contains("not sent"), "\(screen)")
            #expect(PipedSessionTests.stored(directory).count == 1)
        }
    }
}
