#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCatalog
import SMTPClient
import SMTPCore

/// `smtpsh replay FILE… [--host HOST[:PORT]] [--var name=value] [--loose|--strict]`: sends
/// the client's side of each recording again and compares every reply with the recorded one.
/// Exits 0 only when every reply matched (Docs/exit-status.md).
struct ReplayCommand {
    static let spec = CommandSpec(
        name: "replay",
        usage: "smtpsh replay [options] <file>… [--host <host>[:<port>]]",
        abstract: "help-replay-abstract",
        discussion: ["help-replay-discussion", "help-replay-status"],
        examples: [
            "smtpsh --record session.smtp mail.example.org",
            "smtpsh replay session.smtp",
            "smtpsh replay session.smtp --host localhost:2525 --loose",
            "smtpsh replay pasted-telnet.txt --host mail.example.org --var to=bob@example.org",
        ],
        arguments: [ArgumentSpec(name: "file", help: "argument-replay-file", repeatable: true)],
        options: ConnectionOptions.specs + [
            .value("host", "host[:port]", help: "option-replay-host"),
            .value("var", "name=value", help: "option-replay-var", repeatable: true),
            .flag("loose", help: "option-replay-loose"),
            .flag("strict", help: "option-replay-strict"),
        ]
    )

    var files: [String]
    var connection: ConnectionOptions
    var host: String?
    var values: [String: String] = [:]
    var comparison: Expectation.Comparison = .code
    var tlsGiven: Bool

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        connection = try ConnectionOptions(parsed)
        files = parsed.positionals
        guard !files.isEmpty else { throw UsageError(Words["usage-replay-no-file"], command: "replay") }
        host = parsed.value("host")
        for assignment in parsed.all("var") {
            guard let equals = assignment.firstIndex(of: "="), VariableText.isName(String(assignment[..<equals])) else {
                throw UsageError(Words["usage-replay-var", ["value": VisibleTextShort.of(assignment)]], command: "replay")
            }
            values[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        if parsed.flag("loose") && parsed.flag("strict") { throw UsageError(Words["usage-replay-loose-and-strict"], command: "replay") }
        comparison = parsed.flag("loose") ? .replyClass : parsed.flag("strict") ? .text : .code
        tlsGiven = connection.implicitTLS || connection.startTLS
        if (connection.record != nil || (connection.json != nil && connection.json != "-")) && files.count > 1 {
            throw UsageError(Words["usage-replay-record-one"], command: "replay")
        }
    }

    func run() throws(ShellError) -> ExitStatus {
        // Every file is read and checked first: a bad one stops everything before anything is sent.
        var plans: [(file: String, runner: ScriptRunner, address: ServerAddress, options: ConnectionOptions)] = []
        for file in files {
            let script = try Self.load(file, requireReplies: true)
            // --starttls: smtpsh does EHLO, STARTTLS and EHLO after the greeting, then the file
            // runs under TLS. A file with its own STARTTLS would do it a second time.
            if connection.startTLS, let own = script.exchanges.first(where: {
                if case .command(let text) = $0.kind { return text.trimmingSpaces.uppercased() == "STARTTLS" }
                return false
            }) {
                throw ShellError("replay-starttls-twice", ["file": VisibleTextShort.of(file), "line": String(own.line)], status: .usage)
            }
            var runner = ScriptRunner(script: script, name: FilePath.lastComponent(of: file))
            runner.values = values
            runner.comparison = comparison
            runner.stopOnMismatch = false
            runner.credentials = connection.credentials
            let missing = runner.missingVariables
            guard missing.isEmpty else {
                throw ShellError("replay-missing-variables", ["file": VisibleTextShort.of(file), "names": missing.joined(separator: ", ")], status: .usage)
            }
            var options = connection
            let target = host ?? script.headerValue("server")
            guard let target, !target.isEmpty else {
                throw ShellError("replay-no-host", ["file": VisibleTextShort.of(file)], status: .usage)
            }
            if !tlsGiven && script.headerValue("tls") == "implicit" { options.implicitTLS = true }
            // An LMTP recording is replayed as LMTP (one reply per recipient after a message).
            if script.isLMTP { options.lmtp = true }
            let address: ServerAddress
            do throws(AddressError) {
                address = try ServerAddress(parsing: target, port: nil, defaultPort: options.defaultPort)
            } catch {
                throw ShellError(error.message, status: .usage)
            }
            plans.append((file, runner, address, options))
        }
        // With --json -, standard output holds only JSON: the rest goes to standard error.
        let toStandardError = connection.json == "-"
        let say: (String) -> Void = { line in
            if toStandardError { Console.err(line) } else { Console.out(line) }
        }
        var rows: [ReplayRun.Row] = []
        var worst = ExitStatus.success
        for (file, runner, address, options) in plans {
            let shown = runner.name
            if plans.count > 1 && !connection.quiet { say(Renderer(color: false).note(Words["replay-file", ["file": VisibleTextShort.of(file)]])) }
            let run = ReplayRun(runner: runner)
            var session = SessionRunner(address: address, options: options)
            session.forcePiped = true
            session.replay = run
            let status = session.run()
            let result = run.result
            rows.append(.init(file: shown, result: result, status: status))
            if status != .success && (worst == .success || worst == .replayDifferent) { worst = status }
        }
        if rows.count > 1 {
            for line in ReplayRun.table(rows) { say(line) }
        }
        return worst
    }

    /// Reads and parses a session file (at most 64 MiB); errors name the file and line.
    /// `requireReplies`: a replay needs a reply to compare with (a macro may only send).
    static func load(_ file: String, requireReplies: Bool = false) throws(ShellError) -> SessionScript {
        guard let data = BoundedRead.contents(of: file, limit: 64 << 20 + 1) else {
            throw ShellError("usage-cannot-read", ["file": VisibleTextShort.of(file)], status: .usage)
        }
        guard data.count <= 64 << 20 else {
            throw ShellError("script-too-big", ["file": VisibleTextShort.of(file)], status: .dataError)
        }
        let script: SessionScript
        do throws(SessionScriptError) {
            script = try SessionScriptParser.parse(data)
        } catch {
            throw ShellError(ScriptErrorText.describe(error, file: VisibleTextShort.of(file)), status: .dataError)
        }
        // Text with no reply in it (any text reads as a telnet paste) has nothing to compare:
        // a replay of it would "match" every time.
        guard !requireReplies || script.exchanges.contains(where: { $0.expectation != nil }) else {
            throw ShellError("replay-nothing-to-compare", ["file": VisibleTextShort.of(file)], status: .dataError)
        }
        return script
    }
}

enum ScriptErrorText {
    static func describe(_ error: SessionScriptError, file: String) -> CatalogMessage {
        let line = String(error.line)
        switch error.reason {
        case .notASessionLine(let text):
            return CatalogMessage("script-not-a-session-line", ["file": file, "line": line, "text": VisibleTextShort.of(text, limit: 60)])
        case .invalidParameter(let text):
            return CatalogMessage("script-invalid-parameter", ["file": file, "line": line, "text": VisibleTextShort.of(text, limit: 60)])
        case .duplicateParameter(let name):
            return CatalogMessage("script-duplicate-parameter", ["file": file, "line": line, "name": VisibleTextShort.of(name, limit: 60)])
        case .empty:
            return CatalogMessage("script-empty", ["file": file])
        case .binary:
            return CatalogMessage("script-binary", ["file": file, "line": line])
        case .badRawEscape(let escape):
            return CatalogMessage("script-bad-raw-escape", ["file": file, "line": line, "escape": VisibleText.escape(escape)])
        }
    }
}
