import SMTPCore
/// Lays out an ``Explanation`` for a terminal of a given width, indented under the reply it
/// explains: one block per language, each meaning beside its label, the hint after them,
/// every line wrapped by display width (a kanji takes two columns) so that no line is wider
/// than the terminal.
///
/// ```
/// <-  550 5.1.1 <nobody@example.org>: Recipient address rejected
///       5.1.1  Bad destination mailbox: the part before the @ does not exist on the
///              destination system. Permanent failures only.
///       550    Mailbox unavailable: unknown address, access denied or policy rejection.
///              On MAIL, it may also refuse a non-ASCII sender (RFC 6531).
///       hint: Usually a typo or a deleted account. Check the spelling and ask the
///             recipient for the right address; retrying will not help. …
/// ```
///
/// With several languages (`--lang en,ja`), each block starts with the language's code.
/// Lines carry no colour: the caller dims or colours them.
public struct ExplanationRenderer: Sendable {
    /// The terminal's width.
    public var columns: Int
    /// Spaces before every line (6: under the text of a `<-  ` reply line).
    public var indent: Int
    public var languages: [Language]
    /// Where the words of the layout (`hint:`) come from.
    public var catalog: Catalog
    /// One line per part, no hints, each text cut to the line with `…` (the brief EHLO of a
    /// projector); with several languages, their texts side by side (` / `) when they fit,
    /// else one line each.
    public var compact = false

    /// Add the line of category, retry advice and who acts (`relay · fix, then retry · …`).
    public var classification: Bool
    /// Add the vendor entry's source (`smtpsh explain`, `:explain`).
    public var source: Bool

    /// Labels wider than this go on a line of their own.
    static let maximumLabelWidth = 20

    public init(
        columns: Int = 80, indent: Int = 6, languages: [Language], catalog: Catalog = .shared,
        classification: Bool = true, source: Bool = false
    ) {
        self.columns = columns
        self.indent = indent
        self.languages = languages.isEmpty ? [.en] : languages
        self.catalog = catalog
        self.classification = classification
        self.source = source
    }

    /// `relay · fix, then retry · the sending side's administrator` in `language`.
    public func classificationLine(_ explanation: Explanation, in language: Language) -> String {
        let value = explanation.classification
        let category = catalog.message("category-" + value.category.rawValue, in: language)
        let retry = catalog.message("retry-" + value.retry.rawValue, in: language)
        if value.acts.isEmpty {
            return catalog.message("classification-line-no-actor", in: language, ["category": category, "retry": retry])
        }
        var separator = catalog.message("list-separator", in: language)
        separator += DisplayWidth.space(after: separator)
        let who = value.acts.map { catalog.message("acts-" + $0.rawValue, in: language) }.joined(separator: separator)
        return catalog.message("classification-line", in: language, ["category": category, "retry": retry, "who": who])
    }

    /// One line per reply and language (`--explain brief`): the category and retry advice, then
    /// the most specific meaning's first sentence, cut to the terminal's width.
    public func brief(_ explanation: Explanation) -> [String] {
        languages.map { language in
            let value = explanation.classification
            let category = catalog.message("category-" + value.category.rawValue, in: language)
            let retry = catalog.message("retry-" + value.retry.rawValue, in: language)
            let meaning = explanation.parts.lazy.compactMap { $0.meaning[language] }.first.map(Self.firstSentence) ?? ""
            let tag = languages.count > 1 ? language.rawValue + " " : ""
            var line = String(repeating: " ", count: max(indent, 0)) + tag
                + catalog.message(value.retry == .none ? "brief-line-no-retry" : "brief-line", in: language,
                    ["category": category, "retry": retry, "meaning": meaning])
            let width = max(columns, 20)
            if DisplayWidth.of(line) > width {
                var cut = ""
                for character in line {
                    if DisplayWidth.of(cut + String(character)) > width - 1 { break }
                    cut.append(character)
                }
                line = cut + "…"
            }
            return line
        }
    }

    /// The lines to print, without line ends.
    public func render(_ explanation: Explanation) -> [String] {
        if compact { return renderCompact(explanation) }
        return languages.flatMap { render(explanation, in: $0) }
    }

    /// ``compact``: `SIZE        messages up to 52 MB`.
    func renderCompact(_ explanation: Explanation) -> [String] {
        let columns = max(columns, 20)
        let indent = min(max(indent, 0), columns / 4)
        let labelWidth = min(
            explanation.parts.map { DisplayWidth.of($0.label) }.filter { $0 <= Self.maximumLabelWidth }.max() ?? 0,
            (columns - indent) / 2 - 2)
        let textColumn = indent + labelWidth + 2
        let width = columns - textColumn
        var output: [String] = []
        for part in explanation.parts {
            let label = DisplayWidth.fitted(part.label, to: labelWidth)
            let prefix = String(repeating: " ", count: indent) + label
                + String(repeating: " ", count: max(labelWidth - DisplayWidth.of(label), 0) + 2)
            let texts = languages.compactMap { part.meaning[$0] }.map(Self.firstSentence)
            let joined = texts.joined(separator: " / ")
            if DisplayWidth.of(joined) <= width || texts.count < 2 {
                output.append(prefix + DisplayWidth.fitted(joined, to: width))
            } else {
                for (index, text) in texts.enumerated() {
                    let start = index == 0 ? prefix : String(repeating: " ", count: textColumn)
                    output.append(start + DisplayWidth.fitted(text, to: width))
                }
            }
        }
        return output
    }

