import SMTPCatalog
import SMTPPracticeServer
import SMTPCore

/// `smtpsh manual`: the man page, and `smtpsh completions bash|zsh|fish`: the shell
/// completion scripts, both generated from the command definitions (the same ``CommandSpec``s
/// the parser and `--help` use), so they cannot drift from the program.
enum ManualPage {
    /// The page in roff (man(7)), in the current language of smtpsh's words.
    static func render(commands: [CommandSpec], date: String) -> String {
        var out: [String] = []
        out.append(".TH SMTPSH 1 \"\(date)\" \"smtpsh \(SMTPShellVersion.current)\" \"User Commands\"")
        out.append(".SH NAME")
        out.append("smtpsh \\- " + escape(Words[SMTPShellCommand.spec.abstract]))
        out.append(".SH SYNOPSIS")
        for command in commands {
            out.append(".PP")
            out.append(synopsis(command.usage))
        }
        out.append(".SH DESCRIPTION")
        for paragraph in SMTPShellCommand.spec.discussion {
            out.append(".PP")
            out.append(escape(Words[paragraph]))
        }
        out.append(".SH COMMANDS")
        for command in commands {
            out.append(".SS \"" + escape(command.name == "connect" ? "smtpsh [connect]" : "smtpsh \(command.name)") + "\"")
            out.append(escape(Words[command.abstract]))
            for paragraph in command.discussion {
                out.append(".PP")
                out.append(escape(Words[paragraph]))
            }
            if !command.arguments.isEmpty {
                for argument in command.arguments {
                    out.append(".TP")
                    out.append("\\fI<" + escape(argument.name) + ">\\fR" + (argument.repeatable ? "..." : ""))
                    out.append(escape(Words[argument.help]))
                }
            }
            for option in command.options {
                out.append(".TP")
                var names: [String] = []
                if let short = option.short { names.append("\\fB\\-" + escape(String(short)) + "\\fR") }
                if !option.isShortOnly { names.append("\\fB\\-\\-" + escape(option.long) + "\\fR") }
                var line = names.joined(separator: ", ")
                if let value = option.value { line += " \\fI" + escape(value) + "\\fR" }
                out.append(line)
                out.append(escape(Words[option.help]))
            }
            if !command.examples.isEmpty {
                out.append(".PP")
                out.append(escape(Words["help-examples"]))
                out.append(".RS")
                out.append(".nf")
                for example in command.examples { out.append(escape(example)) }
                out.append(".fi")
                out.append(".RE")
            }
        }
        out.append(".SH \"LOCAL COMMANDS\"")
        for (usage, meaning) in LocalCommand.summaries {
            out.append(".TP")
            out.append("\\fB" + escape(usage) + "\\fR")
            out.append(escape(Words[meaning]))
        }
        out.append(".SH \"EXIT STATUS\"")
        for (status, meaning) in exitStatuses {
            out.append(".TP")
            out.append("\\fB\(status)\\fR")
            out.append(escape(meaning))
        }
        out.append(".SH ENVIRONMENT")
        for (name, meaning) in environment {
            out.append(".TP")
            out.append("\\fB" + escape(name) + "\\fR")
            out.append(escape(meaning))
        }
        out.append(".SH FILES")
        for (path, meaning) in files {
            out.append(".TP")
            out.append("\\fI" + escape(path) + "\\fR")
            out.append(escape(meaning))
        }
        out.append(".SH \"SEE ALSO\"")
        out.append("\\fBswaks\\fR(1), \\fBtelnet\\fR(1), \\fBopenssl\\-s_client\\fR(1); RFC 5321, RFC 3207, RFC 4954, RFC 2920, RFC 3030, RFC 3463.")
        out.append("The guides in the source tree: Docs/guide.md, Docs/session-format.md, Docs/tutorial.en.md.")
        return out.joined(separator: "\n") + "\n"
    }

