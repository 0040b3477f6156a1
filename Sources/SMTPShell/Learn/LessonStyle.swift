#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore
import SMTPPracticeServer

/// How lessons look: normal, or large and high-contrast for a projector (`--large`):
/// bold text, no dim colours, a blank line around every block. Every method takes the
/// same text in each language of the lesson (`--lang en,ja`), one paragraph each.
struct LessonStyle: Sendable {
    var color: Bool
    var large: Bool
    var columns: Int

    private func paint(_ text: String, _ codes: String) -> String {
        color && !codes.isEmpty ? codes + text + "\u{1B}[0m" : text
    }

    private func wrap(_ text: String, indent: String, then: String? = nil) -> [String] {
        let rest = then ?? String(repeating: " ", count: DisplayWidth.of(indent))
        return TextWrapper.wrap(text, width: max(columns - DisplayWidth.of(indent), 20)).enumerated().map {
            ($0.offset == 0 ? indent : rest) + $0.element
        }
    }

    func title(_ texts: [String]) -> [String] {
        let width = texts.map { DisplayWidth.of($0) }.max() ?? 0
        let line = String(repeating: large ? "═" : "─", count: min(width + 4, max(columns, 20)))
        return (large ? [""] : []) + [paint(line, "\u{1B}[36m")] + texts.map { paint("  " + $0, "\u{1B}[1;36m") }
            + [paint(line, "\u{1B}[36m")]
    }

    func text(_ texts: [String]) -> [String] {
        texts.flatMap { wrap($0, indent: "  ").map { paint($0, large ? "\u{1B}[1m" : "") } + (large ? [""] : []) }
    }

    func step(_ labels: [String], _ texts: [String], example: String?) -> [String] {
        var lines = [""]
        for (label, text) in zip(labels, texts) {
            // No space after a fullwidth colon (`ステップ 1/5：`), which has its own.
            lines += wrap(label + DisplayWidth.space(after: label) + text, indent: "  ").map { paint($0, "\u{1B}[1;36m") }
        }
        if let example { lines += self.example(example) }
        if large { lines.append("") }
        return lines
    }

    func example(_ example: String) -> [String] {
        [paint("      " + example, "\u{1B}[1;33m")]
    }

    func done(_ texts: [String]) -> [String] {
        let texts = texts.filter { !$0.isEmpty }
        guard !texts.isEmpty else { return [] }
        return [""] + texts.enumerated().flatMap { index, text in
            wrap(text, indent: index == 0 ? "  ✓ " : "    ").map { paint($0, large ? "\u{1B}[1;32m" : "\u{1B}[32m") }
        }
    }

    func mistake(_ texts: [String]) -> [String] {
        [""] + texts.enumerated().flatMap { index, text in
            wrap(text, indent: index == 0 ? "  ! " : "    ").map { paint($0, "\u{1B}[1;33m") }
        }
    }

    /// A remark that is not a mistake (a rewind, a removed blank, a hint).
    func note(_ texts: [String]) -> [String] {
        texts.enumerated().flatMap { index, text in
            wrap(text, indent: index == 0 ? "  = " : "    ").map { paint($0, large ? "\u{1B}[1;36m" : "\u{1B}[36m") }
        }
    }

    /// Lines shown as they are (the stored message), in a frame of their own.
    func stored(_ lines: [String]) -> [String] {
        lines.map { paint("    │ ", "\u{1B}[36m") + $0 }
    }
}
