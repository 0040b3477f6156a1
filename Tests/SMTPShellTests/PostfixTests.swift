import Foundation
import Testing

/// smtpsh against a real Postfix (``PostfixServer``), driven through its usual refusals:
/// every distinct reply Postfix sends gets an entry of its own (`vendor.postfix.*`), never
/// the appliance's, and the explanation knows the command answered and the server (issue 17).
@Suite(.serialized, .enabled(if: PostfixServer.isAvailable, "Postfix is needed, and root to start it (Scripts/setup --test)"))
struct PostfixTests {
    /// One reply event of `--json -`.
    struct ReplyEvent {
        var lines: [String]
        var command: String?
        var vendor: String?
        var keys: [String]
        var category: String
        var texts: [[String: Any]]
    }

    static func replies(_ json: String) -> [ReplyEvent] {
        json.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["event"] as? String == "reply"
            else { return nil }
            return ReplyEvent(
                lines: object["lines"] as? [String] ?? [], command: object["command"] as? String,
                vendor: object["vendor"] as? String, keys: object["explanation"] as? [String] ?? [],
                category: object["category"] as? String ?? "",
                texts: (object["texts"] as? [String: Any])?["en"] as? [[String: Any]] ?? [])
        }
    }

    /// A script piped to smtpsh, the session's events as JSON.
    static func session(_ port: Int, _ script: [String], options: [String] = []) throws -> (events: [ReplyEvent], output: BinaryRunner.Result) {
        let input = script.joined(separator: "\n") + "\n"
        let result = try BinaryRunner.run(["127.0.0.1", String(port), "--json", "-"] + options, stdin: Data(input.utf8), timeout: 60)
        return (replies(result.stdout), result)
    }

    @Test func everyPostfixReplyHasItsOwnEntry() throws {
        let strict = try PostfixServer.freePorts(1)[0]
        let postfix = try PostfixServer(
            settings: ["smtpd_hard_error_limit": "100"],
            services: ["127.0.0.1:\(strict) inet n - n - - smtpd -o smtpd_hard_error_limit=3"])
        defer { postfix.stop() }

        var events: [ReplyEvent] = []
        // The usual refusals, in one session.
        let refusals = try Self.session(postfix.port, [
            "EHLO localhost", "HELO localhost", "MAIL FROM:<alice>", "RCPT TO:<bob@postfix.test>", "RSET",
            "EHLO client.example.org", "MAIL FROM:<alice>", "RCPT TO:<bob@postfix.test>", "RSET",
            "MAIL FROM:<alice@example.org>", "RCPT TO:<nobody@postfix.test>", "RCPT TO:<carol@gmail.com>",
            "RCPT TO:<bob>", "RCPT TO:<bob@postfix.test>", "RCPT TO:<alice@postfix.test>",
            "RCPT TO:<postmaster@postfix.test>", "RCPT TO:<bob@postfix.test>",
            "DATA", "Subject: hello", "", "a short message", ".",
            // (Postfix keeps a refused SIZE until RSET: MAIL FROM gets 552 again without it.)
            "MAIL FROM:<alice@example.org> SIZE=20000", "RCPT TO:<bob@postfix.test>", "RSET",
            // A refused DATA: smtpsh skips the script's message lines up to the lone dot.
            "MAIL FROM:<alice@example.org>", "MAIL FROM:<alice@example.org>", "DATA", "never sent", ".", "RSET",
            "MAIL FROM:<alice@example.org>", "RCPT TO:<nobody@postfix.test>", "DATA", ".", "RSET",
            "VRFY bob", "HLEO client.example.org", "MAIL FROM alice@example.org", "AUTH PLAIN", "NOOP", "HELO", "QUIT",
        ])
        events += refusals.events
        // A message over message_size_limit after DATA.
        let big = String(repeating: "x", count: 70)
        let bigMessage = ["Subject: big", ""] + Array(repeating: big, count: 170)
        let tooBig = try Self.session(postfix.port, [
            "EHLO client.example.org", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@postfix.test>", "DATA",
        ] + bigMessage + [".", "QUIT"])
        events += tooBig.events
        // Too many errors: that smtpd hangs up after three.
        let errors = try Self.session(strict, ["EHLO client.example.org", "HLEO a", "HLEO b", "HLEO c", "HLEO d", "QUIT"])
        events += errors.events
        // TLS required, then TLS twice.
        let tls = try Self.session(postfix.tlsPort, [
            "EHLO client.example.org", "MAIL FROM:<alice@example.org>", "STARTTLS", "EHLO client.example.org", "STARTTLS",
            "QUIT",
        ])
        events += tls.events

        // The refusals the issue names, and the others Postfix sends on the way, were all seen.
        let texts = Set(events.map { $0.lines.joined(separator: "\n") })
        let expected = [
            "220 mx.postfix.test ESMTP Postfix", "250 mx.postfix.test",
            "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
            "504 5.5.2 <alice>: Sender address rejected: need fully-qualified address",
            "550 5.1.1 <nobody@postfix.test>: Recipient address rejected: User unknown in local recipient table",
            "554 5.7.1 <carol@gmail.com>: Relay access denied",
            "504 5.5.2 <bob>: Recipient address rejected: need fully-qualified address",
            "452 4.5.3 Error: too many recipients", "552 5.3.4 Message size exceeds fixed limit",
            "552 5.3.4 Error: message file too big", "503 5.5.1 Error: need MAIL command",
            "503 5.5.1 Error: nested MAIL command",
            "554 5.5.1 Error: no valid recipients", "502 5.5.1 VRFY command is disabled",
            "500 5.5.2 Error: command not recognized", "501 5.5.4 Syntax: MAIL FROM:<address>",
            "503 5.5.1 Error: authentication not enabled", "501 Syntax: HELO hostname",
            "421 4.7.0 mx.postfix.test Error: too many errors", "530 5.7.0 Must issue a STARTTLS command first",
            "220 2.0.0 Ready to start TLS", "554 5.5.1 Error: TLS already active",
            "250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok", "354 End data with <CR><LF>.<CR><LF>", "221 2.0.0 Bye",
        ]
        for text in expected {
            #expect(texts.contains(text), "Postfix did not send '\(text)'; it sent:\n\(texts.sorted().joined(separator: "\n"))\n\(postfix.mailLog())")
        }
        #expect(texts.contains { $0.hasPrefix("250 2.0.0 Ok: queued as ") })

        // Every distinct reply (but EHLO's, explained keyword by keyword) has a Postfix entry
        // of its own, first; no appliance entry anywhere.
        var seen: Set<String> = []
        for event in events where seen.insert(event.lines.joined(separator: "\n")).inserted {
            let text = event.lines.joined(separator: "\n")
            #expect(!event.keys.contains { $0.hasPrefix("appliance.") }, "\(text): \(event.keys)")
            if event.command == "ehlo" && event.lines.count > 1 { continue }
            #expect(event.vendor == "postfix", "\(text): \(event.keys)")
            #expect(event.keys.first?.hasPrefix("vendor.postfix.") == true, "\(text): \(event.keys)")
            #expect(!event.category.isEmpty, "\(text)")
        }

        // Each reply was explained for its command.
        func event(_ prefix: String) -> ReplyEvent? { events.first { $0.lines.first?.hasPrefix(prefix) == true } }
        #expect(event("504 5.5.2 <alice>")?.command == "rcpt")
        #expect(event("504 5.5.2 <alice>")?.category == "sender")
        #expect(event("504 5.5.2 <localhost>")?.category == "client-dns")
        #expect(event("554 5.7.1 <carol@gmail.com>")?.category == "relay")
        #expect(event("550 5.1.1")?.category == "recipient")
        #expect(event("250 2.0.0 Ok: queued")?.command == "dot")
        #expect(event("452 4.5.3")?.category == "too-many-recipients")
        // The queue id is in the explanation.
        let queued = try #require(event("250 2.0.0 Ok: queued as "))
        let id = String(queued.lines[0].dropFirst("250 2.0.0 Ok: queued as ".count))
        #expect((queued.texts.first?["meaning"] as? String)?.contains(id) == true, "\(queued.texts)")
        // SIZE advertised against the octets sent: said under the 552 after the dot.
        let size = try #require(event("552 5.3.4 Error: message file too big"))
        let notes = size.texts.compactMap { $0["meaning"] as? String }.joined(separator: " ")
        #expect(notes.contains("SIZE 10,240"), "\(notes)")
        #expect(notes.contains("octets"), "\(notes)")
    }

    /// In a session on screen: the server is said once, with its evidence; Postfix's reply to
    /// HELO is not explained as the appliance's; the sender refused at RCPT is said to be the problem.
    @Test func theSessionKnowsItIsPostfix() throws {
        let postfix = try PostfixServer()
        defer { postfix.stop() }
        let script = ["HELO client.example.org", "MAIL FROM:<alice>", "RCPT TO:<bob@postfix.test>", "QUIT"].joined(separator: "\n") + "\n"
        let result = try BinaryRunner.run(["127.0.0.1", String(postfix.port)], stdin: Data(script.utf8))
        let output = result.stdout
        #expect(output.components(separatedBy: "=== server: Postfix (greeting \"ESMTP Postfix\")").count == 2, "\(output)")
        #expect(!output.contains("appliance"), "\(output)")
        #expect(output.contains("Postfix accepts HELO and answers with its own name"), "\(output)")
        #expect(output.contains("Postfix refuses the sender <alice>"), "\(output)")
        #expect(output.contains("sender · fix, then retry"), "\(output)")

        // Brief: one line per reply.
        let brief = try BinaryRunner.run(["127.0.0.1", String(postfix.port), "--explain", "brief"], stdin: Data(script.utf8))
        let lines = brief.stdout.split(separator: "\n").map(String.init)
        let refusal = try #require(lines.firstIndex { $0.hasPrefix("<-  504 5.5.2 <alice>") }, "\(brief.stdout)")
        // After the reply (and smtpsh's warnings about it), one line of explanation.
        let explained = lines[(refusal + 1)...].drop { $0.hasPrefix("***") }
        #expect(explained.first?.contains("[sender, fix, then retry] Postfix refuses the sender <alice>") == true, "\(brief.stdout)")
        #expect(explained.dropFirst().first?.hasPrefix("      ") == false, "\(brief.stdout)")
    }
}
