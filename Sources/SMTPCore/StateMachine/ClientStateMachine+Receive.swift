/// What the server's side brings: reply lines and replies, TLS, the close, and time.
extension ClientStateMachine {
    /// What the connection reports, parsed.
    public enum Input: Sendable {
        case line(ReplyLine)
        case reply(Reply)
        case unparsableLine(ReplyLine)
        /// The connection closed in the middle of a line.
        case unfinishedLine(ReplyLine)
        /// A line longer than the parser keeps: its length so far.
        case overlongLine(Int)
    }

    public mutating func receive(_ input: Input, now: UInt64) -> [Action] {
        var actions: [Action] = []
        lastActivity = now
        let tls = session.isTLS
        switch input {
        case .line(let line):
            var latency: Double?
            if firstLineOfReply {
                firstLineOfReply = false
                if awaitingReplies > 0, let sent = sentTimes.first { latency = Self.milliseconds(from: sent, to: now) }
            }
            session.replyLineReceived(line)
            actions.append(.emit(.receivedLine(line, tls: tls, latency: latency)))
            warnedOverlong = false
        case .reply(let reply):
            firstLineOfReply = true
            received(reply, now: now, into: &actions)
        case .unparsableLine(let line):
            actions.append(.emit(.receivedLine(line, tls: tls, latency: nil)))
            actions.append(.emit(.notice(.notAReply)))
        case .unfinishedLine(let line):
            actions.append(.emit(.receivedLine(line, tls: tls, latency: nil)))
            actions.append(.emit(.notice(.unfinishedLine)))
        case .overlongLine(let length):
            if !warnedOverlong {
                warnedOverlong = true
                actions.append(.emit(.notice(.endlessLine(length: length))))
            }
        }
        return actions
    }

