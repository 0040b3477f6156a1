import SMTPCatalog
import SMTPCore

/// What a command accepts on the command line, and the words that describe it in `--help`.
///
/// smtpsh parses its own command line (no reflection, nothing done at start-up that the
/// command does not need: the whole run of `smtpsh HOST` is measured against curl) and
/// prints its help in the user's language: every text here is the name of a `message.*`
/// entry of the catalogue (`help.catalog`), not English.
struct CommandSpec: Sendable {
    /// `connect`, `demo`… (`smtpsh` for the root).
    var name: String
    /// The usage line after `smtpsh NAME` (`[options] <host> [<port>]`).
    var usage: String
    /// One line: what the command does (message name).
    var abstract: String
    /// Paragraphs after the usage (message names).
    var discussion: [String] = []
    /// Command lines shown as they are (not translated).
    var examples: [String] = []
    var arguments: [ArgumentSpec] = []
    var options: [OptionSpec] = []

    /// The option written `--long` (not the short-only ones: `-4` has no `--4`).
    func option(named long: String) -> OptionSpec? { options.first { $0.long == long && !$0.isShortOnly } }
}

struct ArgumentSpec: Sendable {
    var name: String
    var help: String
    /// Takes every remaining positional argument.
    var repeatable = false
}

struct OptionSpec: Sendable {
    /// Without the dashes: `timeout` for `--timeout`.
    var long: String
    /// `4` for `-4`.
    var short: Character? = nil
    /// The value's name in the help (`seconds`); `nil` for a flag.
    var value: String? = nil
    var help: String
    /// Documented to be given several times (`--on`, `--scenario`); a single-valued option
    /// given twice is a usage error.
    var repeatable = false

    /// `-4`, `-6`: known by one character only (``long`` is that character).
    var isShortOnly: Bool { long.count == 1 && short != nil }

    static func flag(_ long: String, short: Character? = nil, help: String) -> OptionSpec {
        OptionSpec(long: long, short: short, value: nil, help: help)
    }

    static func value(_ long: String, _ value: String, help: String, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(long: long, short: nil, value: value, help: help, repeatable: repeatable)
    }
}

/// A command line that cannot be run: one line, exit status 64, the command's usage after it.
struct UsageError: Error, Sendable, CustomStringConvertible {
    var message: String
    /// The command whose usage to print under the message.
    var command: String?

    init(_ message: String, command: String? = nil) {
        self.message = message
        self.command = command
    }

    var description: String { message }
}

/// The command line, split by a ``CommandSpec``.
struct ParsedCommandLine: Sendable {
    let spec: CommandSpec
    private(set) var flags: Set<String> = []
    private(set) var values: [String: [String]] = [:]
    private(set) var positionals: [String] = []
    /// `--help` or `-h` was given.
    private(set) var wantsHelp = false

    init(spec: CommandSpec) {
        self.spec = spec
    }

