import Foundation
import SMTPPracticeServer
import Testing

/// `:raw` in a script, recorded and replayed, against the practice server (issue 21, item 6).
@Suite struct RawBytesSessionTests {
    /// Raw bytes in a script: the warning, the bytes shown in their notation, each reply
    /// with its line; recorded as ` -> :raw …` lines, which `replay` sends again, byte for
    /// byte, and finds every reply as recorded.
    @Test func recordedAndReplayed() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let recording = directory.appendingPathComponent("raw.smtp")
            let script = [
                "EHLO client.example", ":raw NOOP\\r\\nNOOP\\n", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA",
                ":raw Subject: raw\\r\\n\\r\\nbody\\n.\\nstill body\\r\\n.\\r\\n", "QUIT",
            ]
            let result = try BinaryRunner.run(
                ["--no-explain", "--record", recording.path, "127.0.0.1", String(port)],
                stdin: Data((script.joined(separator: "\n") + "\n").utf8))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("*** raw bytes, not SMTP: 11 octets sent exactly as written; 1 bare LF"), "\(result.stdout)")
            #expect(result.stdout.contains(" -> NOOP\\r\\n\n -> NOOP\\n\n"), "\(result.stdout)")
            #expect(!result.stdout.contains("one reply more"), "\(result.stdout)")
            // The practice server reads `body\n.\n` as part of the message: one message, its
            // lines as sent.
            let stored = PipedSessionTests.stored(directory)
            #expect(stored.count == 1)
            #expect(stored.first?.contains("body\n.\nstill body") == true, "\(stored)")
            let file = try String(contentsOf: recording, encoding: .utf8)
            #expect(file.contains(" -> :raw NOOP\\r\\n\n -> :raw NOOP\\n\n"), "\(file)")
            #expect(file.contains(" -> :raw body\\n\n -> :raw .\\n\n"), "\(file)")

            let replayed = try BinaryRunner.run(["replay", "--no-explain", recording.path])
            #expect(replayed.status == 0, "\(replayed.stdout)\(replayed.stderr)")
            #expect(replayed.stdout.contains("all 8 replies as recorded"), "\(replayed.stdout)")
            #expect(PipedSessionTests.stored(directory).count == 2)
        }
    }

    /// A bad escape: at the prompt nothing is sent (the script ends with 9); in a file to
    /// replay, the file is refused before connecting (65).
    @Test func badEscapes() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run(
                ["--no-explain", "127.0.0.1", String(port)], stdin: Data("EHLO client.example\n:raw NOOP\\q\n:raw\nQUIT\n".utf8))
            #expect(result.status == 9, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("nothing sent: \\q (column 5) is not an escape :raw knows"), "\(result.stdout)")
            #expect(result.stdout.contains(":raw needs the bytes to send"), "\(result.stdout)")
            #expect(!result.stdout.contains("NOOP\\q"), "\(result.stdout)")
            let file = directory.appendingPathComponent("bad.smtp")
            try Data("# server: 127.0.0.1:\(port)\n<- 220 x\n -> :raw NOOP\\x4\n<- 250 ok\n".utf8).write(to: file)
            let replayed = try BinaryRunner.run(["replay", file.path])
            #expect(replayed.status == 65, "\(replayed.stdout)\(replayed.stderr)")
            #expect(replayed.stderr.contains(", line 3: \\x4 is not an escape of raw bytes"), "\(replayed.stderr)")
        }
    }

    /// Talking early on purpose: a script whose first line is `:raw` sends it before the
    /// greeting, and a server that waits before greeting refuses the early talker.
    @Test func talkingBeforeTheGreeting() async throws {
        try await PipedSessionTests.withServer({ $0.configuration.greetingDelay = 2 }) { port, _ in
            let result = try BinaryRunner.run(
                ["--no-explain", "127.0.0.1", String(port)], stdin: Data(":raw EHLO early.example\\r\\n\nQUIT\n".utf8))
            #expect(result.stdout.contains(" -> EHLO early.example\\r\\n"), "\(result.stdout)")
            #expect(result.stdout.contains("<-  554 5.5.0 practice.localhost SMTP synchronization error: input before the greeting"), "\(result.stdout)")
            // Sent before the greeting: the raw bytes come before any 220 on the screen.
            #expect(!result.stdout.contains("<-  220"), "\(result.stdout)")
        }
    }
}

/// `send --raw-data` with a message of many lines: the first 201 lines of the bytes are
/// shown, a note says how many more, the recording holds them all.
@Suite struct RawDataManyLinesTests {
    @Test func theFirstLinesAreShownAndTheRestCounted() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let file = directory.appendingPathComponent("long.eml")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var text = "Subject: long\r\n\r\n"
            for number in 1...500 { text += "line \(number)\r\n" }
            text += ".\r\n"
            try Data(text.utf8).write(to: file)
            let recording = directory.appendingPathComponent("long.smtp")
            let result = try BinaryRunner.run(
                ["send", "--no-explain", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org",
                 "--raw-data", file.path, "--record", recording.path])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains(" -> line 199\\r\\n"), "\(result.stdout)")
            #expect(!result.stdout.contains(" -> line 200\\r\\n"), "\(result.stdout)")
            // 503 lines in all (the subject, the blank line, 500 lines, the dot): 302 not shown.
            #expect(result.stdout.contains("… and 302 more lines of the raw bytes (\(text.utf8.count) octets sent in all"), "\(result.stdout)")
            let recorded = try String(contentsOf: recording, encoding: .utf8)
            #expect(recorded.contains(" -> :raw line 500\\r\\n\n -> :raw .\\r\\n"), "\(recorded.suffix(400))")
            #expect(PipedSessionTests.stored(directory).first?.contains("line 500") == true)
        }
    }
}
