#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// The TLS set-up, made the first time TLS is needed (a session that never says STARTTLS
/// does not pay for loading the trust roots).
public final class LazyClientTLS: @unchecked Sendable {
    public let options: ClientTLSOptions
    private let lock = NIOLock()
    private var made: Result<ClientTLS, ConnectError>?

    public init(options: ClientTLSOptions) {
        self.options = options
    }

    public func get() throws(ConnectError) -> ClientTLS {
        lock.lock()
        defer { lock.unlock() }
        if let made { return try made.get() }
        do throws(ConnectError) {
            let tls = try ClientTLS(options: options)
            made = .success(tls)
            return tls
        } catch {
            made = .failure(error)
            throw error
        }
    }
}
