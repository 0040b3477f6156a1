import Foundation
import Testing

/// The same session against a server others wrote: aiosmtpd (PyPI), with STARTTLS
/// required before AUTH, a certificate made for the test, and one account.
@Suite(.serialized, .enabled(if: AiosmtpdServer.isAvailable, "python3 with aiosmtpd, and openssl, are needed (Scripts/setup --test)"))
struct AiosmtpdTests {
    @Test func startTLSAuthAndAMessage() throws {
        let server = try AiosmtpdServer(user: "alice", password: "Wonder-land9")
        defer { server.stop() }
        let script = """
            EHLO me.example
            :auth plain alice
            MAIL FROM:<alice@example.org>
            RCPT TO:<bob@example.org>
            DATA
            Subject: to aiosmtpd

            hello from smtpsh
            .
            QUIT

            """
        let result = try BinaryRunner.run(
            ["127.0.0.1", String(server.port), "--starttls", "--ca", server.certificate.path, "--sni", "aiosmtpd.localhost",
             "--tls-verify", "--no-explain"],
            stdin: Data(script.utf8), environment: ["SMTPSH_PASSWORD": "Wonder-land9"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // The report is right for the test certificate.
        #expect(result.stdout.contains("=== TLS 1.3 established with aiosmtpd.localhost"), "\(result.stdout)")
        // OpenSSL (Python's ssl) chooses among the TLS 1.3 suites.
        #expect(result.stdout.contains("=== cipher: TLS_AES_") || result.stdout.contains("=== cipher: TLS_CHACHA20_"), "\(result.stdout)")
        #expect(result.stdout.contains("=== certificate: CN=aiosmtpd.localhost, issued by CN=aiosmtpd.localhost"))
        #expect(result.stdout.contains("=== names: aiosmtpd.localhost, 127.0.0.1; valid from"))
        #expect(result.stdout.contains("verification: trusted"))
        // AUTH was offered only under TLS, and went through.
        #expect(!result.stdout.contains("<-  250-AUTH"))
        #expect(result.stdout.contains("<~  250-AUTH LOGIN PLAIN"))
        #expect(result.stdout.contains(" ~> AUTH PLAIN ********"))
        #expect(result.stdout.contains("<~  235 2.7.0 Authentication successful"))
        #expect(!result.stdout.contains("Wonder-land9"))
        let stored = server.messages()
        #expect(stored.count == 1)
        #expect(stored.first?.contains("hello from smtpsh") == true)
        #expect(stored.first?.contains("X-Envelope-To: bob@example.org") == true)

        // smtpsh send: the same in one command; aiosmtpd stores the body as sent.
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-body-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: body) }
        try ".starts with a dot\nplain line\n".write(to: body, atomically: true, encoding: .utf8)
        let sent = try BinaryRunner.run(
            ["send", "127.0.0.1", String(server.port), "--starttls", "--ca", server.certificate.path, "--sni", "aiosmtpd.localhost",
             "--auth", "login", "--user", "alice", "--from", "alice@example.org", "--to", "carol@example.org",
             "--subject", "sent by smtpsh send", "--body", body.path, "--no-explain"],
            environment: ["SMTPSH_PASSWORD": "Wonder-land9"])
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        let messages = server.messages()
        #expect(messages.count == 2)
        let second = messages.last ?? ""
        #expect(second.contains("Subject: sent by smtpsh send\r\n"), "\(second)")
        #expect(second.hasSuffix("\r\n\r\n.starts with a dot\r\nplain line\r\n"), "\(second)")

        // (Wrong passwords are tested against the practice server: aiosmtpd 1.4.6 keeps a
        // session whose authenticator refused it open without a reply.)
    }

    /// `smtpsh send` under STARTTLS (aiosmtpd refuses MAIL before it; AUTH is not required).
    private func send(to server: AiosmtpdServer, _ arguments: [String]) throws -> BinaryRunner.Result {
        try BinaryRunner.run(
            ["send", "127.0.0.1", String(server.port), "--starttls", "--ca", server.certificate.path, "--sni", "aiosmtpd.localhost",
             "--from", "alice@example.org"] + arguments + ["--no-explain"])
    }

