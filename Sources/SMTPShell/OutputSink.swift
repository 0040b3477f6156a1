#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Locking
import SMTPCatalog
import SMTPClient
import SMTPCore

/// Where session output goes: stdout, or above the prompt once the line editor runs.
final class OutputSink: Sendable {
    private let target = Locked<(@Sendable (String) -> Void)?>(nil)

    func write(_ line: String) {
        if let target = target.withLock({ $0 }) {
            target(line)
        } else {
            Console.out(line)
        }
    }

    func redirect(_ target: (@Sendable (String) -> Void)?) {
        self.target.withLock { $0 = target }
    }
}