    /// The first sentence of a text, with its full stop (a brief is one already): up to the
    /// first ". " or "。", whichever comes first.
    public static func firstSentence(_ text: String) -> String {
        let latin = text.firstRange(of: ". ")
        let japanese = text.firstRange(of: "。")
        if let japanese, latin.map({ japanese.lowerBound < $0.lowerBound }) ?? true { return String(text[..<japanese.upperBound]) }
        if let latin { return String(text[..<latin.lowerBound]) + "." }
        return text
    }

    /// One language's block.
    public func render(_ explanation: Explanation, in language: Language) -> [String] {
        let meanings = explanation.meanings(in: language)
        var hints = explanation.hints(in: language)
        guard !meanings.isEmpty || !hints.isEmpty else { return [] }
        // A vendor's text leads with its cause and what to do, right under it.
        let leading = explanation.parts.first.flatMap { part -> (cause: String?, hint: String?)? in
            guard part.role == .vendorText else { return nil }
            return (part.cause[language], part.hint[language])
        }
        if leading?.hint != nil { hints.removeFirst() }
        let causes = leading == nil ? explanation.causes(in: language) : []

        let columns = max(columns, 20)
        let indent = min(max(indent, 0), columns / 4)
        let tagWidth = languages.count > 1 ? 3 : 0
        let margin = indent + tagWidth
        let widest = meanings.map { DisplayWidth.of($0.label) }.filter { $0 <= Self.maximumLabelWidth }.max() ?? 0
        // Keep at least half the line for the text.
        let labelWidth = min(widest, (columns - margin) / 2 - 2)
        let textColumn = margin + (labelWidth > 0 ? labelWidth + 2 : 0)

        var output: [String] = []
        func emit(_ line: String) {
            let tag = tagWidth == 0 ? "" : (output.isEmpty ? language.rawValue + " " : "   ")
            output.append(String(repeating: " ", count: indent) + tag + line)
        }

        // `hint: `, `conseil : `; no space after a fullwidth colon (`ヒント：`), which has its own.
        var hintPrefix = catalog.message("hint-prefix", in: language)
        hintPrefix += DisplayWidth.space(after: hintPrefix)
        var causePrefix = catalog.message("cause-prefix", in: language)
        causePrefix += DisplayWidth.space(after: causePrefix)
        let hintByLabel =
            hints.count > 1 ? Dictionary(hints.map { ($0.label, $0.text) }, uniquingKeysWith: { a, _ in a }) : [:]
        for (position, meaning) in meanings.enumerated() {
            let labelColumns = DisplayWidth.of(meaning.label)
            if labelColumns > 0 && labelColumns <= labelWidth {
                let prefix = meaning.label + String(repeating: " ", count: labelWidth - labelColumns + 2)
                emitWrapped(meaning.text, firstPrefix: prefix, column: textColumn - margin, emit)
            } else if labelColumns > 0 {
                // A long label: on its own line, the text under it.
                for part in TextWrapper.wrap(meaning.label, width: columns - margin) { emit(part) }
                emitWrapped(
                    meaning.text, firstPrefix: String(repeating: " ", count: textColumn - margin),
                    column: textColumn - margin, emit)
            } else {
                // No label (a vendor's own text, the headline): at the margin, not indented
                // under the labels' text as if it continued something above it.
                emitWrapped(meaning.text, firstPrefix: "", column: 0, emit)
                if position == 0, let leading {
                    if let cause = leading.cause {
                        emitWrapped(cause, firstPrefix: causePrefix, column: DisplayWidth.of(causePrefix), emit)
                    }
                    if let hint = leading.hint {
                        emitWrapped(hint, firstPrefix: hintPrefix, column: DisplayWidth.of(hintPrefix), emit)
                    }
                }
            }
            if let hint = hintByLabel[meaning.label] {
                let column = textColumn - margin
                emitWrapped(
                    hint,
                    firstPrefix: String(repeating: " ", count: column) + hintPrefix,
                    column: column + DisplayWidth.of(hintPrefix),
                    emit
                )
            }
        }
        if hints.count == 1 {
            if let cause = causes.first {
                emitWrapped(cause.text, firstPrefix: causePrefix, column: DisplayWidth.of(causePrefix), emit)
            }
            emitWrapped(hints[0].text, firstPrefix: hintPrefix, column: DisplayWidth.of(hintPrefix), emit)
        }
        if classification, case .reply = explanation.subject {
            emitWrapped(classificationLine(explanation, in: language), firstPrefix: "", column: 0, emit)
        } else if classification, case .code = explanation.subject {
            emitWrapped(classificationLine(explanation, in: language), firstPrefix: "", column: 0, emit)
        }
        if source, let text = explanation.source {
            var prefix = catalog.message("source-prefix", in: language)
            prefix += DisplayWidth.space(after: prefix)
            emitWrapped(text, firstPrefix: prefix, column: DisplayWidth.of(prefix), emit)
        }
        return output
    }

    /// `text` wrapped after `firstPrefix`, continuation lines starting at `column` (both
    /// counted from the block's margin).
    private func emitWrapped(_ text: String, firstPrefix: String, column: Int, _ emit: (String) -> Void) {
        let margin = min(max(indent, 0), max(columns, 20) / 4) + (languages.count > 1 ? 3 : 0)
        let width = max(columns, 20) - margin - column
        if width < 8 {
            // Too narrow beside the label: the label on its own line, the text under it, at the margin.
            let label = firstPrefix.trimmingSpaces
            if !label.isEmpty { emit(label) }
            for line in TextWrapper.wrap(text, width: max(columns, 20) - margin) { emit(line) }
            return
        }
        let lines = TextWrapper.wrap(text, width: width)
        let padding = String(repeating: " ", count: column)
        for (index, line) in lines.enumerated() {
            emit((index == 0 ? firstPrefix : padding) + line)
        }
    }
}
