import Foundation
import Testing

/// `smtpsh serve --persona X` against smtpsh's client, both the real binary, on a loopback
/// socket (issue 22, item 6): the client names the vendor, and explains each refusal it meets
/// (an unknown user, a relay denied, a message too big, a trigger, greylisting, rate limits)
/// with an entry of that vendor, never another vendor's.
@Suite(.serialized)
struct PersonaSessionTests {
    /// What a persona's session does, and what its vendor's catalogue does not document.
    struct Case: CustomTestStringConvertible, Sendable {
        var persona: String
        var vendor: String
        /// The words that pick an unknown-user refusal and a refusal of MAIL (`--triggers`).
        var unknownUser: String?
        var mailTrigger: String
        /// Refusals (their first words) for which the vendor's documentation gives no line:
        /// they keep the standard wording, and must not be taken for another vendor's.
        var undocumented: [String] = []
        var testDescription: String { persona }
    }

    static let cases: [Case] = [
        Case(persona: "postfix", vendor: "postfix", unknownUser: "rcpt550_5.1.1", mailTrigger: "mail554_5.7.1"),
        Case(persona: "exim", vendor: "exim", unknownUser: "rcpt550", mailTrigger: "mail550"),
        Case(persona: "microsoft", vendor: "microsoft", unknownUser: "rcpt550_5.1.1", mailTrigger: "mail550_5.7.1"),
        Case(persona: "google", vendor: "google", unknownUser: "rcpt550_5.1.1", mailTrigger: "mail550_5.7.26"),
        Case(persona: "yahoo", vendor: "yahoo", unknownUser: "rcpt552", mailTrigger: "mail553_5.7.2", undocumented: ["552 5.3.4", "550 5.7.1"]),
        Case(
            persona: "appliance", vendor: "appliance", unknownUser: nil, mailTrigger: "mail451_4.3.0",
            undocumented: ["550 5.7.1", "450 4.2.0", "450 4.7.1"]),
    ]

    /// `smtpsh serve` started as a user starts it, its port read from its banner.
    final class Serve {
        let process = Process()
        let output: URL
        let port: Int

