/// The client side of an SMTP session, with no I/O: what the user (or a macro) submits and
/// what the server sends go in; what to write, when to start TLS, and what happened come
/// out as ``Action``s, in order. The channel handler on the event loop owns it and carries
/// the actions out; nothing else touches it (no lock: one thread).
///
/// ```
/// submit("EHLO me")          → [.emit(.notice(advice…)), .write("EHLO me\r\n"), .emit(.sent)]
/// receive(.line(250-…))      → [.emit(.receivedLine)]
/// receive(.reply(250 …))     → [.emit(.reply), .write(next queued line)…, .settled]
/// ```
///
/// It keeps the ``SessionStateMachine`` (the phase, the commands awaiting replies), the
/// transmit queue and its pipelining policy (a command waits for the reply to the one
/// before unless pipelined; message lines wait for 354; a BDAT chunk typed by hand follows
/// its BDAT), what a refused DATA or AUTH leaves behind (dropped, never sent as commands),
/// the SASL exchange smtpsh leads, the tickets that name each reply, latency and timeouts
/// (from the `now` each input carries, in nanoseconds of a monotonic clock).
public struct ClientStateMachine: Sendable {
    public struct Configuration: Sendable {
        /// Seconds of silence before a reply times out (ten times that for a reply whose
        /// lines keep coming without an end).
        public var replyTimeout: Double = 30
        /// `--starttls`: after the greeting, EHLO (``ehloName``), STARTTLS, EHLO again.
        public var startTLS = false
        /// The name the client greets with when it sends EHLO itself.
        public var ehloName: String?
        /// After STARTTLS the user is reminded to send EHLO again (not when smtpsh does).
        public var remindEHLOAfterTLS = true
        /// Show AUTH payloads instead of asterisks (only when the user asks).
        public var showSecrets = false
        /// TLS from the first byte (`--tls`).
        public var implicitTLS = false
        /// LMTP (RFC 2033, `--lmtp`): LHLO instead of EHLO, one reply per recipient after a message.
        public var lmtp = false
        public init() {}

        /// The greeting smtpsh sends itself: `EHLO`, or `LHLO` for LMTP.
        public var helloVerb: String { lmtp ? "LHLO" : "EHLO" }
    }

    public enum LineKind: Hashable, Sendable {
        case command
        case messageLine
        case saslResponse
        /// Bytes sent exactly as written (`:raw`), shown in ``EscapedBytes``' notation, a
        /// line per LF.
        case raw
    }

    /// A line as it went out, for the transcript: secrets redacted, dot-stuffing shown.
    public struct SentLine: Hashable, Sendable {
        public var text: String
        public var kind: LineKind
        public var tls: Bool
        /// Sent by smtpsh itself (`--starttls`, a macro, a SASL answer): shown as sent.
        public var automatic: Bool
        /// Typed while a reply was awaited: it waited, and is shown when it goes out.
        public var waited: Bool
        /// Beyond the lines a transcript shows of a long message or chunk: recorded only.
        public var beyondShown = false

        public init(text: String, kind: LineKind, tls: Bool, automatic: Bool, waited: Bool, beyondShown: Bool = false) {
            self.text = text
            self.kind = kind
            self.tls = tls
            self.automatic = automatic
            self.waited = waited
            self.beyondShown = beyondShown
        }
    }

    public enum Event: Sendable {
        case sent(SentLine)
        /// A line of a reply as it arrives; the first line of a reply has its latency (ms).
        case receivedLine(ReplyLine, tls: Bool, latency: Double?)
        /// A whole reply, what it did to the session, its latency (ms) when solicited, and
        /// what is wrong with it (a violation, unsolicited, a code the command cannot get).
        case reply(Reply, outcome: SessionStateMachine.Outcome, tls: Bool, latency: Double?, notices: [ClientNotice])
        case notice(ClientNotice)
    }

    public enum Action: Sendable {
        case write([UInt8])
        /// 220 to STARTTLS: insert TLS on the connection before anything else goes out.
        case startTLS
        case emit(Event)
        /// The state changed (a reply, TLS, the close): the prompt follows it.
        case stateChanged
        /// Nothing more is to be sent or awaited for now: waiters may look again.
        case settled
        /// The session is over on the client's side: close the connection.
        case close
    }

