/// The number of single-character edits (insertions, deletions, substitutions, and swaps
/// of two neighbours) from one word to another, on bytes: for "did you mean" suggestions
/// (`--timout` → `--timeout`, `HLEO` → `HELO`, `:sned` → `:send`).
public enum EditDistance {
    public static func between(_ a: some StringProtocol, _ b: some StringProtocol) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                // Two neighbours swapped (Damerau): HLEO is one edit from HELO.
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            before = previous
            previous = current
        }
        return previous[b.count]
    }

    /// The candidate nearest to `word` (ignoring case), if it is at most `limit` edits away.
    public static func nearest(to word: String, in candidates: [String], limit: Int = 2) -> String? {
        let wanted = word.uppercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = between(candidate.uppercased(), wanted)
            if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.candidate
    }
}
