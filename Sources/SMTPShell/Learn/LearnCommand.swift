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
/// the user's language; `--large` for a projector, `--scenario` for the whole class.
struct LearnCommand {
    static let spec = CommandSpec(
        name: "learn",
        usage: "smtpsh learn [options]",
        abstract: "help-learn-abstract",
        discussion: ["help-learn-discussion"],
        examples: [
            "smtpsh learn",
            "smtpsh learn --lesson 4 --lang fr",
            "smtpsh learn --lesson 2 --large",
            "smtpsh learn --list",
        ],
        options: [
            .value("lesson", "number", help: "option-learn-lesson"),
            .flag("list", help: "option-learn-list"),
            .flag("large", help: "option-learn-large"),
            .flag("compact", help: "option-compact"),
            .value("scenario", "name|file", help: "option-learn-scenario", repeatable: true),
            .value("lang", "languages", help: "option-lang"),
            .value("color", "when", help: "option-color"),
            .value("timeout", "seconds", help: "option-timeout"),
            .value("idle-timeout", "seconds", help: "option-practice-idle-timeout"),
            .flag("no-explain", help: "option-no-explain"),
            .flag("show-secrets", help: "option-show-secrets"),
        ]
    )

    var first = 1
    /// `--lesson N`: that lesson only (a teacher's class); else every lesson in turn.
    var only = false
    var list = false
    var large = false
    var scenarios: [String] = []
    /// `--idle-timeout`: none by default (a class listens to the teacher between steps).
    var idleTimeout: Double?
    var connection: ConnectionOptions

    init(_ parsed: ParsedCommandLine) throws(UsageError) {
        connection = try ConnectionOptions(parsed)
        if let extra = parsed.positional(0) {
            throw UsageError(Words["usage-unexpected-argument", ["argument": VisibleTextShort.of(extra)]], command: "learn")
        }
        first = try parsed.integer("lesson", in: 1...Lesson.all.count) ?? 1
        only = parsed.value("lesson") != nil
        list = parsed.flag("list")
        large = parsed.flag("large")
        scenarios = parsed.all("scenario")
        idleTimeout = try parsed.seconds("idle-timeout", in: 0...86400, lowerExclusive: true)
        // The practice account: `:auth plain` needs no user name in the lessons.
        connection.credentials.user = "student"
        // The server is the one smtpsh starts for the lesson: its self-signed certificate is smtpsh's own.
        connection.credentials.certificateVouchedFor = true
        connection.ehlo = connection.ehlo ?? "learner.example"
    }

    func run() throws(ShellError) -> ExitStatus {
        if list {
            // With `--lang en,ja`, each title in both.
            for (index, lesson) in Lesson.all.enumerated() {
                let titles = connection.languages.map { lesson.title.text(in: $0) }
                Console.out(String(index + 1) + ". " + titles.joined(separator: " / "))
            }
            return .success
        }
        var classScenario = PracticeServerConfiguration()
        classScenario.idleTimeout = nil
        do throws(ScenarioError) {
            for name in scenarios { try classScenario.apply(try ServeCommand.loadScenario(name)) }
        } catch {
            throw ShellError(error.description, status: .usage)
        }
        if let idleTimeout { classScenario.idleTimeout = idleTimeout }
        ServeCommand.warnAboutRules(classScenario)
        let color = connection.color.enabled(isTerminal: isatty(STDOUT_FILENO) == 1, environment: Environment.variables)
        let style = LessonStyle(color: color, large: large, columns: Environment.columns)
        let last = only ? first : Lesson.all.count
        for number in first...last {
            let lesson = Lesson.all[number - 1]
            var configuration = classScenario
            if let server = lesson.server {
                do throws(ScenarioError) {
                    try configuration.apply(server)
                } catch {
                    throw ShellError(error.description, status: .software)
                }
            }
            let guide = LessonGuide(
                lesson: lesson, style: style, languages: connection.languages, server: configuration,
                classRules: classScenario.rules, explanationsShown: connection.explain)
            let practice = try PracticeRun(configuration, accepted: { guide.accepted($0) })
            var runner = SessionRunner(address: ServerAddress(host: "127.0.0.1", port: practice.listening.port), options: connection)
            runner.lesson = guide
            runner.inputFilter = { line, show in guide.input(line, show: show) }
            let status = runner.run()
            practice.stop()
            guard guide.isFinished else {
                // Who ended it, in so many words: the server after a silence, the server for
                // another reason, or the learner (Ctrl-D, end of input).
                let values = ["number": String(number)]
                if let seconds = practice.hungUpAfterSilence {
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
            guard number < Lesson.all.count else {
                for line in style.text(connection.languages.map { Words.text("lesson-all-done", in: $0) }) { Console.out(line) }
                break
            }
            let next = Lesson.all[number]
            let titles = connection.languages.map { next.title.text(in: $0) }
            if number == last {
                let texts = zip(connection.languages, titles).map { language, title in
                    Words.text("lesson-next-command", in: language, ["title": title, "number": String(number + 1)])
                }
                for line in style.text(texts) { Console.out(line) }
                break
            }
            let texts = zip(connection.languages, titles).map { language, title in
                Words.text("lesson-next", in: language, ["title": title])
            }
            for line in style.text(texts) { Console.out(line) }
            // At a terminal, the next lesson waits until the learner has read this one's end.
            if isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 {
                Console.out(Words["lesson-press-enter", ["number": String(number + 1)]])
                guard Swift.readLine() != nil else {
                    Console.out(Words["lesson-next-command", ["title": titles[0], "number": String(number + 1)]])
                    break
                }
            }
        }
        return .success
    }
}
