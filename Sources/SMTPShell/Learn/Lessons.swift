#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOConcurrencyHelpers
import SMTPCatalog
import SMTPClient
import SMTPCore

/// The guided lessons of `smtpsh learn`: each is a short session against the in-process
/// practice server, a step at a time. A step says what to type and why; it is done when the
/// server answers the expected command with the expected class of reply (the protocol
/// core's state machine says which command a reply answers). Every text is a `lesson-*`
/// message of `lessons.catalog`, in the user's language.
struct Lesson: Sendable {
    /// `greeting`, `envelope`…: the messages are `lesson-NAME-title`, `lesson-NAME-intro`,
    /// and `lesson-NAME-STEP-do` / `-done` for each step.
    var name: String
    /// Rules for the practice server during this lesson (errors on purpose).
    var rules: [String] = []
    var steps: [Step]

    struct Step: Sendable {
        /// The step's name in the messages.
        var name: String
        /// What to type (shown as is, not translated).
        var example: String
        /// The command whose reply ends the step: a verb, `.` (the end of the message), or
        /// `AUTH` (also the answers of an AUTH exchange).
        var verb: String
        /// The first digit of the reply that ends it.
        var replyClass: Int
        /// The step needs TLS to be on (EHLO again after STARTTLS).
        var underTLS = false
    }

    static let all: [Lesson] = [
        Lesson(name: "greeting", steps: [
            Step(name: "ehlo", example: "EHLO learner.example", verb: "EHLO", replyClass: 2),
            Step(name: "noop", example: "NOOP", verb: "NOOP", replyClass: 2),
            Step(name: "quit", example: "QUIT", verb: "QUIT", replyClass: 2),
        ]),
        Lesson(name: "envelope", steps: [
            Step(name: "ehlo", example: "EHLO learner.example", verb: "EHLO", replyClass: 2),
            Step(name: "mail", example: "MAIL FROM:<you@example.org>", verb: "MAIL", replyClass: 2),
            Step(name: "rcpt", example: "RCPT TO:<friend@example.org>", verb: "RCPT", replyClass: 2),
            Step(name: "rcpt2", example: "RCPT TO:<another@example.org>", verb: "RCPT", replyClass: 2),
            Step(name: "rset", example: "RSET", verb: "RSET", replyClass: 2),
            Step(name: "quit", example: "QUIT", verb: "QUIT", replyClass: 2),
        ]),
        Lesson(name: "data", steps: [
            Step(name: "ehlo", example: "EHLO learner.example", verb: "EHLO", replyClass: 2),
            Step(name: "mail", example: "MAIL FROM:<you@example.org>", verb: "MAIL", replyClass: 2),
            Step(name: "rcpt", example: "RCPT TO:<friend@example.org>", verb: "RCPT", replyClass: 2),
            Step(name: "data", example: "DATA", verb: "DATA", replyClass: 3),
            Step(name: "dot", example: ".", verb: ".", replyClass: 2),
            Step(name: "quit", example: "QUIT", verb: "QUIT", replyClass: 2),
        ]),
        Lesson(
            name: "errors",
            rules: [
                "RCPT 1: 452 #4.3.1 queue full",
                "RCPT 2: 452 #4.5.3 Too many recipients",
                "RCPT 3: 550 5.7.1 <{arg}>: Relay access denied",
                "DOT 1: 552 #5.3.4 message size exceeds limit",
            ],
            steps: [
                Step(name: "ehlo", example: "EHLO learner.example", verb: "EHLO", replyClass: 2),
                Step(name: "mail", example: "MAIL FROM:<you@example.org>", verb: "MAIL", replyClass: 2),
                Step(name: "queue", example: "RCPT TO:<friend@example.org>", verb: "RCPT", replyClass: 4),
                Step(name: "recipients", example: "RCPT TO:<friend@example.org>", verb: "RCPT", replyClass: 4),
                Step(name: "relay", example: "RCPT TO:<someone@elsewhere.example>", verb: "RCPT", replyClass: 5),
                Step(name: "rcpt", example: "RCPT TO:<friend@example.org>", verb: "RCPT", replyClass: 2),
                Step(name: "data", example: "DATA", verb: "DATA", replyClass: 3),
                Step(name: "size", example: ".", verb: ".", replyClass: 5),
                Step(name: "quit", example: "QUIT", verb: "QUIT", replyClass: 2),
            ]),
        Lesson(name: "security", steps: [
            Step(name: "ehlo", example: "EHLO learner.example", verb: "EHLO", replyClass: 2),
            Step(name: "starttls", example: "STARTTLS", verb: "STARTTLS", replyClass: 2),
            Step(name: "ehlo-again", example: "EHLO learner.example", verb: "EHLO", replyClass: 2, underTLS: true),
            Step(name: "auth", example: ":auth plain student", verb: "AUTH", replyClass: 2),
            Step(name: "quit", example: "QUIT", verb: "QUIT", replyClass: 2),
        ]),
        Lesson(name: "alone", steps: [
            Step(name: "ehlo", example: "EHLO learner.example", verb: "EHLO", replyClass: 2),
            Step(name: "mail", example: "MAIL FROM:<you@example.org>", verb: "MAIL", replyClass: 2),
            Step(name: "rcpt", example: "RCPT TO:<friend@example.org>", verb: "RCPT", replyClass: 2),
            Step(name: "data", example: "DATA", verb: "DATA", replyClass: 3),
            Step(name: "dot", example: ".", verb: ".", replyClass: 2),
            Step(name: "quit", example: "QUIT", verb: "QUIT", replyClass: 2),
        ]),
    ]
}

