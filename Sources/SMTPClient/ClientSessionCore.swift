import Dispatch
import NIOCore
import SMTPCore

/// The session on its event loop: it owns the ``ClientStateMachine`` and carries out its
/// actions (writes on the connection, TLS inserted after STARTTLS's 220, events to the
/// observers, waiters woken). Everything it does happens on `loop`: no lock. The main
/// thread reaches it through ``ClientSession``, which hops to the loop.
///
/// ```
/// socket → ReplyReader → handle(ConnectionEvent) → machine.receive → actions
///   → write / startTLS / observers.session(events) / settled promises
/// ```
final class ClientSessionCore: @unchecked Sendable {
    let loop: EventLoop
    private(set) var machine: ClientStateMachine
    private var connection: ClientConnection?
    /// What the connection reported before ``attach(_:)`` (the greeting often arrives first).
    private var early: [ConnectionEvent] = []
    private var observers: [any SessionObserver] = []
    private var settledWaiters: [EventLoopPromise<ClientSession.Settled>] = []
    private var closedWaiters: [EventLoopPromise<Void>] = []
    private var timer: RepeatedTask?
    private(set) var tlsReport: TLSReport?
    private(set) var tlsFailure: TLSFailure?
    private(set) var remoteAddress: SocketAddress?
    /// Events of the input being handled, delivered together at its end.
    private var gathered: [SessionEvent] = []
    private var stateChanged = false
    private var depth = 0
    /// Lines of one read from the socket are being handled: what they produce is shown
    /// together when the read is complete.
    private var reading = false
    /// The machine said it may be settled: waiters are woken once what it produced is shown,
    /// so that what a waiter prints next comes after it.
    private var settledPending = false

    init(loop: EventLoop, configuration: ClientStateMachine.Configuration) {
        self.loop = loop
        machine = ClientStateMachine(configuration: configuration, now: Self.now)
    }

    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    func addObserver(_ observer: any SessionObserver) {
        loop.preconditionInEventLoop()
        observers.append(observer)
    }

    // MARK: - Running an input

    /// Runs `body` (which changes the machine and returns its actions), carries the actions
    /// out, and gives the observers what it produced, in one call.
    @discardableResult
    func run<T>(_ body: (inout ClientStateMachine) -> (T, [ClientStateMachine.Action])) -> T {
        loop.preconditionInEventLoop()
        depth += 1
        let (result, actions) = body(&machine)
        perform(actions)
        depth -= 1
        if depth == 0 && !reading { flush() }
        return result
    }

    func run(_ body: (inout ClientStateMachine) -> [ClientStateMachine.Action]) {
        run { machine in ((), body(&machine)) }
    }

    private func perform(_ actions: [ClientStateMachine.Action]) {
        for action in actions {
            switch action {
            case .write(let bytes):
                connection?.write(bytes)
            case .startTLS:
                if let failure = connection?.startTLS() {
                    tlsFailure = failure
                    gathered.append(.tlsFailed(failure))
                    perform(machine.tlsCouldNotStart())
                }
            case .emit(let event):
                gathered.append(SessionEvent(event))
            case .stateChanged:
                stateChanged = true
            case .settled:
                settledPending = true
            case .close:
                timer?.cancel()
                connection?.close()
            }
        }
    }

    private func flush() {
        let events = gathered
        gathered = []
        let changed = stateChanged
        stateChanged = false
        let state = machine.session
        if !events.isEmpty { for observer in observers { observer.session(events, state: state) } }
        if changed { for observer in observers { observer.sessionStateChanged(state) } }
        if settledPending {
            settledPending = false
            wakeSettledWaiters()
        }
    }

    /// Says something the caller worded, in order with the rest of the transcript.
    func say(_ remark: Remark) {
        loop.preconditionInEventLoop()
        gathered.append(.remark(remark))
        if depth == 0 { flush() }
    }

    // MARK: - The connection

