#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCatalog
import SMTPClient
import SMTPCore
import SMTPPracticeServer

/// `smtpsh learn [--lesson N]`: guided lessons against the practice server, in-process, in
/// the user's language; `--large` for a projector, `--scenario` for the whole class,
/// `--exercise FILE` for a teacher's own, `--connect HOST:PORT` for the teacher's server.
struct LearnCommand {
    static let spec = CommandSpec(
        name: "learn",
        usage: "smtpsh learn [options]",
        abstract: "help-learn-abstract",
        discussion: ["help-learn-discussion", "help-learn-class"],
        examples: [
            "smtpsh learn",
            "smtpsh learn --lesson 4 --lang fr",
            "smtpsh learn --lesson 2 --large",
            "smtpsh learn --exercise relay.exercise",
            "smtpsh learn --lesson 3 --connect 192.0.2.10:2525 --user alice",
            "smtpsh learn --list",
        ],
        options: [
            .value("lesson", "number", help: "option-learn-lesson"),
            .value("exercise", "file", help: "option-learn-exercise", repeatable: true),
            .flag("list", help: "option-learn-list"),
            .flag("large", help: "option-learn-large"),
            .flag("compact", help: "option-compact"),
            .value("scenario", "name|file", help: "option-learn-scenario", repeatable: true),
            .value("connect", "host:port", help: "option-learn-connect"),
            .value("user", "name", help: "option-learn-user"),
            .value("password-file", "file", help: "option-password-file"),
            .flag("auth-insecure", help: "option-auth-insecure"),
            .value("ca", "file", help: "option-ca"),
            .value("lang", "languages", help: "option-lang"),
            .value("color", "when", help: "option-color"),
            .value("timeout", "seconds", help: "option-timeout"),
            .value("idle-timeout", "seconds", help: "option-practice-idle-timeout"),
            .flag("no-explain", help: "option-no-explain"),
            .flag("show-secrets", help: "option-show-secrets"),
        ]
    )

