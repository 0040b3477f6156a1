#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog
import SMTPClient

/// Exit statuses (Docs/exit-status.md).
public enum ExitStatus: Int32, Sendable {
    case success = 0
    /// A reply was negative (4xx/5xx).
    case negativeReply = 1
    /// DNS: the name does not exist, has no MX, or the resolver failed.
    case dns = 3
    /// The connection was refused or the address is unreachable.
    case connectFailed = 4
    /// No answer in time: connecting, the greeting or a reply.
    case timedOut = 5
    /// The server closed or reset the connection when it was not expected to.
    case connectionLost = 6
    /// TLS could not be set up.
    case tlsFailed = 7
    /// The server's certificate did not verify (with --tls-verify).
    case tlsVerification = 8
    /// `smtpsh send`: the stage whose reply was not the expected one.
    case greetingRefused = 10
    case helloRefused = 11
    case startTLSRefused = 12
    case authRefused = 13
    case mailRefused = 14
    case recipientRefused = 15
    case dataRefused = 16
    case messageRefused = 17
    /// `smtpsh send --lmtp`: the message was delivered to some recipients, refused by others.
    case notAllDelivered = 19
    /// `smtpsh replay`: a reply differed from the recorded one (or never came).
    case replayDifferent = 20
    /// `--proxy`: the proxy could not be reached, or did not open the way to the server.
    case proxyFailed = 21
    /// `smtpsh send --xclient`: XCLIENT refused (not authorised, a bad attribute).
    case xclientRefused = 22
    /// A script's local command (`:auth` without a secret, `:send` refused, `:run` that
    /// stopped…) could not do its job.
    case localCommandFailed = 9
    /// Credentials were not sent: the connection was not safe for them (no TLS, AUTH or the
    /// mechanism not offered, a certificate that did not verify) and `--auth-insecure` was not given.
    case credentialsWithheld = 18
    /// A session or macro file that cannot be read as one (EX_DATAERR).
    case dataError = 65
    case usage = 64
    /// The practice server cannot listen.
    case unavailable = 69
    case software = 70
}

extension ClientSession {
    /// The exit status a TLS failure gives (8 for a certificate --tls-verify refused, 7 else).
    var tlsFailureStatus: ExitStatus? {
        tlsFailure.map { $0.verification ? .tlsVerification : .tlsFailed }
    }
}

extension ConnectError {
    var exitStatus: ExitStatus {
        switch primary {
        case .nameNotFound, .dnsFailure, .resolverFailure, .nullMX: .dns
        case .refused, .unreachable, .connectFailed, .allFailed: .connectFailed
        case .timedOut: .timedOut
        case .tlsSetup: .tlsFailed
        case .proxyUnreachable, .proxyFailed: .proxyFailed
        // What was claimed cannot be said: the command line's mistake, found once connected.
        case .proxyProtocol: .usage
        }
    }
}
