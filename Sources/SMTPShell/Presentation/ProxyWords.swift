import SMTPCatalog
import SMTPClient

// The words for `--proxy`: its URL's mistakes, and why a proxy did not open the way.

extension ProxyURLError {
    var message: CatalogMessage {
        switch self {
        case .notAURL(let text): CatalogMessage("proxy-not-a-url", ["text": VisibleTextShort.of(text)])
        case .unsupportedScheme(let scheme): CatalogMessage("proxy-unsupported-scheme", ["scheme": VisibleTextShort.of(scheme)])
        case .badAddress(let text): CatalogMessage("proxy-bad-address", ["text": VisibleTextShort.of(text)])
        case .credentialsTooLong: CatalogMessage("proxy-credentials-too-long")
        }
    }
}

extension ProxyFailure {
    var reason: String {
        switch self {
        case .noAcceptableMethod: Words["proxy-no-method"]
        case .credentialsRequired: Words["proxy-credentials-required"]
        case .authenticationFailed: Words["proxy-authentication-failed"]
        case .socksReply(let code): Words["proxy-socks-reply", ["code": String(code), "meaning": Self.socksMeaning(code)]]
        case .httpStatus(let status, let text): Words["proxy-http-status", ["status": String(status), "text": VisibleTextShort.of(text)]]
        case .malformed: Words["proxy-malformed"]
        case .closed: Words["proxy-closed"]
        case .closedBeforeMethod: Words["proxy-closed-before-method"]
        }
    }

    /// RFC 1928, 6: what each reply code says.
    static func socksMeaning(_ code: UInt8) -> String {
        switch code {
        case 1: Words["proxy-socks-1"]
        case 2: Words["proxy-socks-2"]
        case 3: Words["proxy-socks-3"]
        case 4: Words["proxy-socks-4"]
        case 5: Words["proxy-socks-5"]
        case 6: Words["proxy-socks-6"]
        case 7: Words["proxy-socks-7"]
        case 8: Words["proxy-socks-8"]
        default: Words["proxy-socks-other"]
        }
    }
}

extension ConnectError {
    /// `--proxy`'s failures worded (`nil` for the others).
    var proxyMessage: CatalogMessage? {
        switch self {
        case .proxyUnreachable(let proxy, let error):
            CatalogMessage("proxy-unreachable", ["proxy": proxy, "reason": error.message.text])
        case .proxyFailed(let proxy, let target, let failure?):
            CatalogMessage("proxy-failed", ["proxy": proxy, "server": target, "reason": failure.reason])
        case .proxyFailed(let proxy, let target, nil):
            CatalogMessage("proxy-no-answer", ["proxy": proxy, "server": target])
        default: nil
        }
    }
}