    /// What a line submitted became.
    public struct Submission: Hashable, Sendable {
        public var kind: LineKind
        /// Warnings said before sending (never a refusal).
        public var advice: [SequenceAdvice]
        /// It waits for the reply to something before it.
        public var queued: Bool
        /// The line carries a secret (keep it out of history).
        public var isSecret: Bool
        /// Names its reply, when submitted with `track` and it gets one of its own.
        public var ticket: ReplyTicket?
    }

    /// How a submitted line goes.
    public struct SubmitOptions: Hashable, Sendable {
        /// Shown as sent even when it goes out at once (a macro's lines look typed).
        public var shown = false
        /// May go out before the replies to the commands before it (RFC 2920).
        public var pipelined = false
        /// In DATA, a line of the message even if it is a lone `.` (sent as `..`).
        public var content = false
        /// Keep its reply for ``reply(for:)``.
        public var track = false
        public init(shown: Bool = false, pipelined: Bool = false, content: Bool = false, track: Bool = false) {
            self.shown = shown
            self.pipelined = pipelined
            self.content = content
            self.track = track
        }
    }

    struct Outgoing: Sendable {
        var bytes: [UInt8]
        var display: String
        var kind: LineKind
        /// Whether this line gets a reply of its own.
        var expectsReply: Bool
        var queuedLate = false
        /// Sent by smtpsh itself: always shown as sent.
        var automatic = false
        /// May go out before the replies to the lines before it (RFC 2920 PIPELINING).
        var pipelined = false
        /// What else to record after `display` (a BDAT chunk's lines).
        var extraDisplay: [String] = []
        /// Said after the lines (how many more a message had).
        var trailingNote: ClientNotice?
        var ticket: Int?
        /// Octets of a BDAT chunk typed by hand: they follow their BDAT at once.
        var chunk = false
        /// Replies it gets besides the first (raw bytes holding several lines).
        var extraReplies = 0

        /// How many replies it calls for, each a pending item of the session once sent.
        var repliesAwaited: Int { expectsReply ? 1 + extraReplies : 0 }
    }

    public internal(set) var configuration: Configuration
    /// The session as the protocol sees it: phase, commands awaiting replies, capabilities.
    public internal(set) var session: SessionStateMachine
    var queue: [Outgoing] = []
    /// Send times of what awaits a reply (the greeting's is the connection's), and the
    /// tickets of those lines, in the order sent.
    var sentTimes: [UInt64]
    var inFlight: [Int?] = [nil]
    var awaitingReplies = 1
    var firstLineOfReply = true
    var lastActivity: UInt64
    public internal(set) var timedOut = false
    var warnedOverlong = false
    public internal(set) var isClosed = false
    /// ``closeRequested(now:)`` was called: a close not after 221/421 is the client's.
    var closedByClient = false
    public internal(set) var closedByServerUnexpectedly = false
    public internal(set) var negativeReplies: [Reply] = []
    public internal(set) var greeting: Reply?
    /// TLS could not be set up: a script's next line no longer waits for it.
    public internal(set) var tlsFailed = false
    var sasl: (any SASLClient)?
    /// Nothing is written before the transport is connected (``connected(now:)``).
    public internal(set) var isConnected = false
    var holdWrites = false
    var writesHeld = false
    /// Replies received so far (whole replies).
    public internal(set) var repliesReceived = 0
    /// Raw bytes went out: a reply nobody asked for is likely the server's reading of them.
    var rawBytesSent = false
    /// What followed the last CRLF of the raw bytes sent: the server holds it as the start
    /// of its next line (the first octets of it, enough to read a command).
    var rawLineStart: [UInt8] = []
    var nextTicket = 0
    var tickets: [Int: TicketState] = [:]

    public init(configuration: Configuration, now: UInt64) {
        self.configuration = configuration
        session = SessionStateMachine(implicitTLS: configuration.implicitTLS, lmtp: configuration.lmtp)
        sentTimes = [now]
        lastActivity = now
    }

    // MARK: - Reading the state

