#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import SMTPCatalog
import SMTPCore

/// The client side of an SMTP session: what the user typed, what the server answered, and
/// what to show. Shared by the interactive prompt and the non-terminal mode.
///
/// Lines are recorded in the ``SessionStateMachine`` when typed, and sent in order, each
/// command waiting for the reply to the one before (so the server never sees an early
/// talker), message lines going out after 354 in one block. If DATA or AUTH is refused,
/// the message or SASL lines typed after it are dropped, never sent as commands.
///
/// Thread-safe: the network calls ``handle(_:)`` on its event loop, the user's side calls
/// ``submit(_:)``; output goes to `output` in order: one or more lines at a time, joined by
/// `\n` (what one write to the network or one read from it produced leaves in one call).
public final class ClientSession: @unchecked Sendable {
    public struct Options: Sendable {
        /// Seconds to wait for each reply (and for the greeting).
        public var replyTimeout: Double = 30
        /// Show each line as it is sent (for transcripts; at a prompt the typed line is on screen already).
        public var echoSentLines = false
        /// Show AUTH payloads instead of asterisks (only when the user asks).
        public var showSecrets = false
        /// `--starttls`: after the greeting, EHLO (with ``ClientSession/ehloName``), STARTTLS,
        /// and EHLO again once TLS is up.
        public var startTLS = false
        /// Remind the user to send EHLO again after STARTTLS (not when smtpsh sends it).
        public var remindEHLOAfterTLS = true
        public init() {}
    }

    public enum LineKind: Hashable, Sendable {
        case command
        case messageLine
        case saslResponse
    }

    /// What happened, as recorded (`--record`) and reported (`--json`): every line sent (as
    /// shown: secrets redacted), every line received, and smtpsh's own notes, in order.
    public enum TranscriptEvent: Sendable {
        case sent(String, tls: Bool, kind: LineKind)
        case receivedLine(ReplyLine, tls: Bool)
        /// A complete reply (after its lines), with the time since the command that caused it.
        case reply(Reply, tls: Bool, latency: Double?)
        case note(String)
        case warning(String)
        case error(String)
    }

    private struct Outgoing {
        var bytes: [UInt8]
        var display: String
        var kind: LineKind
        /// Whether this line gets a reply of its own.
        var expectsReply: Bool
        var queuedLate: Bool
        /// Sent by smtpsh itself (--starttls, macros): always shown as sent.
        var automatic = false
        /// May go out before the replies to the lines before it (RFC 2920 PIPELINING).
        var pipelined = false
        /// What else to record after `display` (a BDAT chunk's lines).
        var extraDisplay: [String] = []
        /// Said after the lines (how many more a message had).
        var trailingNote: String?
        /// The ticket its reply is kept for (``ReplyTicket``), when the caller asked for one.
        var ticket: Int?
        /// Octets of a BDAT chunk typed by hand: they follow their BDAT at once.
        var chunk = false
    }

    /// Names the reply to a line submitted with `track: true` (or to an AUTH exchange smtpsh
    /// leads): ``reply(for:)`` gives it, whatever the timing and whatever else was pipelined,
    /// so a caller checks each reply against its own command, never by counting.
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

    public enum Settled: Hashable, Sendable {
        case idle
        case closed
        case timedOut
    }

    private let lock = NIOLock()
    private let settled = WakeUpSignal()
    private var nextTicket = 0
    /// Tickets of the lines on the wire awaiting a reply, in the order sent (beside `sentTimes`;
    /// `nil` for an untracked line and for the greeting).
    private var inFlight: [Int?] = [nil]
    /// Tracked tickets and what became of them; a caller takes each once (``reply(for:)``).
    private var tickets: [Int: TicketState] = [:]
    /// The greeting, once it came.
    private var greetingValue: Reply?
    private var machine: SessionStateMachine
    private var connection: ClientConnection?
    private var queue: [Outgoing] = []
    /// Send times of lines awaiting a reply (the greeting's "send" is the connection).
    private var sentTimes: [UInt64] = []
    private var awaitingReplies = 1
    private var firstLineOfReply = true
    private var lastActivity = DispatchTime.now().uptimeNanoseconds
    private var timedOut = false
    private var warnedOverlong = false
    public private(set) var isClosed = false
    public private(set) var negativeReplies: [Reply] = []
    public private(set) var closedByServerUnexpectedly = false
    /// Why TLS failed, if it did (exit status 7, or 8 for a certificate --tls-verify refused).
    public private(set) var tlsFailure: TLSFailure?
    /// The last TLS handshake's report (`:tls` shows it again).
    public private(set) var tlsReport: TLSReport?
    /// An AUTH exchange smtpsh leads for the user (`:auth`): it answers each 334.
    private var sasl: SASLExchange?
    /// What the connection reported before ``attach(_:)``.
    private var early: [ConnectionEvent] = []
    /// ``close()`` was called: a close not after 221/421 is smtpsh's, not the server's.
    private var closedByUs = false

    /// The server's address (`nil` before the connection is attached).
    public var remoteAddress: SocketAddress? {
        lock.withLock { connection?.remoteAddress }
    }

    /// The server's greeting, once it came.
    public var greeting: Reply? {
        lock.withLock { greetingValue }
    }

