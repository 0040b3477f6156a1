import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import SMTPCore
@testable import SMTPPracticeServer

/// Greylisting that remembers and rate limits that count (issue 22): the tables with a clock
/// moved by hand, sessions sharing them, then real connections.
@Suite struct GreylistAndRateTests {
    typealias S = ServerSessionTests

    /// A clock the test moves.
    final class FakeClock: Sendable {
        private let time = NIOLockedValueBox(1000.0)
        var now: ServerClock { { [time] in time.withLockedValue { $0 } } }
        func advance(_ seconds: Double) { time.withLockedValue { $0 += seconds } }
    }

    static func session(_ shared: SharedTables, client: String = "192.0.2.1", _ configure: (inout PracticeServerConfiguration) -> Void) -> ServerSession {
        var configuration = PracticeServerConfiguration()
        configure(&configuration)
        return ServerSession(configuration: configuration, clientAddress: client, shared: shared, messageIDs: { "42" }, randomToken: { "1" })
    }

    static func rcpt(_ shared: SharedTables, client: String = "192.0.2.1", from: String = "a@example.org", to: String = "b@example.org") -> String {
        var session = Self.session(shared, client: client) { $0.greylistDelay = 60 }
        _ = session.greet()
        return S.exchange(&session, ["EHLO client.example", "MAIL FROM:<\(from)>", "RCPT TO:<\(to)>"]).last!
    }

    // MARK: - Greylisting

    @Test func theTableRemembersEachTriplet() {
        let clock = FakeClock()
        let greylist = Greylist(now: clock.now)
        #expect(greylist.check(client: "192.0.2.1", sender: "a@x", recipient: "b@y", delay: 60) == .greylisted(remaining: 60))
        clock.advance(30)
        // Too early: still turned away, and the wait is not started again.
        #expect(greylist.check(client: "192.0.2.1", sender: "a@x", recipient: "b@y", delay: 60) == .greylisted(remaining: 30))
        // Another triplet is new.
        #expect(greylist.check(client: "192.0.2.2", sender: "a@x", recipient: "b@y", delay: 60) == .greylisted(remaining: 60))
        clock.advance(30)
        #expect(greylist.check(client: "192.0.2.1", sender: "A@X", recipient: "b@y", delay: 60) == .pass)
        // Once passed, always passes (within its lifetime).
        clock.advance(3600)
        #expect(greylist.check(client: "192.0.2.1", sender: "a@x", recipient: "b@y", delay: 60) == .pass)
    }

    @Test func theTableForgetsAndStaysBounded() {
        let clock = FakeClock()
        let greylist = Greylist(now: clock.now, capacity: 100, lifetime: 600)
        _ = greylist.check(client: "c", sender: "a", recipient: "b", delay: 10)
        clock.advance(601)
        // Never came back within its lifetime: a first attempt again.
        #expect(greylist.check(client: "c", sender: "a", recipient: "b", delay: 10) == .greylisted(remaining: 10))
        for index in 0..<1000 { _ = greylist.check(client: "c", sender: "a\(index)", recipient: "b", delay: 10) }
        #expect(greylist.count <= 100)
    }

    @Test func sessionsShareTheGreylist() {
        let clock = FakeClock()
        let shared = SharedTables(now: clock.now)
        #expect(Self.rcpt(shared) == "450 4.2.0 <b@example.org>: Recipient address rejected: Greylisted, see RFC 6647")
        clock.advance(59)
        #expect(Self.rcpt(shared).hasPrefix("450 4.2.0"))
        clock.advance(1)
        #expect(Self.rcpt(shared) == "250 2.1.5 Recipient <b@example.org> OK")
        // Another sender, recipient or client address starts its own wait.
        #expect(Self.rcpt(shared, from: "c@example.org").hasPrefix("450 4.2.0"))
        #expect(Self.rcpt(shared, to: "d@example.org").hasPrefix("450 4.2.0"))
        #expect(Self.rcpt(shared, client: "192.0.2.9").hasPrefix("450 4.2.0"))
    }

