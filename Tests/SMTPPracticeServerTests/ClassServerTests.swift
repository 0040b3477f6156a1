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