    /// What became of a ticket's line. An answer, or `.unanswered`, is given once: the ticket
    /// is then forgotten.
    public func reply(for ticket: ReplyTicket) -> TicketState {
        lock.withLock {
            let state = tickets[ticket.id] ?? .unanswered
            if case .waiting = state { return state }
            tickets[ticket.id] = nil
            return state
        }
    }

    /// A new ticket, waiting. Lock held.
    private func newTicket() -> Int {
        nextTicket += 1
        tickets[nextTicket] = .waiting
        return nextTicket
    }

    /// Says what became of a ticket's line. Lock held.
    private func resolve(_ ticket: Int?, _ state: TicketState) {
        guard let ticket, tickets[ticket] != nil else { return }
        tickets[ticket] = state
    }
    private let renderer: Renderer
    private let outputLines: @Sendable (String) -> Void
    /// Lines gathered while a batch is written or a read is handled (lock held), given to
    /// `outputLines` together at the end: one write(2) instead of one per line.
    private var gatheredOutput: [String]?
    public let options: Options
    private var timer: RepeatedTask?
    /// Called for every event of the transcript, in order, with the session's lock held.
    private var transcriptObservers: [@Sendable (TranscriptEvent) -> Void] = []
    /// Called after each complete reply (for explanations and hooks), on the network thread.
    private var replyObservers: [@Sendable (Reply, SessionStateMachine.Outcome) -> [String]] = []

    public init(options: Options, renderer: Renderer, implicitTLS: Bool = false, output: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.renderer = renderer
        self.outputLines = output
        self.machine = SessionStateMachine(implicitTLS: implicitTLS)
        sentTimes = [DispatchTime.now().uptimeNanoseconds]
    }

    /// The name smtpsh greets with when it sends EHLO itself (`--starttls`, `:send`,
    /// `smtpsh send`), set once connected (it can depend on this side's address).
    public private(set) var ehloName: String?

