import SMTPCatalog
import SMTPCore
import SMTPPracticeServer

/// A teacher's exercise for `smtpsh learn --exercise FILE`: a goal, steps, what counts as
/// success at each step, hints, and the practice server it needs. The format is that of a
/// scenario file (the server's settings and `on` rules) plus the lesson's own lines
/// (Docs/exercises.md):
///
/// ```
/// lang: fr
/// title: Relais refusé
/// goal: Voir pourquoi un serveur refuse un domaine qu'il ne gère pas.
/// local-domains: example.org
///
/// step: Saluez le serveur.
///   answer: EHLO poste.example
/// step: Indiquez un destinataire d'un autre domaine.
///   answer: RCPT TO:<quelqu.un@ailleurs.example>
///   expect: RCPT 5.7.1
///   hint: Le domaine compte, pas la personne.
///   done: Refusé : ce serveur ne relaie pas.
/// ```
///
/// A text field may be given per language (`title.ja:`); without a suffix it is in the
/// file's language (`lang:`, English by default).
enum Exercise {
    struct Failure: Error, CustomStringConvertible {
        var line: Int?
        var message: String
        var description: String { line.map { "line \($0): \(message)" } ?? message }
    }

    /// The exercise's own keys (every other `key: value` is the practice server's).
    static let lessonKeys: Set<String> = ["lang", "title", "goal", "hide-answers", "step", "answer", "expect", "hint", "done", "accepted", "check"]

