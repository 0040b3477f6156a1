#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Locking
import SMTPCatalog
import SMTPClient
import SMTPCore
import SMTPPracticeServer

/// Follows the learner through one lesson: after each reply, says whether the step is done
/// (and why it matters) and what comes next, or what went wrong, for the reason the reply
/// gives (the recipient's domain, the message's size, the recipients already accepted), and
/// what to type instead. RSET (or EHLO) in the middle of a transaction takes the lesson back
/// to the step it undoes. A reply observer of the session: its lines come right after the
/// reply's explanation. It also reads each command line first (``input(_:show:)``): leading
/// blanks, `:hint`.
final class LessonGuide: @unchecked Sendable {
    let lesson: Lesson
    let style: LessonStyle
    /// The languages of the lesson's words (`--lang en,ja`: each text in both).
    let languages: [Language]
    /// The practice server's configuration (its limits and domains), `nil` against another
    /// server (`learn --connect`).
    let server: PracticeServerConfiguration?
    /// Rules a teacher's `--scenario` added to the lesson's server: a refusal they cause is
    /// theirs, not the learner's.
    let classRules: [ScenarioRule]
    /// Explanations are shown under each reply (the lesson may refer to them).
    let explanationsShown: Bool

    private let lock = Locked(())
    private var index = 0
    /// Per step: mistakes made and hints asked for before it was done.
    private var mistakes: [Int]
    private var hints: [Int]
    private let started = ContinuousClock.now
    private var finishedAt: ContinuousClock.Instant?
    /// Whether the last reply came under TLS (from the transcript, which sees it first).
    private var lastReplyTLS = false
    /// The recipients accepted in the transaction in progress, as given.
    private var recipients: [String] = []
    /// Whether the server has a transaction open (a MAIL accepted, not yet ended).
    private var transactionOpen = false
    /// The SIZE limit the server announced in EHLO.
    private var sizeLimit: UInt64?
    /// The messages the practice server stored, the last one first to be shown.
    private var stored: [ReceivedMessage] = []
    /// Where each step is when a transaction is open: the MAIL step that opened it.
    private let transactionStart: [Int?]

    init(
        lesson: Lesson, style: LessonStyle, languages: [Language], server: PracticeServerConfiguration? = nil,
        classRules: [ScenarioRule] = [], explanationsShown: Bool = true
    ) {
        self.lesson = lesson
        self.style = style
        self.languages = languages.isEmpty ? [Words.language] : languages
        self.server = server
        self.classRules = classRules
        self.explanationsShown = explanationsShown
        mistakes = Array(repeating: 0, count: lesson.steps.count)
        hints = mistakes
        transactionStart = Self.transactionStarts(lesson.steps)
    }

    /// For each step, the MAIL step whose transaction is open while that step is the current
    /// one: a MAIL accepted opens it; the final dot, RSET, EHLO or QUIT close it.
    static func transactionStarts(_ steps: [Lesson.Step]) -> [Int?] {
        var open: Int?
        var starts: [Int?] = []
        for (index, step) in steps.enumerated() {
            starts.append(open)
            let expectation = step.expectation
            guard expectation.wantedClass == 2 || (expectation.verb == "DATA" && expectation.wantedClass == 3) else { continue }
            switch expectation.verb {
            case "MAIL": open = index
            case ".", "RSET", "EHLO", "HELO", "QUIT": open = nil
            default: break
            }
        }
        return starts
    }

    var isFinished: Bool { lock.withLock { _ in index >= lesson.steps.count } }
    var mistakeCount: Int { lock.withLock { _ in mistakes.reduce(0, +) } }

