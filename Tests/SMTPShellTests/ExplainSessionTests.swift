import Foundation
import SMTPCore
import Testing

@testable import SMTPShell

/// `smtpsh explain` given a whole session (issue 23, item 3): a recording made against the
/// practice server and a session pasted from telnet come out as they went in, each reply
/// explained for the command it answered; AUTH secrets never come out; stray lines are said.
@Suite struct ExplainSessionTests {
    static let environment = ["LC_ALL": "", "LC_MESSAGES": "", "LANG": "C", "COLUMNS": "100"]

    static func explain(_ arguments: [String], stdin: String = "") throws -> BinaryRunner.Result {
        try BinaryRunner.run(["explain"] + arguments, stdin: Data(stdin.utf8), environment: environment)
    }

    static func objects(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// `lines` appear in `output`, in order, each whole.
    static func inOrder(_ lines: [String], in output: String) -> Bool {
        var rest = output.split(separator: "\n", omittingEmptySubsequences: false)[...]
        for line in lines {
            guard let index = rest.firstIndex(where: { $0 == line }) else { return false }
            rest = rest[(index + 1)...]
        }
        return true
    }

    /// The lines under `line` in `output` up to the next line that is not indented.
    static func explanation(under line: String, in output: String) -> [String] {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let index = lines.firstIndex(of: line) else { return [] }
        return Array(lines[(index + 1)...].prefix { $0.hasPrefix("    ") || $0.hasPrefix("=== ") })
    }

    @Test func aRecordingOfAPracticeSessionIsAnnotated() async throws {
        let (recording, json) = try await ExportTests.tlsAuthSession()
        defer { for file in [recording, json] { try? FileManager.default.removeItem(at: file) } }
        let text = try String(contentsOf: recording, encoding: .utf8)
        // Every answer to a 334 comes out as ********, the user name's too.
        let input = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
            .map { $0 == " ~> " + Base64.encode(Array("student".utf8)) ? " ~> ********" : $0 }
        #expect(text.contains(" ~> " + Base64.encode(Array("student".utf8))))

        // Given as a file: every line of it, in order, and explanations between them.
        let english = try Self.explain([recording.path])
        #expect(english.status == 0, "\(english.stdout)\(english.stderr)")
        #expect(english.stderr.isEmpty)
        #expect(Self.inOrder(input, in: english.stdout), "\(english.stdout)")
        // The refusal, explained for RCPT; the message's acceptance for the end of the message.
        let refusal = Self.explanation(under: "<~  550 5.1.1 no such user here", in: english.stdout)
        #expect(refusal.contains { $0.contains("5.1.1") && $0.contains("mailbox") }, "\(refusal)")
        #expect(refusal.contains { $0.contains("recipient") }, "\(refusal)")
        let accepted = Self.explanation(under: "<~  235 2.7.0 Authentication successful", in: english.stdout)
        #expect(!accepted.isEmpty, "\(english.stdout)")

        // On standard input, in French: the same lines, explained in French.
        let french = try Self.explain(["--lang", "fr"], stdin: text)
        #expect(french.status == 0, "\(french.stderr)")
        #expect(Self.inOrder(input, in: french.stdout))
        let refusalFR = Self.explanation(under: "<~  550 5.1.1 no such user here", in: french.stdout)
        #expect(refusalFR.contains { $0.contains("destinataire") }, "\(refusalFR)")
        #expect(!refusalFR.contains { $0.contains("recipient") })

        // --json: the lines sent as events, each reply with the command it answered.
        let events = try Self.explain(["--json", recording.path])
        #expect(events.status == 0, "\(events.stderr)")
        let objects = Self.objects(events.stdout)
        #expect(objects.count == events.stdout.split(separator: "\n").count, "every line is a JSON object")
        let sent = objects.filter { $0["event"] as? String == "sent" }
        let clientLines = input.filter { $0.hasPrefix(" -> ") || $0.hasPrefix(" ~> ") }
        #expect(sent.map { ($0["text"] as? String) ?? "?" } == clientLines.map { String($0.dropFirst(4)) })
        let replies = objects.filter { $0["event"] as? String == "reply" }
        #expect(replies.first?["command"] as? String == "connect")
        #expect(replies.first { $0["code"] as? Int == 550 }?["command"] as? String == "rcpt")
        #expect(replies.first { $0["code"] as? Int == 235 }?["command"] as? String == "auth")
        #expect(replies.first { ($0["input"] as? String)?.hasPrefix("250 2.1.0") == true }?["command"] as? String == "mail")
        // One object per reply: the lines that end one (`250 `, not `250-`).
        #expect(replies.count == input.filter { ($0.hasPrefix("<-  ") || $0.hasPrefix("<~  ")) && $0.dropFirst(7).first != "-" }.count)
    }

    @Test func aPastedTelnetSessionIsAnnotated() throws {
        let paste = ReplayTests.seedTelnetSession
        let result = try Self.explain(["--lang", "ja"], stdin: paste)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // The client's lines pass through as they were, fences and spaces included.
        let input = paste.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        #expect(Self.inOrder(input, in: result.stdout), "\(result.stdout)")
        // Each reply explained for what it answered, in Japanese.
        // The appliance, recognised by its reply to MAIL, is said before the explanation.
        let sender = Self.explanation(under: "250 sender <test@test.com> ok", in: result.stdout)
        #expect(sender.first?.hasPrefix("=== サーバー：") == true, "\(result.stdout)")
        #expect(sender.count > 1 && sender.dropFirst().allSatisfy { $0.hasPrefix("    ") }, "\(result.stdout)")
        #expect(sender.contains { $0.unicodeScalars.contains { (0x3040...0x30FF).contains($0.value) } }, "\(sender)")
        #expect(!Self.explanation(under: "354 go ahead", in: result.stdout).isEmpty)
        // A message line is not a reply: "This is line one." has nothing under it.
        #expect(Self.explanation(under: "This is line one.", in: result.stdout).isEmpty)

        let events = try Self.explain(["--json"], stdin: paste)
        let objects = Self.objects(events.stdout)
        let sent = objects.filter { $0["event"] as? String == "sent" }.compactMap { $0["text"] as? String }
        #expect(sent == ["helo", "mail from: <test@test.com>", "rcpt to: <user@other.com>", "data", "subject: TESTING SMTP", "",
            "This is line one.", "This is line two.", ".", "quit"], "\(sent)")
        let commands = objects.filter { $0["event"] as? String == "reply" }.map { ($0["command"] as? String) ?? "-" }
        #expect(commands == ["connect", "helo", "mail", "rcpt", "data", "dot", "quit"], "\(commands)")

