#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog

/// A file the user named, or standard input for `-`, read with read(2).
struct InputFile {
    let descriptor: Int32
    private let owned: Bool

    /// `nil` when the file cannot be opened.
    init?(path: String) {
        if path == "-" {
            descriptor = STDIN_FILENO
            owned = false
        } else {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            owned = true
        }
    }

    /// Closes the file (never standard input).
    func close() {
        if owned { _ = Glibc.close(descriptor) }
    }

    /// Up to `count` bytes: empty at the end of the file, `nil` when reading fails (a
    /// directory, an I/O error).
    func read(upTo count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
            if got >= 0 {
                buffer.removeSubrange(got...)
                return buffer
            }
            if errno != EINTR { return nil }
        }
    }
}
