import Foundation
import NIOConcurrencyHelpers
import NIOPosix
import SMTPPracticeServer
import Testing

/// The practice server in a class (issue 19): no idle limit when asked for none, a clock that
/// tests can speed up, and a port that is taken named as such.
@Suite struct ClassServerTests {
    @Test func withoutAnIdleLimitASilentSessionStaysOpen() async throws {
        var configuration = PracticeServerConfiguration()
        configuration.idleTimeout = nil
        try await TestServer.with(configuration) { server in
            let client = try RawSMTPClient(port: server.port)
            defer { client.close() }
            try client.greeting()
            usleep(600_000)
            #expect(try client.command("NOOP").code == 250)
        }
    }

    /// The time scale shortens every timer: 300 s at 0.001 is 0.3 s; the program that runs
    /// the server hears that the session ended for silence, and after how long.
    @Test func theTimeScaleShortensTheIdleLimitAndTheEventSaysSo() async throws {
        let events = NIOLockedValueBox<[PracticeServer.Event]>([])
        var options = PracticeServer.Options()
        options.port = 0
        options.configuration.idleTimeout = 300
        options.timeScale = 0.001
        options.events = { event in events.withLockedValue { $0.append(event) } }
        let server = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
        let listening = try await server.start()
        defer { Task { await server.stop() } }
        let client = try RawSMTPClient(port: listening.port)
        defer { client.close() }
        try client.greeting()
        #expect(try client.readReply().lines == ["421 4.4.2 practice.localhost Error: timeout exceeded"])
        #expect(try client.waitForClose())
        let seen = events.withLockedValue { $0 }
        #expect(seen == [.idleTimeout(session: 1, seconds: 300)])
    }

    @Test func idleTimeoutNoneInAScenario() throws {
        let scenario = try Scenario(parsing: "idle-timeout: none\n", defaultName: "class")
        var configuration = PracticeServerConfiguration()
        try configuration.apply(scenario)
        #expect(configuration.idleTimeout == nil)
        let hour = try Scenario(parsing: "idle-timeout: 3600\n", defaultName: "class")
        try configuration.apply(hour)
        #expect(configuration.idleTimeout == 3600)
    }

    /// A second server on the same port: the error names the case, not NIO's function.
    @Test func aPortInUseIsNamedAsSuch() async throws {
        try await TestServer.with { first in
            var options = PracticeServer.Options()
            options.port = first.port
            let second = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
            do {
                _ = try await second.start()
                Issue.record("the second server started on a taken port")
            } catch let error as PracticeServerError {
                #expect(error.kind == .addressInUse)
                #expect(error.port == first.port)
                #expect(error.host == "127.0.0.1")
                #expect(error.reason == "Address already in use")
                #expect(!error.description.contains("bind("))
            }
            await second.stop()
        }
    }
}