    static let exitStatuses: [(Int, String)] = [
        (0, "Every reply was positive, the message was accepted, or every replayed reply matched."),
        (1, "A reply was negative (4xx or 5xx)."),
        (3, "DNS: the name does not exist, has no MX, or the resolver failed."),
        (4, "The connection was refused or the address is unreachable."),
        (5, "No answer in time: connecting, the greeting or a reply."),
        (6, "The server closed or reset the connection unexpectedly."),
        (7, "TLS could not be set up."),
        (8, "The server's certificate did not verify (with --tls-verify)."),
        (9, "A script's local command could not do its job (:auth without a secret, a :send or :run that stopped)."),
        (10, "smtpsh send: the greeting was refused (11 EHLO/HELO, 12 STARTTLS, 13 AUTH, 14 MAIL, 15 RCPT, 16 DATA, 17 the message)."),
        (18, "Credentials were not sent: no TLS, AUTH not offered, or a certificate that did not verify (--auth-insecure sends them)."),
        (20, "smtpsh replay: a reply differed from the recorded one, or never came."),
        (64, "The command line is wrong (or a replay lacks a variable or a secret)."),
        (65, "A session or macro file cannot be read as one."),
        (69, "The practice server cannot listen."),
    ]

    static let environment: [(String, String)] = [
        ("LANGUAGE, LC_ALL, LC_MESSAGES, LANG", "The language of smtpsh's words and explanations (en, fr, ja); --lang overrides."),
        ("NO_COLOR", "Set to anything: no colour (as --color never)."),
        ("TERM", "dumb: no colour."),
        ("SMTPSH_PASSWORD", "The AUTH secret for :auth, --auth and replays, without a terminal."),
        ("SMTPSH_CONFIG", "The configuration file of the macros' defaults (empty: none)."),
        ("SMTPSH_HISTORY", "The history file (empty: no history)."),
        ("SMTPSH_PROGRESS", "The file of the lessons and exercises done, for smtpsh learn (empty: none kept)."),
        ("SMTPSH_PRACTICE_PASSWORD", "The practice server's password (smtpsh serve), instead of --password."),
        ("XDG_CONFIG_HOME, XDG_STATE_HOME, HOME", "Where the configuration, the macros, the history and the lessons' progress live."),
    ]

    static let files: [(String, String)] = [
        ("$XDG_STATE_HOME/smtpsh/history", "The prompt's history (mode 0600; never AUTH lines or SASL answers)."),
        ("$XDG_STATE_HOME/smtpsh/learn-progress", "The lessons and exercises done with smtpsh learn, and their last scores (Docs/exercises.md)."),
        ("$XDG_CONFIG_HOME/smtpsh/config", "Defaults of the macros: ehlo, from, to, subject, body, starttls, auth, pipeline, bdat, quit, macros."),
        ("$XDG_CONFIG_HOME/smtpsh/macros/NAME.smtp", "User macros, in the session format (Docs/session-format.md)."),
    ]

    /// `smtpsh send [options] <host> [<port>] --from <address> --to <address>…` in roff.
    static func synopsis(_ usage: String) -> String {
        var parts: [String] = []
        for word in usage.split(separator: " ") {
            if word == "smtpsh" {
                parts.append("\\fBsmtpsh\\fR")
            } else if word.hasPrefix("--") || word.hasPrefix("[--") {
                parts.append("\\fB" + escape(String(word)) + "\\fR")
            } else if word.contains("<") {
                parts.append("\\fI" + escape(String(word)) + "\\fR")
            } else {
                parts.append(escape(String(word)))
            }
        }
        return parts.joined(separator: " ")
    }

