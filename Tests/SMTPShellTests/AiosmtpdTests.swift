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
