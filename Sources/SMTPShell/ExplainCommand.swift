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
import SMTPCore

/// `smtpsh explain`: what a reply code, an enhanced status code or a whole reply line means,
/// from the reply catalogue (Docs/catalog.md), in English, French or Japanese; for the command
/// it answers (`--after RCPT`, or "in reply to RCPT TO command" in what is pasted); as text or
/// one JSON object per reply (`--json`). On standard input it reads transcripts, bounces and
/// mail logs (Postfix, Exim) of any length, a line at a time, and skips the lines that hold no
/// reply.
struct ExplainCommand {
    static let spec = CommandSpec(
        name: "explain",
        usage: "smtpsh explain [options] [<code|line>…]",
        abstract: "help-explain-abstract",
        discussion: ["help-explain-discussion", "help-explain-status"],
        examples: [
            "smtpsh explain 550",
            "smtpsh explain 5.1.1 '#4.3.1' 5.7.708",
            "smtpsh explain '452 #4.3.1 queue full'",
            "smtpsh explain '550-5.7.1 [203.0.113.5] Our system has detected an unusual rate'",
            "smtpsh explain --after rcpt '504 5.5.2 <alice>: Sender address rejected: need fully-qualified address'",
            "smtpsh explain 'SIZE 35882577' '334 VXNlcm5hbWU6'",
            "smtpsh explain 550 --lang en,ja",
            "smtpsh explain --json < /var/log/mail.log",
            "smtpsh explain session.smtp",
            "smtpsh explain --list --lang fr > antiseche.txt",
        ],
        arguments: [ArgumentSpec(name: "code|line", help: "argument-explain-input", repeatable: true)],
        options: [
            .value("lang", "languages", help: "option-lang"),
            .value("after", "command", help: "option-explain-after"),
            .flag("json", help: "option-explain-json"),
            .flag("list", help: "option-list"),
        ]
    )

