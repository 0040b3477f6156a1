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
