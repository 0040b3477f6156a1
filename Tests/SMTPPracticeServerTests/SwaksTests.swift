import Foundation
import SMTPPracticeServer
import Testing

extension PracticeServerTests {
    /// swaks, the Swiss Army Knife for SMTP, against the server. CI installs it
    /// (`Scripts/setup --test`); on a machine without it these tests are skipped, saying so.
    @Suite(
        "swaks",
        .enabled(
            if: ExternalProcess.find("swaks") != nil,
            "swaks is not on PATH: install it (Scripts/setup --test) to run these tests"))
    struct Swaks {
        /// swaks' DATA without its fix-ups (`--no-data-fixup`): the file is sent as it is, so it
        /// must be dot-stuffed already and end with the lone dot.
        static func stuffed(_ message: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            var lineStart = true
            for byte in message {
                if lineStart && byte == UInt8(ascii: ".") { out.append(byte) }
                out.append(byte)
                lineStart = byte == 10
            }
            return out + Array(".".utf8)
        }

        func swaks(_ server: TestServer, _ arguments: [String]) throws -> ExternalProcess.Result {
            try ExternalProcess.run(
                "swaks",
                ["--server", "127.0.0.1:\(server.port)", "--helo", "client.example", "--timeout", "20"] + arguments,
                timeout: 30
            )
        }

