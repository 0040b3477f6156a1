import Foundation
import SMTPCatalog
import Testing

@testable import SMTPShell

/// A teacher's exercises (`smtpsh learn --exercise FILE`, Docs/exercises.md), `:hint`, the
/// score, and the progress `smtpsh learn` keeps between runs.
@Suite struct ExerciseTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Docs/exercises")

    static func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func temporary(_ text: String, suffix: String = ".exercise") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-exercise-\(UUID().uuidString)\(suffix)")
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Two examples in each language, all valid, with the language each is written in.
    @Test func theDocumentedExamplesParse() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".exercise") }.sorted()
        #expect(names == [
            "first-message.en.exercise", "first-message.fr.exercise", "first-message.ja.exercise",
            "relay.en.exercise", "relay.fr.exercise", "relay.ja.exercise",
        ])
        for name in names {
            let lesson = try LearnCommand.loadExercise(Self.file(name))
            let language = try #require(Language(rawValue: String(name.split(separator: ".")[1])))
            #expect(lesson.title.has(language), "\(name)")
            #expect(lesson.steps.allSatisfy { $0.instruction.has(language) }, "\(name)")
            #expect(lesson.steps.count == (name.hasPrefix("relay") ? 11 : 6), "\(name)")
        }
        let relay = try LearnCommand.loadExercise(Self.file("relay.en.exercise"))
        #expect(relay.server?.settings["local-domains"] == "example.org")
        #expect(relay.server?.rules.first?.address?.description == "<nobody@example.org>")
        #expect(relay.steps[2].expectation == Lesson.Expectation("RCPT", enhanced: "5.1.1"))
        #expect(relay.steps[6].expectation.underTLS)
        #expect(relay.steps[7].expectation == Lesson.Expectation("AUTH", 2))
    }

    /// The French relay exercise from start to end, with two :hint, a wrong answer and its
    /// teacher-written reason, and the score.
    @Test func aFrenchExerciseRunsEndToEnd() throws {
        let progress = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-progress-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: progress) }
        let input = [
            "EHLO poste.example", "MAIL FROM:<vous@example.org>",
            ":hint", ":hint", "RCPT TO:<nobody@example.org>",
            "RCPT TO:<ami@example.org>",  // accepted where a relay refusal is wanted: the teacher's reason
            "RCPT TO:<quelqu.un@ailleurs.example>", "RSET", "STARTTLS", "EHLO poste.example", ":auth plain student",
            "MAIL FROM:<vous@example.org>", "RCPT TO:<quelqu.un@ailleurs.example>", "QUIT",
        ].joined(separator: "\n") + "\n"
        let result = try BinaryRunner.run(
            ["learn", "--exercise", Self.file("relay.fr.exercise"), "--lang", "fr", "--no-explain", "--color", "never"],
            stdin: Data(input.utf8),
            environment: ["SMTPSH_PASSWORD": "practice", "COLUMNS": "300", "SMTPSH_PROGRESS": progress.path])
        let out = result.stdout
        #expect(result.status == 0, "\(out)\(result.stderr)")
        #expect(out.contains("Utilisateurs inconnus, relais, et ce que change AUTH"), "\(out)")
        #expect(out.contains(LessonTests.message("lesson-hint-verb", .fr, ["verb": "RCPT"])), "\(out)")
        #expect(out.contains("Le domaine est bien celui du serveur\u{00A0}; c’est la personne qui n’existe pas."), "\(out)")
        #expect(out.contains("      RCPT TO:<nobody@example.org>"), "\(out)")
        #expect(out.contains("Accepté\u{00A0}: example.org est un domaine que gère ce serveur."), "\(out)")
        #expect(out.contains("550 avec 5.1.1\u{00A0}: boîte aux lettres inexistante."), "\(out)")
        #expect(out.contains("Accepté\u{00A0}: vous êtes authentifié, le serveur relaie donc pour vous."), "\(out)")
        #expect(out.contains("Exercice terminé\u{00A0}: Utilisateurs inconnus, relais, et ce que change AUTH"), "\(out)")
        #expect(out.contains("Score\u{00A0}: 9/11 étapes réussies du premier coup. Erreurs\u{00A0}: 1\u{00A0}; indices\u{00A0}: 2\u{00A0};"), "\(out)")
        let saved = try String(contentsOf: progress, encoding: .utf8)
        #expect(saved.contains("exercise:" + Self.file("relay.fr.exercise") + "\t9/11\t1\t2\t"), "\(saved)")
    }

    /// The Japanese first-message exercise: the steps hide the lines, :hint shows them, the
    /// message is checked and shown as stored.
    @Test func aJapaneseExerciseRunsEndToEnd() throws {
        let input = "EHLO learner.example\n:hint\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nDATA\nSubject: こんにちは\n\n本文です\n.\nQUIT\n"
        let result = try BinaryRunner.run(
            ["learn", "--exercise", Self.file("first-message.ja.exercise"), "--lang", "ja", "--no-explain", "--color", "never"],
            stdin: Data(input.utf8), environment: ["COLUMNS": "300"])
        let out = result.stdout
        #expect(result.status == 0, "\(out)\(result.stderr)")
        #expect(out.contains("ヒント：このステップでは MAIL を使います。"), "\(out)")
        #expect(out.contains("アドレスはコロンのすぐ後に、山かっこで囲んで書きます。"), "\(out)")
        #expect(!out.contains("      MAIL FROM:<you@example.org>"), "the answers are hidden: \(out)")
        #expect(out.contains("    │ Subject: こんにちは"), "\(out)")
        #expect(out.contains("演習完了：最初のメッセージを何も見ずに"), "\(out)")
        #expect(out.contains("成績：6 ステップ中 5 ステップを一度で正解。間違い：0 回、ヒント：1 回"), "\(out)")
    }

    @Test(arguments: [
        ("step: Greet.\n  answer: EHLO x\n", "an exercise needs a title"),
        ("title: T\n", "an exercise needs at least one 'step:'"),
        ("title: T\nstep: Greet.\n", "line 2: step 1 has no 'answer:'"),
        ("title: T\nanswer: EHLO x\n", "line 2: 'answer:' belongs to a step"),
        ("title: T\nstep: Greet.\n  answer: EHLO x\n  expect: EHLO 7xx\n", "line 4: '7xx' is not a reply"),
        ("title: T\nstep: Greet.\n  answer: <you@example.org>\n", "line 2: step 1: say what counts as success"),
        ("title: T\ncolour: blue\nstep: Greet.\n  answer: EHLO x\n", "the practice server's settings: unknown key 'colour'"),
        ("lang: klingon\n", "line 1: lang must be en, fr or ja"),
    ])
    func aBrokenExerciseSaysWhereAndWhy(text: String, expected: String) throws {
        let url = try Self.temporary(text)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = try BinaryRunner.run(["learn", "--exercise", url.path])
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains(url.path + ": " + expected), "\(result.stderr)")
    }

    /// `smtpsh learn` starts where the learner stopped; `--list` shows what is done.
    @Test func progressIsKeptBetweenRuns() throws {
        let progress = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-progress-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: progress) }
        let environment = ["SMTPSH_PROGRESS": progress.path]
        let one = try BinaryRunner.run(["learn", "--lesson", "1", "--no-explain"], stdin: Data("EHLO learner.example\nNOOP\nQUIT\n".utf8), environment: environment)
        #expect(one.status == 0, "\(one.stdout)")
        let list = try BinaryRunner.run(["learn", "--list"], environment: environment)
        #expect(list.stdout.hasPrefix("1. The greeting and EHLO  ✓ 3/3\n2. The envelope"), "\(list.stdout)")
        // No --lesson: lesson 2 first; leaving it keeps lesson 1 done and lesson 2 to do.
        let next = try BinaryRunner.run(["learn", "--no-explain"], stdin: Data("EHLO learner.example\n".utf8), environment: environment)
        #expect(next.stdout.contains("Picking up where you stopped: lesson 2"), "\(next.stdout)")
        #expect(next.stdout.contains("Lesson 2 of 6"), "\(next.stdout)")
        #expect(!next.stdout.contains("Lesson 1 of 6"), "\(next.stdout)")
        let saved = try String(contentsOf: progress, encoding: .utf8)
        #expect(saved.contains("lesson-1\t3/3\t0\t0\t"), "\(saved)")
        #expect(!saved.contains("lesson-2"), "\(saved)")
        // A broken line in the file is skipped, not fatal.
        try Data("garbage\nlesson-1\t3/3\t0\t0\t5\n".utf8).write(to: progress)
        let again = try BinaryRunner.run(["learn", "--list"], environment: environment)
        #expect(again.stdout.hasPrefix("1. The greeting and EHLO  ✓ 3/3\n"), "\(again.stdout)")
    }
}
