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
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// The TLS set-up, made the first time TLS is needed (a session that never says STARTTLS
/// does not pay for loading the trust roots).
public final class LazyClientTLS: Sendable {
    public let options: ClientTLSOptions
    private let made = Locked<Result<ClientTLS, ConnectError>?>(nil)

    public init(options: ClientTLSOptions) {
        self.options = options
    }

    public func get() throws(ConnectError) -> ClientTLS {
        let result = made.withLock { made -> Result<ClientTLS, ConnectError> in
            if let made { return made }
            let result = Result { () throws(ConnectError) -> ClientTLS in try ClientTLS(options: options) }
            made = result
            return result
        }
        return try result.get()
    }
}