    /// How the lesson went: steps right the first time, mistakes, hints, time.
    var score: LessonScore {
        lock.withLock { _ in
            let end = finishedAt ?? ContinuousClock.now
            let elapsed = end - started
            return LessonScore(
                steps: lesson.steps.count, done: min(index, lesson.steps.count),
                firstTime: (0..<min(index, lesson.steps.count)).filter { mistakes[$0] == 0 && hints[$0] == 0 }.count,
                mistakes: mistakes.reduce(0, +), hints: hints.reduce(0, +),
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }

    // MARK: - Words

    private func say(_ name: String, _ values: [String: String] = [:]) -> [String] {
        languages.map { Words.text(name, in: $0, values) }
    }

    private func say(_ text: LessonText, _ values: [String: String] = [:]) -> [String] {
        // An exercise written in one language: its words once, whatever the languages.
        let languages = self.languages.filter { text.has($0) }
        return (languages.isEmpty ? [self.languages[0]] : languages).map { text.text(in: $0, values) }
    }

    /// The lesson's heading: "Lesson 2 of 6: The envelope", or an exercise's title.
    func heading() -> [String] {
        if let number = lesson.number {
            return languages.map { language in
                Words.text("lesson-heading", in: language, [
                    "number": String(number), "count": String(Lesson.all.count), "title": lesson.title.text(in: language),
                ])
            }
        }
        return say(lesson.title)
    }

    /// The lesson's first screen: its title, why it matters, and the first step.
    func opening() -> [String] {
        var lines = [""]
        lines += style.title(heading())
        lines += style.text(say(lesson.intro))
        if lesson.hidesAnswers || lesson.number == nil { lines += style.text(say("lesson-hint-how")) }
        for (step, rule) in blockingRules() {
            lines += style.mistake(say("lesson-scenario-blocks", ["rule": rule.description, "step": String(step + 1)]))
        }
        lines += instruction(for: 0)
        return lines
    }

    private func instruction(for step: Int) -> [String] {
        guard step < lesson.steps.count else { return [] }
        let current = lesson.steps[step]
        let labels = say("lesson-step", ["number": String(step + 1), "count": String(lesson.steps.count)])
        return style.step(labels, say(current.instruction), example: lesson.hidesAnswers ? nil : current.example)
    }

    /// What the lesson says once it is over: the heading, the score.
    func closing() -> [String] {
        let titles = languages.map { language in
            lesson.number.map {
                Words.text("lesson-finished", in: language, ["number": String($0), "title": lesson.title.text(in: language)])
            } ?? Words.text("exercise-finished", in: language, ["title": lesson.title.text(in: language)])
        }
        return style.title(titles) + style.text(score.lines(languages))
    }

    // MARK: - Input

    /// A command line before it is sent: `:hint` is the lesson's (nothing is sent), leading
    /// blanks are removed with a note (a line copied from the screen keeps the indentation),
    /// an empty line is not sent. `nil`: nothing to send.
    func input(_ line: String, show: (String) -> Void) -> String? {
        let trimmed = line.trimmingLeadingBlanks
        if trimmed.trimmingSpaces.isEmpty { return nil }
        if trimmed.lowercased().trimmingSpaces == ":hint" {
            hint().forEach(show)
            return nil
        }
        if trimmed.count != line.count {
            style.note(say("lesson-leading-blanks")).forEach(show)
        }
        return trimmed
    }

    /// `:hint`: first the command to use (with the teacher's hint), then the whole line.
    func hint() -> [String] {
        lock.withLock { _ in
            guard index < lesson.steps.count else { return style.note(say("lesson-hint-none")) }
            let step = lesson.steps[index]
            hints[index] += 1
            if hints[index] == 1 {
                var lines =
                    step.expectation.verb == "."
                    ? style.note(say("lesson-hint-dot"))
                    : style.note(say("lesson-hint-verb", ["verb": Self.spoken(step.expectation.verb, example: step.example)]))
                if let hint = step.hint { lines += style.note(say(hint)) }
                return lines
            }
            return style.note(say("lesson-hint-line")) + style.example(step.example)
        }
    }

    /// How a command is named to the learner: the verb, the final dot, `:auth`.
    private static func spoken(_ verb: String, example: String) -> String {
        switch verb {
        case ".": Words["lesson-the-dot"]
        case "AUTH": example.hasPrefix(":auth") ? ":auth" : "AUTH"
        default: verb
        }
    }

    // MARK: - Replies

    /// A reply came (under TLS or not), before its explanation and ``lines(for:outcome:)``.
    func replyReceived(tls: Bool) {
        lock.withLock { _ in lastReplyTLS = tls }
    }

    /// A message the practice server accepted (called before its 250 is sent).
    func accepted(_ message: ReceivedMessage) {
        lock.withLock { _ in stored.append(message) }
    }

    /// Called after every reply (and its explanation), on the network thread.
    func lines(for reply: Reply, outcome: SessionStateMachine.Outcome) -> [String] {
        return lock.withLock { _ in
            guard index < lesson.steps.count, let answered = outcome.answered else { return [] }
            // The lesson opens under the server's greeting, which its introduction talks about.
            if case .greeting = answered { return opening() }
            let verb = Self.verb(of: answered)
            let address = Self.address(of: answered)
            let replyClass = reply.code.rawValue / 100
            let step = lesson.steps[index]
            let wasRecipient = address.map { candidate in recipients.contains { $0.lowercased() == candidate.lowercased() } } ?? false
            let wasOpen = transactionOpen
            track(verb: verb, reply: reply, address: address)

            if step.expectation.matches(verb: verb, reply: reply, tls: lastReplyTLS) {
                // The same recipient again is still one recipient.
                if verb == "RCPT", replyClass == 2, wasRecipient, let address {
                    mistakes[index] += 1
                    return style.mistake(say("lesson-same-recipient", ["address": address])) + instruction(for: index)
                }
                if step.checksMessage, let message = stored.last, !Self.hasHeader(message.content) {
                    mistakes[index] += 1
                    let back = lastTransactionStart(before: index) ?? index
                    index = back
                    return style.mistake(say("lesson-message-no-header")) + instruction(for: index)
                }
                var lines = style.done(say(step.done ?? .inline([:])))
                if verb == ".", replyClass == 2, let message = stored.last { lines += storedView(message) }
                index += 1
                if index < lesson.steps.count {
                    lines += instruction(for: index)
                } else {
                    finishedAt = ContinuousClock.now
                }
                return lines
            }

            // RSET, or a new EHLO, in the middle of a transaction: back to the step that opens it.
            if replyClass == 2, ["RSET", "EHLO", "HELO"].contains(verb), let start = transactionStart[index] {
                index = start
                return style.note(say(verb == "RSET" ? "lesson-rewind-rset" : "lesson-rewind-ehlo")) + instruction(for: index)
            }
            // A challenge during AUTH, the 354 of a DATA the step does not ask for yet: not a mistake.
            if replyClass == 3 && step.expectation.wantedClass != 3 { return [] }
            if verb == "STARTTLS" && replyClass == 2 { return [] }
            // QUIT before the end: the learner is leaving (`learn` says how to come back).
            if verb == "QUIT" { return [] }
            // An RSET that dropped a transaction the lesson did not ask for (a MAIL accepted out of turn).
            if replyClass == 2, verb == "RSET", wasOpen {
                return style.note(say("lesson-rset-cleared")) + instruction(for: index)
            }
            // Commands that change nothing: no mistake, the step again.
            if replyClass == 2, ["NOOP", "RSET", "HELP", "VRFY"].contains(verb) {
                return style.note(say("lesson-changes-nothing", ["verb": verb])) + instruction(for: index)
            }

            mistakes[index] += 1
            var lines: [String] = []
            if let rule = classRule(answering: verb, reply: reply) {
                lines += style.mistake(say("lesson-mistake-scenario", ["verb": verb, "code": String(reply.code.rawValue), "rule": rule.description]))
            } else if verb == step.expectation.verb {
                lines += style.mistake(cause(of: reply, verb: verb, address: address, step: step) ?? generic(reply, sameVerb: true))
            } else if verb == "HELO" && step.expectation.verb == "EHLO" {
                lines += style.mistake(say("lesson-mistake-helo"))
            } else if let why = cause(of: reply, verb: verb, address: address, step: nil) {
                lines += style.mistake(why)
            } else {
                lines += style.mistake(generic(reply, sameVerb: false, typed: Self.spoken(verb, example: "")))
            }
            lines += instruction(for: index)
            return lines
        }
    }

    /// The recipients of the transaction in progress, and the SIZE limit from EHLO.
    private func track(verb: String, reply: Reply, address: String?) {
        let positive = reply.code.rawValue / 100 == 2
        switch verb {
        case "EHLO" where positive:
            recipients = []
            transactionOpen = false
            if case .limit(let octets)? = ServerCapabilities(ehloReply: reply)?.size { sizeLimit = octets }
        case "MAIL" where positive:
            recipients = []
            transactionOpen = true
        case "RSET" where positive, "HELO" where positive, ".":
            recipients = []
            transactionOpen = false
        case "RCPT" where positive:
            if let address { recipients.append(address) }
        default:
            break
        }
    }

    /// The MAIL step that opened the transaction a step belongs to (or the last MAIL step before it).
    private func lastTransactionStart(before step: Int) -> Int? {
        if let start = transactionStart[step] { return start }
        return lesson.steps[..<step].indices.last { lesson.steps[$0].expectation.verb == "MAIL" && lesson.steps[$0].expectation.wantedClass == 2 }
    }

    /// What a reply means for this learner, from what they typed and what the server is
    /// set up to do; `nil` when the server's explanation says it all.
    private func cause(of reply: Reply, verb: String, address: String?, step: Lesson.Step?) -> [String]? {
        let replyClass = reply.code.rawValue / 100
        // A step that wants a refusal got an acceptance: why the server had no reason to refuse.
        if replyClass == 2, let step, let text = step.ifAccepted {
            return say(text, ["address": address ?? "", "domain": address.map(Self.domain) ?? "", "count": String(recipients.count)])
        }
        let enhanced = reply.enhancedStatusCode?.description
        switch (verb, enhanced) {
        case ("RCPT", "5.7.1"?):
            let domains = server?.localDomains.map { $0.sorted().joined(separator: ", ") }
            return say(domains == nil ? "lesson-why-relay-unknown" : "lesson-why-relay", [
                "address": address ?? "", "domain": address.map(Self.domain) ?? "", "domains": domains ?? "",
            ])
        case ("RCPT", "4.5.3"?):
            return say("lesson-why-too-many", ["count": String(recipients.count)])
        case ("RCPT", "4.2.2"?):
            return say("lesson-why-mailbox-full", ["address": address ?? ""])
        case ("MAIL", "5.3.4"?), (".", "5.3.4"?):
            let limit = sizeLimit ?? server?.maximumMessageSize
            return say(verb == "MAIL" ? "lesson-why-size-declared" : "lesson-why-too-big", [
                "size": limit.map { ReadableSize.format($0, in: languages[0]) } ?? "?",
            ])
        case ("MAIL", _) where reply.code.rawValue == 503:
            return say("lesson-why-nested-mail")
        default:
            return nil
        }
    }

    private func generic(_ reply: Reply, sameVerb: Bool, typed: String = "") -> [String] {
        let code = String(reply.code.rawValue)
        let suffix = explanationsShown ? "" : "-plain"
        if sameVerb {
            return say(reply.code.rawValue / 100 == 2 ? "lesson-mistake-not-yet" : "lesson-mistake-refused" + suffix, ["code": code])
        }
        return say("lesson-mistake-other" + suffix, ["typed": typed.isEmpty ? "?" : typed, "code": code])
    }

    /// A rule of the teacher's scenario that gives this reply to this command.
    private func classRule(answering verb: String, reply: Reply) -> ScenarioRule? {
        guard reply.code.rawValue >= 400 else { return nil }
        return classRules.first { rule in
            guard rule.trigger == (verb == "." ? .endOfData : .verb(verb)) else { return false }
            return rule.reply.hasPrefix(String(reply.code.rawValue))
        }
    }

    /// Steps that a rule of the teacher's scenario refuses every time: the lesson cannot be
    /// finished with it, and the learner is told so before starting.
    func blockingRules() -> [(step: Int, rule: ScenarioRule)] {
        var found: [(Int, ScenarioRule)] = []
        for (index, step) in lesson.steps.enumerated() where step.expectation.wantedClass < 4 {
            let trigger: ScenarioRule.Trigger = step.expectation.verb == "." ? .endOfData : .verb(step.expectation.verb)
            if let rule = classRules.first(where: { Self.refusesEvery(trigger, $0) }) {
                found.append((index, rule))
            }
        }
        return found
    }

    /// Whether a rule refuses this trigger every time (no address, from the first time on).
    private static func refusesEvery(_ trigger: ScenarioRule.Trigger, _ rule: ScenarioRule) -> Bool {
        guard rule.trigger == trigger, rule.address == nil else { return false }
        guard rule.occurrence == .every || rule.occurrence == .from(1) else { return false }
        let replyClass = Int(rule.reply.prefix(1)) ?? 2
        return replyClass >= 4
    }

    // MARK: - The message as stored

    /// "The message as the server stored it": its trace lines, then the message, with what
    /// is worth a remark (a doubled dot removed, a header in raw UTF-8, QUIT as text).
    private func storedView(_ message: ReceivedMessage) -> [String] {
        let shown = StoredMessageView.lines(message, host: server?.hostname ?? "practice.localhost", language: languages[0])
        var output = [""] + style.note(say("lesson-stored-heading")) + style.stored(shown)
        let body = String(decoding: message.content, as: UTF8.self)
        let (headers, bodyLines) = Self.split(body)
        if bodyLines.contains(where: { $0.hasPrefix(".") }) { output += style.note(say("lesson-stored-dot")) }
        if headers.contains(where: { $0.unicodeScalars.contains { $0.value > 0x7F } }) { output += style.note(say("lesson-stored-utf8")) }
        if bodyLines.contains(where: { ["QUIT", ":QUIT", "RSET"].contains($0.trimmingSpaces.uppercased()) }) {
            output += style.note(say("lesson-stored-command-as-text"))
        }
        return output
    }

    private static func split(_ message: String) -> (headers: [String], body: [String]) {
        let lines = TextLines.split(Array(message.utf8))
        guard let blank = lines.firstIndex(of: "") else { return (lines, []) }
        return (Array(lines[..<blank]), Array(lines[(blank + 1)...]))
    }

    /// A message starts with at least one header field (`Subject: Hello`).
    static func hasHeader(_ content: [UInt8]) -> Bool {
        guard let first = TextLines.split(content).first, let colon = first.firstIndex(of: ":") else { return false }
        let name = first[..<colon]
        return !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    // MARK: - Helpers

    static func verb(of pending: SessionStateMachine.Pending) -> String {
        switch pending {
        case .greeting: "greeting"
        case .command(let command): command.verb.uppercased()
        case .endOfData, .delivery: "."
        case .saslResponse: "AUTH"
        }
    }

    /// The address a MAIL or RCPT gave.
    static func address(of pending: SessionStateMachine.Pending) -> String? {
        guard case .command(let command) = pending else { return nil }
        switch command {
        case .mail(let path, _), .rcpt(let path, _): return path.mailbox
        default: return nil
        }
    }

    static func domain(_ address: String) -> String {
        address.lastIndex(of: "@").map { String(address[address.index(after: $0)...]) } ?? address
    }
}

extension String {
    /// Without the spaces and tabs it starts with.
    var trimmingLeadingBlanks: String { String(drop { $0 == " " || $0 == "\t" }) }
}
