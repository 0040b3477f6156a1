import Foundation
import SMTPCore
import SMTPPracticeServer
import Testing

/// Issue 15, problem 1: credentials never go where they are unsafe (no TLS for a mechanism
/// that sends the secret, AUTH or the mechanism not offered, a certificate that did not
/// verify) unless the user says so, and what is wrong is said before anything is asked for.
/// The listeners record every byte they receive: the tests look for the secret in them.
@Suite(.serialized) struct CredentialGateTests {
    static let secret = "TopSecret1"
    /// Every form the secret could travel in.
    static let traces = [
        secret, Base64.encode(Array(secret.utf8)), Base64.encode(Array("\0alice\0\(secret)".utf8)),
        Base64.encode(Array("\0student\0\(secret)".utf8)),
    ]

    /// A listener that offers neither AUTH nor STARTTLS (`250-fake.test`, `250 SIZE 1000`),
    /// answers 235 to any AUTH (as a harvester would), and keeps everything it is sent.
    static func withListenerWithoutAuth<T>(_ body: (HostileServer) throws -> T) throws -> T {
        let server = try HostileServer { connection in
            // A long wait between commands: a terminal test may be slow to start typing.
            connection.playSMTP(ehlo: ["250-fake.test", "250 SIZE 1000"], timeout: 60) { line, connection in
                guard line.uppercased().hasPrefix("AUTH") else { return .standard }
                connection.sendLines(["235 2.7.0 thanks"])
                return .handled
            }
        }
        defer { server.stop() }
        return try body(server)
    }

