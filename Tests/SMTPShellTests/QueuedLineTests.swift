import Foundation
import Testing

/// Issue 15, problem 7: lines typed while a reply is pending. The prompt says what is
/// awaited, a queued line is marked until it goes out, Ctrl-C takes the queue back, and a
/// session that recovers from a timeout ends with the status of how it ended.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed")) struct QueuedLineTests {
    /// Answers NOOP after `delay` seconds; everything else at once.
    static func slowNoopServer(delay: Double) throws -> HostileServer {
        try HostileServer { connection in
            connection.playSMTP(timeout: 30) { line, connection in
                guard line.uppercased() == "NOOP" else { return .standard }
                Thread.sleep(forTimeInterval: delay)
                connection.sendLines(["250 2.0.0 late OK"])
                return .handled
            }
        }
    }

    @Test("15.7: a line typed while a reply is pending is marked queued, the prompt names what is awaited, and Ctrl-C drops it")
    func queuedLinesAreMarkedAndCtrlCDropsThem() throws {
        let server = try Self.slowNoopServer(delay: 3)
        defer { server.stop() }
        let tmux = try Tmux(
            command: "\(BinaryRunner.binary.path) 127.0.0.1 \(server.port) --no-explain", width: 140, height: 40,
            environment: TerminalTests.environment)
        tmux.waitFor { $0.contains("greeted") }
        try tmux.typeLine("EHLO me.example", delay: 0.01)
        tmux.waitFor { $0.contains("250 HELP") }
        try tmux.typeLine("NOOP", delay: 0.01)
        var screen = tmux.waitFor { $0.contains("ready, waiting for NOOP>") }
        #expect(screen.contains("ready, waiting for NOOP>"), "\(screen)")
        try tmux.typeLine("HELO queued.example", delay: 0.01)
        screen = tmux.waitFor { $0.contains("(queued: goes out after the reply to NOOP)") }
        #expect(screen.contains("HELO queued.example  (queued: goes out after the reply to NOOP)"), "\(screen)")
        try tmux.keys("C-c")
        screen = tmux.waitFor { $0.contains("typed but not sent, now dropped") }
        #expect(screen.contains("*** typed but not sent, now dropped: HELO queued.example"), "\(screen)")
        screen = tmux.waitFor { $0.contains("250 2.0.0 late OK") }
        Thread.sleep(forTimeInterval: 0.5)
        screen = tmux.screen()
        #expect(!screen.contains(" -> HELO queued.example"), "\(screen)")
        #expect(!server.receivedText.contains("HELO queued.example"), "\(server.receivedText)")
        // An empty prompt's Ctrl-C says how to leave.
        try tmux.keys("C-c")
        screen = tmux.waitFor { $0.contains("Ctrl-D or :quit leaves the session") }
        #expect(screen.contains("=== Ctrl-C clears the line; Ctrl-D or :quit leaves the session"), "\(screen)")
        try tmux.keys("C-d")
        tmux.waitFor { $0.contains("221") }
    }

    @Test("15.7: a session that recovers from a timeout ends with the status of how it ended")
    func recoveredTimeoutExitsZero() throws {
        let server = try Self.slowNoopServer(delay: 2)
        defer { server.stop() }
        let tmux = try Tmux(
            command: "\(BinaryRunner.binary.path) 127.0.0.1 \(server.port) --no-explain --timeout 1; echo EXIT=$?", width: 140,
            height: 40, environment: TerminalTests.environment)
        tmux.waitFor { $0.contains("greeted") }
        try tmux.typeLine("NOOP", delay: 0.01)
        tmux.waitFor { $0.contains("timed out") }
        var screen = tmux.waitFor { $0.contains("250 2.0.0 late OK") }
        #expect(screen.contains("no reply to NOOP after 1 s (timed out)"), "\(screen)")
        try tmux.keys("C-d")
        screen = tmux.waitFor { $0.contains("EXIT=") }
        #expect(screen.contains("<-  221 2.0.0 bye"), "QUIT's reply must be shown: \(screen)")
        #expect(screen.contains("EXIT=0"), "\(screen)")
    }
}
