/// Follows an SMTP session from the client's side (RFC 5321, section 3 and 4.3): which phase
/// it is in, which commands wait for a reply, what each reply means for the session, and which
/// mistakes a command would make before it is sent.
///
/// ```
/// S: 220 mail.example.org ESMTP      awaitingGreeting → greeted
/// C: EHLO client.example
/// S: 250-mail.example.org            greeted → ready (capabilities known)
/// S: 250 PIPELINING
/// C: MAIL FROM:<alice@example.org>
/// C: RCPT TO:<bob@example.org>       (pipelined: two commands pending)
/// S: 250 OK                          ready → mailTransaction
/// S: 250 OK                          → recipientsAccepted(1)
/// C: DATA
/// S: 354 Go ahead                    → data (the client sends message lines)
/// C: .
/// S: 250 Queued                      → ready
/// C: QUIT
/// S: 221 Bye                         → closed
/// ```
///
/// The machine never does I/O: the transport tells it what was sent and received.
/// Pipelined commands wait in a queue; each reply answers the oldest. STARTTLS and AUTH reset
/// what is known (RFC 3207, section 4.2; RFC 4954, section 4).
public struct SessionStateMachine: Sendable {
    public enum Phase: Hashable, Sendable {
        /// Connected; the server has not sent its 220 yet.
        case awaitingGreeting
        /// The server greeted (or re-greeted after STARTTLS); EHLO or HELO comes next.
        case greeted
        /// EHLO/HELO accepted; no mail transaction open.
        case ready
        /// MAIL accepted; no recipient accepted yet.
        case mailTransaction
        /// MAIL and this many RCPT accepted.
        case recipientsAccepted(Int)
        /// 354 received: the client sends the message, ended by a lone dot.
        case data
        /// 334 received: the next line is a SASL response (a secret).
        case authenticating
        /// 220 to STARTTLS received: the TLS handshake comes next.
        case tlsNegotiating
        /// QUIT answered, 421 received, or the connection is gone.
        case closed

        /// `true` while MAIL has been accepted and the transaction is not finished.
        public var inMailTransaction: Bool {
            switch self {
            case .mailTransaction, .recipientsAccepted, .data: true
            default: false
            }
        }
    }

    /// What a line typed next is, given what has been sent so far.
    public enum InputMode: Hashable, Sendable {
        case command
        /// After DATA: message lines until the lone dot.
        case messageBody
        /// After AUTH got 334 (or will): a SASL response.
        case saslResponse
        /// After `BDAT <size>` typed by hand: the chunk's octets, `remaining` of `size` still to
        /// come (RFC 3030, section 2: the server reads exactly that many, line ends included).
        case chunkData(remaining: UInt64, size: UInt64)
    }

    /// What the client is waiting for a reply to.
    public enum Pending: Hashable, Sendable {
        case greeting
        case command(Command)
        /// The lone dot that ends DATA.
        case endOfData
        /// A line sent in answer to a 334 challenge.
        case saslResponse
        /// LMTP (RFC 2033, 4.2): after the final dot (or `BDAT … LAST`), one reply per
        /// recipient accepted, in the order of their RCPTs: this one's.
        case delivery(Path)

        public var expectedReplies: ExpectedReplies {
            switch self {
            case .greeting: .greeting
            case .command(let command): .for(command)
            case .endOfData, .delivery: .endOfData
            case .saslResponse: .auth
            }
        }

        /// The reply that lets the session go on as the user means it to: 354 to DATA, 220 to
        /// STARTTLS, 334 to an AUTH without an initial response and to a SASL response (the
        /// exchange goes on until the server says otherwise), 221 to QUIT, else 250 (235 to
        /// an AUTH that carried its response).
        var hopedForReply: ReplyCode {
            switch self {
            case .greeting: .serviceReady
            case .endOfData, .delivery: .ok
            case .saslResponse: .authChallenge
            case .command(let command):
                switch command.knownVerb {
                case .data: .startMailInput
                case .startTLS: .serviceReady
                case .quit: .serviceClosing
                case .auth: command.hasInitialResponse ? .authenticationSucceeded : .authChallenge
                default: .ok
                }
            }
        }
    }

    /// How the session was greeted.
    public enum Greeting: Hashable, Sendable {
        case ehlo
        case helo
    }

