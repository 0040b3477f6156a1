import Foundation
import Testing

@testable import SMTPShell

/// `smtpsh manual` and `smtpsh completions`: generated from the command definitions, so
/// every option of every command is in them; checked by the tools that read them.
@Suite struct ManualAndCompletionTests {
    static func which(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ tool: String, _ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func file(_ name: String, _ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-\(UUID().uuidString)-\(name)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func theManualHasEveryCommandAndOptionAndRendersCleanly() throws {
        let result = try BinaryRunner.run(["manual"])
        #expect(result.status == 0)
        let page = result.stdout
        #expect(page.hasPrefix(".TH SMTPSH 1 "))
        for command in SMTPShellCommand.commands {
            for option in command.options where !option.isShortOnly {
                #expect(page.contains("\\fB\\-\\-" + option.long.replacingOccurrences(of: "-", with: "\\-") + "\\fR"), "--\(option.long) of \(command.name)")
            }
        }
        for section in [".SH NAME", ".SH SYNOPSIS", ".SH COMMANDS", ".SH \"LOCAL COMMANDS\"", ".SH \"EXIT STATUS\"", ".SH ENVIRONMENT", ".SH FILES"] {
            #expect(page.contains("\n" + section + "\n"), "\(section)")
        }
        guard let groff = Self.which("groff") else { return }
        let url = try Self.file("smtpsh.1", page)
        defer { try? FileManager.default.removeItem(at: url) }
        // groff's own complaints (standard error only: the page itself says "warning").
        let complaints = try Self.run("/bin/bash", ["-c", "'\(groff)' -man -Tutf8 -ww '\(url.path)' 2>&1 >/dev/null"])
        #expect(complaints.status == 0)
        #expect(complaints.output.isEmpty, "\(complaints.output.prefix(2000))")
        let rendered = try Self.run(groff, ["-man", "-Tutf8", url.path])
        #expect(rendered.output.contains("smtpsh replay"))
    }

    @Test func bashCompletesCommandsOptionsAndValues() throws {
        let result = try BinaryRunner.run(["completions", "bash"])
        #expect(result.status == 0)
        let script = try Self.file("smtpsh.bash", result.stdout)
        defer { try? FileManager.default.removeItem(at: script) }
        func complete(_ words: [String]) throws -> [String] {
            let quoted = words.map { "'\($0)'" }.joined(separator: " ")
            let run = try Self.run("/bin/bash", ["-c", "source '\(script.path)'; COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); _smtpsh; printf '%s\\n' \"${COMPREPLY[@]}\""])
            #expect(run.status == 0, "\(run.output)")
            return run.output.split(separator: "\n").map(String.init)
        }
        #expect(try complete(["smtpsh", "send", "--quit-"]) == ["--quit-after"])
        #expect(try complete(["smtpsh", "send", "--quit-after", "r"]) == ["rcpt"])
        #expect(try complete(["smtpsh", "--color", "a"]) == ["auto", "always"])
        #expect(try complete(["smtpsh", "repl"]).contains("replay"))
        #expect(try complete(["smtpsh", "learn", "--la"]) == ["--large", "--lang"])
        // A scenario is a built-in name (or a file: files in the current directory come too).
        #expect(try complete(["smtpsh", "serve", "--scenario", "queue-f"]).contains("queue-full"))
        #expect(try complete(["smtpsh", "demo", "--scenario", "too-many-r"]).contains("too-many-recipients"))
    }

    @Test(.enabled(if: ManualAndCompletionTests.which("fish") != nil, "fish is not installed"))
    func fishCompletesCommandsAndOptions() throws {
        let result = try BinaryRunner.run(["completions", "fish"])
        let script = try Self.file("smtpsh.fish", result.stdout)
        defer { try? FileManager.default.removeItem(at: script) }
        let run = try Self.run(Self.which("fish")!, ["-c", "source '\(script.path)'; complete -C 'smtpsh send --pipe'; complete -C 'smtpsh le'"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("--pipeline\t"), "\(run.output)")
        #expect(run.output.contains("learn\t"), "\(run.output)")
    }

    @Test(.enabled(if: ManualAndCompletionTests.which("zsh") != nil, "zsh is not installed"))
    func zshReadsItsScript() throws {
        let result = try BinaryRunner.run(["completions", "zsh"])
        #expect(result.stdout.hasPrefix("#compdef smtpsh\n"))
        let script = try Self.file("_smtpsh", result.stdout)
        defer { try? FileManager.default.removeItem(at: script) }
        let check = try Self.run(Self.which("zsh")!, ["-n", script.path])
        #expect(check.status == 0, "\(check.output)")
        // Loaded by compinit, it defines the completion function.
        let load = try Self.run(Self.which("zsh")!, ["-f", "-c", "autoload -U compinit; compinit -u; source '\(script.path)' 2>&1; whence -w _smtpsh"])
        #expect(load.output.contains("_smtpsh: function"), "\(load.output)")
    }

    @Test func anUnknownShellIsAUsageError() throws {
        let result = try BinaryRunner.run(["completions", "tcsh"])
        #expect(result.status == 64)
    }
}
