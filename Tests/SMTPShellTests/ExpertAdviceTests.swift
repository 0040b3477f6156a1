import Foundation
import SMTPPracticeServer
import Testing

/// Issue 18: advice an expert trusts. Warnings right on real servers, suggestions from what
/// was typed, TLS failures in plain words, DNS and address mistakes said for what they are.
@Suite(.serialized) struct ExpertAdviceTests {
    // MARK: TLS failures in plain words

    /// A server that answers the ClientHello with one fatal TLS alert (RFC 8446, 6.2).
    static func alertingServer(_ alert: UInt8) throws -> HostileServer {
        try HostileServer { connection in
            // The ClientHello: a TLS record header, then its body.
            guard let header = connection.readBytes(count: 5, timeout: 10), header.first == 0x16 else { return }
            let length = Int(header[3]) << 8 | Int(header[4])
            _ = connection.readBytes(count: length, timeout: 10)
            connection.send([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, alert])
            _ = connection.peerHasGone(wait: 2)
        }
    }

    @Test("18: a TLS alert is said in plain words, with who must act, never as a library dump", arguments: [
        (UInt8(80), "the server aborted it with the TLS alert \"internal error\": its own TLS setup is broken"),
        (UInt8(40), "the server found no TLS version, cipher suite or key exchange it shares with smtpsh"),
        (UInt8(70), "no TLS version in common"),
        (UInt8(112), "--sni NAME gives the name the server expects"),
        (UInt8(116), "the server wants a client certificate: give one with --tls-cert FILE --tls-key FILE"),
        (UInt8(49), "the server refused this client (TLS alert \"access denied\")"),
    ])
    func tlsAlertsInPlainWords(alert: UInt8, words: String) throws {
        let server = try Self.alertingServer(alert)
        defer { server.stop() }
        let result = try BinaryRunner.run(["127.0.0.1", String(server.port), "--tls", "--no-explain", "--timeout", "5"], stdin: Data("QUIT\n".utf8))
        #expect(result.status == 7, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("*** TLS handshake failed: "), "\(result.stdout)")
        #expect(result.stdout.contains(words), "\(result.stdout)")
        for dump in ["OPENSSL", "BoringSSL", ".cc:", "checkouts", "sslError", "error:1"] {
            #expect(!result.stdout.contains(dump) && !result.stderr.contains(dump), "\(dump) in \(result.stdout)")
        }
    }

