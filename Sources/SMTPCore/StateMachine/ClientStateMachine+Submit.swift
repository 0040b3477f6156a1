/// What the user's side submits: typed lines, a whole message, a BDAT chunk, an AUTH
/// exchange to lead, and the transmit queue that decides when each goes out.
extension ClientStateMachine {
    /// Records and sends (or queues) a line, without its line end: a command, a line of the
    /// message after 354, a SASL response after 334, or octets of a BDAT chunk typed by hand,
    /// as ``inputMode`` says.
    public mutating func submit(_ text: String, _ options: SubmitOptions = .init(), now: UInt64) -> (Submission, [Action]) {
        var actions: [Action] = []
        let bytes = Array(text.utf8)
        let submission: Submission
        // What raw bytes left unfinished is the start of this line on the server's side.
        rawLineStart = []
        switch session.inputMode {
        case .messageBody:
            // `content`: a line of a message from a file, never its end (a lone "." is stuffed).
            let isEnd = !options.content && bytes == [UInt8(ascii: ".")]
            session.messageLineSent(isEnd ? bytes : (bytes.first == UInt8(ascii: ".") ? [UInt8(ascii: ".")] : []) + bytes)
            // Dot-stuffing (RFC 5321, 4.5.2): a line that starts with "." gets another.
            let stuffed = !isEnd && bytes.first == UInt8(ascii: ".")
            let wire = (stuffed ? [UInt8(ascii: ".")] : []) + bytes + [13, 10]
            // Shown and recorded as sent (`..line`): a lone "." in a recording is always the end.
            var line = Outgoing(bytes: wire, display: stuffed ? "." + text : text, kind: .messageLine, expectsReply: isEnd)
            line.automatic = options.shown
            line.ticket = options.track && isEnd ? newTicket() : nil
            enqueue(line, now: now, into: &actions)
            submission = Submission(kind: .messageLine, advice: [], queued: !queue.isEmpty, isSecret: false, ticket: line.ticket.map(ReplyTicket.init))
        case .chunkData(let remaining, _):
            // BDAT typed by hand: the line is the chunk's next octets, its CRLF counted; what
            // goes past the size is not sent (the server would read it as commands).
            var wire = bytes + [13, 10]
            var rest: [UInt8] = []
            if UInt64(wire.count) > remaining {
                rest = Array(wire[Int(remaining)...])
                wire.removeLast(wire.count - Int(remaining))
            }
            session.chunkOctetsSent(UInt64(wire.count))
            let complete = session.chunkRemaining == 0
            let shownText = wire.suffix(2) == [13, 10] ? wire.dropLast(2) : wire[...]
            var line = Outgoing(bytes: wire, display: String(decoding: shownText, as: UTF8.self), kind: .messageLine, expectsReply: complete)
            line.automatic = options.shown
            line.chunk = true
            line.ticket = options.track && complete ? newTicket() : nil
            enqueue(line, now: now, into: &actions)
            if !rest.isEmpty {
                if rest.suffix(2) == [13, 10] { rest.removeLast(2) }
                actions.append(.emit(.notice(.chunkOverflow(
                    sent: wire.count, unsent: rest.count, text: String(decoding: rest.prefix(64), as: UTF8.self)))))
            }
            submission = Submission(kind: .messageLine, advice: [], queued: !queue.isEmpty, isSecret: false, ticket: line.ticket.map(ReplyTicket.init))
        case .saslResponse:
            session.saslResponseSent()
            var line = Outgoing(
                bytes: bytes + [13, 10], display: configuration.showSecrets ? text : Redaction.mask, kind: .saslResponse, expectsReply: true)
            line.automatic = options.shown
            line.ticket = options.track ? newTicket() : nil
            enqueue(line, now: now, into: &actions)
            submission = Submission(kind: .saslResponse, advice: [], queued: !queue.isEmpty, isSecret: true, ticket: line.ticket.map(ReplyTicket.init))
        case .command:
            var (line, advice, secret) = commandLine(text, warn: true, into: &actions)
            line.automatic = options.shown
            line.pipelined = options.pipelined
            if case .chunkData(let size, _) = session.inputMode {
                // `BDAT <size>` typed: its reply comes after the chunk, which the next lines are.
                line.expectsReply = false
                actions.append(.emit(.notice(.chunkFollows(size: size))))
            } else {
                line.ticket = options.track ? newTicket() : nil
            }
            enqueue(line, now: now, into: &actions)
            submission = Submission(kind: .command, advice: advice, queued: !queue.isEmpty, isSecret: secret, ticket: line.ticket.map(ReplyTicket.init))
        }
        return (submission, actions)
    }

