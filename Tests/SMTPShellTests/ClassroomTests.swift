import Foundation
import SMTPCatalog
import SMTPPracticeServer
import Testing

@testable import SMTPShell

/// What a 90-minute class needs from `learn`, `demo` and `serve` (issue 19): no student
/// timed out while the teacher talks, and a server that says in so many words why it cannot
/// start or why it hung up.
@Suite struct ClassroomTests {
    /// The practice server's clock runs a thousand times as fast: five minutes are 0.3 s.
    static let fastClock = ["SMTPSH_TEST_TIME_SCALE": "0.001"]

    static let lesson2Rest = "MAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nRCPT TO:<another@example.org>\nRSET\nQUIT\n"

    /// A lesson left alone longer than the old five-minute limit (a full second is 1000 s
    /// on the server's clock) goes on: the next step succeeds.
    @Test func aLessonSurvivesASilenceLongerThanTheOldLimit() throws {
        let result = try BinaryRunner.run(
            ["learn", "--lesson", "2", "--no-explain"],
            paced: [(Data("EHLO learner.example\n".utf8), 1.0), (Data(Self.lesson2Rest.utf8), 0)],
            environment: Self.fastClock)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("421"), "\(result.stdout)")
        #expect(result.stdout.contains(LessonTests.start(LessonTests.message("lesson-envelope-mail-done", .en))), "\(result.stdout)")
        #expect(result.stdout.contains("Lesson 2 complete"), "\(result.stdout)")
    }

    /// With an idle limit, the same silence ends the lesson, and the learner is told it was
    /// the server, after how long, and how to come back: never "you left".
    @Test(arguments: [
        (Language.en, "The practice server hung up after 5 minutes of silence, in the middle of the lesson"),
        (Language.fr, "Le serveur d’entraînement a coupé la connexion après 5\u{00A0}minutes de silence, au milieu de la leçon"),
        (Language.ja, "無通信の状態が 5 分続いたため、レッスンの途中で練習用サーバーが接続を切りました"),
    ])
    func aServerThatHangsUpSaysSo(language: Language, expected: String) throws {
        let result = try BinaryRunner.run(
            ["learn", "--lesson", "2", "--no-explain", "--idle-timeout", "300", "--lang", language.rawValue],
            paced: [(Data("EHLO learner.example\n".utf8), 1.0), (Data(Self.lesson2Rest.utf8), 0)],
            environment: Self.fastClock)
        #expect(result.status != 0, "\(result.stdout)")
        #expect(result.stdout.contains("421 4.4.2"), "\(result.stdout)")
        #expect(result.stdout.contains(expected), "\(result.stdout)")
        #expect(result.stdout.contains("smtpsh learn --lesson 2"), "\(result.stdout)")
        #expect(!result.stdout.contains(LessonTests.message("lesson-left", language, ["command": "smtpsh learn --lesson 2"])), "\(result.stdout)")
    }

    /// `smtpsh demo` has no idle limit by default either; with one, it says why it ended.
    @Test func demoWaitsForTheTeacherAndSaysWhyItHungUp() throws {
        let patient = try BinaryRunner.run(
            ["demo", "--no-explain"], paced: [(Data("EHLO me.example\n".utf8), 1.0), (Data("NOOP\nQUIT\n".utf8), 0)],
            environment: Self.fastClock)
        #expect(patient.status == 0, "\(patient.stdout)")
        #expect(patient.stdout.contains(" -> NOOP"), "\(patient.stdout)")
        #expect(!patient.stdout.contains("421"), "\(patient.stdout)")

        let limited = try BinaryRunner.run(
            ["demo", "--no-explain", "--idle-timeout", "120"],
            paced: [(Data("EHLO me.example\n".utf8), 1.0), (Data("NOOP\nQUIT\n".utf8), 0)],
            environment: Self.fastClock)
        #expect(limited.stdout.contains("421 4.4.2"), "\(limited.stdout)")
        #expect(limited.stdout.contains("The practice server hung up after 2 minutes of silence"), "\(limited.stdout)")
    }

    /// `smtpsh serve` on a port another program holds: one line in the user's language that
    /// says so and what to do (`--port 0`), exit status 69; no library function name.
    @Test(arguments: [
        (Language.en, "port {port} on 127.0.0.1 is already in use (another mail server?). Start with --port 0"),
        (Language.fr, "le port {port} de 127.0.0.1 est déjà utilisé"),
        (Language.ja, "127.0.0.1 のポート {port} はすでに使われています"),
    ])
    func serveOnABusyPortSaysWhatToDo(language: Language, expected: String) async throws {
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(["serve", "--port", String(port), "--lang", language.rawValue])
            #expect(result.status == 69, "\(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains(expected.replacingOccurrences(of: "{port}", with: String(port))), "\(result.stderr)")
            #expect(result.stderr.contains("--port 0"), "\(result.stderr)")
            #expect(!result.stderr.contains("bind("), "\(result.stderr)")
            #expect(!result.stderr.contains("errno"), "\(result.stderr)")
        }
    }

    /// Durations a learner reads: whole minutes and hours in words, seconds otherwise.
    @Test func durationsInWords() {
        let saved = Words.language
        defer { Words.language = saved }
        Words.language = .en
        #expect(SpokenDuration.of(300) == "5 minutes")
        #expect(SpokenDuration.of(60) == "1 minute")
        #expect(SpokenDuration.of(45) == "45 seconds")
        #expect(SpokenDuration.of(90) == "90 seconds")
        #expect(SpokenDuration.of(3600) == "1 hour")
        #expect(SpokenDuration.of(5400) == "90 minutes")
        #expect(SpokenDuration.of(7200) == "2 hours")
        Words.language = .ja
        #expect(SpokenDuration.of(300) == "5 分")
    }
}

