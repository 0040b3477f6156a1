import Foundation
import SMTPCatalog
import Testing

@testable import SMTPShell

/// smtpsh's own words come from the catalogue by name (`Words["connect-trying"]`): a name
/// with a typo would show as the bare name. Every name the code uses must exist, in every
/// language.
@Suite struct MessageNamesTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// The message names written in the shell's and the client's sources: `Words["name"`,
    /// and the names given to command-line specs and tables (`help: "option-timeout"`).
    static func namesInSources() throws -> Set<String> {
        var names: Set<String> = []
        let prefixes = [
            "help", "option", "argument", "usage", "demo", "serve", "send", "session", "connect", "pending", "violation",
            "advice", "piped", "phase", "state", "local", "explain", "unknown", "address", "lesson", "rule", "practice",
            "duration", "exercise", "class",
        ]
        for directory in ["SMTPShell", "SMTPClient"] {
            let root = sources.appendingPathComponent(directory)
            let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
            for file in files {
                let text = try String(contentsOf: file, encoding: .utf8)
                let literal = try Regex(#""([a-z]+(?:-[a-z0-9]+)+)""#)
                for match in text.matches(of: literal) {
                    guard let name = match.output[1].substring.map(String.init) else { continue }
                    if prefixes.contains(where: { name.hasPrefix($0 + "-") }) { names.insert(name) }
                }
            }
        }
        return names
    }

    @Test func everyNameTheCodeUsesExists() throws {
        let names = try Self.namesInSources()
        // The scan finds the names (a broken scan would pass vacuously).
        #expect(names.contains("connect-trying"))
        #expect(names.contains("option-timeout"))
        #expect(names.count > 150, "\(names.count) names found")
        // Option names (`"local-domains"`) are not message names, whatever they start with.
        let options = Set((SMTPShellCommand.commands + [SMTPShellCommand.spec]).flatMap { $0.options.map(\.long) })
        for name in names.sorted() where !options.contains(name) {
            #expect(Catalog.shared["message." + name] != nil, "message.\(name) is not in the catalogue")
        }
    }

    @Test func everyVerbHasItsHelp() {
        for entry in VerbHelp.entries {
            for language in Language.allCases {
                let name = "verb-" + entry.verb.lowercased()
                #expect(Catalog.shared.message(name, in: language) != name, "\(name) in \(language)")
            }
        }
    }

    @Test func everyOptionOfEveryCommandHasItsHelp() {
        for command in SMTPShellCommand.commands + [SMTPShellCommand.spec] {
            for name in [command.abstract] + command.discussion + command.options.map(\.help) + command.arguments.map(\.help) {
                #expect(Catalog.shared["message." + name] != nil, "\(command.name): message.\(name)")
            }
        }
    }
}
