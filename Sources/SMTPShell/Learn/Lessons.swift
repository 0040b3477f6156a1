import SMTPCatalog
import SMTPCore
import SMTPPracticeServer

/// A lesson of `smtpsh learn`: a short session against a practice server, a step at a time.
/// A step says what to type and why; it is done when the server answers the step's command
/// as the step expects (the protocol core's state machine says which command a reply
/// answers, and the step checks the reply's code, not its place in the session).
///
/// The six built-in lessons take their words from `lessons.catalog` (`lesson-NAME-…`); a
/// teacher's exercise file (``Exercise``) carries its own, in one language or several.
struct Lesson: Sendable {
    /// `greeting`, `envelope`…, or the exercise file's name.
    var name: String
    var title: LessonText
    var intro: LessonText
    /// The practice server's settings and rules for this lesson (errors on purpose).
    var server: Scenario?
    var steps: [Step]
    /// The steps say what to do, not the line that does it (`:hint` shows it).
    var hidesAnswers = false
    /// 1 to 6 for a built-in lesson, `nil` for an exercise file.
    var number: Int?

    struct Step: Sendable {
        /// The step's name: in the messages of a built-in lesson, in progress files.
        var name: String
        /// What to do.
        var instruction: LessonText
        /// Why it matters, once done.
        var done: LessonText?
        /// The line that does it (shown as is, never translated; the second `:hint`).
        var example: String
        var expectation: Expectation
        /// The teacher's own hint, shown by the first `:hint` with the command to use.
        var hint: LessonText?
        /// Why an accepted reply is not what this step is after (a step that wants a refusal).
        var ifAccepted: LessonText?
        /// The message must have a header line (a lone dot is not a message to be proud of).
        var checksMessage = false
    }

    /// What counts as success for a step: the command, and the reply's class, code or
    /// enhanced status code.
    struct Expectation: Hashable, Sendable {
        /// `EHLO`, `MAIL`… as in the session; `.` for the end of a message, `AUTH` for an
        /// AUTH exchange (its answers included).
        var verb: String
        /// The first digit (2 for `2xx`), or `nil` when a code says more.
        var replyClass: Int?
        var code: Int?
        /// `5.7.1`, or a prefix `5.7`.
        var enhanced: String?
        /// The reply must come over TLS (EHLO again after STARTTLS).
        var underTLS = false

        init(_ verb: String, _ replyClass: Int? = nil, code: Int? = nil, enhanced: String? = nil, underTLS: Bool = false) {
            self.verb = verb
            self.replyClass = replyClass
            self.code = code
            self.enhanced = enhanced
            self.underTLS = underTLS
        }

        /// The class the step wants (from the code when only the code is given).
        var wantedClass: Int { replyClass ?? code.map { $0 / 100 } ?? enhanced.flatMap { Int($0.prefix(1)) } ?? 2 }

        func matches(verb: String, reply: Reply, tls: Bool) -> Bool {
            guard verb == self.verb, !underTLS || tls else { return false }
            if let replyClass, reply.code.rawValue / 100 != replyClass { return false }
            if let code, reply.code.rawValue != code { return false }
            if let enhanced {
                guard let received = reply.enhancedStatusCode?.description,
                    received == enhanced || received.hasPrefix(enhanced + ".")
                else { return false }
            }
            if replyClass == nil && code == nil && enhanced == nil { return reply.code.rawValue / 100 == 2 }
            return true
        }
    }

    /// A built-in lesson: its words are `lesson-NAME-…` messages.
    private static func builtIn(
        _ name: String, number: Int, server: String? = nil, hidesAnswers: Bool = false, _ steps: [Step]
    ) -> Lesson {
        Lesson(
            name: name, title: .catalog("lesson-\(name)-title"), intro: .catalog("lesson-\(name)-intro"),
            server: server.map { try! Scenario(parsing: $0, defaultName: "lesson-\(number)") },
            steps: steps, hidesAnswers: hidesAnswers, number: number)
    }

    private static func step(
        _ lesson: String, _ name: String, _ example: String, _ expectation: Expectation,
        ifAccepted: Bool = false, checksMessage: Bool = false
    ) -> Step {
        Step(
            name: name, instruction: .catalog("lesson-\(lesson)-\(name)-do"), done: .catalog("lesson-\(lesson)-\(name)-done"),
            example: example, expectation: expectation,
            ifAccepted: ifAccepted ? .catalog("lesson-\(lesson)-\(name)-accepted") : nil, checksMessage: checksMessage)
    }

    /// Lesson 4's server: each refusal has a cause the learner can see and change (a small
    /// SIZE, one full mailbox, one local domain, two recipients per message), never its
    /// place in the session. `smtpsh serve --scenario lesson-4` gives a class server the same.
    static let errorsServer = """
        name: lesson-4
        description: smtpsh learn's lesson 4: SIZE 1000, two recipients per message, example.org only, full@example.org's mailbox full.
        max-size: 1000
        max-recipients: 2
        local-domains: example.org
        on RCPT <full@example.org>: 452 4.2.2 <{arg}>: Mailbox full, try again later
        """