    /// `--data FILE`: the server stores, after un-stuffing, exactly the file's bytes.
    @Test func sendDataIsStoredByteForByte() throws {
        let server = try AiosmtpdServer(user: "alice", password: "Wonder-land9")
        defer { server.stop() }
        // CRLF line ends; lines that must be dot-stuffed on the wire; trailing white space;
        // UTF-8 (with a decomposed é, which a String comparison would not tell from é).
        let lines = [
            "From: <alice@example.org>", "To: <carol@example.org>", "Subject: byte for byte", "X-Test: aiosmtpd", "",
            ".starts with one dot", "..starts with two dots", "...", ".", "trailing spaces   ", "trailing tab\t", " leading space", "",
            "UTF-8: caf\u{E9}, e\u{301}, \u{65E5}\u{672C}\u{8A9E}, Gr\u{FC}\u{DF}e \u{1F642}", "last line",
        ]
        let message = Data(lines.map { $0 + "\r\n" }.joined().utf8)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-data-\(UUID().uuidString).eml")
        defer { try? FileManager.default.removeItem(at: file) }
        try message.write(to: file)

        let result = try send(to: server, ["--to", "carol@example.org", "--data", file.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("<~  250 2.0.0 Message accepted for delivery"), "\(result.stdout)")
        let stored = server.messageBytes()
        #expect(stored.count == 1)
        #expect(server.messages().first?.hasPrefix("X-Envelope-From: alice@example.org\r\nX-Envelope-To: carol@example.org\r\n") == true)
        let received = try #require(stored.first.flatMap { $0 }, "the stored file does not start with the server's two lines")
        #expect(received == message, "\(String(decoding: received, as: UTF8.self).debugDescription)")
    }

    /// A refused RCPT TO: the session stops there (no further RCPT, no DATA), QUIT, status 15.
    @Test func sendRecipientRefused() throws {
        let server = try AiosmtpdServer(user: "alice", password: "Wonder-land9")
        defer { server.stop() }
        let result = try send(to: server, ["--to", "bob@example.org", "--to", "reject@example.org", "--to", "carol@example.org"])
        #expect(result.status == 15, "\(result.stdout)\(result.stderr)")
        // Under TLS the transcript marks sent lines " ~> " (" -> " before STARTTLS).
        #expect(result.stdout.contains(" ~> RCPT TO:<bob@example.org>\n<~  250 OK"), "\(result.stdout)")
        #expect(result.stdout.contains(" ~> RCPT TO:<reject@example.org>\n<~  550 5.1.1 <reject@example.org>: no such user"), "\(result.stdout)")
        #expect(!result.stdout.contains("RCPT TO:<carol@example.org>"), "\(result.stdout)")
        #expect(!result.stdout.contains(" ~> DATA") && !result.stdout.contains(" -> DATA"), "\(result.stdout)")
        #expect(result.stdout.contains(" ~> QUIT\n<~  221 Bye"), "\(result.stdout)")
        #expect(server.messages().isEmpty)
    }

    /// A message refused after the final dot: status 17, nothing stored; the same message
    /// without the header that the server refuses goes through.
    @Test func sendMessageRefused() throws {
        let server = try AiosmtpdServer(user: "alice", password: "Wonder-land9")
        defer { server.stop() }
        let result = try send(to: server, ["--to", "bob@example.org", "--header", "X-Reject: yes"])
        #expect(result.status == 17, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" ~> DATA\n<~  354 "), "\(result.stdout)")
        #expect(result.stdout.contains(" ~> X-Reject: yes\n"), "\(result.stdout)")
        #expect(result.stdout.contains(" ~> .\n<~  554 5.6.0 message refused by policy"), "\(result.stdout)")
        #expect(result.stdout.contains(" ~> QUIT\n<~  221 Bye"), "\(result.stdout)")
        #expect(server.messages().isEmpty)

        let accepted = try send(to: server, ["--to", "bob@example.org", "--header", "X-Reject: no"])
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
        #expect(server.messages().count == 1)
    }
}

/// aiosmtpd run by `Servers/aiosmtpd_server.py`, with a certificate made by openssl.
final class AiosmtpdServer {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Servers/aiosmtpd_server.py")

    static var isAvailable: Bool {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import aiosmtpd"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    let directory: URL
    let certificate: URL
    let port: Int
    private let process = Process()
    private let input = Pipe()

    init(user: String, password: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-aiosmtpd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("mail"), withIntermediateDirectories: true)
        certificate = directory.appendingPathComponent("cert.pem")
        let key = directory.appendingPathComponent("key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.path,
            "-out", certificate.path, "-days", "2", "-subj", "/CN=aiosmtpd.localhost",
            "-addext", "subjectAltName=DNS:aiosmtpd.localhost,IP:127.0.0.1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        let portFile = directory.appendingPathComponent("port")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Self.script.path, "--cert", certificate.path, "--key", key.path, "--user", user,
            "--password", password, "--maildir", directory.appendingPathComponent("mail").path, "--port-file", portFile.path,
        ]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while found == nil && Date() < deadline && process.isRunning {
            found = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) }
            if found == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let found else {
            process.terminate()
            throw AiosmtpdError(description: "aiosmtpd did not start")
        }
        port = found
    }

    func messages() -> [String] {
        let mail = directory.appendingPathComponent("mail")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: mail.path)) ?? []).sorted()
        return names.compactMap { try? String(contentsOf: mail.appendingPathComponent($0), encoding: .utf8) }
    }

    /// Each stored message as the client sent it (after aiosmtpd undid the dot-stuffing): the
    /// file's bytes without the `X-Envelope-From:` and `X-Envelope-To:` lines the server puts
    /// first; `nil` for a file that does not start with those two lines.
    func messageBytes() -> [Data?] {
        let mail = directory.appendingPathComponent("mail")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: mail.path)) ?? []).sorted()
        return names.map { name -> Data? in
            guard let data = try? Data(contentsOf: mail.appendingPathComponent(name)) else { return nil }
            var bytes = [UInt8](data)
            for field in ["X-Envelope-From: ", "X-Envelope-To: "] {
                guard bytes.starts(with: Array(field.utf8)) else { return nil }
                var end = 0
                while end + 1 < bytes.count && !(bytes[end] == 13 && bytes[end + 1] == 10) { end += 1 }
                guard end + 1 < bytes.count else { return nil }
                bytes.removeFirst(end + 2)
            }
            return Data(bytes)
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: directory)
    }
}

struct AiosmtpdError: Error, CustomStringConvertible {
    var description: String
}