/// Follows the learner through one lesson: after each reply, says whether the step is done
/// (and why it matters) and what comes next, or what went wrong and what to type instead.
/// A reply observer of the session: its lines come right after the reply's explanation.
final class LessonGuide: @unchecked Sendable {
    let lesson: Lesson
    let number: Int
    let style: LessonStyle
    private let lock = NIOLock()
    private var index = 0
    private var mistakes = 0
    /// Whether the last reply came under TLS (from the transcript, which sees it first).
    private var lastReplyTLS = false

    /// A reply came (under TLS or not), before its explanation and ``lines(for:outcome:)``.
    func replyReceived(tls: Bool) {
        lock.withLock { lastReplyTLS = tls }
    }

    /// Whether the next lesson follows in this run (else the learner is told how to start it).
    let continues: Bool

    init(lesson: Lesson, number: Int, style: LessonStyle, continues: Bool = true) {
        self.lesson = lesson
        self.number = number
        self.style = style
        self.continues = continues
    }

    var isFinished: Bool { lock.withLock { index >= lesson.steps.count } }
    var mistakeCount: Int { lock.withLock { mistakes } }

    /// The lesson's first screen: its title, why it matters, and the first step.
    func opening() -> [String] {
        var lines = [""]
        lines += style.title(Words["lesson-heading", ["number": String(number), "count": String(Lesson.all.count), "title": Words["lesson-\(lesson.name)-title"]]])
        lines += style.text(Words["lesson-\(lesson.name)-intro"])
        lines += instruction(for: 0)
        return lines
    }

    private func instruction(for step: Int) -> [String] {
        guard step < lesson.steps.count else { return [] }
        let current = lesson.steps[step]
        return style.step(
            Words["lesson-step", ["number": String(step + 1), "count": String(lesson.steps.count)]],
            Words["lesson-\(lesson.name)-\(current.name)-do"], example: current.example)
    }