    /// Several lines at once (a message from a file): they go out in one write.
    public mutating func submit(lines: [String], _ options: SubmitOptions = .init(), now: UInt64) -> [Action] {
        var actions: [Action] = []
        holdWrites = true
        for line in lines {
            var single = options
            single.track = false
            actions += submit(line, single, now: now).1
        }
        holdWrites = writesHeld
        pump(now: now, into: &actions)
        return actions
    }

    /// Queues what is submitted from now on without writing it, until ``releaseWrites(now:)``:
    /// a message, its final dot and the next pipelined envelope then leave in one write (a
    /// server that answers each packet on its own would otherwise wait for delayed ACKs).
    public mutating func holdWritesUntilReleased() {
        writesHeld = true
        holdWrites = true
    }

    public mutating func releaseWrites(now: UInt64) -> [Action] {
        guard writesHeld else { return [] }
        writesHeld = false
        holdWrites = false
        var actions: [Action] = []
        pump(now: now, into: &actions)
        return actions
    }

    /// Starts an AUTH exchange the client leads: the AUTH line now (redacted when it carries
    /// the secret), then the answer to each 334 as it comes. The ticket names the reply that
    /// ends the exchange (235, 535…), not the challenges. `adviceShown`: the mistakes the AUTH
    /// would make were said before the secret was asked for.
    public mutating func authenticate(_ exchange: any SASLClient, adviceShown: Bool, now: UInt64) -> (ReplyTicket, [Action]) {
        var actions: [Action] = []
        sasl = exchange
        session.authenticating(as: exchange.user)
        var (line, _, _) = commandLine(exchange.command, warn: !adviceShown, into: &actions)
        line.automatic = true
        let ticket = newTicket()
        line.ticket = ticket
        enqueue(line, now: now, into: &actions)
        return (ReplyTicket(id: ticket), actions)
    }

    /// `BDAT <size> [LAST]` and the chunk that follows it (RFC 3030), as one unit, shown as
    /// sent with the chunk's lines (the first 200; all are recorded).
    public mutating func submitChunk(_ chunk: [UInt8], last: Bool, pipelined: Bool, now: UInt64) -> (ReplyTicket, [Action]) {
        var actions: [Action] = []
        let text = "BDAT \(chunk.count)" + (last ? " LAST" : "")
        var (line, _, _) = commandLine(text, warn: true, into: &actions)
        line.bytes += chunk
        session.chunkOctetsSent(UInt64(chunk.count))
        line.automatic = true
        line.pipelined = pipelined
        line.extraDisplay = TextLines.split(chunk)
        let ticket = newTicket()
        line.ticket = ticket
        enqueue(line, now: now, into: &actions)
        return (ReplyTicket(id: ticket), actions)
    }

    /// A whole message after 354, already encoded (dot-stuffed, CRLF, without the final dot),
    /// as one item of the queue, shown by its first `shownLines` lines.
    public mutating func submitMessageData(_ encoded: [UInt8], shownLines: Int = 200, now: UInt64) -> [Action] {
        guard !encoded.isEmpty else { return [] }
        var actions: [Action] = []
        var lines = TextLines.split(encoded)
        let more = max(0, lines.count - shownLines)
        lines.removeLast(more)
        var line = Outgoing(bytes: encoded, display: lines.first ?? "", kind: .messageLine, expectsReply: false)
        line.automatic = true
        line.extraDisplay = Array(lines.dropFirst())
        if more > 0 { line.trailingNote = .messageMoreLines(count: more, octets: encoded.count) }
        enqueue(line, now: now, into: &actions)
        return actions
    }

