import Foundation
import NIOPosix
import SMTPPracticeServer
import Testing

/// STARTTLS, --starttls, --tls and the certificate report, against the practice server on
/// loopback (its self-signed certificate, or one the test makes it use).
@Suite struct TLSSessionTests {
    /// A practice server with a TLS port, its certificate (PEM) and a directory for messages.
    static func withServer<T>(_ body: (_ plain: Int, _ tls: Int, _ certificatePEM: URL, _ messages: URL) throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = PracticeServer.Options()
        options.port = 0
        options.tlsPort = 0
        options.messageDirectory = directory.appendingPathComponent("mail")
        let material = try TLSMaterial.selfSigned(hostname: "practice.localhost")
        options.tlsMaterial = material
        let pem = directory.appendingPathComponent("practice.pem")
        let der = try material.certificateChain[0].toDERBytes()
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        try "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n".write(to: pem, atomically: true, encoding: .utf8)
        let server = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
        let listening = try await server.start()
        do {
            let result = try body(listening.port, listening.tlsPort ?? 0, pem, options.messageDirectory!)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    static let message = "MAIL FROM:<alice@example.org>\nRCPT TO:<bob@example.org>\nDATA\nSubject: tls\n\nover TLS\n.\nQUIT\n"

    @Test func startTLSInPlaceThenTheWholeSession() async throws {
        try await Self.withServer { plain, _, _, messages in
            let script = "EHLO me.example\nSTARTTLS\nEHLO me.example\n" + Self.message
            let result = try BinaryRunner.run(["127.0.0.1", String(plain), "--no-explain"], stdin: Data(script.utf8))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("<-  220 2.0.0 Ready to start TLS"))
            #expect(result.stdout.contains("=== TLS 1.3 established with 127.0.0.1"), "\(result.stdout)")
            #expect(result.stdout.contains("=== certificate: O=smtpsh practice server,CN=practice.localhost"))
            #expect(result.stdout.contains("names: practice.localhost, localhost, 127.0.0.1, ::1; valid from"), "\(result.stdout)")
            #expect(result.stdout.contains("chain length: 1; verification: failed (self-signed certificate)"))
            #expect(result.stdout.contains("=== the session starts over under TLS: send EHLO again"))
            // After the handshake, lines are marked as encrypted; the server offers AUTH under TLS.
            #expect(result.stdout.contains(" ~> EHLO me.example"))
            #expect(result.stdout.contains("<~  250 2.0.0 Message accepted") || result.stdout.contains("<~  250 2.0.0"), "\(result.stdout)")
            let stored = PipedSessionTests.stored(messages)
            #expect(stored.count == 1)
            #expect(stored.first?.contains("over TLS") == true)
        }
    }

    @Test func startTLSOptionDoesEHLOAndSTARTTLSByItself() async throws {
        try await Self.withServer { plain, _, _, _ in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(plain), "--starttls", "--ehlo", "auto.example", "--no-explain"], stdin: Data(Self.message.utf8))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let sent = lines.filter { $0.hasPrefix(" -> ") || $0.hasPrefix(" ~> ") }
            #expect(Array(sent.prefix(4)) == [" -> EHLO auto.example", " -> STARTTLS", " ~> EHLO auto.example", " ~> MAIL FROM:<alice@example.org>"], "\(result.stdout)")
        }
    }

    @Test func implicitTLSFromTheFirstByte() async throws {
        try await Self.withServer { _, tls, _, _ in
            let result = try BinaryRunner.run(["127.0.0.1", String(tls), "--tls", "--no-explain"], stdin: Data("EHLO me.example\nQUIT\n".utf8))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("=== TLS 1.3 established"))
            // The suite the server chose, read from its ServerHello.
            #expect(result.stdout.contains("=== cipher: TLS_AES_128_GCM_SHA256\n"), "\(result.stdout)")
            #expect(result.stdout.contains("<~  220 practice.localhost"), "\(result.stdout)")
            #expect(result.stdout.contains("<~  221"))
            // Nothing was offered before TLS: no "session starts over" reminder.
            #expect(!result.stdout.contains("starts over"), "\(result.stdout)")
        }
    }

    @Test func verificationFailureIsReportedAndRefusedWithTLSVerify() async throws {
        try await Self.withServer { _, tls, _, _ in
            let result = try BinaryRunner.run(["127.0.0.1", String(tls), "--tls", "--tls-verify"], stdin: Data("QUIT\n".utf8))
            #expect(result.status == 8, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("*** the server's certificate did not verify, and --tls-verify refuses it: self-signed certificate"), "\(result.stdout)")
            #expect(result.stdout.contains("=== to trust this very certificate: --ca FILE"), "\(result.stdout)")
            #expect(!result.stdout.contains("<~  220"))
        }
    }

    @Test func aTrustedCertificateWithTheRightName() async throws {
        try await Self.withServer { _, tls, pem, _ in
            let trusted = try BinaryRunner.run(
                ["127.0.0.1", String(tls), "--tls", "--tls-verify", "--ca", pem.path, "--sni", "practice.localhost"],
                stdin: Data("QUIT\n".utf8))
            #expect(trusted.status == 0, "\(trusted.stdout)\(trusted.stderr)")
            #expect(trusted.stdout.contains("=== TLS 1.3 established with practice.localhost"), "\(trusted.stdout)")
            #expect(trusted.stdout.contains("verification: trusted"), "\(trusted.stdout)")

            let mismatch = try BinaryRunner.run(
                ["127.0.0.1", String(tls), "--tls", "--tls-verify", "--ca", pem.path, "--sni", "mail.example.org"],
                stdin: Data("QUIT\n".utf8))
            #expect(mismatch.status == 8, "\(mismatch.stdout)\(mismatch.stderr)")
            #expect(mismatch.stdout.contains("the certificate is not for mail.example.org"), "\(mismatch.stdout)")
        }
    }

    @Test func plainTextOnATLSConnectionIsOneClearLine() async throws {
        try await Self.withServer { plain, _, _, _ in
            let result = try BinaryRunner.run(["127.0.0.1", String(plain), "--tls"], stdin: Data("QUIT\n".utf8))
            #expect(result.status == 7, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("the server does not speak TLS here"), "\(result.stdout)")
            #expect(!result.stderr.contains("Fatal error"))
        }
    }

    /// Bytes sent in clear right after the 220 to STARTTLS would be read as if they came
    /// under TLS (CVE-2011-0411): smtpsh says so and closes, and never shows them as a reply.
    @Test func bytesInjectedAfterTheSTARTTLSReplyAreRefused() throws {
        let server = try RawServer { connection in
            connection.send("220 ready\r\n")
            _ = connection.readLine(timeout: 10)  // EHLO
            connection.send("250-tls.example\r\n250 STARTTLS\r\n")
            _ = connection.readLine(timeout: 10)  // STARTTLS
            connection.send("220 go ahead\r\n250 injected\r\n")
            Thread.sleep(forTimeInterval: 1)
            connection.close()
        }
        defer { server.finish() }
        let result = try BinaryRunner.run(
            ["127.0.0.1", String(server.port), "--no-explain"], stdin: Data("EHLO me.example\nSTARTTLS\nMAIL FROM:<a@example.org>\n".utf8))
        #expect(result.status == 7, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("CVE-2011-0411"), "\(result.stdout)")
        #expect(!result.stdout.contains("250 injected"), "\(result.stdout)")
        #expect(!server.receivedText.contains("MAIL FROM"), "\(server.receivedText)")
    }

    /// A server that advertises STARTTLS, says 220, and then does not speak TLS: one clear
    /// line, exit status 7, no stack trace.
    @Test func aServerThatBreaksAfterSTARTTLS() throws {
        let server = try RawServer { connection in
            connection.send("220 ready\r\n")
            _ = connection.readLine(timeout: 10)
            connection.send("250-broken.example\r\n250 STARTTLS\r\n")
            _ = connection.readLine(timeout: 10)
            connection.send("220 go ahead\r\n")
            Thread.sleep(forTimeInterval: 0.3)
            connection.send("this is not TLS at all\r\n")
            Thread.sleep(forTimeInterval: 0.5)
            connection.close()
        }
        defer { server.finish() }
        let result = try BinaryRunner.run(
            ["127.0.0.1", String(server.port), "--no-explain"], stdin: Data("EHLO me.example\nSTARTTLS\nEHLO me.example\n".utf8))
        #expect(result.status == 7, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("*** TLS handshake failed"), "\(result.stdout)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Backtrac"), "\(result.stderr)")
        // The EHLO typed after STARTTLS never went out in clear.
        #expect(server.receivedText.components(separatedBy: "EHLO").count == 2, "\(server.receivedText)")
    }

    @Test func aClientCertificateIsPresented() async throws {
        try await Self.withServer { _, tls, pem, _ in
            // The practice server does not ask for one; the handshake must still work with it,
            // and a missing key file is a usage error.
            let key = pem.deletingLastPathComponent().appendingPathComponent("missing-key.pem")
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(tls), "--tls", "--tls-cert", pem.path, "--tls-key", key.path], stdin: Data("QUIT\n".utf8))
            #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("cannot read"), "\(result.stderr)")
        }
    }
}
