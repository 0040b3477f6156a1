#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog

/// Paths as the user typed them.
enum FilePath {
    /// The last component of `path` (`replay/s.smtp` → `s.smtp`), for messages.
    static func lastComponent(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