/// The projector: `--large` for learn, demo and connect, nothing dimmed, and the EHLO reply
/// explained in one short line per keyword (also for anyone, with `--compact`).
@Suite struct ProjectorTests {
    static let dim = "\u{1B}[2m"

    @Test func learnLargeHasNoDimText() throws {
        let input = "EHLO learner.example\nMAIL FROM:<you@example.org>\nRCPT TO:<friend@example.org>\nRCPT TO:<another@example.org>\nRSET\nQUIT\n"
        let plain = try BinaryRunner.run(["learn", "--lesson", "2", "--color", "always"], stdin: Data(input.utf8))
        let large = try BinaryRunner.run(["learn", "--lesson", "2", "--color", "always", "--large"], stdin: Data(input.utf8))
        #expect(plain.stdout.components(separatedBy: Self.dim).count > 20, "the normal output dims explanations")
        #expect(large.status == 0, "\(large.stdout)")
        #expect(!large.stdout.contains(Self.dim), "\(large.stdout)")
        // The EHLO reply explained in a line per keyword.
        #expect(large.stdout.contains("      SIZE                 messages up to 52 MB"), "\(large.stdout)")
        #expect(!large.stdout.contains("Message size declaration (RFC 1870)"), "\(large.stdout)")
    }

    /// At 80 columns, the EHLO reply and its brief explanation take 21 lines, where the full
    /// one takes more than 40; `:explain` right after still gives the whole explanation.
    @Test func compactEHLOForEveryone() throws {
        for command in [["demo"], ["demo", "--large"]] {
            let result = try BinaryRunner.run(
                command + ["--compact", "--color", "never"], stdin: Data("EHLO me.example\n:explain\nQUIT\n".utf8),
                environment: ["COLUMNS": "80"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let start = try #require(lines.firstIndex { $0.contains("250-practice.localhost greets me.example") })
            let end = try #require(lines.firstIndex { $0.hasPrefix("      HELP ") })
            #expect(end - start + 1 == 21, "\(lines[start...end].joined(separator: "\n"))")
            #expect(result.stdout.contains("Message size declaration (RFC 1870)"), "(:explain) \(result.stdout)")
        }
        let connect = try BinaryRunner.run(["connect", "--help"])
        #expect(connect.stdout.contains("--large"), "\(connect.stdout)")
        #expect(connect.stdout.contains("--compact"), "\(connect.stdout)")
    }
}

/// `smtpsh learn --connect`: the lessons against the teacher's server; `smtpsh demo`'s
/// `:stored`.
@Suite struct ClassServerLessonTests {
    @Test func aLessonAgainstTheTeachersServer() async throws {
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(
                ["learn", "--lesson", "2", "--connect", "127.0.0.1:\(port)", "--no-explain"],
                stdin: Data(ClassroomTests.lesson2Rest.replacingOccurrences(of: "MAIL", with: "EHLO learner.example\nMAIL", options: [], range: nil).utf8))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("Connected to 127.0.0.1:\(port)"), "\(result.stdout)")
            #expect(result.stdout.contains("Lesson 2 complete"), "\(result.stdout)")
        }
    }

