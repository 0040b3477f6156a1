import NIOCore

/// Domains as RFC 5321 wants them in EHLO and in addresses (section 2.3.5 and 4.1.3): a
/// fully-qualified name, or an address literal for a machine that has none.
///
/// ```
/// EHLO [127.0.0.1]
/// EHLO [IPv6:2001:db8::1]
/// MAIL FROM:<smtpsh@[127.0.0.1]>
/// ```
enum AddressLiteral {
    /// `[127.0.0.1]` or `[IPv6:…]` for a socket address; `nil` for a UNIX socket.
    static func of(_ address: SocketAddress) -> String? {
        guard let ip = address.ipAddress else { return nil }
        switch address.protocol {
        case .inet6: return "[IPv6:\(ip)]"
        default: return "[\(ip)]"
        }
    }

    /// A name with at least two labels, not all digits (`mail.example.org`, not `vm`,
    /// `localhost` or `127.0.0.1`), or an address literal.
    static func isFullyQualified(_ domain: String) -> Bool {
        if domain.hasPrefix("[") && domain.hasSuffix("]") { return true }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else { return false }
        return !labels.allSatisfy { $0.allSatisfy(\.isNumber) }
    }
}
