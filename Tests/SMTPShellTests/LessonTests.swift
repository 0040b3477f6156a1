import Foundation
import SMTPCatalog
import Testing

@testable import SMTPShell

/// `smtpsh learn`: every lesson completed by a scripted learner (piped input), in each
/// language, and a wrong step explained.
@Suite struct LessonTests {
    /// What a learner types to go through each lesson, in order.
    static let scripts: [String] = [
        "EHLO learner.example\nNOOP\nQUIT\n",
        "EHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nRCPT TO:<another@example.org>\nRSET\nQUIT\n",
        "EHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nDATA\nSubject: Hello\n\n.a line with a dot\n.\nQUIT\n",
        "EHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<full@example.org>\nRCPT TO:<someone@elsewhere.example>\nRCPT TO:<friend@example.org>\nRCPT TO:<another@example.org>\nRCPT TO:<third@example.org>\nDATA\nSubject: x\n\nhello\n.\nMAIL FROM:<you@example.org> SIZE=5000\nQUIT\n",
        "EHLO learner.example\nSTARTTLS\nEHLO learner.example\n:auth plain\nQUIT\n",
        "EHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nDATA\nSubject: alone\n\nhi\n.\nQUIT\n",
    ]

    static func message(_ name: String, _ language: Language, _ values: [String: String] = [:]) -> String {
        var text = Catalog.shared.message(name, in: language)
        for (key, value) in values { text = text.replacingOccurrences(of: "{\(key)}", with: value) }
        return text
    }

    /// The first words of a message: wrapped text is compared by its beginning.
    static func start(_ text: String) -> String { String(text.prefix(24)) }

    static let languages: [Language] = [.en, .fr, .ja]

    @Test(arguments: Array(1...Lesson.all.count), languages)
    func eachLessonCanBeCompleted(number: Int, language: Language) throws {
        let lesson = Lesson.all[number - 1]
        let result = try BinaryRunner.run(
            ["learn", "--lesson", String(number), "--lang", language.rawValue, "--no-explain", "--color", "never"],
            stdin: Data(Self.scripts[number - 1].utf8), environment: ["SMTPSH_PASSWORD": "practice", "COLUMNS": "200"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let title = Self.message("lesson-\(lesson.name)-title", language)
        #expect(result.stdout.contains(Self.message("lesson-heading", language, ["number": String(number), "count": "6", "title": title])), "\(result.stdout)")
        // Every step said what to type, then why it mattered, in order.
        var rest = Substring(result.stdout)
        for step in lesson.steps {
            let done = Self.start(Self.message("lesson-\(lesson.name)-\(step.name)-done", language))
            guard let range = rest.range(of: done) else {
                Issue.record("lesson \(number) (\(language)): no \(step.name) step done: \(result.stdout)")
                return
            }
            rest = rest[range.upperBound...]
        }
        #expect(!result.stdout.contains("  ! "), "no mistake in a correct run: \(result.stdout)")
        #expect(result.stdout.contains(Self.message("lesson-finished", language, ["number": String(number), "title": title])))
    }

    /// A wrong step: the server's reply is explained, the lesson says what was wrong, and
    /// repeats the step; the right command then moves on.
    @Test func aWrongStepIsExplainedAndTheLessonGoesOn() throws {
        let input = "EHLO learner.example\nRCPT TO:<friend@example.org>\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nRCPT TO:<another@example.org>\nRSET\nQUIT\n"
        let result = try BinaryRunner.run(["learn", "--lesson", "2", "--color", "never"], stdin: Data(input.utf8), environment: ["COLUMNS": "200"])
        #expect(result.status == 0, "\(result.stdout)")
        let out = result.stdout
        // The server's 503, explained under it (explanations are on), then the lesson's word.
        #expect(out.contains("<-  503 5.5.1"), "\(out)")
        #expect(out.contains("      503    RCPT TO comes at the wrong time"), "\(out)")
        #expect(out.contains("  ! That was RCPT, not what this step asks for; the server answered 503"), "\(out)")
        // The step is asked again, then done.
        let mailStep = Self.start(Self.message("lesson-envelope-mail-do", .en))
        #expect(out.components(separatedBy: mailStep).count - 1 == 2, "\(out)")
        #expect(out.contains(Self.start(Self.message("lesson-envelope-mail-done", .en))))
    }

    /// Leaving before the end says how to come back, with a non-zero status.
    @Test func leavingEarlySaysHowToComeBack() throws {
        let result = try BinaryRunner.run(["learn", "--lesson", "3", "--no-explain"], stdin: Data("EHLO learner.example\n".utf8))
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("smtpsh learn --lesson 3"), "\(result.stdout)")
    }

    /// Without --lesson, the lessons follow one another on the same input.
    @Test func allLessonsInOneRun() throws {
        let result = try BinaryRunner.run(
            ["learn", "--no-explain"], stdin: Data(Self.scripts.joined().utf8), environment: ["SMTPSH_PASSWORD": "practice"])
        #expect(result.status == 0, "\(result.stdout)")
        for number in 1...6 { #expect(result.stdout.contains("Lesson \(number) complete"), "\(number)") }
        #expect(result.stdout.contains(Self.start(Self.message("lesson-all-done", .en))))
    }

    @Test func theListAndBadArguments() throws {
        let list = try BinaryRunner.run(["learn", "--list"])
        #expect(list.status == 0)
        #expect(list.stdout.split(separator: "\n").count == 6)
        #expect(list.stdout.hasPrefix("1. The greeting and EHLO\n"))
        let bad = try BinaryRunner.run(["learn", "--lesson", "7"])
        #expect(bad.status == 64)
    }
}
