#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import SMTPCatalog
import SMTPClient
import SMTPCore

/// What `:state` prints and the prompt shows.
enum StateReport {
    static func phaseLabel(_ phase: SessionStateMachine.Phase, mode: SessionStateMachine.InputMode) -> String {
        if mode == .messageBody { return Words["phase-message-body"] }
        if case .chunkData(let remaining, let size) = mode {
            return Words["phase-chunk", ["remaining": String(remaining), "size": String(size)]]
        }
        if mode == .saslResponse { return "AUTH" }
        switch phase {
        case .awaitingGreeting: return Words["phase-awaiting-greeting"]
        case .greeted: return Words["phase-greeted"]
        case .ready: return Words["phase-ready"]
        case .mailTransaction: return Words["phase-mail-accepted"]
        case .recipientsAccepted(let count): return Words["phase-recipients-accepted", ["count": String(count)]]
        case .data: return "DATA"
        case .authenticating: return "AUTH"
        case .tlsNegotiating: return Words["phase-starting-tls"]
        case .closed: return Words["phase-closed"]
        }
    }

    static func lines(_ state: SessionStateMachine, queued: Int, target: ServerAddress) -> [String] {
        var lines = [Words[state.isTLS ? "state-connected-tls" : "state-connected", ["server": "\(target)"]]]
        if state.isAuthenticated { lines[0] += Words["state-authenticated"] }
        lines.append(Words["state-phase", [
            "phase": phaseLabel(state.phase, mode: state.inputMode), "count": String(state.messagesAccepted),
        ]])
        if !state.pending.isEmpty {
            let waiting = state.pending.map { PendingName.of($0) }.joined(separator: ", ")
            lines.append(Words[queued > 0 ? "state-waiting-queued" : "state-waiting", ["what": waiting, "count": String(queued)]])
        }
        if let capabilities = state.capabilities {
            lines.append(Words["state-offers", ["server": VisibleText.escape(capabilities.domain)]])
            for capability in capabilities.capabilities {
                var text = "  " + VisibleText.escape(capability.description)
                if capability.keyword == "SIZE", let size = capabilities.size {
                    switch size {
                    case .limit(let bytes): text += "  " + Words["state-size-limit", ["size": ReadableSize.format(bytes, in: Words.language)]]
                    case .noFixedLimit: text += "  " + Words["state-size-no-limit"]
                    case .invalid(let raw): text += "  " + Words["state-size-invalid", ["value": VisibleText.escape(raw)]]
                    }
                }
                lines.append(text)
            }
        } else if state.greeting == .helo {
            lines.append(Words["state-helo-only"])
        } else {
            lines.append(Words["state-no-capabilities"])
        }
        return lines
    }
}