    /// Lesson 4 needs the teacher's server set up as `lesson-4`: said, and it then works.
    @Test func lessonFourAgainstAServerSetUpForIt() async throws {
        var configuration = PracticeServerConfigurationForTests.lesson4()
        configuration.idleTimeout = nil
        try await PipedSessionTests.withServer({ $0.configuration = configuration }) { port, _ in
            let result = try BinaryRunner.run(
                ["learn", "--lesson", "4", "--connect", "127.0.0.1:\(port)", "--no-explain"], stdin: Data(LessonTests.scripts[3].utf8))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("the teacher's server must run with smtpsh serve --scenario lesson-4"), "\(result.stdout)")
            #expect(result.stdout.contains("Lesson 4 complete"), "\(result.stdout)")
        }
        let shown = try BinaryRunner.run(["serve", "--show-scenario", "lesson-4"])
        #expect(shown.stdout.contains("on RCPT <full@example.org>: 452 4.2.2"), "\(shown.stdout)")
    }

    /// A student's own account: the lesson's :auth line follows --user.
    @Test func aStudentsOwnAccount() async throws {
        try await PipedSessionTests.withServer({ $0.configuration.accounts = ["alice": "alice-pw"] }) { port, _ in
            let result = try BinaryRunner.run(
                ["learn", "--lesson", "5", "--connect", "127.0.0.1:\(port)", "--user", "alice", "--auth-insecure", "--no-explain"],
                stdin: Data("EHLO learner.example\nSTARTTLS\nEHLO learner.example\n:auth plain alice\nQUIT\n".utf8),
                environment: ["SMTPSH_PASSWORD": "alice-pw"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("      :auth plain alice"), "\(result.stdout)")
            #expect(result.stdout.contains("235 2.7.0"), "\(result.stdout)")
        }
    }

    @Test func demoShowsTheStoredMessage() throws {
        let result = try BinaryRunner.run(
            ["demo", "--no-explain"],
            stdin: Data(":stored\nEHLO me.example\nMAIL FROM:<alice@example.org>\nRCPT TO:<bob@example.org>\nDATA\nSubject: hi\n\n..dotted\n.\n:stored\nQUIT\n".utf8))
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("=== No message stored yet"), "\(result.stdout)")
        #expect(result.stdout.contains("=== The last message, as the server stored it"), "\(result.stdout)")
        #expect(result.stdout.contains("    │ Return-Path: <alice@example.org>\n    │ X-Envelope-To: <bob@example.org>\n    │ Received: from me.example"), "\(result.stdout)")
        #expect(result.stdout.contains("    │ Subject: hi\n    │ \n    │ ..dotted"), "\(result.stdout)")
    }
}

enum PracticeServerConfigurationForTests {
    static func lesson4() -> PracticeServerConfiguration {
        var configuration = PracticeServerConfiguration()
        try! configuration.apply(Scenario(parsing: Lesson.errorsServer, defaultName: "lesson-4"))
        return configuration
    }
}
