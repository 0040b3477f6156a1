import Foundation
import SMTPPracticeServer
import Testing

extension PracticeServerTests {
    /// Every built-in scenario produces the reply it promises, at the point of the session
    /// where it promises it.
    @Suite("Built-in scenarios")
    struct Scenarios {
        static let host = "my_esa.local"
        static let withRules = BuiltInScenarios.all.filter { !$0.rules.isEmpty }.map(\.name)
        static let withoutRules = BuiltInScenarios.all.filter { $0.rules.isEmpty }.map(\.name)

        static func configuration(_ name: String) throws -> PracticeServerConfiguration {
            var configuration = PracticeServerConfiguration()
            try configuration.apply(#require(BuiltInScenarios.named(name), "no scenario \(name)"))
            return configuration
        }

        /// The rule's reply as the learner must see it: `{host}` and `{arg}` filled in.
        static func expectedLine(_ rule: ScenarioRule, arg: String) -> String {
            rule.reply.replacingOccurrences(of: "{host}", with: host).replacingOccurrences(of: "{arg}", with: arg)
        }

        @Test("the scenario list: names unique, every rule has a reply code from 400 to 599")
        func list() throws {
            let names = BuiltInScenarios.all.map(\.name)
            #expect(Set(names).count == names.count)
            #expect(Self.withRules.count >= 30)
            for scenario in BuiltInScenarios.all {
                #expect(scenario.style == .appliance, "\(scenario.name)")
                for rule in scenario.rules {
                    let code = Int(rule.reply.prefix(3)) ?? 0
                    #expect((400...599).contains(code), "\(scenario.name): \(rule)")
                    // The file text parses back to the same rule.
                    #expect(try ScenarioRule(parsing: String(rule.description.dropFirst(3))) == rule)
                }
            }
        }

        @Test("a scenario with a rule sends the rule's reply at its trigger", arguments: withRules)
        func rule(name: String) async throws {
            var configuration = try Self.configuration(name)
            let rule = try #require(configuration.rules.first)
            if case .time = rule.trigger {
                // The built-in waits 20 s; the same rule at 0.3 s.
                configuration.rules[0] = ScenarioRule(
                    trigger: .time(seconds: 0.3), reply: rule.reply, close: rule.close)
            }
            try await TestServer.with(configuration) { server in
                try await Self.drive(rule: configuration.rules[0], port: server.port, server: server)
            }
        }

        /// Drives a session to the rule's trigger (the n-th occurrence when it has a count),
        /// checks the exact reply line, then that the server hangs up (`close`) or goes on.
        /// For `N+` and every-time rules the trigger is repeated and must give the reply again.
        static func drive(rule: ScenarioRule, port: Int, server: TestServer) async throws {
            let client = try RawSMTPClient(port: port)
            defer { client.close() }
            let occurrence: Int =
                switch rule.occurrence {
                case .every: 1
                case .nth(let n), .from(let n): n
                }
            let repeats: Bool =
                switch rule.occurrence {
                case .nth: false
                case .every, .from: !rule.close
                }
            var messagesBefore = 0
            let reply: RawSMTPClient.ReplyLines
            var again: (() throws -> RawSMTPClient.ReplyLines)?
            var arg = ""

            switch rule.trigger {
            case .greeting:
                reply = try client.readReply()

            case .time(let seconds):
                try client.greeting()
                let start = Date()
                reply = try client.readReply()
                let elapsed = Date().timeIntervalSince(start)
                #expect(elapsed >= seconds * 0.8 && elapsed < seconds + 3, "the TIME rule fired after \(elapsed) s")

            case .badCommand:
                try client.greeting()
                try client.expect(250, after: "EHLO client.example")
                for _ in 1..<occurrence {
                    #expect(try client.command("HELLO there").last == "500 #5.5.1 command not recognized")
                }
                arg = "HELLO"
                reply = try client.command("HELLO there")
                again = { try client.command("HELLO there") }

            case .endOfData:
                try client.greeting()
                try client.expect(250, after: "EHLO client.example")
                for index in 1..<occurrence {
                    let accepted = try client.sendMessage(Messages.withDots(subject: "\(index)"), ehlo: false)
                    #expect(accepted.code == 250, "message \(index): \(accepted)")
                }
                messagesBefore = occurrence - 1
                reply = try client.sendMessage(Messages.withDots(), ehlo: false)
                again = { try client.sendMessage(Messages.withDots(), ehlo: false) }

            case .verb(let verb):
                try client.greeting()
                try client.expect(250, after: "EHLO client.example")
                switch verb {
                case "MAIL":
                    // Whole messages before the n-th MAIL (as a real client would send them).
                    for index in 1..<occurrence {
                        let accepted = try client.sendMessage(Messages.withDots(subject: "\(index)"), ehlo: false)
                        #expect(accepted.code == 250, "message \(index): \(accepted)")
                    }
                    messagesBefore = occurrence - 1
                    arg = "a@example.org"
                    reply = try client.command("MAIL FROM:<a@example.org>")
                    again = { try client.command("MAIL FROM:<a@example.org>") }
                case "RCPT":
                    try client.expect(250, after: "MAIL FROM:<a@example.org>")
                    for index in 1..<occurrence {
                        #expect(
                            try client.command("RCPT TO:<r\(index)@example.org>").last
                                == "250 recipient <r\(index)@example.org> ok")
                    }
                    arg = "r\(occurrence)@example.org"
                    reply = try client.command("RCPT TO:<r\(occurrence)@example.org>")
                    again = { try client.command("RCPT TO:<r\(occurrence)@example.org>") }
                case "DATA":
                    try client.expect(250, after: "MAIL FROM:<a@example.org>")
                    try client.expect(250, after: "RCPT TO:<b@example.org>")
                    reply = try client.command("DATA")
                    again = { try client.command("DATA") }
                case "STARTTLS":
                    reply = try client.command("STARTTLS")
                    again = { try client.command("STARTTLS") }
                case "AUTH":
                    arg = "PLAIN"
                    // AUTH PLAIN with the practice account (\0student\0practice).
                    reply = try client.command("AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=")
                    again = { try client.command("AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=") }
                default:
                    for _ in 1..<occurrence { _ = try client.command("\(verb) 1") }
                    arg = "1"
                    reply = try client.command("\(verb) 1")
                    again = { try client.command("\(verb) 1") }
                }
            }

            let expected = expectedLine(rule, arg: arg)
            #expect(reply.lines == expected.components(separatedBy: "\n"), "\(rule)")
            if rule.close {
                #expect(try client.waitForClose(), "the server did not close after \(rule)")
            } else {
                if repeats, let again {
                    #expect(try again().lines == expected.components(separatedBy: "\n"), "again: \(rule)")
                }
                #expect(try client.command("QUIT").last == "221 \(host)")
            }
            // A refused message is never stored; the ones before it are.
            #expect(try server.storedMessages().count == messagesBefore, "\(rule)")
        }

