import Foundation
@testable import SMTPShell
import SMTPCore
import Testing

/// Postfix's XCLIENT and raw bytes on purpose (issue 21, items 4 and 6) against a real
/// Postfix (its own instance, ``PostfixServer``): the message a claimed client sent is
/// relayed to the practice server, whose store shows Postfix's Received header; a bare LF
/// meets `smtpd_forbid_bare_newline`.
@Suite(.serialized, .enabled(if: PostfixServer.isAvailable, "Postfix is needed, and root to start it (Scripts/setup --test)"))
struct XClientAndRawPostfixTests {
    /// `send --xclient` to a Postfix that trusts 127.0.0.1: the message Postfix relays says,
    /// in its Received header, that it came from the client XCLIENT named.
    @Test func sendXClientIsReceivedAsTheClaimedClient() async throws {
        try await PipedSessionTests.withServer({ $0.configuration.hostname = "mx.xclient.test" }) { port, directory in
            let postfix = try PostfixServer(
                settings: PostfixServer.relaying("xclient.test", to: port).merging(["smtpd_authorized_xclient_hosts": "127.0.0.1"]) { $1 })
            defer { postfix.stop() }

            let (status, output) = try Self.send(to: postfix, [
                "--to", "bob@xclient.test", "--subject", "claimed",
                "--xclient", "NAME=relay.xclient.test ADDR=192.0.2.7", "--xclient", "HELO=relay.xclient.test",
            ])
            #expect(status == 0, "\(output)")
            #expect(output.contains(" -> XCLIENT NAME=relay.xclient.test ADDR=192.0.2.7 HELO=relay.xclient.test"), "\(output)")
            #expect(output.contains("<-  220 mx.postfix.test ESMTP"), "\(output)")
            #expect(output.contains("XCLIENT accepted: the server starts the session again"), "\(output)")
            // EHLO again after the 220, then the transaction.
            let afterXClient = output.components(separatedBy: "XCLIENT accepted").last ?? ""
            #expect(afterXClient.contains(" -> EHLO client.example.org"), "\(output)")
            #expect(output.contains("250 2.0.0 Ok: queued as"), "\(output)")

            // Relayed to the practice server, which stores it.
            let stored = PipedSessionTests.stored(directory, within: 30) { !$0.isEmpty }
            let message = try #require(stored.first, "nothing relayed: \(postfix.mailLog())")
            // Postfix's own hop: the claimed client's name and address, not 127.0.0.1.
            let lines = message.components(separatedBy: "\r\n")
            let hop = lines.indices.first { lines[$0].hasPrefix("Received: from ") && $0 + 1 < lines.count && lines[$0 + 1].contains("by mx.postfix.test") }
            let received = try #require(hop.map { lines[$0] }, "no Received header by Postfix: \(message)")
            #expect(received.contains("(relay.xclient.test [192.0.2.7])"), "\(message)")
            #expect(!received.contains("127.0.0.1"), "\(message)")
            #expect(message.contains("Subject: claimed"))
            #expect(postfix.mailLog().contains("client=relay.xclient.test[192.0.2.7]"), "\(postfix.mailLog())")
        }
    }

    /// `smtpsh send` to `postfix` from alice@postfix.test (to bob@postfix.test unless
    /// `arguments` give `--to`), greeting as client.example.org: its exit status and output.
    static func send(to postfix: PostfixServer, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let to = arguments.contains("--to") ? [] : ["--to", "bob@postfix.test"]
        let result = try BinaryRunner.run(
            ["send", "--color", "never", "127.0.0.1", String(postfix.port), "--from", "alice@postfix.test", "--ehlo", "client.example.org"]
                + to + arguments,
            environment: ["COLUMNS": "200"], timeout: 60)
        return (result.status, result.stdout + result.stderr)
    }

    /// `script`'s lines typed into a session with `postfix`: the exit status and the output.
    static func session(with postfix: PostfixServer, _ script: [String]) throws -> (status: Int32, output: String) {
        let result = try BinaryRunner.run(
            ["--color", "never", "127.0.0.1", String(postfix.port)], stdin: Data((script.joined(separator: "\n") + "\n").utf8),
            environment: ["COLUMNS": "200"], timeout: 60)
        return (result.status, result.stdout + result.stderr)
    }

