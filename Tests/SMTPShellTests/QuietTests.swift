import Foundation
import NIOPosix
import SMTPPracticeServer
import Testing

/// `--quiet` through the built binary: nothing but errors (standard error) and one final
/// line (standard output); the exit status as without it; the recording still complete.
@Suite(.serialized) struct QuietTests {
    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    @Test func sendAcceptedIsOneLine() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--quiet", "--from", "a@example.org", "--to", "b@example.org",
            ])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(Self.lines(result.stdout) == ["127.0.0.1:\(port): message accepted: 250 2.0.0 OK: message 1 accepted (exit status 0)"])
            #expect(result.stderr.isEmpty, "\(result.stderr)")
        }
    }

    /// The exit status names the stage, as without --quiet; the line gives the refusal.
    @Test func sendRefusedSaysWhereAndWhy() async throws {
        try await PipedSessionTests.withServer({ $0.configuration.rules = [try! ScenarioRule(parsing: "RCPT: 550 5.1.1 No such user")] }) { port, _ in
            let recording = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-quiet-\(UUID().uuidString).smtp")
            defer { try? FileManager.default.removeItem(at: recording) }
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "-q", "--from", "a@example.org", "--to", "b@example.org", "--record", recording.path,
            ])
            #expect(result.status == 15, "\(result.stdout)\(result.stderr)")
            #expect(Self.lines(result.stdout) == ["127.0.0.1:\(port): stopped at rcpt: 550 5.1.1 No such user (exit status 15)"])
            #expect(result.stderr.isEmpty, "\(result.stderr)")
            // Quiet on the screen, complete in the recording.
            let recorded = try String(contentsOf: recording, encoding: .utf8)
            #expect(recorded.contains(" -> RCPT TO:<b@example.org>\n<-  550 5.1.1 No such user\n"), "\(recorded)")
        }
    }

    @Test func aScriptWithANegativeReply() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let script = "EHLO tester.example\nMAIL FROM:<a@example.org>\nMAIL FROM:<a@example.org>\nNOOP\nQUIT\n"
            let result = try BinaryRunner.run(["127.0.0.1", String(port), "--quiet"], stdin: Data(script.utf8))
            #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
            let lines = Self.lines(result.stdout)
            #expect(lines.count == 1, "\(result.stdout)")
            #expect(lines.first?.hasPrefix("127.0.0.1:\(port): 1 negative replies, the last: 503 5.5.1") == true, "\(result.stdout)")
            #expect(lines.first?.hasSuffix("(exit status 1)") == true)

            let clean = try BinaryRunner.run(["127.0.0.1", String(port), "--quiet"], stdin: Data("EHLO tester.example\nQUIT\n".utf8))
            #expect(clean.status == 0)
            #expect(Self.lines(clean.stdout) == ["127.0.0.1:\(port): every reply positive (3 replies) (exit status 0)"])
        }
    }

    /// Errors are shown, on standard error, as they happen.
    @Test func errorsStillShow() async throws {
        let refused = try BinaryRunner.run(["127.0.0.1", "1", "--quiet"], stdin: Data("QUIT\n".utf8))
        #expect(refused.status == 4)
        #expect(refused.stdout.isEmpty, "\(refused.stdout)")
        #expect(refused.stderr.contains("connection refused by 127.0.0.1:1"), "\(refused.stderr)")

        try await PipedSessionTests.withServer({ $0.configuration.greetingDelay = 5 }) { port, _ in
            let silent = try BinaryRunner.run(["127.0.0.1", String(port), "--quiet", "--timeout", "0.5"], stdin: Data("QUIT\n".utf8))
            #expect(silent.status == 5, "\(silent.stdout)\(silent.stderr)")
            #expect(silent.stderr.contains("no reply to the greeting"), "\(silent.stderr)")
            #expect(Self.lines(silent.stdout) == ["127.0.0.1:\(port): the session did not end normally (exit status 5)"])
        }
    }

    @Test func replayIsItsSummary() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let recording = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-quiet-\(UUID().uuidString).smtp")
            defer { try? FileManager.default.removeItem(at: recording) }
            let recorded = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--record", recording.path, "--quiet"], stdin: Data("EHLO tester.example\nNOOP\nQUIT\n".utf8))
            #expect(recorded.status == 0)
            let result = try BinaryRunner.run(["replay", recording.path, "--quiet"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let name = recording.lastPathComponent
            #expect(Self.lines(result.stdout) == ["127.0.0.1:\(port): \(name): all 4 replies as recorded (exit status 0)"], "\(result.stdout)")
        }
    }
}
