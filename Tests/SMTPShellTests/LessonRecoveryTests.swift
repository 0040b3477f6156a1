import Foundation
import SMTPCatalog
import Testing

@testable import SMTPShell

/// Lessons react to what the learner typed (issue 19): lesson 4's refusals have causes the
/// learner can see, a wrong-but-plausible answer is told its real cause, RSET and a pasted
/// indented line recover, lesson 6 keeps its answers for `:hint`, and a teacher's scenario
/// that makes a lesson impossible is blamed, not the learner.
@Suite struct LessonRecoveryTests {
    static func learn(_ lesson: Int, _ input: String, _ options: [String] = [], language: Language = .en) throws -> BinaryRunner.Result {
        let lang = options.contains("--lang") ? [] : ["--lang", language.rawValue]
        return try BinaryRunner.run(
            ["learn", "--lesson", String(lesson), "--color", "never"] + lang + options,
            stdin: Data(input.utf8), environment: ["SMTPSH_PASSWORD": "practice", "COLUMNS": "400"])
    }

    /// A message as the lesson prints it, placeholders filled, cut to what fits on a line.
    static func said(_ name: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        String(LessonTests.message(name, language, values).prefix(60))
    }

    /// The plausible mistakes of lesson 4, each told its real cause; the lesson still ends.
    @Test(arguments: LessonTests.languages)
    func lessonFourExplainsTheRealCauseOfEachPlausibleMistake(language: Language) throws {
        let input = [
            "EHLO learner.example", "MAIL FROM:<you@example.org>",
            "RCPT TO:<someone@example.org>",  // "full" step: a local address with room
            "RCPT TO:<full@example.org>",
            "RCPT TO:<friend@example.org>",  // "relay" step: a local address (no relay needed)
            "RCPT TO:<someone@elsewhere.example>",
            "RCPT TO:<someone@elsewhere.example>",  // "rcpt" step: the domain just refused
            "RSET",  // back to MAIL: the envelope had two local recipients already
            "MAIL FROM:<you@example.org>", "RCPT TO:<full@example.org>", "RCPT TO:<someone@elsewhere.example>",
            "RCPT TO:<friend@example.org>",
            "RCPT TO:<friend@example.org>",  // "rcpt2" step: the same recipient again
            "RCPT TO:<another@example.org>", "RCPT TO:<third@example.org>",
            "DATA", "Subject: three lines", "", "hello", ".",  // a short message fits SIZE 1000
            "MAIL FROM:<you@example.org>",  // "size" step without SIZE=: accepted
            "RSET", "MAIL FROM:<you@example.org> SIZE=5000", "QUIT",
        ].joined(separator: "\n") + "\n"
        let result = try Self.learn(4, input, ["--no-explain"], language: language)
        let out = result.stdout
        #expect(result.status == 0, "\(out)")
        #expect(out.contains(Self.said("lesson-errors-full-accepted", language, ["address": "someone@example.org"])), "\(out)")
        #expect(out.contains(Self.said("lesson-errors-relay-accepted", language, ["address": "friend@example.org", "domain": "example.org"])), "\(out)")
        #expect(out.contains(Self.said("lesson-why-relay", language, ["domain": "elsewhere.example", "domains": "example.org"])), "\(out)")
        #expect(out.contains(Self.said("lesson-rewind-rset", language)), "\(out)")
        #expect(out.contains(Self.said("lesson-same-recipient", language, ["address": "friend@example.org"])), "\(out)")
        #expect(out.contains(Self.said("lesson-errors-size-accepted", language)), "\(out)")
        #expect(out.contains(Self.said("lesson-rset-cleared", language)), "\(out)")
        // A three-line message is accepted: the SIZE limit the server announced is real.
        #expect(out.contains("250-SIZE 1000"), "\(out)")
        #expect(out.contains(Self.said("lesson-errors-dot-done", language)), "\(out)")
        #expect(!out.contains("552 5.3.4 Message size exceeds fixed limit of 1000 octets  (") || out.contains("SIZE=5000"))
        // No wrong cause: the relay refusal is never given for a local address.
        #expect(!out.contains("<friend@example.org>: Relay access denied"), "\(out)")
        #expect(out.contains(LessonTests.message("lesson-finished", language, ["number": "4", "title": LessonTests.message("lesson-errors-title", language)])), "\(out)")
    }

