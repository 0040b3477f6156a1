import Testing
@testable import SMTPPracticeServer

@Suite struct ScenarioFileTests {
    @Test(arguments: [
        ("RCPT: 452 #4.3.1 queue full", ScenarioRule(trigger: .verb("RCPT"), reply: "452 #4.3.1 queue full")),
        ("mail 3 close: 421 bye", ScenarioRule(trigger: .verb("MAIL"), occurrence: .nth(3), reply: "421 bye", close: true)),
        ("RCPT 3+: 452 x", ScenarioRule(trigger: .verb("RCPT"), occurrence: .from(3), reply: "452 x")),
        ("GREETING close: 421 {host} down", ScenarioRule(trigger: .greeting, reply: "421 {host} down", close: true)),
        ("DOT: 250", ScenarioRule(trigger: .endOfData, reply: "250")),
        ("TIME 2.5 close: 421 late", ScenarioRule(trigger: .time(seconds: 2.5), reply: "421 late", close: true)),
        ("BAD 3: 500 no", ScenarioRule(trigger: .badCommand, occurrence: .nth(3), reply: "500 no")),
        ("HELP: 214 one\\ntwo", ScenarioRule(trigger: .verb("HELP"), reply: "214 one\ntwo")),
    ])
    func parsesRules(text: String, rule: ScenarioRule) throws {
        let parsed = try ScenarioRule(parsing: text)
        #expect(parsed == rule)
        #expect(try ScenarioRule(parsing: String(parsed.description.dropFirst(3))) == parsed)
    }

    @Test(arguments: [
        "RCPT 452 no colon", ": 452 no trigger", "RCPT: 45 short", "RCPT: 600 out of range", "RCPT: 452x", "RCPT 0: 452 x",
        "RCPT x: 452 y", "TIME: 421 x", "TIME -1: 421 x", "R$PT: 452 x", "RCPT 2 3: 452 x",
    ])
    func rejectsBadRules(text: String) {
        #expect(throws: ScenarioError.self) { try ScenarioRule(parsing: text) }
    }

    @Test func parsesAFileAndReportsLineNumbers() throws {
        let scenario = try Scenario(
            parsing: """
                # a customer's server
                name: acme
                description: Acme's relay
                style: appliance
                hostname: mx.acme.test
                max-recipients: 5
                on RCPT 6+: 452 #4.5.3 Too many recipients
                """,
            defaultName: "file"
        )
        #expect(scenario.name == "acme")
        #expect(scenario.style == .appliance)
        #expect(scenario.hostname == "mx.acme.test")
        #expect(scenario.settings == ["max-recipients": "5"])
        #expect(scenario.rules.count == 1)
        #expect(try Scenario(parsing: scenario.fileText, defaultName: "x") == scenario)
        var configuration = PracticeServerConfiguration()
        try configuration.apply(scenario)
        #expect(configuration.maximumRecipients == 5)
        #expect(configuration.hostname == "mx.acme.test")

        do {
            _ = try Scenario(parsing: "name: x\n\nstyle: fancy\n", defaultName: "x")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
            #expect(error.description.hasPrefix("line 3:"))
        }
        #expect(throws: ScenarioError.self) { try Scenario(parsing: "colour: blue", defaultName: "x") }
        #expect(throws: ScenarioError.self) { try Scenario(parsing: "just words", defaultName: "x") }
        #expect(throws: ScenarioError.self) { try Scenario(parsing: "max-size: lots", defaultName: "x").settings.count }
        var bad = PracticeServerConfiguration()
        #expect(throws: ScenarioError.self) { try bad.apply(Scenario(name: "x", settings: ["max-size": "lots"])) }
    }

    @Test func everyBuiltInScenarioIsValidAndUniquelyNamed() throws {
        let names = BuiltInScenarios.all.map(\.name)
        #expect(Set(names).count == names.count)
        for scenario in BuiltInScenarios.all {
            var configuration = PracticeServerConfiguration()
            try configuration.apply(scenario)
            #expect(configuration.style == .appliance)
            #expect(configuration.hostname == "my_esa.local")
            #expect(!scenario.rules.isEmpty || scenario.hint != nil || scenario.name == "appliance", "\(scenario.name)")
        }
    }

    @Test func everySeedReplyLineIsProducedByTheApplianceStyleOrAScenario() {
        // The lines of the seed documents (with XXX written as {arg}).
        let lines = [
            "421 #4.4.5 Too many TLS sessions at this time", "421 #4.4.5 Too many connections from your host",
            "421 #4.4.5 Too many connections to this host", "421 #4.4.5 Too many connections to this listener",
            "421 #4.x.2 Too many messages to this session", "421 {host} Service not available, closing transaction channel",
            "421 Exceeded allowable connection time", "421 Exceeded bad SMTP command limit, disconnecting",
            "421 The evaluation license has expired", "451 #4.3.0 Server Error", "452 #4.3.1 queue full",
            "452 #4.3.1 server resources low - try again later", "452 #4.3.1 temporary system error (12)",
            "452 #4.5.3 Too many recipients", "454 TLS not available due to a temporary reason",
            "500 #5.5.1 command not recognized", "500 Line too long", "501 #5.0.0 EHLO requires domain address",
            "501 #5.5.2 syntax error", "501 #5.5.4 Invalid arguments to AUTH command", "501 Unknown command {arg}",
            "501 Unknown option {arg}", "501 Unknown value {arg}", "503 #5.3.3 AUTH not available",
            "503 #5.5.0 AUTH not permitted during a mail transaction", "503 #5.5.0 Already authenticated",
            "503 #5.5.1 MAIL first", "503 #5.5.1 RCPT first", "503 Bad sequence of commandsDATA within mailmerge transaction",
            "503 Bad sequence of commandsXPRT within plain transaction", "503 Bad sequence of commandsnow receiving parts",
            "503 Not in a mailmerge transaction", "504 #5.5.1 AUTH mechanism {arg} is not available",
            "504 Command parameter {arg} unrecognized", "504 Invalid XDFN syntax", "504 Invalid part number",
            "504 Invalid part number {arg}", "504 No variable value specified", "504 Other parts still missing",
            "504 Reserved variable name", "504 Syntax error in *parts syntax", "504 XDFN command must not contain NULL characters",
            "530 #5.7.0 Must issue a STARTTLS command first", "530 Authentication required", "538 #5.7.11 Encryption required",
            "552 #5.3.4 message header size exceeds limit", "552 size limit exceeded", "554 #5.3.0 Server Error",
            "554 Too Many Hops", "554 message body contains illegal bare CR/LF characters.",
        ]
        let fromRules = Set(BuiltInScenarios.all.flatMap(\.rules).map(\.reply))
        let fromStyle = Set(ReplyKind.allCases.map { ReplyStyle.appliance.template($0) })
        for line in lines {
            #expect(fromRules.contains(line) || fromStyle.contains(line), "\(line)")
        }
    }
}