    /// Text made safe for roff: backslashes, hyphens of options, a leading dot or quote.
    static func escape(_ text: String) -> String {
        var out = text.replacing("\\", with: "\\e").replacing("-", with: "\\-")
        // Typographic characters roff knows by name (a UTF-8 page is fine for man-db, not for every troff).
        for (character, name) in [("…", "..."), ("’", "\\(aq"), ("“", "\\(lq"), ("”", "\\(rq"), ("—", "\\(em"), ("–", "\\(en")] {
            out = out.replacing(character, with: name)
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out.replacing("\n.", with: "\n\\&.")
    }
}

/// Shell completion scripts for the commands and their options.
enum CompletionScripts {
    /// Values some options take, completed as words.
    static let choices: [String: [String]] = [
        "color": ["auto", "always", "never"],
        "lang": ["en", "fr", "ja", "en,fr", "en,ja"],
        "auth": ["plain", "login", "cram-md5", "xoauth2", "oauthbearer"],
        "quit-after": SendCommand.quitAfterStages,
        "persona": ReplyStyle.allCases.map(\.rawValue),
        "style": ReplyStyle.allCases.map(\.rawValue),
        "lesson": ["1", "2", "3", "4", "5", "6"],
    ]
    /// Options whose value is a name of a list or a file (`--scenario queue-full`, `--scenario my.scenario`).
    static let choicesOrFiles: [String: [String]] = [
        "scenario": BuiltInScenarios.all.map(\.name)
    ]
    /// Commands whose arguments are files (`smtpsh explain` also takes codes: files come too).
    static let fileArguments: Set<String> = ["replay", "export", "explain"]
    /// Options whose value is a file.
    static let fileOptions: Set<String> = ["ca", "tls-cert", "tls-key", "password-file", "record", "json", "body", "data", "raw-data", "attach", "cert", "key", "maildir"]

    static func optionWords(_ spec: CommandSpec) -> [String] {
        spec.options.flatMap { option -> [String] in
            var words: [String] = []
            if let short = option.short { words.append("-\(short)") }
            if !option.isShortOnly { words.append("--" + option.long) }
            return words
        } + ["--help"]
    }

    static func bash(commands: [CommandSpec]) -> String {
        var out = """
            # bash completion for smtpsh (generated by `smtpsh completions bash`)
            _smtpsh() {
                local cur prev words cword
                if declare -F _init_completion >/dev/null; then _init_completion || return; else
                    cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; fi
                local command=connect i
                for ((i = 1; i < cword; i++)); do
                    case "${words[i]}" in
            \(commands.map(\.name).joined(separator: "|"))) command="${words[i]}"; break ;;
                    esac
                done
                case "$prev" in

            """
        for (name, values) in choices.sorted(by: { $0.key < $1.key }) {
            out += "        --\(name)) COMPREPLY=($(compgen -W \"\(values.joined(separator: " "))\" -- \"$cur\")); return ;;\n"
        }
        for (name, values) in choicesOrFiles.sorted(by: { $0.key < $1.key }) {
            out += "        --\(name)) COMPREPLY=($(compgen -W \"\(values.joined(separator: " "))\" -- \"$cur\") $(compgen -f -- \"$cur\")); return ;;\n"
        }
        out += "        " + fileOptions.sorted().map { "--\($0)" }.joined(separator: "|") + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
        out += "    esac\n    local options\n    case \"$command\" in\n"
        for command in commands {
            out += "        \(command.name)) options=\"\(optionWords(command).joined(separator: " "))\" ;;\n"
        }
        out += """
                esac
                if [[ "$cur" == -* ]]; then
                    COMPREPLY=($(compgen -W "$options" -- "$cur"))
                elif [[ " \(fileArguments.sorted().joined(separator: " ")) " == *" $command "* ]]; then
                    COMPREPLY=($(compgen -f -- "$cur"))
                elif [[ $cword -eq 1 ]]; then
                    COMPREPLY=($(compgen -W "\(commands.map(\.name).joined(separator: " ")) help" -- "$cur") $(compgen -A hostname -- "$cur"))
                else
                    COMPREPLY=($(compgen -A hostname -- "$cur"))
                fi
            }
            complete -F _smtpsh smtpsh

            """
        return out
    }