    public private(set) var phase: Phase = .awaitingGreeting
    /// `true` once a TLS session is up (STARTTLS done, or implicit TLS from the start).
    public private(set) var isTLS: Bool
    public private(set) var isAuthenticated = false
    /// Who the session authenticated as, when known: the user of an AUTH the client leads
    /// (``authenticating(as:)``), or the one in a typed `AUTH PLAIN <initial response>`.
    public private(set) var authenticatedUser: String?
    private var userBeingAuthenticated: String?
    /// The last successful EHLO's capabilities; forgotten after STARTTLS.
    public private(set) var capabilities: ServerCapabilities?
    public private(set) var greeting: Greeting?
    /// Commands sent and not yet answered, oldest first.
    public private(set) var pending: [Pending] = [.greeting]
    /// Messages accepted in this session.
    public private(set) var messagesAccepted = 0
    /// The octets of the last BDAT's chunk still to be sent, and its size.
    public private(set) var chunkRemaining: UInt64 = 0
    private var chunkSize: UInt64 = 0

    private var phaseBeforeAuth: Phase = .ready
    /// Lines of the reply now arriving (counted by ``replyLineReceived(_:)``).
    private var linesOfCurrentReply = 0
    /// Extensions smtpsh acts on, seen in lines of an EHLO reply that the reply parser
    /// counted but did not keep (past its per-reply limit).
    private var extensionsBeyondKeptLines: [Capability] = []

    /// LMTP (RFC 2033): LHLO greets, and the end of a message gets one reply per recipient.
    public let lmtp: Bool
    /// The recipients accepted in the mail transaction now open, in the order of their RCPTs.
    public private(set) var acceptedRecipients: [Path] = []
    /// LMTP: what became of the last message for each of its recipients, so far (filled as
    /// the replies after its final dot arrive).
    public private(set) var deliveries: [Delivery] = []
    private var lastMessageDelivered = false

    /// One recipient's reply after an LMTP message (RFC 2033, 4.2).
    public struct Delivery: Hashable, Sendable {
        public var recipient: Path
        public var reply: Reply
        public var delivered: Bool
        public var code: ReplyCode { reply.code }
    }

    public init(implicitTLS: Bool = false, lmtp: Bool = false) {
        self.isTLS = implicitTLS
        self.lmtp = lmtp
    }

    // MARK: - What the client sends

    /// Records a command line sent to the server. After `BDAT <size>`, the next `size` octets
    /// are the chunk (``chunkOctetsSent(_:)``), not commands.
    public mutating func commandSent(_ command: Command) {
        pending.append(.command(command))
        if case .auth(let mechanism, let response?) = command, mechanism == "PLAIN", let decoded = Base64.decode(response) {
            // PLAIN: authzid NUL authcid NUL password (RFC 4616); the user is authcid.
            let parts = decoded.split(separator: 0, omittingEmptySubsequences: false)
            if parts.count == 3 { userBeingAuthenticated = String(decoding: parts[1], as: UTF8.self) }
        }
        if case .bdat(let size, _) = command {
            chunkRemaining = size
            chunkSize = size
        }
    }

    /// The AUTH about to be sent is for `user` (an exchange the client leads).
    public mutating func authenticating(as user: String) {
        userBeingAuthenticated = user
    }

    /// Records octets of a BDAT chunk sent (at most what remains of it).
    public mutating func chunkOctetsSent(_ count: UInt64) {
        chunkRemaining -= min(count, chunkRemaining)
    }

    /// Takes back the last `count` pending items: lines that were queued and will not be sent.
    public mutating func withdrawLast(_ count: Int) {
        pending.removeLast(min(count, pending.count))
    }

    /// Records a line of the message sent after DATA (without its CRLF, before dot-stuffing
    /// is taken into account: the lone `.` is the end of the data).
    public mutating func messageLineSent<Bytes: Collection<UInt8>>(_ line: Bytes) {
        if line.count == 1 && line.first == UInt8(ascii: ".") {
            pending.append(.endOfData)
        }
    }

    /// Records a SASL response line sent after a 334.
    public mutating func saslResponseSent() {
        pending.append(.saslResponse)
    }

