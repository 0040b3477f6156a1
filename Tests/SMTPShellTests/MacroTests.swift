import Foundation
import SMTPCore
import SMTPPracticeServer
import Testing

@testable import SMTPShell

/// The standard session's macros (`:send`, `:hello`, `:envelope`, `:data`), their defaults,
/// user macros (`:run`), and `smtpsh send --pipeline/--bdat/--count`, against the practice server.
@Suite struct MacroTests {
    /// A configuration directory with a config file and macros, for XDG_CONFIG_HOME.
    static func configDirectory(config: String = "", macros: [String: String] = [:]) throws -> URL {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-config-\(UUID().uuidString)")
        let directory = base.appendingPathComponent("smtpsh/macros")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try config.write(to: base.appendingPathComponent("smtpsh/config"), atomically: true, encoding: .utf8)
        for (name, text) in macros {
            try text.write(to: directory.appendingPathComponent(name + ".smtp"), atomically: true, encoding: .utf8)
        }
        return base
    }

    static func environment(_ config: URL) -> [String: String] {
        ["XDG_CONFIG_HOME": config.path, "SMTPSH_CONFIG": ""].filter { $0.value != "" }
    }

    @Test func sendRunsTheWholeSessionAndTheDefaultsComeFromTheConfigFile() async throws {
        let config = try Self.configDirectory(config: "# defaults\nfrom = cfg@example.org\nsubject = from the config\nehlo = cfg.example\n")
        defer { try? FileManager.default.removeItem(at: config) }
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain"], stdin: Data(":send to=bob@example.org,carol@example.org\nQUIT\n".utf8),
                environment: Self.environment(config))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let sent = result.stdout.split(separator: "\n").filter { $0.hasPrefix(" -> ") }.map { String($0.dropFirst(4)) }
            #expect(Array(sent.prefix(5)) == [
                "EHLO cfg.example", "MAIL FROM:<cfg@example.org>", "RCPT TO:<bob@example.org>", "RCPT TO:<carol@example.org>", "DATA",
            ], "\(result.stdout)")
            let stored = PipedSessionTests.stored(directory)
            #expect(stored.count == 1)
            #expect(stored.first?.contains("\r\nSubject: from the config\r\n") == true)
            #expect(stored.first?.contains("\r\nFrom: <cfg@example.org>\r\n") == true)
            #expect(stored.first?.contains("\r\nMessage-ID: <") == true)
        }
    }

    /// A scenario refuses RCPT: the macro stops there, explains, and the session stays usable.
    @Test func aRefusedRecipientStopsTheMacroAndLeavesTheSessionOpen() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT: 452 4.3.1 queue full"))
        }) { port, directory in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port)], stdin: Data(":send to=bob@example.org\nRSET\nNOOP\nQUIT\n".utf8))
            #expect(result.stdout.contains("<-  452 4.3.1 queue full"), "\(result.stdout)")
            // Explained under the reply.
            #expect(result.stdout.contains("      4.3.1  "), "\(result.stdout)")
            #expect(result.stdout.contains("*** stopped at RCPT: the reply above was not the expected one"), "\(result.stdout)")
            #expect(!result.stdout.contains(" -> DATA"))
            // The user carries on by hand.
            #expect(result.stdout.contains(" -> RSET\n<-  250 "), "\(result.stdout)")
            #expect(result.stdout.contains("<-  221 "))
            // A script whose :send could not do its job fails (issue 15, problem 5).
            #expect(result.status == 9)
            #expect(PipedSessionTests.stored(directory).isEmpty)
        }
    }

    /// Issue 15, problem 4: smtpsh closes the connection on purpose; it says so once, says
    /// nothing that contradicts it, and writes nothing into the closed connection.
    @Test("15.4: a pipelined :send that meets a refused recipient closes on purpose, once, and sends nothing after")
    func pipelinedSendClosesOnPurposeAndSaysSo() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT 2: 550 5.1.1 no such user"))
        }) { port, directory in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain"],
                stdin: Data(":send pipeline to=bob@example.org,zed@example.org from=alice@example.org\nNOOP\n".utf8))
            #expect(result.stdout.contains("<-  354 "), "\(result.stdout)")
            let closing = result.stdout.components(separatedBy: "smtpsh closes the connection on purpose").count - 1
            #expect(closing == 1, "\(result.stdout)")
            #expect(!result.stdout.contains("still open"), "\(result.stdout)")
            #expect(result.stdout.contains("*** stopped at RCPT: the reply above was not the expected one; the connection is closed"))
            #expect(!result.stdout.contains(" -> NOOP"), "\(result.stdout)")
            #expect(!result.stdout.contains("Connection closed by foreign host"), "\(result.stdout)")
            #expect(result.status == 9, "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).isEmpty)
        }
    }

    /// Issue 15, problem 5: a macro that stops gives the script a non-zero status.
    @Test("15.5: a script whose :run stops at a difference exits 9")
    func failedRunFailsTheScript() async throws {
        let config = try Self.configDirectory(macros: ["probe": "<-  2xx\n -> EHLO probe.example\n<-  2xx\n -> VRFY nobody\n<-  551\n"])
        defer { try? FileManager.default.removeItem(at: config) }
        try await PipedSessionTests.withServer { port, _ in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain"], stdin: Data(":run probe\nQUIT\n".utf8), environment: Self.environment(config))
            #expect(result.stdout.contains("*** "), "\(result.stdout)")
            #expect(result.status == 9, "\(result.stdout)\(result.stderr)")
            let fine = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain"], stdin: Data(":macros\nQUIT\n".utf8), environment: Self.environment(config))
            #expect(fine.status == 0, "\(fine.stdout)")
        }
    }

    /// One step at a time: :hello, :envelope, :data.
    @Test func theStepsOneByOne() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--ehlo", "steps.example"],
                stdin: Data(":hello\n:envelope to=x@example.org from=y@example.org\n:data subject=\"two words\"\nQUIT\n".utf8))
            #expect(result.status == 0, "\(result.stdout)")
            let sent = result.stdout.split(separator: "\n").filter { $0.hasPrefix(" -> ") }.map { String($0.dropFirst(4)) }
            #expect(Array(sent.prefix(4)) == ["EHLO steps.example", "MAIL FROM:<y@example.org>", "RCPT TO:<x@example.org>", "DATA"], "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).first?.contains("\r\nSubject: two words\r\n") == true)
        }
    }

    static let probe = """
        # description: is this recipient accepted?
        # param: rcpt = nobody@example.org
         -> EHLO ${ehlo}
        <- 250
         -> MAIL FROM:<${from}>
        <- 2xx
         -> RCPT TO:<${rcpt}>
        <- 250|251
         -> RSET
        <- 250
        """

    @Test func aUserMacroWithParametersPassesAndFails() async throws {
        let deliver = "# description: deliver one message\n -> MAIL FROM:<a@example.org>\n<- 250\n -> RSET\n<- 250\n"
        let config = try Self.configDirectory(macros: ["probe": Self.probe, "deliver": deliver])
        defer { try? FileManager.default.removeItem(at: config) }
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT 2: 550 5.1.1 no such user"))
        }) { port, _ in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--ehlo", "macro.example"],
                stdin: Data(":macros\n:run probe rcpt=alice@example.org\n:run probe rcp=typo@example.org\n:run probe\n:run nosuch\nQUIT\n".utf8),
                environment: Self.environment(config))
            let out = result.stdout
            #expect(out.contains("===   probe    is this recipient accepted?"), "\(out)")
            #expect(out.contains("===   deliver  deliver one message"), "\(out)")
            #expect(out.contains(" -> RCPT TO:<alice@example.org>"))
            #expect(out.contains("=== the macro probe is done: 4 replies as expected"), "\(out)")
            // A name the macro does not use is refused before anything is sent.
            #expect(out.contains("*** the macro probe has no rcp (it uses: ehlo, from, rcpt): nothing was sent"), "\(out)")
            #expect(!out.contains("typo@example.org>"), "\(out)")
            // The second run: the default parameter, refused, and the macro stops before RSET.
            #expect(out.contains(" -> RCPT TO:<nobody@example.org>\n<-  550 5.1.1 no such user"), "\(out)")
            #expect(out.contains("*** probe.smtp, line 8: expected 250|251, received 550"), "\(out)")
            #expect(out.contains("*** the macro probe stopped at the first unexpected reply"))
            let rsets = out.components(separatedBy: " -> RSET").count - 1
            #expect(rsets == 1, "\(out)")
            #expect(out.contains("*** no macro named nosuch"))
            #expect(out.contains("<-  221 "))
        }
    }

    @Test func sendPipelinesSeveralMessagesOnOneConnection() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--pipeline", "--count", "3",
                "--no-explain",
            ])
            #expect(result.status == 0, "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).count == 3)
            // MAIL, RCPT and DATA go out before their replies; the next envelope follows the dot.
            #expect(result.stdout.contains(" -> MAIL FROM:<a@example.org>\n -> RCPT TO:<b@example.org>\n -> DATA\n<-  250 2.1.0"), "\(result.stdout)")
            #expect(result.stdout.contains(" -> .\n -> MAIL FROM:<a@example.org>"), "\(result.stdout)")
            #expect(result.stdout.components(separatedBy: " -> EHLO").count == 2)
        }
    }

    @Test func sendWithBDAT() async throws {
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--bdat", "--subject", "chunked",
                "--no-explain",
            ])
            #expect(result.status == 0, "\(result.stdout)")
            #expect(result.stdout.contains(" -> BDAT "))
            #expect(!result.stdout.contains(" -> DATA"))
            let stored = PipedSessionTests.stored(directory)
            #expect(stored.count == 1)
            #expect(stored.first?.contains("\r\nSubject: chunked\r\n") == true)
            #expect(stored.first?.hasSuffix("\r\n\r\nThis is a test message sent by smtpsh.\r\n") == true, "\(stored)")
        }
    }

    /// Pipelined, a refused recipient is still found and stops the session at RCPT.
    @Test func pipelinedRefusalStopsAtItsStage() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT: 550 5.1.1 no such user"))
        }) { port, directory in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--pipeline", "--no-explain",
            ])
            #expect(result.status == 15, "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).isEmpty)
        }
    }

    /// Pipelined, DATA can be accepted before a recipient's refusal is read: smtpsh then
    /// closes the connection, so that nothing reaches the other recipient alone.
    @Test func pipelinedPartialRefusalDeliversNothing() async throws {
        try await PipedSessionTests.withServer({ options in
            options.configuration.rules.append(try! ScenarioRule(parsing: "RCPT 2: 550 5.1.1 no such user"))
        }) { port, directory in
            let result = try BinaryRunner.run([
                "send", "127.0.0.1", String(port), "--from", "a@example.org", "--to", "b@example.org", "--to", "c@example.org",
                "--pipeline", "--no-explain",
            ])
            #expect(result.status == 15, "\(result.stdout)")
            #expect(result.stdout.contains("<-  354 "), "\(result.stdout)")
            #expect(result.stdout.contains("*** DATA was accepted before the refusal arrived (pipelining): smtpsh closes the connection on purpose"), "\(result.stdout)")
            #expect(PipedSessionTests.stored(directory).isEmpty)
        }
    }

    @Test func badSettingsAreSaidAndNothingIsSent() async throws {
        let config = try Self.configDirectory(config: "colour = blue\nfrom\n")
        defer { try? FileManager.default.removeItem(at: config) }
        try await PipedSessionTests.withServer { port, directory in
            let result = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain"],
                stdin: Data(":send to=<bad>\n:send count=zero\n:send colour=red\n:send macros=/tmp\nQUIT\n".utf8),
                environment: Self.environment(config))
            // The configuration file knows `macros`; a call knows `count` instead.
            #expect(result.stdout.contains("config, line 1: unknown setting colour (known: ehlo, from, to, subject, body, starttls, auth, pipeline, bdat, quit, macros, explain)"), "\(result.stdout)")
            #expect(result.stdout.contains("*** unknown setting colour (known: ehlo, from, to, subject, body, starttls, auth, pipeline, bdat, quit, count)"), "\(result.stdout)")
            #expect(result.stdout.contains("*** unknown setting macros (known: "), "\(result.stdout)")
            #expect(result.stdout.contains("config, line 2: expected name = value"), "\(result.stdout)")
            #expect(result.stdout.contains("*** to=<bad> is not a valid value"))
            #expect(result.stdout.contains("*** count=zero is not a valid value"))
            #expect(!result.stdout.contains(" -> MAIL"))
            #expect(PipedSessionTests.stored(directory).isEmpty)
        }
    }

    @Test func macroNamesAreCompletedAfterRun() {
        let state = SMTPCore.SessionStateMachine(implicitTLS: false)
        #expect(Completion.candidates(for: ":run pr", state: state) { ["probe", "private", "other"] } == ["private", "probe"])
        #expect(Completion.candidates(for: ":ru", state: state) == [":run"])
        #expect(Completion.candidates(for: ":run ", state: state) { ["b", "a"] } == ["a", "b"])
    }

    @Test func macroArgumentsHonourQuotes() {
        let pairs = MacroArguments.parse("to=a@b subject=\"hello there\" quit")
        #expect(pairs.map(\.key) == ["to", "subject", "quit"])
        #expect(pairs.map(\.value) == ["a@b", "hello there", "yes"])
        #expect(MacroArguments.parse(nil).isEmpty)
    }
}