    /// `send --raw-data` of the smuggling probe (``smuggling``) to `postfix`.
    static func sendSmugglingProbe(to postfix: PostfixServer) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-smuggle-\(UUID().uuidString).eml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(smuggling.utf8).write(to: file)
        return try send(to: postfix, ["--raw-data", file.path])
    }

    /// A Postfix that does not trust this client: no XCLIENT in its EHLO reply, smtpsh says
    /// so before sending it, Postfix answers 550 5.7.0, and `send` exits 22.
    @Test func xclientRefusedWhenNotAuthorised() throws {
        let postfix = try PostfixServer()
        defer { postfix.stop() }
        let (status, output) = try Self.send(to: postfix, ["--xclient", "ADDR=192.0.2.7"])
        #expect(status == 22, "\(output)")
        #expect(output.contains("the server did not advertise XCLIENT in its EHLO reply"), "\(output)")
        #expect(output.contains("<-  550 5.7.0 Error: insufficient authorization"), "\(output)")
        #expect(!output.contains("MAIL FROM"), "nothing sent after the refusal: \(output)")
    }

    /// At the prompt (a script here): `:xclient` alone names the attributes the server
    /// offers; with attributes, the line goes xtext-encoded, the 220 restarts the session,
    /// and the state says EHLO comes next.
    @Test func xclientAtThePrompt() throws {
        let postfix = try PostfixServer(settings: ["smtpd_authorized_xclient_hosts": "127.0.0.1"])
        defer { postfix.stop() }
        let script = [
            "EHLO client.example.org", ":xclient", ":xclient NAME=relay.xclient.test ADDR=192.0.2.9 LOGIN=a+b", ":state",
            "EHLO relay.xclient.test", "QUIT",
        ]
        let (status, output) = try Self.session(with: postfix, script)
        #expect(status == 0, "\(output)")
        #expect(output.contains("the server offers XCLIENT with the attributes NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN"), "\(output)")
        #expect(output.contains(" -> XCLIENT NAME=relay.xclient.test ADDR=192.0.2.9 LOGIN=a+2Bb"), "\(output)")
        #expect(output.contains("<-  220 mx.postfix.test ESMTP"), "\(output)")
        #expect(output.contains("XCLIENT accepted"), "\(output)")
        let state = output.components(separatedBy: "XCLIENT accepted").last ?? ""
        #expect(state.contains("greeted (EHLO next)"), "\(output)")
        #expect(postfix.mailLog(waitingFor: "192.0.2.9").contains("relay.xclient.test[192.0.2.9]"), "\(postfix.mailLog())")
    }

    /// `smtpd_forbid_bare_newline = reject` (since Postfix 3.7.10, 3.8.5 and 3.9; `yes` now
    /// means `normalize`, which accepts a bare LF in commands): a command ended by a bare LF
    /// gets Postfix's 550 (`smtpd_forbid_bare_newline_reject_code`) and the connection
    /// closes; the reply is explained by Postfix's own entry.
    @Test func aBareLineFeedMeetsPostfixsRefusal() throws {
        let postfix = try PostfixServer(settings: ["smtpd_forbid_bare_newline": "reject"])
        defer { postfix.stop() }
        let script = ["EHLO client.example.org", ":raw MAIL FROM:<alice@postfix.test>\\n", "QUIT"]
        let (status, output) = try Self.session(with: postfix, script)
        #expect(output.contains("raw bytes, not SMTP: 31 octets sent exactly as written; 1 bare LF"), "\(output)")
        #expect(output.contains(" -> MAIL FROM:<alice@postfix.test>\\n"), "\(output)")
        #expect(output.contains("<-  550 5.5.2 mx.postfix.test Error: bare <LF> received"), "\(output)")
        #expect(output.contains("Postfix refuses a line that ended with a bare LF"), "Postfix's entry explains it: \(output)")
        #expect(output.contains("Connection closed by foreign host."), "\(output)")
    }

    /// The same bytes to a Postfix that takes a bare LF for a line end everywhere (`no`, the
    /// 3.7 default): the command is answered; and a smuggling probe through `send --raw-data`
    /// (`<LF>.<LF>` inside the message, then a second envelope) gets the smuggled commands
    /// answered: smtpsh says each reply is beyond what the bytes call for, and Postfix took
    /// the smuggled sender.
    @Test func aPostfixThatTakesABareLineFeedForALineEnd() throws {
        let lenient = try PostfixServer(settings: ["smtpd_forbid_bare_newline": "no"])
        defer { lenient.stop() }
        let (status, output) = try Self.session(with: lenient, ["EHLO client.example.org", ":raw NOOP\\n", "QUIT"])
        #expect(status == 0, "\(output)")
        #expect(output.contains(" -> NOOP\\n"), "\(output)")
        #expect(output.contains("<-  250 2.0.0 Ok"), "\(output)")
        #expect(!output.contains("one reply more"), "\(output)")
        #expect(output.contains("<-  221"), "\(output)")

        let (_, sentOutput) = try Self.sendSmugglingProbe(to: lenient)
        #expect(sentOutput.contains("one reply more than the raw bytes' CRLF lines call for"), "\(sentOutput)")
        #expect(sentOutput.components(separatedBy: "Ok: queued as").count - 1 == 2, "two messages: \(sentOutput)")
        #expect(lenient.mailLog(waitingFor: "mallory").contains("from=<mallory@postfix.test>"), "\(lenient.mailLog())")
    }

    /// Pipelining without PIPELINING on purpose: DATA and the message in one write, to a
    /// Postfix with `reject_unauth_pipelining` for DATA. Postfix refuses DATA, then reads the
    /// message's first line as a command (a header: it hangs up); smtpsh shows that reply as
    /// one the bytes did not call for, and Postfix's entry explains it.
    @Test func pipeliningWithoutWaitingMeetsRejectUnauthPipelining() throws {
        let postfix = try PostfixServer(settings: ["smtpd_data_restrictions": "reject_unauth_pipelining"])
        defer { postfix.stop() }
        let script = [
            "EHLO client.example.org", "MAIL FROM:<alice@postfix.test>", "RCPT TO:<bob@postfix.test>",
            ":raw DATA\\r\\nSubject: early\\r\\n\\r\\nhello\\r\\n.\\r\\n", "QUIT",
        ]
        let (status, output) = try Self.session(with: postfix, script)
        #expect(output.contains("<-  503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining"), "\(output)")
        #expect(output.contains("one reply more than the raw bytes' CRLF lines call for"), "\(output)")
        #expect(!postfix.mailLog().contains("status=sent"), "\(postfix.mailLog())")
        // Then Postfix reads the header line as a command, and hangs up; its entry says why.
        #expect(output.contains("<-  221 2.7.0 Error: I can break rules, too. Goodbye."), "\(output)")
        #expect(output.contains("a message header (Subject: …, sent before 354 or after a refused DATA)"), "\(output)")
    }

    static let smuggling =
        "Subject: first\r\n\r\nfirst\n.\nMAIL FROM:<mallory@postfix.test>\r\nRCPT TO:<bob@postfix.test>\r\nDATA\r\nSubject: second\r\n\r\nsecond\r\n.\r\n"

    @Test func aSmugglingProbeWithRawData() throws {
        let strict = try PostfixServer(settings: ["smtpd_forbid_bare_newline": "reject"])
        defer { strict.stop() }
        let (status, output) = try Self.sendSmugglingProbe(to: strict)
        #expect(output.contains("raw bytes, not SMTP:"), "\(output)")
        #expect(output.contains(" -> first\\n"), "\(output)")
        #expect(output.contains("<-  550 5.5.2 mx.postfix.test Error: bare <LF> received"), "\(output)")
        #expect(status != 0, "\(output)")
        #expect(!strict.mailLog().contains("mallory"), "\(strict.mailLog())")
    }
}

