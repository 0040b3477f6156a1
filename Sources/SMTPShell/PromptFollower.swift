#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import LineEditor
import SMTPCatalog
import SMTPClient
import SMTPCore

/// The prompt follows the session's state; when the connection is gone, the session is
/// over, as telnet's is.
struct PromptFollower: SessionObserver {
    let editor: LineEditor
    let target: ServerAddress
    let renderer: Renderer

    func session(_ events: [SessionEvent], state: SessionStateMachine) {}

    func sessionStateChanged(_ state: SessionStateMachine) {
        editor.setPrompt(InteractiveSession.prompt(for: state, target: target, renderer: renderer))
        if state.phase == .closed && state.pending.isEmpty { editor.finishReading() }
    }
}