        // Pasted between quotes, as one argument: the same.
        let argument = try Self.explain([paste, "--lang", "ja"])
        #expect(argument.status == 0)
        #expect(argument.stdout == result.stdout)
    }

    /// A paste with S: and C: (or <<< and >>>): AUTH's secrets come out as ********, in text
    /// and in JSON, however they were sent.
    @Test(arguments: [("S: ", "C: "), ("<<< ", ">>> ")])
    func secretsInAPasteAreRedacted(prefixes: (server: String, client: String)) throws {
        let secret = ExportTests.secret
        let (s, c) = prefixes
        let paste = """
            \(s)220 mx.example.org ESMTP Postfix
            \(c)EHLO me.example
            \(s)250-mx.example.org
            \(s)250-PIPELINING
            \(s)250 AUTH PLAIN LOGIN
            \(c)AUTH LOGIN
            \(s)334 VXNlcm5hbWU6
            \(c)\(Base64.encode(Array("student".utf8)))
            \(s)334 UGFzc3dvcmQ6
            \(c)\(Base64.encode(Array(secret.utf8)))
            \(s)535 5.7.8 Error: authentication failed: authentication failure
            \(c)AUTH PLAIN \(Base64.encode(Array("\0student\0\(secret)".utf8)))
            \(s)235 2.7.0 Authentication successful
            \(c)MAIL FROM:<a@example.org>
            \(s)250 2.1.0 Ok
            \(c)DATA
            \(s)354 End data with <CR><LF>.<CR><LF>
            \(c)250 is a number in the message, not a reply
            \(c).
            \(s)250 2.0.0 Ok: queued as 4Z9YQ71mVqz6
            \(c)QUIT
            \(s)221 2.0.0 Bye

            """
        for arguments in [[], ["--json"]] {
            let result = try Self.explain(arguments, stdin: paste)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            for trace in ExportTests.traces + [Base64.encode(Array("student".utf8))] {
                #expect(!result.stdout.contains(trace), "\(trace) in \(result.stdout)")
            }
            #expect(result.stdout.contains("535 5.7.8"))
        }
        let text = try Self.explain([], stdin: paste).stdout
        #expect(text.contains("\n\(c)AUTH PLAIN ********\n"), "\(text)")
        #expect(text.contains("\n\(c)********\n"))
        #expect(Self.inOrder(["\(c)AUTH LOGIN", "\(s)334 VXNlcm5hbWU6"], in: text))
        // Postfix, recognised by its greeting, once.
        #expect(text.components(separatedBy: "=== ").count == 2, "\(text)")
        // The message line that starts with a code is the client's: nothing under it.
        #expect(Self.explanation(under: "\(c)250 is a number in the message, not a reply", in: text).isEmpty)
        #expect(!Self.explanation(under: "\(s)250 2.0.0 Ok: queued as 4Z9YQ71mVqz6", in: text).isEmpty)
        let json = Self.objects(try Self.explain(["--json"], stdin: paste).stdout)
        let kinds = json.filter { $0["event"] as? String == "sent" }.map { ($0["kind"] as? String) ?? "?" }
        #expect(kinds == ["command", "command", "sasl", "sasl", "command", "command", "command", "message", "message", "command"], "\(kinds)")
        #expect(json.first { $0["code"] as? Int == 535 }?["command"] as? String == "auth")
    }

    /// A stray line in a file with markers: said on standard error with its number, the rest
    /// still explained, status 64.
    @Test func aStrayLineIsSaidAndTheRestExplained() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-stray-\(UUID().uuidString).smtp")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            <-  220 mx.example.org ESMTP
             -> EHLO me.example
            what is this
            <-  250 mx.example.org
             -> RCPT TO:<bob@example.org>
            <-  503 5.5.1 Error: need MAIL command

            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.explain([file.path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("line 3: not a session line: what is this"), "\(result.stderr)")
        #expect(!Self.explanation(under: "<-  503 5.5.1 Error: need MAIL command", in: result.stdout).isEmpty, "\(result.stdout)")
        #expect(!result.stdout.contains("what is this"))
    }

    /// Copied from a Windows terminal (CRLF) from a hostile server: still a session, and what
    /// the server sent stays text (no escape reaches the terminal).
    @Test func aCRLFPasteFromAHostileServer() throws {
        let paste = "220 mx.\u{1B}[31mevil ESMTP Postfix\r\nEHLO x\r\n250-mx.\u{1B}]0;title\u{07}\r\n250 SIZE 1000\r\n"
            + "MAIL FROM:<a@b>\r\n550 5.7.1 <\u{1B}[2Ja@b>: Sender address rejected: Access denied\r\n"
        #expect(ExplainSession.isSession(paste))
        let result = try Self.explain([], stdin: paste)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("\u{1B}") && !result.stdout.contains("\u{07}"))
        #expect(Self.inOrder(["220 mx.\\x1B[31mevil ESMTP Postfix", "EHLO x", "MAIL FROM:<a@b>"], in: result.stdout), "\(result.stdout)")
        #expect(!Self.explanation(under: "550 5.7.1 <\\x1B[2Ja@b>: Sender address rejected: Access denied", in: result.stdout).isEmpty)
    }

    /// What is not a session is read as before: a bounce, a log, reply lines alone.
    @Test func bouncesLogsAndRepliesAreNotSessions() throws {
        let notSessions = [
            "550 5.1.1 <bob@example.org>: Recipient address rejected\n452 4.5.3 Too many recipients\n",
            "This is the mail system at host mx.example.org.\n\n<bob@x>: host mx.x[203.0.113.5] said: 550 5.7.1\n    Service unavailable (in reply to RCPT TO command)\n",
            "Reporting-MTA: dns; mx.example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n",
            "Dec  7 10:21:33 mx postfix/smtpd[99]: NOQUEUE: reject: RCPT from x[198.51.100.7]: 554 5.7.1 <a@b>: Relay access denied; from=<c@d> to=<a@b>\n",
            "<-  250-mx.example.org\n<-  250 SIZE 1000\n",
        ]
        for text in notSessions { #expect(!ExplainSession.isSession(text), "\(text)") }
        let sessions = [
            "# smtpsh session\n# server: x\n", ReplayTests.seedTelnetSession, "EHLO x\n250 ok\n", " -> RCPT TO:<a@b>\n<-  550 no\n",
            "S: 220 mx ESMTP\nC: EHLO x\n", "<<< 220 mx ESMTP\n>>> EHLO x\n",
        ]
        for text in sessions { #expect(ExplainSession.isSession(text), "\(text)") }
        // A bounce piped in is still explained reply by reply, with exit status 0.
        let bounce = try Self.explain([], stdin: notSessions[1])
        #expect(bounce.status == 0)
        #expect(bounce.stdout.hasPrefix("550 5.7.1 Service unavailable"), "\(bounce.stdout)")
    }
}