    static func expectNoCredential(in server: HostileServer, _ context: String) {
        let received = server.receivedText
        #expect(!received.uppercased().contains("AUTH"), "\(context): the listener received \(received.debugDescription)")
        for trace in traces { #expect(!received.contains(trace), "\(context): \(trace) reached the listener") }
    }

    @Test("15.1: a listener that offers no AUTH and no TLS gets no credential from a script's :auth")
    func scriptAuthIsWithheld() throws {
        try Self.withListenerWithoutAuth { server in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(server.port), "--no-explain"], stdin: Data("EHLO me.example\n:auth plain alice\nQUIT\n".utf8),
                environment: ["SMTPSH_PASSWORD": Self.secret])
            #expect(result.status == 18, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("*** the server did not offer AUTH in its EHLO reply"), "\(result.stdout)")
            #expect(result.stdout.contains("*** no TLS on this connection: PLAIN sends the secret itself"))
            #expect(result.stdout.contains("*** credentials not sent (--auth-insecure sends them despite these risks)"))
            #expect(result.stdout.contains(" -> QUIT"))
            Self.expectNoCredential(in: server, ":auth in a script")
        }
    }

    @Test("15.1: smtpsh send --auth sends no credential to a listener without AUTH or TLS")
    func sendAuthIsWithheld() throws {
        try Self.withListenerWithoutAuth { server in
            let result = try BinaryRunner.run(
                ["send", "127.0.0.1", String(server.port), "--auth", "plain", "--user", "alice", "--from", "alice@example.org",
                 "--to", "bob@example.org", "--no-explain"],
                environment: ["SMTPSH_PASSWORD": Self.secret])
            #expect(result.status == 18, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("*** credentials not sent"), "\(result.stdout)")
            // Nothing of the transaction went out either: the session stopped at AUTH.
            #expect(!result.stdout.contains(" -> MAIL FROM"))
            Self.expectNoCredential(in: server, "send --auth")
        }
    }

    @Test("15.1: replaying a recording that starts at AUTH sends no credential before EHLO or STARTTLS")
    func replayAuthIsWithheld() throws {
        try Self.withListenerWithoutAuth { server in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-midsession-\(UUID().uuidString).smtp")
            defer { try? FileManager.default.removeItem(at: file) }
            // What `:record` started after EHLO and STARTTLS holds: AUTH comes first.
            try """
                # smtpsh session
                # server: 127.0.0.1:\(server.port)

                 -> AUTH PLAIN ********
                <-  235 2.7.0 Authentication successful
                 -> MAIL FROM:<alice@example.org>
                <-  250 2.1.0 Ok
                 -> QUIT
                <-  221 2.0.0 Bye

                """.write(to: file, atomically: true, encoding: .utf8)
            let result = try BinaryRunner.run(
                ["replay", file.path, "--user", "alice", "--no-explain"], environment: ["SMTPSH_PASSWORD": Self.secret])
            #expect(result.status == 18, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("line 4: AUTH not replayed: the file authenticates before any EHLO"), "\(result.stdout)")
            // The lines the file still expected are named.
            #expect(result.stdout.contains("lines 5, 7, 9: the replies written there never came"), "\(result.stdout)")
            Self.expectNoCredential(in: server, "replay")
        }
    }

    /// The same script with `--auth-insecure` does send them: the checks above can fail.
    @Test("15.1: --auth-insecure sends the credentials anyway, after the warnings")
    func authInsecureSendsThem() throws {
        try Self.withListenerWithoutAuth { server in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(server.port), "--no-explain", "--auth-insecure"],
                stdin: Data("EHLO me.example\n:auth plain alice\nQUIT\n".utf8), environment: ["SMTPSH_PASSWORD": Self.secret])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let warning = try #require(result.stdout.range(of: "*** no TLS on this connection"))
            let sent = try #require(result.stdout.range(of: " -> AUTH PLAIN ********"))
            #expect(warning.lowerBound < sent.lowerBound, "the warning must come before the AUTH line: \(result.stdout)")
            #expect(server.receivedText.contains("AUTH PLAIN " + Base64.encode(Array("\0alice\0\(Self.secret)".utf8))))
        }
    }

    /// A certificate that does not verify is a risk too; the right `--ca` removes it.
    @Test("15.1: after STARTTLS to a certificate that did not verify, a script's :auth is withheld; with --ca it goes")
    func unverifiedCertificateWithholdsCredentials() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-gate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (material, pem) = try HostileCertificates.make(
            commonName: "practice.localhost", names: ["practice.localhost"], addresses: [[127, 0, 0, 1]], in: directory)
        try await PipedSessionTests.withServer({
            $0.tlsMaterial = material
            $0.configuration.password = Self.secret
        }) { port, _ in
            let script = Data("EHLO me.example\n:auth plain student\nQUIT\n".utf8)
            let unverified = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--starttls", "--no-explain"], stdin: script, environment: ["SMTPSH_PASSWORD": Self.secret])
            #expect(unverified.status == 18, "\(unverified.stdout)\(unverified.stderr)")
            #expect(unverified.stdout.contains("*** the server's certificate did not verify (self-signed"), "\(unverified.stdout)")
            #expect(!unverified.stdout.contains("~> AUTH"))

            let pinned = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--starttls", "--ca", pem.path, "--no-explain"], stdin: script,
                environment: ["SMTPSH_PASSWORD": Self.secret])
            #expect(pinned.status == 0, "\(pinned.stdout)\(pinned.stderr)")
            #expect(pinned.stdout.contains("<~  235 2.7.0"), "\(pinned.stdout)")
            #expect(!pinned.stdout.contains("*** credentials not sent"))
        }
    }

    @Test("15.5: a script's :auth without a secret exits 9, not 0")
    func scriptAuthWithoutSecretFails() throws {
        try Self.withListenerWithoutAuth { server in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(server.port), "--no-explain"], stdin: Data("EHLO me.example\n:auth plain alice\nQUIT\n".utf8))
            #expect(result.status == 9, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("needs the secret in --password-file"), "\(result.stdout)")
            Self.expectNoCredential(in: server, ":auth without a secret")
        }
    }

    /// At a terminal the risks are said before anything is asked for, and the answer is no
    /// unless the user types yes.
    @Test("15.1: at the prompt the warnings come before the password prompt, and Enter means no", .enabled(if: Tmux.isAvailable))
    func promptWarnsBeforeAskingAndDefaultsToNo() throws {
        try Self.withListenerWithoutAuth { server in
            let tmux = try Tmux(
                command: "\(BinaryRunner.binary.path) 127.0.0.1 \(server.port) --no-explain", width: 140, height: 40,
                environment: TerminalTests.environment)
            let greeted = tmux.waitFor { $0.contains("greeted") }
            #expect(greeted.contains("greeted"), "\(greeted)")
            try tmux.typeLine("EHLO me.example", delay: 0.01)
            tmux.waitFor { $0.contains("250 SIZE 1000") }
            try tmux.typeLine(":auth plain alice", delay: 0.01)
            let screen = tmux.waitFor { $0.contains("send the credentials anyway? [y/N]") }
            #expect(screen.contains("send the credentials anyway? [y/N]"), "\(screen)")
            #expect(screen.contains("*** no TLS on this connection"), "\(screen)")
            #expect(!screen.contains("password for alice"), "the password was asked for before the answer: \(screen)")
            try tmux.keys("Enter")
            let after = tmux.waitFor { $0.contains("AUTH cancelled: nothing was sent") }
            #expect(after.contains("AUTH cancelled: nothing was sent"), "\(after)")
            #expect(!after.contains("password for alice"), "\(after)")
            try tmux.typeLine("QUIT", delay: 0.01)
            tmux.waitFor { $0.contains("221") }
            Self.expectNoCredential(in: server, ":auth at the prompt, answered no")
        }
    }
}
