#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore


/// The user name and secret for `:auth`. The secret comes from `--password-file`, else the
/// `SMTPSH_PASSWORD` variable, else `--password` (which other users can read in the process
/// list: accepted with a warning); at a terminal, else, smtpsh asks for it without echo.
struct Credentials: Sendable {
    var user: String?
    var passwordFile: String?
    var passwordArgument: String?
    /// `--auth-insecure`: send credentials even where ``CredentialGate`` finds a risk.
    var allowInsecure = false
    /// `demo` and `learn`: the server is the practice server smtpsh started, whose
    /// self-signed certificate it made itself.
    var certificateVouchedFor = false

    /// The secret without asking, or `nil`; a file that cannot be read is an error.
    func secret() throws(ShellError) -> String? {
        if let file = passwordFile {
            // A file or a pipe (`--password-file <(pass show mail)`), at most 64 KiB.
            guard let data = BoundedRead.contents(of: file, limit: 65_536), String(data: data, encoding: .utf8) != nil
            else {
                throw ShellError("usage-cannot-read", ["file": VisibleTextShort.of(file)], status: .usage)
            }
            // The first line, without its line end.
            return TextLines.split(Array(data)).first ?? ""
        }
        if let value = Environment.value("SMTPSH_PASSWORD") { return value }
        return passwordArgument
    }

    /// An AUTH exchange with the secret found without asking, or `nil` when there is none.
    func exchange(_ mechanism: SASLMechanism, user: String) throws(ShellError) -> SASLExchange? {
        try secret().map { SASLExchange(mechanism: mechanism, user: user, secret: $0) }
    }
}