    /// The same refusals reached out of order get the cause from their content.
    @Test func aRefusalOutOfOrderStillNamesItsCause() throws {
        let input = "EHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nRCPT TO:<another@example.org>\nRCPT TO:<x@example.org>\nMAIL FROM:<me@example.org> SIZE=9000\nQUIT\n"
        let out = try Self.learn(4, input, ["--no-explain"]).stdout
        #expect(out.contains(Self.said("lesson-why-too-many", .en, ["count": "2"])), "\(out)")
        #expect(out.contains(Self.said("lesson-why-nested-mail", .en)), "\(out)")
    }

    /// RSET in the middle of lesson 3 takes the lesson back to MAIL FROM; an answers file with
    /// the RSET in it can still finish the lesson.
    @Test func rsetRewindsTheLesson() throws {
        let input = "EHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nRSET\nRCPT TO:<friend@example.org>\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nDATA\nSubject: again\n\nhi\n.\nQUIT\n"
        let result = try Self.learn(3, input, ["--no-explain"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains(Self.said("lesson-rewind-rset", .en)), "\(result.stdout)")
        #expect(result.stdout.contains("Lesson 3 complete"), "\(result.stdout)")
        // The RCPT right after RSET is refused (no sender any more) and the step says so once;
        // the MAIL and RCPT that follow are the lesson's steps again, not mistakes.
        #expect(result.stdout.components(separatedBy: "That was RCPT").count - 1 == 1, "\(result.stdout)")
        #expect(!result.stdout.contains("That was MAIL"), "\(result.stdout)")
        #expect(result.stdout.contains("Score: 5/6 steps right the first time. Mistakes: 1;"), "\(result.stdout)")
    }

    /// A line copied from the screen keeps the lesson's indentation: the blanks are removed,
    /// with a note, and the step is done.
    @Test func aPastedIndentedLineRecovers() throws {
        let result = try Self.learn(1, "      EHLO learner.example\n\t NOOP\n\nQUIT\n")
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains(Self.said("lesson-leading-blanks", .en)), "\(result.stdout)")
        #expect(result.stdout.contains(" -> EHLO learner.example\n"), "\(result.stdout)")
        #expect(!result.stdout.contains("(empty line)"), "\(result.stdout)")
        #expect(!result.stdout.contains("That was ,"), "\(result.stdout)")
        #expect(result.stdout.contains("Lesson 1 complete"), "\(result.stdout)")
    }

    /// HELO at the EHLO step: what HELO lacks, not a generic "that was HELO".
    @Test func heloAtTheEhloStepSaysWhatItLacks() throws {
        let out = try Self.learn(1, "HELO learner.example\nEHLO learner.example\nNOOP\nQUIT\n", ["--no-explain"]).stdout
        #expect(out.contains(Self.said("lesson-mistake-helo", .en)), "\(out)")
        #expect(out.contains("Lesson 1 complete"), "\(out)")
    }

    /// Lesson 6 does not print the answers; `:hint` gives the command, then the line.
    @Test func lessonSixKeepsItsAnswersForHint() throws {
        let input = ":hint\n:hint\nEHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nDATA\nSubject: alone\n\nhi\n.\nQUIT\n"
        let result = try Self.learn(6, input, ["--no-explain"])
        let out = result.stdout
        #expect(result.status == 0, "\(out)")
        #expect(out.contains(Self.said("lesson-hint-how", .en)), "\(out)")
        #expect(out.contains(Self.said("lesson-hint-verb", .en, ["verb": "EHLO"])), "\(out)")
        #expect(out.contains(Self.said("lesson-hint-line", .en)), "\(out)")
        // The only `EHLO learner.example` lines: the hint's and the one sent.
        #expect(out.components(separatedBy: "      EHLO learner.example").count - 1 == 1, "\(out)")
        #expect(!out.contains("      MAIL FROM:<you@example.org>"), "\(out)")
        #expect(out.contains("Score: 5/6 steps right the first time. Mistakes: 0; hints: 2;"), "\(out)")
    }

