import Foundation
import SMTPPracticeServer
import Testing

extension PracticeServerTests {
    /// Sequence and syntax errors over a raw socket get the standard codes (RFC 5321, 4.2.2
    /// and 4.3.2), in the standard wording and in the appliance's.
    @Suite("Sequence and syntax errors")
    struct ProtocolErrors {
        /// One mistake: the commands before it (each must succeed), the mistake, and the reply
        /// in each style.
        struct Mistake: Sendable, CustomTestStringConvertible {
            var name: String
            var before: [String]
            var command: String
            var standard: String
            var appliance: String
            var configure: @Sendable (inout PracticeServerConfiguration) -> Void = { _ in }
            var testDescription: String { name }
        }

        static let mistakes: [Mistake] = [
            Mistake(
                name: "RCPT before MAIL", before: ["EHLO client.example"], command: "RCPT TO:<b@example.org>",
                standard: "503 5.5.1 Bad sequence of commands: need MAIL before RCPT",
                appliance: "503 #5.5.1 MAIL first"
            ),
            Mistake(
                name: "DATA before RCPT", before: ["EHLO client.example", "MAIL FROM:<a@example.org>"], command: "DATA",
                standard: "503 5.5.1 Bad sequence of commands: need RCPT before DATA",
                appliance: "503 #5.5.1 RCPT first"
            ),
            Mistake(
                name: "MAIL before EHLO", before: [], command: "MAIL FROM:<a@example.org>",
                standard: "503 5.5.1 Bad sequence of commands: send EHLO or HELO first",
                appliance: "503 5.5.1 Bad sequence of commands: send EHLO or HELO first"
            ),
            Mistake(
                name: "MAIL twice", before: ["EHLO client.example", "MAIL FROM:<a@example.org>"],
                command: "MAIL FROM:<a@example.org>",
                standard: "503 5.5.1 Bad sequence of commands: sender already given (RSET first)",
                appliance: "503 5.5.1 Bad sequence of commands: sender already given (RSET first)"
            ),
            Mistake(
                name: "MAIL FROM without angle brackets", before: ["EHLO client.example"], command: "MAIL FROM:a@b",
                standard: "501 5.5.2 Syntax error in MAIL",
                appliance: "501 #5.5.2 syntax error"
            ),
            Mistake(
                name: "EHLO without a domain", before: [], command: "EHLO",
                standard: "501 5.5.4 EHLO requires a domain name",
                appliance: "501 #5.0.0 EHLO requires domain address"
            ),
            Mistake(
                name: "unknown command", before: ["EHLO client.example"], command: "XYZZY plugh",
                standard: "500 5.5.2 Command not recognized: XYZZY",
                appliance: "500 #5.5.1 command not recognized"
            ),
            Mistake(
                name: "EXPN", before: ["EHLO client.example"], command: "EXPN staff",
                standard: "502 5.5.1 EXPN not available",
                appliance: "502 5.5.1 EXPN not available"
            ),
            Mistake(
                name: "TURN (obsolete)", before: ["EHLO client.example"], command: "TURN",
                standard: "502 5.5.1 TURN not implemented",
                appliance: "502 5.5.1 TURN not implemented"
            ),
            Mistake(
                name: "unknown MAIL parameter", before: ["EHLO client.example"],
                command: "MAIL FROM:<a@example.org> FOO=BAR",
                standard: "555 5.5.4 Unsupported parameter FOO",
                appliance: "504 Command parameter FOO unrecognized"
            ),
            Mistake(
                name: "SIZE over the limit", before: ["EHLO client.example"],
                command: "MAIL FROM:<a@example.org> SIZE=52428801",
                standard: "552 5.3.4 Message size exceeds fixed limit of 52428800 octets",
                appliance: "552 size limit exceeded"
            ),
            Mistake(
                name: "too many recipients",
                before: [
                    "EHLO client.example", "MAIL FROM:<a@example.org>", "RCPT TO:<b1@example.org>",
                    "RCPT TO:<b2@example.org>",
                ],
                command: "RCPT TO:<b3@example.org>",
                standard: "452 4.5.3 Too many recipients",
                appliance: "452 #4.5.3 Too many recipients",
                configure: { $0.maximumRecipients = 2 }
            ),
            Mistake(
                name: "non-ASCII address without SMTPUTF8", before: ["EHLO client.example"],
                command: "MAIL FROM:<élève@exemple.fr>",
                standard: "553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter",
                appliance: "553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter"
            ),
            Mistake(
                name: "STARTTLS required", before: ["EHLO client.example"], command: "MAIL FROM:<a@example.org>",
                standard: "530 5.7.0 Must issue a STARTTLS command first",
                appliance: "530 #5.7.0 Must issue a STARTTLS command first",
                configure: { $0.requireTLS = true }
            ),
            Mistake(
                name: "AUTH required", before: ["EHLO client.example"], command: "MAIL FROM:<a@example.org>",
                standard: "530 5.7.0 Authentication required",
                appliance: "530 Authentication required",
                configure: { $0.requireAuth = true }
            ),
            Mistake(
                name: "AUTH PLAIN without TLS when TLS is required for it", before: ["EHLO client.example"],
                command: "AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=",
                standard: "538 5.7.11 Encryption required for requested authentication mechanism",
                appliance: "538 #5.7.11 Encryption required",
                configure: { $0.authRequiresTLS = true }
            ),
            Mistake(
                name: "unknown AUTH mechanism", before: ["EHLO client.example"], command: "AUTH GSSAPI",
                standard: "504 5.5.4 Unrecognized authentication mechanism GSSAPI",
                appliance: "504 #5.5.1 AUTH mechanism GSSAPI is not available"
            ),
            Mistake(
                name: "AUTH PLAIN that is not base64", before: ["EHLO client.example"], command: "AUTH PLAIN !!!",
                standard: "501 5.5.2 Cannot decode the response (not base64)",
                appliance: "501 5.5.2 Cannot decode the response (not base64)"
            ),
        ]

