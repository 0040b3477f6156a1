import NIOCore
import SMTPCore

/// A client session as the user's side drives it: the prompt, a script, a macro, `smtpsh
/// send`, a replay. The session itself lives on its event loop (``ClientSessionCore``, which
/// owns the ``ClientStateMachine``); every call here hops to that loop and, when it needs an
/// answer, waits for it there. Waiting for replies is waiting on a future.
///
/// ```swift
/// let ticket = session.submit("MAIL FROM:<a@example.org>", track: true).ticket!
/// _ = session.waitUntilSettled()
/// if case .answered(let reply) = session.reply(for: ticket) { … }
/// ```
///
/// What happens is told to the observers (``addObserver(_:)``) as ``SessionEvent``s, on the
/// event loop, in order; the session words nothing.
public final class ClientSession: Sendable {
    public struct Options: Sendable {
        /// Seconds to wait for each reply (and for the greeting).
        public var replyTimeout: Double = 30
        /// Show AUTH payloads instead of asterisks (only when the user asks).
        public var showSecrets = false
        /// `--starttls`: after the greeting, EHLO (with ``ClientSession/ehloName``),
        /// STARTTLS, and EHLO again once TLS is up.
        public var startTLS = false
        /// Remind the user to send EHLO again after STARTTLS (not when smtpsh sends it).
        public var remindEHLOAfterTLS = true
        /// LMTP (RFC 2033): LHLO, and one reply per recipient after each message.
        public var lmtp = false
        public init() {}
    }

    public typealias LineKind = ClientStateMachine.LineKind
    public typealias Submission = ClientStateMachine.Submission
    public typealias ReplyTicket = SMTPCore.ReplyTicket
    public typealias TicketState = SMTPCore.TicketState

    public enum Settled: Hashable, Sendable {
        case idle
        case closed
        case timedOut
    }

    public let options: Options
    public let eventLoop: EventLoop
    let core: ClientSessionCore

    public init(options: Options, implicitTLS: Bool = false, eventLoop: EventLoop) {
        self.options = options
        self.eventLoop = eventLoop
        var configuration = ClientStateMachine.Configuration()
        configuration.replyTimeout = options.replyTimeout
        configuration.startTLS = options.startTLS
        configuration.remindEHLOAfterTLS = options.remindEHLOAfterTLS
        configuration.showSecrets = options.showSecrets
        configuration.implicitTLS = implicitTLS
        configuration.lmtp = options.lmtp
        core = ClientSessionCore(loop: eventLoop, configuration: configuration)
    }

    /// Runs `body` on the event loop and waits for its result (at once when already there).
    private func onLoop<T: Sendable>(_ body: @escaping @Sendable (ClientSessionCore) -> T) -> T {
        if eventLoop.inEventLoop { return body(core) }
        let core = self.core
        return try! eventLoop.submit { body(core) }.wait()
    }

    /// Runs `body` on the event loop without waiting (in order with the other calls).
    private func later(_ body: @escaping @Sendable (ClientSessionCore) -> Void) {
        if eventLoop.inEventLoop { return body(core) }
        let core = self.core
        eventLoop.execute { body(core) }
    }

    // MARK: - Set-up

    /// Follows the session from now on (on the event loop, in order).
    public func addObserver(_ observer: any SessionObserver) {
        onLoop { $0.addObserver(observer) }
    }

    /// The name smtpsh greets with when it sends EHLO itself (`--starttls`, `:send`,
    /// `smtpsh send`), set once connected (it can depend on this side's address).
    public var ehloName: String? {
        onLoop { $0.machine.configuration.ehloName }
    }

    /// Called once connected, with the name smtpsh greets with. What the server sent before
    /// (the greeting often arrives before the connect call returns) is handled then, in
    /// order, after "Connected", and lines submitted meanwhile go out.
    public func attach(_ connection: ClientConnection, ehloName: String? = nil) {
        later { core in
            core.run { machine in ((), machine.use(ehloName: ehloName)) }
            core.attach(connection)
        }
    }

    /// What the connection reports (its events closure; on the event loop).
    public func handle(_ event: ConnectionEvent) {
        later { $0.handle(event) }
    }

    // MARK: - The user's side

    /// Records and sends (or queues) a line the user typed, without its line end. `shown`:
    /// show it as sent even if it goes out at once (a macro's lines); `pipelined`: a command
    /// that may go out before the replies to the commands before it (RFC 2920); `content`: in
    /// DATA, a line of the message even if it is a lone `.` (sent as `..`); `track`: keep its
    /// reply for ``reply(for:)`` (the submission's ticket).
    @discardableResult
    public func submit(_ text: String, shown: Bool = false, pipelined: Bool = false, content: Bool = false, track: Bool = false)
        -> Submission
    {
        let options = ClientStateMachine.SubmitOptions(shown: shown, pipelined: pipelined, content: content, track: track)
        return onLoop { core in core.run { $0.submit(text, options, now: ClientSessionCore.now) } }
    }

