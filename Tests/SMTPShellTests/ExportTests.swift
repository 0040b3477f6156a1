import Foundation
import SMTPCore
import SMTPPracticeServer
import Testing

@testable import SMTPShell

/// `smtpsh export` (issue 23): real sessions recorded against practice servers, exported to
/// Markdown, HTML and an evidence file, and read back by parsers others wrote: Python's
/// html.parser for the page, cmark-gfm for the Markdown, headless Chromium for the rendered
/// page (its DOM, its colours, a screenshot).
@Suite struct ExportTests {
    static let secret = "Zq9-s3cret"
    /// Every form the secret could leak in.
    static let traces = [
        secret, Base64.encode(Array(secret.utf8)), Base64.encode(Array("\0student\0\(secret)".utf8)),
        Base64.encode(Array("student".utf8)) + "\n" + Base64.encode(Array(secret.utf8)),
    ]

    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-export-\(UUID().uuidString)-\(name)")
    }

    // MARK: - Parsers others wrote

    /// Python's html.parser over the page: every element opened is closed in order (void
    /// elements aside), and the timeline's items as (classes, text), in order.
    static let htmlReader = #"""
        import sys, json
        from html.parser import HTMLParser
        VOID = {"meta", "br", "link", "img", "hr", "input"}
        class Reader(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.stack, self.items, self.errors, self.tags = [], [], [], set()
                self.current = None
                self.depth = 0
            def handle_starttag(self, tag, attrs):
                self.tags.add(tag)
                attrs = dict(attrs)
                for name, value in attrs.items():
                    if name in ("src", "href") or name.startswith("on"):
                        self.errors.append("attribute %s=%s" % (name, value))
                if tag in VOID:
                    return
                self.stack.append(tag)
                if tag == "li" and len(self.stack) > 1 and self.stack[-2] == "ol" and self.current is None and "class" in attrs and attrs["class"].split()[0] in ("sent", "reply", "note", "tls-boundary"):
                    self.current = {"class": attrs["class"], "text": ""}
                    self.depth = len(self.stack)
            def handle_endtag(self, tag):
                if tag in VOID:
                    return
                if not self.stack or self.stack[-1] != tag:
                    self.errors.append("unbalanced </%s> with %s open" % (tag, self.stack[-3:]))
                    return
                self.stack.pop()
                if self.current is not None and len(self.stack) < self.depth:
                    self.items.append(self.current)
                    self.current = None
            def handle_data(self, data):
                if self.current is not None:
                    self.current["text"] += data
        reader = Reader()
        reader.feed(open(sys.argv[1], encoding="utf-8").read())
        reader.close()
        if reader.stack:
            reader.errors.append("left open: %s" % reader.stack)
        print(json.dumps({"items": reader.items, "errors": reader.errors, "tags": sorted(reader.tags)}))
        """#

    struct ParsedPage: Decodable {
        struct Item: Decodable {
            var `class`: String
            var text: String
        }
        var items: [Item]
        var errors: [String]
        var tags: [String]
    }

    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let output = temporary("out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try handle.close()
        return try String(contentsOf: output, encoding: .utf8)
    }

    static func parseHTML(_ file: URL) throws -> ParsedPage {
        let script = temporary("reader.py")
        try htmlReader.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let json = try run("python3", [script.path, file.path])
        return try JSONDecoder().decode(ParsedPage.self, from: Data(json.utf8))
    }

    static let cmark = ["/usr/bin/cmark-gfm", "/usr/local/bin/cmark-gfm"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    // MARK: - Sessions

    /// The seed's telnet session (the appliance vendor's page), replayed against the practice
    /// server playing the appliance and recorded: the first session of the issue.
    static func applianceRecording() async throws -> URL {
        let paste = temporary("telnet.txt")
        defer { try? FileManager.default.removeItem(at: paste) }
        // As the vendor's page shows it (code fences, trailing spaces): what smtpsh replay reads.
        try ReplayTests.seedTelnetSession.write(to: paste, atomically: true, encoding: .utf8)
        let recording = temporary("appliance.smtp")
        try await PipedSessionTests.withServer({ options in
            try! options.configuration.apply(BuiltInScenarios.named("appliance")!)
        }) { port, _ in
            let result = try BinaryRunner.run(["replay", paste.path, "--host", "127.0.0.1:\(port)", "--record", recording.path, "--no-explain"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
        return recording
    }

    /// STARTTLS, AUTH LOGIN (its 334s) with the secret, two recipients, the second refused: recorded and
    /// as `--json` events.
    static func tlsAuthSession() async throws -> (recording: URL, json: URL) {
        let directory = temporary("certs")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (material, pem) = try HostileCertificates.make(
            commonName: "practice.localhost", names: ["practice.localhost"], addresses: [[127, 0, 0, 1]], in: directory)
        let recording = temporary("auth.smtp")
        let json = temporary("auth.jsonl")
        try await PipedSessionTests.withServer({
            $0.configuration.password = secret
            $0.tlsMaterial = material
            $0.configuration.rules.append(try! ScenarioRule(parsing: "RCPT 2: 550 5.1.1 no such user here"))
        }) { port, _ in
            let result = try BinaryRunner.run(
                [
                    "send", "127.0.0.1", String(port), "--starttls", "--ca", pem.path, "--auth", "login", "--user", "student",
                    "--from", "alice@example.org", "--to", "bob@example.org", "--to", "carol@example.org",
                    "--record", recording.path, "--json", json.path,
                ],
                environment: ["SMTPSH_PASSWORD": secret])
            // A refused recipient: smtpsh send's status 15.
            #expect(result.status == 15, "\(result.stdout)\(result.stderr)")
        }
        return (recording, json)
    }

    static func export(_ file: URL, _ arguments: [String]) throws -> BinaryRunner.Result {
        try BinaryRunner.run(["export", file.path] + arguments)
    }

    // MARK: - Tests

    @Test func theApplianceSessionAsHTMLInOrderWithItsExplanations() async throws {
        let recording = try await Self.applianceRecording()
        let page = Self.temporary("appliance.html")
        defer {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.removeItem(at: page)
        }
        let result = try Self.export(recording, ["--html", page.path])
        #expect(result.status == 0, "\(result.stderr)")
        let parsed = try Self.parseHTML(page)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(!parsed.tags.contains("script"))
        #expect(parsed.tags.contains("main") && parsed.tags.contains("header") && parsed.tags.contains("section"))
        // The exchanges in the order of the session, client and server alternating.
        let order = parsed.items.filter { !$0.class.hasPrefix("note") }.map { item -> String in
            let kind = item.class.split(separator: " ")[0]
            let pre = item.text.split(separator: "\n").first.map(String.init) ?? ""
            return "\(kind):\(pre)"
        }
        let expected = [
            "reply:220 my_esa.local ESMTP", "sent:helo", "reply:250 my_esa.local", "sent:mail from: <test@test.com>",
            "reply:250 sender <test@test.com> ok", "sent:rcpt to: <user@other.com>", "reply:250 recipient <user@other.com> ok",
            "sent:data", "reply:354 go ahead", "sent:subject: TESTING SMTP", "reply:250 ok: Message", "sent:quit", "reply:221 my_esa.local",
        ]
        #expect(order.count == expected.count, "\(order)")
        for (got, want) in zip(order, expected) {
            // Each item holds its label words too; the line itself must be in it.
            #expect(got.hasPrefix(want.prefix { $0 != ":" } + ":"), "\(got) vs \(want)")
        }
        let texts = parsed.items.map(\.text)
        for (index, want) in expected.enumerated() where index < parsed.items.count {
            let line = String(want.drop { $0 != ":" }.dropFirst())
            #expect(texts.contains { $0.contains(line) }, "\(line)")
        }
        // The server recognised, and the reply to DATA's dot explained as the appliance's.
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("class=\"reply c3\""))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("@import"))
        let dotReply = try #require(parsed.items.first { $0.text.contains("250 ok: Message 1 accepted") })
        #expect(dotReply.text.contains("2xx success"))
        #expect(dotReply.text.contains("answers ."), "\(dotReply.text)")
    }

    @Test func theTLSAuthSessionInEveryFormatHoldsNoSecret() async throws {
        let (recording, json) = try await Self.tlsAuthSession()
        defer {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.removeItem(at: json)
        }
        for source in [recording, json] {
            for format in ["--html", "--markdown", "--evidence"] {
                let result = try Self.export(source, [format, "-", "--lang", "en,fr,ja"])
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout.count > 1000)
                for trace in Self.traces { #expect(!result.stdout.contains(trace), "\(trace) in \(format) of \(source.lastPathComponent)") }
                #expect(result.stdout.contains("AUTH LOGIN") && result.stdout.contains("********"), "\(format)")
                // The refusal, explained in three languages.
                #expect(result.stdout.contains("550 5.1.1 no such user here"))
                // The class in words (the evidence file is a transcript: the code says it).
                #expect(format == "--evidence" || result.stdout.contains("5xx permanent failure"))
                #expect(result.stdout.contains("boîte aux lettres") || result.stdout.contains("destinataire"), "\(format)")
                // The evidence file wraps the Japanese text (a line may break inside a word).
                let joined = result.stdout.filter { $0 != "\n" && $0 != " " }
                #expect(joined.contains("メールボックス") || joined.contains("宛先"), "\(format)")
            }
        }
        // The JSON events carry latencies and the TLS facts; the summary says where it stopped.
        let evidence = try Self.export(json, ["--evidence", "-"])
        #expect(evidence.stdout.contains("TLS starts here: TLS 1."), "\(evidence.stdout)")
        #expect(evidence.stdout.contains("certificate for "), "\(evidence.stdout)")
        #expect(evidence.stdout.range(of: #"<~  250 2\.1\.0 .*  \(\d+(\.\d+)? ms\)"#, options: .regularExpression) != nil, "\(evidence.stdout)")
        #expect(evidence.stdout.contains("First refusal: RCPT TO:<carol@example.org> → 550 5.1.1 no such user here"), "\(evidence.stdout)")
        #expect(evidence.stdout.contains("Exit status as a script: 1"))
        #expect(evidence.stdout.contains("Made (UTC): 20"))
        let fromRecording = try Self.export(recording, ["--evidence", "-"])
        #expect(fromRecording.stdout.contains("Latencies: not in this file"))
        #expect(fromRecording.stdout.contains(" ~> AUTH LOGIN\n<~  334 VXNlcm5hbWU6\n"), "\(fromRecording.stdout)")
        #expect(fromRecording.stdout.contains(" ~> ********\n"))
        #expect(fromRecording.stdout.contains("=== TLS starts here"))
    }

    /// A swaks transcript carries the AUTH answers in base64: the export does not.
    @Test func aTranscriptWithTheSecretInFullIsRedacted() throws {
        let file = Self.temporary("swaks.txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
            <-  220 mx.example.org ESMTP
             -> EHLO me.example
            <-  250-mx.example.org
            <-  250 AUTH PLAIN LOGIN
             -> AUTH LOGIN
            <-  334 VXNlcm5hbWU6
             -> \(Base64.encode(Array("student".utf8)))
            <-  334 UGFzc3dvcmQ6
             -> \(Base64.encode(Array(Self.secret.utf8)))
            <** 535 5.7.8 Authentication credentials invalid
             -> AUTH PLAIN \(Base64.encode(Array("\0student\0\(Self.secret)".utf8)))
            <-  235 2.7.0 Authentication successful
             -> QUIT
            <-  221 2.0.0 Bye

            """.write(to: file, atomically: true, encoding: .utf8)
        for format in ["--html", "--markdown", "--evidence"] {
            let result = try Self.export(file, [format, "-"])
            #expect(result.status == 0, "\(result.stderr)")
            for trace in Self.traces + [Base64.encode(Array("student".utf8))] {
                #expect(!result.stdout.contains(trace), "\(trace) in \(format): \(result.stdout)")
            }
            #expect(result.stdout.contains("AUTH PLAIN ********"))
            #expect(result.stdout.contains("535 5.7.8"))
        }
    }

    /// What a hostile server sends is text in every format: no element, no Markdown, no
    /// terminal escape.
    @Test func serverBytesAreEscapedForHTMLAndMarkdown() throws {
        let file = Self.temporary("hostile.smtp")
        let page = Self.temporary("hostile.html")
        defer {
            try? FileManager.default.removeItem(at: file)
            try? FileManager.default.removeItem(at: page)
        }
        try """
            # smtpsh session
            # server: evil.example:25
            <-  220 evil.example <script>alert(1)</script> & "x" 'y' | a ``` fence \\x1B[31m
             -> EHLO me.example
            <-  250-evil.example <img src=x onerror=alert(2)>
            <-  250 **bold** [link](javascript:alert(3)) | cell
             -> QUIT
            <-  221 bye

            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.export(file, ["--html", page.path])
        #expect(result.status == 0, "\(result.stderr)")
        let parsed = try Self.parseHTML(page)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(!parsed.tags.contains("script") && !parsed.tags.contains("img") && !parsed.tags.contains("a"), "\(parsed.tags)")
        #expect(parsed.items.first?.text.contains("<script>alert(1)</script> & \"x\" 'y'") == true, "\(parsed.items.first?.text ?? "")")
        #expect(parsed.items.contains { $0.text.contains("<img src=x onerror=alert(2)>") })

        let markdown = try Self.export(file, ["--markdown", "-"])
        #expect(markdown.status == 0)
        if let cmark = Self.cmark {
            let html = try Self.run(cmark, ["--extension", "table", "--to", "html"], stdin: Data(markdown.stdout.utf8))
            #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("<a ") && !html.contains("<strong>bold"), "\(html)")
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(html)")
            #expect(html.contains("**bold** [link](javascript:alert(3)) | cell"), "\(html)")
        }
    }

    @Test(.enabled(if: ExportTests.cmark != nil, "cmark-gfm is needed (Scripts/setup --test)"))
    func theMarkdownIsATableAndAListOnGitHub() async throws {
        let recording = try await Self.applianceRecording()
        defer { try? FileManager.default.removeItem(at: recording) }
        let result = try Self.export(recording, ["--markdown", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let html = try Self.run(Self.cmark!, ["--extension", "table", "--to", "html"], stdin: Data(result.stdout.utf8))
        let page = Self.temporary("md.html")
        defer { try? FileManager.default.removeItem(at: page) }
        try ("<html><body>" + html + "</body></html>").write(to: page, atomically: true, encoding: .utf8)
        let parsed = try Self.parseHTML(page)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.tags.contains("table") && parsed.tags.contains("td") && parsed.tags.contains("ul") && parsed.tags.contains("pre"))
        // The summary's rows, then the timeline in order.
        #expect(html.contains("<td>Exit status as a script</td>"), "\(html)")
        #expect(html.contains("<td>none: every reply was positive</td>"), "\(html)")
        let greeting = try #require(html.range(of: "220 my_esa.local ESMTP"))
        let helo = try #require(html.range(of: "<code>helo</code>"))
        let quit = try #require(html.range(of: "<code>quit</code>"))
        #expect(greeting.lowerBound < helo.lowerBound && helo.lowerBound < quit.lowerBound)
        #expect(html.contains("<strong>2xx success</strong>"))
    }

    @Test func theEvidenceFilePseudonymisesConsistently() async throws {
        let (recording, json) = try await Self.tlsAuthSession()
        defer {
            try? FileManager.default.removeItem(at: recording)
            try? FileManager.default.removeItem(at: json)
        }
        for source in [recording, json] {
            let result = try Self.export(source, ["--evidence", "-", "--pseudonymise"])
            #expect(result.status == 0, "\(result.stderr)")
            let text = result.stdout
            for name in ["alice", "bob@", "carol", "example.org", "127.0.0.1", "practice.localhost"] {
                #expect(!text.contains(name), "\(name) in \(text)")
            }
            // alice is the same stand-in in MAIL FROM and in the reply that accepts her.
            let mail = try #require(text.range(of: #"MAIL FROM:<(user\d+@host\d+\.example)>"#, options: .regularExpression))
            let address = String(text[mail].dropFirst("MAIL FROM:<".count).dropLast())
            #expect(text.contains("Sender <\(address)> OK"), "\(text)")
            #expect(text.contains("Pseudonymised (--pseudonymise): mail addresses: 3,"), "\(text)")
            #expect(text.contains("192.0.2.1"))
        }
        let plain = try Self.export(recording, ["--evidence", "-"])
        #expect(plain.stdout.contains("alice@example.org"))
    }

    @Test func badCommandLinesAndFiles() throws {
        let none = try BinaryRunner.run(["export", "x.smtp"])
        #expect(none.status == 64)
        #expect(none.stderr.contains("export to what?"), "\(none.stderr)")
        let missing = try BinaryRunner.run(["export", "/nonexistent/x.smtp", "--html", "-"])
        #expect(missing.status == 64, "\(missing.stderr)")
        let pseudo = try BinaryRunner.run(["export", "x.smtp", "--html", "-", "--pseudonymise"])
        #expect(pseudo.status == 64)
        let file = Self.temporary("bad.jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try "{\"event\":\"note\",\"text\":\"hi\"}\n{not json\n".write(to: file, atomically: true, encoding: .utf8)
        let bad = try Self.export(file, ["--html", "-"])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("line 2: not a JSON event"), "\(bad.stderr)")
        try Data([0x3C, 0x2D, 0x20, 0x32, 0x32, 0x30, 0x00, 0x0A]).write(to: file)
        let binary = try Self.export(file, ["--markdown", "-"])
        #expect(binary.status == 65, "\(binary.stderr)")
        let help = try BinaryRunner.run(["export", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--pseudonymise"))
    }

    /// `:export` at the prompt (here a script): from the recording being written, by the
    /// file's ending.
    @Test func exportAtThePrompt() async throws {
        let recording = Self.temporary("prompt.smtp")
        let page = Self.temporary("prompt.html")
        let evidence = Self.temporary("prompt.txt")
        defer { for file in [recording, page, evidence] { try? FileManager.default.removeItem(at: file) } }
        try await PipedSessionTests.withServer { port, _ in
            let script = "EHLO me.example\nMAIL FROM:<a@example.org>\n:export \(page.path)\n:export \(evidence.path)\nQUIT\n"
            let result = try BinaryRunner.run(["127.0.0.1", String(port), "--record", recording.path], stdin: Data(script.utf8))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("=== session exported to \(page.path)"), "\(result.stdout)")
            let parsed = try Self.parseHTML(page)
            #expect(parsed.errors.isEmpty)
            // The session so far: up to MAIL's reply, not the QUIT typed after.
            #expect(parsed.items.contains { $0.text.contains("250 2.1.0 Sender <a@example.org> OK") })
            #expect(!parsed.items.contains { $0.text.contains("QUIT") })
            #expect(try String(contentsOf: evidence, encoding: .utf8).contains(" -> MAIL FROM:<a@example.org>"))
        }
    }

    /// `:export` with nothing written down: from what smtpsh kept in memory. STARTTLS, AUTH
    /// LOGIN, then an AUTH PLAIN typed with its initial response, the secret shown on screen
    /// (--show-secrets), a message of 21
    /// lines, a refused recipient: the exports have it all, latencies and TLS facts included,
    /// each message's first lines and its count, and not the secret in any form.
    @Test func exportAtThePromptWithoutARecording() async throws {
        let directory = Self.temporary("memory")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (material, pem) = try HostileCertificates.make(
            commonName: "practice.localhost", names: ["practice.localhost"], addresses: [[127, 0, 0, 1]], in: directory)
        let page = directory.appendingPathComponent("s.html")
        let markdown = directory.appendingPathComponent("s.md")
        let evidence = directory.appendingPathComponent("ticket.txt")
        try await PipedSessionTests.withServer({
            $0.configuration.password = Self.secret
            $0.tlsMaterial = material
            $0.configuration.rules.append(try! ScenarioRule(parsing: "RCPT 2: 550 5.1.1 no such user here"))
        }) { port, _ in
            let body = ["Subject: memory", ""] + (1...18).map { "line \($0) of the body" } + ["."]
            let script = (["EHLO me.example", ":auth login student", "AUTH PLAIN " + Base64.encode(Array("\0student\0\(Self.secret)".utf8)),
                "MAIL FROM:<alice@example.org>",
                "RCPT TO:<bob@example.org>", "RCPT TO:<carol@example.org>", "DATA"] + body
                + [":export \(page.path)", ":export \(markdown.path)", ":export \(evidence.path)", "QUIT"]).joined(separator: "\n") + "\n"
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--starttls", "--show-secrets", "--ca", pem.path], stdin: Data(script.utf8),
                environment: ["SMTPSH_PASSWORD": Self.secret])
            // The screen shows the secret (--show-secrets): what is kept for :export does not.
            #expect(result.stdout.contains(Base64.encode(Array(Self.secret.utf8))), "\(result.stdout)")
            #expect(result.stdout.contains("=== session exported to \(evidence.path) (from what smtpsh kept in memory"), "\(result.stdout)")
            #expect(!result.stdout.contains("nothing to export"))
        }
        let texts = try [page, markdown, evidence].map { try String(contentsOf: $0, encoding: .utf8) }
        for (file, text) in zip([page, markdown, evidence], texts) {
            for trace in Self.traces { #expect(!text.contains(trace), "\(trace) in \(file.lastPathComponent)") }
            #expect(text.contains("550 5.1.1 no such user here"), "\(file.lastPathComponent)")
        }
        let parsed = try Self.parseHTML(page)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.items.contains { $0.text.contains("message, lines: 21") }, "\(parsed.items)")
        let ticket = texts[2]
        #expect(ticket.contains("Command: :export \(evidence.path)"), "\(ticket)")
        #expect(ticket.contains(" ~> AUTH PLAIN ********\n"), "\(ticket)")
        #expect(ticket.contains(" ~> AUTH LOGIN\n<~  334 VXNlcm5hbWU6"), "\(ticket)")
        #expect(ticket.contains(" ~> ********\n"))
        // The first 6 lines of the message, the count of the others, the lone dot.
        #expect(ticket.contains(" ~> line 4 of the body\n=== lines not shown: 14\n ~> .\n"), "\(ticket)")
        #expect(!ticket.contains("line 5 of the body"))
        // Latencies and the handshake's facts, which a recording does not keep.
        #expect(!ticket.contains("Latencies: not in this file"))
        #expect(ticket.contains("<~  250 2.1.5 Recipient <bob@example.org> OK  ("), "\(ticket)")
        #expect(ticket.contains("=== TLS starts here: TLS 1."), "\(ticket)")
        // The server recognised is said once, not once by the session and again by the export.
        #expect(ticket.components(separatedBy: "=== server: smtpsh serve").count == 2, "\(ticket)")
        // From the greeting on, in order; the QUIT typed after :export is not in it.
        let greeting = try #require(ticket.range(of: "<-  220 "))
        let refusal = try #require(ticket.range(of: "<~  550 5.1.1 no such user here"))
        #expect(greeting.lowerBound < refusal.lowerBound)
        #expect(!ticket.contains("QUIT"))
    }

    /// What :export keeps in memory never holds a secret, even when the screen showed it
    /// (--show-secrets: the lines sent come with it).
    @Test func theMemoryOfASessionHoldsNoSecret() {
        var memory = SessionMemory()
        let plain = Base64.encode(Array("\0student\0\(Self.secret)".utf8))
        for (text, kind) in [
            ("AUTH PLAIN " + plain, ClientStateMachine.LineKind.command), ("AUTH LOGIN", .command),
            (Base64.encode(Array("student".utf8)), .saslResponse), (Base64.encode(Array(Self.secret.utf8)), .saslResponse),
        ] {
            memory.sent(.init(text: text, kind: kind, tls: true, automatic: false, waited: false))
        }
        let kept = memory.events.map { event -> String in
            if case .sent(_, let text, _) = event { text } else { "" }
        }
        #expect(kept == ["AUTH PLAIN ********", "AUTH LOGIN", "********", "********"], "\(kept)")
    }

    /// What :export keeps in memory is bounded: past the limit, nothing more, and the export says so.
    @Test func theMemoryOfASessionIsBounded() {
        var memory = SessionMemory()
        let line = String(repeating: "x", count: 200)
        for _ in 0..<(SessionMemory.limit / 200 + 10) {
            memory.sent(.init(text: "NOOP " + line, kind: .command, tls: false, automatic: false, waited: false))
        }
        #expect(memory.cut)
        #expect(memory.octets <= SessionMemory.limit)
        // A message: its first lines and the final dot are kept, the others counted.
        var message = SessionMemory()
        message.sent(.init(text: "DATA", kind: .command, tls: false, automatic: false, waited: false))
        for index in 0..<100_000 {
            message.sent(.init(text: "line \(index)", kind: .messageLine, tls: false, automatic: false, waited: false))
        }
        message.sent(.init(text: ".", kind: .messageLine, tls: false, automatic: false, waited: false))
        guard case .message(let lines, let omitted, _, _)? = message.events.last else {
            Issue.record("no message kept")
            return
        }
        #expect(lines.count == SessionTimeline.shownMessageLines + 1 && lines.last == ".")
        #expect(omitted == 100_000 - SessionTimeline.shownMessageLines)
        let timeline = memory.timeline(languages: [.en])
        guard case .note(let text, let warning)? = timeline.entries.last else {
            Issue.record("no note at the end")
            return
        }
        #expect(warning && text.contains("the rest of the session is not in this export"))
    }

    @Test func pseudonymsAreStable() {
        var pseudonymiser = Pseudonymiser()
        let line = "250 2.1.5 <Bob@Mail.Example.COM> via mx1.example.com [203.0.113.9]:25 and 2a01:4f8::25 at 14:04:09"
        pseudonymiser.learn(line)
        let out = pseudonymiser.apply(line)
        #expect(out == "250 2.1.5 <user1@host1.example> via host2.example [192.0.2.1]:25 and 2001:db8::2 at 14:04:09", "\(out)")
        #expect(pseudonymiser.apply("bob@mail.example.com said hi from MX1.EXAMPLE.COM") == "user1@host1.example said hi from host2.example")
        // What was not learnt from the session stays: a vendor's domain in a hint.
        #expect(pseudonymiser.apply("see support.google.com") == "see support.google.com")
        #expect(pseudonymiser.counts.addresses == 1 && pseudonymiser.counts.hosts == 2 && pseudonymiser.counts.ips == 2)
    }

    /// The page in headless Chromium: the rendered DOM in the session's order, each class in
    /// its own colour (and border style, for black and white), and a screenshot.
    @Test(.enabled(if: ExportTests.chromium != nil, "chromium is needed (Scripts/setup --test)"))
    func chromiumRendersThePage() async throws {
        let (recording, json) = try await Self.tlsAuthSession()
        let page = Self.temporary("chromium.html")
        let probe = Self.temporary("probe.html")
        let screenshot = Self.temporary("shot.png")
        defer {
            for file in [recording, json, page, probe, screenshot] { try? FileManager.default.removeItem(at: file) }
        }
        let result = try Self.export(json, ["--html", page.path])
        #expect(result.status == 0, "\(result.stderr)")
        // The test, not the page, adds a script that writes what Chromium computed into the DOM.
        let html = try String(contentsOf: page, encoding: .utf8)
        let script = """
            <script>
            for (const li of document.querySelectorAll("ol.timeline > li")) {
              const style = getComputedStyle(li);
              li.setAttribute("data-rendered", style.borderLeftColor + "|" + style.borderTopStyle + "|" + (li.offsetWidth > 0));
            }
            </script>
            """
        try html.replacingOccurrences(of: "</body>", with: script + "</body>").write(to: probe, atomically: true, encoding: .utf8)
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]
        let dom = try Self.run(Self.chromium!, common + ["--dump-dom", probe.absoluteString])
        let rendered = dom.matches(of: /class="(reply c\d[^"]*|sent[^"]*|tls-boundary)"[^>]*data-rendered="([^"]*)"/).map {
            (String($0.output.1), String($0.output.2))
        }
        #expect(rendered.count > 10, "\(dom.prefix(2000))")
        let colours = Dictionary(rendered.filter { $0.0.hasPrefix("reply") }.map { ($0.0.prefix(8), $0.1) }, uniquingKeysWith: { a, _ in a })
        #expect(colours["reply c2"]?.hasPrefix("rgb(26, 107, 47)|solid|true") == true, "\(colours)")
        #expect(colours["reply c3"]?.hasPrefix("rgb(31, 79, 153)|dotted|true") == true, "\(colours)")
        #expect(colours["reply c5"]?.hasPrefix("rgb(163, 22, 26)|double|true") == true, "\(colours)")
        // In order: the greeting, EHLO, STARTTLS and its 220, the TLS boundary, EHLO again.
        let kinds = rendered.map { $0.0.split(separator: " ")[0] }
        let boundary = try #require(kinds.firstIndex(of: "tls-boundary"))
        #expect(kinds.prefix(5) == ["reply", "sent", "reply", "sent", "reply"], "\(kinds)")
        #expect(boundary == 5)
        #expect(!dom.contains(Self.secret))

        _ = try Self.run(Self.chromium!, common + ["--screenshot=\(screenshot.path)", "--window-size=1280,2400", "--hide-scrollbars", page.absoluteString])
        let png = try Data(contentsOf: screenshot)
        #expect(png.count > 20_000)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        if let keep = ProcessInfo.processInfo.environment["SMTPSH_EXPORT_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: screenshot, to: URL(fileURLWithPath: keep))
        }
    }
}
