import Foundation
import Testing
@testable import SMTPCore
@testable import SMTPPracticeServer

/// Time on purpose (issue 22): delays after given commands, a tarpit per line of DATA, and a
/// connection dropped at a chosen stage, cleanly or with a reset. The session decides (pure);
/// the handler waits and reads nothing meanwhile (sockets).
@Suite struct TimeBehaviourTests {
    typealias S = ServerSessionTests

    static func outputs(_ actions: [ServerSession.Action]) -> [ServerSession.Action] {
        actions.filter {
            switch $0 {
            case .logClient, .note: false
            default: true
            }
        }
    }

    @Test func parsesDelaysAndDrops() throws {
        var configuration = PracticeServerConfiguration()
        try configuration.addDelays("rcpt=5, DOT=0.5")
        #expect(configuration.delays == ["RCPT": 5, "DOT": 0.5])
        #expect(try PracticeServerConfiguration.Drop(parsing: "dot:reset") == .init(stage: "DOT", reset: true))
        #expect(try PracticeServerConfiguration.Drop(parsing: "GREETING") == .init(stage: "GREETING", reset: false))
        for bad in ["RCPT", "RCPT=x", "RCPT=601", "=5", "<a>=1"] {
            #expect(throws: ScenarioError.self) { try configuration.addDelays(bad) }
        }
        for bad in ["", "RCPT:later", "a b", "RCPT:reset:close"] {
            #expect(throws: ScenarioError.self) { try PracticeServerConfiguration.Drop(parsing: bad) }
        }
        // In a scenario file, the same words.
        let scenario = try Scenario(parsing: "delay: RCPT=2\ntarpit: 0.25\ndrop: DATA:reset\n", defaultName: "slow")
        var applied = PracticeServerConfiguration()
        try applied.apply(scenario)
        #expect(applied.delays == ["RCPT": 2] && applied.tarpit == 0.25 && applied.drop == .init(stage: "DATA", reset: true))
    }

    @Test func aDelayComesBeforeTheReplyToItsCommandOnly() {
        var session = S.greeted { $0.delays = ["RCPT": 5, "DOT": 2] }
        #expect(Self.outputs(session.receive(Array("MAIL FROM:<a@example.org>\r\n".utf8))).count == 1)
        let rcpt = Self.outputs(session.receive(Array("RCPT TO:<b@example.org>\r\n".utf8)))
        #expect(rcpt.first == .pause(5))
        #expect(S.replies(rcpt) == ["250 2.1.5 Recipient <b@example.org> OK"])
        _ = session.receive(Array("DATA\r\n".utf8))
        let end = Self.outputs(session.receive(Array("x\r\n.\r\n".utf8)))
        #expect(end.first == .pause(2))
        #expect(S.replies(end) == ["250 2.0.0 OK: message 42 accepted"])
    }

    @Test func aTarpitCostsEachLine() {
        var session = S.greeted { $0.tarpit = 0.5 }
        _ = S.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA"])
        let first = Self.outputs(session.receive(Array("one\r\ntwo\r\nthr".utf8)))
        #expect(first == [.pause(1)])
        let rest = Self.outputs(session.receive(Array("ee\r\n.\r\n".utf8)))
        #expect(rest.first == .pause(1))
        #expect(S.replies(rest) == ["250 2.0.0 OK: message 42 accepted"])
        // Commands are not slowed.
        #expect(Self.outputs(session.receive(Array("NOOP\r\n".utf8))).count == 1)
    }

    @Test(arguments: [("RCPT", false), ("DOT", true), ("GREETING", true), ("EHLO", false)])
    func dropsAtTheStage(stage: String, reset: Bool) {
        var session = S.session { $0.drop = .init(stage: stage, reset: reset) }
        var actions = session.greet()
        for line in ["EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA", "x", "."] {
            guard !session.isClosed else { break }
            actions = session.receive(Array((line + "\r\n").utf8))
        }
        #expect(session.isClosed)
        #expect(Self.outputs(actions) == [reset ? .reset : .close], "\(stage)")
        #expect(!actions.contains { if case .deliver = $0 { true } else { false } })
    }

    // MARK: - Sockets

    static func configured(_ change: (inout PracticeServerConfiguration) -> Void) -> PracticeServerConfiguration {
        var configuration = PracticeServerConfiguration()
        change(&configuration)
        return configuration
    }

    @Test func aDelayOnTheWire() async throws {
        try await TestServer.with(Self.configured { $0.delays = ["MAIL": 0.6] }) { server in
            let client = try RawSMTPClient(port: server.port)
            _ = try client.readReply()
            _ = try client.command("EHLO client.example")
            let start = Date()
            #expect(try client.command("MAIL FROM:<a@example.org>").code == 250)
            #expect(Date().timeIntervalSince(start) >= 0.55)
        }
    }

    /// The server reads nothing while it waits: a client that sends the whole message at once
    /// gets the final reply only after every line has cost its time.
    @Test func aTarpitOnTheWire() async throws {
        try await TestServer.with(Self.configured { $0.tarpit = 0.1 }) { server in
            let client = try RawSMTPClient(port: server.port, timeout: 20)
            _ = try client.readReply()
            _ = try client.command("EHLO client.example")
            _ = try client.command("MAIL FROM:<a@example.org>")
            _ = try client.command("RCPT TO:<b@example.org>")
            #expect(try client.command("DATA").code == 354)
            let start = Date()
            try client.sendRaw(Array((Array(repeating: "line\r\n", count: 10).joined() + ".\r\n").utf8))
            #expect(try client.readReply().code == 250)
            #expect(Date().timeIntervalSince(start) >= 1.0)
            #expect(try server.storedMessages().count == 1)
        }
    }

    @Test(.enabled(if: ExternalProcess.find("swaks") != nil, "swaks is not on PATH (Scripts/setup --test)"))
    func swaksMeetsDrops() async throws {
        try await TestServer.with(Self.configured { $0.drop = .init(stage: "RCPT", reset: false) }) { server in
            let result = try ExternalProcess.run(
                "swaks", ["--server", "127.0.0.1:\(server.port)", "--timeout", "20", "--to", "b@example.org", "--from", "a@example.org"], timeout: 30)
            #expect(result.status != 0)
            #expect((result.stdout + result.stderr).contains("Remote host closed connection unexpectedly"), "\(result)")
        }
        try await TestServer.with(Self.configured { $0.drop = .init(stage: "GREETING", reset: true) }) { server in
            let client = try RawSMTPClient(port: server.port)
            #expect(try client.waitForClose())
            #expect(client.resetByPeer)
        }
    }

    @Test(.enabled(if: ExternalProcess.find("python3") != nil, "python3 is not on PATH"))
    func smtplibMeetsADropAtTheDot() async throws {
        try await TestServer.with(Self.configured { $0.drop = .init(stage: "DOT", reset: false) }) { server in
            let report = try PythonClient.run(
                port: server.port, message: TriggerSocketTests.message, arguments: ["--from", "a@example.org", "--to", "b@example.org"])
            #expect(report.error?.hasPrefix("SMTPServerDisconnected") == true, "\(report)")
            #expect(try server.storedMessages().isEmpty)
        }
    }
}
