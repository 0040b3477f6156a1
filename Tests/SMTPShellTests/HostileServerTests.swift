import Foundation
import NIOPosix
import SMTPPracticeServer
import Testing

/// The built binary against servers that misbehave on purpose (the "Hardening" issue): each
/// behaviour is met in a piped session, with `smtpsh send`, and with `smtpsh replay` of a
/// small session file where that applies. Every run is checked for the same things: no
/// crash (no status ≥ 128, no "Fatal error"), no hang (each run is killed after a limit far
/// above `--timeout`), bounded memory (the child's peak RSS, measured by GNU time: see
/// `Child` in Support/HostileServer.swift), one clear line, the documented exit status
/// (Docs/exit-status.md), no raw control byte from the server on the terminal, and a
/// recording that holds what was received up to the failure.
///
/// Bugs found are shown by `withKnownIssue` (or a disabled test when showing it is slow).
/// `SMTPSH_HOSTILE_LOG=FILE` appends one line per run (status, time, peak RSS);
/// `SMTPSH_HOSTILE_DUMP=DIR` keeps each run's output.
@Suite(.serialized) struct HostileServerTests {
    // MARK: - Helpers

    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-hostile-\(UUID().uuidString)-\(name)")
    }

    /// A hand-written session file for `smtpsh replay` (markers, no header: `--host` says where).
    static func sessionFile(_ name: String, _ lines: [String]) throws -> URL {
        let file = temporaryFile(name)
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static func text(of file: URL) -> String {
        (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    /// The raw bytes that must never reach a terminal from a server: ESC, BEL, NUL, CSI (C1,
    /// raw or as UTF-8), and the other C0 controls but tab and line feed.
    static func rawControls(in data: Data) -> [String] {
        var found = Set<String>()
        var previous: UInt8 = 0
        for byte in data {
            switch byte {
            case 0x1B: found.insert("ESC")
            case 0x07: found.insert("BEL")
            case 0x00: found.insert("NUL")
            case 0x9B: found.insert(previous == 0xC2 ? "U+009B" : "0x9B")
            case 0x0D: found.insert("CR")
            case 0x01...0x08, 0x0B, 0x0C, 0x0E...0x1A, 0x1C...0x1F, 0x7F: found.insert(String(format: "0x%02X", byte))
            default: break
            }
            previous = byte
        }
        return found.sorted()
    }

    static func expectClean(_ result: Child.Result, limitSeconds: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!result.hung, "it hung: \(result)", sourceLocation: sourceLocation)
        #expect(result.status < 128, "it crashed: \(result)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Backtrace"), "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.seconds < limitSeconds, "took \(result.seconds) s", sourceLocation: sourceLocation)
    }

    /// Each line of smtpsh's own failure message is one line: nothing of it spills over.
    static func lines(_ text: String, starting prefix: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    static let client = ["--timeout", "2", "--no-explain"]

    /// The peak RSS was measured, and is under `megabytes`.
    static func expectPeakRSS(_ result: Child.Result, below megabytes: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.peakRSSKilobytes > 0, "the peak RSS was not measured", sourceLocation: sourceLocation)
        #expect(result.peakRSSKilobytes < megabytes * 1024, "peak RSS \(result.peakRSSMegabytes) MB \(what)", sourceLocation: sourceLocation)
    }

    /// Runs the bodies at the same time, each on a thread of its own (runs that mostly wait,
    /// or a server met by three clients at once), and returns their results in order.
    static func concurrently<T: Sendable>(_ bodies: [@Sendable () throws -> T]) throws -> [T] {
        let results = ResultBox<T>(count: bodies.count)
        let group = DispatchGroup()
        for (index, body) in bodies.enumerated() {
            group.enter()
            Thread {
                results.set(index, Result { try body() })
                group.leave()
            }.start()
        }
        group.wait()
        return try results.values.map { try $0!.get() }
    }

    // MARK: - A line that never ends

    /// "220 " and 100 MB without a line end, then the server closes: smtpsh keeps the first
    /// 8 KiB, says so once, and reports the lost connection (6); its memory stays far below
    /// the line's size. The same line left hanging (no close) times out (5).
    @Test func aLineThatNeverEnds() throws {
        let size = 100_000_000
        let allRead = ManagedFlag()
        let closing = try HostileServer { connection in
            connection.send("220 ")
            allRead.value = connection.stream(65, count: size, timeout: 60)
        }
        defer { closing.stop() }
        let recording = Self.temporaryFile("endless.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        let piped = try Child.run(
            ["127.0.0.1", String(closing.port), "--record", recording.path] + Self.client, stdin: "EHLO me.example\nQUIT\n", timeout: 40)
        Self.expectClean(piped, limitSeconds: 40)
        #expect(piped.status == 6, "\(piped)")
        #expect(piped.stdout.contains("*** the server is sending a line without end ("), "\(piped)")
        #expect(Self.lines(piped.stdout, starting: "*** the server is sending a line without end").count == 1, "\(piped)")
        #expect(piped.stdout.contains("=== Connection closed by foreign host."), "\(piped)")
        #expect(piped.stdoutData.count < 64 * 1024, "\(piped.stdoutData.count) octets on stdout")
        Self.expectPeakRSS(piped, below: 100, "for a 100 MB line")
        #expect(allRead.value, "smtpsh read the whole line before the close")
        #expect(!closing.receivedText.contains("EHLO"), "nothing is sent before the greeting")
        let recorded = Self.text(of: recording)
        #expect(recorded.contains("\n=== Connected to 127.0.0.1:\(closing.port)"), "\(recorded)")
        #expect(recorded.contains("\n*** the server is sending a line without end ("), "\(recorded)")
        #expect(recorded.contains("\n=== Connection closed by foreign host."), "\(recorded)")

        let hangingRead = ManagedFlag()
        let hanging = try HostileServer { connection in
            connection.send("220 ")
            hangingRead.value = connection.stream(65, count: size, timeout: 60)
            connection.peerHasGone(wait: 20)
        }
        defer { hanging.stop() }
        let send = try Child.run(
            ["send", "127.0.0.1", String(hanging.port), "--from", "a@example.org", "--to", "b@example.org"] + Self.client, timeout: 40)
        Self.expectClean(send, limitSeconds: 40)
        #expect(send.status == 5, "\(send)")
        // The warning, then the failure. (A "lines typed but not sent: 1" may follow: the
        // QUIT smtpsh itself queued behind the greeting that never ended.)
        #expect(Self.lines(send.stdout, starting: "*** ").prefix(2).last == "*** no reply to the greeting after 2 s (timed out)", "\(send)")
        #expect(hangingRead.value, "smtpsh read the whole line, then waited --timeout")
        Self.expectPeakRSS(send, below: 100, "for a 100 MB line")

        let file = try Self.sessionFile("endless.smtp", ["<-  220 hostile.example ESMTP", " -> EHLO me.example", "<-  250 hostile.example", " -> QUIT", "<-  221 bye"])
        defer { try? FileManager.default.removeItem(at: file) }
        let replay = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(closing.port)"] + Self.client, timeout: 40)
        Self.expectClean(replay, limitSeconds: 40)
        #expect(replay.status == 6, "\(replay)")
        #expect(replay.stdout.contains("*** the server is sending a line without end ("), "\(replay)")
        Self.expectPeakRSS(replay, below: 100, "for a 100 MB line")
    }

    /// The line that never ends is what smtpsh received before the failure: the transcript
    /// and the recording should hold its first part (cut, as a long line that ends is), not
    /// only the warning.
    @Test func aLineThatNeverEndsIsRecordedAsFarAsItCame() throws {
        let server = try HostileServer { connection in
            connection.send("220 ")
            connection.stream(65, count: 1_000_000)
        }
        defer { server.stop() }
        let recording = Self.temporaryFile("endless-part.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        let piped = try Child.run(["127.0.0.1", String(server.port), "--record", recording.path] + Self.client, stdin: "QUIT\n")
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.status == 6, "\(piped)")
        do {
            #expect(piped.stdout.contains("<-  220 AAAA"), "\(piped)")
            #expect(Self.text(of: recording).contains("\n<-  220 AAAA"), "\(Self.text(of: recording))")
        }
    }

    /// Docs/session-format.md: a recording ends with the close, as the transcript does
    /// ("=== Connection closed by foreign host." after the 221), with a piped session and
    /// with `smtpsh send`.
    @Test func aRecordingEndsWithTheClose() throws {
        let server = try HostileServer { connection in connection.playSMTP() }
        defer { server.stop() }
        var missing: [String] = []
        for round in 0..<3 {
            for mode in ["piped", "send"] {
                let recording = Self.temporaryFile("close.smtp")
                defer { try? FileManager.default.removeItem(at: recording) }
                let result =
                    mode == "piped"
                    ? try Child.run(["127.0.0.1", String(server.port), "--record", recording.path] + Self.client, stdin: "EHLO me.example\nQUIT\n")
                    : try Child.run(["send", "127.0.0.1", String(server.port), "--from", "a@example.org", "--to", "b@example.org", "--record", recording.path] + Self.client)
                #expect(result.status == 0, "\(result)")
                let recorded = Self.text(of: recording)
                #expect(recorded.contains("\n -> QUIT\n<-  221 2.0.0 bye\n"), "\(recorded)")
                if !recorded.hasSuffix("<-  221 2.0.0 bye\n=== Connection closed by foreign host.\n") { missing.append("\(mode) \(round): recording") }
                if !result.stdout.contains("=== Connection closed by foreign host.") { missing.append("\(mode) \(round): stdout") }
            }
        }
        do {
            #expect(missing.isEmpty, "missing the close: \(missing)")
        }
    }

    // MARK: - A million lines

    /// EHLO answered by 1,000,000 `250-` lines then `250 end`: every line is shown and
    /// recorded, the reply keeps only the first ones, memory stays bounded, and the session
    /// goes on (QUIT, 221, status 0). The reply (18 MB) is made once and sent to each client.
    /// This is the slow test of the suite: the debug build takes about 11 µs a line.
    @Test func aReplyOfAMillionLines() throws {
        let count = 1_000_000
        let reply = Self.millionLineReply(count)
        let server = try HostileServer { [reply] connection in
            connection.playSMTP(timeout: 60) { line, connection in
                guard line.uppercased().hasPrefix("EHLO") else { return .standard }
                connection.send(reply, timeout: 60)
                return .handled
            }
        }
        defer { server.stop() }
        let recording = Self.temporaryFile("million.smtp")
        let file = try Self.sessionFile("million.smtp", ["<-  220 hostile.example ESMTP", " -> EHLO me.example", "<-  250 hostile.example", " -> QUIT", "<-  221 bye"])
        defer {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.removeItem(at: file)
        }
        let port = String(server.port)
        // The three clients at once: two cores, and the server only copies bytes.
        let runs = try Self.concurrently([
            { @Sendable in try Child.run(["127.0.0.1", port, "--record", recording.path, "--timeout", "10"], stdin: "EHLO me.example\nQUIT\n", timeout: 90) },
            { @Sendable in try Child.run(["send", "127.0.0.1", port, "--from", "a@example.org", "--to", "b@example.org", "--timeout", "10", "--no-explain"], timeout: 90) },
            { @Sendable in try Child.run(["replay", file.path, "--host", "127.0.0.1:\(port)", "--timeout", "10", "--no-explain"], timeout: 90) },
        ])
        let (piped, send, replay) = (runs[0], runs[1], runs[2])
        Self.expectClean(piped, limitSeconds: 60)
        #expect(piped.status == 0, "\(piped)")
        #expect(piped.stdout.contains("\n<-  250-line 0999999\n"), "\(piped)")
        #expect(piped.stdout.contains("\n<-  250 end"), "\(piped)")
        #expect(piped.stdout.contains("*** this reply had 1000001 lines; only the first ones were kept in memory"), "\(piped)")
        #expect(piped.stdout.contains("<-  221 2.0.0 bye"), "\(piped)")
        Self.expectPeakRSS(piped, below: 100, "for a million-line reply")
        let recorded = Self.text(of: recording)
        #expect(Self.lines(recorded, starting: "<-  250").count == count + 1, "every line of the reply is in the recording")
        #expect(recorded.contains("\n<-  250-line 0999999\n<-  250 end\n*** this reply had 1000001 lines; only the first ones were kept in memory\n -> QUIT\n<-  221 2.0.0 bye\n"), "\(recorded.suffix(500))")

        Self.expectClean(send, limitSeconds: 60)
        #expect(send.status == 0, "\(send)")
        #expect(send.stdout.contains("<-  250 2.0.0 queued"), "\(send)")
        Self.expectPeakRSS(send, below: 100, "for a million-line reply")

        Self.expectClean(replay, limitSeconds: 60)
        #expect(replay.status == 0, "\(replay)")
        #expect(replay.stdout.contains("all 3 replies as recorded"), "\(replay)")
        Self.expectPeakRSS(replay, below: 100, "for a million-line reply")
    }

    /// `250-line 0000000` … `250-line 0999999`, then `250 end`, CRLF each, made with a
    /// template (the debug build is slow at a million appends).
    static func millionLineReply(_ count: Int) -> [UInt8] {
        let template = Array("250-line 0000000\r\n".utf8)
        let end = Array("250 end\r\n".utf8)
        var reply = [UInt8](repeating: 0, count: template.count * count + end.count)
        reply.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            for number in 0..<count {
                let line = base + number * template.count
                template.withUnsafeBufferPointer { line.update(from: $0.baseAddress!, count: template.count) }
                var value = number
                var digit = 15
                while value > 0 {
                    line[digit] = UInt8(48 + value % 10)
                    value /= 10
                    digit -= 1
                }
            }
            end.withUnsafeBufferPointer { (base + template.count * count).update(from: $0.baseAddress!, count: end.count) }
        }
        return reply
    }

    // MARK: - Bytes that would act on a terminal

    static let hostileGreeting: [UInt8] =
        Array("220-caf".utf8) + [0xC3, 0x28, 0xFF, 0xFE, 0x00] + Array(" nul\r\n".utf8)
        + Array("220-\u{1B}[2J\u{1B}[H cleared\r\n".utf8)
        + Array("220-\u{1B}]0;pwned title\u{07} osc\r\n".utf8)
        + Array("220-\u{1B}[5A\u{1B}[10;20H\u{1B}[K moved\r\n".utf8)
        + Array("220-c1 ".utf8) + [0xC2, 0x9B] + Array("31m and raw ".utf8) + [0x9B, 0x7F] + Array("\r\n".utf8)
        + Array("220 hostile.example \u{1B}[31mred\u{1B}[0m \u{202E}gnp.exe\r\n".utf8)

    /// Invalid UTF-8, NUL, ESC [2J, OSC 0;title BEL, CSI cursor moves, C1 CSI, DEL and a
    /// bidi override, in the greeting, the EHLO reply, a refusal (explained, with a hint) and
    /// a line that is not a reply: all escaped on stdout, in the recording and in the JSON
    /// events; never a raw ESC, BEL or NUL.
    @Test func controlBytesAndInvalidUTF8AreEscapedEverywhere() throws {
        let server = try HostileServer { connection in
            connection.send(Self.hostileGreeting)
            connection.playSMTP(greeting: nil, ehlo: ["250-hostile\u{1B}[2J.example", "250-X-\u{1B}]0;kw\u{07}", "250 SIZE 1000\u{1B}[1;1H"]) { line, connection in
                if line.uppercased().hasPrefix("RCPT") {
                    connection.send(Array("550 5.1.1 <\u{1B}[2Jnobody>: no such user \u{07}\r\n".utf8))
                    return .handled
                }
                if line.uppercased().hasPrefix("NOOP") {
                    connection.send(Array("\u{1B}[2J not a reply at all\r\n250 2.0.0 ok\r\n".utf8))
                    return .handled
                }
                return .standard
            }
        }
        defer { server.stop() }
        let recording = Self.temporaryFile("escapes.smtp")
        let json = Self.temporaryFile("escapes.json")
        defer {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.removeItem(at: json)
        }
        // Explanations on: the explainer fills server text into its sentences too.
        let piped = try Child.run(
            ["127.0.0.1", String(server.port), "--timeout", "2", "--record", recording.path, "--json", json.path],
            stdin: "EHLO me.example\nNOOP\nMAIL FROM:<a@example.org>\nRCPT TO:<nobody@example.org>\nQUIT\n")
        Self.expectClean(piped, limitSeconds: 15)
        #expect(piped.status == 1, "the 550 is negative: \(piped)")
        #expect(Self.rawControls(in: piped.stdoutData).isEmpty, "raw \(Self.rawControls(in: piped.stdoutData)) on stdout: \(piped)")
        #expect(Self.rawControls(in: piped.stderrData).isEmpty, "raw \(Self.rawControls(in: piped.stderrData)) on stderr")
        for expected in [
            "<-  220-caf\\xC3(\\xFF\\xFE\\0 nul", "<-  220-\\x1B[2J\\x1B[H cleared", "<-  220-\\x1B]0;pwned title\\x07 osc",
            "<-  220-\\x1B[5A\\x1B[10;20H\\x1B[K moved", "\\u{9B}31m and raw \\x9B\\x7F", "\\u{202E}gnp.exe",
            "<-  250-hostile\\x1B[2J.example", "<-  550 5.1.1 <\\x1B[2Jnobody>: no such user \\x07", "\\x1B[2J not a reply at all",
        ] {
            #expect(piped.stdout.contains(expected), "\(expected) in \(piped)")
        }
        let recorded = try Data(contentsOf: recording)
        #expect(Self.rawControls(in: recorded).isEmpty, "raw \(Self.rawControls(in: recorded)) in the recording")
        let recordedText = String(decoding: recorded, as: UTF8.self)
        for expected in ["\n<-  220-\\x1B[2J\\x1B[H cleared\n", "\n<-  220-\\x1B]0;pwned title\\x07 osc\n", "\n<-  550 5.1.1 <\\x1B[2Jnobody>: no such user \\x07\n", "\n<-  \\x1B[2J not a reply at all\n"] {
            #expect(recordedText.contains(expected), "\(expected) in \(recordedText)")
        }
        let events = try Data(contentsOf: json)
        #expect(Self.rawControls(in: events).isEmpty, "raw \(Self.rawControls(in: events)) in the JSON events")
        for line in events.split(separator: UInt8(ascii: "\n")) {
            #expect((try? JSONSerialization.jsonObject(with: Data(line))) != nil, "not JSON: \(String(decoding: line, as: UTF8.self))")
        }

        let send = try Child.run(["send", "127.0.0.1", String(server.port), "--from", "a@example.org", "--to", "nobody@example.org", "--timeout", "2"])
        Self.expectClean(send, limitSeconds: 15)
        #expect(send.status == 15, "\(send)")
        #expect(Self.rawControls(in: send.stdoutData).isEmpty, "raw \(Self.rawControls(in: send.stdoutData)) on stdout: \(send)")
        #expect(send.stdout.contains("<-  550 5.1.1 <\\x1B[2Jnobody>: no such user \\x07"), "\(send)")

        // --strict puts the server's text in the difference it reports.
        let file = try Self.sessionFile("escapes.smtp", [
            "<-  220 hostile.example", " -> EHLO me.example", "<-  250 hostile.example", " -> MAIL FROM:<a@example.org>", "<-  250 2.0.0 OK",
            " -> RCPT TO:<nobody@example.org>", "<-  250 2.1.5 OK", " -> QUIT", "<-  221 2.0.0 bye",
        ])
        defer { try? FileManager.default.removeItem(at: file) }
        let replay = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(server.port)", "--strict", "--timeout", "2"])
        Self.expectClean(replay, limitSeconds: 15)
        #expect(replay.status == 20, "\(replay)")
        #expect(Self.rawControls(in: replay.stdoutData).isEmpty, "raw \(Self.rawControls(in: replay.stdoutData)) on stdout: \(replay)")
        #expect(replay.stdout.contains("received 550 5.1.1 <\\x1B[2Jnobody>"), "\(replay)")
    }

    // MARK: - Silence and slowness

    /// A server that accepts and never greets: status 5 after --timeout, one line saying so,
    /// nothing sent; the recording ends with that line. (The three runs wait side by side.)
    @Test func aGreetingThatNeverComes() throws {
        let server = try HostileServer { connection in connection.peerHasGone(wait: 15) }
        defer { server.stop() }
        let recording = Self.temporaryFile("silent.smtp")
        let file = try Self.sessionFile("silent.smtp", ["<-  220 hostile.example", " -> QUIT", "<-  221 bye"])
        defer {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.removeItem(at: file)
        }
        let port = String(server.port)
        let runs = try Self.concurrently([
            { @Sendable in try Child.run(["127.0.0.1", port, "--record", recording.path] + Self.client, stdin: "EHLO me.example\n") },
            { @Sendable in try Child.run(["send", "127.0.0.1", port, "--from", "a@example.org", "--to", "b@example.org"] + Self.client) },
            { @Sendable in try Child.run(["replay", file.path, "--host", "127.0.0.1:\(port)"] + Self.client) },
        ])
        let message = "*** no reply to the greeting after 2 s (timed out)"
        for result in runs {
            Self.expectClean(result, limitSeconds: 8)
            #expect(result.status == 5, "\(result)")
            #expect(result.seconds >= 1.9, "\(result)")
            #expect(Self.lines(result.stdout, starting: "*** ").first == message, "\(result)")
        }
        #expect(Self.lines(runs[0].stdout, starting: "*** ") == [message], "\(runs[0])")
        let recorded = Self.text(of: recording)
        #expect(recorded.contains("\n=== Connected to 127.0.0.1:\(port) in "), "\(recorded)")
        // The hint for a TLS port (issue 18) follows the timeout.
        #expect(recorded.hasSuffix("ms.\n" + message + "\n=== a server that says nothing at connect may want TLS from the first byte (port 465, \"implicit TLS\"): try --tls\n=== Connection closed.\n"), "\(recorded)")
        #expect(server.received.isEmpty, "nothing is sent before the greeting: \(server.receivedText)")
    }

    /// One byte a second: a greeting or a reply that arrives that slowly times out after
    /// --timeout (the clock is not reset by bytes that make no line), status 5.
    @Test func oneBytePerSecond() throws {
        let slowGreeting = try HostileServer { connection in
            connection.trickle(Array("220 slow.example ESMTP\r\n".utf8), interval: 1)
        }
        defer { slowGreeting.stop() }
        let slowReply = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased().hasPrefix("EHLO") else { return .standard }
                connection.trickle(Array("250-slow.example\r\n250 HELP\r\n".utf8), interval: 1)
                return .stop
            }
        }
        defer { slowReply.stop() }
        let recording = Self.temporaryFile("slow.smtp")
        let file = try Self.sessionFile("slow.smtp", ["<-  220 hostile.example", " -> EHLO me.example", "<-  250 slow.example", " -> QUIT", "<-  221 bye"])
        defer {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.removeItem(at: file)
        }
        let runs = try Self.concurrently([
            { @Sendable in try Child.run(["127.0.0.1", String(slowGreeting.port), "--record", recording.path] + Self.client, stdin: "EHLO me.example\n") },
            { @Sendable in try Child.run(["send", "127.0.0.1", String(slowReply.port), "--from", "a@example.org", "--to", "b@example.org"] + Self.client) },
            { @Sendable in try Child.run(["replay", file.path, "--host", "127.0.0.1:\(slowReply.port)"] + Self.client) },
        ])
        for result in runs {
            Self.expectClean(result, limitSeconds: 8)
            #expect(result.status == 5, "\(result)")
        }
        // What came of the greeting is shown when smtpsh gives up and closes.
        #expect(
            Self.lines(runs[0].stdout, starting: "*** ")
                == ["*** no reply to the greeting after 2 s (timed out)", "*** the connection closed in the middle of this line (no line end came)"],
            "\(runs[0])")
        #expect(Self.text(of: recording).contains("*** no reply to the greeting after 2 s (timed out)\n=== a server that says nothing at connect may want TLS"), "\(Self.text(of: recording))")
        #expect(Self.text(of: recording).contains("--tls\n<-  22"), "\(Self.text(of: recording))")
        #expect(Self.text(of: recording).hasSuffix("\n=== Connection closed.\n"), "\(Self.text(of: recording))")
        #expect(Self.lines(runs[1].stdout, starting: "*** ").first == "*** no reply to EHLO after 2 s (timed out)", "\(runs[1])")
        #expect(Self.lines(runs[2].stdout, starting: "*** ").first == "*** no reply to EHLO after 2 s (timed out)", "\(runs[2])")
    }

    /// A reply whose lines come one at a time, each well within --timeout, but which never
    /// ends: --timeout is documented as the wait "for each reply", so smtpsh should give up
    /// after it (status 5) instead of waiting as long as the server keeps talking.
    @Test func aReplyThatNeverEndsOneLineAtATime() throws {
        let server = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased().hasPrefix("EHLO") else { return .standard }
                var number = 0
                while connection.send("250-still talking \(number)\r\n", timeout: 1), !connection.peerHasGone(wait: 0.5) { number += 1 }
                return .stop
            }
        }
        defer { server.stop() }
        // Lines every 0.5 s keep --timeout 0.8 from expiring; ten times it (8 s) is the most a reply may take.
        let piped = try Child.run(["127.0.0.1", String(server.port), "--no-explain", "--timeout", "0.8"], stdin: "EHLO me.example\n", timeout: 15)
        #expect(!piped.hung, "still waiting after 15 s with --timeout 0.8: \(piped)")
        #expect(piped.status == 5, "\(piped)")
        #expect(piped.stdout.contains("*** the reply to EHLO has not ended after 8 s"), "\(piped)")
    }

    // MARK: - Connections that end badly

    /// A TCP reset (SO_LINGER 0) in the middle of a multi-line reply: status 6, "connection
    /// lost: Connection reset by peer", and the lines that came before it recorded.
    @Test func aResetInTheMiddleOfAReply() throws {
        let server = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased().hasPrefix("EHLO") else { return .standard }
                connection.sendLines(["250-hostile.example", "250-PIPELINING"])
                Thread.sleep(forTimeInterval: 0.5)  // read by the client before the reset
                connection.reset()
                return .stop
            }
        }
        defer { server.stop() }
        let recording = Self.temporaryFile("reset.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        let piped = try Child.run(["127.0.0.1", String(server.port), "--record", recording.path] + Self.client, stdin: "EHLO me.example\nQUIT\n")
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.status == 6, "\(piped)")
        #expect(Self.lines(piped.stdout, starting: "*** ") == ["*** connection lost: Connection reset by peer"], "\(piped)")
        let recorded = Self.text(of: recording)
        #expect(recorded.hasSuffix("\n -> EHLO me.example\n<-  250-hostile.example\n<-  250-PIPELINING\n*** connection lost: Connection reset by peer\n"), "\(recorded)")

        let send = try Child.run(["send", "127.0.0.1", String(server.port), "--from", "a@example.org", "--to", "b@example.org"] + Self.client)
        Self.expectClean(send, limitSeconds: 8)
        #expect(send.status == 6, "\(send)")
        #expect(send.stdout.contains("*** connection lost: Connection reset by peer"), "\(send)")

        let file = try Self.sessionFile("reset.smtp", ["<-  220 hostile.example", " -> EHLO me.example", "<-  250 hostile.example", " -> QUIT", "<-  221 bye"])
        defer { try? FileManager.default.removeItem(at: file) }
        let replay = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(server.port)"] + Self.client)
        Self.expectClean(replay, limitSeconds: 8)
        #expect(replay.status == 6, "\(replay)")
        #expect(replay.stdout.contains("*** connection lost: Connection reset by peer"), "\(replay)")
    }

    /// STARTTLS, 220, and the server hangs up at once: TLS could not be set up (7), one
    /// line, and the EHLO meant for after the handshake never goes out in clear.
    @Test func aCloseRightAfterSTARTTLS() throws {
        let server = try HostileServer { connection in
            connection.playSMTP(ehlo: ["250-hostile.example", "250 STARTTLS"]) { line, connection in
                guard line.uppercased() == "STARTTLS" else { return .standard }
                connection.sendLines(["220 2.0.0 go ahead"])
                return .stop
            }
        }
        defer { server.stop() }
        let piped = try Child.run(["127.0.0.1", String(server.port)] + Self.client, stdin: "EHLO me.example\nSTARTTLS\nEHLO again.example\n")
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.status == 7, "\(piped)")
        #expect(piped.stdout.contains("*** TLS handshake failed") || piped.stdout.contains("*** the server closed the connection without ending TLS properly"), "\(piped)")

        let send = try Child.run(
            ["send", "127.0.0.1", String(server.port), "--from", "a@example.org", "--to", "b@example.org", "--starttls", "--ehlo", "again.example"]
                + Self.client)
        Self.expectClean(send, limitSeconds: 8)
        #expect(send.status == 7, "\(send)")
        #expect(!send.stdout.contains(" -> MAIL") && !send.stdout.contains(" ~> MAIL"), "\(send)")

        let file = try Self.sessionFile("starttls.smtp", [
            "<-  220 hostile.example", " -> EHLO me.example", "<-  250 hostile.example", " -> STARTTLS", "<-  220 go ahead", " ~> EHLO again.example",
            "<~  250 hostile.example", " ~> QUIT", "<~  221 bye",
        ])
        defer { try? FileManager.default.removeItem(at: file) }
        let replay = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(server.port)"] + Self.client)
        Self.expectClean(replay, limitSeconds: 8)
        #expect(replay.status == 7, "\(replay)")
        // The piped session and the replay never sent their second EHLO; send's only EHLO
        // again.example is the one before STARTTLS.
        #expect(server.receivedText.components(separatedBy: "EHLO again.example").count == 2, "\(server.receivedText)")
    }

    static func garbage(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    /// Random bytes where the TLS handshake should be: after STARTTLS's 220 (sent a moment
    /// later, so not the injection case) and on an implicit-TLS connection (--tls). Status 7,
    /// one line, no crash.
    @Test func tlsGarbage() throws {
        let afterSTARTTLS = try HostileServer { connection in
            connection.playSMTP(ehlo: ["250-hostile.example", "250 STARTTLS"]) { line, connection in
                guard line.uppercased() == "STARTTLS" else { return .standard }
                connection.sendLines(["220 2.0.0 go ahead"])
                Thread.sleep(forTimeInterval: 0.3)
                connection.send(Self.garbage(20_000, seed: 7), timeout: 3)
                connection.peerHasGone(wait: 5)
                return .stop
            }
        }
        defer { afterSTARTTLS.stop() }
        let piped = try Child.run(["127.0.0.1", String(afterSTARTTLS.port)] + Self.client, stdin: "EHLO me.example\nSTARTTLS\nEHLO again.example\n")
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.status == 7, "\(piped)")
        #expect(Self.lines(piped.stdout, starting: "*** ").first?.hasPrefix("*** TLS handshake failed") == true, "\(piped)")
        #expect(Self.rawControls(in: piped.stdoutData).isEmpty, "\(piped)")
        let send = try Child.run(
            ["send", "127.0.0.1", String(afterSTARTTLS.port), "--from", "a@example.org", "--to", "b@example.org", "--starttls"] + Self.client)
        Self.expectClean(send, limitSeconds: 8)
        #expect(send.status == 7, "\(send)")
        #expect(send.stdout.contains("*** TLS handshake failed"), "\(send)")
        #expect(!afterSTARTTLS.receivedText.contains("again.example"), "\(afterSTARTTLS.receivedText)")

        let implicit = try HostileServer { connection in
            connection.send(Self.garbage(20_000, seed: 11), timeout: 3)
            connection.peerHasGone(wait: 5)
        }
        defer { implicit.stop() }
        let tls = try Child.run(["127.0.0.1", String(implicit.port), "--tls"] + Self.client, stdin: "EHLO me.example\nQUIT\n")
        Self.expectClean(tls, limitSeconds: 8)
        #expect(tls.status == 7, "\(tls)")
        #expect(Self.lines(tls.stdout, starting: "*** ").first?.hasPrefix("*** TLS handshake failed") == true, "\(tls)")
        let sendTLS = try Child.run(["send", "127.0.0.1", String(implicit.port), "--tls", "--from", "a@example.org", "--to", "b@example.org"] + Self.client)
        Self.expectClean(sendTLS, limitSeconds: 8)
        #expect(sendTLS.status == 7, "\(sendTLS)")
        let file = try Self.sessionFile("implicit.smtp", ["<~  220 hostile.example", " ~> QUIT", "<~  221 bye"])
        defer { try? FileManager.default.removeItem(at: file) }
        let replay = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(implicit.port)", "--tls"] + Self.client)
        Self.expectClean(replay, limitSeconds: 8)
        #expect(replay.status == 7, "\(replay)")
    }

    // MARK: - Certificates

    enum BadCertificate: String, CaseIterable, Sendable {
        case expired, selfSigned, wrongName
    }

    /// A practice server (STARTTLS and implicit TLS) with the certificate, its PEM file and
    /// the ports.
    static func withTLSServer<T>(_ material: TLSMaterial, _ body: (_ plain: String, _ tls: String) throws -> T) async throws -> T {
        var options = PracticeServer.Options()
        options.port = 0
        options.tlsPort = 0
        options.tlsMaterial = material
        let server = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
        let listening = try await server.start()
        do {
            let result = try body(String(listening.port), String(listening.tlsPort ?? 0))
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// The certificate, the options that trust it (or not), the reason smtpsh gives, and the
    /// start of the fix it suggests (issue 18: the problem, whose certificate, the fix).
    static func badCertificate(_ kind: BadCertificate, name: String, in directory: URL) throws
        -> (material: TLSMaterial, trust: [String], reason: String, fix: String)
    {
        switch kind {
        case .expired:
            let made = try HostileCertificates.make(
                commonName: name, names: [name], notBefore: Date().addingTimeInterval(-60 * 86400), notAfter: Date().addingTimeInterval(-86400),
                in: directory)
            return (made.material, ["--ca", made.pem.path], "the certificate has expired", "=== the certificate expired on ")
        case .selfSigned:
            return (
                try HostileCertificates.make(commonName: name, names: [name], in: directory).material, [], "self-signed certificate",
                "=== to trust this very certificate: --ca FILE"
            )
        case .wrongName:
            let made = try HostileCertificates.make(commonName: "other.example", names: ["other.example"], in: directory)
            return (
                made.material, ["--ca", made.pem.path], "the certificate is not for \(name)",
                "=== the certificate is for other.example, not \(name): connect by one of those names, or give the name to check with --sni NAME"
            )
        }
    }

    /// A refusal in smtpsh's words: the reason, whose certificate, the fix; no library text.
    static func expectPlainRefusal(_ result: Child.Result, reason: String, subject: String, fix: String) {
        #expect(Self.lines(result.stdout, starting: "*** ") == ["*** the server's certificate did not verify, and --tls-verify refuses it: \(reason)"], "\(result)")
        #expect(result.stdout.contains("=== certificate: ") && result.stdout.contains("CN=\(subject), issued by "), "\(result)")
        #expect(result.stdout.contains(fix), "\(result)")
        for dump in ["OPENSSL", "BoringSSL", ".cc:", "checkouts", "sslError"] { #expect(!result.stdout.contains(dump), "\(dump): \(result)") }
    }

    /// A practice server presenting an expired, a self-signed, or another name's certificate:
    /// with --tls-verify smtpsh stops (8) with the reason in one line, before any reply under
    /// TLS is shown or any command is sent under it; without it, smtpsh reports the problem
    /// and carries on (0), as the guide says. Implicit TLS for the piped session and replay,
    /// STARTTLS for `smtpsh send`.
    @Test(arguments: BadCertificate.allCases)
    func aBadCertificate(_ kind: BadCertificate) async throws {
        let directory = Self.temporaryFile("certificates")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let name = "mail.hostile.example"
        let (material, trust, reason, fix) = try Self.badCertificate(kind, name: name, in: directory)
        let subject = kind == .wrongName ? "other.example" : name
        let file = try Self.sessionFile("tls.smtp", ["<~  220 practice.localhost", " ~> EHLO me.example", "<~  250 ok", " ~> QUIT", "<~  221 bye"])
        defer { try? FileManager.default.removeItem(at: file) }
        try await Self.withTLSServer(material) { plain, tlsPort in
            let common = ["--sni", name] + trust + Self.client
            let refused = try Child.run(["127.0.0.1", tlsPort, "--tls", "--tls-verify"] + common, stdin: "EHLO me.example\nQUIT\n")
            Self.expectClean(refused, limitSeconds: 10)
            #expect(refused.status == 8, "\(refused)")
            Self.expectPlainRefusal(refused, reason: reason, subject: subject, fix: fix)
            #expect(!refused.stdout.contains("<~  "), "\(refused)")

            let sendRefused = try Child.run(
                ["send", "127.0.0.1", plain, "--starttls", "--tls-verify", "--from", "a@example.org", "--to", "b@example.org"] + common)
            Self.expectClean(sendRefused, limitSeconds: 10)
            #expect(sendRefused.status == 8, "\(sendRefused)")
            #expect(sendRefused.stdout.contains("--tls-verify refuses it: \(reason)"), "\(sendRefused)")
            #expect(sendRefused.stdout.contains(fix), "\(sendRefused)")
            #expect(!sendRefused.stdout.contains(" ~> "), "\(sendRefused)")

            let replayRefused = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(tlsPort)", "--tls", "--tls-verify"] + common)
            Self.expectClean(replayRefused, limitSeconds: 10)
            #expect(replayRefused.status == 8, "\(replayRefused)")
            #expect(replayRefused.stdout.contains("--tls-verify refuses it: \(reason)"), "\(replayRefused)")

            let carryOn = try Child.run(["127.0.0.1", tlsPort, "--tls"] + common, stdin: "EHLO me.example\nQUIT\n")
            let sendCarryOn = try Child.run(["send", "127.0.0.1", plain, "--starttls", "--from", "a@example.org", "--to", "b@example.org"] + common)
            let replay = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(tlsPort)", "--tls"] + common)
            for result in [carryOn, sendCarryOn, replay] { Self.expectClean(result, limitSeconds: 10) }
            do {
                #expect(carryOn.status == 0, "\(carryOn)")
                #expect(carryOn.stdout.contains("verification: failed (\(reason))"), "\(carryOn)")
                #expect(carryOn.stdout.contains("<~  221"), "\(carryOn)")
                #expect(sendCarryOn.status == 0, "\(sendCarryOn)")
                #expect(sendCarryOn.stdout.contains("verification: failed (\(reason))"), "\(sendCarryOn)")
                #expect(replay.status == 0, "\(replay)")
            }
        }
    }

    /// Connecting by address to a server whose certificate names only its host name (most
    /// real servers): without --tls-verify, smtpsh should report the mismatch and carry on.
    @Test func aCertificateWithoutTheAddressConnectedTo() async throws {
        let directory = Self.temporaryFile("certificates")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let made = try HostileCertificates.make(commonName: "mail.hostile.example", names: ["mail.hostile.example"], in: directory)
        try await Self.withTLSServer(made.material) { _, tlsPort in
            let verified = try Child.run(["127.0.0.1", tlsPort, "--tls", "--tls-verify", "--ca", made.pem.path] + Self.client, stdin: "QUIT\n")
            Self.expectClean(verified, limitSeconds: 10)
            #expect(verified.status == 8, "\(verified)")
            Self.expectPlainRefusal(
                verified, reason: "the certificate is not for 127.0.0.1", subject: "mail.hostile.example",
                fix: "=== the certificate is for mail.hostile.example, not 127.0.0.1: connect by one of those names, or give the name to check with --sni NAME")

            let result = try Child.run(["127.0.0.1", tlsPort, "--tls", "--ca", made.pem.path] + Self.client, stdin: "QUIT\n")
            Self.expectClean(result, limitSeconds: 10)
            do {
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.contains("verification: failed (the certificate is not for 127.0.0.1)"), "\(result)")
                #expect(!result.stdout.contains("NIOSSLExtraError"), "smtpsh's own words, not a library's error: \(result)")
            }
        }
    }

    /// A certificate whose names carry escape sequences: the TLS report shows the server's
    /// words, so it must escape them as it escapes replies.
    @Test func aCertificateWithEscapeSequencesInItsNames() async throws {
        let directory = Self.temporaryFile("certificates")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let made = try HostileCertificates.make(
            commonName: "evil\u{1B}[2J\u{1B}]0;pwned\u{07}.example", names: ["evil\u{1B}[2J.example"], addresses: [[127, 0, 0, 1]], in: directory)
        let recording = Self.temporaryFile("evil-certificate.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        try await Self.withTLSServer(made.material) { plain, tlsPort in
            let result = try Child.run(["127.0.0.1", tlsPort, "--tls", "--record", recording.path] + Self.client, stdin: "QUIT\n")
            Self.expectClean(result, limitSeconds: 10)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("=== certificate: "), "\(result)")
            #expect(result.stdout.contains("<~  221"), "\(result)")
            #expect(Self.rawControls(in: try Data(contentsOf: recording)).isEmpty, "\(Self.text(of: recording))")
            let send = try Child.run(["send", "127.0.0.1", plain, "--starttls", "--from", "a@example.org", "--to", "b@example.org"] + Self.client)
            Self.expectClean(send, limitSeconds: 10)
            #expect(send.status == 0, "\(send)")
            do {
                #expect(Self.rawControls(in: result.stdoutData).isEmpty, "raw \(Self.rawControls(in: result.stdoutData)) on stdout: \(result)")
                #expect(Self.rawControls(in: send.stdoutData).isEmpty, "raw \(Self.rawControls(in: send.stdoutData)) on stdout: \(send)")
            }
        }
    }

    // MARK: - Replies out of turn

    /// 421 while smtpsh is idle between commands (the script has not ended): the session is
    /// over, the close that follows is expected (not 6), and the 421 makes the status 1.
    /// With `smtpsh send`, a 421 to MAIL stops at that stage (14); replay reports the
    /// difference (20).
    @Test func an421AtAnyTime() throws {
        let said = ManagedFlag()
        let idle = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased().hasPrefix("EHLO") else { return .standard }
                connection.sendLines(HostileConnection.ehloLines)
                Thread.sleep(forTimeInterval: 0.4)
                connection.sendLines(["421 4.3.2 hostile.example shutting down"])
                said.value = true
                return .stop
            }
        }
        defer { idle.stop() }
        let recording = Self.temporaryFile("421.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        let piped = try Child.run(
            ["127.0.0.1", String(idle.port), "--record", recording.path] + Self.client, stdin: "EHLO me.example\n", holdStdinOpen: 6,
            releaseStdin: said)
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.status == 1, "\(piped)")
        #expect(piped.stdout.contains("<-  421 4.3.2 hostile.example shutting down"), "\(piped)")
        #expect(!piped.stdout.contains("connection lost"), "\(piped)")
        #expect(Self.text(of: recording).contains("\n<-  421 4.3.2 hostile.example shutting down\n"), "\(Self.text(of: recording))")

        let midTransaction = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased().hasPrefix("MAIL") else { return .standard }
                connection.sendLines(["421 4.3.2 hostile.example shutting down"])
                return .stop
            }
        }
        defer { midTransaction.stop() }
        let send = try Child.run(["send", "127.0.0.1", String(midTransaction.port), "--from", "a@example.org", "--to", "b@example.org"] + Self.client)
        Self.expectClean(send, limitSeconds: 8)
        #expect(send.status == 14, "\(send)")
        #expect(send.stdout.contains("<-  421 4.3.2"), "\(send)")
        #expect(!send.stdout.contains(" -> RCPT"), "\(send)")

        let file = try Self.sessionFile("421.smtp", [
            "<-  220 hostile.example", " -> EHLO me.example", "<-  250 hostile.example", " -> MAIL FROM:<a@example.org>", "<-  250 OK",
            " -> RCPT TO:<b@example.org>", "<-  250 OK", " -> QUIT", "<-  221 bye",
        ])
        defer { try? FileManager.default.removeItem(at: file) }
        let replay = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(midTransaction.port)"] + Self.client)
        Self.expectClean(replay, limitSeconds: 8)
        #expect(replay.status == 20, "\(replay)")
        #expect(replay.stdout.contains("expected 250, received 421"), "\(replay)")
    }

    /// Replies to commands never sent (two extra 250s while smtpsh is idle, its script not
    /// ended): each is said to be unsolicited, and the next command (QUIT) is still paired
    /// with its own reply. Replayed, and from a server one reply ahead with `smtpsh send`.
    @Test func repliesToCommandsNeverSent() throws {
        let said = ManagedFlag()
        let server = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased().hasPrefix("EHLO") else { return .standard }
                connection.sendLines(HostileConnection.ehloLines)
                Thread.sleep(forTimeInterval: 1)
                connection.sendLines(["250 2.0.0 extra one", "250 2.0.0 extra two"])
                said.value = true
                return .handled
            }
        }
        defer { server.stop() }
        let recording = Self.temporaryFile("extra.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        let piped = try Child.run(
            ["127.0.0.1", String(server.port), "--record", recording.path] + Self.client, stdin: "EHLO me.example\n", holdStdinOpen: 6,
            releaseStdin: said)
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.status == 0, "\(piped)")
        #expect(Self.lines(piped.stdout, starting: "*** a reply nobody asked for").count == 2, "\(piped)")
        #expect(piped.stdout.contains(" -> QUIT\n<-  221 2.0.0 bye"), "\(piped)")
        let recorded = Self.text(of: recording)
        #expect(recorded.contains("\n<-  250 2.0.0 extra one\n*** a reply nobody asked for (no command was waiting for one)\n<-  250 2.0.0 extra two\n"), "\(recorded)")

        // The recording, replayed: the unsolicited replies are not expected of the next commands.
        let replay = try Child.run(["replay", recording.path, "--host", "127.0.0.1:\(server.port)"] + Self.client)
        Self.expectClean(replay, limitSeconds: 8)
        // Replay does not wait for replies the file shows as unsolicited, so QUIT goes out at
        // once and gets the server's first extra 250 (sent 1 s after EHLO's reply): 20.
        #expect(replay.status == 20, "\(replay)")
        #expect(replay.stdout.contains("*** 250 is not a reply RFC 5321 lists for QUIT"), "\(replay)")
        #expect(replay.stdout.contains("expected 221, received 250"), "\(replay)")

        // A server one reply ahead: an extra 250 to MAIL, then each reply only after the next
        // command. smtpsh cannot tell; what matters is that DATA's 250 (meant for RCPT) stops
        // the session (16) and no message line goes out as a command.
        let ahead = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased().hasPrefix("MAIL") else { return .standard }
                connection.sendLines(["250 2.0.0 extra one"])
                for reply in ["250 2.1.0 sender ok", "250 2.1.5 recipient ok"] {
                    guard connection.readLine() != nil else { return .stop }
                    connection.sendLines([reply])
                }
                return .handled
            }
        }
        defer { ahead.stop() }
        let send = try Child.run(
            ["send", "127.0.0.1", String(ahead.port), "--from", "a@example.org", "--to", "b@example.org", "--subject", "ahead"] + Self.client)
        Self.expectClean(send, limitSeconds: 8)
        #expect(send.status == 16, "\(send)")
        #expect(send.stdout.contains(" -> DATA\n<-  250 2.1.5 recipient ok"), "\(send)")
        #expect(send.stdout.contains("*** 250 is not a reply RFC 5321 lists for DATA"), "\(send)")
        #expect(!ahead.receivedText.contains("Subject: ahead"), "\(ahead.receivedText)")
    }

    /// 250 to DATA instead of 354: the message lines are never sent as commands (the script's
    /// are skipped; `smtpsh send` stops at DATA with 16; replay counts the message as not
    /// received, 20).
    @Test func a250ToDATA() throws {
        let server = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased() == "DATA" else { return .standard }
                connection.sendLines(["250 2.0.0 no need"])
                return .handled
            }
        }
        defer { server.stop() }
        let script = "EHLO me.example\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nDATA\nSubject: hostile\n\nRSET this is the body\n.\nQUIT\n"
        let piped = try Child.run(["127.0.0.1", String(server.port)] + Self.client, stdin: script)
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.status == 0, "every reply was positive: \(piped)")
        #expect(piped.stdout.contains("*** 250 is not a reply RFC 5321 lists for DATA"), "\(piped)")
        #expect(piped.stdout.contains("*** skipping the script's message lines, up to the lone dot"), "\(piped)")
        #expect(!piped.stdout.contains(" -> Subject: hostile"), "\(piped)")
        #expect(piped.stdout.contains(" -> QUIT"), "\(piped)")

        let send = try Child.run(["send", "127.0.0.1", String(server.port), "--from", "a@example.org", "--to", "b@example.org", "--subject", "hostile"] + Self.client)
        Self.expectClean(send, limitSeconds: 8)
        #expect(send.status == 16, "\(send)")
        #expect(!send.stdout.contains(" -> Subject: hostile"), "\(send)")

        let file = try Self.sessionFile("data250.smtp", [
            "<-  220 hostile.example", " -> EHLO me.example", "<-  250 hostile.example", " -> MAIL FROM:<a@example.org>", "<-  250 OK",
            " -> RCPT TO:<b@example.org>", "<-  250 OK", " -> DATA", "<-  354 go ahead", " -> Subject: hostile", " -> ", " -> RSET this is the body",
            " -> .", "<-  250 queued", " -> QUIT", "<-  221 bye",
        ])
        defer { try? FileManager.default.removeItem(at: file) }
        let replay = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(server.port)"] + Self.client)
        Self.expectClean(replay, limitSeconds: 8)
        #expect(replay.status == 20, "\(replay)")
        #expect(replay.stdout.contains("expected 354, received 250"), "\(replay)")
        #expect(!server.receivedText.contains("Subject: hostile"), "message lines went out as commands: \(server.receivedText)")
        #expect(!server.receivedText.contains("RSET this is the body"), "\(server.receivedText)")
    }

    /// `250-` then `550`: the violation is said; the reply counts by its first line's code.
    @Test func aMultiLineReplyWhoseCodesDisagree() throws {
        let server = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased().hasPrefix("RCPT") else { return .standard }
                connection.sendLines(["250-2.1.5 fine", "550 5.1.1 or not"])
                return .handled
            }
        }
        defer { server.stop() }
        let recording = Self.temporaryFile("codes.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        let piped = try Child.run(
            ["127.0.0.1", String(server.port), "--record", recording.path] + Self.client,
            stdin: "EHLO me.example\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nQUIT\n")
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.stdout.contains("*** line 2 of this reply has code 550, the first had 250"), "\(piped)")
        #expect(piped.status == 0, "\(piped)")
        #expect(Self.text(of: recording).contains("\n<-  250-2.1.5 fine\n<-  550 5.1.1 or not\n"), "\(Self.text(of: recording))")

        let send = try Child.run(["send", "127.0.0.1", String(server.port), "--from", "a@example.org", "--to", "b@example.org"] + Self.client)
        Self.expectClean(send, limitSeconds: 8)
        #expect(send.stdout.contains("*** line 2 of this reply has code 550, the first had 250"), "\(send)")
        #expect(send.status == 0, "\(send)")

        let replay = try Child.run(["replay", recording.path, "--host", "127.0.0.1:\(server.port)"] + Self.client)
        Self.expectClean(replay, limitSeconds: 8)
        #expect(replay.status == 0, "\(replay)")
    }

    // MARK: - What EHLO offers

    /// 10,000 keywords in the EHLO reply (explained, keyword by keyword, as far as kept),
    /// PIPELINING last: bounded time and memory, and the session goes on.
    @Test func anEHLOReplyWithTenThousandKeywords() throws {
        let ehlo = ["250-hostile.example"] + (0..<10_000).map { "250-X-KEYWORD-\($0) some parameters" } + ["250 PIPELINING"]
        let server = try HostileServer { connection in connection.playSMTP(ehlo: ehlo) }
        defer { server.stop() }
        let piped = try Child.run(["127.0.0.1", String(server.port), "--timeout", "5"], stdin: "EHLO me.example\nMAIL FROM:<a@example.org>\nQUIT\n")
        Self.expectClean(piped, limitSeconds: 20)
        #expect(piped.status == 0, "\(piped)")
        #expect(piped.stdout.contains("<-  250-X-KEYWORD-9999 some parameters"), "\(piped)")
        #expect(piped.stdout.contains("*** this reply had 10002 lines; only the first ones were kept in memory"), "\(piped)")
        #expect(piped.stdout.contains(" -> MAIL FROM:<a@example.org>"), "\(piped)")
        Self.expectPeakRSS(piped, below: 100, "for 10,000 keywords")

        let send = try Child.run(
            ["send", "127.0.0.1", String(server.port), "--from", "a@example.org", "--to", "b@example.org", "--pipeline", "--timeout", "5"])
        Self.expectClean(send, limitSeconds: 20)
        #expect(send.status == 0, "\(send)")
        // PIPELINING, offered on the 10,002nd line (past the lines a reply keeps), is seen.
        #expect(!send.stdout.contains("the server does not offer PIPELINING"), "\(send)")
        #expect(send.stdout.contains(" -> MAIL FROM:<a@example.org>\n -> RCPT TO:<b@example.org>\n -> DATA\n"), "PIPELINING, offered last, was seen: \(send)")
        Self.expectPeakRSS(send, below: 100, "for 10,000 keywords")

        let file = try Self.sessionFile("keywords.smtp", ["<-  220 hostile.example", " -> EHLO me.example", "<-  250 hostile.example", " -> QUIT", "<-  221 bye"])
        defer { try? FileManager.default.removeItem(at: file) }
        let replay = try Child.run(["replay", file.path, "--host", "127.0.0.1:\(server.port)", "--timeout", "5"])
        Self.expectClean(replay, limitSeconds: 20)
        #expect(replay.status == 0, "\(replay)")
        Self.expectPeakRSS(replay, below: 100, "for 10,000 keywords")
    }

    /// `SIZE -1` and `SIZE 99999999999999999999`: shown as not a size, never used as one
    /// (MAIL with SIZE= goes out without a warning about the limit), `:state` included.
    @Test(arguments: ["SIZE -1", "SIZE 99999999999999999999"])
    func anImpossibleSIZE(_ keyword: String) throws {
        let server = try HostileServer { connection in connection.playSMTP(ehlo: ["250-hostile.example", "250-\(keyword)", "250 PIPELINING"]) }
        defer { server.stop() }
        let piped = try Child.run(
            ["127.0.0.1", String(server.port), "--timeout", "2"],
            stdin: "EHLO me.example\n:state\nMAIL FROM:<a@example.org> SIZE=1000\nQUIT\n")
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.status == 0, "\(piped)")
        #expect(piped.stdout.contains("<-  250-\(keyword)"), "\(piped)")
        // :state works in a script too: it shows what the server offered, SIZE as not a size.
        #expect(piped.stdout.contains("=== the server (hostile.example) offers:"), "\(piped)")
        #expect(piped.stdout.contains(" -> MAIL FROM:<a@example.org> SIZE=1000\n"), "\(piped)")
        #expect(!piped.stdout.contains("SIZE over") && !piped.stdout.contains("552"), "\(piped)")
        // The explanation under the EHLO reply should not call it a size either.
        let flat = piped.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        let value = keyword.split(separator: " ")[1]
        do {
            #expect(!flat.contains("messages up to \(value) are accepted"), "\(piped)")
        }

        let send = try Child.run(
            ["send", "127.0.0.1", String(server.port), "--from", "a@example.org", "--to", "b@example.org", "--mail-param", "SIZE=1000"] + Self.client)
        Self.expectClean(send, limitSeconds: 8)
        #expect(send.status == 0, "\(send)")
    }

    /// AUTH challenges that are not base64 (and carry escape sequences): smtpsh answers
    /// without crashing, shows them escaped, and never shows the secret.
    @Test func authChallengesThatAreNotBase64() throws {
        let secret = "Hostile-s3cret"
        let server = try HostileServer { connection in
            connection.playSMTP { line, connection in
                let words = line.uppercased().split(separator: " ")
                guard words.first == "AUTH" else { return .standard }
                if words.count > 1 && words[1] == "CRAM-MD5" {
                    connection.send("334 %%% not base64 \u{1B}[2J %%%\r\n")
                    _ = connection.readLine()
                    connection.sendLines(["535 5.7.8 no"])
                    return .handled
                }
                connection.send("334 !!!not base64!!!\u{1B}]0;pwned\u{07}\r\n")
                _ = connection.readLine()
                connection.send("334 ====\r\n")
                _ = connection.readLine()
                connection.send(Array("334 ".utf8) + [0xFF, 0xFE, 0x00, 0x80] + Array("\r\n".utf8))
                _ = connection.readLine()
                connection.sendLines(["235 2.7.0 whatever you said"])
                return .handled
            }
        }
        defer { server.stop() }
        let traces = [secret, Data(secret.utf8).base64EncodedString()]
        let piped = try Child.run(
            ["127.0.0.1", String(server.port), "--timeout", "2", "--auth-insecure"], stdin: "EHLO me.example\n:auth login student\nQUIT\n",
            environment: ["SMTPSH_PASSWORD": secret])
        Self.expectClean(piped, limitSeconds: 8)
        #expect(piped.status == 0, "\(piped)")
        #expect(piped.stdout.contains("<-  334 !!!not base64!!!\\x1B]0;pwned\\x07"), "\(piped)")
        #expect(piped.stdout.contains("<-  334 \\xFF\\xFE\\0\\x80"), "\(piped)")
        #expect(piped.stdout.contains("<-  235 2.7.0"), "\(piped)")
        #expect(Self.rawControls(in: piped.stdoutData).isEmpty, "\(piped)")
        for trace in traces { #expect(!piped.stdout.contains(trace), "\(trace) in \(piped)") }

        let cram = try Child.run(
            ["127.0.0.1", String(server.port), "--timeout", "2", "--auth-insecure"], stdin: "EHLO me.example\n:auth cram-md5 student\nQUIT\n",
            environment: ["SMTPSH_PASSWORD": secret])
        Self.expectClean(cram, limitSeconds: 8)
        #expect(cram.status == 1, "\(cram)")
        #expect(cram.stdout.contains("<-  535 5.7.8 no"), "\(cram)")
        #expect(Self.rawControls(in: cram.stdoutData).isEmpty, "\(cram)")

        let send = try Child.run(
            ["send", "127.0.0.1", String(server.port), "--auth", "login", "--user", "student", "--from", "a@example.org", "--to", "b@example.org",
             "--auth-insecure"]
                + Self.client, environment: ["SMTPSH_PASSWORD": secret])
        Self.expectClean(send, limitSeconds: 8)
        #expect(send.status == 0, "\(send)")
        for trace in traces { #expect(!send.stdout.contains(trace), "\(trace) in \(send)") }

        let file = try Self.sessionFile("auth.smtp", [
            "<-  220 hostile.example", " -> EHLO me.example", "<-  250 hostile.example", " -> AUTH LOGIN", "<-  334 VXNlcm5hbWU6", " -> ********",
            "<-  334 UGFzc3dvcmQ6", " -> ********", "<-  235 ok", " -> QUIT", "<-  221 bye",
        ])
        defer { try? FileManager.default.removeItem(at: file) }
        let replay = try Child.run(
            ["replay", file.path, "--host", "127.0.0.1:\(server.port)", "--user", "student", "--auth-insecure"] + Self.client,
            environment: ["SMTPSH_PASSWORD": secret])
        Self.expectClean(replay, limitSeconds: 8)
        #expect(replay.status == 0, "\(replay)")
        for trace in traces { #expect(!replay.stdout.contains(trace), "\(trace) in \(replay)") }
    }

    // MARK: - A server that stops reading

    /// DATA's 354, then the server never reads again (its receive buffer is 4 KiB): most of
    /// a 50 MB message cannot leave. `smtpsh send --data` streams the message and must give
    /// up once nothing has been read for --timeout: one line, status 5 (Docs/exit-status.md),
    /// bounded memory, the recording up to that line. A script's message (5 MB, sent as
    /// lines) ends the same way, on the missing reply to its dot.
    @Test func aServerThatNeverReadsAfterDATA() throws {
        let data = Self.temporaryFile("big.eml")
        defer { try? FileManager.default.removeItem(at: data) }
        let line = String(repeating: "x", count: 998) + "\r\n"
        let handle = try { () throws -> FileHandle in
            FileManager.default.createFile(atPath: data.path, contents: nil)
            return try FileHandle(forWritingTo: data)
        }()
        try handle.write(contentsOf: Data("Subject: big\r\n\r\n".utf8))
        let block = Data(String(repeating: line, count: 1000).utf8)
        for _ in 0..<50 { try handle.write(contentsOf: block) }
        try handle.close()

        let server = try HostileServer(receiveBuffer: 4096) { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased() == "DATA" else { return .standard }
                connection.sendLines(["354 go ahead"])
                connection.peerHasGone(wait: 30)
                return .stop
            }
        }
        defer { server.stop() }
        let recording = Self.temporaryFile("never-reads.smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        let send = try Child.run(
            ["send", "127.0.0.1", String(server.port), "--from", "a@example.org", "--to", "b@example.org", "--data", data.path, "--record", recording.path]
                + Self.client,
            timeout: 40)
        Self.expectClean(send, limitSeconds: 30)
        #expect(send.status == 5, "\(send)")
        let recorded = Self.text(of: recording)
        #expect(recorded.contains("\n -> DATA\n<-  354 go ahead\n -> Subject: big\n"), "\(recorded.prefix(2000))")
        let stalled = "*** the server has read nothing for 2 s: it does not take the message; closing the connection"
        #expect(recorded.contains("\n" + stalled + "\n"), "\(recorded.suffix(2000))")
        #expect(Self.lines(send.stdout, starting: "*** ").first == stalled, "\(send)")
        #expect(!send.stdout.contains("\n -> .\n"), "the final dot never left: \(send)")
        Self.expectPeakRSS(send, below: 100, "for a 50 MB message")

        // The same from a script, 5 MB of message lines.
        let body = String(repeating: String(repeating: "y", count: 998) + "\n", count: 5000)
        let piped = try Child.run(
            ["127.0.0.1", String(server.port)] + Self.client,
            stdin: "EHLO me.example\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.org>\nDATA\nSubject: big\n\n" + body + ".\nQUIT\n", timeout: 40)
        Self.expectClean(piped, limitSeconds: 30)
        #expect(piped.status == 5, "\(piped)")
        #expect(piped.stdout.contains("*** no reply to the end of the message after 2 s (timed out)"), "\(piped)")
    }
}