    /// The TLS handshake after STARTTLS's 220 succeeded: everything learned before is
    /// forgotten (RFC 3207, section 4.2); the client must send EHLO again.
    public mutating func tlsEstablished() {
        isTLS = true
        capabilities = nil
        greeting = nil
        isAuthenticated = false
        authenticatedUser = nil
        if phase == .tlsNegotiating || phase == .awaitingGreeting { phase = .greeted }
    }

    /// Takes back the first pending item of this kind: a message end or SASL response that was
    /// typed but will not be sent, because the server refused DATA or AUTH.
    public mutating func withdrawPending(_ item: Pending) {
        if let index = pending.firstIndex(of: item) { pending.remove(at: index) }
    }

    /// The connection closed (by either side).
    public mutating func connectionClosed() {
        phase = .closed
        pending.removeAll()
        chunkRemaining = 0
    }

    // MARK: - What the server answers

    /// The extensions whose keywords smtpsh acts on: looked for in every line of an EHLO
    /// reply, also past the lines the reply parser keeps.
    public static let extensionsActedOn: Set<String> = [
        Capability.pipelining, Capability.size, Capability.startTLS, Capability.auth,
        Capability.eightBitMIME, Capability.smtpUTF8, Capability.chunking, Capability.binaryMIME,
        Capability.dsn, Capability.enhancedStatusCodes, Capability.requireTLS,
    ]

    /// Records one line of a reply as it arrives, before ``replyReceived(_:solicited:)`` gets the
    /// whole reply. A reply keeps only its first lines (``ReplyParser/Limits``); a server can
    /// send an EHLO reply of thousands of keywords with `PIPELINING` last. The extensions of
    /// ``extensionsActedOn`` found past the kept lines are remembered (a few at most: one per
    /// keyword) and join the capabilities when the reply is complete.
    public mutating func replyLineReceived(_ line: ReplyLine, keptLinesPerReply: Int = ReplyParser.Limits.default.maximumLinesPerReply) {
        linesOfCurrentReply += 1
        guard linesOfCurrentReply > keptLinesPerReply, case .command(let command)? = pending.first,
            command.knownVerb?.isExtendedHello == true, let capability = Capability(line: line.textString),
            Self.extensionsActedOn.contains(capability.keyword),
            !extensionsBeyondKeptLines.contains(where: { $0.keyword == capability.keyword })
        else { return }
        extensionsBeyondKeptLines.append(capability)
    }

    /// What a reply did to the session.
    public struct Outcome: Hashable, Sendable {
        /// What the reply answered, or `nil` for a reply nobody asked for.
        public var answered: Pending?
        public var classification: ExpectedReplies.Classification
        public var phaseBefore: Phase
        public var phaseAfter: Phase
        /// LMTP: the replies still to come for the message this reply is the first for (one
        /// per accepted recipient after the first); 0 otherwise.
        public var furtherDeliveries = 0

        /// `true` when the reply is the one the command hoped for (success or the intermediate step).
        public var isPositive: Bool { classification == .success || classification == .intermediate }
    }

    /// Applies a reply from the server.
    ///
    /// - Parameter solicited: `false` when the client knows no command is waiting on the wire
    ///   (lines typed but not yet sent are in ``pending`` too): the reply is then unsolicited.
    @discardableResult
    public mutating func replyReceived(_ reply: Reply, solicited: Bool = true) -> Outcome {
        let before = phase
        let beyondKeptLines = extensionsBeyondKeptLines
        linesOfCurrentReply = 0
        extensionsBeyondKeptLines = []
        let code = reply.code
        guard !pending.isEmpty, solicited else {
            // Unsolicited: 421 means the server is closing the channel (RFC 5321, 3.8).
            if code == .serviceNotAvailable { connectionClosed() }
            return Outcome(
                answered: nil,
                classification: code.replyClass.isPositive ? .unexpected : .failure,
                phaseBefore: before,
                phaseAfter: phase
            )
        }
        var answered = pending.removeFirst()
        var further = 0
        if lmtp, let recipients = deliveriesAwaited(for: answered) {
            // The first of one reply per recipient (RFC 2033, 4.2): the others are awaited
            // next, before anything pipelined behind the message.
            answered = .delivery(recipients[0])
            pending.insert(contentsOf: recipients.dropFirst().map(Pending.delivery), at: 0)
            further = recipients.count - 1
            deliveries = []
            lastMessageDelivered = false
        }
        let classification = answered.expectedReplies.classify(code)
        apply(code, classification: classification, to: answered, reply: reply, beyondKeptLines: beyondKeptLines)
        if code == .serviceNotAvailable { connectionClosed() }
        var outcome = Outcome(answered: answered, classification: classification, phaseBefore: before, phaseAfter: phase)
        outcome.furtherDeliveries = further
        return outcome
    }

