#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// One session's log in a file of its own (`smtpsh serve --log-dir DIR`), so that a class's
/// sessions do not interleave: `DIR/0007-127.0.0.1.log`, renamed `0007-127.0.0.1-alice.log`
/// once the client has logged in as alice (or has given its name in EHLO, until then).
/// The same lines as the server's log, AUTH payloads redacted as there. Lines are short and
/// written as they come (no fsync): a log, not a mailbox.
final class SessionLogFile {
    private let directory: String
    private let stem: String
    private var path: String
    private var fd: Int32
    private var named: String?

    init?(directory: URL, number: Int, clientAddress: String) {
        self.directory = directory.path
        stem = Self.fourDigits(number) + "-" + Self.safe(clientAddress)
        path = self.directory + "/" + stem + ".log"
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
    }

    deinit { close() }

    func write(_ line: String) {
        guard fd >= 0 else { return }
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return }
                written += count
            }
        }
    }

    /// Gives the file the name of who the client is (the user once logged in, else the EHLO
    /// name); a name that stays the same changes nothing.
    func name(_ who: String) {
        let safe = Self.safe(who)
        guard !safe.isEmpty, safe != named else { return }
        let newPath = directory + "/" + stem + "-" + safe + ".log"
        if rename(path, newPath) == 0 {
            path = newPath
            named = safe
        }
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    /// Letters, digits, `.`, `-` and `_`, at most 64: a name a client chose never becomes a
    /// path of its choosing.
    static func safe(_ text: String) -> String {
        String(text.unicodeScalars.prefix(64).map { scalar -> Character in
            let ok = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
            return ok ? Character(scalar) : "_"
        }).trimmingPrefixDots
    }
}

extension SessionLogFile {
    static func fourDigits(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension String {
    /// Without leading dots (no hidden file, no `..`).
    fileprivate var trimmingPrefixDots: String { String(drop { $0 == "." }) }
}
