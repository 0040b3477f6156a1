import Foundation
import NIOPosix
import SMTPPracticeServer
import Testing

/// `--lmtp` and `unix:/path` through the built binary: against Dovecot's LMTP server (a real
/// delivery agent, on a loopback port and on its UNIX socket) and the practice server.
@Suite(.serialized) struct LMTPAndUnixSocketTests {
    /// 3000 octets: over bob's 1 kB quota, under alice's.
    static func bigBody() throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-lmtp-body-\(UUID().uuidString).txt")
        try (String(repeating: "0123456789 lmtp body line to fill the quota\n", count: 70)).write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test(.enabled(if: DovecotLMTPServer.mustRun, "Dovecot's LMTP server needs root and dovecot-lmtpd (Scripts/setup --test)"))
    func sendOverTCPOneReplyPerRecipient() throws {
        let dovecot = try DovecotLMTPServer()
        defer { dovecot.stop() }
        let body = try Self.bigBody()
        defer { try? FileManager.default.removeItem(at: body) }
        let result = try BinaryRunner.run([
            "send", "127.0.0.1", String(dovecot.port), "--lmtp", "--from", "sender@example.org",
            "--to", "alice@lmtp.test", "--to", "bob@lmtp.test", "--body", body.path,
        ])
        // Delivered to alice, refused for bob (over quota): not every recipient.
        #expect(result.status == 19, "\(result.stdout)\(result.stderr)\n\(dovecot.log)")
        #expect(result.stdout.contains(" -> LHLO "), "\(result.stdout)")
        #expect(!result.stdout.contains(" -> EHLO"))
        let alice = try #require(result.stdout.range(of: "<-  250 2.0.0 <alice@lmtp.test>"), "\(result.stdout)")
        let bob = try #require(result.stdout.range(of: "<-  552 5.2.2 <bob@lmtp.test> Quota exceeded"), "\(result.stdout)")
        #expect(alice.lowerBound < bob.lowerBound)
        #expect(result.stdout.contains("=== for <alice@lmtp.test>"), "\(result.stdout)")
        #expect(result.stdout.contains("for <bob@lmtp.test>"), "\(result.stdout)")
        #expect(result.stdout.contains("LMTP: delivered to 1 of 2 recipients; 1 refused the message"), "\(result.stdout)")
        #expect(!result.stdout.contains("unsolicited"), "\(result.stdout)")
        // QUIT still gets its 221: nothing was left unread.
        #expect(result.stdout.contains("<-  221 "), "\(result.stdout)")
        #expect(dovecot.messages(of: "alice").count == 1)
        #expect(dovecot.messages(of: "alice").first?.contains("0123456789 lmtp body line") == true)
        #expect(dovecot.messages(of: "bob").isEmpty)
    }