    /// Splits `arguments` (without the program and command names). Options may come before,
    /// between or after the positional arguments; `--name value` and `--name=value`; `--`
    /// ends the options.
    init(_ arguments: [String], spec: CommandSpec) throws(UsageError) {
        self.spec = spec
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            if argument == "--help" || argument == "-h" {
                wantsHelp = true
                continue
            }
            let option: OptionSpec
            var inlineValue: String?
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let name: Substring
                if let equals = body.firstIndex(of: "=") {
                    name = body[..<equals]
                    inlineValue = String(body[body.index(after: equals)...])
                } else {
                    name = body
                }
                guard let found = spec.option(named: String(name)) else {
                    throw UsageError(Self.unknown(argument.prefix { $0 != "=" }, spec: spec), command: spec.name)
                }
                option = found
            } else {
                // -4, -q; a negative number is a positional argument (there are none yet).
                guard argument.count == 2, let found = spec.options.first(where: { $0.short == argument.last }) else {
                    throw UsageError(Self.unknown(Substring(argument), spec: spec), command: spec.name)
                }
                option = found
            }
            guard option.value != nil else {
                if inlineValue != nil {
                    throw UsageError(Words["usage-flag-takes-no-value", ["option": "--" + option.long]], command: spec.name)
                }
                flags.insert(option.long)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else if index < arguments.count {
                value = arguments[index]
                index += 1
            } else {
                throw UsageError(
                    Words["usage-missing-value", ["option": "--" + option.long, "value": option.value ?? ""]],
                    command: spec.name)
            }
            if !option.repeatable, values[option.long] != nil {
                throw UsageError(Words["usage-given-twice", ["option": "--" + option.long]], command: spec.name)
            }
            values[option.long, default: []].append(value)
        }
        guard !wantsHelp else { return }
        let maximum = spec.arguments.contains(where: \.repeatable) ? Int.max : spec.arguments.count
        if positionals.count > maximum {
            throw UsageError(
                Words["usage-unexpected-argument", ["argument": VisibleTextShort.of(positionals[maximum])]],
                command: spec.name)
        }
    }

    private static func unknown(_ argument: Substring, spec: CommandSpec) -> String {
        let shown = VisibleTextShort.of(String(argument))
        let name = argument.drop { $0 == "-" }
        // A near miss: `--timout` → `--timeout`.
        if name.count >= 3,
            let close = spec.options.map(\.long).min(by: { EditDistance.between($0, name) < EditDistance.between($1, name) }),
            EditDistance.between(close, name) <= 2
        {
            return Words["usage-unknown-option-suggestion", ["option": shown, "suggestion": "--" + close]]
        }
        return Words["usage-unknown-option", ["option": shown]]
    }

    // MARK: - Reading the values

    func flag(_ long: String) -> Bool { flags.contains(long) }

    /// The option's value, if given.
    func value(_ long: String) -> String? { values[long]?.last }

    /// Every value of a repeatable option, in order.
    func all(_ long: String) -> [String] { values[long] ?? [] }

    func positional(_ index: Int) -> String? { index < positionals.count ? positionals[index] : nil }

    /// A whole number in a range, or a usage error that says what was expected.
    func integer(_ long: String, in range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let text = value(long) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError(
                Words["usage-integer-range", [
                    "option": "--" + long, "value": VisibleTextShort.of(text),
                    "low": String(range.lowerBound), "high": String(range.upperBound),
                ]], command: spec.name)
        }
        return number
    }

    /// A number of seconds (decimals allowed) in a range.
    func seconds(_ long: String, in range: ClosedRange<Double>, lowerExclusive: Bool = false) throws(UsageError) -> Double? {
        guard let text = value(long) else { return nil }
        guard let number = Double(text), number.isFinite, range.contains(number), !(lowerExclusive && number == range.lowerBound)
        else {
            throw UsageError(
                Words[lowerExclusive ? "usage-seconds-range-above" : "usage-seconds-range", [
                    "option": "--" + long, "value": VisibleTextShort.of(text),
                    "low": Self.plain(range.lowerBound), "high": Self.plain(range.upperBound),
                ]], command: spec.name)
        }
        return number
    }

    /// One of a fixed set of words.
    func choice(_ long: String, from choices: [String]) throws(UsageError) -> String? {
        guard let text = value(long) else { return nil }
        guard choices.contains(text.lowercased()) else {
            throw UsageError(
                Words["usage-choice", [
                    "option": "--" + long, "value": VisibleTextShort.of(text), "choices": choices.joined(separator: ", "),
                ]], command: spec.name)
        }
        return text.lowercased()
    }

    /// `5`, `0.5`: a number of seconds as a person writes it.
    static func plain(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// A user's input shown in a message: control characters escaped, at most `limit`
/// characters (60 for an argument in an error).
enum VisibleTextShort {
    static func of(_ text: String, limit: Int = 60) -> String {
        VisibleText.escape(text.count > limit ? String(text.prefix(limit - 1)) + "…" : text)
    }
}
