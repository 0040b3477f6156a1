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

/// One file's replay on one connection, and what it found.
final class ReplayRun: @unchecked Sendable {
    let runner: ScriptRunner
    private(set) var result = ScriptRunner.Result()
    /// How it went, in a line (also `--quiet`'s final line).
    private(set) var summary: CatalogMessage?

    init(runner: ScriptRunner) {
        self.runner = runner
    }

    struct Row {
        var file: String
        var result: ScriptRunner.Result
        var status: ExitStatus
    }

    /// Runs it, then QUIT if the file did not, and says how it went.
    func run(on session: ClientSession) -> ExitStatus {
        result = runner.run(on: session)
        SessionEnding.leave(session, shown: true, midWarning: "replay-ended-mid")
        let summary = CatalogMessage(result.allMatched ? "replay-all-matched" : "replay-summary", [
            "file": runner.name, "compared": String(result.compared), "matched": String(result.matched),
            "different": String(result.differences.count), "missing": String(result.notReceived.count),
            "expected": String(result.expected),
        ])
        self.summary = summary
        if result.allMatched { session.note(summary) } else { session.warn(summary) }
        if let tls = session.tlsFailureStatus { return tls }
        switch result.stopped {
        case .closed?: return result.differences.isEmpty ? .connectionLost : .replayDifferent
        case .timedOut?: return .timedOut
        case .missingVariable?, .noCredentials?: return .usage
        case .credentialsWithheld?: return .credentialsWithheld
        case .mismatch?, nil: return result.allMatched ? .success : .replayDifferent
        }
    }

    /// The summary table of several files.
    static func table(_ rows: [Row]) -> [String] {
        let headers = [
            Words["replay-table-file"], Words["replay-table-compared"], Words["replay-table-matched"], Words["replay-table-different"],
            Words["replay-table-missing"], Words["replay-table-result"],
        ]
        var cells = [headers]
        for row in rows {
            let verdict = row.status == .success ? Words["replay-table-ok"] : row.status == .replayDifferent ? Words["replay-table-differs"] : Words["replay-table-failed", ["status": String(row.status.rawValue)]]
            let result = row.result
            cells.append([
                row.file, String(result.expected), String(result.matched), String(result.differences.count),
                String(result.notReceived.count), verdict,
            ])
        }
        var widths = [Int](repeating: 0, count: headers.count)
        for row in cells { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], DisplayWidth.of(cell)) } }
        return cells.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : DisplayWidth.padded(cell, to: widths[index] + 2)
            }.joined()
        }
    }
}