    @Test(.enabled(if: DovecotLMTPServer.mustRun, "Dovecot's LMTP server needs root and dovecot-lmtpd (Scripts/setup --test)"))
    func sendOverTheUnixSocketEveryRecipientDelivered() throws {
        let dovecot = try DovecotLMTPServer()
        defer { dovecot.stop() }
        let result = try BinaryRunner.run([
            "send", "unix:" + dovecot.socketPath, "--lmtp", "--pipeline", "--from", "sender@example.org",
            "--to", "alice@lmtp.test", "--to", "bob@lmtp.test", "--subject", "over the socket",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n\(dovecot.log)")
        #expect(result.stdout.contains("=== Trying unix:\(dovecot.socketPath)..."), "\(result.stdout)")
        #expect(result.stdout.contains("LMTP: delivered to every recipient (2 of 2)"), "\(result.stdout)")
        #expect(dovecot.messages(of: "alice").first?.contains("Subject: over the socket") == true)
        #expect(dovecot.messages(of: "bob").count == 1)
    }

    /// A script typed by hand over the socket: LHLO, two RCPTs (one unknown), the message;
    /// the replies after the dot are matched to the one recipient accepted.
    @Test(.enabled(if: DovecotLMTPServer.mustRun, "Dovecot's LMTP server needs root and dovecot-lmtpd (Scripts/setup --test)"))
    func pipedScriptOverTheUnixSocket() throws {
        let dovecot = try DovecotLMTPServer()
        defer { dovecot.stop() }
        let script = """
            LHLO tester.example
            MAIL FROM:<sender@example.org>
            RCPT TO:<alice@lmtp.test>
            RCPT TO:<nobody@lmtp.test>
            DATA
            Subject: typed

            hello
            .
            QUIT

            """
        let result = try BinaryRunner.run(["--lmtp", "unix:" + dovecot.socketPath], stdin: Data(script.utf8))
        // The unknown recipient's 550 is a negative reply: a script exits 1.
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("<-  550 5.1.1 <nobody@lmtp.test> User doesn't exist"), "\(result.stdout)")
        #expect(result.stdout.contains("<-  250 2.0.0 <alice@lmtp.test>"), "\(result.stdout)")
        #expect(result.stdout.contains("LMTP: delivered to every recipient (1 of 1)"), "\(result.stdout)")
        #expect(result.stdout.contains("<-  221 "), "\(result.stdout)")
        #expect(dovecot.messages(of: "alice").first?.contains("Subject: typed") == true)
    }

    /// The practice server on a UNIX socket, speaking LMTP; `smtpsh unix:PATH` reaches it.
    @Test func practiceServerOnAUnixSocketSpeaksLMTP() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-unix-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("lmtp.sock").path
        var options = PracticeServer.Options()
        options.port = 0
        options.unixSocket = path
        options.messageDirectory = directory.appendingPathComponent("mail")
        options.configuration.lmtp = true
        options.configuration.rules = [try ScenarioRule(parsing: "DOT 2: 452 4.2.2 Mailbox full")]
        let server = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
        let listening = try await server.start()
        #expect(listening.unixSocket == path)
        let result = try BinaryRunner.run([
            "send", "unix:" + path, "--lmtp", "--from", "a@example.org", "--to", "one@example.org", "--to", "two@example.org",
        ])
        await server.stop()
        #expect(result.status == 19, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("<-  452 4.2.2 Mailbox full"), "\(result.stdout)")
        #expect(result.stdout.contains("LMTP: delivered to 1 of 2 recipients"), "\(result.stdout)")
        let stored = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("mail").path)) ?? []
        #expect(stored.filter { $0.hasSuffix(".eml") }.count == 1)
    }

    @Test func unixSocketErrors() throws {
        let missing = try BinaryRunner.run(["unix:/nonexistent/smtpsh.sock"], stdin: Data("QUIT\n".utf8))
        #expect(missing.status == 4, "\(missing.stdout)\(missing.stderr)")
        #expect(missing.stderr.contains("unix:/nonexistent/smtpsh.sock"), "\(missing.stderr)")
        #expect(missing.stderr.contains("No such file or directory"), "\(missing.stderr)")

        let withPort = try BinaryRunner.run(["unix:/tmp/x.sock", "25"])
        #expect(withPort.status == 64)
        #expect(withPort.stderr.contains("a UNIX-domain socket has no port"), "\(withPort.stderr)")

        let long = try BinaryRunner.run(["unix:/" + String(repeating: "d", count: 200)])
        #expect(long.status == 64)
        #expect(long.stderr.contains("is too long"), "\(long.stderr)")

        let mx = try BinaryRunner.run(["--mx", "unix:/tmp/x.sock"])
        #expect(mx.status == 64, "\(mx.stderr)")
    }

    /// A socket nobody listens on any more: refused, exit 4.
    @Test func unixSocketNobodyListensOn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-unix-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("dead.sock").path
        // A socket file whose listener is gone.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        close(fd)
        let result = try BinaryRunner.run(["unix:" + path], stdin: Data("QUIT\n".utf8))
        #expect(result.status == 4, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("connection refused by unix:" + path), "\(result.stderr)")
    }
}

/// An LMTP session recorded and replayed: the recording says `# protocol: lmtp`, and the
/// replay compares each recipient's reply after the dot with its own.
@Suite(.serialized) struct LMTPReplayTests {
    static func withLMTPServer<T>(rules: [String], _ body: (String) throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-lmtp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = PracticeServer.Options()
        options.port = 0
        options.unixSocket = directory.appendingPathComponent("s.sock").path
        options.configuration.lmtp = true
        options.configuration.rules = try rules.map { try ScenarioRule(parsing: $0) }
        let server = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
        _ = try await server.start()
        do {
            let result = try body(options.unixSocket!)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    static let script = """
        LHLO tester.example
        MAIL FROM:<a@example.org>
        RCPT TO:<one@example.org>
        RCPT TO:<two@example.org>
        RCPT TO:<three@example.org>
        DATA
        Subject: x

        hi
        .
        QUIT

        """

    @Test func aRecordingReplaysWithOneReplyPerRecipient() async throws {
        let recording = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-lmtp-\(UUID().uuidString).smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        try await Self.withLMTPServer(rules: ["DOT 2: 452 4.2.2 Mailbox full"]) { socket in
            let recorded = try BinaryRunner.run(["--lmtp", "unix:" + socket, "--record", recording.path, "--no-explain"], stdin: Data(Self.script.utf8))
            #expect(recorded.status == 1, "\(recorded.stdout)\(recorded.stderr)")
            let text = try String(contentsOf: recording, encoding: .utf8)
            #expect(text.contains("# server: unix:\(socket)\n"), "\(text)")
            #expect(text.contains("# protocol: lmtp\n"), "\(text)")
            // The same server: every reply as recorded, the three after the dot included.
            let same = try BinaryRunner.run(["replay", recording.path, "--no-explain"])
            #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
            #expect(same.stdout.contains("all 11 replies as recorded"), "\(same.stdout)")
        }
        // Another server that refuses the third recipient instead of the second: the
        // difference is found at that recipient's reply, not elsewhere.
        try await Self.withLMTPServer(rules: ["DOT 3: 452 4.2.2 Mailbox full"]) { socket in
            let other = try BinaryRunner.run(["replay", recording.path, "--host", "unix:" + socket, "--no-explain"])
            #expect(other.status == 20, "\(other.stdout)\(other.stderr)")
            #expect(other.stdout.contains("expected 452, received 250"), "\(other.stdout)")
            #expect(other.stdout.contains("expected 250, received 452"), "\(other.stdout)")
            #expect(other.stdout.contains("9 of 11 replies as recorded (2 different, 0 not received)"), "\(other.stdout)")
        }
    }
}
