import Foundation
import SMTPCore
import Testing

/// Issue 15, problem 2: a replay's verdict depends only on what was received. Each
/// expectation is matched with the reply to its own command whatever the timing; a reply
/// that came and differs is "different", one that never came is "not received" and names
/// its line; the summary's counts add up.
@Suite(.serialized) struct ReplayVerdictTests {
    static func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-verdict-\(UUID().uuidString).smtp")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// A session with AUTH PLAIN accepted, AUTH LOGIN refused (already authenticated),
    /// MAIL and RCPT, as recorded against a server that offers AUTH.
    static let authSession = """
        # smtpsh session
        # server: 127.0.0.1:25

        <-  220 jittery.example ESMTP
         -> EHLO me.example
        <-  250-jittery.example
        <-  250-PIPELINING
        <-  250 AUTH PLAIN LOGIN
         -> AUTH PLAIN ********
        <-  235 2.7.0 Authentication successful
         -> AUTH LOGIN
        <-  503 5.5.1 Error: already authenticated
         -> MAIL FROM:<alice@example.org>
        <-  250 2.1.0 Ok
         -> RCPT TO:<bob@example.org>
        <-  250 2.1.5 Ok
         -> NOOP
        <-  250 2.0.0 Ok
         -> QUIT
        <-  221 2.0.0 Bye

        """

    /// A server whose replies come after a random pause (none, or up to 15 ms) and in random
    /// pieces (a reply split across writes, several replies in one), so that replies arrive
    /// before, during and after smtpsh's bookkeeping of what it sent.
    static func jitteryServer() throws -> HostileServer {
        try HostileServer { connection in
            var generator = SystemRandomNumberGenerator()
            func reply(_ lines: [String]) -> Bool {
                let pause = Int.random(in: 0...3, using: &generator) == 0 ? 0 : Double.random(in: 0...0.015, using: &generator)
                if pause > 0 { Thread.sleep(forTimeInterval: pause) }
                let bytes = Array(lines.map { $0 + "\r\n" }.joined().utf8)
                let cut = Int.random(in: 0...bytes.count, using: &generator)
                guard connection.send(Array(bytes[..<cut])) else { return false }
                if cut < bytes.count && Bool.random(using: &generator) { Thread.sleep(forTimeInterval: 0.002) }
                return connection.send(Array(bytes[cut...]))
            }
            guard reply(["220 jittery.example ESMTP"]) else { return }
            var authenticated = false
            while let line = connection.readLine(timeout: 10) {
                let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
                let ok: Bool
                switch verb {
                case "EHLO": ok = reply(["250-jittery.example", "250-PIPELINING", "250 AUTH PLAIN LOGIN"])
                case "AUTH":
                    ok = reply([authenticated ? "503 5.5.1 Error: already authenticated" : "235 2.7.0 Authentication successful"])
                    authenticated = true
                case "MAIL": ok = reply(["250 2.1.0 Ok"])
                case "RCPT": ok = reply(["250 2.1.5 Ok"])
                case "NOOP": ok = reply(["250 2.0.0 Ok"])
                case "QUIT":
                    _ = reply(["221 2.0.0 Bye"])
                    return
                default: ok = reply(["502 5.5.2 Error: command not recognized"])
                }
                if !ok { return }
            }
        }
    }

    @Test("15.2: the same recording replayed 50 times against a server with random timing gets the same verdict every time")
    func sameVerdictEveryTimeAgainstJitter() throws {
        let server = try Self.jitteryServer()
        defer { server.stop() }
        let file = try Self.file(Self.authSession)
        defer { try? FileManager.default.removeItem(at: file) }
        var verdicts: [String: Int] = [:]
        var failures: [String] = []
        for _ in 1...50 {
            // No TLS on this test server: --auth-insecure lets the credentials go (the gate is tested elsewhere).
            let result = try BinaryRunner.run(
                ["replay", file.path, "--host", "127.0.0.1:\(server.port)", "--user", "alice", "--auth-insecure", "--no-explain"],
                environment: ["SMTPSH_PASSWORD": "pw"])
            let summary = result.stdout.split(separator: "\n").last(where: { $0.contains(file.lastPathComponent + ":") }).map(String.init) ?? "none"
            verdicts["\(result.status) \(summary)", default: 0] += 1
            if result.status != 0 { failures.append(result.stdout) }
        }
        #expect(verdicts.count == 1, "different verdicts: \(verdicts)\n\(failures.first ?? "")")
        #expect(verdicts.keys.first?.hasPrefix("0 === ") == true, "\(verdicts)")
        #expect(verdicts.keys.first?.hasSuffix("all 8 replies as recorded") == true, "\(verdicts)")
    }

