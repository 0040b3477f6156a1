/// The replies a command may get (RFC 5321, section 4.3.2, and the extensions' RFCs).
///
/// ```
/// C: MAIL FROM:<alice@example.org>
/// S: 250 (success) | 552 451 452 550 553 503 455 555 (failure)
/// ```
///
/// RFC 5321 lets any command get 500, 501, 502, 421 (and 503 where order matters); those are
/// included as failures everywhere. Real servers refuse with codes the RFC does not list for
/// the command (Postfix and aiosmtpd: 554 to RCPT for a relay denial, 504 to RCPT for a
/// sender or HELO restriction checked late; 554 to VRFY or to a second STARTTLS): any 4yz or
/// 5yz is therefore a failure, never "unexpected". Only a positive reply the command cannot
/// get (250 to DATA, 354 to RCPT, 334 to MAIL) is.
public struct ExpectedReplies: Hashable, Sendable {
    public var success: Set<Int>
    public var intermediate: Set<Int>
    public var failure: Set<Int>

    public init(success: Set<Int>, intermediate: Set<Int> = [], failure: Set<Int>) {
        self.success = success
        self.intermediate = intermediate
        self.failure = failure.union([421, 500, 501, 502])
    }

    public enum Classification: Hashable, Sendable {
        case success
        case intermediate
        case failure
        /// A code the RFC does not list for this command (still a reply; its class tells more).
        case unexpected
    }

    public func classify(_ code: ReplyCode) -> Classification {
        if success.contains(code.rawValue) { return .success }
        if intermediate.contains(code.rawValue) { return .intermediate }
        if failure.contains(code.rawValue) || !code.replyClass.isPositive { return .failure }
        return .unexpected
    }

    public static let greeting = ExpectedReplies(success: [220], failure: [554])
    public static let hello = ExpectedReplies(success: [250], failure: [504, 550])
    public static let mail = ExpectedReplies(success: [250], failure: [552, 451, 452, 550, 553, 503, 455, 555, 530, 521, 556])
    public static let rcpt = ExpectedReplies(success: [250, 251], failure: [550, 551, 552, 553, 450, 451, 452, 503, 455, 555, 530, 521, 556])
    public static let data = ExpectedReplies(success: [], intermediate: [354], failure: [503, 554, 451, 452])
    public static let endOfData = ExpectedReplies(success: [250], failure: [552, 554, 451, 452, 450, 550])
    public static let bdat = ExpectedReplies(success: [250], failure: [552, 554, 451, 452, 450, 550, 503])
    public static let rset = ExpectedReplies(success: [250], failure: [])
    public static let noop = ExpectedReplies(success: [250], failure: [])
    public static let quit = ExpectedReplies(success: [221], failure: [])
    public static let vrfy = ExpectedReplies(success: [250, 251, 252], failure: [550, 551, 553, 504])
    public static let expn = ExpectedReplies(success: [250, 252], failure: [550, 504])
    public static let help = ExpectedReplies(success: [211, 214], failure: [504])
    public static let startTLS = ExpectedReplies(success: [220], failure: [454, 503])
    public static let auth = ExpectedReplies(
        success: [235], intermediate: [334], failure: [432, 454, 503, 504, 530, 534, 535, 538]
    )
    /// Postfix's XCLIENT: 220 and a new session, or refused (550 not authorised, 503 inside a
    /// transaction, 501 a bad attribute).
    public static let xclient = ExpectedReplies(success: [220], failure: [550, 503, 501, 504])
    /// Anything else: 2yz is success, 3yz intermediate, the rest failure.
    public static let unknown = ExpectedReplies(
        success: Set(200...299), intermediate: Set(300...399), failure: Set(400...599)
    )

    public static func `for`(_ command: Command) -> ExpectedReplies {
        switch command.knownVerb {
        case .ehlo, .lhlo, .helo: .hello
        case .mail: .mail
        case .rcpt: .rcpt
        case .data: .data
        case .bdat: .bdat
        case .rset: .rset
        case .noop: .noop
        case .quit: .quit
        case .vrfy: .vrfy
        case .expn: .expn
        case .help: .help
        case .startTLS: .startTLS
        case .auth: .auth
        case nil: XClientCommand.isXClient(command) ? .xclient : .unknown
        }
    }
}
