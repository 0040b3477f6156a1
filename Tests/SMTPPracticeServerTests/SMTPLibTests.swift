import Foundation
import SMTPPracticeServer
import Testing

extension PracticeServerTests {
    /// Python's smtplib, a client others wrote, against the server: the replies it reports and
    /// the stored messages, byte for byte.
    @Suite("Python smtplib")
    struct SMTPLib {
        static let ehloFeatures = [
            "8bitmime", "auth", "chunking", "dsn", "enhancedstatuscodes", "help", "pipelining", "size", "smtputf8",
        ]

        @Test("plain session: every reply, and the message stored byte for byte, dot-stuffing undone")
        func plainSession() async throws {
            try await TestServer.with { server in
                let message = Messages.withDots()
                let report = try PythonClient.run(
                    port: server.port,
                    message: message,
                    arguments: ["--from", "alice@example.org", "--to", "bob@example.org", "--to", "carol@example.org"]
                )
                #expect(report.error == nil, "\(report)")
                #expect(report.greeting == .init(code: 220, text: "practice.localhost ESMTP smtpsh practice server"))
                #expect(report.ehlo?.code == 250)
                #expect(
                    report.ehlo?.text.hasPrefix("practice.localhost greets client.example\n") == true,
                    "\(report.ehlo?.text ?? "")")
                #expect(report.features == (Self.ehloFeatures + ["starttls"]).sorted())
                #expect(report.mail == .init(code: 250, text: "2.1.0 Sender <alice@example.org> OK"))
                #expect(
                    report.rcpt == [
                        .init(code: 250, text: "2.1.5 Recipient <bob@example.org> OK"),
                        .init(code: 250, text: "2.1.5 Recipient <carol@example.org> OK"),
                    ])
                #expect(report.data?.code == 250)
                #expect(report.quit == .init(code: 221, text: "2.0.0 practice.localhost closing connection"))