        init(_ arguments: [String]) throws {
            output = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-persona-\(UUID().uuidString).log")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            process.executableURL = BinaryRunner.binary
            process.arguments = ["serve", "--port", "0"] + arguments
            var environment = ProcessInfo.processInfo.environment
            environment["NO_COLOR"] = "1"
            environment["LANG"] = "C.UTF-8"
            process.environment = environment
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = process.standardOutput
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            var found: Int?
            while found == nil && Date() < deadline && process.isRunning {
                let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("smtpsh practice server on 127.0.0.1:") }) {
                    found = Int(line.dropFirst("smtpsh practice server on 127.0.0.1:".count).prefix { $0.isNumber })
                }
                if found == nil { usleep(20_000) }
            }
            guard let found else {
                process.terminate()
                let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "no banner: \(text)"])
            }
            port = found
        }

        var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: output)
        }
    }

    /// The `--json -` events of a session: replies, and notes.
    static func events(_ json: String) -> [[String: Any]] {
        json.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test(arguments: cases)
    func aSessionMeetsTheVendorsRefusals(_ test: Case) throws {
        let serve = try Serve([
            "--persona", test.persona, "--triggers", "--local-domains", "example.org", "--max-size", "5000", "--greylist", "0",
            "--recipient-rate", "1/600", "--max-messages", "1",
        ])
        defer { serve.stop() }
        var script = ["EHLO client.example.org", "MAIL FROM:<\(test.mailTrigger)@example.org>", "MAIL FROM:<alice@example.org> SIZE=100000",
            "MAIL FROM:<alice@example.org>"]
        if let unknown = test.unknownUser { script.append("RCPT TO:<\(unknown)@example.org>") }
        script += [
            "RCPT TO:<bob@elsewhere.example>",
            // Greylisted, then (--greylist 0) accepted; the next is greylisted, then over the rate.
            "RCPT TO:<carol@example.org>", "RCPT TO:<carol@example.org>", "RCPT TO:<dave@example.org>", "RCPT TO:<dave@example.org>",
            "DATA", "Subject: persona", "", "Hello.", ".",
            // Over --max-messages: refused, and the server hangs up.
            "MAIL FROM:<alice@example.org>", "QUIT",
        ]
        let result = try BinaryRunner.run(
            ["127.0.0.1", String(serve.port), "--json", "-"], stdin: Data((script.joined(separator: "\n") + "\n").utf8), timeout: 60)
        let events = Self.events(result.stdout)
        let context = "\(result.stdout)\n\(result.stderr)\n\(serve.log)"

        // The client names the vendor: a note, and the reply that gave it away.
        let recognised = events.filter { $0["event"] as? String == "note" && $0["id"] as? String == "server-recognised" }
        #expect(recognised.count == 1, "\(context)")
        #expect((recognised.first?["parameters"] as? [String: String])?["server"] == test.vendor, "\(context)")
        let replies = events.filter { $0["event"] as? String == "reply" }
        let servers = replies.compactMap { ($0["server"] as? [String: Any])?["vendor"] as? String }
        #expect(servers == [test.vendor], "\(context)")

        // Every refusal: the vendor's entry first, unless the vendor documents none for it; no
        // reply of the session is taken for another vendor's.
        var refusals: [String] = []
        for reply in replies {
            let text = (reply["lines"] as? [String] ?? []).joined(separator: "\n")
            let keys = reply["explanation"] as? [String] ?? []
            let vendor = reply["vendor"] as? String
            #expect(vendor == nil || vendor == test.vendor, "\(text): \(keys)")
            #expect(!keys.contains { ($0.hasPrefix("vendor.") || $0.hasPrefix("appliance.")) && !$0.hasPrefix(Self.prefix(test.vendor)) }, "\(text): \(keys)")
            guard let first = text.first, first == "4" || first == "5" else { continue }
            refusals.append(text)
            if test.undocumented.contains(where: { text.hasPrefix($0) }) { continue }
            #expect(vendor == test.vendor, "\(test.persona): '\(text)' explained with \(keys)")
            #expect(keys.first?.hasPrefix(Self.prefix(test.vendor)) == true, "\(test.persona): '\(text)' explained with \(keys)")
        }
        // Each refusal came: the trigger at MAIL, the size, the unknown user, the relay, two
        // greylistings, the recipient rate, the message limit.
        #expect(refusals.count == (test.unknownUser == nil ? 7 : 8), "\(refusals.joined(separator: "\n"))\n\(context)")
    }

    static func prefix(_ vendor: String) -> String { vendor == "appliance" ? "appliance." : "vendor.\(vendor)." }

    /// `--style appliance` is `--persona appliance`; `--list-personas` describes every persona
    /// in the user's language.
    @Test func styleIsAnAliasAndPersonasAreListed() throws {
        let serve = try Serve(["--style", "appliance"])
        let banner = serve.log
        serve.stop()
        #expect(banner.contains("persona: appliance"), "\(banner)")
        for (language, words) in [("en", "Personas (smtpsh serve"), ("fr", "Personas (smtpsh serve"), ("ja", "ペルソナ（smtpsh serve")] {
            let listed = try BinaryRunner.run(["serve", "--list-personas", "--lang", language])
            #expect(listed.status == 0)
            #expect(listed.stdout.contains(words), "\(listed.stdout)")
            for persona in ["standard", "appliance", "postfix", "exim", "microsoft", "google", "yahoo"] {
                #expect(listed.stdout.contains("  \(persona) "), "\(language): \(persona)\n\(listed.stdout)")
            }
        }
        // The man page and the completions come from the command line's spec.
        let manual = try BinaryRunner.run(["manual"])
        #expect(manual.stdout.contains("persona"), "\(manual.stdout.prefix(200))")
        let bash = try BinaryRunner.run(["completions", "bash"])
        #expect(bash.stdout.contains("--persona) COMPREPLY=($(compgen -W \"standard appliance postfix exim microsoft google yahoo\""), "\(bash.stdout)")
        let wrong = try BinaryRunner.run(["serve", "--persona", "sendmail"])
        #expect(wrong.status == 64, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("postfix, exim, microsoft, google, yahoo"), "\(wrong.stderr)")
    }
}
