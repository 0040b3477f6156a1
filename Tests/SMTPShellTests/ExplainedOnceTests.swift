import Foundation
import Testing

/// Issue 18, "explanations said once": each EHLO keyword is explained the first time it is
/// seen in a session, a later EHLO reply says what changed, SIZE is worded by the value the
/// server gave, and `--starttls` no longer explains the extensions twice before the prompt.
@Suite(.serialized) struct ExplainedOnceTests {
    /// The lines printed before the first prompt: everything before the QUIT smtpsh sends
    /// when standard input ends.
    static func beforePrompt(_ output: String) -> [String] {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let end = lines.firstIndex { $0.hasPrefix(" ~> QUIT") || $0.hasPrefix(" -> QUIT") } ?? lines.count
        return Array(lines[..<end])
    }

    /// With `--starttls`, on an 80-column terminal, the practice server's session printed 118
    /// lines before the first prompt (commit 0099d41: both EHLO replies explained keyword by
    /// keyword, in paragraphs); fewer than half of that now.
    @Test("18: --starttls prints fewer than half the lines before the first prompt, each keyword explained once")
    func startTLSExplainsTheExtensionsOnce() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(
                ["--starttls", "--color", "never", "127.0.0.1", String(port)], stdin: Data(), environment: ["COLUMNS": "80"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let lines = Self.beforePrompt(result.stdout)
            #expect(lines.count < 118 / 2, "\(lines.count) lines:\n\(lines.joined(separator: "\n"))")
            // Both EHLO replies are shown whole; the extensions are explained once, after TLS.
            #expect(lines.filter { $0.hasPrefix("<-  250-PIPELINING") || $0.hasPrefix("<~  250-PIPELINING") }.count == 2)
            #expect(lines.filter { $0.hasPrefix("      PIPELINING ") }.count == 1, "\(result.stdout)")
            #expect(lines.contains("      Extensions explained after STARTTLS (what the server offers under TLS is what counts)."))
            // What changed under TLS (the practice server offers REQUIRETLS only there).
            #expect(lines.contains("      Extensions changed since the last EHLO: +REQUIRETLS, \u{2212}STARTTLS."), "\(result.stdout)")
            #expect(lines.contains { $0.hasPrefix("      SIZE ") && $0.contains("52 MB") })
        }
    }

    /// A second EHLO in the same session (no TLS): no keyword explained again.
    @Test("18: a second EHLO reply says the extensions are the same and explains none again")
    func aSecondEHLOIsNotExplainedAgain() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let input = "EHLO one.example\nEHLO two.example\nQUIT\n"
            let result = try BinaryRunner.run(
                ["--color", "never", "127.0.0.1", String(port)], stdin: Data(input.utf8), environment: ["COLUMNS": "100"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.components(separatedBy: "      PIPELINING ").count - 1 == 1, "\(result.stdout)")
            #expect(result.stdout.contains("      Same extensions as at the last EHLO."), "\(result.stdout)")
        }
    }

    /// The paragraphs (`--explain full`) say only what the server's SIZE says.
    @Test("18: SIZE is explained by the value the server gave, not every case")
    func sizeIsWordedByItsValue() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(
                ["--explain", "full", "--color", "never", "127.0.0.1", String(port)], stdin: Data("EHLO one.example\nQUIT\n".utf8),
                environment: ["COLUMNS": "200"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("Message size declaration (RFC 1870): messages up to 52 MB are accepted."), "\(result.stdout)")
            #expect(!result.stdout.contains("SIZE 0"), "\(result.stdout)")
            #expect(!result.stdout.contains("without a number"), "\(result.stdout)")
        }
        let zero = try BinaryRunner.run(["explain", "SIZE 0"], environment: ["COLUMNS": "200"])
        #expect(zero.stdout.contains("no fixed limit (SIZE 0)"), "\(zero.stdout)")
        #expect(!zero.stdout.contains("messages up to"), "\(zero.stdout)")
        let bare = try BinaryRunner.run(["explain", "SIZE"], environment: ["COLUMNS": "200"])
        #expect(bare.stdout.contains("the server does not state its limit"), "\(bare.stdout)")
    }
}
