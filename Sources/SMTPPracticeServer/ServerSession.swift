import Crypto
import SMTPCore

/// The practice server's side of one SMTP session (RFC 5321, section 4), with no I/O: bytes
/// come in through ``receive(_:)``, and what to do comes out as ``Action``s that the NIO
/// handler carries out in order.
///
/// ```
/// S: 220 practice.localhost ESMTP smtpsh practice server
/// C: EHLO client.example
/// S: 250-practice.localhost greets client.example
/// S: 250 PIPELINING …
/// ```
///
/// Memory is bounded: a command line longer than the limit is discarded up to its LF and
/// answered with 500; a message larger than the SIZE limit is dropped as it arrives and
/// answered with 552 at its end.
public struct ServerSession: Sendable {
    public enum Action: Hashable, Sendable {
        case send(Reply)
        /// The STARTTLS 220 was just sent: start TLS on the connection now.
        case startTLS
        /// Store the message durably, then send the reply.
        case deliver(ReceivedMessage, reply: Reply)
        case close
        /// Close the connection with a TCP reset (RST) instead of an orderly close.
        case reset
        /// Wait this many seconds before the next action, reading nothing meanwhile (delays,
        /// tarpits).
        case pause(Double)
        /// What the client sent, for the session log (secrets redacted).
        case logClient(String)
        /// A remark for the session log.
        case note(String)
    }

    private enum Mode: Sendable {
        case command
        case data(MessageDataDecoder)
        case bdat(remaining: UInt64, last: Bool)
        case sasl(SASLState)
        case closed
    }

    private enum SASLState: Sendable {
        case plain
        case loginUser
        case loginPassword(user: String)
        case cramMD5(challenge: String)
    }

    private struct Transaction: Sendable {
        var sender: Path
        var parameters: [MailParameter]
        var recipients: [Path] = []
        var content: [UInt8] = []
        var tooBig = false
        var usedBDAT = false
        var bdatBareLineFeeds = 0
        /// What the client chose for this transaction (`--triggers`): the EHLO name's, the
        /// sender's, then each accepted recipient's DATA and dot words.
        var triggers = ClientTriggers()
    }

    /// What the server does; ``reconfigure(_:)`` changes it between two commands (rules
    /// reloaded while a class is connected).
    public private(set) var configuration: PracticeServerConfiguration
    public let clientAddress: String
    /// The greylist and rate counters every session of the server shares.
    private let shared: SharedTables
    private let messageIDs: @Sendable () -> String
    private let randomToken: @Sendable () -> String

    private var mode: Mode = .command
    private var input: [UInt8] = []
    private var discardingLongLine = false
    private var greetingSent = false
    public private(set) var tls: Bool
    public private(set) var clientName: String?
    private var usedEHLO = false
    public private(set) var authenticatedUser: String?
    private var transaction: Transaction?
    /// How many commands each rule has matched (by index in `configuration.rules`), over the
    /// session and over the current mail transaction (`per message`).
    private var ruleCounts: [Int]
    private var messageRuleCounts: [Int]
    private var badCommands = 0
    /// What the EHLO name chose (`--triggers`): capabilities, and the stages of every transaction.
    private var sessionTriggers = ClientTriggers()
    public private(set) var messagesAccepted = 0

    public init(
        configuration: PracticeServerConfiguration,
        tls: Bool = false,
        clientAddress: String = "127.0.0.1",
        shared: SharedTables = SharedTables(),
        messageIDs: @escaping @Sendable () -> String,
        randomToken: @escaping @Sendable () -> String
    ) {
        self.configuration = configuration
        self.shared = shared
        ruleCounts = Array(repeating: 0, count: configuration.rules.count)
        messageRuleCounts = ruleCounts
        self.tls = tls
        self.clientAddress = clientAddress
        self.messageIDs = messageIDs
        self.randomToken = randomToken
        trace = configuration.style.isVendorPersona ? Self.traceID(randomToken()) : ""
    }