    static func zsh(commands: [CommandSpec]) -> String {
        var out = """
            #compdef smtpsh
            # zsh completion for smtpsh (generated by `smtpsh completions zsh`)

            _smtpsh() {
              local -a commands
              commands=(

            """
        for command in commands {
            out += "    '\(command.name):\(zshQuote(Words[command.abstract]))'\n"
        }
        out += "  )\n  local command=connect word\n  for word in ${words[2,CURRENT-1]}; do\n    case $word in\n"
        out += "      " + commands.map(\.name).joined(separator: "|") + ") command=$word; break ;;\n    esac\n  done\n"
        out += "  case $command in\n"
        for command in commands {
            out += "    \(command.name))\n      _arguments -s \\\n"
            for option in command.options {
                let name = option.isShortOnly ? "-\(option.long)" : "--\(option.long)"
                let help = zshQuote(Words[option.help]).replacing("[", with: "\\[").replacing("]", with: "\\]")
                var action = ""
                if let value = option.value {
                    if let values = choices[option.long] {
                        action = ":\(value):(\(values.joined(separator: " ")))"
                    } else if let values = choicesOrFiles[option.long] {
                        action = ":\(value):{_alternative \"names:\(value):(\(values.joined(separator: " ")))\" \"files:file:_files\"}"
                    } else if fileOptions.contains(option.long) {
                        action = ":\(value):_files"
                    } else {
                        action = ":\(value): "
                    }
                }
                let repeated = option.repeatable ? "*" : ""
                out += "        '\(repeated)\(name)[\(help)]\(action)' \\\n"
            }
            if fileArguments.contains(command.name) {
                out += "        '*:file:_files'\n"
            } else if command.name == "connect" {
                out += "        '1: :{_describe command commands; _hosts}' '2:port: '\n"
            } else if command.arguments.isEmpty {
                out += "        \n"
            } else {
                out += "        '1:host:_hosts' '2:port: '\n"
            }
            out += "      ;;\n"
        }
        out += "  esac\n}\n\n_smtpsh \"$@\"\n"
        return out
    }

    static func fish(commands: [CommandSpec]) -> String {
        var out = "# fish completion for smtpsh (generated by `smtpsh completions fish`)\n"
        let names = commands.map(\.name).joined(separator: " ")
        out += "complete -c smtpsh -f\n"
        for command in commands {
            out += "complete -c smtpsh -n 'not __fish_seen_subcommand_from \(names)' -a \(command.name) -d '\(fishQuote(Words[command.abstract]))'\n"
        }
        for command in commands {
            let condition = command.name == "connect" ? "not __fish_seen_subcommand_from \(names.replacing("connect ", with: ""))" : "__fish_seen_subcommand_from \(command.name)"
            for option in command.options {
                var line = "complete -c smtpsh -n '\(condition)'"
                if option.isShortOnly {
                    line += " -s \(option.long)"
                } else {
                    line += " -l \(option.long)"
                }
                if option.value != nil {
                    if let values = choices[option.long] {
                        line += " -x -a '\(values.joined(separator: " "))'"
                    } else if let values = choicesOrFiles[option.long] {
                        line += " -r -F -a '\(values.joined(separator: " "))'"
                    } else if fileOptions.contains(option.long) {
                        line += " -r -F"
                    } else {
                        line += " -x"
                    }
                }
                line += " -d '\(fishQuote(Words[option.help]))'"
                out += line + "\n"
            }
        }
        out += "complete -c smtpsh -n '__fish_seen_subcommand_from \(fileArguments.sorted().joined(separator: " "))' -F\n"
        return out
    }

    private static func zshQuote(_ text: String) -> String {
        firstSentence(text).replacing("'", with: "'\\''").replacing(":", with: "\\:")
    }

    private static func fishQuote(_ text: String) -> String {
        firstSentence(text).replacing("\\", with: "\\\\").replacing("'", with: "\\'")
    }

    /// Descriptions in completion menus are one short line.
    private static func firstSentence(_ text: String) -> String {
        var sentence = ExplanationRenderer.firstSentence(text)
        if sentence.hasSuffix(".") || sentence.hasSuffix("。") { sentence.removeLast() }
        return sentence.count > 80 ? String(sentence.prefix(77)) + "..." : sentence
    }
}