    @Test("18: --ca, --tls-cert and --tls-key files are checked at start, with a clear error")
    func tlsFilesCheckedAtStart() throws {
        let notPEM = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-notpem-\(UUID().uuidString)")
        try "just a host name\n".write(to: notPEM, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: notPEM) }
        let ca = try BinaryRunner.run(["127.0.0.1", "9", "--ca", notPEM.path])
        #expect(ca.status == 64, "\(ca.stdout)\(ca.stderr)")
        #expect(ca.stderr.contains("--ca \(notPEM.path): no certificate in it (a PEM file with \"-----BEGIN CERTIFICATE-----\" blocks is expected)"), "\(ca.stderr)")
        #expect(!ca.stdout.contains("Trying"), "nothing is attempted: \(ca.stdout)")
        let key = try BinaryRunner.run(["127.0.0.1", "9", "--tls-cert", notPEM.path, "--tls-key", notPEM.path])
        #expect(key.status == 64, "\(key.stderr)")
        #expect(key.stderr.contains("--tls-cert \(notPEM.path): no certificate in it"), "\(key.stderr)")
    }

    // MARK: Addresses and DNS

    @Test("18: an address where a domain is expected, a family that cannot match, a malformed HOST:PORT: usage errors (64)",
          arguments: [
            (["-6", "127.0.0.1"], "-6 asks for IPv6, and 127.0.0.1 is an IPv4 address"),
            (["--mx", "127.0.0.1"], "--mx takes a domain name, and 127.0.0.1 is an address"),
            (["127.0.0.1:2525:25"], "\"127.0.0.1:2525:25\" is not HOST, HOST:PORT or an IPv6 address"),
            (["send", "-4", "::1", "--from", "a@example.org", "--to", "b@example.org"], "-4 asks for IPv4, and ::1 is an IPv6 address"),
          ])
    func addressMistakesAreUsageErrors(arguments: [String], message: String) throws {
        let result = try BinaryRunner.run(arguments)
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    /// A DNS server address where nothing listens: the port-unreachable answer ends the
    /// lookup at once (not after the whole timeout), and the lookup is said while it runs.
    @Test("18: --mx says what it looks up, and a DNS server that is not there fails at once")
    func dnsThatRefusesFailsAtOnce() throws {
        // A UDP port that was free a moment ago: nothing listens there.
        let socket = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(socket)
        let started = Date()
        let result = try BinaryRunner.run(["--mx", "example.org", "--dns-server", "127.0.0.1:\(port)", "--timeout", "10"])
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("=== looking up the MX records of example.org (DNS server 127.0.0.1:\(port))..."), "\(result.stdout)")
        #expect(result.stderr.contains("nothing answers DNS at 127.0.0.1:\(port)"), "\(result.stderr)")
        #expect(seconds < 5, "it waited \(seconds) s for a DNS server that is not there")
    }

    // MARK: Warnings and suggestions

    /// Refusals real servers send with codes RFC 5321 does not list for the command: no
    /// "not a reply RFC 5321 lists" warning; a typo, a full-width line, and a missing pair
    /// of angle brackets each get their own words, with the user's own line corrected.
    @Test("18: no false warning on common refusals; suggestions show the user's own line")
    func warningsRightOnRealServers() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT: 554 5.7.1 <someone@gmail.com>: Relay access denied"))
            options.configuration.rules.append(try! ScenarioRule(parsing: "VRFY: 554 5.7.1 VRFY refused"))
        }) { port, _ in
            let script = "EHLO me.example\nHLEO me.example\nmail from: alice@example.net\nMAIL FROM:<alice@example.net>\nRCPT TO:<someone@gmail.com>\nVRFY bob\nＮＯＯＰ\nQUIT\n"
            let result = try BinaryRunner.run(["127.0.0.1", String(port), "--no-explain"], stdin: Data(script.utf8))
            #expect(!result.stdout.contains("is not a reply RFC 5321 lists"), "\(result.stdout)")
            #expect(result.stdout.contains("*** HLEO is not an SMTP command (did you mean HELO?): the server will likely answer 500"), "\(result.stdout)")
            #expect(result.stdout.contains("*** MAIL needs the address in angle brackets (MAIL FROM:<alice@example.net>)"), "\(result.stdout)")
            #expect(result.stdout.contains("*** this line has full-width characters (typed with the input method on), which the server does not read as SMTP; in half-width it is: NOOP"), "\(result.stdout)")
            #expect(result.stdout.contains("<-  554 5.7.1 <someone@gmail.com>: Relay access denied"))
        }
    }

    /// STARTTLS right after the greeting: Postfix and the practice server answer 220; no 503
    /// is predicted.
    @Test("18: STARTTLS before EHLO gets no wrong prediction")
    func startTLSBeforeEHLO() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(["127.0.0.1", String(port), "--no-explain"], stdin: Data("STARTTLS\nQUIT\n".utf8))
            #expect(!result.stdout.contains("503"), "\(result.stdout)")
            #expect(!result.stdout.contains("EHLO or HELO comes first"), "\(result.stdout)")
        }
    }

    // MARK: smtpsh send and :send

    @Test("18: send --quit-after rcpt tries every recipient, reports each, and exits 15 if one was refused")
    func quitAfterRcptProbesEveryRecipient() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT 2: 550 5.1.1 no such user"))
        }) { port, _ in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "bob@example.org", "--to", "zed@example.org",
                "--to", "carol@example.org", "--quit-after", "rcpt", "--no-explain",
            ])
            #expect(result.status == 15, "\(result.stdout)\(result.stderr)")
            for recipient in ["bob", "zed", "carol"] { #expect(result.stdout.contains(" -> RCPT TO:<\(recipient)@example.org>"), "\(result.stdout)") }
            #expect(result.stdout.contains("*** recipients refused: 1 of 3 (zed@example.org)"), "\(result.stdout)")
            #expect(!result.stdout.contains(" -> DATA"))
        }
    }

    /// A :send that stopped at RCPT leaves a transaction open: the next :send RSETs first
    /// instead of meeting "503 nested MAIL".
    @Test("18: a second :send after a refusal sends RSET first")
    func secondSendResetsFirst() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT 1: 550 5.1.1 no such user"))
        }) { port, directory in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain"], stdin: Data(":send to=nobody@example.org\n:send to=bob@example.org\nQUIT\n".utf8))
            #expect(result.stdout.contains("=== a mail transaction is still open: RSET first"), "\(result.stdout)")
            #expect(result.stdout.contains(" -> RSET\n<-  250"), "\(result.stdout)")
            #expect(!result.stdout.contains("<-  503"), "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).count == 1)
        }
    }

    // MARK: Small things, daily

    @Test("18: :sned gets a suggestion, :lang fr answers in French, :help fits the terminal")
    func localCommandCosmetics() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain"], stdin: Data(":sned\n:lang fr\n:lang en,ja\n:help\nQUIT\n".utf8),
                environment: ["COLUMNS": "60"])
            #expect(result.stdout.contains("*** :sned: not an smtpsh command (did you mean :send? :help lists them)"), "\(result.stdout)")
            #expect(result.stdout.contains("=== explications et messages en français (fr)"), "\(result.stdout)")
            #expect(result.stdout.contains("=== explanations and messages in English (en) and Japanese (ja)"), "\(result.stdout)")
            let help = result.stdout.split(separator: "\n").filter { $0.hasPrefix("===   ") }
            #expect(help.count > 20, "\(result.stdout)")
            for line in help { #expect(line.count <= 60, "too wide for 60 columns: \(line)") }
        }
    }

    /// AUTH LOGIN's user name is not a secret: shown as sent; the password stays redacted.
    @Test("18: :auth login shows the user name it sends, not the password")
    func loginShowsTheUserName() async throws {
        try await PipedSessionTests.withServer({ $0.configuration.password = "Pa55-word" }) { port, _ in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--auth-insecure"], stdin: Data("EHLO me.example\n:auth login student\nQUIT\n".utf8),
                environment: ["SMTPSH_PASSWORD": "Pa55-word"])
            #expect(result.stdout.contains(" -> c3R1ZGVudA=="), "the user name, base64: \(result.stdout)")
            #expect(result.stdout.contains(" -> ********"), "\(result.stdout)")
            #expect(!result.stdout.contains("UGE1NS13b3Jk"), "\(result.stdout)")
            #expect(result.stdout.contains("235"), "\(result.stdout)")
        }
    }

    @Test("18: PIPECONNECT is in the catalogue")
    func pipeconnectExplained() throws {
        let result = try BinaryRunner.run(["explain", "PIPECONNECT"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("Early pipelining (Exim"), "\(result.stdout)")
    }
}