        @Test("plain session with --data: the stored message is the data, byte for byte")
        func plain() async throws {
            try await TestServer.with { server in
                let message = Messages.withDots(subject: "swaks")
                let data = try TestFiles.temporary(Self.stuffed(message))
                defer { try? FileManager.default.removeItem(at: data) }
                let result = try swaks(
                    server,
                    [
                        "--from", "alice@example.org", "--to", "bob@example.org,carol@example.org",
                        "--data", "@\(data.path)", "--no-data-fixup",
                    ])
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.contains("<-  250 2.0.0 OK: message "), "\(result)")
                #expect(result.stdout.contains("<-  221 2.0.0 practice.localhost closing connection"), "\(result)")
                let stored = try server.onlyMessage()
                #expect(stored.returnPath == "<alice@example.org>")
                #expect(stored.envelopeTo == ["<bob@example.org>", "<carol@example.org>"])
                #expect(
                    stored.receivedFrom
                        == "Received: from client.example ([127.0.0.1]) by practice.localhost (smtpsh practice server)")
                #expect(stored.protocolName == "ESMTP")
                #expect(stored.content == message, "stored:\n\(String(decoding: stored.content, as: UTF8.self))")
            }
        }

        @Test("--body: swaks' own headers and dot-stuffing; the body lines come back un-stuffed")
        func body() async throws {
            try await TestServer.with { server in
                let result = try swaks(
                    server,
                    [
                        "--from", "alice@example.org", "--to", "bob@example.org",
                        "--header", "Subject: from swaks", "--body",
                        "first line\\n.dotted line\\n..two dots\\n.\\nlast line",
                    ])
                #expect(result.status == 0, "\(result)")
                let stored = try server.onlyMessage()
                let text = String(decoding: stored.content, as: UTF8.self)
                #expect(text.contains("\r\nSubject: from swaks\r\n"), "\(text)")
                #expect(
                    text.contains("\r\n\r\nfirst line\r\n.dotted line\r\n..two dots\r\n.\r\nlast line\r\n"), "\(text)")
            }
        }

        @Test("--tls (STARTTLS): message stored with ESMTPS")
        func startTLS() async throws {
            try await TestServer.with { server in
                let message = Messages.withDots(subject: "swaks over TLS")
                let data = try TestFiles.temporary(Self.stuffed(message))
                defer { try? FileManager.default.removeItem(at: data) }
                let result = try swaks(
                    server,
                    [
                        "--tls", "--from", "alice@example.org", "--to", "bob@example.org",
                        "--data", "@\(data.path)", "--no-data-fixup",
                    ])
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.contains("<-  220 2.0.0 Ready to start TLS"), "\(result)")
                let stored = try server.onlyMessage()
                #expect(stored.protocolName == "ESMTPS")
                #expect(stored.content == message)
            }
        }

        @Test("--tls-on-connect to the implicit-TLS port")
        func implicitTLS() async throws {
            try await TestServer.with(tlsPort: true) { server in
                let tlsPort = try #require(server.tlsPort)
                let result = try ExternalProcess.run(
                    "swaks",
                    [
                        "--server", "127.0.0.1:\(tlsPort)", "--tls-on-connect", "--helo", "client.example", "--timeout",
                        "20",
                        "--from", "alice@example.org", "--to", "bob@example.org",
                    ],
                    timeout: 30
                )
                #expect(result.status == 0, "\(result)")
                #expect(try server.onlyMessage().protocolName == "ESMTPS")
            }
        }

        @Test(
            "--auth PLAIN and LOGIN and CRAM-MD5 with the practice account", arguments: ["PLAIN", "LOGIN", "CRAM-MD5"])
        func authenticate(mechanism: String) async throws {
            var configuration = PracticeServerConfiguration()
            configuration.requireAuth = true
            try await TestServer.with(configuration) { server in
                let result = try swaks(
                    server,
                    [
                        "--auth", mechanism, "--auth-user", "student", "--auth-password", "practice",
                        "--from", "alice@example.org", "--to", "bob@example.org",
                    ])
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.contains("<-  235 2.7.0 Authentication successful"), "\(result)")
                #expect(try server.onlyMessage().protocolName == "ESMTPA")
            }
        }

        @Test("--auth with a wrong password: swaks fails (exit 28), nothing stored")
        func authenticateWrongPassword() async throws {
            try await TestServer.with { server in
                let result = try swaks(
                    server,
                    [
                        "--auth", "PLAIN", "--auth-user", "student", "--auth-password", "wrong",
                        "--from", "alice@example.org", "--to", "bob@example.org",
                    ])
                #expect(result.status == 28, "\(result)")
                #expect(result.stdout.contains("<** 535 5.7.8 Authentication credentials invalid"), "\(result)")
                #expect(try server.storedMessages().isEmpty)
            }
        }

        @Test("--pipeline: MAIL, RCPT and DATA in one write, every reply right, message stored")
        func pipeline() async throws {
            try await TestServer.with { server in
                let message = Messages.withDots(subject: "pipelined")
                let data = try TestFiles.temporary(Self.stuffed(message))
                defer { try? FileManager.default.removeItem(at: data) }
                let result = try swaks(
                    server,
                    [
                        "--pipeline", "--from", "alice@example.org", "--to", "bob@example.org,carol@example.org",
                        "--data", "@\(data.path)", "--no-data-fixup",
                    ])
                #expect(result.status == 0, "\(result)")
                #expect(result.stdout.contains("<-  250 2.1.0 Sender <alice@example.org> OK"), "\(result)")
                #expect(result.stdout.contains("<-  250 2.1.5 Recipient <carol@example.org> OK"), "\(result)")
                #expect(result.stdout.contains("<-  354 End data with <CR><LF>.<CR><LF>"), "\(result)")
                let stored = try server.onlyMessage()
                #expect(stored.envelopeTo == ["<bob@example.org>", "<carol@example.org>"])
                #expect(stored.content == message)
            }
        }

        @Test("a refused recipient: swaks fails (exit 24), nothing stored")
        func refusedRecipient() async throws {
            var configuration = PracticeServerConfiguration()
            try configuration.apply(#require(BuiltInScenarios.named("queue-full")))
            try await TestServer.with(configuration) { server in
                let result = try swaks(server, ["--from", "alice@example.org", "--to", "bob@example.org"])
                #expect(result.status == 24, "\(result)")
                #expect(result.stdout.contains("<** 452 #4.3.1 queue full"), "\(result)")
                #expect(try server.storedMessages().isEmpty)
            }
        }
    }
}