/// `send --raw-data` and `--xclient` mistakes, said before connecting (exit 64).
@Suite struct RawDataUsageTests {
    @Test func mistakesAreSaidBeforeConnecting() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-raw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let unended = directory.appendingPathComponent("unended.eml")
        try Data("Subject: x\r\n\r\nbody\n.\n".utf8).write(to: unended)
        let ended = directory.appendingPathComponent("ended.eml")
        try Data("Subject: x\r\n\r\nbody\r\n.\r\n".utf8).write(to: ended)
        let big = directory.appendingPathComponent("big.eml")
        try Data(count: 16 << 20 + 10).write(to: big)
        let base = ["send", "127.0.0.1", "9", "--from", "a@example.org", "--to", "b@example.org"]
        for (arguments, message) in [
            (["--raw-data", unended.path], "does not end with CRLF . CRLF"),
            (["--raw-data", ended.path, "--data", ended.path], "--raw-data cannot be used with --data"),
            (["--raw-data", ended.path, "--bdat"], "--raw-data cannot be used with --bdat"),
            (["--raw-data", big.path], "larger than 16 MiB"),
            (["--raw-data", directory.appendingPathComponent("missing").path], "cannot read"),
            (["--xclient", "ADDR"], "give the attributes as NAME=value"),
        ] {
            let result = try BinaryRunner.run(base + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}

/// Tab completion of XCLIENT's attributes, at `:xclient` and after the verb typed.
@Suite struct XClientCompletionTests {
    static func state(ehloReply: String) -> SessionStateMachine {
        var state = SessionStateMachine(implicitTLS: false)
        var parser = ReplyParser()
        func feed(_ text: String) {
            parser.append(Array(text.utf8))
            while let event = parser.next() {
                if case .reply(let reply) = event { _ = state.replyReceived(reply) }
            }
        }
        feed("220 mx.example ESMTP\r\n")
        state.commandSent(.ehlo("client.example"))
        feed(ehloReply)
        return state
    }

    @Test func theAttributesTheServerOffers() {
        let state = Self.state(ehloReply: "250-mx.example\r\n250-XCLIENT NAME ADDR HELO\r\n250 PIPELINING\r\n")
        #expect(Completion.candidates(for: ":xclient ", state: state) == ["NAME=", "ADDR=", "HELO="])
        #expect(Completion.candidates(for: ":xclient NAME=a.example a", state: state) == ["ADDR="])
        #expect(Completion.candidates(for: "XCLIENT ADDR=192.0.2.7 ", state: state) == ["NAME=", "HELO="])
        #expect(Completion.candidates(for: ":xclient ADDR=19", state: state) == [])
        #expect(Completion.candidates(for: ":xc", state: state) == [":xclient"])
        // Before EHLO: Postfix's list.
        let fresh = SessionStateMachine(implicitTLS: false)
        #expect(Completion.candidates(for: ":xclient L", state: fresh) == ["LOGIN="])
    }
}
