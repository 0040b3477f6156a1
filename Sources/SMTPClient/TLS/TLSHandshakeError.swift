import NIOCore
import NIOSSL

/// What a failed TLS handshake was, from the TLS stack's error: typed, never a library dump
/// or a build path. (The presentation words each kind: what failed, who must act, the fix.)
///
/// BoringSSL reports `error:10000438:SSL routines:OPENSSL_internal:TLSV1_ALERT_INTERNAL_ERROR
/// at …/tls_record.cc:491`; what matters is the reason code (`TLSV1_ALERT_INTERNAL_ERROR`: the
/// server sent the "internal error" alert, RFC 8446, 6.2).
public enum TLSHandshakeError {
    /// The reason code of a BoringSSL error (`TLSV1_ALERT_INTERNAL_ERROR`), if there is one.
    static func reasonCode(in text: String) -> String? {
        // `…:OPENSSL_internal:REASON at path:line]`.
        guard let marker = text.firstRange(of: "OPENSSL_internal:") else { return nil }
        let code = text[marker.upperBound...].prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
        return code.isEmpty ? nil : String(code)
    }

    /// The kind of failure for an error of the TLS stack; `nil` when it is not TLS's.
    public static func kind(of error: Error) -> TLSFailure.Kind? {
        switch error {
        case let ssl as NIOSSLError:
            switch ssl {
            case .handshakeFailed(let inner): return kind(reasonCode: reasonCode(in: "\(inner)"))
            case .uncleanShutdown: return .uncleanShutdown
            default: return .handshake(reasonCode: nil)
            }
        case let boring as BoringSSLError:
            return kind(reasonCode: reasonCode(in: "\(boring)"))
        default:
            return nil
        }
    }

    static func kind(reasonCode: String?) -> TLSFailure.Kind {
        switch reasonCode {
        // A server that answers in clear on a TLS port (or anything not TLS).
        case "WRONG_VERSION_NUMBER"?, "HTTP_REQUEST"?, "HTTPS_PROXY_REQUEST"?: .notTLS
        default: .handshake(reasonCode: reasonCode)
        }
    }
}
