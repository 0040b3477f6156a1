import Locking
import SMTPCatalog
import SMTPClient
import SMTPCore

/// `--quiet` (connect in a script, `send`, `replay`): nothing on the screen but errors (on
/// standard error) and, at the end, one line on standard output that says how the session
/// ended, with the exit status (unchanged by `--quiet`). The recording and `--json` are
/// written as always.
///
/// ```
/// 127.0.0.1:2525: message accepted: 250 2.0.0 OK: message 1 accepted (exit status 0)
/// 127.0.0.1:2525: stopped at rcpt: 550 5.1.1 no such user (exit status 15)
/// ```
enum QuietSummary {
    /// What the final line is about.
    enum Mode {
        case script
        case send
        /// A replay's own summary (`all 7 replies as recorded`).
        case replay(CatalogMessage)
    }

    static func line(mode: Mode, target: String, status: ExitStatus, watcher: ReplyWatcher) -> String {
        let last = watcher.lastReply.map(Self.oneLine) ?? "-"
        let verdict: String
        switch mode {
        case .replay(let summary):
            verdict = summary.text
        case .send where status == .success:
            verdict = Words["quiet-send-accepted", ["reply": last]]
        case .send:
            if let stage = StandardSession.Stage.allCases.first(where: { $0.exitStatus == status && $0 != .quit }) {
                let reply = watcher.lastNegativeReply.map(Self.oneLine) ?? last
                verdict = Words["quiet-send-stopped", ["stage": stage.rawValue, "reply": reply]]
            } else {
                verdict = Words["quiet-ended"]
            }
        case .script where status == .success:
            verdict = Words["quiet-script-positive", ["count": String(watcher.replyCount)]]
        case .script where status == .negativeReply:
            verdict = Words["quiet-script-negative", [
                "count": String(watcher.negativeCount), "reply": watcher.lastNegativeReply.map(Self.oneLine) ?? "-",
            ]]
        case .script:
            verdict = Words["quiet-ended"]
        }
        return Words["quiet-final", ["target": target, "verdict": verdict, "status": String(status.rawValue)]]
    }

    /// A reply on one line: its code and first line of text, escaped.
    static func oneLine(_ reply: Reply) -> String {
        VisibleText.escape(reply.textLines.first.map { "\(reply.code) \($0)" } ?? "\(reply.code)")
    }
}

/// Follows the replies of a session for ``QuietSummary``: the last one (not QUIT's), the
/// last negative one, and how many.
final class ReplyWatcher: SessionObserver, Sendable {
    private struct Seen {
        var last: Reply?
        var lastNegative: Reply?
        var count = 0
        var negatives = 0
    }
    private let seen = Locked(Seen())

    func session(_ events: [SessionEvent], state: SessionStateMachine) {
        seen.withLock { seen in
            for case .reply(let reply, let outcome, _, _, _) in events {
                seen.count += 1
                if !reply.replyClass.isPositive {
                    seen.negatives += 1
                    seen.lastNegative = reply
                }
                if case .command(let command)? = outcome.answered, command.knownVerb == .quit { continue }
                seen.last = reply
            }
        }
    }

    var lastReply: Reply? { seen.withLock { $0.last } }
    var lastNegativeReply: Reply? { seen.withLock { $0.lastNegative } }
    var replyCount: Int { seen.withLock { $0.count } }
    var negativeCount: Int { seen.withLock { $0.negatives } }
}
