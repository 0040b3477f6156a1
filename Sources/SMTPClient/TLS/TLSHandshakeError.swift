import NIOCore
import NIOSSL
import SMTPCatalog

/// A failed TLS handshake in plain words: what failed, who must act, and the fix, never a
/// library dump or a build path.
///
/// BoringSSL reports `error:10000438:SSL routines:OPENSSL_internal:TLSV1_ALERT_INTERNAL_ERROR
/// at …/tls_record.cc:491`; what matters is the reason code (`TLSV1_ALERT_INTERNAL_ERROR`: the
/// server sent the "internal error" alert, RFC 8446, 6.2), which names one of a handful of
/// situations.
public enum TLSHandshakeError {
    /// The reason code of a BoringSSL error (`TLSV1_ALERT_INTERNAL_ERROR`), if there is one.
    static func reasonCode(in text: String) -> String? {
        // `…:OPENSSL_internal:REASON at path:line]` or `…:lib(16):func(0):REASON`.
        guard let marker = text.firstRange(of: "OPENSSL_internal:") ?? text.firstRange(of: "SSL routines:") else { return nil }
        let tail = text[marker.upperBound...]
        let code = tail.prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
        return code.isEmpty ? nil : String(code)
    }

    /// The message for an error of the TLS stack; `nil` when it is not TLS's.
    public static func describe(_ error: Error) -> String? {
        switch error {
        case let ssl as NIOSSLError:
            switch ssl {
            case .handshakeFailed(let inner): return describe(reasonCode: reasonCode(in: "\(inner)"))
            case .uncleanShutdown: return Words["tls-unclean-shutdown"]
            default: return Words["tls-handshake-failed", ["reason": Words["tls-reason-other"]]]
            }
        case let boring as BoringSSLError:
            return describe(reasonCode: reasonCode(in: "\(boring)"))
        default:
            return nil
        }
    }

    /// The words for a reason code, in the user's language.
    static func describe(reasonCode: String?) -> String {
        guard let reasonCode else { return Words["tls-handshake-failed", ["reason": Words["tls-reason-other"]]] }
        let name: String
        switch reasonCode {
        case "WRONG_VERSION_NUMBER", "HTTP_REQUEST", "HTTPS_PROXY_REQUEST":
            return Words["tls-not-tls"]
        case "TLSV1_ALERT_INTERNAL_ERROR":
            name = "tls-reason-internal-error"
        case "SSLV3_ALERT_HANDSHAKE_FAILURE", "NO_SHARED_CIPHER", "NO_SHARED_GROUP", "NO_CIPHERS_AVAILABLE", "NO_COMMON_SIGNATURE_ALGORITHMS":
            name = "tls-reason-nothing-shared"
        case "TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL":
            name = "tls-reason-protocol-version"
        case "TLSV1_ALERT_UNRECOGNIZED_NAME", "TLSV1_UNRECOGNIZED_NAME":
            name = "tls-reason-unrecognized-name"
        case "TLSV1_CERTIFICATE_REQUIRED", "TLSV1_ALERT_CERTIFICATE_REQUIRED", "PEER_DID_NOT_RETURN_A_CERTIFICATE":
            name = "tls-reason-certificate-required"
        case "SSLV3_ALERT_BAD_CERTIFICATE", "TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
            "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "SSLV3_ALERT_CERTIFICATE_EXPIRED", "SSLV3_ALERT_CERTIFICATE_REVOKED":
            name = "tls-reason-client-certificate-refused"
        case "TLSV1_ALERT_ACCESS_DENIED":
            name = "tls-reason-access-denied"
        case "TLSV1_ALERT_DECODE_ERROR", "TLSV1_ALERT_DECRYPT_ERROR", "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "BAD_DECRYPT",
            "SSLV3_ALERT_BAD_RECORD_MAC", "DECODE_ERROR":
            name = "tls-reason-corrupted"
        case "UNEXPECTED_RECORD", "UNEXPECTED_MESSAGE", "SSLV3_ALERT_UNEXPECTED_MESSAGE", "TLSV1_ALERT_ILLEGAL_PARAMETER",
            "EXCESSIVE_MESSAGE_SIZE", "RECORD_TOO_LARGE":
            name = "tls-reason-unexpected"
        case "CERTIFICATE_VERIFY_FAILED":
            name = "tls-reason-certificate"
        default:
            // A code smtpsh has no words for: said as it is, without the library's path.
            return Words["tls-handshake-failed", ["reason": reasonCode.lowercased().replacing("_", with: " ")]]
        }
        return Words["tls-handshake-failed", ["reason": Words[name]]]
    }
}