    @Test func noGreylistingWithoutTheOption() {
        var session = Self.session(SharedTables()) { _ in }
        _ = session.greet()
        #expect(S.exchange(&session, ["EHLO c.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>"]).last
            == "250 2.1.5 Recipient <b@example.org> OK")
    }

    // MARK: - Rate limits

    @Test func parsesRates() throws {
        #expect(try RateLimit(parsing: "5/60", name: "x") == RateLimit(count: 5, period: 60))
        #expect(try RateLimit(parsing: "3", name: "x") == RateLimit(count: 3, period: 60))
        for bad in ["", "0/60", "5/0", "a/b", "5/60/2", "-1"] {
            #expect(throws: ScenarioError.self) { try RateLimit(parsing: bad, name: "x") }
        }
    }

    @Test func theCounterSlides() {
        let clock = FakeClock()
        let counter = RateCounter(now: clock.now)
        let limit = RateLimit(count: 2, period: 10)
        #expect(counter.admit("a", limit: limit))
        clock.advance(4)
        #expect(counter.admit("a", limit: limit))
        #expect(!counter.admit("a", limit: limit))
        #expect(counter.admit("b", limit: limit))
        clock.advance(6.5)
        // The first event is over 10 s old: room for one more.
        #expect(counter.admit("a", limit: limit))
        #expect(!counter.admit("a", limit: limit))
    }

    @Test func connectionsPerAddress() {
        let clock = FakeClock()
        let shared = SharedTables(now: clock.now)
        func greeting(_ client: String) -> [ServerSession.Action] {
            var session = Self.session(shared, client: client) { $0.connectionRate = RateLimit(count: 2, period: 60) }
            return session.greet()
        }
        #expect(S.replies(greeting("192.0.2.1")).first?.hasPrefix("220 ") == true)
        #expect(S.replies(greeting("192.0.2.1")).first?.hasPrefix("220 ") == true)
        let third = greeting("192.0.2.1")
        #expect(S.replies(third) == ["421 4.7.0 practice.localhost Error: too many connections from 192.0.2.1"])
        #expect(third.last == .close)
        #expect(S.replies(greeting("192.0.2.2")).first?.hasPrefix("220 ") == true)
        clock.advance(61)
        #expect(S.replies(greeting("192.0.2.1")).first?.hasPrefix("220 ") == true)
    }

    @Test func messagesPerConnection() {
        var session = S.greeted { $0.messagesPerConnection = 2 }
        for _ in 0..<2 {
            _ = S.exchange(&session, ["MAIL FROM:<a@example.org>", "RCPT TO:<b@example.org>", "DATA"])
            #expect(S.replies(session.receive(Array("x\r\n.\r\n".utf8))) == ["250 2.0.0 OK: message 42 accepted"])
        }
        let third = session.receive(Array("MAIL FROM:<a@example.org>\r\n".utf8))
        #expect(S.replies(third) == ["421 4.7.0 practice.localhost Error: too many messages in one session"])
        #expect(third.last == .close)
    }

    @Test func recipientsPerAddressAcrossSessions() {
        let clock = FakeClock()
        let shared = SharedTables(now: clock.now)
        var first = Self.session(shared) { $0.recipientRate = RateLimit(count: 3, period: 60) }
        _ = first.greet()
        #expect(S.exchange(&first, ["EHLO c.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b1@example.org>", "RCPT TO:<b2@example.org>"]).last?.hasPrefix("250") == true)
        var second = Self.session(shared) { $0.recipientRate = RateLimit(count: 3, period: 60) }
        _ = second.greet()
        #expect(S.exchange(&second, ["EHLO c.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b3@example.org>", "RCPT TO:<b4@example.org>"]) .suffix(2) == [
            "250 2.1.5 Recipient <b3@example.org> OK", "450 4.7.1 Error: too many recipients from 192.0.2.1",
        ])
        clock.advance(60)
        #expect(S.exchange(&second, ["RCPT TO:<b4@example.org>"]) == ["250 2.1.5 Recipient <b4@example.org> OK"])
    }

    // MARK: - Sockets

    @Test(.enabled(if: ExternalProcess.find("swaks") != nil, "swaks is not on PATH (Scripts/setup --test)"))
    func swaksIsGreylistedThenAccepted() async throws {
        var configuration = PracticeServerConfiguration()
        configuration.greylistDelay = 1
        try await TestServer.with(configuration) { server in
            let arguments = ["--server", "127.0.0.1:\(server.port)", "--timeout", "20", "--from", "a@example.org", "--to", "b@example.org"]
            let first = try ExternalProcess.run("swaks", arguments, timeout: 30)
            #expect(first.stdout.contains("<** 450 4.2.0 <b@example.org>: Recipient address rejected: Greylisted, see RFC 6647"), "\(first)")
            #expect(first.status != 0)
            try await Task.sleep(for: .milliseconds(1100))
            let second = try ExternalProcess.run("swaks", arguments, timeout: 30)
            #expect(second.status == 0, "\(second)")
            #expect(try server.storedMessages().count == 1)
        }
    }

    @Test(.enabled(if: ExternalProcess.find("python3") != nil, "python3 is not on PATH"))
    func smtplibMeetsRateLimits() async throws {
        var configuration = PracticeServerConfiguration()
        configuration.connectionRate = RateLimit(count: 2, period: 600)
        try await TestServer.with(configuration) { server in
            for _ in 0..<2 {
                let report = try PythonClient.run(
                    port: server.port, message: TriggerSocketTests.message, arguments: ["--from", "a@example.org", "--to", "b@example.org"])
                #expect(report.data?.code == 250, "\(report)")
            }
            let third = try PythonClient.run(
                port: server.port, message: TriggerSocketTests.message, arguments: ["--from", "a@example.org", "--to", "b@example.org"])
            #expect(third.greeting == .init(code: 421, text: "4.7.0 practice.localhost Error: too many connections from 127.0.0.1"), "\(third)")
            #expect(third.error?.hasPrefix("SMTPServerDisconnected") == true, "\(third)")
        }
    }

    @Test func aRawClientMeetsTheRecipientRate() async throws {
        var configuration = PracticeServerConfiguration()
        configuration.recipientRate = RateLimit(count: 2, period: 600)
        configuration.messagesPerConnection = 1
        try await TestServer.with(configuration) { server in
            let client = try RawSMTPClient(port: server.port)
            _ = try client.readReply()
            _ = try client.command("EHLO client.example")
            _ = try client.command("MAIL FROM:<a@example.org>")
            #expect(try client.command("RCPT TO:<b@example.org>").code == 250)
            #expect(try client.command("RCPT TO:<c@example.org>").code == 250)
            #expect(try client.command("RCPT TO:<d@example.org>").last == "450 4.7.1 Error: too many recipients from 127.0.0.1")
            _ = try client.command("DATA")
            #expect(try client.command("x\r\n.").code == 250)
            #expect(try client.command("MAIL FROM:<a@example.org>").last == "421 4.7.0 practice.localhost Error: too many messages in one session")
            #expect(try client.waitForClose())
        }
    }
}
