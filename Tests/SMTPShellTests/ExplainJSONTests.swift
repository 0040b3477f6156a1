import Foundation
import Testing

@testable import SMTPShell

/// `smtpsh explain --json`, `--after`, and mail logs on standard input (issue 17).
@Suite struct ExplainJSONTests {
    static func objects(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func oneObjectPerReplyWithTheDocumentedFields() throws {
        let result = try BinaryRunner.run([
            "explain", "--json", "--lang", "fr",
            "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. [AM4PEPF00025F9D.eurprd83.prod.outlook.com]",
            "5.1.1",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = Self.objects(result.stdout)
        #expect(objects.count == 2)
        let first = try #require(objects.first)
        #expect(Array(first.keys).sorted() == [
            "acts", "category", "code", "command", "enhanced", "explanation", "input", "retry", "source", "texts", "vendor",
        ].sorted())
        #expect(first["vendor"] as? String == "microsoft")
        #expect(first["code"] as? Int == 550)
        #expect(first["enhanced"] as? String == "5.7.708")
        #expect(first["category"] as? String == "reputation")
        #expect(first["retry"] as? String == "fix-then-retry")
        #expect(first["acts"] as? [String] == ["sending-admin"])
        #expect((first["source"] as? String)?.hasPrefix("https://learn.microsoft.com/") == true)
        #expect((first["explanation"] as? [String])?.first == "vendor.microsoft.traffic-not-accepted")
        // The texts in the language asked for only.
        let texts = try #require(first["texts"] as? [String: Any])
        #expect(Array(texts.keys) == ["fr"])
        let parts = try #require(texts["fr"] as? [[String: Any]])
        #expect((parts.first?["meaning"] as? String)?.contains("Exchange Online refuse") == true)
        #expect(parts.first?["cause"] != nil && parts.first?["hint"] != nil)
        #expect(objects.last?["enhanced"] as? String == "5.1.1")
    }

    /// `--after RCPT`: Postfix's refusal of the sender at RCPT is about the sender.
    @Test func theCommandAnswered() throws {
        let line = "504 5.5.2 <alice>: Sender address rejected: need fully-qualified address"
        let result = try BinaryRunner.run(["explain", "--json", "--after", "RCPT", line])
        let object = try #require(Self.objects(result.stdout).first)
        #expect(object["command"] as? String == "rcpt")
        #expect(object["category"] as? String == "sender")
        #expect((object["explanation"] as? [String])?.contains("command.rcpt.504") == true)
        // Without a vendor text, the command entry explains a bare code.
        let bare = try BinaryRunner.run(["explain", "--after", "dot", "250 Queued"])
        #expect(bare.stdout.contains("Message accepted: from now on the server is responsible"), "\(bare.stdout)")
        let wrong = try BinaryRunner.run(["explain", "--after", "LOGOUT", "250 ok"])
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("--after takes a command"), "\(wrong.stderr)")
    }