    /// Against a real server: aiosmtpd (PyPI), STARTTLS then AUTH, 50 times.
    @Test("15.2: a STARTTLS + AUTH recording replayed 50 times against aiosmtpd gets the same verdict every time",
          .enabled(if: AiosmtpdServer.isAvailable, "python3 with aiosmtpd, and openssl, are needed (Scripts/setup --test)"))
    func sameVerdictEveryTimeAgainstAiosmtpd() throws {
        let server = try AiosmtpdServer(user: "alice", password: "Wonder-land9")
        defer { server.stop() }
        let tls = ["--ca", server.certificate.path, "--sni", "aiosmtpd.localhost"]
        let recording = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-verdict-\(UUID().uuidString).smtp")
        defer { try? FileManager.default.removeItem(at: recording) }
        let script = "EHLO me.example\n:auth plain alice\nAUTH LOGIN\nMAIL FROM:<alice@example.org>\nRCPT TO:<bob@example.org>\nQUIT\n"
        let recorded = try BinaryRunner.run(
            ["127.0.0.1", String(server.port), "--starttls", "--no-explain", "--record", recording.path] + tls,
            stdin: Data(script.utf8), environment: ["SMTPSH_PASSWORD": "Wonder-land9"])
        #expect(recorded.stdout.contains("<~  235"), "\(recorded.stdout)")
        #expect(recorded.stdout.contains("<~  503"), "\(recorded.stdout)")
        var verdicts: [String: Int] = [:]
        for _ in 1...50 {
            let result = try BinaryRunner.run(
                ["replay", recording.path, "--host", "127.0.0.1:\(server.port)", "--user", "alice", "--no-explain"] + tls,
                environment: ["SMTPSH_PASSWORD": "Wonder-land9"])
            let summary = result.stdout.split(separator: "\n").last(where: { $0.contains(recording.lastPathComponent + ":") }).map(String.init) ?? "none"
            verdicts["\(result.status) \(summary)", default: 0] += 1
        }
        #expect(verdicts.count == 1, "different verdicts: \(verdicts)")
        #expect(verdicts.keys.first?.hasPrefix("0 === ") == true, "\(verdicts)")
    }

    @Test("15.2: a reply that came and differs is 'different', with the line and both codes, not 'not received'")
    func aDifferentReplyIsNotMissing() throws {
        let server = try HostileServer { connection in
            connection.playSMTP { line, connection in
                guard line.uppercased().hasPrefix("AUTH") else { return .standard }
                connection.sendLines(["535 5.7.8 Error: authentication failed"])
                return .handled
            }
        }
        defer { server.stop() }
        let file = try Self.file("""
            # smtpsh session

            <-  220 hostile.example ESMTP
             -> EHLO me.example
            <-  250 hostile.example
             -> AUTH PLAIN ********
            <-  235 2.7.0 Authentication successful
             -> QUIT
            <-  221 2.0.0 bye

            """)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try BinaryRunner.run(
            ["replay", file.path, "--host", "127.0.0.1:\(server.port)", "--user", "alice", "--auth-insecure", "--no-explain"],
            environment: ["SMTPSH_PASSWORD": "pw"])
        #expect(result.status == 20, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\(file.lastPathComponent), line 7: expected 235, received 535"), "\(result.stdout)")
        #expect(result.stdout.contains("3 of 4 replies as recorded (1 different, 0 not received)"), "\(result.stdout)")
    }

    @Test("15.2: without a secret the summary counts every reply of the file, and names those not received")
    func countsAddUpWhenAuthCannotRun() throws {
        let server = try HostileServer { connection in connection.playSMTP() }
        defer { server.stop() }
        let file = try Self.file("""
            # smtpsh session

             -> AUTH PLAIN ********
            <-  235 2.7.0 Authentication successful
             -> QUIT
            <-  221 2.0.0 bye

            """)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try BinaryRunner.run(["replay", file.path, "--host", "127.0.0.1:\(server.port)", "--no-explain"])
        #expect(result.stdout.contains("0 of 2 replies as recorded (0 different, 2 not received)"), "\(result.stdout)")
        #expect(result.stdout.contains("lines 4, 6: the replies written there never came"), "\(result.stdout)")
    }
}