    /// What the next typed line will be.
    public var inputMode: SessionStateMachine.InputMode { session.inputMode }

    public var queuedLineCount: Int { queue.count }

    /// Whether every line was sent and answered (and TLS set up, with `--starttls`).
    public var isSettled: Bool {
        queue.isEmpty && awaitingReplies == 0 && !tlsPending
    }

    /// Between STARTTLS's 220 and the end of the handshake, or, with --starttls, until TLS
    /// is up: a script's next line waits.
    var tlsPending: Bool {
        if session.phase == .tlsNegotiating { return true }
        return configuration.startTLS && !session.isTLS && !tlsFailed && session.phase != .closed
    }

    /// What a line typed now would wait for before it goes out, or `nil` when it would go
    /// at once.
    public var awaited: Awaited? {
        if session.phase == .tlsNegotiating { return .tls }
        if case .chunkData = session.inputMode, queue.isEmpty { return nil }
        guard awaitingReplies > 0 || !queue.isEmpty else { return nil }
        return session.pending.first.map(Awaited.reply) ?? .server
    }

    public enum Awaited: Hashable, Sendable {
        case reply(SessionStateMachine.Pending)
        case tls
        case server
    }

    /// How a line typed now would be shown if it carries a secret (`AUTH PLAIN ********`,
    /// `********` for an answer to a challenge); `nil` otherwise, and with `showSecrets`.
    public func redactedForm(ofTyped text: String) -> String? {
        guard !configuration.showSecrets else { return nil }
        switch session.inputMode {
        case .saslResponse: return Redaction.mask
        case .messageBody, .chunkData: return nil
        case .command:
            let bytes = Array(text.utf8)
            let command = (try? CommandParser.parse(bytes)) ?? .raw(bytes)
            return Self.carriesSecret(command, bytes: bytes) ? Redaction.authLine(text) : nil
        }
    }

    /// An AUTH line with its initial response (`AUTH PLAIN dXNlcg==`): a secret.
    static func carriesSecret(_ command: Command, bytes: [UInt8]) -> Bool {
        command.carriesSecret || (command.knownVerb == .auth && bytes.split(separator: 32).count > 2)
    }

    // MARK: - Tickets

    /// What became of a ticket's line. An answer, or `.unanswered`, is given once: the ticket
    /// is then forgotten.
    public mutating func reply(for ticket: ReplyTicket) -> TicketState {
        let state = tickets[ticket.id] ?? .unanswered
        if case .waiting = state { return state }
        tickets[ticket.id] = nil
        return state
    }

    mutating func newTicket() -> Int {
        nextTicket += 1
        tickets[nextTicket] = .waiting
        return nextTicket
    }

    mutating func resolve(_ ticket: Int?, _ state: TicketState) {
        guard let ticket, tickets[ticket] != nil else { return }
        tickets[ticket] = state
    }
}

/// Names the reply to a line submitted with `track` (or to an AUTH exchange the client
/// leads): the reply is found by what it answers, whatever the timing and whatever else was
/// pipelined, so that a caller checks each reply against its own command, never by counting.
public struct ReplyTicket: Hashable, Sendable {
    let id: Int
}

/// What became of a ticket's line.
public enum TicketState: Sendable {
    /// Not answered yet (queued, or sent and awaiting its reply).
    case waiting
    case answered(Reply)
    /// Never sent (dropped after a refused DATA or AUTH, or the session ended first), or
    /// sent and the connection closed before its reply.
    case unanswered
}

/// An AUTH exchange the client leads (RFC 4954): the AUTH line, then the answer to each 334.
/// The mechanisms' computations (CRAM-MD5's HMAC) are the transport's; the state machine
/// only asks.
public protocol SASLClient: Sendable {
    /// Who authenticates (the prompt names them once AUTH succeeded).
    var user: String { get }
    /// The AUTH line, with the initial response where the mechanism has one.
    var command: String { get }
    /// The answer to a 334 whose text is `challenge` (base64, as received).
    mutating func respond(to challenge: String) -> String
    /// Whether the last answer carries the secret (LOGIN's user name does not).
    var lastAnswerCarriesSecret: Bool { get }
}