    var first: Int?
    var list = false
    var large = false
    var scenarios: [String] = []
    var exercises: [String] = []
    /// `--connect HOST:PORT`: the teacher's server instead of one started for each lesson.
    var connect: ServerAddress?
    /// `--idle-timeout`: none by default (a class listens to the teacher between steps).
    var idleTimeout: Double?
    var connection: ConnectionOptions

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        connection = try ConnectionOptions(parsed)
        if let extra = parsed.positional(0) {
            throw UsageError(Words["usage-unexpected-argument", ["argument": VisibleTextShort.of(extra)]], command: "learn")
        }
        first = try parsed.integer("lesson", in: 1...Lesson.all.count)
        list = parsed.flag("list")
        large = parsed.flag("large")
        scenarios = parsed.all("scenario")
        exercises = parsed.all("exercise")
        idleTimeout = try parsed.seconds("idle-timeout", in: 0...86400, lowerExclusive: true)
        if let target = parsed.value("connect") {
            do throws(AddressError) {
                connect = try ServerAddress(parsing: target, defaultPort: 25)
            } catch {
                throw UsageError(error.message.text, command: "learn")
            }
            if !scenarios.isEmpty { throw UsageError(Words["usage-learn-connect-scenario"], command: "learn") }
        }
        // The practice account, unless the class gives each student one: `:auth plain` needs
        // no user name in the lessons.
        connection.credentials.user = connection.credentials.user ?? "student"
        // The server smtpsh starts for a lesson has smtpsh's own certificate; the teacher's is
        // checked as any other (a terminal asks before credentials go to one that does not verify).
        connection.credentials.certificateVouchedFor = connect == nil
        connection.ehlo = connection.ehlo ?? "learner.example"
    }

    /// A lesson or an exercise to run, and its name in the progress file.
    private struct Run {
        var lesson: Lesson
        var id: String
    }

    func run() throws(ShellError) -> ExitStatus {
        var progress = LearnProgress.load()
        if list {
            // With `--lang en,ja`, each title in both; a lesson done shows its last score.
            for (index, lesson) in Lesson.all.enumerated() {
                let titles = connection.languages.map { lesson.title.text(in: $0) }
                var line = String(index + 1) + ". " + titles.joined(separator: " / ")
                if let score = progress.score(LearnProgress.id(lesson: index + 1)) {
                    line += "  ✓ \(score.firstTime)/\(score.steps)"
                }
                Console.out(line)
            }
            return .success
        }
        var runs: [Run] = []
        for path in exercises {
            runs.append(Run(lesson: try Self.loadExercise(path), id: LearnProgress.id(exercise: path)))
        }
        if let first {
            runs.insert(Run(lesson: Lesson.all[first - 1], id: LearnProgress.id(lesson: first)), at: 0)
        } else if exercises.isEmpty {
            // Where the learner stopped last time.
            guard let start = progress.firstLessonToDo(count: Lesson.all.count) else {
                Console.out(Words["lesson-all-done-before"])
                return .success
            }
            if start > 1 { Console.out(Words["lesson-resuming", ["number": String(start)]]) }
            runs = (start...Lesson.all.count).map { Run(lesson: Lesson.all[$0 - 1], id: LearnProgress.id(lesson: $0)) }
        }
        var classScenario = PracticeServerConfiguration()
        classScenario.idleTimeout = nil
        do throws(ScenarioError) {
            for name in scenarios { try classScenario.apply(try ServeCommand.loadScenario(name)) }
        } catch {
            throw ShellError(text: error.description, status: .usage)
        }
        if let idleTimeout { classScenario.idleTimeout = idleTimeout }
        ServeCommand.warnAboutRules(classScenario)
        let color = connection.color.enabled(isTerminal: isatty(STDOUT_FILENO) == 1, environment: Environment.variables)
        let style = LessonStyle(color: color, large: large, columns: Environment.columns)
        // Every lesson in turn (no --lesson, no --exercise) goes on to the next one.
        let continues = first == nil && exercises.isEmpty
        for (position, run) in runs.enumerated() {
            var lesson = run.lesson
            // A student's own account in the lesson's `:auth` line.
            if let user = connection.credentials.user, user != "student" {
                for index in lesson.steps.indices where lesson.steps[index].example == ":auth plain student" {
                    lesson.steps[index].example = ":auth plain " + user
                }
            }
            var configuration = classScenario
            if let server = lesson.server {
                do throws(ScenarioError) {
                    try configuration.apply(server)
                } catch {
                    throw ShellError(text: error.description, status: .software)
                }
            }
            let guide = LessonGuide(
                lesson: lesson, style: style, languages: connection.languages, server: connect == nil ? configuration : nil,
                classRules: classScenario.rules, explanationsShown: connection.explain)
            var practice: PracticeRun?
            let address: ServerAddress
            if let connect {
                address = connect
                // The teacher's server must be set up for a lesson with a server of its own.
                if let server = lesson.server {
                    Console.out(Words["lesson-connect-scenario", ["name": server.name]])
                }
            } else {
                let started = try PracticeRun(configuration, accepted: { guide.accepted($0) })
                practice = started
                address = ServerAddress(host: "127.0.0.1", port: started.listening.port)
            }
            var runner = SessionRunner(address: address, options: connection)
            runner.lesson = guide
            runner.inputFilter = { line, show in guide.input(line, show: show) }
            let status = runner.run()
            practice?.stop()
            let number = lesson.number.map(String.init) ?? "…"
            guard guide.isFinished else {
                // Who ended it, in so many words: the server after a silence, the server for
                // another reason, or the learner (Ctrl-D, end of input).
                let again = lesson.number.map { "smtpsh learn --lesson \($0)" } ?? "smtpsh learn --exercise \(run.id.dropFirst("exercise:".count))"
                let values = ["number": number, "command": again]
                if let seconds = practice?.hungUpAfterSilence {
                    Console.out(Words["lesson-server-idle", values.merging(["duration": SpokenDuration.of(seconds)]) { a, _ in a }])
                } else if status == .connectionLost {
                    Console.out(Words["lesson-server-closed", values])
                } else {
                    Console.out(Words["lesson-left", values])
                }
                return status == .success ? .negativeReply : status
            }
            // After the connection has closed: the lesson's end, its score, what comes next.
            for line in guide.closing() { Console.out(line) }
            progress.record(run.id, guide.score)
            let languages = connection.languages
            if position + 1 < runs.count {
                let next = runs[position + 1].lesson
                let texts = languages.map { Words.text("lesson-next", in: $0, ["title": next.title.text(in: $0)]) }
                for line in style.text(texts) { Console.out(line) }
                // At a terminal, the next lesson waits until the learner has read this one's end.
                if isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 {
                    Console.out(Words["lesson-press-enter", ["title": next.title.text(in: languages[0])]])
                    guard Swift.readLine() != nil else {
                        Console.out(Words["lesson-stopped-here"])
                        break
                    }
                }
            } else if let number = lesson.number, number < Lesson.all.count, !continues {
                let next = Lesson.all[number]
                let texts = languages.map { language in
                    Words.text("lesson-next-command", in: language, ["title": next.title.text(in: language), "number": String(number + 1)])
                }
                for line in style.text(texts) { Console.out(line) }
            } else if lesson.number == Lesson.all.count {
                for line in style.text(languages.map { Words.text("lesson-all-done", in: $0) }) { Console.out(line) }
            }
        }
        return .success
    }

    /// A teacher's exercise file, read and checked; its errors name the file and the line.
    static func loadExercise(_ path: String) throws(ShellError) -> Lesson {
        guard let data = BoundedRead.contents(of: path, limit: 1_048_577), data.count <= 1_048_576 else {
            throw ShellError("usage-cannot-read", ["file": VisibleTextShort.of(path)], status: .usage)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ShellError("exercise-not-text", ["file": VisibleTextShort.of(path)], status: .usage)
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        do throws(Exercise.Failure) {
            return try Exercise.parse(text, name: name)
        } catch {
            throw ShellError(text: "\(path): \(error.description)", status: .usage)
        }
    }
}