    mutating func received(_ reply: Reply, now: UInt64, into actions: inout [Action]) {
        // A reply after a timeout: the session goes on (it ends with the status of how it ends).
        timedOut = false
        repliesReceived += 1
        let solicited = awaitingReplies > 0
        let answered = solicited ? session.pending.first : nil
        let latency = solicited ? sentTimes.first.map { Self.milliseconds(from: $0, to: now) } : nil
        let tls = session.isTLS
        let outcome = session.replyReceived(reply, solicited: solicited)
        var ticket: Int?
        if solicited {
            awaitingReplies -= 1
            let sent = sentTimes.isEmpty ? now : sentTimes.removeFirst()
            if !inFlight.isEmpty { ticket = inFlight.removeFirst() }
            if outcome.furtherDeliveries > 0 {
                // LMTP: the message's other replies are awaited now; its ticket names the
                // last of them (the deliveries are read from the session).
                let more = outcome.furtherDeliveries
                awaitingReplies += more
                sentTimes.insert(contentsOf: Array(repeating: sent, count: more), at: 0)
                inFlight.insert(contentsOf: Array(repeating: nil, count: more - 1) + [ticket], at: 0)
                ticket = nil
            }
        }
        if case .greeting? = answered { greeting = reply }
        // What is wrong with the reply itself goes with it (said before its explanation).
        var notices = reply.violations.map(ClientNotice.violation)
        if case .delivery(let recipient)? = outcome.answered {
            notices.append(.deliveryFor(recipient: recipient.description))
        }
        if outcome.answered == nil {
            notices.append(rawBytesSent ? .replyBeyondRawLines : .unsolicitedReply)
        } else if outcome.classification == .unexpected, let answered {
            notices.append(.unexpectedCode(reply.code, answering: answered))
        }
        actions.append(.emit(.reply(reply, outcome: outcome, tls: tls, latency: latency, notices: notices)))
        if case .delivery? = outcome.answered, !session.pending.contains(where: { if case .delivery = $0 { true } else { false } }) {
            let deliveries = session.deliveries
            actions.append(.emit(.notice(.deliveriesCounted(delivered: deliveries.count(where: \.delivered), of: deliveries.count))))
        }
        if !reply.replyClass.isPositive && negativeReplies.count < 1000 { negativeReplies.append(reply) }
        // DATA or AUTH refused: what was typed for them must not go out as commands.
        var answeredAuth = false
        if let answered {
            switch answered {
            case .command(let command):
                if command.knownVerb == .data && reply.code != .startMailInput {
                    dropQueued(.messageLine, notice: .dataRefusedLinesDropped, into: &actions)
                    session.withdrawPending(.endOfData)
                }
                answeredAuth = command.knownVerb == .auth
            case .saslResponse:
                answeredAuth = true
            case .greeting, .endOfData, .delivery:
                break
            }
        }
        if answeredAuth && reply.code != .authChallenge {
            dropQueued(.saslResponse, notice: .authEndedLinesDropped, into: &actions)
            sasl = nil
        }
        if answeredAuth && reply.code == .authChallenge, var exchange = sasl {
            // The client leads this exchange: the answer goes out at once, redacted on screen;
            // the exchange's ticket waits for the reply that ends it.
            let response = exchange.respond(to: reply.lines.first?.textString ?? "")
            sasl = exchange
            session.saslResponseSent()
            let shown = configuration.showSecrets || !exchange.lastAnswerCarriesSecret
            var line = Outgoing(bytes: Array(response.utf8) + [13, 10], display: shown ? response : Redaction.mask, kind: .saslResponse, expectsReply: true)
            line.automatic = true
            line.ticket = ticket
            queue.insert(line, at: 0)
        } else {
            resolve(ticket, .answered(reply))
        }
        if case .command(let command)? = answered, XClientCommand.isXClient(command), reply.code == .serviceReady {
            actions.append(.emit(.notice(.xclientAccepted)))
        }
        if outcome.phaseAfter == .tlsNegotiating && outcome.phaseBefore != .tlsNegotiating {
            actions.append(.emit(.notice(.tlsStarting)))
            actions.append(.startTLS)
        }
        // --starttls: EHLO, then STARTTLS, right after the greeting.
        if configuration.startTLS, let name = configuration.ehloName, !session.isTLS, case .greeting? = answered,
            reply.code.replyClass == .positiveCompletion
        {
            enqueueAutomatic(configuration.helloVerb + " " + name, into: &actions)
            enqueueAutomatic("STARTTLS", into: &actions)
        }
        if session.phase == .closed && !isClosed && !queue.isEmpty {
            // 221 or 421: the server will close; nothing more goes.
            actions.append(.emit(.notice(.linesAfterEndNotSent(count: queue.count))))
            for line in queue { resolve(line.ticket, .unanswered) }
            queue.removeAll()
        }
        pump(now: now, into: &actions)
        actions.append(.stateChanged)
        if queue.isEmpty && awaitingReplies == 0 { actions.append(.settled) }
    }

    /// The transport is connected: the greeting is awaited from now (its latency counts
    /// from here). What the transport reported before is given next, then ``releaseHeld(now:)``.
    public mutating func connected(now: UInt64) -> [Action] {
        isConnected = true
        if case .greeting? = session.pending.first, !sentTimes.isEmpty { sentTimes[0] = now }
        lastActivity = now
        return []
    }

    /// The name the client greets with when it sends EHLO itself, known once connected (it
    /// can be this side's address literal).
    public mutating func use(ehloName: String?) -> [Action] {
        if let ehloName { configuration.ehloName = ehloName }
        return []
    }

    /// Sends what was submitted before the transport was connected.
    public mutating func releaseHeld(now: UInt64) -> [Action] {
        var actions: [Action] = []
        pump(now: now, into: &actions)
        return actions
    }