    /// Bytes written on purpose, sent exactly as they are (`:raw`, `send --raw-data`): no line
    /// end added, no dot-stuffing, no check. They leave at once, whatever reply is awaited
    /// (talking early on purpose: before the greeting, or pipelined without PIPELINING),
    /// after what is already queued, and a warning says that this is not SMTP.
    ///
    /// The session follows them as servers that defend against SMTP smuggling read them
    /// (Postfix's `smtpd_forbid_bare_newline = normalize`, RFC 5321 4.1.1.4 for the end of
    /// the data): a command line (or SASL response) ends at LF, with or without CR before
    /// it; a message ends only at CRLF "." CRLF, a bare LF inside it being part of a line.
    /// Each reply that reading calls for is awaited and matched to its line. A server that
    /// reads them otherwise — `<LF>.<LF>` taken as the end of the message — answers more
    /// often, and each reply beyond is said to be so. The ticket names the first reply.
    public mutating func submitRaw(_ bytes: [UInt8], track: Bool = false, now: UInt64) -> (ReplyTicket?, [Action]) {
        guard !bytes.isEmpty else { return (nil, []) }
        let (replies, secretLines) = followRaw(bytes)
        var actions: [Action] = [
            .emit(.notice(.rawBytes(octets: bytes.count, oddities: EscapedBytes.Oddities(of: bytes), unterminated: rawLineStart.count))),
        ]
        rawBytesSent = true
        // Shown a line per LF, in the notation it was written in; a line carrying a secret masked.
        var pieces: [String] = []
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 10 {
            pieces.append(EscapedBytes.encode(bytes[start...index]))
            start = index + 1
        }
        if start < bytes.count { pieces.append(EscapedBytes.encode(bytes[start...])) }
        if !configuration.showSecrets && !secretLines.isEmpty {
            pieces = pieces.map { piece in secretLines.contains { piece.hasPrefix(EscapedBytes.encode($0)) } ? Redaction.mask : piece }
        }
        var line = Outgoing(bytes: bytes, display: pieces.first ?? "", kind: .raw, expectsReply: replies > 0)
        line.extraDisplay = Array(pieces.dropFirst())
        // The first 201 lines are shown (all are recorded): how many more, said after them.
        if pieces.count > 201 { line.trailingNote = .rawMoreLines(count: pieces.count - 201, octets: bytes.count) }
        line.extraReplies = max(0, replies - 1)
        line.automatic = true
        line.pipelined = true
        line.ticket = track && replies > 0 ? newTicket() : nil
        enqueue(line, now: now, into: &actions)
        return (line.ticket.map(ReplyTicket.init), actions)
    }

