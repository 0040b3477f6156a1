import Foundation
import SMTPPracticeServer
import Testing

/// Client-chosen failures over real sockets (issue 22): swaks, Python's smtplib and a raw
/// client meet each trigger with the documented reply, drop or reset.
@Suite struct TriggerSocketTests {
    static var triggers: PracticeServerConfiguration {
        var configuration = PracticeServerConfiguration()
        configuration.triggers = true
        return configuration
    }

    static let message = Array("From: <a@example.org>\r\nTo: <b@example.org>\r\nSubject: t\r\n\r\nbody\r\n".utf8)

    func swaks(_ server: TestServer, _ arguments: [String]) throws -> ExternalProcess.Result {
        try ExternalProcess.run(
            "swaks", ["--server", "127.0.0.1:\(server.port)", "--timeout", "20"] + arguments, timeout: 30)
    }

    @Test(.enabled(if: ExternalProcess.find("swaks") != nil, "swaks is not on PATH (Scripts/setup --test)"))
    func swaksMeetsEachStage() async throws {
        try await TestServer.with(Self.triggers) { server in
            let rcpt = try swaks(server, ["--helo", "client.example", "--from", "a@example.org", "--to", "rcpt550_5.1.1@example.org"])
            #expect(rcpt.stdout.contains("<** 550 5.1.1 <rcpt550_5.1.1@example.org> Failure requested by the client (rcpt550)"), "\(rcpt)")
            #expect(rcpt.status != 0)
            let data = try swaks(server, ["--helo", "client.example", "--from", "data452@example.org", "--to", "b@example.org"])
            #expect(data.stdout.contains("<** 452 4.0.0 Failure requested by the client (data452)"), "\(data)")
            let dot = try swaks(server, ["--helo", "client.example", "--from", "a@example.org", "--to", "dot554_5.7.1@example.org"])
            #expect(dot.stdout.contains("<** 554 5.7.1 Failure requested by the client (dot554)"), "\(dot)")
            let ehlo = try swaks(server, ["--helo", "nopipelining-size10000.example", "--from", "a@example.org", "--to", "b@example.org", "--pipeline"])
            #expect(ehlo.stdout.contains("<-  250-SIZE 10000"), "\(ehlo)")
            #expect(!ehlo.stdout.contains("PIPELINING"), "\(ehlo)")
            // swaks sends one command at a time when PIPELINING is not offered; the message goes.
            #expect(ehlo.status == 0, "\(ehlo)")
            // Only that message was stored: the refused ones left nothing.
            #expect(try server.storedMessages().count == 1)
        }
    }

    @Test(.enabled(if: ExternalProcess.find("swaks") != nil, "swaks is not on PATH (Scripts/setup --test)"))
    func swaksMeetsADropAndAReset() async throws {
        try await TestServer.with(Self.triggers) { server in
            let drop = try swaks(server, ["--helo", "client.example", "--from", "a@example.org", "--to", "dotdrop@example.org"])
            #expect(drop.status != 0)
            #expect(drop.stdout.contains("Remote host closed connection unexpectedly") || drop.stderr.contains("Remote host closed connection unexpectedly"), "\(drop)")
            let reset = try swaks(server, ["--helo", "client.example", "--from", "a@example.org", "--to", "rcptreset@example.org"])
            #expect(reset.status != 0)
            #expect((reset.stdout + reset.stderr).contains("Connection reset by peer") || (reset.stdout + reset.stderr).contains("closed connection unexpectedly"), "\(reset)")
            #expect(try server.storedMessages().isEmpty)
        }
    }

    @Test(.enabled(if: ExternalProcess.find("python3") != nil, "python3 is not on PATH"))
    func smtplibMeetsTriggers() async throws {
        try await TestServer.with(Self.triggers) { server in
            let rcpt = try PythonClient.run(
                port: server.port, message: Self.message,
                arguments: ["--from", "a@example.org", "--to", "b@example.org", "--to", "rcpt451_4.7.1@example.org"])
            #expect(rcpt.rcpt.map(\.code) == [250, 451], "\(rcpt)")
            #expect(rcpt.rcpt.last?.text == "4.7.1 <rcpt451_4.7.1@example.org> Failure requested by the client (rcpt451)")
            #expect(rcpt.data?.code == 250, "one recipient left, the message goes: \(rcpt)")
            let data = try PythonClient.run(
                port: server.port, message: Self.message, arguments: ["--from", "data452@example.org", "--to", "b@example.org"])
            #expect(data.error == "SMTPDataError: 452 4.0.0 Failure requested by the client (data452)", "\(data)")
            let ehlo = try PythonClient.run(
                port: server.port, message: Self.message,
                arguments: ["--helo", "nostarttls-noauth.example", "--from", "a@example.org", "--to", "b@example.org"])
            #expect(ehlo.features?.contains("starttls") == false && ehlo.features?.contains("auth") == false, "\(ehlo)")
            #expect(ehlo.features?.contains("pipelining") == true, "\(ehlo)")
            let reset = try PythonClient.run(
                port: server.port, message: Self.message, arguments: ["--from", "a@example.org", "--to", "dotreset@example.org"])
            #expect(reset.error?.hasPrefix("ConnectionResetError") == true || reset.error?.hasPrefix("SMTPServerDisconnected") == true, "\(reset)")
            // The first session's message (one recipient left) and the third's; not the reset one.
            #expect(try server.storedMessages().count == 2)
        }
    }

    /// A reset is a reset (RST), a drop an orderly close, seen from a raw socket.
    @Test func resetAndDropOnTheWire() async throws {
        try await TestServer.with(Self.triggers) { server in
            let reset = try RawSMTPClient(port: server.port)
            _ = try reset.readReply()
            _ = try reset.command("EHLO client.example")
            try reset.send("MAIL FROM:<mailreset@example.org>")
            #expect(try reset.waitForClose())
            #expect(reset.resetByPeer)
            let drop = try RawSMTPClient(port: server.port)
            _ = try drop.readReply()
            _ = try drop.command("EHLO client.example")
            try drop.send("MAIL FROM:<maildrop@example.org>")
            #expect(try drop.waitForClose())
            #expect(!drop.resetByPeer)
        }
    }

    /// A delay chosen by the client holds the reply back (measured loosely: at least the delay).
    @Test func aChosenDelay() async throws {
        try await TestServer.with(Self.triggers) { server in
            let client = try RawSMTPClient(port: server.port)
            _ = try client.readReply()
            _ = try client.command("EHLO client.example")
            let start = Date()
            #expect(try client.command("MAIL FROM:<maildelay1@example.org>").last == "250 2.1.0 Sender <maildelay1@example.org> OK")
            #expect(Date().timeIntervalSince(start) >= 0.95)
        }
    }
}
