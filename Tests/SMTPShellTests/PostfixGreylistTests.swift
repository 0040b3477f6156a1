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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-greylist-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = PracticeServer.Options()
        options.port = 0
        options.messageDirectory = directory
        options.configuration.greylistDelay = 2
        options.configuration.hostname = "mx.greylist.test"
        let server = PracticeServer(options: options, group: MultiThreadedEventLoopGroup.singleton)
        let listening = try await server.start()
        do {
            try await Self.relay(through: listening.port, into: directory)
            await server.stop()
        } catch {
            await server.stop()
            throw error
        }
    }

    static func relay(through port: Int, into directory: URL) async throws {

        let next = "smtp:[127.0.0.1]:\(port)"
        let postfix = try PostfixServer(settings: [
            // Loopback may relay; everything not local goes to the practice server.
            "mynetworks": "127.0.0.0/8",
            "relay_domains": "greylist.test",
            "relay_transport": next,
            "default_transport": next,
            "smtp_tls_security_level": "none",
            // Retry soon: the queue is scanned every second, a deferred message waits 1 to 2 s.
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
        ])
        defer { postfix.stop() }

        let script = [
            "EHLO client.example.org", "MAIL FROM:<alice@postfix.test>", "RCPT TO:<bob@greylist.test>", "DATA",
            "Subject: greylisted", "", "Through Postfix's queue.", ".", "QUIT",
        ].joined(separator: "\n") + "\n"
        let submitted = try BinaryRunner.run(["127.0.0.1", String(postfix.port)], stdin: Data(script.utf8), timeout: 60)
        #expect(submitted.stdout.contains("250 2.0.0 Ok: queued"), "\(submitted.stdout)")

        // Postfix tries at once (450), then again from its queue once 2 s have passed.
        let deadline = Date().addingTimeInterval(60)
        var stored: [String] = []
        while Date() < deadline {
            stored = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".eml") }
            if !stored.isEmpty && postfix.mailLog().contains("status=sent") { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let log = postfix.mailLog()
        #expect(log.contains("status=deferred"), "\(log)")
        #expect(log.contains("450 4.2.0 <bob@greylist.test>: Recipient address rejected: Greylisted"), "\(log)")
        #expect(log.contains("status=sent"), "\(log)")
        // A moment more: a second copy would show now.
        try await Task.sleep(for: .milliseconds(1500))
        stored = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".eml") }
        #expect(stored.count == 1, "\(stored)")
        let message = try String(contentsOf: directory.appendingPathComponent(try #require(stored.first)), encoding: .utf8)
        #expect(message.contains("Subject: greylisted"))
        #expect(message.contains("X-Envelope-To: <bob@greylist.test>"))
    }
}
