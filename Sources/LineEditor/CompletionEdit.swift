/// What Tab does to the line: decided from the text before the cursor and the candidates
/// the completion function offered for the current word.
///
/// The current word is the text after the last space before the cursor; the candidates
/// replace it. One candidate: it replaces the word, followed by a space unless it ends in
/// a character that the next thing typed follows directly (`MAIL FROM:`, `RCPT TO:`,
/// `SIZE=`). Several: their longest common prefix (compared case-insensitively)
/// replaces the word when it is at least as long, and they are listed above the prompt.
public struct CompletionEdit: Hashable, Sendable {
    /// Characters (Unicode scalars, as libedit counts them) to delete before the cursor.
    public var deleteCount: Int
    /// What to insert at the cursor after deleting.
    public var insertion: String
    /// Candidates to show above the prompt; empty when there was only one.
    public var listing: [String]

    public init(deleteCount: Int, insertion: String, listing: [String] = []) {
        self.deleteCount = deleteCount
        self.insertion = insertion
        self.listing = listing
    }

    /// Characters after which completion adds no space.
    public static let noSpaceAfter: Set<Character> = [":", "=", "<", "@", "/", " "]

    /// The word completion replaces: the text after the last space before the cursor.
    public static func currentWord(of lineBeforeCursor: String) -> Substring {
        if let space = lineBeforeCursor.lastIndex(where: { $0 == " " || $0 == "\t" }) {
            return lineBeforeCursor[lineBeforeCursor.index(after: space)...]
        }
        return lineBeforeCursor[...]
    }

    /// nil when there is nothing to complete (no candidates): the editor beeps.
    public static func resolve(
        lineBeforeCursor: String,
        candidates: [String],
        characterAfterCursorIsSpace: Bool = false
    ) -> CompletionEdit? {
        var seen = Set<String>()
        let unique = candidates.filter { !$0.isEmpty && seen.insert($0).inserted }
        guard let first = unique.first else { return nil }
        let word = currentWord(of: lineBeforeCursor)
        let wordLength = word.unicodeScalars.count

        if unique.count == 1 {
            let needsSpace =
                !characterAfterCursorIsSpace && !(first.last.map { noSpaceAfter.contains($0) } ?? true)
            return CompletionEdit(deleteCount: wordLength, insertion: first + (needsSpace ? " " : ""))
        }

        let prefix = longestCommonPrefix(unique)
        let prefixLength = prefix.unicodeScalars.count
        if prefixLength >= wordLength && prefix != String(word) {
            return CompletionEdit(deleteCount: wordLength, insertion: prefix, listing: unique)
        }
        return CompletionEdit(deleteCount: 0, insertion: "", listing: unique)
    }

    /// The longest prefix the strings share, compared case-insensitively (ASCII), spelled
    /// as the first string spells it.
    public static func longestCommonPrefix(_ strings: [String]) -> String {
        guard let first = strings.first else { return "" }
        var prefix = Array(first.unicodeScalars)
        for string in strings.dropFirst() {
            var length = 0
            for (a, b) in zip(prefix, string.unicodeScalars) {
                guard foldedASCII(a) == foldedASCII(b) else { break }
                length += 1
            }
            prefix.removeSubrange(length...)
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: prefix)
        return String(view)
    }

    /// Lays candidates out in columns that fit `columns`, as lines to print.
    public static func listingLines(_ candidates: [String], columns: Int) -> [String] {
        guard !candidates.isEmpty else { return [] }
        let widest = candidates.map { TerminalLayout.displayWidth($0) }.max() ?? 0
        let cellWidth = widest + 2
        let perRow = max(1, (max(columns, 1) + 2) / cellWidth)
        var lines: [String] = []
        var start = 0
        while start < candidates.count {
            let row = candidates[start..<min(start + perRow, candidates.count)]
            var line = ""
            for (offset, candidate) in row.enumerated() {
                line += candidate
                if offset < row.count - 1 {
                    line += String(repeating: " ", count: cellWidth - TerminalLayout.displayWidth(candidate))
                }
            }
            lines.append(line)
            start += perRow
        }
        return lines
    }

    private static func foldedASCII(_ scalar: Unicode.Scalar) -> UInt32 {
        (0x41...0x5A).contains(scalar.value) ? scalar.value + 0x20 : scalar.value
    }
}
