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
import SMTPCatalog
import SMTPClient
import SMTPCore

/// The explanation under each reply of a session, dimmed, in the languages chosen
/// (`--lang`, `:lang`), and what `:explain` shows.
///
/// ```
/// <-  452 #4.3.1 queue full  (0.4 ms)
///       The appliance's delivery queue is full: it accepts no more mail for now.
///       hint: Wait and retry; the sender's server will do so by itself. …
/// ```
///
/// Vendor texts whose pattern could fit any server (`250 {host}`, `220 {host} ESMTP`) are
/// only used once the server has shown it is the appliance, by a reply only the appliance
/// sends (`452 #4.3.1 queue full`, `250 sender <…> ok`).
final class SessionExplainer: @unchecked Sendable {
    private let lock = NIOLock()
    private var enabled: Bool
    private var languagesValue: [Language]
    private var applianceRecognised = false
    private var last: (reply: Reply, isEHLO: Bool)?
    private let renderer: Renderer
    private let columns: @Sendable () -> Int
    /// `--compact`, `--large`: an EHLO reply in one short line per keyword.
    private let compactEHLO: Bool
    /// Read when the first reply is explained (`SessionRunner.run` loads it meanwhile).
    private var catalog: Catalog { .shared }

    init(enabled: Bool, languages: [Language], renderer: Renderer, columns: @escaping @Sendable () -> Int, compactEHLO: Bool = false) {
        self.compactEHLO = compactEHLO
        self.enabled = enabled
        self.languagesValue = languages.isEmpty ? [.en] : languages
        self.renderer = renderer
        self.columns = columns
    }

    var isEnabled: Bool {
        get { lock.withLock { enabled } }
        set { lock.withLock { enabled = newValue } }
    }

    var languages: [Language] {
        get { lock.withLock { languagesValue } }
        set { lock.withLock { languagesValue = newValue.isEmpty ? [.en] : newValue } }
    }

    /// The lines under a reply just received (none when explanations are off).
    func lines(for reply: Reply, outcome: SessionStateMachine.Outcome) -> [String] {
        let isEHLO: Bool
        if case .command(let command)? = outcome.answered, command.knownVerb?.isExtendedHello == true, reply.code.replyClass == .positiveCompletion {
            isEHLO = true
        } else {
            isEHLO = false
        }
        lock.lock()
        last = (reply, isEHLO)
        if !applianceRecognised, catalog.applianceMatch(in: reply, allowingGeneric: false) != nil { applianceRecognised = true }
        let enabled = self.enabled
        let generic = applianceRecognised
        let languages = languagesValue
        lock.unlock()
        guard enabled else { return [] }
        // Hints are for what went wrong (4xx, 5xx); `:explain` shows them for any reply.
        let options = ExplainOptions(
            detail: .concise, vendorTexts: true, genericVendorTexts: generic, hints: !reply.replyClass.isPositive)
        if isEHLO && compactEHLO, let brief = catalog.briefEHLO(reply) {
            return render(brief, languages: languages, compact: true)
        }
        let explanation = isEHLO ? catalog.explainEHLO(reply, options: options) : catalog.explain(reply, options: options)
        return render(explanation, languages: languages)
    }

    /// `:explain` alone: the last reply again, in full (every part, the class meaning, hints).
    func explainLast() -> [String]? {
        lock.lock()
        let last = self.last
        let generic = applianceRecognised
        let languages = languagesValue
        lock.unlock()
        guard let last else { return nil }
        let options = ExplainOptions(detail: .full, vendorTexts: true, genericVendorTexts: generic)
        let explanation = last.isEHLO ? catalog.explainEHLO(last.reply, options: options) : catalog.explain(last.reply, options: options)
        return render(explanation, languages: languages)
    }

    /// `:explain 550`, `:explain 5.7.1`, `:explain 452 #4.3.1 queue full`: as `smtpsh explain` does.
    func explain(input: String) -> [String]? {
        let items = catalog.explain(input: input, options: .full)
        var lines: [String] = []
        for item in items {
            guard case .explained(_, let explanation) = item else { return nil }
            lines += render(explanation, languages: languages)
        }
        return lines.isEmpty ? nil : lines
    }

    private func render(_ explanation: Explanation, languages: [Language], compact: Bool = false) -> [String] {
        var layout = ExplanationRenderer(columns: columns(), indent: 6, languages: languages, catalog: catalog)
        layout.compact = compact
        return layout.render(explanation)
            .map { renderer.explanation($0) }
    }
}
