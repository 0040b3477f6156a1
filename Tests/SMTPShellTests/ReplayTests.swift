import Foundation
import SMTPPracticeServer
import Testing

@testable import SMTPShell

/// Recording (`--record`, `--json`) and `smtpsh replay`, against the practice server.
@Suite struct ReplayTests {
    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-\(UUID().uuidString)-\(name)")
    }

    /// Record a session, replay it against the same server (all match), then against a
    /// server whose scenario refuses the second recipient (the difference is found).
    @Test func recordThenReplayAgainstTheSameAndAnotherScenario() async throws {
        let recording = Self.temporaryFile("session.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        try await PipedSessionTests.withServer { port, directory in
            let sent = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--to", "c@example.org",
                "--pipeline", "--count", "2", "--record", recording.path, "--no-explain", "--ehlo", "client.example",
            ])
            #expect(sent.status == 0, "\(sent.stdout)")
            #expect(PipedSessionTests.stored(directory).count == 2)
            let text = try String(contentsOf: recording, encoding: .utf8)
            #expect(text.hasPrefix("# smtpsh session\n# smtpsh-version: "))
            #expect(text.contains("\n# server: 127.0.0.1:\(port)\n"))
            #expect(text.contains("\n<-  220 "))
            #expect(text.contains("\n -> MAIL FROM:<a@example.org>\n -> RCPT TO:<b@example.org>\n -> RCPT TO:<c@example.org>\n -> DATA\n<-  250 2.1.0"), "\(text)")
            #expect(text.contains("\n -> QUIT\n<-  221 "))
            // The file is private.
            let mode = try FileManager.default.attributesOfItem(atPath: recording.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            let same = try BinaryRunner.run(["replay", recording.path, "--no-explain"])
            #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
            #expect(same.stdout.contains("=== session.smtp: all 16 replies as recorded") || same.stdout.contains("replies as recorded"), "\(same.stdout)")
            #expect(!same.stdout.contains("expected"))
            #expect(PipedSessionTests.stored(directory).count == 4)
        }
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT 2: 550 5.1.1 no such user here"))
        }) { port, _ in
            let other = try BinaryRunner.run(["replay", recording.path, "--host", "127.0.0.1:\(port)", "--no-explain"])
            #expect(other.status == 20, "\(other.stdout)\(other.stderr)")
            let text = try String(contentsOf: recording, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let rcptReply = try #require(lines.firstIndex(where: { $0.hasPrefix("<-  250 2.1.5 Recipient <c@example.org>") })) + 1
            #expect(other.stdout.contains("*** \(recording.lastPathComponent), line \(rcptReply): expected 250, received 550"), "\(other.stdout)")
            #expect(other.stdout.contains("1 different"), "\(other.stdout)")
            // --loose compares classes: 550 is not 2xx either.
            let loose = try BinaryRunner.run(["replay", recording.path, "--host", "127.0.0.1:\(port)", "--loose", "--no-explain"])
            #expect(loose.status == 20)
            #expect(loose.stdout.contains("expected 2xx, received 550"), "\(loose.stdout)")
        }
    }

    /// --strict compares the text: the practice server numbers its messages, so the reply to
    /// the dot differs the second time.
    @Test func strictComparesTheWholeText() async throws {
        let recording = Self.temporaryFile("strict.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        try await PipedSessionTests.withServer { port, _ in
            let sent = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--record", recording.path,
                "--no-explain", "--ehlo", "client.example",
            ])
            #expect(sent.status == 0)
            let strict = try BinaryRunner.run(["replay", recording.path, "--strict", "--no-explain"])
            #expect(strict.status == 20, "\(strict.stdout)")
            #expect(strict.stdout.contains("expected 250 2.0.0 OK: message 1 accepted, received 250 2.0.0 OK: message 2 accepted"), "\(strict.stdout)")
            let byCode = try BinaryRunner.run(["replay", recording.path, "--no-explain"])
            #expect(byCode.status == 0)
        }
    }

    /// A message with a tab, a lone "." and lines starting with dots: recorded as sent
    /// (dot-stuffed, the tab kept), replayed, and stored the same both times.
    @Test func aRecordedMessageReplaysByteForByte() async throws {
        let recording = Self.temporaryFile("bytes.smtp")
        let data = Self.temporaryFile("bytes.eml")
        defer {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.removeItem(at: data)
        }
        let message = "Subject: bytes\r\n\r\ncol1\tcol2\r\n.\r\n..two\r\n.one\r\nend\r\n"
        try message.write(to: data, atomically: true, encoding: .utf8)
        try await PipedSessionTests.withServer { port, directory in
            let sent = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--data", data.path,
                "--record", recording.path, "--no-explain",
            ])
            #expect(sent.status == 0, "\(sent.stdout)")
            let text = try String(contentsOf: recording, encoding: .utf8)
            #expect(text.contains("\n -> col1\tcol2\n -> ..\n -> ...two\n -> ..one\n -> end\n -> .\n"), "\(text)")
            let replay = try BinaryRunner.run(["replay", recording.path, "--no-explain"])
            #expect(replay.status == 0, "\(replay.stdout)")
            let stored = PipedSessionTests.stored(directory)
            #expect(stored.count == 2)
            #expect(stored.allSatisfy { $0.hasSuffix(message) }, "\(stored)")
        }
    }

    /// The seed's telnet session, pasted as it is, against the practice server playing the
    /// appliance: the same reply codes.
    @Test func theSeedTelnetSessionReplaysAgainstTheAppliance() async throws {
        let paste = Self.temporaryFile("telnet.txt")
        defer { try? FileManager.default.removeItem(at: paste) }
        // As the vendor's page shows it: the session in code fences, with trailing spaces.
        try """
            ```
            $ telnet 127.0.0.1 25
            Trying 127.0.0.1...
            Connected to my_esa.
            Escape character is '^]'.
            220 my_esa.local ESMTP
            helo
            250 my_esa.local
            mail from: <test@test.com>
            250 sender <test@test.com> ok
            rcpt to: <user@other.com>
            250 recipient <user@other.com> ok
            data
            354 go ahead
            subject: TESTING SMTP
            ```

            ```
            This is line one.
            This is line two.  
            .  
            250 ok: Message 214 accepted  
            quit  
            221 my_esa.local  
            Connection closed by foreign host.
            ```

            """.write(to: paste, atomically: true, encoding: .utf8)
        try await PipedSessionTests.withServer({ options in
            try! options.configuration.apply(BuiltInScenarios.named("appliance")!)
        }) { port, directory in
            let result = try BinaryRunner.run(["replay", paste.path, "--host", "127.0.0.1:\(port)", "--no-explain"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("<-  220 my_esa.local ESMTP"))
            #expect(result.stdout.contains(" -> helo\n<-  250 my_esa.local"), "\(result.stdout)")
            #expect(result.stdout.contains("<-  354 go ahead"))
            #expect(result.stdout.contains("all 7 replies as recorded"), "\(result.stdout)")
            let stored = PipedSessionTests.stored(directory)
            #expect(stored.count == 1)
            #expect(stored.first?.hasSuffix("subject: TESTING SMTP\r\n\r\nThis is line one.\r\nThis is line two.\r\n") == true, "\(stored)")
        }
    }

    /// A transcript produced by swaks against the practice server, replayed as it is.
    @Test(.enabled(if: SwaksAvailable.isAvailable, "swaks is needed (Scripts/setup --test)"))
    func aSwaksTranscriptReplays() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let swaks = Process()
            swaks.executableURL = URL(fileURLWithPath: SwaksAvailable.path)
            swaks.arguments = [
                "--server", "127.0.0.1:\(port)", "--from", "a@example.org", "--to", "b@example.org", "--helo", "swaks.example",
                "--auth", "LOGIN", "--auth-user", "student", "--auth-password", "practice",
            ]
            let output = Pipe()
            swaks.standardOutput = output
            swaks.standardError = output
            try swaks.run()
            let transcript = output.fileHandleForReading.readDataToEndOfFile()
            swaks.waitUntilExit()
            #expect(swaks.terminationStatus == 0)
            let file = Self.temporaryFile("swaks.txt")
            defer { try? FileManager.default.removeItem(at: file) }
            try transcript.write(to: file)
            // swaks logged in without TLS: so does the replay, when asked to.
            let result = try BinaryRunner.run(["replay", file.path, "--host", "127.0.0.1:\(port)", "--no-explain", "--auth-insecure"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains(" -> AUTH LOGIN"))
            // swaks showed the base64 answers; smtpsh sends them and keeps them off screen.
            #expect(result.stdout.contains(" -> ********"))
            #expect(!result.stdout.contains("cHJhY3RpY2U="))
            #expect(result.stdout.contains("<-  235 "))
            #expect(PipedSessionTests.stored(directory).count == 2)
        }
    }

    /// Killed with SIGKILL mid-session, the recording holds every line up to the kill.
    @Test func aKilledSessionKeepsItsRecording() async throws {
        let recording = Self.temporaryFile("killed.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        try await PipedSessionTests.withServer { port, _ in
            let process = Process()
            process.executableURL = BinaryRunner.binary
            process.arguments = ["127.0.0.1", String(port), "--record", recording.path, "--no-explain"]
            var environment = ProcessInfo.processInfo.environment
            environment["NO_COLOR"] = "1"
            process.environment = environment
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data("EHLO killed.example\r\nMAIL FROM:<a@example.org>\r\n".utf8))
            // Wait for the reply to MAIL in the file, then kill: stdin stays open, smtpsh waits for more.
            let deadline = Date().addingTimeInterval(20)
            var text = ""
            while Date() < deadline {
                text = (try? String(contentsOf: recording, encoding: .utf8)) ?? ""
                if text.contains("<-  250 2.1.0") { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            text = try String(contentsOf: recording, encoding: .utf8)
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("<-  220 ") })
            #expect(lines.contains(" -> EHLO killed.example"))
            #expect(lines.contains("<-  250 HELP"), "\(text)")
            #expect(lines.contains(" -> MAIL FROM:<a@example.org>"))
            #expect(lines.last?.hasPrefix("<-  250 2.1.0") == true, "\(text)")
            // And it replays: the file is complete as far as it goes.
            let replay = try BinaryRunner.run(["replay", recording.path, "--no-explain"])
            #expect(replay.status == 0, "\(replay.stdout)")
        }
    }

    /// AUTH with recording, JSON and the transcript on: the password appears nowhere, in no
    /// form; the recording replays with the secret given again.
    @Test func secretsStayOutOfRecordingsAndJSON() async throws {
        let recording = Self.temporaryFile("auth.smtp")
        let json = Self.temporaryFile("auth.json")
        defer {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.removeItem(at: json)
        }
        try await PipedSessionTests.withServer({ options in
            options.configuration.password = "Sesame-42"
        }) { port, _ in
            for mechanism in ["plain", "login"] {
                let result = try BinaryRunner.run(
                    [
                        "send", "127.0.0.1", String(port), "--auth", mechanism, "--user", "student", "--from", "a@example.org",
                        "--to", "b@example.org", "--record", recording.path, "--force", "--json", json.path, "--auth-insecure",
                    ],
                    environment: ["SMTPSH_PASSWORD": "Sesame-42"])
                #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                let forms = ["Sesame-42", Data("Sesame-42".utf8).base64EncodedString(), Data("\0student\0Sesame-42".utf8).base64EncodedString()]
                for text in [result.stdout, try String(contentsOf: recording, encoding: .utf8), try String(contentsOf: json, encoding: .utf8)] {
                    for form in forms { #expect(!text.contains(form), "\(form) in \(text)") }
                }
                #expect(try String(contentsOf: recording, encoding: .utf8).contains(mechanism == "plain" ? " -> AUTH PLAIN ********" : " -> ********"))

                let without = try BinaryRunner.run(["replay", recording.path, "--no-explain", "--auth-insecure"], environment: ["SMTPSH_PASSWORD": ""])
                #expect(without.status == 64, "\(without.stdout)\(without.stderr)")
                #expect(without.stdout.contains("this AUTH was recorded without its secret"), "\(without.stdout)")
                let again = try BinaryRunner.run(
                    ["replay", recording.path, "--no-explain", "--var", "user=student", "--auth-insecure"], environment: ["SMTPSH_PASSWORD": "Sesame-42"])
                #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            }
        }
    }

    /// --json -: one JSON object per line on stdout, nothing else there.
    @Test func jsonEventsOnStandardOutput() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--json", "-",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            var replies: [[String: Any]] = []
            var sent: [String] = []
            for line in result.stdout.split(separator: "\n") {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
                #expect(object["time"] is String)
                switch object["event"] as? String {
                case "reply"?: replies.append(object)
                case "sent"?: sent.append(object["text"] as? String ?? "")
                case "note"?, "warning"?: break
                default: Issue.record("unexpected event: \(line)")
                }
            }
            #expect(replies.map { $0["code"] as? Int } == [220, 250, 250, 250, 354, 250, 221])
            #expect(replies[2]["enhanced"] as? String == "2.1.0")
            // Explained as the answer to MAIL (issue 17), with the command it answers.
            #expect((replies[2]["explanation"] as? [String])?.first == "command.mail.250", "\(replies[2])")
            #expect(replies[2]["command"] as? String == "mail")
            #expect(replies[2]["category"] as? String == "accepted")
            #expect(replies[1]["latency_ms"] is Double || replies[1]["latency_ms"] is Int)
            #expect(sent.first?.hasPrefix("EHLO ") == true)
            #expect(sent.last == "QUIT")
        }
    }

    /// Several files: one connection each, then a table; the exit status says one differed.
    @Test func severalFilesGiveATable() async throws {
        let good = Self.temporaryFile("good.smtp")
        let bad = Self.temporaryFile("bad.smtp")
        defer {
            try? FileManager.default.removeItem(at: good)
            try? FileManager.default.removeItem(at: bad)
        }
        try "<- 220\n -> EHLO table.example\n<- 250\n -> NOOP\n<- 2xx\n -> QUIT\n<- 221\n".write(to: good, atomically: true, encoding: .utf8)
        try "<- 220\n -> EHLO table.example\n<- 250\n -> RCPT TO:<a@example.org>\n<- 250\n -> QUIT\n<- 221\n".write(to: bad, atomically: true, encoding: .utf8)
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(["replay", good.path, bad.path, "--host", "127.0.0.1:\(port)", "--no-explain"])
            #expect(result.status == 20, "\(result.stdout)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let header = try #require(lines.firstIndex { $0.hasPrefix("file ") }, "\(result.stdout)")
            #expect(lines[header].split(separator: " ", omittingEmptySubsequences: true) == ["file", "replies", "matched", "different", "not", "received", "result"])
            #expect(lines[header + 1].split(separator: " ", omittingEmptySubsequences: true) == [Substring(good.lastPathComponent), "4", "4", "0", "0", "ok"])
            // RCPT before MAIL gets 503: one different; QUIT's 221 still comes.
            #expect(lines[header + 2].split(separator: " ", omittingEmptySubsequences: true) == [Substring(bad.lastPathComponent), "4", "3", "1", "0", "differs"])
        }
    }

    /// A file that does not start with the greeting (a macro, a session recorded with
    /// :record after the greeting): the greeting is awaited, not taken for the first reply.
    @Test func aFileWithoutTheGreetingReplaysCleanly() async throws {
        let file = Self.temporaryFile("midsession.smtp")
        defer { try? FileManager.default.removeItem(at: file) }
        try " -> EHLO rec.example\n<-  250 ok\n -> NOOP\n<-  250 ok\n".write(to: file, atomically: true, encoding: .utf8)
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(["replay", file.path, "--host", "127.0.0.1:\(port)", "--no-explain"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("=== \(file.lastPathComponent): all 2 replies as recorded"), "\(result.stdout)")
            #expect(!result.stdout.contains("has not greeted"), "\(result.stdout)")
        }
    }

    /// --starttls: a telnet paste made in clear replays against a server that wants TLS;
    /// a file that says STARTTLS itself is refused with the option.
    @Test func starttlsForAFileRecordedInClear() async throws {
        let file = Self.temporaryFile("clear.txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try "220 mail.example.org ESMTP\nEHLO me.example\n250 mail.example.org\nMAIL FROM:<a@example.org>\n250 ok\nQUIT\n221 bye\n"
            .write(to: file, atomically: true, encoding: .utf8)
        try await PipedSessionTests.withServer({ options in options.configuration.requireTLS = true }) { port, _ in
            let clear = try BinaryRunner.run(["replay", file.path, "--host", "127.0.0.1:\(port)", "--no-explain"])
            #expect(clear.status == 20, "\(clear.stdout)")
            #expect(clear.stdout.contains("expected 250, received 530"), "\(clear.stdout)")
            let tls = try BinaryRunner.run(["replay", file.path, "--host", "127.0.0.1:\(port)", "--starttls", "--no-explain"])
            #expect(tls.status == 0, "\(tls.stdout)\(tls.stderr)")
            #expect(tls.stdout.contains(" ~> MAIL FROM:<a@example.org>\n<~  250"), "\(tls.stdout)")
            #expect(tls.stdout.contains("all 4 replies as recorded"), "\(tls.stdout)")
        }
        try "220 mail.example.org ESMTP\nEHLO me.example\n250 ok\nSTARTTLS\n220 go ahead\nQUIT\n221 bye\n".write(to: file, atomically: true, encoding: .utf8)
        let twice = try BinaryRunner.run(["replay", file.path, "--host", "127.0.0.1:1", "--starttls"])
        #expect(twice.status == 64)
        #expect(twice.stderr == "smtpsh: \(file.path) says STARTTLS itself (line 4): replay it without --starttls\n", "\(twice.stderr)")
    }

    /// Text that holds no reply reads as a telnet paste with nothing to compare: refused,
    /// not "all 0 replies as recorded".
    @Test func textWithoutAnyReplyIsRefused() throws {
        let file = Self.temporaryFile("words.txt")
        defer { try? FileManager.default.removeItem(at: file) }
        for text in ["just some words\nand more words\n", " -> EHLO x\n<-  25\n"] {
            try text.write(to: file, atomically: true, encoding: .utf8)
            let result = try BinaryRunner.run(["replay", file.path, "--host", "127.0.0.1:1"])
            #expect(result.status == 65, "\(text): \(result.stdout)\(result.stderr)")
            #expect(result.stderr == "smtpsh: \(file.path) holds no server reply to compare with: it is not a session file (see Docs/session-format.md)\n", "\(result.stderr)")
        }
    }

    @Test func badFilesAreClearErrors() throws {
        let file = Self.temporaryFile("bad.smtp")
        defer { try? FileManager.default.removeItem(at: file) }
        try "# smtpsh session\n -> EHLO x\n<-  250 ok\nwhat is this\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try BinaryRunner.run(["replay", file.path, "--host", "127.0.0.1:1"])
        #expect(result.status == 65)
        #expect(result.stderr == "smtpsh: \(file.path), line 4: not a session line: what is this (lines start with \" -> \", \"<- \", \"=== \" or \"#\")\n", "\(result.stderr)")
        try "220 mail.example.org ESMTP\nQUIT\n221 bye\n".write(to: file, atomically: true, encoding: .utf8)
        let noHost = try BinaryRunner.run(["replay", file.path])
        #expect(noHost.status == 64)
        #expect(noHost.stderr.contains("does not say which server it was recorded with: give --host"), "\(noHost.stderr)")
        let missing = try BinaryRunner.run(["replay", "/nonexistent/file.smtp"])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("smtpsh: cannot read /nonexistent/file.smtp"))
    }
}

enum SwaksAvailable {
    static let path = ["/usr/bin/swaks", "/usr/local/bin/swaks"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/swaks"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }
}