    /// The TLS handshake succeeded (after STARTTLS, or at connect with implicit TLS).
    public mutating func tlsEstablished(now: UInt64) -> [Action] {
        var actions: [Action] = []
        // After STARTTLS the session starts over; implicit TLS starts with it.
        let afterStartTLS = session.phase == .tlsNegotiating
        session.tlsEstablished()
        if afterStartTLS, configuration.startTLS, let name = configuration.ehloName {
            // Before anything typed meanwhile: the session starts over with EHLO.
            enqueueAutomatic(configuration.helloVerb + " " + name, first: true, into: &actions)
        } else if afterStartTLS, configuration.remindEHLOAfterTLS {
            actions.append(.emit(.notice(.sendEHLOAgain)))
        }
        actions.append(.stateChanged)
        pump(now: now, into: &actions)
        if queue.isEmpty && awaitingReplies == 0 { actions.append(.settled) }
        return actions
    }

    /// TLS could not be set up (the transport has said why).
    public mutating func tlsCouldNotStart() -> [Action] {
        tlsFailed = true
        return [.settled]
    }

    /// The client closes the connection on purpose.
    public mutating func closeRequested() -> [Action] {
        closedByClient = true
        return [.close]
    }

    /// The connection closed; `reason` when it was an error (a reset), `nil` for a clean close.
    /// `reasonAlreadySaid`: the transport has said why (a TLS failure).
    public mutating func closed(reason: String?, reasonAlreadySaid: Bool = false) -> [Action] {
        guard !isClosed else { return [] }
        var actions: [Action] = []
        let expected = session.phase == .closed
        isClosed = true
        session.connectionClosed()
        if !expected && !closedByClient { closedByServerUnexpectedly = true }
        if reasonAlreadySaid {
            // Said already; the connection ends with it.
        } else if let reason {
            actions.append(.emit(.notice(.connectionLost(reason: reason))))
        } else {
            // After 221 or 421 the server closes, as telnet says; otherwise the client did.
            actions.append(.emit(.notice(closedByClient && !expected ? .closedLocally : .closedByServer)))
        }
        if !queue.isEmpty {
            actions.append(.emit(.notice(.linesNotSent(count: queue.count))))
            for line in queue { resolve(line.ticket, .unanswered) }
            queue.removeAll()
        }
        for ticket in inFlight { resolve(ticket, .unanswered) }
        inFlight.removeAll()
        actions.append(.stateChanged)
        actions.append(.settled)
        return actions
    }

    /// Time passes: a reply that does not come within the timeout ends the wait.
    public mutating func tick(now: UInt64) -> [Action] {
        guard !isClosed, !timedOut, awaitingReplies > 0 else { return [] }
        let silent = Double(now - min(lastActivity, now)) / 1e9
        // Silence for the timeout; or a reply that keeps coming and never ends (a line now and
        // then, forever): ten times the timeout since the command, at most.
        let waiting = sentTimes.first.map { Double(now - min($0, now)) / 1e9 } ?? 0
        let timeout = configuration.replyTimeout
        if silent >= timeout {
            timedOut = true
            var actions: [Action] = [.emit(.notice(.replyTimedOut(awaiting: session.pending.first, seconds: timeout)))]
            // A silent server at connect: often a TLS port (465) waiting for a ClientHello.
            if case .greeting? = session.pending.first, !session.isTLS { actions.append(.emit(.notice(.greetingTimeoutTLSHint))) }
            actions.append(.settled)
            return actions
        } else if waiting >= timeout * 10 {
            timedOut = true
            return [.emit(.notice(.replyNeverEnds(awaiting: session.pending.first, seconds: timeout * 10))), .settled]
        }
        return []
    }

    /// A message streamed by the transport stopped: the server did not read it in time.
    public mutating func streamStalled() -> [Action] {
        timedOut = true
        return [.emit(.notice(.serverNotReading(seconds: configuration.replyTimeout))), .settled, .close]
    }

    /// The transport is writing a message itself, a chunk at a time (`--data` streamed).
    public mutating func streamed(now: UInt64) {
        lastActivity = now
    }

    static func milliseconds(from start: UInt64, to end: UInt64) -> Double {
        Double(end - min(start, end)) / 1e6
    }
}
