#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Locking
import Dispatch
import SMTPCatalog

/// Writes whole lines to stdout/stderr at once (no interleaving between threads).
enum Console {
    /// Held while a line is written: lines from several threads never interleave.
    private static let writing = Locked(())

    static func out(_ line: String) {
        write(line + "\n", to: STDOUT_FILENO)
    }

    static func err(_ line: String) {
        write(line + "\n", to: STDERR_FILENO)
    }

    /// Writes all of `text`. When the reader has gone (`smtpsh … | head`), smtpsh ends as
    /// any command in a pipeline does: by SIGPIPE, without a word (SwiftNIO ignores the
    /// signal, so the write fails with EPIPE instead).
    static func write(_ text: String, to descriptor: Int32) {
        writing.withLock { _ in
            if !writeAll(Array(text.utf8), to: descriptor) && errno == EPIPE {
                signal(SIGPIPE, SIG_DFL)
                raise(SIGPIPE)
            }
        }
    }

    /// write(2) until every byte is written (again after EINTR); false on an error (`errno`).
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var rest = bytes[...]
        while !rest.isEmpty {
            let written = rest.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                rest = rest.dropFirst(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}
