#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog

/// Reads a file the user named, or standard input for `-`, never more than `limit` bytes
/// (a password file, a message, a scenario: memory stays bounded whatever is given).
enum BoundedRead {
    /// At most `limit` bytes; `nil` when the file cannot be opened or read.
    static func contents(of path: String, limit: Int) -> Data? {
        guard let file = InputFile(path: path) else { return nil }
        defer { file.close() }
        var bytes: [UInt8] = []
        while bytes.count < limit {
            guard let chunk = file.read(upTo: min(65_536, limit - bytes.count)) else { return nil }
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return Data(bytes)
    }
}
