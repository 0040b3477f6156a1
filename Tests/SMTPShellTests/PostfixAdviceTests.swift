import Foundation
import Testing

/// Issue 18: advice an expert trusts, checked on a stock Postfix (``PostfixServer``: its usual
/// restrictions on, `reject_non_fqdn_helo_hostname`, `reject_non_fqdn_sender`,
/// `reject_non_fqdn_recipient`, `reject_unauth_destination`, and `smtpd_delay_reject` at its
/// default, yes).
@Suite(.serialized, .enabled(if: PostfixServer.isAvailable, "Postfix is needed, and root to start it (Scripts/setup --test)"))
struct PostfixAdviceTests {
    /// smtpsh with the machine's name set to `hostName` for it alone (a UTS namespace of
    /// its own: the test runs as root), reading `script` on standard input.
    static func session(port: Int, hostName: String, _ script: [String]) throws -> BinaryRunner.Result {
        try BinaryRunner.run(
            ["--uts", "/bin/sh", "-c", "hostname \"$0\" && exec \"$@\"", hostName, BinaryRunner.binary.path,
             "--color", "never", "127.0.0.1", String(port)],
            stdin: Data((script.joined(separator: "\n") + "\n").utf8), environment: ["COLUMNS": "120"], timeout: 60,
            executable: URL(fileURLWithPath: "/usr/bin/unshare"))
    }

    @Test("18: a session of common refusals on a stock Postfix: every warning smtpsh gives comes true")
    func noFalseWarning() throws {
        let postfix = try PostfixServer()
        defer { postfix.stop() }
        let script = [
            "EHLO localhost", "MAIL FROM:<alice>", "RCPT TO:<bob@postfix.test>", "RSET",
            "HELO client.example.org", "EHLO client.example.org", "MAIL FROM:<>", "RCPT TO:<postmaster>", "RSET",
            "MAIL FROM:<alice@example.org>", "RCPT TO:<nobody@postfix.test>", "RCPT TO:<carol@gmail.com>",
            "RCPT TO:<bob>", "RCPT TO:<Bob@POSTFIX.TEST>", "RCPT TO:<alice@postfix.test> NOTIFY=NEVER",
            "DATA", "Subject: x", "", "body", ".",
            "MAIL FROM:<alice@example.org> SIZE=20000", "RSET", "NOOP", "VRFY bob",
            "STARTTLS", "EHLO client.example.org", "MAIL FROM:<alice@example.org> BODY=8BITMIME", "RCPT TO:<bob@postfix.test>",
            "RSET", "QUIT",
        ]
        let result = try Self.session(port: postfix.port, hostName: "box", script)
        let output = result.stdout
        // The restrictions did refuse (the session is the one the issue means)…
        for refusal in ["504 5.5.2 <localhost>: Helo command rejected", "550 5.1.1 <nobody@postfix.test>", "554 5.7.1 <carol@gmail.com>: Relay access denied",
            "504 5.5.2 <bob>: Recipient address rejected", "552 5.3.4", "502 5.5.1"]
        {
            #expect(output.contains(refusal), "\(refusal)\n\(output)")
        }
        // …and every warning was followed by a refusal of the command it was about.
        let replies = output.split(separator: "\n").map(String.init)
        var warned = 0
        for (index, line) in replies.enumerated() where line.hasPrefix("*** ") {
            warned += 1
            let reply = replies[(index + 1)...].first { $0.hasPrefix("<-  ") || $0.hasPrefix("<~  ") }
            let code = reply.flatMap { Int($0.dropFirst(4).prefix(3)) } ?? 0
            #expect(code >= 400, "a warning the server proved wrong: \(line)\nthen: \(reply ?? "no reply")\n\(output)")
        }
        // The check is not empty: SIZE over the advertised limit is warned about, and refused.
        #expect(warned >= 1, "\(output)")
        #expect(output.contains("*** SIZE=20000 is over the server's limit of 10240 octets"), "\(output)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test("18: :send with the defaults, on a machine whose name is not fully qualified, is accepted by a stock Postfix")
    func sendDefaultsPassStockPostfix() throws {
        let postfix = try PostfixServer()
        defer { postfix.stop() }
        let result = try Self.session(port: postfix.port, hostName: "box", [":send", "QUIT"])
        let output = result.stdout
        #expect(result.status == 0, "\(output)\(result.stderr)")
        // Not `EHLO box` (Postfix: 504 need fully-qualified hostname, at RCPT), nor a sender at box.
        #expect(!output.contains("EHLO box"), "\(output)")
        #expect(!output.contains("@box>"), "\(output)")
        #expect(output.contains("<-  250 2.0.0 Ok: queued as"), "\(output)")
        #expect(!output.contains("<-  5"), "\(output)")
        #expect(!output.contains("<-  4"), "\(output)")
        #expect(!output.contains("*** "), "\(output)")
        // Postfix's log agrees: the message was accepted and handed to its (discarding) transport.
        let log = postfix.mailLog(waitingFor: "status=sent")
        #expect(log.contains("status=sent"), "\(log)")
    }
}