    /// Records the lines of raw bytes in the session as ``submitRaw(_:track:now:)`` reads
    /// them; returns how many replies they call for, and the lines that carry a secret. What
    /// follows the last line end is kept (``rawLineStart``): the next raw bytes continue it.
    mutating func followRaw(_ bytes: [UInt8]) -> (replies: Int, secrets: [[UInt8]]) {
        enum Reading { case command, message, sasl }
        var reading: Reading
        switch session.inputMode {
        case .messageBody: reading = .message
        case .saslResponse: reading = .sasl
        case .chunkData: return (0, [])
        case .command:
            // DATA typed and not answered yet: what follows is the message, if 354 comes.
            if case .command(let command)? = session.pending.last, command.knownVerb == .data { reading = .message } else { reading = .command }
        }
        var replies = 0
        var secrets: [[UInt8]] = []
        // A line is kept up to 4,096 octets: enough to read a command or see a lone dot.
        var line = rawLineStart
        var length = line.count
        var previous = line.last
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            let ends = byte == 10 && (reading != .message || previous == 13)
            guard ends else {
                if line.count < 4096 { line.append(byte) }
                length += 1
                previous = byte
                continue
            }
            if previous == 13 && length == line.count { line.removeLast() }
            defer {
                line = []
                length = 0
                previous = nil
            }
            switch reading {
            case .command:
                let command = (try? CommandParser.parse(line)) ?? .raw(line)
                session.commandSent(command)
                replies += 1
                if Self.carriesSecret(command, bytes: line) { secrets.append(line) }
                if command.knownVerb == .data { reading = .message }
                if case .bdat = command {
                    // The chunk's octets follow; what comes after them is not read here.
                    session.chunkOctetsSent(UInt64(bytes.count - index))
                    index = bytes.count
                }
            case .message:
                session.messageLineSent(line)
                if line == [UInt8(ascii: ".")] {
                    replies += 1
                    reading = .command
                }
            case .sasl:
                session.saslResponseSent()
                replies += 1
                secrets.append(line)
            }
        }
        rawLineStart = length > 0 ? line : []
        return (replies, secrets)
    }

    /// Takes back the lines typed but not sent yet (Ctrl-C): dropped and forgotten. Not in
    /// the middle of a chunk typed after BDAT (the server counts its octets), nor during an
    /// AUTH exchange the client leads.
    public mutating func dropQueuedLines() -> (count: Int, actions: [Action]) {
        guard !queue.isEmpty, session.chunkRemaining == 0, !queue.contains(where: \.chunk), sasl == nil else { return (0, []) }
        let dropped = queue
        queue.removeAll()
        // The state machine counted each command and SASL response when typed (a `BDAT <size>`
        // too, whose reply comes after its chunk), and each reply a message line or raw bytes call for.
        session.withdrawLast(dropped.reduce(0) { count, line in
            count + (line.kind == .command || line.kind == .saslResponse ? 1 : line.repliesAwaited)
        })
        for line in dropped { resolve(line.ticket, .unanswered) }
        var actions: [Action] = [.emit(.notice(.queueDropped(count: dropped.count, lines: dropped.prefix(3).map(\.display)))), .stateChanged]
        if awaitingReplies == 0 { actions.append(.settled) }
        return (dropped.count, actions)
    }

    // MARK: - The queue

    /// A command line recorded in the session (after the warnings it deserves, with `warn`),
    /// and the line to send, shown redacted when it carries a secret.
    mutating func commandLine(_ text: String, warn: Bool, into actions: inout [Action]) -> (Outgoing, [SequenceAdvice], Bool) {
        let bytes = Array(text.utf8)
        let advice = warn ? session.advice(forCommandLine: bytes) : []
        for item in advice { actions.append(.emit(.notice(.advice(item)))) }
        let command = (try? CommandParser.parse(bytes)) ?? .raw(bytes)
        session.commandSent(command)
        let secret = Self.carriesSecret(command, bytes: bytes)
        let display = secret && !configuration.showSecrets ? Redaction.authLine(text) : text
        return (Outgoing(bytes: bytes + [13, 10], display: display, kind: .command, expectsReply: true), advice, secret)
    }

    mutating func enqueue(_ line: Outgoing, now: UInt64, into actions: inout [Action]) {
        var line = line
        line.queuedLate = !queue.isEmpty || awaitingReplies > 0
        queue.append(line)
        pump(now: now, into: &actions)
    }

    /// Sends what may be sent now, in one write.
    mutating func pump(now: UInt64, into actions: inout [Action]) {
        guard isConnected, !isClosed, !holdWrites else { return }
        // Nothing goes out between STARTTLS's 220 and the end of the handshake.
        if session.phase == .tlsNegotiating { return }
        var batch: [UInt8] = []
        var events: [Action] = []
        while let head = queue.first {
            if head.chunk {
                // A chunk's octets follow their BDAT, which has left.
            } else if head.kind == .messageLine {
                guard session.phase == .data else { break }
            } else if awaitingReplies > 0 && !head.pipelined {
                break
            }
            queue.removeFirst()
            batch += head.bytes
            let tls = session.isTLS
            events.append(.emit(.sent(SentLine(text: head.display, kind: head.kind, tls: tls, automatic: head.automatic, waited: head.queuedLate))))
            // A chunk's lines: all recorded, the first 200 shown.
            for (number, extra) in head.extraDisplay.enumerated() {
                var line = SentLine(text: extra, kind: head.kind == .raw ? .raw : .messageLine, tls: tls, automatic: head.automatic, waited: head.queuedLate)
                line.beyondShown = number >= 200
                events.append(.emit(.sent(line)))
            }
            if head.extraDisplay.count > 200 && head.trailingNote == nil {
                events.append(.emit(.notice(.chunkMoreLines(count: head.extraDisplay.count - 200))))
            }
            if let note = head.trailingNote { events.append(.emit(.notice(note))) }
            if head.expectsReply {
                awaitingReplies += head.repliesAwaited
                inFlight.append(head.ticket)
                inFlight += Array(repeating: nil, count: head.extraReplies)
                sentTimes += Array(repeating: now, count: head.repliesAwaited)
                lastActivity = now
                if awaitingReplies == head.repliesAwaited { firstLineOfReply = true }
                // After the end of a message, only pipelined commands may follow at once.
                if head.kind == .messageLine && !head.chunk && queue.first?.pipelined != true { break }
            }
        }
        guard !batch.isEmpty else { return }
        // Said before written: whatever the transport, a line is in the transcript before its reply.
        actions += events
        actions.append(.write(batch))
    }

    /// A command the client sends by itself (`--starttls`), recorded and shown as if typed.
    mutating func enqueueAutomatic(_ text: String, first: Bool = false, into actions: inout [Action]) {
        var (line, _, _) = commandLine(text, warn: false, into: &actions)
        line.automatic = true
        if first { queue.insert(line, at: 0) } else { queue.append(line) }
    }

    /// Drops the queued lines of `kind` at the head of the queue (after a refused DATA or
    /// AUTH), up to the end of the message.
    mutating func dropQueued(_ kind: LineKind, notice: ClientNotice, into actions: inout [Action]) {
        // The head of the queue: lines of that kind, up to and with a message's end.
        var count = 0
        while count < queue.count, queue[count].kind == kind {
            count += 1
            if queue[count - 1].kind == .messageLine && queue[count - 1].expectsReply { break }
        }
        guard count > 0 else { return }
        for line in queue.prefix(count) {
            if kind == .saslResponse { session.withdrawPending(.saslResponse) }
            resolve(line.ticket, .unanswered)
        }
        queue.removeFirst(count)
        actions.append(.emit(.notice(notice)))
    }
}