    /// Submits several lines at once (a message from a file): they go out in one write.
    public func submit(lines: [String], shown: Bool = false, content: Bool = false) {
        let options = ClientStateMachine.SubmitOptions(shown: shown, content: content)
        later { core in core.run { $0.submit(lines: lines, options, now: ClientSessionCore.now) } }
    }

    /// Queues what is submitted from now on without writing it, until ``releaseWrites()``:
    /// a message, its final dot and the next pipelined envelope then leave in one write.
    public func holdWritesUntilReleased() {
        later { core in core.run { $0.holdWritesUntilReleased(); return [] } }
    }

    public func releaseWrites() {
        later { core in core.run { $0.releaseWrites(now: ClientSessionCore.now) } }
    }

    /// Sends bytes exactly as they are (`:raw`, `send --raw-data`), at once, with a warning
    /// that this is not SMTP (``ClientStateMachine/submitRaw(_:track:now:)``). With `track`,
    /// the ticket names the first reply the bytes' CRLF lines call for (`nil` when none).
    @discardableResult
    public func submitRaw(_ bytes: [UInt8], track: Bool = false) -> ReplyTicket? {
        onLoop { core in core.run { $0.submitRaw(bytes, track: track, now: ClientSessionCore.now) } }
    }

    /// Starts an AUTH exchange smtpsh leads: the AUTH line now, then the answer to each 334.
    /// The ticket names the reply that ends the exchange (235, 535…), not the challenges.
    @discardableResult
    public func authenticate(_ exchange: any SASLClient, adviceShown: Bool = false) -> ReplyTicket {
        onLoop { core in core.run { $0.authenticate(exchange, adviceShown: adviceShown, now: ClientSessionCore.now) } }
    }

    /// `BDAT <size> [LAST]` and the chunk that follows it (RFC 3030), as one unit.
    @discardableResult
    public func submitChunk(_ chunk: [UInt8], last: Bool, pipelined: Bool = false) -> ReplyTicket {
        onLoop { core in core.run { $0.submitChunk(chunk, last: last, pipelined: pipelined, now: ClientSessionCore.now) } }
    }

    /// A whole message after 354, already encoded (dot-stuffed, CRLF line ends, without the
    /// final dot), as one item of the queue, shown by its first `shownLines` lines.
    public func submitMessageData(_ encoded: [UInt8], shownLines: Int = 200) {
        later { core in core.run { $0.submitMessageData(encoded, shownLines: shownLines, now: ClientSessionCore.now) } }
    }

    /// Takes back the lines typed but not sent yet (Ctrl-C): how many were dropped.
    @discardableResult
    public func dropQueuedLines() -> Int {
        onLoop { core in core.run { $0.dropQueuedLines() } }
    }

    /// Says something in the transcript, in order with the rest (already worded).
    public func say(_ remark: Remark) {
        later { $0.say(remark) }
    }

    // MARK: - A message streamed a chunk at a time

