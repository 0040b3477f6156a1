import SMTPCore

/// Who follows a session: the presentation (screen, recording, JSON), a lesson, the prompt.
/// Called on the session's event loop, in order; must not wait for the session.
public protocol SessionObserver: Sendable {
    /// What one input (a read, a submission, a tick) produced, together: one write to the
    /// screen for a reply and its explanation.
    func session(_ events: [SessionEvent], state: SessionStateMachine)
    /// The state changed (a reply, TLS, the close): the prompt follows it.
    func sessionStateChanged(_ state: SessionStateMachine)
}

extension SessionObserver {
    public func sessionStateChanged(_ state: SessionStateMachine) {}
}
