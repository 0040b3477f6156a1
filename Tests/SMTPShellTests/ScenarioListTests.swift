import Foundation
import SMTPCatalog
import SMTPPracticeServer
import Testing

@testable import SMTPShell

/// `smtpsh serve --list-scenarios` in the user's language (the teacher's walk-through: a
/// French class read an English table): every scenario's description and hint are catalogue
/// entries, and the rules, the server's words, stay as they are.
@Suite struct ScenarioListTests {
    static let scenarios = BuiltInScenarios.all + Lesson.scenarios

    @Test func everyScenarioIsDescribedInEveryLanguage() {
        for scenario in Self.scenarios {
            var names = ["scenario-" + scenario.name]
            if scenario.hint != nil { names.append("scenario-hint-" + scenario.name) }
            for name in names {
                let entry = Catalog.words["message." + name]
                #expect(entry != nil, "no message.\(name)")
                for language in Language.allCases {
                    #expect(entry?.meaning[language]?.isEmpty == false, "message.\(name) has no \(language)")
                }
            }
        }
        // No entry for a scenario that is gone.
        let names = Set(Self.scenarios.map(\.name))
        for key in Catalog.words.keys.map(\.rawValue) where key.hasPrefix("message.scenario-") {
            let name = key.dropFirst("message.scenario-".count)
            let scenario = name.hasPrefix("hint-") ? String(name.dropFirst("hint-".count)) : String(name)
            #expect(names.contains(scenario), "\(key) describes no scenario")
        }
    }

    /// A scenario whose description is the reply it sends keeps that reply, in every language.
    @Test func aReplyLineIsNeverTranslated() {
        for scenario in Self.scenarios where scenario.rules.isEmpty && scenario.description.first?.isNumber == true {
            for language in Language.allCases {
                #expect(Words.text("scenario-" + scenario.name, in: language) == scenario.description, "\(scenario.name) in \(language)")
            }
        }
    }

    @Test(arguments: [("fr", "pour l’obtenir"), ("ja", "この応答を見るには"), ("en", "to see it")])
    func theTableIsInTheUsersLanguage(language: String, hintLabel: String) throws {
        let result = try BinaryRunner.run(["serve", "--lang", language, "--list-scenarios"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = result.stdout
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        guard let language = Language(rawValue: language) else { return }
        // The intro, each scenario once at the start of a line, its rule as written.
        #expect(output.contains(Words.text("scenarios-intro", in: language).prefix(20)))
        for scenario in Self.scenarios {
            #expect(lines.filter { $0.hasPrefix("  \(scenario.name) ") }.count == 1, "\(scenario.name)")
            if let rule = scenario.rules.first {
                #expect(lines.contains { $0.hasPrefix("  \(scenario.name) ") && $0.hasSuffix(rule.description) }, "\(scenario.name)")
            }
        }
        let queueFull = Words.text("scenario-queue-full", in: language)
        #expect(output.replacingOccurrences(of: "\n", with: " ").contains(String(queueFull.prefix(12))), "\(output)")
        #expect(output.contains(hintLabel))
        #expect(output.contains("MAIL FROM:<a@example.org> SIZE=5000"))
        // Nothing wider than the terminal but a rule (the server's line, never cut).
        for line in lines where DisplayWidth.of(String(line)) > 100 {
            #expect(Self.scenarios.contains { scenario in scenario.rules.first.map { line.hasSuffix($0.description) } ?? false }, "\(line)")
        }
    }
}