                let stored = try server.onlyMessage()
                #expect(stored.returnPath == "<alice@example.org>")
                #expect(stored.envelopeTo == ["<bob@example.org>", "<carol@example.org>"])
                #expect(
                    stored.receivedFrom
                        == "Received: from client.example ([127.0.0.1]) by practice.localhost (smtpsh practice server)")
                #expect(stored.protocolName == "ESMTP")
                #expect(
                    stored.id == report.acceptedID,
                    "the stored id and the id in the 250 reply differ: \(report.data?.text ?? "-")")
                #expect(stored.content == message, "stored:\n\(String(decoding: stored.content, as: UTF8.self))")
            }
        }

        @Test("STARTTLS (self-signed certificate, unverified): EHLO again, message stored with ESMTPS")
        func startTLS() async throws {
            try await TestServer.with { server in
                let message = Messages.withDots(subject: "over TLS")
                let report = try PythonClient.run(
                    port: server.port,
                    message: message,
                    arguments: ["--starttls", "--from", "alice@example.org", "--to", "bob@example.org"]
                )
                #expect(report.error == nil, "\(report)")
                #expect(report.features?.contains("starttls") == true)
                #expect(report.starttls == .init(code: 220, text: "2.0.0 Ready to start TLS"))
                #expect(report.tls_version?.hasPrefix("TLSv1.") == true, "\(report.tls_version ?? "no TLS")")
                #expect(report.ehlo_after_tls?.code == 250)
                // After TLS: STARTTLS no longer offered, REQUIRETLS offered.
                #expect(report.features_after_tls == (Self.ehloFeatures + ["requiretls"]).sorted())
                #expect(report.data?.code == 250)
                let stored = try server.onlyMessage()
                #expect(stored.protocolName == "ESMTPS")
                #expect(stored.content == message)
            }
        }

        static let mechanisms = ["PLAIN", "LOGIN", "CRAM-MD5"]

        @Test("AUTH with the right password: 235, message stored with ESMTPA", arguments: mechanisms)
        func authenticate(mechanism: String) async throws {
            var configuration = PracticeServerConfiguration()
            configuration.requireAuth = true
            try await TestServer.with(configuration) { server in
                let message = Messages.withDots(subject: "AUTH \(mechanism)")
                let report = try PythonClient.run(
                    port: server.port,
                    message: message,
                    arguments: ["--auth", mechanism, "--from", "alice@example.org", "--to", "bob@example.org"]
                )
                #expect(report.error == nil, "\(report)")
                #expect(report.auth == .init(code: 235, text: "2.7.0 Authentication successful"))
                #expect(report.data?.code == 250)
                let stored = try server.onlyMessage()
                #expect(stored.protocolName == "ESMTPA")
                #expect(stored.content == message)
            }
        }

        @Test("AUTH with a wrong password: 535, nothing stored", arguments: mechanisms)
        func authenticateWrongPassword(mechanism: String) async throws {
            try await TestServer.with { server in
                let report = try PythonClient.run(
                    port: server.port,
                    message: Messages.withDots(),
                    arguments: [
                        "--auth", mechanism, "--password", "wrong", "--from", "alice@example.org", "--to",
                        "bob@example.org",
                    ]
                )
                #expect(report.error == nil, "\(report)")
                #expect(report.auth == .init(code: 535, text: "5.7.8 Authentication credentials invalid"))
                #expect(report.mail == nil)
                #expect(report.quit?.code == 221)
                #expect(try server.storedMessages().isEmpty)
            }
        }

        @Test("STARTTLS then AUTH PLAIN: message stored with ESMTPSA")
        func startTLSThenAuth() async throws {
            var configuration = PracticeServerConfiguration()
            configuration.authRequiresTLS = true
            try await TestServer.with(configuration) { server in
                let message = Messages.withDots()
                let report = try PythonClient.run(
                    port: server.port,
                    message: message,
                    arguments: [
                        "--starttls", "--auth", "PLAIN", "--from", "alice@example.org", "--to", "bob@example.org",
                    ]
                )
                #expect(report.error == nil, "\(report)")
                #expect(report.auth?.code == 235)
                let stored = try server.onlyMessage()
                #expect(stored.protocolName == "ESMTPSA")
                #expect(stored.content == message)
            }
        }

        @Test("SMTPUTF8: UTF-8 addresses and body, stored as sent")
        func smtpUTF8() async throws {
            try await TestServer.with { server in
                let sender = "élève@exemple.fr"
                let recipient = "受信者@例え.jp"
                let lines = [
                    "From: <\(sender)>", "To: <\(recipient)>", "Subject: Grüße, 日本語", "MIME-Version: 1.0",
                    "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
                    "Ça marche.", ".ligne qui commence par un point",
                ]
                let message = Array(lines.map { $0 + "\r\n" }.joined().utf8)
                let report = try PythonClient.run(
                    port: server.port,
                    message: message,
                    arguments: ["--mail-option", "SMTPUTF8", "--from", sender, "--to", recipient]
                )
                #expect(report.error == nil, "\(report)")
                #expect(report.mail == .init(code: 250, text: "2.1.0 Sender <\(sender)> OK"))
                #expect(report.rcpt == [.init(code: 250, text: "2.1.5 Recipient <\(recipient)> OK")])
                #expect(report.data?.code == 250)
                let stored = try server.onlyMessage()
                #expect(stored.returnPath == "<\(sender)>")
                #expect(stored.envelopeTo == ["<\(recipient)>"])
                #expect(stored.content == message)
            }
        }

        @Test("a 10 MB message, dot-stuffed lines included, stored byte for byte")
        func tenMegabytes() async throws {
            try await TestServer.with { server in
                let message = Messages.large(megabytes: 10)
                #expect(message.count >= 10 * 1_048_576)
                let report = try PythonClient.run(
                    port: server.port,
                    message: message,
                    arguments: ["--from", "alice@example.org", "--to", "bob@example.org"],
                    timeout: 45
                )
                #expect(report.error == nil, "\(report)")
                #expect(report.data?.code == 250)
                let stored = try server.onlyMessage()
                #expect(stored.content.count == message.count)
                #expect(stored.content == message)
            }
        }
    }
}
