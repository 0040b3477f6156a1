/// How a secret is hidden wherever smtpsh shows or keeps a line (the screen, history,
/// recordings, `--json`, the practice server's log): one mask, whatever the secret's length,
/// and the rule for an AUTH line that carries its initial response.
///
/// ```
/// AUTH PLAIN AGFsaWNlAHMzY3JldA==   →   AUTH PLAIN ********
/// dXNlcg==  (an answer to 334)      →   ********
/// ```
///
/// A recording holds the mask where the secret was: `smtpsh replay` knows such an exchange
/// by it (``isMask(_:)``) and leads it again with the credentials given now.
public enum Redaction {
    /// What stands for a secret.
    public static let mask = "********"

    /// The initial response of an `AUTH MECHANISM RESPONSE` line (`AGFsaWNl…`), the one part
    /// of a command that is a secret; nil for another command or an AUTH without one.
    public static func initialResponse(ofAuthLine line: String) -> Substring? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count > 2, words[0].uppercased() == "AUTH" else { return nil }
        return words[2]
    }

    /// `AUTH PLAIN dXNlcg==` → `AUTH PLAIN ********`; a line without an initial response
    /// (``initialResponse(ofAuthLine:)``) is returned as it is.
    public static func authLine(_ line: String) -> String {
        guard initialResponse(ofAuthLine: line) != nil else { return line }
        let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        return "\(words[0]) \(words[1]) \(mask)"
    }

    /// A command line read back from a file or kept for later (a transcript, an export):
    /// an AUTH with its initial response redacted (``authLine(_:)``), any other as it is.
    public static func commandLine(_ line: String) -> String { authLine(line) }

    /// Whether `text` is the mask (a secret that was redacted).
    public static func isMask(_ text: some StringProtocol) -> Bool { text == mask }
}