/// `smtpsh serve` changes its rules while students are connected: the scenario file saved
/// again, or SIGHUP; nobody is disconnected and the next command follows the new rules.
@Suite(.serialized) struct ServeReloadTests {
    static func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-class-\(UUID().uuidString).scenario")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func aSavedScenarioFileAppliesToConnectedSessions() throws {
        let scenario = try Self.file("name: class\n")
        defer { try? FileManager.default.removeItem(at: scenario) }
        let server = try ServerProcess(["--scenario", scenario.path])
        defer { server.stop() }
        let students = try (1...3).map { _ in try RawSMTPClient(port: server.port) }
        for student in students {
            try student.greeting()
            try student.expect(250, after: "EHLO student.example")
            try student.expect(250, after: "MAIL FROM:<s@example.org>")
            try student.expect(250, after: "RCPT TO:<nobody@example.org>")
        }
        // Saved under another name and renamed, as editors do.
        let temporary = scenario.appendingPathExtension("tmp")
        try Data("name: class\non RCPT TO:<nobody@example.org>: 550 5.1.1 <{arg}>: no such user\n".utf8).write(to: temporary)
        #expect(rename(temporary.path, scenario.path) == 0)
        #expect(server.waitFor("-- rules reloaded"), "\(server.printed())")
        for student in students {
            #expect(try student.command("RCPT TO:<nobody@example.org>").last == "550 5.1.1 <nobody@example.org>: no such user")
            #expect(try student.command("RCPT TO:<friend@example.org>").code == 250)
            #expect(!student.closedByPeer)
        }
    }

    @Test func sighupReloadsAndABrokenFileKeepsTheRulesInForce() throws {
        let scenario = try Self.file("on RCPT: 452 4.3.1 queue full\n")
        defer { try? FileManager.default.removeItem(at: scenario) }
        let server = try ServerProcess(["--scenario", scenario.path])
        defer { server.stop() }
        let student = try RawSMTPClient(port: server.port)
        try student.greeting()
        try student.expect(250, after: "EHLO student.example")
        try student.expect(250, after: "MAIL FROM:<s@example.org>")
        #expect(try student.command("RCPT TO:<a@example.org>").code == 452)

        // A typo: the error is said, the rules in force stay.
        try Data("on RCPT: 45 short\n".utf8).write(to: scenario)
        #expect(server.waitFor("the rules were not reloaded"), "\(server.printed())")
        #expect(try student.command("RCPT TO:<a@example.org>").code == 452)

        try Data("# nothing refused now\n".utf8).write(to: scenario)
        kill(server.pid, SIGHUP)
        #expect(server.waitFor("(SIGHUP)"), "\(server.printed())")
        #expect(try student.command("RCPT TO:<a@example.org>").code == 250)
        #expect(!student.closedByPeer)
    }

    /// Rules that can never fire are said at start, in the user's language.
    @Test func serveWarnsAboutAShadowedRule() throws {
        let server = try ServerProcess(["--on", "RCPT 1: 250 recipient ok", "--on", "RCPT: 452 4.3.1 queue full", "--on", "RCPT 2: 250 two"])
        defer { server.stop() }
        #expect(server.waitFor("warning: \"on RCPT 2: 250 two\" can never fire: \"on RCPT: 452 4.3.1 queue full\" comes before it"), "\(server.printed())")
        #expect(!server.printed().contains("\"on RCPT: 452 4.3.1 queue full\" can never fire"))
    }
}

/// A class of twenty against one `smtpsh serve` (issue 19): each student logs in with an
/// account of their own, each session has a log file of its own named after its student, and
/// a rule the teacher changes mid-class applies to everyone's next command, nobody dropped.
@Suite(.serialized) struct ClassOfTwentyTests {
    static func plain(_ user: String, _ password: String) -> String {
        Data("\0\(user)\0\(password)".utf8).base64EncodedString()
    }