    /// LMTP: the recipients a reply to the end of a message (the final dot, or `BDAT … LAST`
    /// once its chunk was sent) answers for, one reply each; `nil` for any other reply, and
    /// when no recipient was accepted (then the server answers once, as SMTP does).
    private func deliveriesAwaited(for answered: Pending) -> [Path]? {
        guard !acceptedRecipients.isEmpty else { return nil }
        switch answered {
        case .endOfData where phase == .data:
            return acceptedRecipients
        case .command(let command) where command.knownVerb == .bdat && command.isLastChunk && phase.inMailTransaction:
            return acceptedRecipients
        default:
            return nil
        }
    }

    private mutating func apply(
        _ code: ReplyCode,
        classification: ExpectedReplies.Classification,
        to answered: Pending,
        reply: Reply?,
        beyondKeptLines: [Capability]
    ) {
        let success = classification == .success
        switch answered {
        case .greeting:
            if code == .serviceReady || code.replyClass == .permanentNegative { phase = .greeted }
        case .endOfData:
            if phase == .data { phase = greeting == nil ? .greeted : .ready }
            acceptedRecipients = []
            if success { messagesAccepted += 1 }
        case .delivery(let recipient):
            // The first reply ends the message; the session is ready again for the next.
            if phase == .data || phase.inMailTransaction { phase = greeting == nil ? .greeted : .ready }
            acceptedRecipients = []
            if let reply { deliveries.append(Delivery(recipient: recipient, reply: reply, delivered: success)) }
            if success && !lastMessageDelivered {
                lastMessageDelivered = true
                messagesAccepted += 1
            }
        case .saslResponse:
            finishAuth(code)
        case .command(let command):
            switch command.knownVerb {
            case .ehlo, .lhlo:
                if success {
                    acceptedRecipients = []
                    greeting = .ehlo
                    capabilities = reply.flatMap { ServerCapabilities(ehloReply: $0) }
                    for capability in beyondKeptLines where capabilities?.supports(capability.keyword) == false {
                        capabilities?.capabilities.append(capability)
                    }
                    phase = .ready
                }
            case .helo:
                if success {
                    acceptedRecipients = []
                    greeting = .helo
                    capabilities = nil
                    phase = .ready
                }
            case .mail:
                if success {
                    phase = .mailTransaction
                    acceptedRecipients = []
                }
            case .rcpt:
                if success {
                    if case .rcpt(let path, _) = command, phase.inMailTransaction { acceptedRecipients.append(path) }
                    switch phase {
                    case .mailTransaction: phase = .recipientsAccepted(1)
                    case .recipientsAccepted(let count): phase = .recipientsAccepted(count + 1)
                    default: break
                    }
                }
            case .data:
                if code == .startMailInput { phase = .data }
            case .bdat:
                if success && command.isLastChunk {
                    phase = .ready
                    acceptedRecipients = []
                    messagesAccepted += 1
                }
            case .rset:
                if success {
                    phase = greeting == nil ? .greeted : .ready
                    acceptedRecipients = []
                }
            case .quit:
                if code == .serviceClosing { connectionClosed() }
            case .startTLS:
                if code == .serviceReady { phase = .tlsNegotiating }
            case .auth:
                if code == .authChallenge {
                    if phase != .authenticating { phaseBeforeAuth = phase }
                    phase = .authenticating
                } else {
                    finishAuth(code)
                }
            case .noop, .vrfy, .expn, .help:
                break
            case nil:
                // XCLIENT's 220: the server starts the session again as for the client it
                // now acts for; what it said before (EHLO, AUTH) no longer holds.
                if XClientCommand.isXClient(command) && code == .serviceReady { restartAfterXClient() }
            }
        }
    }

    private mutating func restartAfterXClient() {
        phase = .greeted
        greeting = nil
        capabilities = nil
        isAuthenticated = false
        authenticatedUser = nil
        acceptedRecipients = []
    }

