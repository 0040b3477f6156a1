import Foundation
import SMTPCatalog
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

    @Test func aMisspeltOptionGetsASuggestionAndTheUsage() throws {
        let result = try BinaryRunner.run(["--timout", "3", "mail.example.org"])
        #expect(result.status == 64)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "smtpsh: unknown option --timout (did you mean --timeout?)")
        #expect(lines.dropFirst().first == "Usage: smtpsh [connect] [options] <host> [<port>]")
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: [
        (["serve", "--port", "99999"], "--port must be a whole number from 0 to 65535, not \"99999\""),
        (["demo", "extra"], "unexpected argument \"extra\""),
        (["mail.example.org", "--timeout"], "--timeout needs a value (seconds)"),
        (["mail.example.org", "--color", "blue"], "--color must be one of auto, always, never, not \"blue\""),
        (["-4", "-6", "mail.example.org"], "-4 and -6 cannot be used together"),
        (["--no-explain=yes", "mail.example.org"], "--no-explain takes no value"),
        (["mail.example.org", "--ehlo", "a", "--ehlo", "b"], "--ehlo was given twice; give it once"),
        (["help", "frobnicate"], "no command named \"frobnicate\" (the commands are connect, demo, send, replay, learn, serve, explain and export)"),
        (["mail.example.org:0"], "the port must be a number from 1 to 65535, not \"0\""),
    ])
    func usageErrors(arguments: [String], message: String) throws {
        let result = try BinaryRunner.run(arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").first.map(String.init) == "smtpsh: " + message)
    }

    @Test func helpFollowsTheLanguage() throws {
        let french = try BinaryRunner.run(["serve", "--help"], environment: ["LANG": "fr_FR.UTF-8"])
        #expect(french.status == 0)
        #expect(french.stdout.contains("Utilisation\u{00A0}: smtpsh serve [options]"), "\(french.stdout)")
        #expect(french.stdout.contains("--max-recipients <count>"))
        let japanese = try BinaryRunner.run(["--help"], environment: ["LANGUAGE": "ja", "LANG": "en_US.UTF-8"])
        #expect(japanese.stdout.contains("使い方：smtpsh"), "\(japanese.stdout)")
        // --lang wins over the environment, also for errors.
        let error = try BinaryRunner.run(["demo", "extra", "--lang", "ja"], environment: ["LANG": "fr_FR.UTF-8"])
        #expect(error.status == 64)
        #expect(error.stderr.hasPrefix("smtpsh: " + Catalog.shared.message("usage-unexpected-argument", in: .ja, ["argument": "extra"])))
    }

    @Test func helpNamesEveryCommandAndOption() throws {
        let result = try BinaryRunner.run(["help"])
        for command in ["connect", "demo", "serve", "explain"] { #expect(result.stdout.contains("  \(command) ")) }
        let serve = try BinaryRunner.run(["help", "serve"])
        for option in ServeCommand.spec.options { #expect(serve.stdout.contains("--" + option.long), "--\(option.long)") }
    }
}