        @Test("standard wording", arguments: mistakes)
        func standard(_ mistake: Mistake) async throws {
            try await check(mistake, style: .standard, expected: mistake.standard, host: "practice.localhost")
        }

        @Test("appliance wording", arguments: mistakes)
        func appliance(_ mistake: Mistake) async throws {
            try await check(mistake, style: .appliance, expected: mistake.appliance, host: "my_esa.local")
        }

        func check(_ mistake: Mistake, style: ReplyStyle, expected: String, host: String) async throws {
            var configuration = PracticeServerConfiguration()
            configuration.style = style
            configuration.hostname = host
            mistake.configure(&configuration)
            try await TestServer.with(configuration) { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                for line in mistake.before {
                    let reply = try client.command(line)
                    #expect(reply.code == 250, "\(line): \(reply)")
                }
                let reply = try client.command(mistake.command)
                #expect(reply.lines == [expected])
                // A mistake does not end the session.
                #expect(try client.command("NOOP").code == 250)
            }
        }

        /// Both get 503 5.5.1, but with a text written for another mistake (reported).
        @Test("DATA before MAIL and AUTH after HELO: 503 5.5.1")
        func otherSequenceErrors() async throws {
            try await TestServer.with { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                try client.expect(250, after: "EHLO client.example")
                #expect(try client.command("DATA").last.hasPrefix("503 5.5.1 "))
                try client.expect(250, after: "HELO client.example")
                #expect(try client.command("AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=").last.hasPrefix("503 5.5.1 "))
            }
        }

        @Test("control characters in commands are not sent back raw in replies")
        func controlCharactersNotEchoed() async throws {
            try await TestServer.with { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                // An unknown verb holding a bare CR, and one holding an ANSI "clear screen".
                try client.sendRaw(Array("XY\rZ\r\n\u{1B}[2J\r\n".utf8))
                let first = try client.readReply()
                let second = try client.readReply()
                #expect(first.code == 500 && second.code == 500)
                // An EHLO name and a mailbox holding control characters.
                let ehlo = try client.command("EHLO x\ry\u{1B}[31m")
                let mail = try client.command("MAIL FROM:<a\u{1}b@example.org>")
                for line in [first.last, second.last, ehlo.lines[0], mail.last] {
                    #expect(
                        !line.unicodeScalars.contains { $0.value < 0x20 || $0.value > 0x7E }, "\(Array(line.utf8))")
                }
                // A command with control characters in it is refused, not accepted.
                #expect(ehlo.code == 501)
                #expect(mail.code == 501)
                #expect(try client.command("NOOP").code == 250)
            }
        }

