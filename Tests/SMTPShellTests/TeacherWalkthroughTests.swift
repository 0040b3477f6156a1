import Foundation
import Testing

/// The teacher's P24: with `--show-secrets`, the base64 of an AUTH line is decoded under it,
/// so that "base64 hides nothing" is seen, not only said; without it nothing is decoded and
/// the secret is never shown.
@Suite(.serialized) struct ShowSecretsDecodingTests {
    /// `\0student\0practice`, as AUTH PLAIN carries it.
    static let plain = "AHN0dWRlbnQAcHJhY3RpY2U="

    @Test("P24: --show-secrets decodes AUTH PLAIN's payload and each AUTH LOGIN answer under the line sent")
    func showSecretsDecodes() async throws {
        let recording = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-decoded-\(UUID().uuidString).smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        try await PipedSessionTests.withServer({ $0.configuration.password = "practice" }) { port, _ in
            let input = "EHLO me.example\nAUTH PLAIN \(Self.plain)\nQUIT\n"
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--show-secrets", "--color", "never", "--record", recording.path], stdin: Data(input.utf8),
                environment: ["COLUMNS": "300"])
            #expect(result.stdout.contains(" -> AUTH PLAIN \(Self.plain)"), "\(result.stdout)")
            #expect(result.stdout.contains("=== decoded from base64: \\0student\\0practice (base64 is an encoding, not encryption"), "\(result.stdout)")
            #expect(result.stdout.contains("<-  235"), "\(result.stdout)")
            // The decoded text is for the screen: the recording has the line as sent, not it.
            let recorded = try String(contentsOf: recording, encoding: .utf8)
            #expect(recorded.contains("AUTH PLAIN \(Self.plain)") && !recorded.contains("decoded from base64"), "\(recorded)")
        }
        try await PipedSessionTests.withServer({ $0.configuration.password = "Pa55-word" }) { port, _ in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--auth-insecure", "--show-secrets", "--color", "never", "--lang", "fr"],
                stdin: Data("EHLO me.example\n:auth login student\nQUIT\n".utf8),
                environment: ["SMTPSH_PASSWORD": "Pa55-word", "COLUMNS": "300"])
            #expect(result.stdout.contains("une fois le base64 décodé\u{A0}: student ("), "\(result.stdout)")
            #expect(result.stdout.contains("une fois le base64 décodé\u{A0}: Pa55-word ("), "\(result.stdout)")
        }
    }

    @Test("P24: without --show-secrets nothing is decoded and the password appears in no form")
    func withoutShowSecretsNothingIsDecoded() async throws {
        try await PipedSessionTests.withServer({ $0.configuration.password = "practice" }) { port, _ in
            let input = "EHLO me.example\nAUTH PLAIN \(Self.plain)\nQUIT\n"
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--color", "never"], stdin: Data(input.utf8), environment: ["COLUMNS": "300"])
            #expect(result.stdout.contains(" -> AUTH PLAIN ********"), "\(result.stdout)")
            #expect(!result.stdout.contains("decoded from base64"), "\(result.stdout)")
            #expect(!result.stdout.contains("\\0student\\0practice") && !result.stdout.contains(Self.plain), "\(result.stdout)")
        }
    }
}