/// Issue 18's cosmetics at a real terminal (tmux): Tab lists candidates once, the empty
/// line's Tab offers smtpsh's commands, the prompt names who logged in, a dot and a space
/// in a message is said not to end it, and a command typed inside a message is said to be
/// message text (the teacher's P10).
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed")) struct ExpertTerminalTests {
    @Test("18: Tab lists once, the prompt names the user, '. ' and ':quit' inside a message are explained")
    func terminalCosmetics() async throws {
        try await PipedSessionTests.withServer({ $0.configuration.password = "Pa55-word" }) { port, _ in
            var environment = TerminalTests.environment
            environment["SMTPSH_PASSWORD"] = "Pa55-word"
            environment["SMTPSH_HISTORY"] = ""
            let tmux = try Tmux(
                command: "\(BinaryRunner.binary.path) 127.0.0.1 \(port) --no-explain --auth-insecure", width: 140, height: 50,
                environment: environment)
            tmux.waitFor { $0.contains("greeted") }
            try tmux.typeLine("EHLO me.example", delay: 0.01)
            tmux.waitFor { $0.contains("250 HELP") }
            // Tab on an empty line, twice: one listing, with smtpsh's commands in it.
            try tmux.keys("Tab")
            var screen = tmux.waitFor { $0.contains(":send") }
            #expect(screen.contains(":send") && screen.contains("STARTTLS"), "\(screen)")
            try tmux.keys("Tab")
            Thread.sleep(forTimeInterval: 0.5)
            screen = tmux.screen()
            #expect(screen.components(separatedBy: ":send").count - 1 == 1, "the list was printed again: \(screen)")
            try tmux.keys("C-u")
            try tmux.typeLine(":auth plain student", delay: 0.01)
            tmux.waitFor { $0.contains("send the credentials anyway?") }
            try tmux.typeLine("y", delay: 0.01)
            screen = tmux.waitFor { $0.contains("student@127.0.0.1") }
            #expect(screen.contains("student@127.0.0.1 ready>"), "\(screen)")
            for line in ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", "Subject: hi", "", ". ", ":quit"] {
                try tmux.typeLine(line, delay: 0.01)
                Thread.sleep(forTimeInterval: 0.3)
            }
            screen = tmux.waitFor { $0.contains("went into the message as text") }
            #expect(screen.contains("=== \". \" does not end the message: the end is a line with a dot alone"), "\(screen)")
            #expect(screen.contains("=== \":quit\" went into the message as text"), "\(screen)")
            try tmux.typeLine(".", delay: 0.01)
            tmux.waitFor { $0.contains("accepted") }
            try tmux.keys("C-d")
            tmux.waitFor { $0.contains("221") }
        }
    }
}