        // MARK: - Long lines

        static let limit = PracticeServerConfiguration().maximumLineLength

        @Test("a command line of exactly 4096 octets is accepted")
        func lineAtTheLimit() async throws {
            try await TestServer.with { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                let line = "NOOP " + String(repeating: "x", count: Self.limit - 5)
                #expect(line.utf8.count == Self.limit)
                #expect(try client.command(line).last == "250 2.0.0 OK")
            }
        }

        @Test("a command line over 4096 octets sent in pieces: 500 Line too long, then the session goes on")
        func longLineInPieces() async throws {
            try await TestServer.with { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                let line = Array(("NOOP " + String(repeating: "x", count: 10_000)).utf8)
                for start in stride(from: 0, to: line.count, by: 1000) {
                    try client.sendRaw(Array(line[start..<min(start + 1000, line.count)]))
                    usleep(5_000)
                }
                try client.sendRaw([13, 10])
                #expect(try client.readReply().lines == ["500 5.5.2 Line too long"])
                #expect(try client.command("NOOP").lines == ["250 2.0.0 OK"])
            }
        }

        @Test(
            "a command line over 4096 octets in one write: 500 Line too long",
            arguments: [limit + 1, limit + 2, 5000, 60_000]
        )
        func longLineInOneWrite(length: Int) async throws {
            try await TestServer.with { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                let line = "NOOP " + String(repeating: "x", count: length - 5)
                let reply = try client.command(line)
                #expect(reply.lines == ["500 5.5.2 Line too long"])
                #expect(try client.command("NOOP").lines == ["250 2.0.0 OK"])
            }
        }

        // MARK: - Bare LF, size, recipients, transactions

        @Test("bare LF in a command: 521 and the server hangs up, when configured")
        func bareLineFeedCommand() async throws {
            var configuration = PracticeServerConfiguration()
            configuration.rejectBareLineFeed = true
            try await TestServer.with(configuration) { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                try client.expect(250, after: "EHLO client.example")
                try client.sendRaw(Array("NOOP\n".utf8))
                #expect(try client.readReply().lines == ["521 5.5.2 practice.localhost Error: bare <LF> received"])
                #expect(try client.waitForClose())
            }
        }

        @Test("bare LF in message data: 521, nothing stored, the server hangs up, when configured")
        func bareLineFeedData() async throws {
            var configuration = PracticeServerConfiguration()
            configuration.rejectBareLineFeed = true
            try await TestServer.with(configuration) { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                let reply = try client.sendMessage(Array("Subject: x\r\n\r\nbare\nLF\r\n".utf8))
                #expect(reply.lines == ["521 5.5.2 practice.localhost Error: bare <LF> received"])
                #expect(try client.waitForClose())
                #expect(try server.storedMessages().isEmpty)
            }
        }

        @Test("bare LF accepted when not configured: the message is stored as sent")
        func bareLineFeedAccepted() async throws {
            try await TestServer.with { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                try client.expect(250, after: "EHLO client.example")
                try client.sendRaw(Array("NOOP\n".utf8))
                #expect(try client.readReply().code == 250)
                let message = Array("Subject: x\r\n\r\nbare\nLF\r\n".utf8)
                #expect(try client.sendMessage(message, ehlo: false).code == 250)
                #expect(try server.onlyMessage().content == message)
            }
        }

