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

    /// `AUTH PLAIN dXNlcg==` → `AUTH PLAIN ********`; a line of two words or fewer is
    /// returned as it is (nothing follows the mechanism).
    public static func authLine(_ line: String) -> String {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count > 2 else { return line }
        return "\(words[0]) \(words[1]) \(mask)"
    }

    /// A command line read back from a file or kept for later (a transcript, an export):
    /// an AUTH with its initial response redacted (``authLine(_:)``), any other as it is.
    public static func commandLine(_ line: String) -> String {
        guard let verb = line.split(separator: " ", maxSplits: 1).first, verb.uppercased() == "AUTH" else { return line }
        return authLine(line)
    }

    /// Whether `text` is the mask (a secret that was redacted).
    public static func isMask(_ text: some StringProtocol) -> Bool { text == mask }
}