    /// A lone dot is not a message: accepted by the server, but the lesson asks for a real
    /// one; then shows the message as the server stored it.
    @Test func aMessageWithoutHeaderIsSentAgainAndTheStoredMessageIsShown() throws {
        let input = "EHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nDATA\n.\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nDATA\nSubject: Réunion\n\n.dot line\nQUIT\n.\nQUIT\n"
        let result = try Self.learn(3, input, ["--no-explain"])
        let out = result.stdout
        #expect(result.status == 0, "\(out)")
        #expect(out.contains(Self.said("lesson-message-no-header", .en)), "\(out)")
        #expect(out.contains(Self.said("lesson-stored-heading", .en)), "\(out)")
        #expect(out.contains("    │ Return-Path: <you@example.org>"), "\(out)")
        #expect(out.contains("    │ X-Envelope-To: <friend@example.org>"), "\(out)")
        #expect(out.contains("    │ Subject: Réunion"), "\(out)")
        // The doubled dot was removed by the server, and the remarks say what is worth knowing.
        #expect(out.contains("    │ .dot line"), "\(out)")
        #expect(out.contains(Self.said("lesson-stored-dot", .en)), "\(out)")
        #expect(out.contains(Self.said("lesson-stored-utf8", .en)), "\(out)")
        #expect(out.contains(Self.said("lesson-stored-command-as-text", .en)), "\(out)")
    }

    /// A teacher's scenario that refuses every recipient: said before the lesson starts, and
    /// the refusal is put on the scenario, not on what the learner typed.
    @Test(arguments: LessonTests.languages)
    func aScenarioThatMakesTheLessonImpossibleIsSaid(language: Language) throws {
        let input = "EHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nQUIT\n"
        let out = try Self.learn(3, input, ["--scenario", "queue-full", "--no-explain"], language: language).stdout
        let rule = "on RCPT: 452 #4.3.1 queue full"
        #expect(out.contains(Self.said("lesson-scenario-blocks", language, ["rule": rule, "step": "3"])), "\(out)")
        #expect(out.contains(Self.said("lesson-mistake-scenario", language, ["verb": "RCPT", "code": "452", "rule": rule])), "\(out)")
        #expect(!out.contains(Self.said("lesson-mistake-refused-plain", language, ["code": "452"])), "\(out)")
    }

    /// Without explanations, the lesson does not point at explanations above.
    @Test func noExplainMeansNoExplanationAbove() throws {
        let out = try Self.learn(2, "EHLO learner.example\nRCPT TO:<a@example.org>\nDATA\nQUIT\n", ["--no-explain"]).stdout
        #expect(out.contains("That was RCPT, not what this step asks for; the server answered 503. This step is:"), "\(out)")
        #expect(!out.contains("explained above"), "\(out)")
        #expect(!out.contains("explanation above"), "\(out)")
    }

    /// `--lang en,ja`: the lesson's own words in both languages, as the explanations are.
    @Test func bilingualLessonText() throws {
        let out = try Self.learn(1, "EHLO learner.example\nNOOP\nQUIT\n", ["--no-explain", "--lang", "en,ja"]).stdout
        #expect(out.contains("Lesson 1 of 6: The greeting and EHLO"), "\(out)")
        #expect(out.contains("レッスン 1/6：グリーティングと EHLO"), "\(out)")
        #expect(out.contains(Self.said("lesson-greeting-noop-do", .ja)), "\(out)")
        #expect(out.contains(Self.said("lesson-greeting-noop-do", .en)), "\(out)")
        let list = try BinaryRunner.run(["learn", "--list", "--lang", "en,ja"])
        #expect(list.stdout.hasPrefix("1. The greeting and EHLO / グリーティングと EHLO\n"), "\(list.stdout)")
    }
}