    /// Called once connected, with the name smtpsh greets with; starts the reply timer. What
    /// the server sent before (the greeting often arrives before the connect call returns) is
    /// handled now, on the event loop, in order, after "Connected": and lines queued meanwhile go out.
    public func attach(_ connection: ClientConnection, ehloName: String? = nil) {
        lock.lock()
        self.ehloName = ehloName
        sentTimes = [DispatchTime.now().uptimeNanoseconds]
        lastActivity = DispatchTime.now().uptimeNanoseconds
        lock.unlock()
        connection.channel.eventLoop.execute { [self] in
            lock.lock()
            self.connection = connection
            let early = self.early
            self.early = []
            lock.unlock()
            for event in early { handle(event) }
            lock.lock()
            pump()
            lock.unlock()
        }
        let interval = TimeAmount.milliseconds(100)
        timer = connection.channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            self?.checkTimeout()
        }
    }

    /// Called after every reply and when the connection closes (to redraw the prompt), with
    /// the state at that moment. Called with the session's lock held: do not call back.
    private var stateObservers: [@Sendable (SessionStateMachine) -> Void] = []

    public func addStateObserver(_ observer: @escaping @Sendable (SessionStateMachine) -> Void) {
        lock.lock()
        stateObservers.append(observer)
        lock.unlock()
    }

    /// Lines to show after each reply (e.g. its explanation).
    public func addReplyObserver(_ observer: @escaping @Sendable (Reply, SessionStateMachine.Outcome) -> [String]) {
        lock.lock()
        replyObservers.append(observer)
        lock.unlock()
    }

    /// Adds a recorder (`--record`, `--json`); it sees everything from now on.
    public func addTranscriptObserver(_ observer: @escaping @Sendable (TranscriptEvent) -> Void) {
        lock.lock()
        transcriptObservers.append(observer)
        lock.unlock()
    }

    /// Shows an event and tells the recorders. Lock held.
    private func emit(_ event: TranscriptEvent, show: Bool = true) {
        for observer in transcriptObservers { observer(event) }
        guard show else { return }
        switch event {
        case .sent(let text, let tls, _): output(renderer.sent(text, tls: tls))
        case .receivedLine: break
        case .reply: break
        case .note(let text): output(renderer.note(text))
        case .warning(let text): output(renderer.warning(text))
        case .error(let text): output(renderer.error(text))
        }
    }

    // MARK: - State for the prompt and local commands

    /// Runs `body` with the state, the session's lock held: what it does cannot interleave
    /// with a state observer (the prompt set from a stale state after a newer one).
    public func withState<T>(_ body: (SessionStateMachine) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(machine)
    }

    public var state: SessionStateMachine {
        lock.lock()
        defer { lock.unlock() }
        return machine
    }

    /// What the next typed line will be.
    public var inputMode: SessionStateMachine.InputMode {
        lock.lock()
        defer { lock.unlock() }
        return machine.inputMode
    }

    /// What a line typed now would wait for before it goes out (the name of the command whose
    /// reply is awaited, "TLS" during the handshake), or `nil` when it would go out at once.
    public var awaitedReplyName: String? {
        lock.withLock {
            if machine.phase == .tlsNegotiating { return "TLS" }
            if case .chunkData = machine.inputMode, queue.isEmpty { return nil }
            guard awaitingReplies > 0 || !queue.isEmpty else { return nil }
            return machine.pending.first.map(Self.name) ?? Words["pending-server"]
        }
    }

    public var queuedLineCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return queue.count
    }

    // MARK: - The user's side

    public struct Submission: Hashable, Sendable {
        public var kind: LineKind
        /// Warnings shown before sending (never a refusal).
        public var advice: [SequenceAdvice]
        /// Sent at once, or waiting for the previous reply.
        public var queued: Bool
        /// The line carries a secret (keep it out of history).
        public var isSecret: Bool
        /// Names its reply, when submitted with `track: true` and it gets one of its own
        /// (a command, a SASL response, the lone dot that ends a message).
        public var ticket: ReplyTicket?
    }

    /// Records and sends (or queues) a line the user typed, without its line end. `shown`:
    /// show it as sent even if it goes out at once (a macro's lines); `pipelined`: a command
    /// that may go out before the replies to the commands before it (RFC 2920); `content`: in
    /// DATA, a line of the message even if it is a lone `.` (sent as `..`); `track`: keep its
    /// reply for ``reply(for:)`` (the submission's ticket).
    @discardableResult
    public func submit(_ text: String, shown: Bool = false, pipelined: Bool = false, content: Bool = false, track: Bool = false)
        -> Submission
    {
        lock.lock()
        defer { lock.unlock() }
        return submitLocked(text, shown: shown, pipelined: pipelined, content: content, track: track)
    }

    /// Submits several lines at once (a message from a file): they go out in one write.
    public func submit(lines: [String], shown: Bool = false, content: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        holdWrites = true
        for line in lines { submitLocked(line, shown: shown, pipelined: false, content: content, track: false) }
        holdWrites = writesHeld
        pump()
    }

    /// While set, lines are queued but not written (``submit(lines:shown:content:)``,
    /// ``holdWrites()``).
    private var holdWrites = false
    private var writesHeld = false

    /// Queues what is submitted from now on without writing it, until ``releaseWrites()``:
    /// a message, its final dot and the next pipelined envelope then leave in one write (a
    /// server that answers each packet on its own would otherwise wait for delayed ACKs).
    public func holdWritesUntilReleased() {
        lock.lock()
        defer { lock.unlock() }
        writesHeld = true
        holdWrites = true
    }

    /// Writes what was held (see ``holdWritesUntilReleased()``).
    public func releaseWrites() {
        lock.lock()
        defer { lock.unlock() }
        guard writesHeld else { return }
        writesHeld = false
        holdWrites = false
        pump()
    }

    @discardableResult
    private func submitLocked(_ text: String, shown: Bool, pipelined: Bool, content: Bool, track: Bool) -> Submission {
        let mode = machine.inputMode
        let bytes = Array(text.utf8)
        switch mode {
        case .messageBody:
            // `content`: a line of a message from a file, never the end of it (a lone "." is stuffed).
            let isEnd = !content && bytes == [UInt8(ascii: ".")]
            machine.messageLineSent(isEnd ? bytes : (bytes.first == UInt8(ascii: ".") ? [UInt8(ascii: ".")] : []) + bytes)
            // Dot-stuffing (RFC 5321, 4.5.2): a line that starts with "." gets another.
            let stuffed = !isEnd && bytes.first == UInt8(ascii: ".")
            let wire = (stuffed ? [UInt8(ascii: ".")] : []) + bytes + [13, 10]
            // Shown and recorded as sent (`..line`): a lone "." in a recording is always the end.
            var line = Outgoing(bytes: wire, display: stuffed ? "." + text : text, kind: .messageLine, expectsReply: isEnd, queuedLate: false)
            line.automatic = shown
            line.ticket = track && isEnd ? newTicket() : nil
            enqueue(line)
            return Submission(kind: .messageLine, advice: [], queued: !queue.isEmpty, isSecret: false, ticket: line.ticket.map(ReplyTicket.init))
        case .chunkData(let remaining, _):
            // BDAT typed by hand: the line is the chunk's next octets, its CRLF counted; what
            // goes past the size announced is not sent (the server would read it as commands).
            var wire = bytes + [13, 10]
            var rest: [UInt8] = []
            if UInt64(wire.count) > remaining {
                rest = Array(wire[Int(remaining)...])
                wire.removeLast(wire.count - Int(remaining))
            }
            machine.chunkOctetsSent(UInt64(wire.count))
            let complete = machine.chunkRemaining == 0
            let shownText = wire.suffix(2) == [13, 10] ? wire.dropLast(2) : wire[...]
            var line = Outgoing(
                bytes: wire, display: String(decoding: shownText, as: UTF8.self), kind: .messageLine, expectsReply: complete,
                queuedLate: false)
            line.automatic = shown
            line.chunk = true
            line.ticket = track && complete ? newTicket() : nil
            enqueue(line)
            if !rest.isEmpty {
                if rest.suffix(2) == [13, 10] { rest.removeLast(2) }
                emit(.warning(Words["session-chunk-overflow", [
                    "size": String(wire.count), "octets": String(rest.count), "text": VisibleText.escape(String(decoding: rest.prefix(64), as: UTF8.self)),
                ]]))
            }
            return Submission(kind: .messageLine, advice: [], queued: !queue.isEmpty, isSecret: false, ticket: line.ticket.map(ReplyTicket.init))
        case .saslResponse:
            machine.saslResponseSent()
            let display = options.showSecrets ? text : "********"
            var line = Outgoing(bytes: bytes + [13, 10], display: display, kind: .saslResponse, expectsReply: true, queuedLate: false)
            line.automatic = shown
            line.ticket = track ? newTicket() : nil
            enqueue(line)
            return Submission(kind: .saslResponse, advice: [], queued: !queue.isEmpty, isSecret: true, ticket: line.ticket.map(ReplyTicket.init))
        case .command:
            var (line, advice, secret) = commandLine(text, warn: true)
            line.automatic = shown
            line.pipelined = pipelined
            if case .chunkData(let size, _) = machine.inputMode {
                // `BDAT <size>` typed: its reply comes after the chunk, which the next lines are.
                line.expectsReply = false
                emit(.note(Words["session-chunk-follows", ["size": String(size)]]))
            } else {
                line.ticket = track ? newTicket() : nil
            }
            enqueue(line)
            return Submission(kind: .command, advice: advice, queued: !queue.isEmpty, isSecret: secret, ticket: line.ticket.map(ReplyTicket.init))
        }
    }

    /// Starts an AUTH exchange that smtpsh leads: the AUTH line now (shown redacted when it
    /// carries the secret), then the answer to each 334 as it comes. `adviceShown`: the
    /// mistakes the AUTH would make were said before the secret was asked for (``credentialRisks(for:certificateVouchedFor:)``).
    /// The ticket names the reply that ends the exchange (235, 535…), not the 334 challenges.
    @discardableResult
    public func authenticate(_ exchange: SASLExchange, adviceShown: Bool = false) -> ReplyTicket {
        lock.lock()
        defer { lock.unlock() }
        sasl = exchange
        machine.authenticating(as: exchange.user)
        var (line, _, _) = commandLine(exchange.command, warn: !adviceShown)
        line.automatic = true
        line.ticket = newTicket()
        enqueue(line)
        return ReplyTicket(id: line.ticket!)
    }

    /// After 354: streams a message read a chunk at a time (`next` returns `nil` at its end),
    /// dot-stuffed and with CRLF line ends, each chunk written to the network before the
    /// next is read, so memory stays bounded whatever the message's size. The first
    /// `shownLines` lines are shown and recorded, then a note says how much followed. A
    /// server that stops reading for `replyTimeout` seconds ends the session. The final "."
    /// is the caller's (``submit(_:shown:pipelined:content:)``). Returns false when the
    /// session ended meanwhile.
    public func streamMessage(shownLines: Int = 200, next: () -> [UInt8]?) -> Bool {
        lock.lock()
        guard let connection, !isClosed, machine.phase == .data, queue.isEmpty else {
            lock.unlock()
            return false
        }
        let tls = machine.isTLS
        lock.unlock()
        var encoder = MessageDataEncoder()
        var shown = 0
        var lines = 0
        var octets: UInt64 = 0
        var line: [UInt8] = []
        func show(_ bytes: [UInt8]) {
            for byte in bytes {
                if byte == 10 {
                    if shown < shownLines {
                        if line.last == 13 { line.removeLast() }
                        let text = String(decoding: line, as: UTF8.self)
                        lock.withLock { emit(.sent(text, tls: tls, kind: .messageLine)) }
                        shown += 1
                    }
                    lines += 1
                    line.removeAll(keepingCapacity: true)
                } else if shown < shownLines && line.count < 65_536 {
                    line.append(byte)
                }
            }
        }
        func write(_ bytes: [UInt8]) -> Bool {
            guard !bytes.isEmpty else { return true }
            show(bytes)
            octets += UInt64(bytes.count)
            let done = DispatchSemaphore(value: 0)
            let future = connection.writeFuture(bytes)
            future.whenComplete { _ in done.signal() }
            if done.wait(timeout: .now() + options.replyTimeout) == .timedOut {
                lock.withLock {
                    emit(.error(Words["session-server-not-reading", ["seconds": ConnectError.seconds(options.replyTimeout)]]))
                    timedOut = true
                    signalSettled()
                }
                connection.close()
                return false
            }
            return !isClosed
        }
        while let chunk = next() {
            var output: [UInt8] = []
            output.reserveCapacity(chunk.count + chunk.count / 16 + 2)
            encoder.encode(chunk, into: &output)
            guard write(output) else { return false }
        }
        var tail: [UInt8] = []
        encoder.finish(into: &tail)
        tail.removeLast(3)  // ".\r\n": the caller's
        guard write(tail) else { return false }
        if lines > shown {
            lock.withLock {
                emit(.note(Words["session-message-more-lines", ["count": String(lines - shown), "octets": String(octets)]]))
            }
        }
        lock.withLock { lastActivity = DispatchTime.now().uptimeNanoseconds }
        return true
    }

    /// A whole message after 354, already encoded (dot-stuffed, CRLF line ends, without the
    /// final dot), as one item of the queue: with writes held, it leaves in the same write as
    /// its dot and the next pipelined envelope. Shown and recorded as `streamMessage` shows a
    /// message: its first `shownLines` lines as sent, then how many more there were.
    public func submitMessageData(_ encoded: [UInt8], shownLines: Int = 200) {
        guard !encoded.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        var lines = TextLines.split(encoded)
        let more = max(0, lines.count - shownLines)
        lines.removeLast(more)
        var line = Outgoing(bytes: encoded, display: lines.first ?? "", kind: .messageLine, expectsReply: false, queuedLate: false)
        line.automatic = true
        line.extraDisplay = Array(lines.dropFirst())
        if more > 0 {
            line.trailingNote = Words["session-message-more-lines", ["count": String(more), "octets": String(encoded.count)]]
        }
        enqueue(line)
    }

    /// Sends `BDAT <size> [LAST]` and the chunk that follows it (RFC 3030), as one unit,
    /// shown as sent with the chunk's lines. `pipelined` as for ``submit(_:shown:pipelined:)``;
    /// the ticket names BDAT's reply.
    @discardableResult
    public func submitChunk(_ chunk: [UInt8], last: Bool, pipelined: Bool = false) -> ReplyTicket {
        lock.lock()
        defer { lock.unlock() }
        let text = "BDAT \(chunk.count)" + (last ? " LAST" : "")
        var (line, _, _) = commandLine(text, warn: true)
        line.bytes += chunk
        machine.chunkOctetsSent(UInt64(chunk.count))
        line.automatic = true
        line.pipelined = pipelined
        line.extraDisplay = TextLines.split(chunk)
        line.ticket = newTicket()
        enqueue(line)
        return ReplyTicket(id: line.ticket!)
    }

    /// A command line recorded in the state machine (after the warnings it deserves, with
    /// `warn`), and the line to send, shown redacted when it carries a secret. Lock held.
    private func commandLine(_ text: String, warn: Bool) -> (line: Outgoing, advice: [SequenceAdvice], secret: Bool) {
        let bytes = Array(text.utf8)
        let advice = warn ? machine.advice(forCommandLine: bytes) : []
        for item in advice {
            emit(.warning(AdviceText.text(item)))
        }
        let command = (try? CommandParser.parse(bytes)) ?? .raw(bytes)
        machine.commandSent(command)
        let secret = Self.carriesSecret(command, bytes: bytes)
        let display = secret && !options.showSecrets ? Self.redacted(text) : text
        let line = Outgoing(bytes: bytes + [13, 10], display: display, kind: .command, expectsReply: true, queuedLate: false)
        return (line, advice, secret)
    }

    /// An AUTH line with its initial response (`AUTH PLAIN dXNlcg==`): a secret.
    private static func carriesSecret(_ command: Command, bytes: [UInt8]) -> Bool {
        command.carriesSecret || (command.knownVerb == .auth && bytes.split(separator: 32).count > 2)
    }

    /// How a line typed now would be shown if it carries a secret (`AUTH PLAIN ********`, or
    /// `********` for an answer to a challenge); `nil` for any other line, and with
    /// `--show-secrets`. The prompt replaces the line on the screen with it.
    public func redactedForm(ofTyped text: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard !options.showSecrets else { return nil }
        switch machine.inputMode {
        case .saslResponse:
            return "********"
        case .messageBody, .chunkData:
            return nil
        case .command:
            let bytes = Array(text.utf8)
            let command = (try? CommandParser.parse(bytes)) ?? .raw(bytes)
            return Self.carriesSecret(command, bytes: bytes) ? Self.redacted(text) : nil
        }
    }

    /// `AUTH PLAIN dXNlcg==` → `AUTH PLAIN ********`.
    public static func redacted(_ line: String) -> String {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count > 2 else { return line }
        return "\(words[0]) \(words[1]) ********"
    }

    private func enqueue(_ line: Outgoing) {
        var line = line
        line.queuedLate = !queue.isEmpty || awaitingReplies > 0
        queue.append(line)
        pump()
    }

    /// Gives a line to the output now, or at the end of the batch being gathered. Lock held.
    private func output(_ line: String) {
        if gatheredOutput != nil {
            gatheredOutput!.append(line)
        } else {
            outputLines(line)
        }
    }

    /// Runs `body` with the output gathered, then gives it out in one call. Lock held.
    private func gatheringOutput(_ body: () -> Void) {
        guard gatheredOutput == nil else { return body() }
        gatheredOutput = []
        body()
        let lines = gatheredOutput!
        gatheredOutput = nil
        if !lines.isEmpty { outputLines(lines.joined(separator: "\n")) }
    }

    /// Sends what may be sent now. Lock held.
    private func pump() {
        gatheringOutput(pumpGathered)
    }

    private func pumpGathered() {
        guard let connection, !isClosed, !holdWrites else { return }
        var batch: [UInt8] = []
        // Nothing goes out between STARTTLS's 220 and the end of the handshake.
        if machine.phase == .tlsNegotiating { return }
        while let head = queue.first {
            if head.chunk {
                // A chunk's octets follow their BDAT, which has left.
            } else if head.kind == .messageLine {
                guard machine.phase == .data else { break }
            } else if awaitingReplies > 0 && !head.pipelined {
                break
            }
            queue.removeFirst()
            batch += head.bytes
            let show = options.echoSentLines || head.queuedLate || head.automatic
            emit(.sent(head.display, tls: machine.isTLS, kind: head.kind), show: show)
            // A chunk's lines: all recorded, the first 200 shown.
            for (number, extra) in head.extraDisplay.enumerated() {
                emit(.sent(extra, tls: machine.isTLS, kind: .messageLine), show: show && number < 200)
            }
            if show && head.extraDisplay.count > 200 {
                output(renderer.note(Words["session-chunk-more-lines", ["count": String(head.extraDisplay.count - 200)]]))
            }
            if let note = head.trailingNote { emit(.note(note), show: show) }
            if head.expectsReply {
                awaitingReplies += 1
                inFlight.append(head.ticket)
                sentTimes.append(DispatchTime.now().uptimeNanoseconds)
                lastActivity = DispatchTime.now().uptimeNanoseconds
                if awaitingReplies == 1 { firstLineOfReply = true }
                // After the end of a message, only pipelined commands may follow at once.
                if head.kind == .messageLine && queue.first?.pipelined != true { break }
            }
        }
        if !batch.isEmpty { connection.write(batch) }
    }

    // MARK: - The server's side

    /// Handles what the connection reports (on its event loop).
    public func handle(_ event: ConnectionEvent) {
        lock.lock()
        defer { lock.unlock() }
        guard connection != nil else {
            early.append(event)
            return
        }
        // A reply and its explanation, or what a reply set off, in one write.
        gatheringOutput { handleLocked(event) }
    }

    private func handleLocked(_ event: ConnectionEvent) {
        lastActivity = DispatchTime.now().uptimeNanoseconds
        switch event {
        case .line(let line):
            var latency: Double?
            if firstLineOfReply {
                firstLineOfReply = false
                if awaitingReplies > 0, let sent = sentTimes.first {
                    latency = Double(DispatchTime.now().uptimeNanoseconds - sent) / 1e6
                }
            }
            machine.replyLineReceived(line)
            emit(.receivedLine(line, tls: machine.isTLS), show: false)
            output(renderer.received(line, tls: machine.isTLS, latency: latency))
            warnedOverlong = false
        case .reply(let reply):
            firstLineOfReply = true
            let latency = awaitingReplies > 0 ? sentTimes.first.map { Double(DispatchTime.now().uptimeNanoseconds - $0) / 1e6 } : nil
            emit(.reply(reply, tls: machine.isTLS, latency: latency), show: false)
            received(reply)
        case .unparsableLine(let line):
            emit(.receivedLine(line, tls: machine.isTLS), show: false)
            output(renderer.received(line, tls: machine.isTLS, latency: nil))
            emit(.warning(Words["session-not-a-reply"]))
        case .unfinishedLine(let line):
            emit(.receivedLine(line, tls: machine.isTLS), show: false)
            output(renderer.received(line, tls: machine.isTLS, latency: nil))
            emit(.warning(Words["session-unfinished-line"]))
        case .overlongLine(let length):
            if !warnedOverlong {
                warnedOverlong = true
                emit(.warning(Words["session-endless-line", ["length": String(length)]]))
            }
        case .tlsEstablished(let report):
            tlsReport = report
            // After STARTTLS the session starts over; implicit TLS (--tls) starts with it.
            let afterStartTLS = machine.phase == .tlsNegotiating
            machine.tlsEstablished()
            for line in TLSReportText.lines(report) { emit(.note(line)) }
            if afterStartTLS, options.startTLS, let name = ehloName {
                // Before anything typed meanwhile: the session starts over with EHLO.
                enqueueAutomatic("EHLO " + name, first: true)
            } else if afterStartTLS, options.remindEHLOAfterTLS {
                emit(.note(Words["tls-ehlo-again"]))
            }
            stateObservers.forEach { $0(machine) }
            pump()
            if queue.isEmpty && awaitingReplies == 0 { signalSettled() }
        case .tlsFailed(let failure):
            guard tlsFailure == nil else { return }
            tlsFailure = failure
            emit(.error(failure.reason))
            // A certificate refused: whose it is, and how to trust it.
            for line in TLSReportText.refusal(failure) { emit(.note(line)) }
        case .closed(let reason):
            guard !isClosed else { return }
            let expected = machine.phase == .closed
            isClosed = true
            machine.connectionClosed()
            if !expected && !closedByUs { closedByServerUnexpectedly = true }
            if tlsFailure != nil {
                // The TLS failure has been said; the connection ends with it.
            } else if let reason {
                emit(.error(Words["session-connection-lost", ["reason": reason]]))
            } else {
                // After 221 or 421 the server closes, as telnet says; otherwise smtpsh did.
                emit(.note(Words[closedByUs && !expected ? "session-closed-locally" : "session-closed-by-server"]))
            }
            if !queue.isEmpty {
                emit(.warning(Words["session-lines-not-sent", ["count": String(queue.count)]]))
                for line in queue { resolve(line.ticket, .unanswered) }
                queue.removeAll()
            }
            for ticket in inFlight { resolve(ticket, .unanswered) }
            inFlight.removeAll()
            timer?.cancel()
            stateObservers.forEach { $0(machine) }
            signalSettled()
        }
    }

    private func received(_ reply: Reply) {
        // A reply after a timeout: the session goes on (it ends with the status of how it ends).
        timedOut = false
        let solicited = awaitingReplies > 0
        let answered = solicited ? machine.pending.first : nil
        let outcome = machine.replyReceived(reply, solicited: solicited)
        var ticket: Int?
        if solicited {
            awaitingReplies -= 1
            if !sentTimes.isEmpty { sentTimes.removeFirst() }
            if !inFlight.isEmpty { ticket = inFlight.removeFirst() }
        }
        if case .greeting? = answered { greetingValue = reply }
        for violation in reply.violations {
            emit(.warning(Self.describe(violation)))
        }
        if outcome.answered == nil {
            emit(.warning(Words["session-unsolicited-reply"]))
        } else if outcome.classification == .unexpected, let answered {
            emit(.warning(Words["session-unexpected-code", ["code": "\(reply.code)", "command": Self.name(answered)]]))
        }
        if !reply.replyClass.isPositive && negativeReplies.count < 1000 { negativeReplies.append(reply) }
        for observer in replyObservers {
            for line in observer(reply, outcome) { output(line) }
        }
        // DATA or AUTH refused: what was typed for them must not go out as commands.
        var answeredAuth = false
        if let answered {
            switch answered {
            case .command(let command):
                if command.knownVerb == .data && reply.code != .startMailInput {
                    dropQueued(.messageLine, reason: Words["session-data-refused-lines-dropped"])
                    machine.withdrawPending(.endOfData)
                }
                answeredAuth = command.knownVerb == .auth
            case .saslResponse:
                answeredAuth = true
            case .greeting, .endOfData:
                break
            }
        }
        if answeredAuth && reply.code != .authChallenge {
            dropQueued(.saslResponse, reason: Words["session-auth-ended-lines-dropped"])
            sasl = nil
        }
        if answeredAuth && reply.code == .authChallenge, var exchange = sasl {
            // smtpsh leads this exchange: the answer goes out at once, redacted on screen; the
            // exchange's ticket waits for the reply that ends it.
            let response = exchange.respond(to: reply.lines.first?.textString ?? "")
            sasl = exchange
            machine.saslResponseSent()
            let shown = options.showSecrets || !exchange.lastAnswerCarriesSecret
            var line = Outgoing(
                bytes: Array(response.utf8) + [13, 10], display: shown ? response : "********",
                kind: .saslResponse, expectsReply: true, queuedLate: false)
            line.automatic = true
            line.ticket = ticket
            queue.insert(line, at: 0)
        } else {
            resolve(ticket, .answered(reply))
        }
        if outcome.phaseAfter == .tlsNegotiating && outcome.phaseBefore != .tlsNegotiating, let connection {
            emit(.note(Words["tls-starting"]))
            if let problem = connection.startTLS() {
                tlsFailure = TLSFailure(reason: problem, verification: false)
                emit(.error(problem))
            }
        }
        // --starttls: EHLO, then STARTTLS, right after the greeting.
        if options.startTLS, let name = ehloName, !machine.isTLS, case .greeting? = answered, reply.code.replyClass == .positiveCompletion {
            enqueueAutomatic("EHLO " + name)
            enqueueAutomatic("STARTTLS")
        }
        if machine.phase == .closed && !isClosed {
            // 221 or 421: the server will close; say nothing more.
            if !queue.isEmpty {
                emit(.warning(Words["session-lines-after-end-not-sent", ["count": String(queue.count)]]))
                for line in queue { resolve(line.ticket, .unanswered) }
                queue.removeAll()
            }
        }
        pump()
        stateObservers.forEach { $0(machine) }
        if queue.isEmpty && awaitingReplies == 0 { signalSettled() }
    }

    /// A command smtpsh sends by itself (--starttls), recorded and shown as if typed.
    private func enqueueAutomatic(_ text: String, first: Bool = false) {
        var (line, _, _) = commandLine(text, warn: false)
        line.automatic = true
        if first { queue.insert(line, at: 0) } else { queue.append(line) }
    }

    private func dropQueued(_ kind: LineKind, reason: String) {
        let before = queue.count
        var dropping = true
        queue.removeAll { line in
            guard dropping, line.kind == kind else {
                dropping = false
                return false
            }
            if kind == .saslResponse { machine.withdrawPending(.saslResponse) }
            if line.kind == .messageLine && line.expectsReply { dropping = false }
            resolve(line.ticket, .unanswered)
            return true
        }
        if queue.count < before { emit(.warning(reason)) }
    }

    /// How a pending item is named in messages ("RCPT", "the greeting").
    public static func name(_ pending: SessionStateMachine.Pending) -> String {
        switch pending {
        case .greeting: Words["pending-greeting"]
        case .command(let command): command.verb
        case .endOfData: Words["pending-end-of-data"]
        case .saslResponse: Words["pending-auth-response"]
        }
    }

    static func describe(_ violation: ProtocolViolation) -> String {
        switch violation {
        case .codeChanged(let from, let to, let line): Words["violation-code-changed", ["line": String(line + 1), "code": "\(to)", "first": "\(from)"]]
        case .lineWithoutCode(let line): Words["violation-line-without-code", ["line": String(line + 1)]]
        case .lineTooLong(_, let length): Words["violation-line-too-long", ["length": String(length)]]
        case .tooManyLines(let count): Words["violation-too-many-lines", ["count": String(count)]]
        case .bareLineFeed: Words["violation-bare-lf"]
        }
    }

    // MARK: - Waiting

    private func checkTimeout() {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed, !timedOut, awaitingReplies > 0 else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let silent = Double(now - min(lastActivity, now)) / 1e9
        // Silence for --timeout; or a reply that keeps coming and never ends (a line now and
        // then, forever): ten times --timeout since the command, at most.
        let waiting = sentTimes.first.map { Double(now - min($0, now)) / 1e9 } ?? 0
        let what = machine.pending.first.map(Self.name) ?? Words["pending-server"]
        if silent >= options.replyTimeout {
            timedOut = true
            emit(.error(Words["session-reply-timed-out", ["what": what, "seconds": ConnectError.seconds(options.replyTimeout)]]))
            // A silent server at connect: often a TLS port (465) waiting for a ClientHello.
            if case .greeting? = machine.pending.first, !machine.isTLS { emit(.note(Words["session-greeting-timeout-tls"])) }
            signalSettled()
        } else if waiting >= options.replyTimeout * 10 {
            timedOut = true
            emit(.error(Words["session-reply-never-ends", ["what": what, "seconds": ConnectError.seconds(options.replyTimeout * 10)]]))
            signalSettled()
        }
    }

    /// Between STARTTLS's 220 and the end of the handshake, or, with --starttls, until TLS
    /// is up: a script's next line waits.
    private var tlsPending: Bool {
        if machine.phase == .tlsNegotiating { return true }
        return options.startTLS && !machine.isTLS && tlsFailure == nil && machine.phase != .closed
    }

    public var hasTimedOut: Bool {
        lock.lock()
        defer { lock.unlock() }
        return timedOut
    }

    /// Wakes `waitUntilSettled` and `waitUntilClosed`. Called with the session's lock held;
    /// the waiters never hold the signal's lock while they take the session's.
    private func signalSettled() {
        settled.signal()
    }

    /// Waits until every typed line is sent and answered, the connection closes, or a reply
    /// times out (or `limit` seconds pass: then `.timedOut`).
    public func waitUntilSettled(limit: Double? = nil) -> Settled {
        let deadline = limit.map { DispatchTime.now().uptimeNanoseconds + UInt64($0 * 1e9) }
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if let deadline, now >= deadline { return .timedOut }
            let seen = settled.generation
            lock.lock()
            let result: Settled? =
                isClosed ? .closed : timedOut ? .timedOut : (queue.isEmpty && awaitingReplies == 0 && !tlsPending) ? .idle : nil
            lock.unlock()
            if let result { return result }
            // Every change that can settle the session signals; the check again after a
            // quarter of a second is a safety net, not the way it wakes.
            settled.wait(after: seen, untilUptimeNanoseconds: min(deadline ?? .max, now + 250_000_000))
        }
    }

    /// Waits until the connection is closed (its close reported), at most `limit` seconds.
    public func waitUntilClosed(limit: Double) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(limit * 1e9)
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline { return }
            let seen = settled.generation
            lock.lock()
            let closed = isClosed || connection == nil
            lock.unlock()
            if closed { return }
            settled.wait(after: seen, untilUptimeNanoseconds: min(deadline, now + 250_000_000))
        }
    }

    /// Closes the connection from our side.
    public func close() {
        lock.lock()
        let connection = self.connection
        timer?.cancel()
        closedByUs = true
        lock.unlock()
        connection?.close()
    }

    /// Takes back the lines typed but not sent yet (Ctrl-C at the prompt): they are dropped,
    /// and the session forgets them. Not in the middle of a chunk typed after BDAT, whose
    /// octets the server is counting. Returns how many were dropped.
    @discardableResult
    public func dropQueuedLines() -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard !queue.isEmpty, machine.chunkRemaining == 0, !queue.contains(where: \.chunk), sasl == nil else { return 0 }
        let dropped = queue
        queue.removeAll()
        // The state machine counted each command, SASL response and end of message when typed.
        let recorded = dropped.count { $0.kind != .messageLine || $0.expectsReply }
        machine.withdrawLast(recorded)
        for line in dropped { resolve(line.ticket, .unanswered) }
        let shown = dropped.prefix(3).map { VisibleText.escape($0.display) }.joined(separator: ", ")
        emit(.warning(Words[dropped.count > 3 ? "session-queue-dropped-more" : "session-queue-dropped", [
            "count": String(dropped.count), "lines": shown, "more": String(dropped.count - min(3, dropped.count)),
        ]]))
        stateObservers.forEach { $0(machine) }
        if awaitingReplies == 0 { signalSettled() }
        return dropped.count
    }

    /// Emits a local note through the same output (in order with replies).
    public func note(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        emit(.note(text))
    }

    public func warn(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        emit(.warning(text))
    }
}
