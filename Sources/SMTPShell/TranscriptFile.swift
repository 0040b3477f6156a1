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

/// A file written line by line with write(2), created 0600 (it may hold what a server said
/// about a user); or standard output.
final class TranscriptFile: @unchecked Sendable {
    let path: String
    private var descriptor: Int32
    private let owned: Bool

    /// Opens `path` for writing, created with mode 0600. Without `replace`, a file that exists
    /// is left as it is and the error is the message named `existsMessage`.
    init(path: String, replace: Bool = true, existsMessage: String = "record-exists") throws(ShellError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL), 0o600)
        if fd < 0 && errno == EEXIST {
            // The whole name, so that the command the message gives can be copied as it is.
            throw ShellError(existsMessage, ["file": VisibleText.escape(path)], status: .usage)
        }
        guard fd >= 0 else {
            throw ShellError("record-cannot-open", ["file": VisibleTextShort.of(path), "error": String(cString: strerror(errno))], status: .usage)
        }
        // An existing file keeps its mode through O_CREAT: make it private too.
        _ = fchmod(fd, 0o600)
        self.path = path
        descriptor = fd
        owned = true
    }

    init(descriptor: Int32) {
        path = "-"
        self.descriptor = descriptor
        owned = false
    }

    func write(_ line: String) {
        guard descriptor >= 0 else { return }
        if owned {
            _ = Console.writeAll(Array((line + "\n").utf8), to: descriptor)
        } else {
            Console.write(line + "\n", to: descriptor)
        }
    }

    func close() {
        if owned && descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}