    /// Called after every reply (and its explanation), on the network thread.
    func lines(for reply: Reply, outcome: SessionStateMachine.Outcome) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let isTLS = lastReplyTLS
        guard index < lesson.steps.count, let answered = outcome.answered else { return [] }
        // The lesson opens under the server's greeting, which its introduction talks about.
        if case .greeting = answered { return opening() }
        let step = lesson.steps[index]
        let verb = Self.verb(of: answered)
        let replyClass = reply.code.rawValue / 100
        if verb == step.verb && replyClass == step.replyClass && (!step.underTLS || isTLS) {
            var lines = style.done(Words["lesson-\(lesson.name)-\(step.name)-done"])
            index += 1
            if index < lesson.steps.count {
                lines += instruction(for: index)
            } else {
                lines += style.title(Words["lesson-finished", ["number": String(number), "title": Words["lesson-\(lesson.name)-title"]]])
                if number < Lesson.all.count {
                    let next = Words["lesson-\(Lesson.all[number].name)-title"]
                    lines += style.text(continues
                        ? Words["lesson-next", ["title": next]]
                        : Words["lesson-next-command", ["title": next, "number": String(number + 1)]])
                } else {
                    lines += style.text(Words["lesson-all-done"])
                }
            }
            return lines
        }
        // A challenge during AUTH, the 354 of a DATA the step does not ask for yet: not a mistake.
        if replyClass == 3 && step.replyClass != 3 { return [] }
        if verb == "STARTTLS" && replyClass == 2 { return [] }
        // QUIT before the end: the learner is leaving (LearnCommand says how to come back).
        if verb == "QUIT" { return [] }
        mistakes += 1
        var lines: [String] = []
        if verb == step.verb {
            // The right command, the wrong outcome: usually a typo the server refused.
            lines += style.mistake(Words[replyClass == 2 ? "lesson-mistake-not-yet" : "lesson-mistake-refused", ["code": String(reply.code.rawValue)]])
        } else {
            lines += style.mistake(Words["lesson-mistake-other", ["typed": verb == "." ? Words["lesson-the-dot"] : verb, "code": String(reply.code.rawValue)]])
        }
        lines += instruction(for: index)
        return lines
    }

    static func verb(of pending: SessionStateMachine.Pending) -> String {
        switch pending {
        case .greeting: "greeting"
        case .command(let command): command.verb.uppercased()
        case .endOfData: "."
        case .saslResponse: "AUTH"
        }
    }
}

/// How lessons look: normal, or large and high-contrast for a projector (`--large`):
/// bold text, no dim colours, a blank line around every block.
struct LessonStyle: Sendable {
    var color: Bool
    var large: Bool
    var columns: Int

    private func paint(_ text: String, _ codes: String) -> String {
        color ? codes + text + "\u{1B}[0m" : text
    }

    private func wrap(_ text: String, indent: String) -> [String] {
        TextWrapper.wrap(text, width: max(columns - DisplayWidth.of(indent), 20)).map { indent + $0 }
    }

    func title(_ text: String) -> [String] {
        let line = String(repeating: large ? "═" : "─", count: min(DisplayWidth.of(text) + 4, max(columns, 20)))
        return (large ? [""] : []) + [paint(line, "\u{1B}[36m"), paint("  " + text, "\u{1B}[1;36m"), paint(line, "\u{1B}[36m")]
    }

    func text(_ text: String) -> [String] {
        wrap(text, indent: "  ").map { paint($0, large ? "\u{1B}[1m" : "") } + (large ? [""] : [])
    }

    func step(_ label: String, _ text: String, example: String) -> [String] {
        var lines = [""]
        // No space after a fullwidth colon (`ステップ 1/5：`), which has its own.
        lines += wrap(label + DisplayWidth.space(after: label) + text, indent: "  ").map { paint($0, "\u{1B}[1;36m") }
        lines.append(paint("      " + example, "\u{1B}[1;33m"))
        if large { lines.append("") }
        return lines
    }

    func done(_ text: String) -> [String] {
        let lines = wrap(text, indent: "  ✓ ")
        return [""] + lines.enumerated().map { index, line in
            paint(index == 0 ? line : "    " + line.dropFirst(4), large ? "\u{1B}[1;32m" : "\u{1B}[32m")
        }
    }

    func mistake(_ text: String) -> [String] {
        [""] + wrap(text, indent: "  ! ").map { paint($0, "\u{1B}[1;33m") }
    }
}