    static let all: [Lesson] = [
        builtIn("greeting", number: 1, [
            step("greeting", "ehlo", "EHLO learner.example", Expectation("EHLO", 2)),
            step("greeting", "noop", "NOOP", Expectation("NOOP", 2)),
            step("greeting", "quit", "QUIT", Expectation("QUIT", 2)),
        ]),
        builtIn("envelope", number: 2, [
            step("envelope", "ehlo", "EHLO learner.example", Expectation("EHLO", 2)),
            step("envelope", "mail", "MAIL FROM:<you@example.org>", Expectation("MAIL", 2)),
            step("envelope", "rcpt", "RCPT TO:<friend@example.org>", Expectation("RCPT", 2)),
            step("envelope", "rcpt2", "RCPT TO:<another@example.org>", Expectation("RCPT", 2)),
            step("envelope", "rset", "RSET", Expectation("RSET", 2)),
            step("envelope", "quit", "QUIT", Expectation("QUIT", 2)),
        ]),
        builtIn("data", number: 3, [
            step("data", "ehlo", "EHLO learner.example", Expectation("EHLO", 2)),
            step("data", "mail", "MAIL FROM:<you@example.org>", Expectation("MAIL", 2)),
            step("data", "rcpt", "RCPT TO:<friend@example.org>", Expectation("RCPT", 2)),
            step("data", "data", "DATA", Expectation("DATA", 3)),
            step("data", "dot", ".", Expectation(".", 2), checksMessage: true),
            step("data", "quit", "QUIT", Expectation("QUIT", 2)),
        ]),
        builtIn("errors", number: 4, server: errorsServer, [
            step("errors", "ehlo", "EHLO learner.example", Expectation("EHLO", 2)),
            step("errors", "mail", "MAIL FROM:<you@example.org>", Expectation("MAIL", 2)),
            step("errors", "full", "RCPT TO:<full@example.org>", Expectation("RCPT", code: 452, enhanced: "4.2.2"), ifAccepted: true),
            step("errors", "relay", "RCPT TO:<someone@elsewhere.example>", Expectation("RCPT", 5, enhanced: "5.7.1"), ifAccepted: true),
            step("errors", "rcpt", "RCPT TO:<friend@example.org>", Expectation("RCPT", 2)),
            step("errors", "rcpt2", "RCPT TO:<another@example.org>", Expectation("RCPT", 2)),
            step("errors", "recipients", "RCPT TO:<third@example.org>", Expectation("RCPT", 4, enhanced: "4.5.3"), ifAccepted: true),
            step("errors", "data", "DATA", Expectation("DATA", 3)),
            step("errors", "dot", ".", Expectation(".", 2)),
            step("errors", "size", "MAIL FROM:<you@example.org> SIZE=5000", Expectation("MAIL", 5, enhanced: "5.3.4"), ifAccepted: true),
            step("errors", "quit", "QUIT", Expectation("QUIT", 2)),
        ]),
        builtIn("security", number: 5, [
            step("security", "ehlo", "EHLO learner.example", Expectation("EHLO", 2)),
            step("security", "starttls", "STARTTLS", Expectation("STARTTLS", 2)),
            step("security", "ehlo-again", "EHLO learner.example", Expectation("EHLO", 2, underTLS: true)),
            step("security", "auth", ":auth plain student", Expectation("AUTH", 2)),
            step("security", "quit", "QUIT", Expectation("QUIT", 2)),
        ]),
        builtIn("alone", number: 6, hidesAnswers: true, [
            step("alone", "ehlo", "EHLO learner.example", Expectation("EHLO", 2)),
            step("alone", "mail", "MAIL FROM:<you@example.org>", Expectation("MAIL", 2)),
            step("alone", "rcpt", "RCPT TO:<friend@example.org>", Expectation("RCPT", 2)),
            step("alone", "data", "DATA", Expectation("DATA", 3)),
            step("alone", "dot", ".", Expectation(".", 2), checksMessage: true),
            step("alone", "quit", "QUIT", Expectation("QUIT", 2)),
        ]),
    ]

    /// The lessons' servers as built-in scenarios (`lesson-4`), for a teacher's `smtpsh serve`
    /// that `smtpsh learn --connect` reaches.
    static var scenarios: [Scenario] { all.compactMap(\.server) }
}

/// Where a lesson's words come from.
enum LessonText: Sendable {
    /// A message of the catalogue, in every language smtpsh speaks.
    case catalog(String)
    /// The words of an exercise file, by language; a language it lacks gets its English, else
    /// its first language.
    case inline([Language: String])

    func text(in language: Language, _ values: [String: String] = [:]) -> String {
        switch self {
        case .catalog(let name):
            return Words.text(name, in: language, values)
        case .inline(let texts):
            let text = texts[language] ?? texts[.en] ?? Language.allCases.lazy.compactMap { texts[$0] }.first ?? ""
            return values.reduce(text) { $0.replacing("{\($1.key)}", with: $1.value) }
        }
    }

    /// Whether the text exists in this language (an exercise may be written in one only).
    func has(_ language: Language) -> Bool {
        switch self {
        case .catalog: true
        case .inline(let texts): texts[language] != nil
        }
    }
}