    static func parse(_ text: String, name: String) throws(Failure) -> Lesson {
        var language = Language.en
        var texts: [String: [Language: String]] = [:]
        var hidesAnswers = false
        var serverLines: [String] = []
        var steps: [StepDraft] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.lowercased().hasPrefix("on ") {
                serverLines.append(line)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw Failure(line: lineNumber, message: "expected 'key: value' (a step's step:, answer:, expect:…, or a server setting)")
            }
            let field = line[..<colon].trimmingSpaces.lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            var key = field
            var fieldLanguage: Language?
            if let dot = field.lastIndex(of: "."), let suffix = Language(rawValue: String(field[field.index(after: dot)...])) {
                key = String(field[..<dot])
                fieldLanguage = suffix
            }
            guard lessonKeys.contains(key) else {
                // The practice server's: checked below, as a scenario file.
                serverLines.append(line)
                continue
            }
            let written = fieldLanguage ?? language
            switch key {
            case "lang":
                guard let parsed = Language(rawValue: value.lowercased()) else {
                    throw Failure(line: lineNumber, message: "lang must be en, fr or ja, found '\(value)'")
                }
                language = parsed
            case "title", "goal":
                texts[key, default: [:]][written] = value
            case "hide-answers":
                switch value.lowercased() {
                case "yes", "true", "on": hidesAnswers = true
                case "no", "false", "off": hidesAnswers = false
                default: throw Failure(line: lineNumber, message: "hide-answers must be yes or no, found '\(value)'")
                }
            case "step":
                // `step:` starts a step; `step.ja:` gives the same step's text in Japanese.
                if fieldLanguage == nil || steps.isEmpty || steps[steps.count - 1].texts["step"]?[written] != nil {
                    steps.append(StepDraft(line: lineNumber))
                }
                steps[steps.count - 1].texts["step", default: [:]][written] = value
            default:
                guard !steps.isEmpty else {
                    throw Failure(line: lineNumber, message: "'\(key):' belongs to a step: write 'step:' first")
                }
                switch key {
                case "answer":
                    steps[steps.count - 1].answer = value
                case "expect":
                    do throws(Failure) {
                        steps[steps.count - 1].expectation = try expectation(value)
                    } catch {
                        throw Failure(line: lineNumber, message: error.message)
                    }
                case "check":
                    guard value.lowercased() == "message" else {
                        throw Failure(line: lineNumber, message: "check can only be 'message' (the message must have a header)")
                    }
                    steps[steps.count - 1].checksMessage = true
                default:
                    steps[steps.count - 1].texts[key, default: [:]][written] = value
                }
            }
        }
        guard let title = texts["title"] else { throw Failure(message: "an exercise needs a title: 'title: …'") }
        guard !steps.isEmpty else { throw Failure(message: "an exercise needs at least one 'step:'") }
        var server: Scenario?
        if !serverLines.isEmpty {
            do throws(ScenarioError) {
                server = try Scenario(parsing: serverLines.joined(separator: "\n"), defaultName: name)
            } catch {
                throw Failure(message: "the practice server's settings: \(error.message)")
            }
        }
        var built: [Lesson.Step] = []
        for (index, draft) in steps.enumerated() {
            guard let answer = draft.answer else {
                throw Failure(line: draft.line, message: "step \(index + 1) has no 'answer:' (the line that does it)")
            }
            let expected: Lesson.Expectation
            if let given = draft.expectation {
                expected = given
            } else if let derived = derivedExpectation(answer) {
                expected = derived
            } else {
                throw Failure(line: draft.line, message: "step \(index + 1): say what counts as success with 'expect:' (e.g. expect: RCPT 5.7.1)")
            }
            built.append(Lesson.Step(
                name: "step-\(index + 1)", instruction: .inline(draft.texts["step"] ?? [:]),
                done: draft.texts["done"].map(LessonText.inline), example: answer, expectation: expected,
                hint: draft.texts["hint"].map(LessonText.inline), ifAccepted: draft.texts["accepted"].map(LessonText.inline),
                checksMessage: draft.checksMessage))
        }
        return Lesson(
            name: name, title: .inline(title), intro: .inline(texts["goal"] ?? [:]), server: server, steps: built,
            hidesAnswers: hidesAnswers, number: nil)
    }

    private struct StepDraft {
        var line: Int
        var texts: [String: [Language: String]] = [:]
        var answer: String?
        var expectation: Lesson.Expectation?
        var checksMessage = false
    }

    /// `RCPT 5xx`, `MAIL 552`, `RCPT 5.7.1`, `MAIL 552 5.3.4`, `DOT 2xx`, `EHLO 2xx tls`.
    static func expectation(_ text: String) throws(Failure) -> Lesson.Expectation {
        var words = text.split(separator: " ").map(String.init)
        guard !words.isEmpty else { throw Failure(message: "expect needs a command and a reply: 'expect: RCPT 5xx'") }
        var verb = words.removeFirst().uppercased()
        if verb == "DOT" || verb == "END-OF-DATA" { verb = "." }
        guard verb == "." || MailParameter.isKeyword(Substring(verb)) else {
            throw Failure(message: "'\(verb)' is not a command: expect: VERB 2xx|CODE|X.Y.Z [tls]")
        }
        var expectation = Lesson.Expectation(verb)
        for word in words {
            let lower = word.lowercased()
            if lower == "tls" {
                expectation.underTLS = true
            } else if lower.count == 3, lower.hasSuffix("xx"), let digit = Int(lower.prefix(1)), (2...5).contains(digit) {
                expectation.replyClass = digit
            } else if word.count == 3, let code = Int(word), (200...599).contains(code) {
                expectation.code = code
            } else if EnhancedStatusCode(word) != nil || word.split(separator: ".").count == 2 && word.split(separator: ".").allSatisfy({ Int($0) != nil }) {
                expectation.enhanced = word
            } else {
                throw Failure(message: "'\(word)' is not a reply: write 2xx, a code (552), an enhanced code (5.7.1) or tls")
            }
        }
        if expectation.replyClass == nil && expectation.code == nil && expectation.enhanced == nil {
            expectation.replyClass = verb == "DATA" ? 3 : 2
        }
        return expectation
    }

    /// What an answer line does when the teacher did not say: its command accepted.
    static func derivedExpectation(_ answer: String) -> Lesson.Expectation? {
        if answer == "." { return Lesson.Expectation(".", 2) }
        if answer.lowercased().hasPrefix(":auth") { return Lesson.Expectation("AUTH", 2) }
        guard let verb = answer.split(separator: " ").first?.uppercased(), MailParameter.isKeyword(Substring(verb)) else { return nil }
        return Lesson.Expectation(verb, verb == "DATA" ? 3 : 2)
    }
}