    /// A mail log on standard input: the replies are explained, the other lines skipped,
    /// in order, each with the command its line names.
    @Test func aMailLogOnStandardInput() throws {
        var log = ""
        for index in 0..<2000 {
            switch index % 4 {
            case 0:
                log += "Dec  7 10:21:33 mx postfix/smtp[1234]: 4ABC\(index): to=<u\(index)@example.com>, relay=mx.example.com[203.0.113.5]:25, delay=1.2, dsn=5.1.1, status=bounced (host mx.example.com[203.0.113.5] said: 550 5.1.1 <u\(index)@example.com>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command))\n"
            case 1:
                log += "2026-12-07 10:21:33 1rABCD-000123-AB ** u\(index)@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.8]: SMTP error from remote mail server after end of data: 552 5.3.4 Your message exceeded Google's message size limits. Please visit https://support.google.com/mail/?p=MaxSizeError d2si\(index) - gsmtp\n"
            default:
                log += "Dec  7 10:21:3\(index % 10) mx postfix/qmgr[88]: 4ABC\(index): removed\n"
            }
        }
        let result = try BinaryRunner.run(["explain", "--json"], stdin: Data(log.utf8), timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let objects = Self.objects(result.stdout)
        #expect(objects.count == 1000)
        #expect(objects.first?["vendor"] as? String == "postfix")
        #expect(objects.first?["command"] as? String == "rcpt")
        #expect(objects[1]["vendor"] as? String == "google")
        #expect(objects[1]["command"] as? String == "dot")
        #expect(objects[1]["category"] as? String == "size")
        #expect((objects.last?["input"] as? String)?.contains("u1997@example.org") == false)
        #expect((objects[998]["input"] as? String)?.contains("<u1996@example.com>") == true)
        // A log with no reply at all: nothing to explain, status 64.
        let empty = try BinaryRunner.run(["explain", "--json"], stdin: Data("Dec  7 10:21:33 mx postfix/qmgr[88]: 4ABC: removed\n".utf8))
        #expect(empty.status == 64)
    }

    /// The walk-through's A10: a wrapped Postfix bounce pasted whole.
    @Test func aWrappedBounceOnStandardInput() throws {
        let bounce = """
            <bob@example.com>: host mx.example.com[203.0.113.5] said: 550 5.7.1
                Service unavailable; client [198.51.100.7] blocked using zen.spamhaus.org
                (in reply to RCPT TO command)

            """
        let result = try BinaryRunner.run(["explain"], stdin: Data(bounce.utf8), environment: ["COLUMNS": "200"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("550 5.7.1 Service unavailable; client [198.51.100.7] blocked using zen.spamhaus.org"), "\(result.stdout)")
        #expect(result.stdout.contains("the DNS blocklist zen.spamhaus.org lists it"), "\(result.stdout)")
        #expect(result.stdout.contains("→ reputation · fix, then retry"), "\(result.stdout)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    /// Issue 15.8: the continuation of Postfix's wrapped `said:` line holds the cause; pasted
    /// as it is (a log line and its indented continuation), it is one reply, explained, and a
    /// list's name ending a clause (`zen.spamhaus.org;`) is named without the semicolon.
    @Test("15.8: explain joins a Postfix said: line and its continuation, the cause included")
    func aWrappedSaidLineIsOneReply() throws {
        let log = """
            Dec  7 10:21:33 mx postfix/smtp[4242]: 4AB12C: to=<bob@example.net>, relay=mx.example.net[192.0.2.25]:25, dsn=5.7.1, status=bounced (host mx.example.net[192.0.2.25] said: 554 5.7.1 Service unavailable; Client host
                [198.51.100.7] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.7 (in reply to RCPT TO command))

            """
        let result = try BinaryRunner.run(["explain"], stdin: Data(log.utf8), environment: ["COLUMNS": "200"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Client host [198.51.100.7] blocked using zen.spamhaus.org;"), "\(result.stdout)")
        #expect(result.stdout.contains("the DNS blocklist zen.spamhaus.org lists it"), "\(result.stdout)")
        #expect(result.stdout.contains("RCPT 554"), "\(result.stdout)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    /// The byte writer escapes exactly what the JSON of events must (RFC 8259 and the lines
    /// readers break at), wherever it falls in the eight-byte steps, and copies the rest.
    @Test func stringsAreEscapedAsBefore() throws {
        func reference(_ value: String) -> String {
            var out = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    let value = scalar.value
                    if value < 0x20 || value == 0x7F || (0x80..<0xA0).contains(value) || value == 0x2028 || value == 0x2029 {
                        let hex = String(value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
        let pieces = [
            "plain ASCII text", "\"", "\\", "\n", "\r\n", "\t", "\u{1B}[31m", "\u{7F}", "\u{85}", "\u{9F}", "\u{A0}", "é",
            "\u{2028}", "\u{2029}", "\u{2027}", "日本語", "😀", "<bob@example.com>", "",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(JSONValue.quoted(text) == reference(text), "\(text.debugDescription)")
        }
        let object = JSONValue.object([("a", .array([.number(550), .number(-1), .number(0.5), .bool(true), .null])), ("b", .string("x"))])
        #expect(object.text == #"{"a":[550,-1,0.5,true,null],"b":"x"}"#)
    }

    /// Which lines of a mail log are read: a reply's markers, and any line without a time stamp.
    @Test func theLinesOfALogThatAreRead() {
        func read(_ line: String) -> Bool {
            Array(line.utf8).withUnsafeBufferPointer { LogLineFilter.mayHoldReply($0) }
        }
        #expect(read("Dec  7 10:21:33 mx postfix/smtp[1]: 4A: to=<a@b>, status=bounced (host x[192.0.2.1] said: 550 no)"))
        #expect(read("Dec  7 10:21:33 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 no"))
        #expect(read("2026-12-07 10:21:33 1rABCD-000123-AB ** a@b R=r T=t: SMTP error from remote mail server after RCPT TO:<a@b>: 550 no"))
        #expect(read("Dec  7 10:21:33 mx postfix/smtp[1]: host x[192.0.2.1] refused to talk to me: 554 go away"))
        #expect(read("2026-12-07T10:21:33 Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound'"))
        #expect(read("2026-12-07T10:21:33 Diagnostic-Code: smtp; 550 5.1.1 no"))
        #expect(read("550 5.1.1 no such user"))
        #expect(read("    (in reply to RCPT TO command)"))
        #expect(!read("Dec  7 10:21:33 mx postfix/qmgr[88]: 4ABC: removed"))
        #expect(!read("Dec  7 10:21:33 mx postfix/smtpd[1]: connect from unknown[192.0.2.1]"))
        #expect(!read("Dec  7 10:21:33 mx postfix/smtp[1]: said:"))
        #expect(!read("2026-12-07 10:21:33 said 550"))
    }
}
