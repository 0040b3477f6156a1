#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Locking
import Dispatch
import SMTPCatalog
import SMTPPracticeServer

/// The practice server that `smtpsh demo` and `smtpsh learn` start in-process, and what it
/// did that the learner should hear about once the session is over: it hung up after a
/// silence, and the messages it stored (what the lessons show).
final class PracticeRun: @unchecked Sendable {
    let server: PracticeServer
    let listening: PracticeServer.Listening
    /// What the server's callbacks told (on its event loop), read after the session.
    private let heard = Heard()

    private final class Heard: Sendable {
        struct State {
            var idleSeconds: Double?
            var storedMessages: [ReceivedMessage] = []
        }

        let state = Locked(State())
    }

    /// Starts the server on free loopback ports. `accepted` sees every message it stores.
    init(
        _ configuration: PracticeServerConfiguration, implicitTLS: Bool = false,
        accepted: (@Sendable (ReceivedMessage) -> Void)? = nil
    ) throws(ShellError) {
        var options = PracticeServer.Options()
        options.port = 0
        if implicitTLS { options.tlsPort = 0 }
        options.configuration = configuration
        options.timeScale = Self.timeScale
        let heard = self.heard
        options.events = { event in
            guard case .idleTimeout(_, let seconds) = event else { return }
            heard.state.withLock { $0.idleSeconds = seconds }
        }
        options.accepted = { message in
            heard.state.withLock { $0.storedMessages.append(message) }
            accepted?(message)
        }
        let server = PracticeServer(options: options)
        do {
            listening = try Blocking.wait { try await server.start() }
        } catch {
            Blocking.wait { await server.stop() }
            throw ShellError("demo-cannot-start", ["error": "\(error)"], status: .unavailable)
        }
        self.server = server
    }

    func stop() {
        let server = self.server
        Blocking.wait { await server.stop() }
    }

    /// The silence after which the server hung up, if it did.
    var hungUpAfterSilence: Double? { heard.state.withLock { $0.idleSeconds } }

    /// The messages the server accepted, in order.
    var messages: [ReceivedMessage] { heard.state.withLock { $0.storedMessages } }

    /// `SMTPSH_TEST_TIME_SCALE`: the server's timers run this many times as long (a test's
    /// 0.001 makes five minutes 0.3 s). Ignored unless it is a number above 0.
    static var timeScale: Double {
        guard let text = Environment.value("SMTPSH_TEST_TIME_SCALE"), let scale = Double(text), scale > 0, scale.isFinite else {
            return 1
        }
        return scale
    }
}

/// Durations a learner reads in a sentence: "5 minutes", « 5 minutes », 「5 分」.
enum SpokenDuration {
    static func of(_ seconds: Double, in language: Language = Words.language) -> String {
        let rounded = seconds.rounded()
        if rounded < 120 && rounded.truncatingRemainder(dividingBy: 60) != 0 || rounded < 60 {
            return words("duration-seconds", max(Int(rounded), 1), language)
        }
        if rounded.truncatingRemainder(dividingBy: 3600) == 0 {
            return words("duration-hours", Int(rounded / 3600), language)
        }
        return words("duration-minutes", Int((rounded / 60).rounded()), language)
    }

    private static func words(_ name: String, _ count: Int, _ language: Language) -> String {
        Words.text(count == 1 ? name + "-one" : name, in: language, ["count": String(count)])
    }
}
