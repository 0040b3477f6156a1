import Foundation
import NIOPosix
import SMTPPracticeServer
import Testing

/// A real mail server's retry logic against the practice server's greylisting (issue 22):
/// Postfix (its own instance, ``PostfixServer``) relays a message to the practice server with
/// `--greylist 2`, gets the 450, keeps the message in its queue, retries and delivers; the
/// practice server stores it once.
@Suite(.serialized, .enabled(if: PostfixServer.isAvailable, "Postfix is needed, and root to start it (Scripts/setup --test)"))
struct PostfixGreylistTests {
    @Test func postfixRetriesAndDeliversOnce() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.greylistDelay = 2
            options.configuration.hostname = "mx.greylist.test"
        }) { port, directory in
            try Self.relay(through: port, into: directory)
        }
    }

    static func relay(through port: Int, into directory: URL) throws {
        let postfix = try PostfixServer(settings: PostfixServer.relaying("greylist.test", to: port).merging([
            // Loopback may relay; everything not local goes to the practice server.
            "mynetworks": "127.0.0.0/8",
            // Retry soon: the queue is scanned every second, a deferred message waits 1 to 2 s.
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
        ]) { $1 })
        defer { postfix.stop() }

        let script = [
            "EHLO client.example.org", "MAIL FROM:<alice@postfix.test>", "RCPT TO:<bob@greylist.test>", "DATA",
            "Subject: greylisted", "", "Through Postfix's queue.", ".", "QUIT",
        ].joined(separator: "\n") + "\n"
        let submitted = try BinaryRunner.run(["127.0.0.1", String(postfix.port)], stdin: Data(script.utf8), timeout: 60)
        #expect(submitted.stdout.contains("250 2.0.0 Ok: queued as"), "\(submitted.stdout)")

        // Postfix tries at once (450), then again from its queue once 2 s have passed.
        _ = PipedSessionTests.stored(directory, within: 60) { !$0.isEmpty && postfix.mailLog().contains("status=sent") }
        let log = postfix.mailLog()
        #expect(log.contains("status=deferred"), "\(log)")
        #expect(log.contains("450 4.2.0 <bob@greylist.test>: Recipient address rejected: Greylisted"), "\(log)")
        #expect(log.contains("status=sent"), "\(log)")
        // A moment more: a second copy would show now.
        Thread.sleep(forTimeInterval: 1.5)
        let stored = PipedSessionTests.stored(directory)
        #expect(stored.count == 1, "\(stored.count) messages")
        let message = try #require(stored.first)
        #expect(message.contains("Subject: greylisted"))
        #expect(message.contains("X-Envelope-To: <bob@greylist.test>"))
    }
}
