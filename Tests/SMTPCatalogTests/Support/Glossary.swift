import Foundation
import SMTPCatalog

/// Docs/glossary.md read as data: for each concept, the terms to use and the terms not to use
/// in each language, with the matching rules the glossary states ("How the checks read this
/// file").
struct Glossary {
    struct Row {
        var concept: String
        /// The **bold** terms of each language's column.
        var use: [Language: [String]]
        /// The `backquoted` terms of the last column, by the language they are written after.
        var avoid: [Language: [String]]
    }

    struct Problem: Equatable, CustomStringConvertible {
        var term: String
        var concept: String
        var context: String
        var description: String { "`\(term)` is not to use (\(concept)): …\(context)…" }
    }

    var rows: [Row]

    static let url = Fixtures.packageDirectory.appendingPathComponent("Docs/glossary.md")

    static func load() throws -> Glossary {
        try Glossary(markdown: String(contentsOf: url, encoding: .utf8))
    }

    /// The table under `## Terms`: five columns, concept, English, French, Japanese, not to use.
    init(markdown: String) throws {
        struct Malformed: Error, CustomStringConvertible { var description: String }
        rows = []
        var inTable = false
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                inTable = line == "## Terms"
                continue
            }
            guard inTable, line.hasPrefix("|"), line.hasSuffix("|") else { continue }
            let cells = line.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 5 else { throw Malformed(description: "not five columns: \(line)") }
            if cells[0] == "concept" || cells[0].hasPrefix("---") { continue }
            var use: [Language: [String]] = [:]
            for (language, cell) in zip([Language.en, .fr, .ja], cells[1...3]) {
                use[language] = Self.enclosed(in: cell, by: "**")
            }
            var avoid: [Language: [String]] = [:]
            for part in cells[4].split(separator: ";") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
                let pieces = part.split(separator: ":", maxSplits: 1)
                guard pieces.count == 2, let language = Language(rawValue: pieces[0].trimmingCharacters(in: .whitespaces))
                else { throw Malformed(description: "'\(part)' does not start with en:, fr: or ja:") }
                avoid[language, default: []] += Self.enclosed(in: String(pieces[1]), by: "`")
            }
            rows.append(Row(concept: cells[0], use: use, avoid: avoid))
        }
        if rows.isEmpty { throw Malformed(description: "no table under ## Terms") }
    }

    private static func enclosed(in text: String, by marker: String) -> [String] {
        let pieces = text.components(separatedBy: marker)
        return stride(from: 1, to: pieces.count - 1, by: 2).map { pieces[$0] }
    }

    /// The terms not to use that `text`, written in `language`, contains.
    func problems(in text: String, language: Language) -> [Problem] {
        var found: [(range: Range<String.Index>, problem: Problem)] = []
        for row in rows {
            let use = row.use[language] ?? []
            for term in row.avoid[language] ?? [] {
                for range in Self.occurrences(of: term, in: text)
                where !Self.isInside(range, oneOf: use, in: text) && !Self.isGloss(range, after: use, in: text) {
                    let start = text.index(range.lowerBound, offsetBy: -24, limitedBy: text.startIndex) ?? text.startIndex
                    let end = text.index(range.upperBound, offsetBy: 24, limitedBy: text.endIndex) ?? text.endIndex
                    found.append((range, Problem(term: term, concept: row.concept, context: String(text[start..<end]))))
                }
            }
        }
        // One report where two terms overlap: `avis de non-distribution`, not `distribution` too.
        return found.filter { candidate in
            !found.contains { other in
                other.range != candidate.range && other.range.lowerBound <= candidate.range.lowerBound
                    && candidate.range.upperBound <= other.range.upperBound
            }
        }.map(\.problem)
    }

    /// Where `term` is in `text`: anywhere for a Japanese term; else as a whole word (or a
    /// word's start, with a final `*`), in any case unless the term has a capital letter.
    static func occurrences(of term: String, in text: String) -> [Range<String.Index>] {
        let japanese = term.unicodeScalars.contains { $0.value >= 0x3000 }
        let prefix = term.hasSuffix("*") ? String(term.dropLast()) : term
        let options: String.CompareOptions = japanese || prefix != prefix.lowercased() ? [] : [.caseInsensitive]
        var ranges: [Range<String.Index>] = []
        var searchFrom = text.startIndex
        while let range = text.range(of: prefix, options: options, range: searchFrom..<text.endIndex) {
            searchFrom = range.upperBound
            if japanese {
                ranges.append(range)
                continue
            }
            func isWordCharacter(_ character: Character?) -> Bool {
                character.map { $0.isLetter || $0.isNumber } ?? false
            }
            let before = range.lowerBound > text.startIndex ? text[text.index(before: range.lowerBound)] : nil
            let after = range.upperBound < text.endIndex ? text[range.upperBound] : nil
            guard !isWordCharacter(before) else { continue }
            if term.hasSuffix("*") {
                var end = range.upperBound
                while end < text.endIndex, isWordCharacter(text[end]) { end = text.index(after: end) }
                ranges.append(range.lowerBound..<end)
            } else if !isWordCharacter(after) {
                ranges.append(range)
            }
        }
        return ranges
    }

    /// Inside an occurrence of a term to use (グレーリスト in グレーリスティング).
    static func isInside(_ range: Range<String.Index>, oneOf terms: [String], in text: String) -> Bool {
        terms.contains { term in
            var searchFrom = text.startIndex
            while let found = text.range(of: term, range: searchFrom..<text.endIndex) {
                if found.lowerBound <= range.lowerBound && range.upperBound <= found.upperBound { return true }
                searchFrom = text.index(after: found.lowerBound)
            }
            return false
        }
    }

    /// In parentheses right after a term to use: 「不達通知」（いわゆるエラーメール）.
    static func isGloss(_ range: Range<String.Index>, after terms: [String], in text: String) -> Bool {
        let before = text[..<range.lowerBound]
        guard let open = before.lastIndex(where: { $0 == "(" || $0 == "（" }) else { return false }
        if before[open...].contains(where: { $0 == ")" || $0 == "）" }) { return false }
        var head = before[..<open]
        while let last = head.last, last == " " || last == "\u{00A0}" || last == "」" || last == "»" || last == "*" {
            head = head.dropLast()
        }
        return terms.contains { head.hasSuffix($0) }
    }
}
