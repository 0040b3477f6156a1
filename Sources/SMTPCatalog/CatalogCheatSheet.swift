/// The whole catalogue as a table in one language, for `smtpsh explain --list`: a cheat
/// sheet for class. Basic codes, classes and categories, enhanced codes, their classes and
/// subjects, the appliance's reply lines, EHLO keywords and AUTH mechanisms, AUTH LOGIN
/// challenges; each with its meaning, wrapped to the given width.
///
/// ```
/// Basic reply codes (RFC 5321 and its extensions)
///   211  System status or help reply; the text carries the information you asked for.
///   214  Help message: text meant for a human, such as how to use a command. Only the
///        text matters.
/// ```
public enum CatalogCheatSheet {
    public static func render(_ catalog: Catalog = .shared, language: Language, columns: Int = 80) -> [String] {
        let columns = max(columns, 30)
        var output: [String] = []
        let title = catalog.message("list-title", in: language, ["language": language.nativeName])
        output += TextWrapper.wrap(title, width: columns)
        output.append(String(repeating: "=", count: min(columns, output.map { DisplayWidth.of($0) }.max() ?? 0)))

        func rows(_ filter: (CatalogKey.Kind) -> (order: [Int], label: String)?) -> [(label: String, text: String)] {
            catalog.entries.compactMap { entry -> (order: [Int], label: String, text: String)? in
                guard let (order, label) = filter(entry.key.kind), let text = entry.meaning[language] else {
                    return nil
                }
                // X.1.1: the classes the registry lists it for.
                let note = catalog.registryNote(entry.classes, received: nil)?[language]
                return (order, label, Catalog.sentences(text, note, in: language) ?? text)
            }
            .sorted { $0.order.lexicographicallyPrecedes($1.order) }
            .map { ($0.label, $0.text) }
        }
        func section(_ heading: String, _ rows: [(label: String, text: String)], labelsAbove: Bool = false) {
            guard !rows.isEmpty else { return }
            output.append("")
            output += TextWrapper.wrap(catalog.message(heading, in: language), width: columns)
            output += table(rows, columns: columns, labelsAbove: labelsAbove)
        }

        section("list-basic", rows { if case .basic(let code) = $0 { ([code], String(code)) } else { nil } })
        section(
            "list-classes",
            rows {
                switch $0 {
                case .replyClass(let digit): ([0, digit], "\(digit)yz")
                case .replyCategory(let digit): ([1, digit], "x\(digit)z")
                default: nil
                }
            }
        )
        section(
            "list-enhanced",
            rows {
                if case .enhanced(let subject, let detail) = $0 {
                    ([subject, detail], "X.\(subject).\(detail)")
                } else {
                    nil
                }
            }
        )
        section(
            "list-enhanced-classes",
            rows {
                switch $0 {
                case .enhancedClass(let digit): ([0, digit], "\(digit).X.X")
                case .enhancedSubject(let digit): ([1, digit], "X.\(digit).X")
                default: nil
                }
            }
        )
        var applianceRows: [(label: String, text: String)] = []
        for entry in catalog.entries {
            guard case .appliance = entry.key.kind, let text = entry.meaning[language] else { continue }
            applianceRows.append((entry.matches.joined(separator: "\n"), text))
        }
        section("list-appliance", applianceRows, labelsAbove: true)
        section(
            "list-commands",
            rows {
                guard case .command(let verb, let code) = $0 else { return nil }
                let order = CatalogCheatSheet.commandOrder.firstIndex(of: verb) ?? CatalogCheatSheet.commandOrder.count
                return ([order, code], verb.uppercased() + " " + String(code))
            }
        )
        // Each vendor: its description, then its reply lines.
        for vendor in catalog.serverVendors where vendor != "appliance" {
            guard let server = catalog["server." + vendor], let description = server.meaning[language] else { continue }
            var vendorRows: [(label: String, text: String)] = []
            for entry in catalog.entries {
                guard case .vendor(let owner, _) = entry.key.kind, owner == vendor, let text = entry.meaning[language]
                else { continue }
                vendorRows.append((entry.matches.joined(separator: "\n"), text))
            }
            output.append("")
            output += TextWrapper.wrap(catalog.message("list-vendor", in: language, ["name": catalog.serverName(vendor)]), width: columns)
            output += TextWrapper.wrap(description, width: columns - 2).map { "  " + $0 }
            output += table(vendorRows, columns: columns, labelsAbove: true)
        }
        var position = 0  // the data's order
        section(
            "list-ehlo",
            rows {
                position += 1
                switch $0 {
                case .ehloKeyword(let keyword): return ([position], keyword)
                case .authMechanism(let mechanism): return ([position], "AUTH \(mechanism)")
                default: return nil
                }
            }
        )
        section(
            "list-auth-challenges",
            rows {
                position += 1
                if case .authChallenge(let text) = $0 { return ([position], "“\(text)”") }
                return nil
            }
        )
        return output
    }

    /// The commands in the order of a session (`connect` is the greeting, `dot` the end of data).
    static let commandOrder = [
        "connect", "helo", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "dot", "bdat", "rset", "vrfy", "expn",
        "noop", "help", "etrn", "quit",
    ]

    /// Two columns: the label, then the text wrapped beside it; or (`labelsAbove`) each
    /// label line on its own, the text indented under it.
    static func table(_ rows: [(label: String, text: String)], columns: Int, labelsAbove: Bool) -> [String] {
        var output: [String] = []
        if labelsAbove {
            for row in rows {
                for label in row.label.split(separator: "\n") {
                    output += TextWrapper.wrap(String(label), width: columns - 2).map { "  " + $0 }
                }
                output += TextWrapper.wrap(row.text, width: columns - 6).map { "      " + $0 }
            }
            return output
        }
        let labelWidth = min(rows.map { DisplayWidth.of($0.label) }.max() ?? 0, 24)
        let textColumn = 2 + labelWidth + 2
        for row in rows {
            let width = DisplayWidth.of(row.label)
            var lines = TextWrapper.wrap(row.text, width: columns - textColumn)
            if width > labelWidth {
                output.append("  " + row.label)
            } else {
                lines[0] = row.label + String(repeating: " ", count: labelWidth - width + 2) + lines[0]
                output.append("  " + lines.removeFirst())
            }
            output += lines.map { String(repeating: " ", count: textColumn) + $0 }
        }
        return output
    }
}
