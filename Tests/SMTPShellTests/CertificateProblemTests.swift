import Foundation
import NIOPosix
import SMTPPracticeServer
import Testing

/// Certificates that fail on purpose (`smtpsh serve --cert-problem`, issue 22): for each
/// problem, smtpsh's own `--tls-verify` and OpenSSL's `s_client` name that very failure, the
/// client trusting the practice CA (`--ca`), so the chosen problem is the only one.
@Suite struct CertificateProblemTests {
    static func withServer<T>(_ fault: CertificateFault, _ body: (_ port: Int, _ ca: URL) throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = PracticeServer.Options()
        options.port = 0
        let faulty = try TLSMaterial.faulty(fault, hostname: "practice.localhost")
        options.tlsMaterial = faulty.material
        let ca = directory.appendingPathComponent("ca.pem")
        try faulty.authorityPEM.write(to: ca, atomically: true, encoding: .utf8)
        let server = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
        let listening = try await server.start()
        do {
            let result = try body(listening.port, ca)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// What smtpsh says when `--tls-verify` refuses each problem.
    @Test(arguments: [
        (CertificateFault.expired, "the certificate has expired"),
        (.notYetValid, "not valid yet"),
        (.wrongName, "localhost"),
        (.selfSigned, "self-signed certificate"),
        (.unknownCA, "issued by an authority that is not trusted here"),
        (.weakKey, "its RSA key has only 1024 bits"),
    ])
    func smtpshRefusesEach(fault: CertificateFault, said: String) async throws {
        try await Self.withServer(fault) { port, ca in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--starttls", "--tls-verify", "--ca", ca.path, "--sni", "localhost"],
                stdin: Data("QUIT\n".utf8))
            let refusal = result.stdout.split(separator: "\n").first { $0.contains("--tls-verify refuses it") }
            #expect(refusal?.contains(said) == true, "\(fault): \(result.stdout)\(result.stderr)")
            #expect(result.status != 0)
        }
    }

    /// The same certificate's problems are the only ones: trusted with the CA, a good one passes.
    @Test func withoutAProblemTheCAIsEnough() async throws {
        // wrong-name's certificate, asked for by its own name, verifies: only the name was wrong.
        try await Self.withServer(.wrongName) { port, ca in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--starttls", "--tls-verify", "--ca", ca.path, "--sni", "wrong-name.invalid"],
                stdin: Data("QUIT\n".utf8))
            #expect(!result.stdout.contains("refuses it"), "\(result.stdout)")
            #expect(result.stdout.contains("verification: trusted"), "\(result.stdout)")
        }
    }

    /// OpenSSL names each failure by its verify code.
    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "openssl is not installed"),
        arguments: [
            (CertificateFault.expired, "certificate has expired"),
            (.notYetValid, "certificate is not yet valid"),
            (.wrongName, "hostname mismatch"),
            (.selfSigned, "self-signed certificate"),
            (.unknownCA, "unable to get local issuer certificate"),
            (.weakKey, "EE certificate key too weak"),
        ])
    func opensslNamesEach(fault: CertificateFault, error: String) async throws {
        try await Self.withServer(fault) { port, ca in
            let result = try BinaryRunner.run(
                ["s_client", "-connect", "127.0.0.1:\(port)", "-starttls", "smtp", "-CAfile", ca.path,
                 "-verify_hostname", "localhost", "-verify_return_error", "-brief"],
                stdin: Data("QUIT\r\n".utf8), executable: URL(fileURLWithPath: "/usr/bin/openssl"))
            #expect((result.stdout + result.stderr).contains(error), "\(fault): \(result.stdout)\(result.stderr)")
        }
    }
}