/// The teacher's P12: with two languages (`--lang en,ja`), `:help` is bilingual too, not
/// only the explanations; with one, it is in that one only.
@Suite(.serialized) struct BilingualHelpTests {
    @Test("P12: :help with --lang en,ja gives each verb's meaning in English and then Japanese")
    func helpInTwoLanguages() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--color", "never", "--lang", "en,ja"], stdin: Data(":help\n:help rcpt\nQUIT\n".utf8),
                environment: ["COLUMNS": "120"])
            let lines = result.stdout.split(separator: "\n").map(String.init)
            guard let ehlo = lines.firstIndex(where: { $0.hasPrefix("===   EHLO your.name") }) else {
                Issue.record("no EHLO row: \(result.stdout)")
                return
            }
            #expect(lines[ehlo].contains("greet the server and ask what it offers"), "\(lines[ehlo])")
            #expect(lines[ehlo + 1].contains("サーバーにあいさつし"), "\(result.stdout)")
            #expect(lines.contains("=== smtpsh's own commands:") && lines.contains("=== smtpsh 独自のコマンド："), "\(result.stdout)")
            // `:help rcpt`: the usage, then the meaning in each language.
            guard let rcpt = lines.lastIndex(where: { $0 == "=== RCPT TO:<them@example.org>" }) else {
                Issue.record("no :help rcpt: \(result.stdout)")
                return
            }
            #expect(lines[rcpt + 1].hasPrefix("===   ") && !lines[rcpt + 1].contains { $0.unicodeScalars.first!.value > 0x3000 })
            #expect(lines[(rcpt + 1)...].prefix(4).contains { $0.contains { $0.unicodeScalars.first!.value > 0x3000 } }, "\(result.stdout)")
        }
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--color", "never", "--lang", "fr"], stdin: Data(":help\nQUIT\n".utf8),
                environment: ["COLUMNS": "120"])
            #expect(result.stdout.contains("saluer le serveur et lui demander"), "\(result.stdout)")
            #expect(!result.stdout.contains("greet the server") && !result.stdout.contains("サーバーにあいさつし"), "\(result.stdout)")
        }
    }
}

/// The teacher's P26: at a narrow terminal, smtpsh's own long lines (a warning before a
/// command, notes) are wrapped between words, each part behind its marker, instead of being
/// cut by the terminal in the middle of a word ("… will likely answer 50" / "3").
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed")) struct NarrowTerminalTests {
    @Test("P26: a warning wider than a 60-column terminal is wrapped between words, each row marked")
    func warningsWrapAtTheTerminal() async throws {
        try await PipedSessionTests.withServer { port, _ in
            var environment = TerminalTests.environment
            environment["SMTPSH_HISTORY"] = ""
            let tmux = try Tmux(
                command: "\(BinaryRunner.binary.path) 127.0.0.1 \(port) --no-explain", width: 60, height: 30, environment: environment)
            tmux.waitFor { $0.contains("greeted") }
            try tmux.typeLine("EHLO me.example", delay: 0.01)
            tmux.waitFor { $0.contains("250 ") }
            try tmux.typeLine("RCPT TO:<b@example.org>", delay: 0.01)
            let screen = tmux.waitFor { $0.contains("<-  503") }
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let marked = rows.filter { $0.hasPrefix("*** ") }
            let joined = marked.map { String($0.dropFirst(4)).trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            #expect(joined.contains("no MAIL FROM accepted yet: the server will likely answer 503"), "\(screen)")
            #expect(marked.count >= 2, "the warning was not wrapped: \(screen)")
            // No row of the warning was cut by the terminal: every part starts with its marker.
            if let first = rows.firstIndex(where: { $0.hasPrefix("*** no MAIL FROM") }) {
                #expect(rows[first + 1].hasPrefix("*** "), "\(screen)")
            } else {
                Issue.record("no warning row: \(screen)")
            }
            try tmux.keys("C-d")
        }
    }
}

/// The teacher's P29: in lesson 5, the step after STARTTLS is said after the TLS handshake's
/// report, not between the 220 and the report.
@Suite struct LessonAfterHandshakeTests {
    @Test("P29: lesson 5 says its next step after the TLS report")
    func nextStepAfterTheReport() throws {
        let result = try BinaryRunner.run(
            ["learn", "--lesson", "5", "--no-explain", "--color", "never"], stdin: Data(LessonTests.scripts[4].utf8),
            environment: ["SMTPSH_PASSWORD": "practice", "COLUMNS": "200"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let out = result.stdout
        let done = LessonTests.start(LessonTests.message("lesson-security-starttls-done", .en))
        let next = LessonTests.start(LessonTests.message("lesson-security-ehlo-again-do", .en))
        guard let reportAt = out.range(of: " established with "), let doneAt = out.range(of: done), let nextAt = out.range(of: next) else {
            Issue.record("missing the report, the STARTTLS step or the next one: \(out)")
            return
        }
        #expect(reportAt.lowerBound < doneAt.lowerBound, "the step was said before the handshake's report: \(out)")
        #expect(doneAt.lowerBound < nextAt.lowerBound, "\(out)")
    }
}
