import Foundation
import SMTPCore
import SMTPPracticeServer
import Testing

@testable import SMTPShell

/// `smtpsh send`: the standard session without a terminal, against the practice server.
@Suite struct SendCommandTests {
    @Test func theStandardSessionDeliversTheMessage() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "alice@example.org", "--to", "bob@example.org",
                "--to", "carol@example.org", "--subject", "hello", "--header", "X-Test: yes", "--ehlo", "client.example",
            ])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let sent = result.stdout.split(separator: "\n").filter { $0.hasPrefix(" -> ") }.map { String($0.dropFirst(4)) }
            #expect(Array(sent.prefix(5)) == [
                "EHLO client.example", "MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>",
                "RCPT TO:<carol@example.org>", "DATA",
            ], "\(result.stdout)")
            #expect(sent.last == "QUIT")
            // Explained, as in a session.
            #expect(result.stdout.contains("      250  "), "\(result.stdout)")
            let stored = PipedSessionTests.stored(directory)
            #expect(stored.count == 1)
            let message = stored.first ?? ""
            for header in ["\r\nDate: ", "\r\nMessage-ID: <", "\r\nFrom: <alice@example.org>\r\n", "\r\nTo: <bob@example.org>, <carol@example.org>\r\n", "\r\nSubject: hello\r\n", "\r\nX-Test: yes\r\n"] {
                #expect(message.contains(header), "\(header) in \(message)")
            }
            #expect(message.hasSuffix("\r\n\r\nThis is a test message sent by smtpsh.\r\n"), "\(message)")
        }
    }

    @Test func aRefusedRecipientStopsThereWithItsStatus() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT 2: 550 5.1.1 no such user here"))
        }) { port, directory in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--to", "c@example.org",
            ])
            #expect(result.status == 15, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("<-  550 5.1.1 no such user here"))
            // Explained under it, then the stop, then QUIT; no DATA.
            #expect(result.stdout.contains("      5.1.1  Bad destination mailbox"), "\(result.stdout)")
            let stop = try #require(result.stdout.range(of: "*** the standard session stopped at rcpt"), "\(result.stdout)")
            #expect(!result.stdout.contains(" -> DATA"))
            let quit = try #require(result.stdout.range(of: " -> QUIT"))
            #expect(stop.lowerBound < quit.lowerBound, "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).isEmpty)
        }
    }

    /// --starttls: smtpsh greets again by itself, so it does not tell the user to.
    @Test func startTLSThenTheMessage() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--starttls",
                "--ehlo", "client.example", "--no-explain",
            ])
            #expect(result.status == 0, "\(result.stdout)")
            let sent = result.stdout.split(separator: "\n").filter { $0.hasPrefix(" -> ") || $0.hasPrefix(" ~> ") }.prefix(4)
            #expect(Array(sent) == [" -> EHLO client.example", " -> STARTTLS", " ~> EHLO client.example", " ~> MAIL FROM:<a@example.org>"], "\(result.stdout)")
            #expect(!result.stdout.contains("send EHLO again"))
            #expect(PipedSessionTests.stored(directory).count == 1)
        }
    }

    @Test func quitAfterStopsEarly() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--quit-after", "rcpt",
                "--no-explain",
            ])
            #expect(result.status == 0, "\(result.stdout)")
            #expect(result.stdout.contains(" -> RCPT TO:<b@example.org>"))
            #expect(!result.stdout.contains(" -> DATA"))
            #expect(PipedSessionTests.stored(directory).isEmpty)
        }
    }

    /// --data: the message as given, dot-stuffed on the wire and stored un-stuffed, byte for byte.
    @Test func dataIsSentByteForByte() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-data-\(UUID().uuidString).eml")
            defer { try? FileManager.default.removeItem(at: file) }
            // A lone "." inside the message is content, not its end.
            let message = "From: <a@example.org>\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast line\r\n"
            try message.write(to: file, atomically: true, encoding: .utf8)
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--data", file.path,
                "--no-explain",
            ])
            #expect(result.status == 0, "\(result.stdout)")
            let stored = PipedSessionTests.stored(directory).first ?? ""
            #expect(stored.hasSuffix(message), "\(stored)")
        }
    }

    @Test func authWithoutASecretOrAUserIsAUsageError() throws {
        let noUser = try BinaryRunner.run(["send", "127.0.0.1", "--from", "a@example.org", "--to", "b@example.org", "--auth", "plain"])
        #expect(noUser.status == 64)
        #expect(noUser.stderr.hasPrefix("smtpsh: --auth needs --user NAME"))
        let noFrom = try BinaryRunner.run(["send", "127.0.0.1", "--to", "b@example.org"])
        #expect(noFrom.status == 64)
        #expect(noFrom.stderr.hasPrefix("smtpsh: smtpsh send needs --from ADDRESS"))
        let badAddress = try BinaryRunner.run(["send", "127.0.0.1", "--from", "a@example.org>", "--to", "b@example.org"])
        #expect(badAddress.status == 64)
    }

    @Test func linesAreSplitOnBytesWhateverTheLineEnds() {
        #expect(TextLines.split(Array("a\r\nb\nc".utf8)) == ["a", "b", "c"])
        #expect(TextLines.split(Array("a\r\n\r\n".utf8)) == ["a", ""])
        #expect(TextLines.split(Array("".utf8)) == [])
        #expect(TextLines.split(Array("only\r".utf8)) == ["only"])
    }

    /// A header or subject with a line end would inject header lines: refused.
    @Test func aHeaderWithALineEndIsRefused() throws {
        let result = try BinaryRunner.run([
            "send", "127.0.0.1", "--from", "a@example.org", "--to", "b@example.org", "--subject", "hi\r\nBcc: evil@example.org",
        ])
        #expect(result.status == 64, "\(result.stderr)")
    }
}
