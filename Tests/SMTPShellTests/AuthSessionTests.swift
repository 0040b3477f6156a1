import Foundation
import SMTPCore
import Testing

/// `:auth` against the practice server: each mechanism right and wrong, the secret from a
/// file or the environment, and no trace of it in what smtpsh prints.
@Suite struct AuthSessionTests {
    static let secret = "Zq9-s3cret"
    /// Every form the secret could leak in.
    static let traces = [
        secret, Base64.encode(Array(secret.utf8)), Base64.encode(Array("\0student\0\(secret)".utf8)),
    ]

    /// The practice server with a certificate the client trusts with `--ca` (the second
    /// argument): credentials go only where the certificate verifies (issue 15).
    static func withServer<T>(_ body: (Int, [String]) throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (material, pem) = try HostileCertificates.make(
            commonName: "practice.localhost", names: ["practice.localhost"], addresses: [[127, 0, 0, 1]], in: directory)
        return try await PipedSessionTests.withServer({
            $0.configuration.password = secret
            $0.tlsMaterial = material
        }) { port, _ in try body(port, ["--ca", pem.path]) }
    }

    @Test(arguments: ["plain", "login", "cram-md5"])
    func eachMechanismRightAndWrong(mechanism: String) async throws {
        try await Self.withServer { port, trust in
            let script = Data("EHLO me.example\n:auth \(mechanism) student\nQUIT\n".utf8)
            let right = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--starttls", "--no-explain"] + trust, stdin: script, environment: ["SMTPSH_PASSWORD": Self.secret])
            #expect(right.status == 0, "\(right.stdout)\(right.stderr)")
            #expect(right.stdout.contains("<~  235 2.7.0 Authentication successful"), "\(right.stdout)")
            #expect(right.stdout.contains(" ~> AUTH \(mechanism.uppercased())"))
            for trace in Self.traces { #expect(!right.stdout.contains(trace), "\(trace) in \(right.stdout)") }

            let wrong = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--starttls", "--no-explain"] + trust, stdin: script, environment: ["SMTPSH_PASSWORD": "not-it"])
            #expect(wrong.status == 1, "\(wrong.stdout)\(wrong.stderr)")
            #expect(wrong.stdout.contains("535 5.7.8"), "\(wrong.stdout)")
        }
    }

    @Test func theSecretFromAFileAndAWarningForTheCommandLine() async throws {
        try await Self.withServer { port, _ in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-secret-\(UUID().uuidString)")
            try (Self.secret + "\r\n").write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let script = Data("EHLO me.example\n:auth plain\nQUIT\n".utf8)
            // Without TLS the credentials go only with --auth-insecure, after the warning.
            let fromFile = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--user", "student", "--password-file", file.path, "--no-explain", "--auth-insecure"], stdin: script)
            #expect(fromFile.stdout.contains("235 2.7.0"), "\(fromFile.stdout)")
            #expect(fromFile.stdout.contains("*** no TLS on this connection: PLAIN sends the secret itself"))
            #expect(fromFile.stdout.contains(" -> AUTH PLAIN ********"))

            let fromArgument = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--user", "student", "--password", Self.secret, "--no-explain", "--auth-insecure"], stdin: script)
            #expect(fromArgument.stdout.contains("235 2.7.0"))
            #expect(fromArgument.stderr.contains("--password can be read by other users"), "\(fromArgument.stderr)")

            let noSecret = try BinaryRunner.run(["127.0.0.1", String(port), "--no-explain"], stdin: Data("EHLO me.example\n:auth plain student\nQUIT\n".utf8))
            #expect(noSecret.stdout.contains("needs the secret in --password-file"), "\(noSecret.stdout)")
            #expect(!noSecret.stdout.contains(" -> AUTH"))
        }
    }

    /// Typed by hand, AUTH PLAIN with its base64 is a secret too.
    @Test func aTypedAuthPlainLineIsShownRedacted() async throws {
        try await Self.withServer { port, _ in
            let encoded = Base64.encode(Array("\0student\0\(Self.secret)".utf8))
            let result = try BinaryRunner.run(["127.0.0.1", String(port), "--no-explain"], stdin: Data("EHLO me.example\nAUTH PLAIN \(encoded)\nQUIT\n".utf8))
            #expect(result.stdout.contains(" -> AUTH PLAIN ********"), "\(result.stdout)")
            #expect(result.stdout.contains("235 2.7.0"))
            #expect(!result.stdout.contains(encoded))
        }
    }

    /// Only when asked: --show-secrets shows what AUTH sent.
    @Test func showSecretsShowsThem() async throws {
        try await Self.withServer { port, _ in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--show-secrets", "--no-explain", "--auth-insecure"],
                stdin: Data("EHLO me.example\n:auth login student\nQUIT\n".utf8), environment: ["SMTPSH_PASSWORD": Self.secret])
            #expect(result.stdout.contains(" -> " + Base64.encode(Array(Self.secret.utf8))), "\(result.stdout)")
            #expect(result.stdout.contains("235 2.7.0"))
        }
    }
}