    private mutating func finishAuth(_ code: ReplyCode) {
        if code == .authChallenge {
            phase = .authenticating
            return
        }
        if phase == .authenticating { phase = phaseBeforeAuth }
        if code == .authenticationSucceeded {
            isAuthenticated = true
            authenticatedUser = userBeingAuthenticated
        }
        userBeingAuthenticated = nil
    }

    // MARK: - Looking ahead

    /// The phase the session will be in once every pending command got the reply it hopes
    /// for. Pipelined commands are checked against this. It runs the same transitions as
    /// the replies themselves (``apply``), on a copy: one transition table.
    public var projectedPhase: Phase {
        guard !pending.isEmpty else { return phase }
        var projection = self
        for item in pending {
            projection.apply(item.hopedForReply, classification: .success, to: item, reply: nil, beyondKeptLines: [])
        }
        return projection.phase
    }

    /// What the next line typed is.
    public var inputMode: InputMode {
        if chunkRemaining > 0 { return .chunkData(remaining: chunkRemaining, size: chunkSize) }
        switch projectedPhase {
        case .data: return .messageBody
        case .authenticating: return .saslResponse
        default: return .command
        }
    }

    /// Mistakes `command` would make, given what has been sent so far. They are advice, not
    /// refusals: a user may want to see how a server reacts.
    public func advice(for command: Command) -> [SequenceAdvice] {
        var advice: [SequenceAdvice] = []
        let phase = projectedPhase
        if phase == .closed { return [.sessionClosed] }
        if phase == .awaitingGreeting || pending.contains(.greeting) {
            if command != .quit { advice.append(.beforeGreeting) }
        }
        let greeted: Bool = {
            switch phase {
            case .awaitingGreeting, .greeted, .tlsNegotiating, .closed: false
            default: true
            }
        }()
        switch command {
        case .mail(let path, let parameters):
            if !greeted && phase != .awaitingGreeting { advice.append(.helloFirst) }
            if phase.inMailTransaction { advice.append(.nestedMail) }
            advice += parameterAdvice(parameters)
            if path.needsSMTPUTF8 && !parameters.contains(where: { $0.keyword == "SMTPUTF8" }) {
                advice.append(.needsSMTPUTF8)
            }
        case .rcpt(let path, let parameters):
            if !phase.inMailTransaction { advice.append(.mailFirst) }
            advice += parameterAdvice(parameters)
            _ = path
        case .data, .bdat:
            switch phase {
            case .recipientsAccepted: break
            case .mailTransaction: advice.append(.recipientFirst)
            default: advice.append(.mailFirst)
            }
            if case .bdat = command, let capabilities, !capabilities.supports(Capability.chunking) {
                advice.append(.notAdvertised(Capability.chunking))
            }
        case .startTLS:
            // Before EHLO, Postfix, Exim and others answer 220 (and RFC 3207 does not forbid
            // it): no prediction then.
            if isTLS {
                advice.append(.alreadyTLS)
            } else if phase.inMailTransaction {
                advice.append(.duringMailTransaction)
            } else if let capabilities, !capabilities.supports(Capability.startTLS) {
                advice.append(.notAdvertised(Capability.startTLS))
            }
        case .auth(let mechanism, _):
            if isAuthenticated {
                advice.append(.alreadyAuthenticated)
            } else if phase.inMailTransaction {
                advice.append(.duringMailTransaction)
            } else if !greeted && phase != .awaitingGreeting {
                advice.append(.helloFirst)
            } else if greeting == .helo && capabilities == nil && greeted {
                advice.append(.notAdvertised(Capability.auth))
            } else if let capabilities {
                if !capabilities.supports(Capability.auth) {
                    advice.append(.notAdvertised(Capability.auth))
                } else if !capabilities.authMechanisms.contains(mechanism.uppercased()) {
                    advice.append(.mechanismNotAdvertised(mechanism.uppercased()))
                }
            }
            if !isTLS { advice.append(.credentialsInClear) }
        case .ehlo, .lhlo, .helo, .rset, .noop, .quit, .vrfy, .expn, .help, .raw:
            break
        }
        return advice
    }