    /// After 354: streams a message read a chunk at a time (`next` returns `nil` at its end),
    /// dot-stuffed and with CRLF line ends, each chunk handed to the kernel before the next
    /// is read, so memory stays bounded whatever the message's size. The first `shownLines`
    /// lines are shown and recorded, then a note says how much followed. A server that stops
    /// reading for the reply timeout ends the session. The final "." is the caller's. Returns
    /// false when the session ended meanwhile.
    public func streamMessage(shownLines: Int = 200, next: () -> [UInt8]?) -> Bool {
        guard onLoop({ $0.canStream }) else { return false }
        var encoder = MessageDataEncoder()
        var lines = LineCounter(shownLines: shownLines)
        func write(_ bytes: [UInt8], more: ClientNotice? = nil) -> Bool {
            let shown = lines.take(bytes)
            let deadline = Self.deadline(in: options.replyTimeout)
            let written = onLoop { $0.within($0.stream(bytes, shown: shown, more: more), deadline: deadline) }
            guard (try? written.wait()) == true else {
                later { $0.streamStalled() }
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
        let shownAll = lines.counted + lines.partialCount(tail)
        let more = shownAll > shownLines ? ClientNotice.messageMoreLines(count: shownAll - shownLines, octets: lines.octets + tail.count) : nil
        return write(tail, more: more)
    }

    /// The lines of a streamed message, as the transcript shows its first ones.
    struct LineCounter {
        let shownLines: Int
        var counted = 0
        var octets = 0
        var line: [UInt8] = []

        init(shownLines: Int) { self.shownLines = shownLines }

        mutating func take(_ bytes: [UInt8]) -> [String] {
            octets += bytes.count
            var shown: [String] = []
            for byte in bytes {
                if byte == 10 {
                    if counted < shownLines {
                        if line.last == 13 { line.removeLast() }
                        shown.append(String(decoding: line, as: UTF8.self))
                    }
                    counted += 1
                    line.removeAll(keepingCapacity: true)
                } else if counted < shownLines && line.count < 65_536 {
                    line.append(byte)
                }
            }
            return shown
        }

        func partialCount(_ bytes: [UInt8]) -> Int { bytes.count { $0 == 10 } }
    }

    // MARK: - Waiting

    /// Waits until every line is sent and answered, the connection closes, or a reply times
    /// out (or `limit` seconds pass: then `.timedOut`).
    public func waitUntilSettled(limit: Double? = nil) -> Settled {
        let deadline = limit.map(Self.deadline(in:))
        let future = onLoop { $0.settled(deadline: deadline) }
        return (try? future.wait()) ?? .closed
    }

    /// After raw bytes: waits until the session settles, then until `quiet` seconds pass
    /// without a reply (at most `limit` seconds in all), so that the replies a server gives
    /// beyond those awaited (it read the bytes otherwise) are shown with the bytes, not
    /// taken for the answers to what is sent next.
    public func lingerForReplies(quiet: Double = 0.5, limit: Double = 5) {
        let deadline = Self.deadline(in: limit)
        _ = waitUntilSettled(limit: limit)
        var seen = onLoop { $0.machine.repliesReceived }
        while NIODeadline.now() < deadline && !isClosed {
            try? eventLoop.scheduleTask(in: .nanoseconds(Int64(quiet * 1e9))) {}.futureResult.wait()
            let now = onLoop { $0.machine.repliesReceived }
            if now == seen { return }
            seen = now
        }
    }

    /// Waits until the connection is closed (its close reported), at most `limit` seconds.
    public func waitUntilClosed(limit: Double) {
        let deadline = Self.deadline(in: limit)
        _ = try? onLoop { $0.within($0.closed(), deadline: deadline) }.wait()
    }

    private static func deadline(in seconds: Double) -> NIODeadline {
        .now() + .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
    }

    /// Closes the connection from our side.
    public func close() {
        later { $0.close() }
    }

    // MARK: - The state, for the prompt and local commands

    public var state: SessionStateMachine { onLoop { $0.machine.session } }

    /// Runs `body` with the state on the event loop: nothing the session does can interleave
    /// with it (the prompt set from a stale state after a newer one).
    public func withState<T: Sendable>(_ body: @escaping @Sendable (SessionStateMachine) -> T) -> T {
        onLoop { body($0.machine.session) }
    }

    /// What the next typed line will be.
    public var inputMode: SessionStateMachine.InputMode { onLoop { $0.machine.inputMode } }

    public var queuedLineCount: Int { onLoop { $0.machine.queuedLineCount } }

    /// What a line typed now would wait for before it goes out, or `nil`.
    public var awaited: ClientStateMachine.Awaited? { onLoop { $0.machine.awaited } }

    /// How a line typed now would be shown if it carries a secret, or `nil`.
    public func redactedForm(ofTyped text: String) -> String? {
        onLoop { $0.machine.redactedForm(ofTyped: text) }
    }

    /// What became of a ticket's line (an answer is given once).
    public func reply(for ticket: ReplyTicket) -> TicketState {
        onLoop { core in core.run { machine in (machine.reply(for: ticket), []) } }
    }

    /// The server's greeting, once it came.
    public var greeting: Reply? { onLoop { $0.machine.greeting } }

    /// The server's address (`nil` before the connection is attached).
    public var remoteAddress: SocketAddress? { onLoop { $0.remoteAddress } }

    public var isClosed: Bool { onLoop { $0.machine.isClosed } }
    public var negativeReplies: [Reply] { onLoop { $0.machine.negativeReplies } }
    public var closedByServerUnexpectedly: Bool { onLoop { $0.machine.closedByServerUnexpectedly } }
    public var hasTimedOut: Bool { onLoop { $0.machine.timedOut } }
    /// Why TLS failed, if it did (exit status 7, or 8 for a certificate --tls-verify refused).
    public var tlsFailure: TLSFailure? { onLoop { $0.tlsFailure } }
    /// The last TLS handshake's report (`:tls` shows it again).
    public var tlsReport: TLSReport? { onLoop { $0.tlsReport } }
}
