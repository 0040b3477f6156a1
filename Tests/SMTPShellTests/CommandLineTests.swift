import Foundation
import Testing
@testable import SMTPShell

/// The built binary, run as a user runs it.
@Suite struct CommandLineTests {
    @Test func versionPrintsTheVersion() throws {
        let result = try BinaryRunner.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == SMTPShellVersion.current + "\n")
    }

    @Test func helpDescribesTheTool() throws {
        let result = try BinaryRunner.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Usage: smtpsh"))
        #expect(result.stdout.contains("interactive SMTP test client"))
    }

    @Test func anUnknownOptionIsAUsageError() throws {
        let result = try BinaryRunner.run(["--no-such-option"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--no-such-option"))
    }
}