    /// Advice for a line the user typed as a command: its length and its syntax, then
    /// ``advice(for:)`` when it parses.
    public func advice<Bytes: Collection<UInt8>>(forCommandLine line: Bytes) -> [SequenceAdvice] {
        var advice: [SequenceAdvice] = []
        if line.count > 998 {
            advice.append(.lineTooLong(line.count))
        } else if line.count > 510 {
            advice.append(.commandLineTooLong(line.count))
        }
        let text = String(decoding: line, as: UTF8.self)
        // Typed with an input method on (`ＮＯＯＰ`, `MAIL FROM：<…>`): said before anything
        // else, as the rest would be about a line the user did not mean to type.
        if let halfWidth = FullWidthText.halfWidth(of: text) {
            advice.append(.fullWidth(corrected: halfWidth))
            return advice
        }
        do {
            advice += self.advice(for: try CommandParser.parse(line))
        } catch {
            switch error.kind {
            case .missingAngleBrackets:
                advice.append(.missingAngleBrackets(error.verb, corrected: CommandLineCorrection.pathCommand(text)))
            case .missingArgument: advice.append(.missingArgument(error.verb))
            case .unexpectedArgument, .syntax, .invalidParameter:
                advice.append(.syntax(error.verb, corrected: CommandLineCorrection.pathCommand(text)))
            case .unknownVerb:
                if phase == .awaitingGreeting { advice.append(.beforeGreeting) }
                if error.verb == "XCLIENT" { return advice + xclientAdvice(Array(line)) }
                // A typo of a verb (`HLEO`, `RCTP`), unless the server offers that word as an
                // extension (`ETRN`, `XCLIENT`).
                let offered = capabilities?.supports(error.verb) ?? false
                if !offered, let suggestion = EditDistance.nearest(to: error.verb, in: Self.typoCandidates, limit: 1),
                    suggestion != error.verb.uppercased()
                {
                    advice.append(.unknownVerb(error.verb, suggestion: suggestion))
                }
            case .empty, .invalidUTF8:
                if phase == .awaitingGreeting { advice.append(.beforeGreeting) }
            }
        }
        return advice
    }

    /// XCLIENT (Postfix) not offered, inside a transaction (503), or with attributes the EHLO
    /// reply does not list (501).
    private func xclientAdvice(_ line: [UInt8]) -> [SequenceAdvice] {
        guard let capabilities else { return greeting == .helo ? [.notAdvertised("EHLO")] : [] }
        guard let offered = capabilities.capability("XCLIENT") else { return [.notAdvertised("XCLIENT")] }
        if phase.inMailTransaction { return [.duringMailTransaction] }
        let names = line.split(separator: UInt8(ascii: " ")).dropFirst().map {
            String(decoding: $0.prefix(while: { $0 != UInt8(ascii: "=") }), as: UTF8.self).uppercased()
        }
        let missing = XClientCommand(attributes: names.map { .init(name: $0, value: "") }).notOffered(by: offered.parameters)
        return missing.isEmpty ? [] : [.xclientAttributesNotOffered(missing, offered: offered.parameters)]
    }

    /// The verbs a typo is compared with: RFC 5321's, and the extensions' a user types.
    static let typoCandidates = ["EHLO", "LHLO", "HELO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP", "STARTTLS", "AUTH"]

    private func parameterAdvice(_ parameters: [MailParameter]) -> [SequenceAdvice] {
        guard let capabilities else {
            return greeting == .helo && !parameters.isEmpty ? [.notAdvertised("EHLO")] : []
        }
        var advice: [SequenceAdvice] = []
        for parameter in parameters {
            let keyword: String? =
                switch parameter.keyword {
                case "SIZE": Capability.size
                case "BODY": parameter.bodyValue == .binaryMIME ? Capability.binaryMIME : Capability.eightBitMIME
                case "SMTPUTF8": Capability.smtpUTF8
                case "NOTIFY", "RET", "ENVID", "ORCPT": Capability.dsn
                case "REQUIRETLS": Capability.requireTLS
                default: nil
                }
            if let keyword, !capabilities.supports(keyword) {
                advice.append(.notAdvertised(keyword))
            }
            if let declared = parameter.sizeValue, case .limit(let limit)? = capabilities.size, declared > limit {
                advice.append(.messageTooBig(declared: declared, limit: limit))
            }
        }
        return advice
    }
}