        @Test("a message over the size limit: 552 at the final dot, nothing stored, the session goes on")
        func messageOverLimit() async throws {
            var configuration = PracticeServerConfiguration()
            configuration.maximumMessageSize = 1000
            try await TestServer.with(configuration) { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                let big = Array(String(repeating: "0123456789\r\n", count: 100).utf8)
                #expect(
                    try client.sendMessage(big).lines == ["552 5.3.4 Message size exceeds fixed limit of 1000 octets"])
                #expect(try server.storedMessages().isEmpty)
                let small = Array("Subject: small\r\n\r\nfits\r\n".utf8)
                #expect(try client.sendMessage(small, ehlo: false).code == 250)
                #expect(try server.onlyMessage().content == small)
            }
        }

        @Test("maximumRecipients = 2: the third RCPT gets 452, the message goes to the first two")
        func tooManyRecipients() async throws {
            var configuration = PracticeServerConfiguration()
            configuration.maximumRecipients = 2
            try await TestServer.with(configuration) { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                try client.expect(250, after: "EHLO client.example")
                try client.expect(250, after: "MAIL FROM:<a@example.org>")
                try client.expect(250, after: "RCPT TO:<b1@example.org>")
                try client.expect(250, after: "RCPT TO:<b2@example.org>")
                #expect(try client.command("RCPT TO:<b3@example.org>").lines == ["452 4.5.3 Too many recipients"])
                try client.expect(354, after: "DATA")
                try client.sendRaw(Array("Subject: two\r\n\r\nx\r\n.\r\n".utf8))
                #expect(try client.readReply().code == 250)
                #expect(try server.onlyMessage().envelopeTo == ["<b1@example.org>", "<b2@example.org>"])
            }
        }

        @Test("pipelined MAIL, RCPT, DATA in one write: the replies in order")
        func pipelining() async throws {
            try await TestServer.with { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                try client.expect(250, after: "EHLO client.example")
                try client.sendRaw(
                    Array(
                        "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n"
                            .utf8))
                #expect(try client.readReply().lines == ["250 2.1.0 Sender <a@example.org> OK"])
                #expect(try client.readReply().lines == ["250 2.1.5 Recipient <b@example.org> OK"])
                #expect(try client.readReply().lines == ["250 2.1.5 Recipient <c@example.org> OK"])
                #expect(try client.readReply().lines == ["354 End data with <CR><LF>.<CR><LF>"])
                // The message, its dot, and the next transaction in one write.
                try client.sendRaw(Array("Subject: p\r\n\r\n..x\r\n.\r\nRSET\r\nQUIT\r\n".utf8))
                #expect(try client.readReply().code == 250)
                #expect(try client.readReply().lines == ["250 2.0.0 OK"])
                #expect(try client.readReply().lines == ["221 2.0.0 practice.localhost closing connection"])
                #expect(try client.waitForClose())
                #expect(try server.onlyMessage().content == Array("Subject: p\r\n\r\n.x\r\n".utf8))
            }
        }

        @Test("BDAT (CHUNKING): chunks stored as sent, no dot-stuffing")
        func bdat() async throws {
            try await TestServer.with { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                try client.expect(250, after: "EHLO client.example")
                try client.expect(250, after: "MAIL FROM:<a@example.org>")
                try client.expect(250, after: "RCPT TO:<b@example.org>")
                let first = Array("Subject: chunks\r\n\r\n.\r\n".utf8)
                let second = Array("..two dots\r\n".utf8)
                try client.sendRaw(Array("BDAT \(first.count)\r\n".utf8) + first)
                #expect(try client.readReply().lines == ["250 2.0.0 \(first.count) octets received"])
                try client.sendRaw(Array("BDAT \(second.count) LAST\r\n".utf8) + second)
                #expect(try client.readReply().code == 250)
                #expect(try server.onlyMessage().content == first + second)
            }
        }

        @Test("early talker: input before a delayed greeting gets 554 and the server hangs up")
        func earlyTalker() async throws {
            var configuration = PracticeServerConfiguration()
            configuration.greetingDelay = 0.5
            try await TestServer.with(configuration) { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.send("EHLO client.example")
                #expect(
                    try client.readReply().lines == [
                        "554 5.5.0 practice.localhost SMTP synchronization error: input before the greeting"
                    ])
                #expect(try client.waitForClose())
            }
        }

        @Test("idle timeout: 421 and the server hangs up")
        func idleTimeout() async throws {
            var configuration = PracticeServerConfiguration()
            configuration.idleTimeout = 0.3
            try await TestServer.with(configuration) { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                #expect(try client.readReply().lines == ["421 4.4.2 practice.localhost Error: timeout exceeded"])
                #expect(try client.waitForClose())
            }
        }

        @Test("the 21st unrecognised command: 421 and the server hangs up")
        func tooManyBadCommands() async throws {
            try await TestServer.with { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                try client.greeting()
                for _ in 1...20 { #expect(try client.command("XYZZY").code == 500) }
                #expect(try client.command("XYZZY").lines == ["421 4.7.0 practice.localhost Error: too many errors"])
                #expect(try client.waitForClose())
            }
        }
    }
}