    var inputs: [String]
    var languages: [Language]
    var list: Bool
    var json: Bool
    /// `--after RCPT`: the command the replies answer.
    var after: String?

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        inputs = parsed.positionals
        languages = try parsed.value("lang").map { lang throws(UsageError) in try LanguageOption.parse(lang, command: "explain") } ?? [Words.language]
        list = parsed.flag("list")
        json = parsed.flag("json")
        if let text = parsed.value("after") {
            guard let verb = ExplainContext.verb(named: text) else {
                throw UsageError(
                    Words["usage-explain-after", ["value": VisibleTextShort.of(text), "commands": Self.afterChoices]],
                    command: "explain")
            }
            after = verb
        }
    }

    /// What `--after` takes, for its error message.
    static let afterChoices = CatalogKey.commandVerbs.sorted().joined(separator: ", ")

    func run() throws(ShellError) -> ExitStatus {
        let catalog = Catalog.shared
        let messageLanguage = languages[0]
        let columns = Environment.columns

        if list {
            var lines: [String] = []
            for language in languages {
                if !lines.isEmpty { lines.append("") }
                lines += CatalogCheatSheet.render(catalog, language: language, columns: columns)
            }
            Console.out(lines.joined(separator: "\n"))
            return .success
        }
        let context = ExplainContext(command: after)
        // Only the languages asked for are filled (a log of a million lines, in one language).
        let options = ExplainOptions(detail: .full, languages: languages)
        var output = ExplainOutput(json: json, languages: languages, columns: columns, catalog: catalog)

        if inputs.isEmpty, isatty(STDIN_FILENO) == 0 {
            // A session (a recording, a paste) is read whole; anything else a line at a time.
            let head = Self.readStandardInput(upTo: ExplainSession.head)
            if ExplainSession.isSession(String(decoding: head, as: UTF8.self)) {
                var bytes = head
                bytes += Self.readStandardInput(upTo: ExportCommand.limit + 1 - head.count)
                guard bytes.count <= ExportCommand.limit else {
                    throw ShellError("script-too-big", ["file": "-"], status: .usage)
                }
                return try ExplainSession.run(bytes, name: "-", languages: languages, output: &output)
            }
            let explained = Self.streamStandardInput(head: head, catalog: catalog, options: options, context: context, output: &output)
            output.flush()
            guard explained > 0 else {
                throw ShellError(catalog.message("explain-nothing", in: messageLanguage), status: .usage)
            }
            return .success
        }
        if inputs.count == 1, inputs[0].contains("\n"), ExplainSession.isSession(inputs[0]) {
            return try ExplainSession.run(Array(inputs[0].utf8), name: "-", languages: languages, output: &output)
        }
        let items = Self.items(for: inputs, catalog: catalog, options: options, context: context)
        if inputs.count == 1, items.allSatisfy({ if case .notUnderstood = $0 { true } else { false } }),
            let data = BoundedRead.contents(of: inputs[0], limit: ExportCommand.limit + 1)
        {
            return try explainFile(inputs[0], Array(data), options: options, context: context, output: &output)
        }
        guard !items.isEmpty else {
            throw ShellError(text: catalog.message("explain-nothing", in: messageLanguage), status: .usage)
        }
        var unknown: [String] = []
        for item in items {
            switch item {
            case .explained(let input, let explanation):
                output.add(input: input, explanation)
            case .notUnderstood(let input):
                unknown.append(input)
            }
        }
        output.flush()
        for input in unknown {
            let shown = VisibleTextShort.of(input, limit: 80)
            Console.err("smtpsh: " + catalog.message("explain-unknown-input", in: messageLanguage, ["input": shown]))
        }
        return unknown.isEmpty ? .success : .usage
    }

    /// `smtpsh explain FILE`: a session in it is annotated (``ExplainSession``); anything else
    /// (a log, a bounce) is read as standard input is, the lines that hold no reply skipped.
    func explainFile(
        _ file: String, _ bytes: [UInt8], options: ExplainOptions, context: ExplainContext, output: inout ExplainOutput
    ) throws(ShellError) -> ExitStatus {
        guard bytes.count <= ExportCommand.limit else {
            throw ShellError("script-too-big", ["file": VisibleTextShort.of(file)], status: .usage)
        }
        if ExplainSession.isSession(String(decoding: bytes.prefix(ExplainSession.head), as: UTF8.self)) {
            return try ExplainSession.run(bytes, name: file, languages: languages, output: &output)
        }
        var explained = 0
        for item in Catalog.shared.explain(input: String(decoding: bytes, as: UTF8.self), options: options, context: context, skippingOther: true) {
            if case .explained(let input, let explanation) = item {
                output.add(input: input, explanation)
                explained += 1
            }
        }
        output.flush()
        guard explained > 0 else { throw ShellError("explain-nothing", status: .usage) }
        return .success
    }

    /// Up to `count` octets of standard input (fewer at its end).
    static func readStandardInput(upTo count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count < count {
            let want = min(buffer.count, count - bytes.count)
            let got = buffer.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, want) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            bytes += buffer[0..<got]
        }
        return bytes
    }

    /// The inputs, each explained on its own; when one is not understood and they read as
    /// one line once joined (`smtpsh explain 452 '#4.3.1' queue full`), as that line.
    static func items(
        for inputs: [String], catalog: Catalog, options: ExplainOptions = .full, context: ExplainContext = ExplainContext()
    ) -> [ExplainItem] {
        let separate = inputs.flatMap { catalog.explain(input: $0, options: options, context: context) }
        guard inputs.count > 1, separate.contains(where: { if case .notUnderstood = $0 { true } else { false } }) else {
            return separate
        }
        let joined = catalog.explain(input: inputs.joined(separator: " "), options: options, context: context)
        if !joined.isEmpty, !joined.contains(where: { if case .notUnderstood = $0 { true } else { false } }) {
            return joined
        }
        return separate
    }

    /// Standard input, a line at a time (a log of any size, in bounded memory): each reply
    /// found is explained and written at once. Lines that hold no reply are skipped; lines of
    /// a log (a syslog or Exim time stamp first) without one of the markers of a reply
    /// (`said:`, `reject:`, Exim's `SMTP error from`) are not even read further. Returns how
    /// many replies (and codes) were explained.
    static func streamStandardInput(
        head: [UInt8] = [], catalog: Catalog, options: ExplainOptions, context: ExplainContext, output: inout ExplainOutput
    ) -> Int {
        var reader = PastedTextReader()
        var explainer = Catalog.InputExplainer(catalog: catalog, options: options, context: context, skippingOther: true)
        var items: [ExplainItem] = []
        var explained = 0
        func emit() {
            for item in items {
                if case .explained(let input, let explanation) = item {
                    output.add(input: input, explanation)
                    explained += 1
                }
            }
            items.removeAll(keepingCapacity: true)
        }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        func handle(_ line: UnsafeBufferPointer<UInt8>) {
            guard reader.isWaiting || LogLineFilter.mayHoldReply(line) else { return }
            var end = line.count
            if end > 0 && line[end - 1] == 13 { end -= 1 }
            let text = String(decoding: UnsafeBufferPointer(rebasing: line[0..<end]), as: UTF8.self)
            for item in reader.read(text) { explainer.explain(item, into: &items) }
            emit()
        }
        // What was read already to tell a session from a log comes first.
        var unread = head
        while true {
            let count: Int
            if !unread.isEmpty {
                count = unread.count
                if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
                buffer.replaceSubrange(0..<count, with: unread)
                unread = []
            } else {
                count = buffer.withUnsafeMutableBytes { Glibc.read(STDIN_FILENO, $0.baseAddress, $0.count) }
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffer.withUnsafeBufferPointer { bytes in
                var start = 0
                var index = 0
                while index < count {
                    // memchr: the next line end.
                    let found = memchr(bytes.baseAddress! + index, 10, count - index)
                    guard let found else { break }
                    index = bytes.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    if pending.isEmpty {
                        handle(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    } else {
                        pending += bytes[start..<index]
                        pending.withUnsafeBufferPointer { handle($0) }
                        pending.removeAll(keepingCapacity: true)
                    }
                    index += 1
                    start = index
                }
                // A line longer than 64 KiB is cut there (no reply is that long).
                if start < count, pending.count < 65_536 { pending += bytes[start..<min(count, start + 65_536 - pending.count)] }
            }
        }
        if !pending.isEmpty { pending.withUnsafeBufferPointer { handle($0) } }
        for item in reader.finish() { explainer.explain(item, into: &items) }
        emit()
        return explained
    }
}

extension ExplainCommand {
    /// A bare code or keyword: its explanation alone. A reply line: the line, then the
    /// explanation indented under it, as in a session (with the vendor entry's source).
    static func render(
        input: String,
        _ explanation: Explanation,
        languages: [Language],
        columns: Int,
        catalog: Catalog
    ) -> [String] {
        switch explanation.subject {
        case .code, .enhancedCode, .ehloKeyword:
            return ExplanationRenderer(columns: columns, indent: 0, languages: languages, catalog: catalog).render(
                explanation)
        case .reply, .ehloReply, .authChallenge:
            let lines = input.split(separator: "\n").map { VisibleText.escape(String($0)) }
            return lines
                + ExplanationRenderer(columns: columns, indent: 4, languages: languages, catalog: catalog, source: true)
                .render(explanation)
        }
    }
}