/// A mistake the next command would make, and the reply it will likely get.
public enum SequenceAdvice: Hashable, Sendable {
    /// The server has not sent its greeting: it may treat the client as a spammer (early talker).
    case beforeGreeting
    /// EHLO or HELO first: the server will answer 503.
    case helloFirst
    /// RCPT, DATA or BDAT before an accepted MAIL: 503.
    case mailFirst
    /// DATA before any accepted recipient: 503 (or 554 "no valid recipients").
    case recipientFirst
    /// MAIL while a transaction is open: 503. RSET first.
    case nestedMail
    /// STARTTLS or AUTH inside a mail transaction: 503.
    case duringMailTransaction
    case alreadyTLS
    case alreadyAuthenticated
    /// The server did not advertise this extension in its EHLO reply.
    case notAdvertised(String)
    /// XCLIENT names attributes the server's EHLO reply does not list: 501.
    case xclientAttributesNotOffered([String], offered: [String])
    case mechanismNotAdvertised(String)
    /// AUTH over a connection without TLS: the credentials travel in clear.
    case credentialsInClear
    /// An address with non-ASCII characters needs the SMTPUTF8 parameter (RFC 6531).
    case needsSMTPUTF8
    /// SIZE= larger than the server's advertised limit: 552.
    case messageTooBig(declared: UInt64, limit: UInt64)
    /// `MAIL FROM:alice@example.org`: RFC 5321 requires `<…>`; many servers answer 501.
    /// `corrected`: the user's line as it should be (`MAIL FROM:<alice@example.org>`).
    case missingAngleBrackets(String, corrected: String?)
    case missingArgument(String)
    case syntax(String, corrected: String?)
    /// A verb no server knows, near one that exists (`HLEO`: `HELO`): 500.
    case unknownVerb(String, suggestion: String)
    /// Full-width characters typed with an input method on (`ＮＯＯＰ`); `corrected` is the
    /// line in ASCII.
    case fullWidth(corrected: String)
    /// A line over 998 octets (1000 with CRLF, RFC 5321, 4.5.3.1.6): 500.
    case lineTooLong(Int)
    /// A command line over 512 octets with CRLF (RFC 5321, 4.5.3.1.4): may get 500.
    case commandLineTooLong(Int)
    case sessionClosed

    /// The reply code the server will most likely send.
    public var likelyReply: ReplyCode? {
        switch self {
        case .helloFirst, .mailFirst, .recipientFirst, .nestedMail, .duringMailTransaction, .alreadyTLS,
            .alreadyAuthenticated:
            .badSequence
        case .notAdvertised, .mechanismNotAdvertised: .parameterNotImplemented
        case .messageTooBig: .exceededStorage
        case .missingAngleBrackets, .missingArgument, .syntax, .xclientAttributesNotOffered: .parameterSyntaxError
        case .lineTooLong, .commandLineTooLong, .unknownVerb, .fullWidth: .syntaxError
        case .needsSMTPUTF8: .mailboxNameNotAllowed
        case .beforeGreeting, .credentialsInClear, .sessionClosed: nil
        }
    }

    /// A stable key, used to find the advice's text in the catalogue.
    public var key: String {
        switch self {
        case .beforeGreeting: "before-greeting"
        case .helloFirst: "hello-first"
        case .mailFirst: "mail-first"
        case .recipientFirst: "recipient-first"
        case .nestedMail: "nested-mail"
        case .duringMailTransaction: "during-mail-transaction"
        case .alreadyTLS: "already-tls"
        case .alreadyAuthenticated: "already-authenticated"
        case .notAdvertised: "not-advertised"
        case .xclientAttributesNotOffered: "xclient-attributes-not-offered"
        case .mechanismNotAdvertised: "mechanism-not-advertised"
        case .credentialsInClear: "credentials-in-clear"
        case .needsSMTPUTF8: "needs-smtputf8"
        case .messageTooBig: "message-too-big"
        case .missingAngleBrackets: "missing-angle-brackets"
        case .missingArgument: "missing-argument"
        case .syntax: "syntax"
        case .unknownVerb: "unknown-verb"
        case .fullWidth: "full-width"
        case .lineTooLong: "line-too-long"
        case .commandLineTooLong: "command-line-too-long"
        case .sessionClosed: "session-closed"
        }
    }
}