    @Test func twentyStudentsOwnAccountsOwnLogsAndARuleReloadedMidClass() throws {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-class-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let students = (1...20).map { String(format: "student%02d", $0) }
        let password = { (student: String) in "pw-" + String(student.suffix(2)) + "-secret" }
        let accounts = temporary.appendingPathComponent("accounts")
        try Data(("# the class\n" + students.map { "\($0) \(password($0))" }.joined(separator: "\n") + "\n").utf8).write(to: accounts)
        let scenario = temporary.appendingPathComponent("class.scenario")
        try Data("name: class\nlocal-domains: example.org\n".utf8).write(to: scenario)
        let logs = temporary.appendingPathComponent("logs")
        let server = try ServerProcess([
            "--accounts", accounts.path, "--log-dir", logs.path, "--scenario", scenario.path, "--idle-timeout", "3600",
        ])
        defer { server.stop() }

        var clients: [RawSMTPClient] = []
        for student in students {
            let client = try RawSMTPClient(port: server.port)
            clients.append(client)
            try client.greeting()
            try client.expect(250, after: "EHLO \(student).example")
        }
        // A student cannot log in with another's password; each logs in with their own.
        #expect(try clients[1].command("AUTH PLAIN " + Self.plain(students[1], password(students[0]))).code == 535)
        for (client, student) in zip(clients, students) {
            #expect(try client.command("AUTH PLAIN " + Self.plain(student, password(student))).code == 235, "\(student)")
            try client.expect(250, after: "MAIL FROM:<\(student)@example.org>")
            try client.expect(250, after: "RCPT TO:<friend@example.org>")
        }

        // The teacher changes the rules in front of the class (saved as editors do: rename).
        let edited = temporary.appendingPathComponent("class.scenario.new")
        try Data("name: class\nlocal-domains: example.org\non RCPT TO:<nobody@example.org>: 550 5.1.1 <{arg}>: no such user\n".utf8).write(to: edited)
        #expect(rename(edited.path, scenario.path) == 0)
        #expect(server.waitFor("-- rules reloaded"), "\(server.printed())")

        for (client, student) in zip(clients, students) {
            #expect(try client.command("RCPT TO:<nobody@example.org>").last == "550 5.1.1 <nobody@example.org>: no such user", "\(student)")
            // Logged in: another domain is relayed for them.
            try client.expect(250, after: "RCPT TO:<teacher@school.example>")
            try client.expect(354, after: "DATA")
            try client.sendRaw(Array("Subject: from \(student)\r\n\r\nhello\r\n.\r\n".utf8))
            #expect(try client.readReply().code == 250, "\(student)")
            #expect(!client.closedByPeer, "\(student) was dropped")
        }
        for client in clients {
            #expect(try client.command("QUIT").code == 221)
            #expect(try client.waitForClose())
        }
        #expect(try server.storedMessages().count == 20)

        // One log file per session, named after its student, holding that session only.
        let deadline = Date().addingTimeInterval(5)
        var names: [String] = []
        while Date() < deadline {
            names = ((try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? []).sorted()
            if names.count == 20, names.allSatisfy({ !$0.hasSuffix("127.0.0.1.log") }) { break }
            usleep(20_000)
        }
        #expect(names.count == 20, "\(names)")
        for student in students {
            let name = try #require(names.first { $0.hasSuffix("-127.0.0.1-\(student).log") }, "no log named after \(student): \(names)")
            let text = try String(contentsOf: logs.appendingPathComponent(name), encoding: .utf8)
            #expect(text.contains("C: EHLO \(student).example"), "\(name)")
            #expect(text.contains("authenticated as \(student)"), "\(name)")
            #expect(text.contains("S: 550 5.1.1 <nobody@example.org>: no such user"), "\(name)")
            #expect(text.contains("-- connection closed"), "\(name)")
            for other in students where other != student {
                #expect(!text.contains(other + ".example"), "\(name) holds \(other)'s lines")
            }
            // No secret in any log.
            #expect(!text.contains(password(student)), "\(name)")
            #expect(!text.contains(Self.plain(student, password(student))), "\(name)")
        }
    }

    /// `--any-user`: any name with the class password; the log file takes that name.
    @Test func anyUserWithTheClassPassword() throws {
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-logs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: logs) }
        let server = try ServerProcess(["--any-user", "--password", "class-2026", "--log-dir", logs.path])
        defer { server.stop() }
        let client = try RawSMTPClient(port: server.port)
        try client.greeting()
        try client.expect(250, after: "EHLO pc12.example")
        #expect(try client.command("AUTH PLAIN " + Self.plain("yuki", "wrong")).code == 535)
        #expect(try client.command("AUTH PLAIN " + Self.plain("yuki", "class-2026")).code == 235)
        #expect(try client.command("QUIT").code == 221)
        let deadline = Date().addingTimeInterval(5)
        var names: [String] = []
        while Date() < deadline, !names.contains(where: { $0.hasSuffix("-yuki.log") }) {
            names = (try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? []
            usleep(20_000)
        }
        #expect(names == ["0001-127.0.0.1-yuki.log"], "\(names)")
    }
}