    /// Connected: what came before is handled now, in order, after "Connected", and the
    /// reply timer starts.
    func attach(_ connection: ClientConnection) {
        loop.preconditionInEventLoop()
        self.connection = connection
        remoteAddress = connection.remoteAddress
        let now = Self.now
        run { $0.connected(now: now) }
        let early = self.early
        self.early = []
        for event in early { handle(event) }
        run { $0.releaseHeld(now: Self.now) }
        let interval = TimeAmount.milliseconds(100)
        timer = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
            guard let self else { return }
            self.run { $0.tick(now: Self.now) }
        }
    }

    /// What the connection reports, on the event loop.
    func handle(_ event: ConnectionEvent) {
        loop.preconditionInEventLoop()
        guard connection != nil else {
            early.append(event)
            return
        }
        let now = Self.now
        switch event {
        case .readComplete:
            reading = false
            flush()
            return
        case .line, .reply, .unparsableLine, .overlongLine:
            reading = true
        default:
            break
        }
        switch event {
        case .readComplete: break
        case .line(let line): run { $0.receive(.line(line), now: now) }
        case .reply(let reply): run { $0.receive(.reply(reply), now: now) }
        case .unparsableLine(let line): run { $0.receive(.unparsableLine(line), now: now) }
        case .unfinishedLine(let line): run { $0.receive(.unfinishedLine(line), now: now) }
        case .overlongLine(let length): run { $0.receive(.overlongLine(length), now: now) }
        case .tlsEstablished(let report):
            tlsReport = report
            gathered.append(.tlsEstablished(report))
            run { $0.tlsEstablished(now: now) }
        case .tlsFailed(let failure):
            guard tlsFailure == nil else { return }
            tlsFailure = failure
            gathered.append(.tlsFailed(failure))
            run { $0.tlsCouldNotStart() }
        case .closed(let reason):
            reading = false
            timer?.cancel()
            run { $0.closed(reason: reason, reasonAlreadySaid: tlsFailure != nil) }
            for waiter in closedWaiters { waiter.succeed() }
            closedWaiters = []
        }
    }

    /// Closes the connection from the client's side.
    func close() {
        loop.preconditionInEventLoop()
        guard connection != nil else {
            for waiter in closedWaiters { waiter.succeed() }
            closedWaiters = []
            return
        }
        run { $0.closeRequested() }
    }

    // MARK: - Waiting

    /// How the session stands for a waiter: settled, closed or timed out; `nil` while lines
    /// are still to be sent or answered.
    private var settledState: ClientSession.Settled? {
        if machine.isClosed { return .closed }
        if machine.timedOut { return .timedOut }
        return machine.isSettled ? .idle : nil
    }

    /// Completes when the session settles, or with `.timedOut` at `deadline`.
    func settled(deadline: NIODeadline?) -> EventLoopFuture<ClientSession.Settled> {
        loop.preconditionInEventLoop()
        if let state = settledState { return loop.makeSucceededFuture(state) }
        let promise = loop.makePromise(of: ClientSession.Settled.self)
        settledWaiters.append(promise)
        if let deadline {
            loop.scheduleTask(deadline: deadline) { [weak self] in
                guard let self, let index = self.settledWaiters.firstIndex(where: { $0.futureResult === promise.futureResult }) else { return }
                self.settledWaiters.remove(at: index)
                promise.succeed(.timedOut)
            }
        }
        return promise.futureResult
    }

    private func wakeSettledWaiters() {
        guard let state = settledState, !settledWaiters.isEmpty else { return }
        let waiters = settledWaiters
        settledWaiters = []
        for waiter in waiters { waiter.succeed(state) }
    }

    /// Whether `future` completed (either way) before `deadline`: the one way to wait with a
    /// limit (the main thread then waits on the answer).
    func within<T>(_ future: EventLoopFuture<T>, deadline: NIODeadline) -> EventLoopFuture<Bool> {
        loop.preconditionInEventLoop()
        let promise = loop.makePromise(of: Bool.self)
        let answered = NIOLoopBoundBox(false, eventLoop: loop)
        let timer = loop.scheduleTask(deadline: deadline) {
            guard !answered.value else { return }
            answered.value = true
            promise.succeed(false)
        }
        future.hop(to: loop).whenComplete { _ in
            guard !answered.value else { return }
            answered.value = true
            timer.cancel()
            promise.succeed(true)
        }
        return promise.futureResult
    }

    /// Completes when the connection is closed.
    func closed() -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        if machine.isClosed || connection == nil { return loop.makeSucceededVoidFuture() }
        let promise = loop.makePromise(of: Void.self)
        closedWaiters.append(promise)
        return promise.futureResult
    }

    // MARK: - A message streamed a chunk at a time

    /// Whether a message may be streamed now: after 354, nothing queued.
    var canStream: Bool {
        connection != nil && !machine.isClosed && machine.session.phase == .data && machine.queuedLineCount == 0
    }

    /// Shows the lines given and writes the bytes; the future completes once the kernel has them.
    func stream(_ bytes: [UInt8], shown: [String], more: ClientNotice?) -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        guard let connection, !machine.isClosed else { return loop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        let tls = machine.session.isTLS
        for line in shown {
            gathered.append(.sent(ClientStateMachine.SentLine(text: line, kind: .messageLine, tls: tls, automatic: true, waited: false)))
        }
        if let more { gathered.append(.notice(more)) }
        machine.streamed(now: Self.now)
        flush()
        return bytes.isEmpty ? loop.makeSucceededVoidFuture() : connection.writeFuture(bytes)
    }

    /// The server stopped reading the message: the session ends.
    func streamStalled() {
        run { $0.streamStalled() }
    }
}