        /// How to provoke each reply that needs no rule (the scenario's description is the reply;
        /// `XXX` stands for what the learner typed).
        static let provoked:
            [String: (reply: String, steps: @Sendable (RawSMTPClient) throws -> RawSMTPClient.ReplyLines)] = [
                "appliance": (
                    "220 my_esa.local ESMTP",
                    { _ in throw RawSMTPClient.Failure(description: "checked by the greeting") }
                ),
                "command-not-recognized": ("", { try $0.command("HELLO") }),
                "line-too-long": ("", { try $0.command("NOOP " + String(repeating: "x", count: 5000)) }),
                "ehlo-requires-domain": ("", { try $0.command("EHLO") }),
                "syntax-error": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        return try client.command("MAIL FROM:alice@example.org")
                    }
                ),
                "auth-arguments": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        return try client.command("AUTH")
                    }
                ),
                "auth-during-transaction": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        try client.expect(250, after: "MAIL FROM:<a@example.org>")
                        return try client.command("AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=")
                    }
                ),
                "already-authenticated": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        try client.expect(235, after: "AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=")
                        return try client.command("AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=")
                    }
                ),
                "auth-not-available": (
                    "503 #5.3.3 AUTH not available",
                    { client in
                        let ehlo = try client.command("EHLO client.example")
                        #expect(!ehlo.lines.contains { $0.contains("AUTH") }, "EHLO still offers AUTH: \(ehlo)")
                        return try client.command("AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=")
                    }
                ),
                "mail-first": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        return try client.command("RCPT TO:<b@example.org>")
                    }
                ),
                "rcpt-first": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        try client.expect(250, after: "MAIL FROM:<a@example.org>")
                        return try client.command("DATA")
                    }
                ),
                "mechanism-not-available": (
                    "504 #5.5.1 AUTH mechanism GSSAPI is not available",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        return try client.command("AUTH GSSAPI")
                    }
                ),
                "parameter-unrecognized": (
                    "504 Command parameter FOO unrecognized",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        return try client.command("MAIL FROM:<a@example.org> FOO=BAR")
                    }
                ),
                "starttls-required": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        return try client.command("MAIL FROM:<a@example.org>")
                    }
                ),
                "authentication-required": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        return try client.command("MAIL FROM:<a@example.org>")
                    }
                ),
                "encryption-required": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        return try client.command("AUTH PLAIN AHN0dWRlbnQAcHJhY3RpY2U=")
                    }
                ),
                "message-too-big": (
                    "",
                    { client in
                        try client.sendMessage(Array(repeating: UInt8(ascii: "x"), count: 1500))
                    }
                ),
                "size-limit": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        return try client.command("MAIL FROM:<a@example.org> SIZE=5000")
                    }
                ),
                "bare-lf": (
                    "",
                    { client in
                        try client.expect(250, after: "EHLO client.example")
                        try client.expect(250, after: "MAIL FROM:<a@example.org>")
                        try client.expect(250, after: "RCPT TO:<b@example.org>")
                        try client.expect(354, after: "DATA")
                        try client.sendRaw(Array("Subject: bare LF\n\nbody\r\n.\r\n".utf8))
                        return try client.readReply()
                    }
                ),
            ]

        @Test("every scenario without a rule says how to provoke its reply, and is tested here")
        func everyScenarioWithoutRuleIsCovered() {
            #expect(Set(Self.withoutRules) == Set(Self.provoked.keys))
        }

        @Test(
            "a scenario without a rule: the appliance's own reply, as the description promises", arguments: withoutRules
        )
        func provoke(name: String) async throws {
            let scenario = try #require(BuiltInScenarios.named(name))
            let (explicitReply, steps) = try #require(Self.provoked[name], "no steps for \(name)")
            let expected = explicitReply.isEmpty ? scenario.description : explicitReply
            try await TestServer.with(Self.configuration(name)) { server in
                let client = try RawSMTPClient(port: server.port)
                defer { client.close() }
                let greeting = try client.greeting()
                #expect(greeting.last == "220 my_esa.local ESMTP")
                if name == "appliance" {
                    let ehlo = try client.command("EHLO client.example")
                    #expect(ehlo.lines.first == "250-my_esa.local")
                    #expect(ehlo.lines.count > 5)
                    #expect(try client.command("MAIL FROM:<a@example.org>").last == "250 sender <a@example.org> ok")
                    #expect(try client.command("RCPT TO:<b@example.org>").last == "250 recipient <b@example.org> ok")
                    #expect(try client.command("DATA").last == "354 go ahead")
                    try client.sendRaw(Array("Subject: x\r\n\r\nbody\r\n.\r\n".utf8))
                    let accepted = try client.readReply().last
                    #expect(accepted.hasPrefix("250 ok: Message ") && accepted.hasSuffix(" accepted"), "\(accepted)")
                    #expect(try client.command("QUIT").last == "221 my_esa.local")
                    return
                }
                let reply = try steps(client)
                #expect(reply.last == expected, "\(name)")
            }
        }
    }
}