    /// A random token written as a vendor's trace id: letters and digits, as Gmail's.
    static func traceID(_ token: String) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var id = ""
        for (index, digit) in token.utf8.enumerated() {
            id.append(index % 3 == 0 ? letters[Int(digit) % letters.count] : Character(UnicodeScalar(digit)))
        }
        return id
    }

    public var isClosed: Bool {
        if case .closed = mode { return true }
        return false
    }

    /// Seconds after connecting at which a `TIME` rule fires, with the rule's index.
    public var timedRules: [(seconds: Double, index: Int)] {
        configuration.rules.enumerated().compactMap { index, rule in
            if case .time(let seconds) = rule.trigger { return (seconds, index) }
            return nil
        }
    }

    private var style: ReplyStyle { configuration.style }
    private var host: String { configuration.hostname }

    private func reply(_ kind: ReplyKind, arg: String = "", id: String = "", size: String = "") -> Reply {
        style.reply(kind, host: host, arg: arg, id: id.isEmpty ? trace : id, size: size, client: clientAddress)
    }

    /// A vendor persona's id for this session, where its replies carry one (Gmail's `… - gsmtp`);
    /// empty in the standard style.
    private let trace: String

    // MARK: - Events

    /// The greeting is due (right away, or after the configured delay).
    public mutating func greet() -> [Action] {
        guard !isClosed, !greetingSent else { return [] }
        greetingSent = true
        if let limit = configuration.connectionRate, !shared.connections.admit(clientAddress, limit: limit) {
            mode = .closed
            return [.note("over \(limit) connections from \(clientAddress)"), .send(reply(.tooManyConnections, arg: clientAddress)), .close]
        }
        if let drop = configuration.drop, drop.stage == "GREETING" {
            mode = .closed
            return [.note("dropping the connection before the greeting (--drop)"), drop.reset ? .reset : .close]
        }
        if let rule = firingRule(.greeting) {
            return ruleActions(rule, arg: "")
        }
        return [.send(reply(.greeting))]
    }

    /// A `TIME` rule's moment has come.
    public mutating func timeElapsed(ruleIndex: Int) -> [Action] {
        guard !isClosed, configuration.rules.indices.contains(ruleIndex) else { return [] }
        return ruleActions(configuration.rules[ruleIndex], arg: "")
    }

    public mutating func idleTimedOut() -> [Action] {
        guard !isClosed else { return [] }
        mode = .closed
        return [.note("idle for \((configuration.idleTimeout ?? 0).formatted) s"), .send(reply(.idleTimeout)), .close]
    }

    /// The TLS handshake after STARTTLS (or at connect on the implicit-TLS port) succeeded.
    public mutating func tlsEstablished() {
        tls = true
    }

    /// Bytes from the client.
    public mutating func receive<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [Action] {
        guard !isClosed else { return [] }
        if !greetingSent {
            mode = .closed
            return [
                .note("the client sent \(bytes.count) octets before the greeting (early talker)"),
                .send(reply(.earlyTalker)), .close,
            ]
        }
        input.append(contentsOf: bytes)
        var actions: [Action] = []
        var position = 0
        loop: while position < input.count {
            switch mode {
            case .closed:
                break loop
            case .command, .sasl:
                guard let result = nextLine(from: position) else {
                    position = input.count - pendingLineBytes(from: position)
                    break loop
                }
                switch result {
                case .tooLong(let next):
                    position = next
                    mode = .command
                    actions += [.logClient("(a line over \(configuration.maximumLineLength) octets)"), .send(reply(.lineTooLong))]
                case .line(let line, let bareLineFeed, let next):
                    position = next
                    if case .sasl(let state) = mode {
                        actions += saslResponse(line, state: state)
                    } else {
                        actions += commandLine(line, bareLineFeed: bareLineFeed)
                    }
                }
                if case .closed = mode { break loop }
                if actions.last == .startTLS {
                    // RFC 3207, section 4: nothing sent before the handshake may be used
                    // (the STARTTLS command-injection flaw).
                    if position < input.count {
                        actions.append(.note("discarded \(input.count - position) octets sent after STARTTLS before TLS"))
                    }
                    position = input.count
                }
            case .data(var decoder):
                var chunk: [UInt8] = []
                let used = decoder.decode(input[position...], into: &chunk)
                appendContent(chunk)
                if configuration.tarpit > 0 {
                    // A tarpit: each line of the message costs the client this long.
                    let lines = input[position..<(used.map { position + $0 } ?? input.count)].reduce(0) { $1 == 10 ? $0 + 1 : $0 }
                    if lines > 0 { actions.append(.pause(Double(lines) * configuration.tarpit)) }
                }
                if let used {
                    position += used
                    actions += endOfData(bareLineFeeds: decoder.bareLineFeedCount + decoder.bareCarriageReturnCount, bdat: false)
                } else {
                    position = input.count
                    mode = .data(decoder)
                }
            case .bdat(let remaining, let last):
                let available = UInt64(input.count - position)
                let take = Int(min(remaining, available))
                let chunk = input[position..<(position + take)]
                appendContent(chunk)
                let bareLineFeeds = countBareLineFeeds(chunk)
                transaction?.bdatBareLineFeeds += bareLineFeeds
                position += take
                let left = remaining - UInt64(take)
                if left > 0 {
                    mode = .bdat(remaining: left, last: last)
                } else {
                    mode = .command
                    actions += bdatChunkDone(last: last)
                }
            }
        }
        input.removeSubrange(0..<min(position, input.count))
        if case .closed = mode { input.removeAll() }
        return actions
    }

    // MARK: - Lines

    /// The next line from `position`: its bytes without the line end, whether it ended in a
    /// bare LF, and where the next line starts. Overlong lines are dropped as they arrive.
    private enum LineResult {
        case line([UInt8], bareLineFeed: Bool, next: Int)
        /// A line over the limit ended; its bytes were dropped.
        case tooLong(next: Int)
    }

    private mutating func nextLine(from position: Int) -> LineResult? {
        let limit = configuration.maximumLineLength
        // Bytes of this line already scanned on an earlier read hold no LF.
        var index = max(position, position + scannedWithoutLineFeed)
        scannedWithoutLineFeed = 0
        while index < input.count {
            if input[index] == 10 {
                if discardingLongLine {
                    discardingLongLine = false
                    return .tooLong(next: index + 1)
                }
                let crlf = index > position && input[index - 1] == 13
                let end = crlf ? index - 1 : index
                if end - position > limit { return .tooLong(next: index + 1) }
                return .line(Array(input[position..<end]), bareLineFeed: !crlf, next: index + 1)
            }
            index += 1
        }
        if input.count - position > limit + 1 {
            discardingLongLine = true
        }
        // While discarding, the scanned bytes are dropped: nothing to remember.
        scannedWithoutLineFeed = discardingLongLine ? 0 : input.count - position
        return nil
    }

    /// Bytes of an unfinished line to keep (none while discarding an overlong one).
    private func pendingLineBytes(from position: Int) -> Int {
        discardingLongLine ? 0 : input.count - position
    }

    /// A command line, with the delay and the drop the configuration sets for its verb.
    private mutating func commandLine(_ line: [UInt8], bareLineFeed: Bool) -> [Action] {
        let verb = String(decoding: line.prefix(while: { $0 != UInt8(ascii: " ") }), as: UTF8.self).uppercased()
        guard configuration.drop != nil || !configuration.delays.isEmpty else {
            return commandLine(line, verb: verb, bareLineFeed: bareLineFeed)
        }
        if let drop = configuration.drop, drop.stage == verb {
            mode = .closed
            return [.logClient(Self.redactedLine(line, verb: verb)), .note("dropping the connection at \(verb) (--drop)"), drop.reset ? .reset : .close]
        }
        var actions = commandLine(line, verb: verb, bareLineFeed: bareLineFeed)
        if let seconds = configuration.delays[verb], seconds > 0, let first = actions.firstIndex(where: Self.isOutput) {
            actions.insert(.pause(seconds), at: first)
        }
        return actions
    }

    /// Whether an action reaches the client (a reply, a stored message's reply, a close).
    private static func isOutput(_ action: Action) -> Bool {
        switch action {
        case .send, .deliver, .close, .reset, .startTLS: true
        case .logClient, .note, .pause: false
        }
    }

    private mutating func commandLine(_ line: [UInt8], verb: String, bareLineFeed: Bool) -> [Action] {
        // A client that pipelines its SASL response after an AUTH the server refused sends the
        // secret as if it were a command: keep it out of the log too.
        let afterRefusedAuth = lastCommandWasRefusedAuth && CommandParser.isUnknownVerb(verb)
        lastCommandWasRefusedAuth = false
        let actions: [Action] = [.logClient(afterRefusedAuth ? Redaction.mask : Self.redactedLine(line, verb: verb))]
        if bareLineFeed && configuration.rejectBareLineFeed {
            mode = .closed
            return actions + [.send(reply(.bareLineFeed)), .close]
        }
        // Control characters (a bare CR, an escape sequence) and invalid UTF-8 are not part of
        // any command (RFC 5321, 2.3.8 and 4.1.1): such a line is a bad command.
        if line.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) || String(validating: line, as: UTF8.self) == nil {
            return actions + badCommand(verb: verb, line: line)
        }
        let argument = Self.firstArgument(of: line)
        // A new transaction starts its own counts (`per message`).
        if verb == "MAIL" && transaction == nil { resetMessageCounts() }
        let rule = verb.isEmpty ? nil : firingRule(.verb(verb), address: argument)

        let command: Command
        do {
            command = try CommandParser.parse(line)
        } catch {
            if let rule {
                return actions + ruleActions(rule, arg: argument)
            }
            switch error.kind {
            case .unknownVerb, .empty: return actions + badCommand(verb: verb, line: line)
            default: return actions + syntaxError(error, verb: verb)
            }
        }

        if let rule, !rule.isPositive {
            return actions + ruleActions(rule, arg: argument)
        }
        var result = handle(command)
        if let rule {
            result = Self.replacingReply(in: result, with: rule.render(host: host, arg: argument))
            if rule.close {
                mode = .closed
                result.append(.close)
            }
        }
        return actions + result
    }

    private mutating func badCommand(verb: String, line: [UInt8]) -> [Action] {
        badCommands += 1
        if let rule = firingRule(.badCommand) {
            return ruleActions(rule, arg: verb)
        }
        if Self.unimplementedVerbs.contains(verb) {
            return [.send(reply(.notImplemented, arg: verb))]
        }
        if Verb(rawValue: verb) != nil {
            // A known verb whose line holds control characters or invalid UTF-8.
            return [.send(reply(.syntaxError, arg: verb))]
        }
        if badCommands > configuration.maximumBadCommands {
            mode = .closed
            return [.send(reply(.tooManyBadCommands)), .close]
        }
        return [.send(reply(.unknownCommand, arg: verb.isEmpty ? "(empty line)" : verb))]
    }

    private mutating func syntaxError(_ error: CommandParseError, verb: String) -> [Action] {
        switch (error.kind, verb) {
        case (.missingArgument, "HELO") where style == .appliance:
            // The appliance takes a bare HELO (the seed's telnet session types `helo` alone).
            return handle(.helo(""))
        case (.missingArgument, "EHLO"), (.missingArgument, "HELO"):
            return [.send(reply(.ehloNeedsDomain, arg: verb))]
        case (_, "AUTH"):
            return [.send(reply(.authSyntax))]
        case (.invalidParameter(let parameter), _):
            return [.send(reply(.parameterSyntax, arg: parameter))]
        default:
            return [.send(reply(.syntaxError, arg: verb))]
        }
    }

    // MARK: - Commands

    private static let unimplementedVerbs: Set<String> = ["TURN", "ETRN", "ATRN", "SEND", "SOML", "SAML"]
    private static let mailVerbs: Set<Verb> = [.mail, .rcpt, .data, .bdat, .vrfy, .expn, .auth]

    private mutating func handle(_ command: Command) -> [Action] {
        let verb = command.knownVerb
        if configuration.requireTLS && !tls, let verb, Self.mailVerbs.contains(verb) {
            return [.send(reply(.startTLSRequired))]
        }
        switch command {
        case .ehlo where configuration.lmtp, .helo where configuration.lmtp, .lhlo where !configuration.lmtp:
            // RFC 2033, 4.1: an LMTP server knows LHLO only; an SMTP server does not know it.
            return [.send(reply(.unknownCommand, arg: command.verb))]
        case .ehlo(let name), .helo(let name), .lhlo(let name):
            endTransaction()
            if configuration.triggers {
                let chosen = ClientTriggers(clientName: name)
                if case .ehlo = command, let effect = chosen.outcome(.ehlo) {
                    return delayed(chosen.delay(.ehlo), triggered(effect, stage: .ehlo, subject: ""))
                }
                sessionTriggers = chosen
            }
            clientName = name
            if case .helo = command {} else {
                usedEHLO = true
                return [.send(ehloReply(clientName: name))]
            }
            usedEHLO = false
            return [.send(reply(.helo, arg: name))]

        case .mail(let path, let parameters):
            guard clientName != nil else { return [.send(reply(.heloFirst))] }
            if configuration.requireAuth && authenticatedUser == nil { return [.send(reply(.authRequired, arg: path.mailbox))] }
            guard transaction == nil else { return [.send(reply(.nestedMail))] }
            if let limit = configuration.messagesPerConnection, messagesAccepted >= limit {
                mode = .closed
                return [.note("\(messagesAccepted) messages in this session (the limit)"), .send(reply(.tooManyMessages)), .close]
            }
            for parameter in parameters {
                if let failure = checkMailParameter(parameter) { return [.send(failure)] }
            }
            let smtpUTF8 = parameters.contains { $0.keyword == "SMTPUTF8" }
            if path.needsSMTPUTF8 && !smtpUTF8 { return [.send(reply(.addressNeedsSMTPUTF8))] }
            var chosen = ClientTriggers()
            if configuration.triggers {
                chosen = ClientTriggers(mailbox: path.mailbox).merged(with: sessionTriggers)
                if let effect = chosen.outcome(.mail) {
                    return delayed(chosen.delay(.mail), triggered(effect, stage: .mail, subject: path.mailbox))
                }
            }
            transaction = Transaction(sender: path, parameters: parameters, triggers: chosen)
            return delayed(chosen.delay(.mail), [.send(reply(.mailOK, arg: path.mailbox))])

        case .rcpt(let path, let parameters):
            guard var current = transaction else { return [.send(reply(.mailFirst, arg: "RCPT"))] }
            let chosen = configuration.triggers ? ClientTriggers(mailbox: path.mailbox) : ClientTriggers()
            let forThis = chosen.merged(with: current.triggers)
            let wait = forThis.delay(.rcpt)
            if let effect = forThis.outcome(.rcpt) {
                return delayed(wait, triggered(effect, stage: .rcpt, subject: path.mailbox))
            }
            for parameter in parameters where !["NOTIFY", "ORCPT"].contains(parameter.keyword) {
                return [.send(reply(.unknownParameter, arg: parameter.keyword))]
            }
            let smtpUTF8 = current.parameters.contains { $0.keyword == "SMTPUTF8" }
            if path.needsSMTPUTF8 && !smtpUTF8 { return [.send(reply(.addressNeedsSMTPUTF8))] }
            // A domain the server does not handle, from a client that has not logged in: no relay.
            if let domains = configuration.localDomains, authenticatedUser == nil, let domain = path.domain,
                !domains.contains(domain.lowercased())
            {
                return [.send(reply(.relayDenied, arg: path.mailbox))]
            }
            // The same recipient twice is one recipient: accepted again, not counted again.
            if current.recipients.contains(where: { $0.mailbox.lowercased() == path.mailbox.lowercased() }) {
                return [.send(reply(.rcptOK, arg: path.mailbox))]
            }
            guard current.recipients.count < configuration.maximumRecipients else {
                return [.send(reply(.tooManyRecipients))]
            }
            if let delay = configuration.greylistDelay,
                case .greylisted(let remaining) = shared.greylist.check(
                    client: clientAddress, sender: current.sender.mailbox, recipient: path.mailbox, delay: delay)
            {
                return [
                    .note("greylisted: accepted from \(remaining.rounded(.up).formatted) s on"),
                    .send(style.reply(.greylisted, host: host, arg: path.mailbox, id: trace, client: clientAddress, sender: current.sender.mailbox)),
                ]
            }
            if let limit = configuration.recipientRate, !shared.recipients.admit(clientAddress, limit: limit) {
                // `{size}` and `{id}`: the limit and its period, for a vendor that says them (Exim's ratelimit).
                return [
                    .note("over \(limit) recipients from \(clientAddress)"),
                    .send(reply(.recipientRateExceeded, arg: clientAddress, id: "\(limit.period.formatted)s", size: String(limit.count))),
                ]
            }
            current.recipients.append(path)
            current.triggers = current.triggers.merged(with: chosen.keeping([.data, .dot]))
            transaction = current
            return delayed(wait, [.send(reply(.rcptOK, arg: path.mailbox))])

        case .data:
            guard let current = transaction else { return [.send(reply(.mailFirst, arg: "DATA"))] }
            guard !current.recipients.isEmpty else { return [.send(reply(.rcptFirst, arg: "DATA"))] }
            guard !current.usedBDAT else { return [.send(reply(.dataAfterBDAT))] }
            let wait = current.triggers.delay(.data)
            if let effect = current.triggers.outcome(.data) {
                return delayed(wait, triggered(effect, stage: .data, subject: ""))
            }
            mode = .data(MessageDataDecoder())
            return delayed(wait, [.send(reply(.dataGoAhead))])

        case .bdat(let size, let last):
            guard var current = transaction, !current.recipients.isEmpty else {
                // The chunk follows the command whatever the reply (RFC 3030): read it, drop it.
                skipChunk(size: size)
                return [.send(transaction == nil ? reply(.mailFirst, arg: "BDAT") : reply(.rcptFirst, arg: "BDAT"))]
            }
            current.usedBDAT = true
            transaction = current
            if size == 0 { return bdatChunkDone(last: last, size: 0) }
            mode = .bdat(remaining: size, last: last)
            pendingChunkSize = size
            return []

        case .rset:
            endTransaction()
            return [.send(reply(.rset))]

        case .noop:
            return [.send(reply(.noop))]

        case .quit:
            let chosen = (transaction?.triggers ?? ClientTriggers()).merged(with: sessionTriggers)
            if let effect = chosen.outcome(.quit) {
                mode = .closed
                var actions = triggered(effect, stage: .quit, subject: "")
                if actions.last != .close && actions.last != .reset { actions.append(.close) }
                return delayed(chosen.delay(.quit), actions)
            }
            mode = .closed
            return delayed(chosen.delay(.quit), [.send(reply(.quit)), .close])

        case .vrfy(let who):
            return [.send(reply(.vrfy, arg: who))]

        case .expn:
            return [.send(reply(.expnDisabled))]

        case .help:
            return [.send(reply(.help))]

        case .startTLS:
            if tls { return [.send(reply(.tlsAlreadyActive))] }
            guard configuration.tlsAvailable, !sessionTriggers.removedExtensions.contains("STARTTLS") else { return [.send(reply(.tlsNotAvailable))] }
            // RFC 3207, section 4.2: the server forgets what it knew from the client.
            clientName = nil
            usedEHLO = false
            endTransaction()
            authenticatedUser = nil
            return [.send(reply(.startTLSReady)), .startTLS]

        case .auth(let mechanism, let initialResponse):
            lastCommandWasRefusedAuth = true
            guard clientName != nil else { return [.send(reply(.heloFirst))] }
            // AUTH is an ESMTP extension (RFC 4954): a client greeted with HELO has not seen it.
            guard usedEHLO, configuration.offersAuth, !sessionTriggers.removedExtensions.contains("AUTH") else { return [.send(reply(.authNotAvailable))] }
            if authenticatedUser != nil { return [.send(reply(.alreadyAuthenticated))] }
            if transaction != nil { return [.send(reply(.authDuringMail))] }
            guard Self.mechanisms.contains(mechanism) else {
                return [.send(reply(.mechanismNotAvailable, arg: mechanism))]
            }
            // Mechanisms that send the password itself (PLAIN, LOGIN) need TLS when configured.
            if configuration.authRequiresTLS && !tls && mechanism != "CRAM-MD5" {
                return [.send(reply(.encryptionRequired))]
            }
            lastCommandWasRefusedAuth = false
            return startSASL(mechanism: mechanism, initialResponse: initialResponse)

        case .raw:
            return [.send(reply(.unknownCommand, arg: command.verb))]
        }
    }

    private var pendingChunkSize: UInt64 = 0
    /// How much of the pending (incomplete) line has been scanned for an LF already.
    private var scannedWithoutLineFeed = 0
    private var lastCommandWasRefusedAuth = false

    private mutating func skipChunk(size: UInt64) {
        guard size > 0 else { return }
        mode = .bdat(remaining: size, last: false)
        droppingBDAT = true
    }

    private var droppingBDAT = false

    private func checkMailParameter(_ parameter: MailParameter) -> Reply? {
        switch parameter.keyword {
        case "SIZE":
            guard let size = parameter.sizeValue else { return reply(.parameterSyntax, arg: parameter.description) }
            if size > maximumMessageSize {
                return reply(.declaredSizeTooBig, size: String(maximumMessageSize))
            }
            return nil
        case "BODY":
            return parameter.bodyValue == nil ? reply(.parameterSyntax, arg: parameter.description) : nil
        case "RET":
            return ["FULL", "HDRS"].contains(parameter.value?.uppercased() ?? "")
                ? nil : reply(.parameterSyntax, arg: parameter.description)
        case "SMTPUTF8", "ENVID", "AUTH":
            return nil
        case "REQUIRETLS":
            return tls ? nil : reply(.startTLSRequired)
        default:
            return reply(.unknownParameter, arg: parameter.keyword)
        }
    }

    /// The SIZE limit: the configuration's, or the one an EHLO name chose (`size10000`).
    private var maximumMessageSize: UInt64 { sessionTriggers.maximumSize ?? configuration.maximumMessageSize }

    private func ehloReply(clientName: String) -> Reply {
        var lines = [String(reply(.ehloFirstLine, arg: clientName).textLines[0])]
        lines += ["PIPELINING", "SIZE \(maximumMessageSize)", "8BITMIME", "SMTPUTF8"]
        lines += ["ENHANCEDSTATUSCODES", "DSN", "CHUNKING"]
        if configuration.tlsAvailable && !tls { lines.append("STARTTLS") }
        if tls { lines.append("REQUIRETLS") }
        if configuration.offersAuth { lines.append("AUTH " + Self.mechanisms.joined(separator: " ")) }
        lines.append("HELP")
        let removed = sessionTriggers.removedExtensions
        if !removed.isEmpty {
            lines = [lines[0]] + lines.dropFirst().filter { line in
                !removed.contains(String(line.prefix(while: { $0 != " " })))
            }
        }
        return Reply(code: .ok, lines: lines)
    }

    // MARK: - Message content

    private mutating func appendContent<Bytes: Collection<UInt8>>(_ chunk: Bytes) {
        // Mutated in place: copying the transaction out would copy the whole message so far
        // on every read (quadratic for large messages).
        guard transaction != nil, !droppingBDAT, !transaction!.tooBig else { return }
        if UInt64(transaction!.content.count) + UInt64(chunk.count) > maximumMessageSize {
            transaction!.tooBig = true
            transaction!.content = []
        } else {
            transaction!.content.append(contentsOf: chunk)
        }
    }

    private func countBareLineFeeds<Bytes: Collection<UInt8>>(_ chunk: Bytes) -> Int {
        var count = 0
        var previous: UInt8 = 0
        for byte in chunk {
            if byte == 10 && previous != 13 { count += 1 }
            previous = byte
        }
        return count
    }

    private mutating func bdatChunkDone(last: Bool, size: UInt64? = nil) -> [Action] {
        let chunkSize = size ?? pendingChunkSize
        pendingChunkSize = 0
        if droppingBDAT {
            droppingBDAT = false
            return []
        }
        guard last else { return [.send(reply(.bdatChunk, size: String(chunkSize)))] }
        return endOfData(bareLineFeeds: transaction?.bdatBareLineFeeds ?? 0, bdat: true)
    }

    private mutating func endOfData(bareLineFeeds: Int, bdat: Bool) -> [Action] {
        mode = .command
        guard let current = transaction else { return [] }
        endTransaction()
        let size = current.content.count
        var actions: [Action] = [.logClient("(message: \(current.tooBig ? "over the limit" : "\(size) octets"))")]
        if current.tooBig {
            return actions + [.send(reply(.messageTooBig, size: String(maximumMessageSize)))]
        }
        if configuration.rejectBareLineFeed && bareLineFeeds > 0 {
            actions.append(.note("the message has \(bareLineFeeds) bare CR or LF line ends"))
            if style != .appliance {
                mode = .closed
                return actions + [.send(reply(.bareLineFeedInData)), .close]
            }
            return actions + [.send(reply(.bareLineFeedInData))]
        }
        let rule = configuration.lmtp ? nil : firingRule(.endOfData)
        let id = messageIDs()
        let message = ReceivedMessage(
            id: id,
            sender: current.sender,
            mailParameters: current.parameters,
            recipients: current.recipients,
            clientName: clientName,
            clientAddress: clientAddress,
            tls: tls,
            authenticatedUser: authenticatedUser,
            content: current.content,
            viaBDAT: bdat
        )
        if let drop = configuration.drop, drop.stage == "DOT" {
            mode = .closed
            return actions + [.note("dropping the connection at the end of the message (--drop)"), drop.reset ? .reset : .close]
        }
        if let seconds = configuration.delays["DOT"], seconds > 0 { actions.append(.pause(seconds)) }
        if configuration.lmtp {
            return actions + lmtpDeliveries(message)
        }
        if rule == nil {
            let wait = current.triggers.delay(.dot)
            if let effect = current.triggers.outcome(.dot) {
                return actions + delayed(wait, triggered(effect, stage: .dot, subject: ""))
            }
            if let wait { actions.append(.pause(wait)) }
        }
        if let rule {
            guard rule.isPositive else { return actions + ruleActions(rule, arg: "") }
            messagesAccepted += 1
            var result = actions + [.deliver(message, reply: rule.render(host: host, arg: id))]
            if rule.close {
                mode = .closed
                result.append(.close)
            }
            return result
        }
        messagesAccepted += 1
        return actions + [.deliver(message, reply: reply(.messageAccepted, id: id))]
    }

    /// LMTP (RFC 2033, 4.2): one reply per recipient, in the order of their RCPTs; a `DOT`
    /// rule counts each recipient's delivery (`on DOT 2: 452 …` refuses the second). The
    /// message is stored once, for the recipients it was delivered to.
    private mutating func lmtpDeliveries(_ message: ReceivedMessage) -> [Action] {
        var replies: [Reply] = []
        var delivered: [Path] = []
        for recipient in message.recipients {
            if let rule = firingRule(.endOfData, address: recipient.mailbox) {
                replies.append(rule.render(host: host, arg: recipient.mailbox))
                if rule.isPositive { delivered.append(recipient) }
            } else {
                replies.append(reply(.messageAccepted, id: message.id))
                delivered.append(recipient)
            }
        }
        guard !delivered.isEmpty else { return replies.map(Action.send) }
        messagesAccepted += 1
        var stored = message
        stored.recipients = delivered
        return [.deliver(stored, reply: replies[0])] + replies.dropFirst().map(Action.send)
    }

    // MARK: - AUTH (RFC 4954)

    static let mechanisms = ["PLAIN", "LOGIN", "CRAM-MD5"]

    private mutating func startSASL(mechanism: String, initialResponse: String?) -> [Action] {
        switch mechanism {
        case "PLAIN":
            if let initialResponse, initialResponse != "=" {
                return saslResponse(Array(initialResponse.utf8), state: .plain, logged: true)
            }
            mode = .sasl(.plain)
            return [.send(Reply(code: .authChallenge, ""))]
        case "LOGIN":
            if let initialResponse {
                return saslResponse(Array(initialResponse.utf8), state: .loginUser, logged: true)
            }
            mode = .sasl(.loginUser)
            return [.send(Reply(code: .authChallenge, Base64.encode(Array("Username:".utf8))))]
        default:
            let challenge = "<\(randomToken())@\(host)>"
            mode = .sasl(.cramMD5(challenge: challenge))
            return [.send(Reply(code: .authChallenge, Base64.encode(Array(challenge.utf8))))]
        }
    }

    /// A SASL response; `logged` when it came as an initial response on the AUTH line (whose
    /// log entry is already redacted).
    private mutating func saslResponse(_ line: [UInt8], state: SASLState, logged: Bool = false) -> [Action] {
        var actions: [Action] = logged ? [] : [.logClient(Redaction.mask)]
        mode = .command
        if line == [UInt8(ascii: "*")] {
            return actions + [.send(reply(.authCancelled))]
        }
        guard let decoded = Base64.decode(line) else {
            return actions + [.send(reply(.authBadBase64))]
        }
        switch state {
        case .plain:
            // authzid NUL authcid NUL passwd (RFC 4616)
            let parts = decoded.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return actions + [.send(reply(.authBadBase64))] }
            return actions + finishAuth(user: String(decoding: parts[1], as: UTF8.self), password: String(decoding: parts[2], as: UTF8.self))
        case .loginUser:
            mode = .sasl(.loginPassword(user: String(decoding: decoded, as: UTF8.self)))
            return actions + [.send(Reply(code: .authChallenge, Base64.encode(Array("Password:".utf8))))]
        case .loginPassword(let user):
            return actions + finishAuth(user: user, password: String(decoding: decoded, as: UTF8.self))
        case .cramMD5(let challenge):
            // "user SP hex(HMAC-MD5(password, challenge))" (RFC 2195)
            let text = String(decoding: decoded, as: UTF8.self)
            guard let space = text.lastIndex(of: " ") else { return actions + [.send(reply(.authFailed))] }
            let user = String(text[..<space])
            let digest = text[text.index(after: space)...].lowercased()
            let key = SymmetricKey(data: Array((configuration.password(for: user) ?? "").utf8))
            let expected = HMAC<Insecure.MD5>.authenticationCode(for: Array(challenge.utf8), using: key)
                .map { String(format2: $0) }.joined()
            let ok = configuration.password(for: user) != nil && digest == expected
            if ok { authenticatedUser = user }
            actions.append(.note(ok ? "authenticated as \(user) (CRAM-MD5)" : "authentication failed for \(user)"))
            return actions + [.send(reply(ok ? .authSucceeded : .authFailed))]
        }
    }

    private mutating func finishAuth(user: String, password: String) -> [Action] {
        let ok = configuration.password(for: user).map { $0 == password } ?? false
        if ok { authenticatedUser = user }
        return [
            .note(ok ? "authenticated as \(user)" : "authentication failed for \(user)"),
            .send(reply(ok ? .authSucceeded : .authFailed)),
        ]
    }

    // MARK: - Rules

    /// Counts the event against every rule it matches (trigger, and address when the rule
    /// has one), then returns the first rule whose count it reaches.
    private mutating func firingRule(_ trigger: ScenarioRule.Trigger, address: String? = nil) -> ScenarioRule? {
        var winner: ScenarioRule?
        for (index, rule) in configuration.rules.enumerated() where rule.trigger == trigger {
            if let pattern = rule.address {
                guard let address, pattern.matches(address) else { continue }
            }
            ruleCounts[index] += 1
            messageRuleCounts[index] += 1
            let count = rule.scope == .message ? messageRuleCounts[index] : ruleCounts[index]
            if winner == nil && rule.occurrence.matches(count) { winner = rule }
        }
        return winner
    }

    private mutating func resetMessageCounts() {
        for index in messageRuleCounts.indices { messageRuleCounts[index] = 0 }
    }

    /// The mail transaction is over (end of the message, RSET, EHLO, HELO, STARTTLS).
    private mutating func endTransaction() {
        transaction = nil
        resetMessageCounts()
    }

    /// New settings and rules between two commands, the session going on: a rule kept keeps
    /// its counts, a new rule starts from zero. TLS availability stays as it was.
    public mutating func reconfigure(_ new: PracticeServerConfiguration) {
        var new = new
        new.tlsAvailable = configuration.tlsAvailable
        var sessionCounts = Array(repeating: 0, count: new.rules.count)
        var messageCounts = sessionCounts
        var used = Set<Int>()
        for (index, rule) in new.rules.enumerated() {
            if let old = configuration.rules.indices.first(where: { !used.contains($0) && configuration.rules[$0] == rule }) {
                used.insert(old)
                sessionCounts[index] = ruleCounts[old]
                messageCounts[index] = messageRuleCounts[old]
            }
        }
        configuration = new
        ruleCounts = sessionCounts
        messageRuleCounts = messageCounts
    }

    /// What a client's trigger does (`--triggers`): its reply, or the connection dropped.
    private mutating func triggered(_ effect: ClientTriggers.Effect, stage: ClientTriggers.Stage, subject: String) -> [Action] {
        switch effect {
        case .reply(let code, let enhanced, let close):
            var actions: [Action] = [
                .note("trigger: \(stage.rawValue)\(code) chosen by the client"),
                .send(triggerReply(code: code, enhanced: enhanced, stage: stage, subject: subject)),
            ]
            if close {
                mode = .closed
                actions.append(.close)
            }
            return actions
        case .drop(let reset):
            mode = .closed
            return [.note("trigger: \(stage.rawValue)\(reset ? "reset" : "drop") chosen by the client"), reset ? .reset : .close]
        case .delay:
            return []
        }
    }

    /// The reply a client's trigger asks for: a vendor persona's line with that code (and
    /// enhanced code) when its catalogue has one, else the trigger's own text.
    private func triggerReply(code: Int, enhanced: String?, stage: ClientTriggers.Stage, subject: String) -> Reply {
        if let persona = Persona.of(style),
            let template = persona.triggerTemplate(code: code, enhanced: enhanced, stage: stage, subject: "{arg}")
        {
            return reply(template: template, arg: subject)
        }
        return ClientTriggers.reply(code: code, enhanced: enhanced, stage: stage, subject: subject)
    }

    private func reply(template: String, arg: String) -> Reply {
        ReplyStyle.render(template, host: host, arg: arg, id: trace, client: clientAddress)
    }

    /// `actions` after a pause, when there is one.
    private func delayed(_ seconds: Double?, _ actions: [Action]) -> [Action] {
        guard let seconds, seconds > 0 else { return actions }
        return [.pause(seconds)] + actions
    }

    private mutating func ruleActions(_ rule: ScenarioRule, arg: String) -> [Action] {
        var actions: [Action] = [.send(rule.render(host: host, arg: arg))]
        if rule.close {
            mode = .closed
            actions.append(.close)
        }
        return actions
    }

    private static func replacingReply(in actions: [Action], with reply: Reply) -> [Action] {
        var replaced = false
        return actions.map { action in
            guard !replaced else { return action }
            switch action {
            case .send:
                replaced = true
                return .send(reply)
            case .deliver(let message, _):
                replaced = true
                return .deliver(message, reply: reply)
            default:
                return action
            }
        }
    }

    // MARK: - Helpers

    static func firstArgument(of line: [UInt8]) -> String {
        let words = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard words.count > 1 else { return "" }
        var argument = String(decoding: words[1], as: UTF8.self)
        for prefix in ["FROM:", "TO:"] where argument.uppercased().hasPrefix(prefix) {
            argument = String(argument.dropFirst(prefix.count))
            if argument.isEmpty, words.count > 2 {
                argument = String(decoding: words[2].prefix(while: { $0 != UInt8(ascii: " ") }), as: UTF8.self)
            }
        }
        if argument.hasPrefix("<") && argument.hasSuffix(">") { argument = String(argument.dropFirst().dropLast()) }
        return String(argument.prefix(200))
    }

    /// The line for the log: AUTH initial responses replaced by asterisks.
    static func redactedLine(_ line: [UInt8], verb: String) -> String {
        let text = String(decoding: line, as: UTF8.self)
        return verb == "AUTH" ? Redaction.authLine(text) : text
    }
}

extension ScenarioRule {
    var isPositive: Bool {
        guard let code = ReplyCode(digits: reply.utf8.prefix(3)) else { return false }
        return code.replyClass.isPositive
    }

    func render(host: String, arg: String) -> Reply {
        ReplyStyle.render(reply, host: host, arg: arg, id: arg)
    }
}

extension String {
    fileprivate init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
