import SMTPCatalog
import SMTPClient
import SMTPCore

/// The local commands that show something or change how the session is shown, the same at
/// the prompt and in a script: `:help`, `:state`, `:explain`, `:lang`, `:tls`, `:starttls`,
/// `:clear`, and what is not a command at all. (`:auth` and the macros have their own.)
struct SessionCommands {
    let session: ClientSession
    let explainer: SessionExplainer
    let renderer: Renderer
    let target: ServerAddress
    /// Shows a line: above the prompt, or on standard output in a script.
    let show: (String) -> Void
    /// At a terminal: `:clear` clears the screen (a script has none).
    var terminal = false

    /// Runs the command if it is one of these (`nil` otherwise): `true` when it did its job.
    func perform(_ command: LocalCommand) -> Bool? {
        switch command {
        case .help(let verb):
            for line in VerbHelp.text(for: verb, columns: Environment.columns, languages: explainer.languages) { show(renderer.note(line)) }
        case .state:
            for line in StateReport.lines(session.state, queued: session.queuedLineCount, target: target) {
                show(renderer.note(line))
            }
        case .clear:
            if terminal { show("\u{1B}[H\u{1B}[2J") }
        case .explain(let argument):
            return explain(argument)
        case .tls:
            if let report = session.tlsReport {
                for line in TLSReportText.lines(report, wholeChain: true) { show(renderer.note(line)) }
            } else {
                show(renderer.note(Words["tls-none-yet"]))
            }
        case .startTLS:
            show(renderer.sent("STARTTLS", tls: session.state.isTLS))
            session.submit("STARTTLS")
        case .lang(let argument):
            return language(argument)
        case .raw(let text):
            return raw(text)
        case .xclient(let argument):
            return xclient(argument)
        case .unknown(let text):
            let word = String(text.split(separator: " ").first ?? "")
            // `:sned`: the command it is one letter from.
            if let near = EditDistance.nearest(to: word, in: LocalCommand.names, limit: 2) {
                show(renderer.warning(Words["session-unknown-local-suggestion", ["command": VisibleText.escape(word), "suggestion": near]]))
            } else {
                show(renderer.warning(Words["session-unknown-local", ["command": VisibleText.escape(word)]]))
            }
            return false
        default:
            return nil
        }
        return true
    }

    /// `:explain` (the last reply, in full), `:explain on|off|brief|full`, `:explain CODE|LINE`.
    private func explain(_ argument: String?) -> Bool {
        switch argument?.lowercased() {
        case nil:
            guard let lines = explainer.explainLast() else {
                show(renderer.note(Words["session-explain-nothing-yet"]))
                return true
            }
            lines.forEach(show)
        case "on"?, "full"?:
            explainer.mode = .full
            show(renderer.note(Words["session-explain-on"]))
        case "brief"?:
            explainer.mode = .brief
            show(renderer.note(Words["session-explain-brief"]))
        case "off"?:
            explainer.isEnabled = false
            show(renderer.note(Words["session-explain-off"]))
        case .some:
            let input = argument ?? ""
            guard let lines = explainer.explain(input: input) else {
                show(renderer.warning(Words["explain-unknown-input", ["input": VisibleTextShort.of(input, limit: 80)]]))
                return false
            }
            lines.forEach(show)
        }
        return true
    }

    /// `:raw TEXT`: TEXT's bytes, escapes decoded, sent as they are (the session warns).
    private func raw(_ text: String?) -> Bool {
        guard let text else {
            show(renderer.warning(Words["raw-usage"]))
            return false
        }
        do throws(EscapedBytes.SyntaxError) {
            session.submitRaw(try EscapedBytes.decode(text))
            return true
        } catch {
            show(renderer.warning(Words["raw-bad-escape", ["escape": VisibleText.escape(error.written), "column": String(error.offset + 1)]]))
            return false
        }
    }

    /// `:xclient NAME=… ADDR=…` (values xtext-encoded by smtpsh); alone, what the server offers.
    private func xclient(_ argument: String?) -> Bool {
        guard let argument else {
            let offered = session.withState { $0.capabilities?.capability("XCLIENT") }
            if let offered {
                show(renderer.note(Words["xclient-offered", ["attributes": offered.parameters.joined(separator: " ")]]))
            } else {
                show(renderer.note(Words["xclient-not-offered"]))
            }
            show(renderer.note(Words["xclient-usage"]))
            return true
        }
        do throws(XClientCommand.ParseError) {
            let command = try XClientCommand(parsing: argument)
            session.submit(command.line, shown: true)
            return true
        } catch {
            switch error {
            case .empty: show(renderer.warning(Words["xclient-usage"]))
            case .missingValue(let word), .missingName(let word):
                show(renderer.warning(Words["xclient-bad-attribute", ["word": VisibleText.escape(word)]]))
            }
            return false
        }
    }

    /// `:lang` (which languages), `:lang fr`, `:lang en,ja`.
    private func language(_ argument: String?) -> Bool {
        if let argument {
            do throws(UnknownLanguage) {
                let languages = try Language.list(parsing: argument)
                explainer.languages = languages
                Words.language = languages[0]
            } catch {
                show(renderer.warning(Words["unknown-language", [
                    "input": VisibleText.escape(error.input),
                    "languages": Language.allCases.map(\.rawValue).joined(separator: ", "),
                ]]))
                return false
            }
        }
        // Named in the language now in use: "en français (fr)", "in English (en) and Japanese (ja)".
        let names = explainer.languages.map { Words["language-name-" + $0.rawValue] + " (\($0.rawValue))" }
        let list = names.dropFirst().reduce(names[0]) { Words["language-list", ["first": $0, "second": $1]] }
        show(renderer.note(Words["session-languages", ["languages": list]]))
        return true
    }
}
