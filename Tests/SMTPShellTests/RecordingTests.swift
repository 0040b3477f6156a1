import Foundation
import Testing

/// Issue 15, problem 6: a recording is often the baseline a replay compares with; an
/// existing file is never replaced without `--force` (or `:record FILE --force`).
@Suite struct RecordingTests {
    @Test("15.6: --record does not overwrite an existing recording without --force, and says so")
    func recordKeepsAnExistingFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-baseline-\(UUID().uuidString).smtp")
        defer { try? FileManager.default.removeItem(at: file) }
        let baseline = "# smtpsh session\n# server: 127.0.0.1:2525\n\n<-  220 baseline\n -> QUIT\n<-  221 bye\n"
        try baseline.write(to: file, atomically: true, encoding: .utf8)
        try await PipedSessionTests.withServer { port, _ in
            let refused = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--record", file.path], stdin: Data("NOOP\nQUIT\n".utf8))
            #expect(refused.status == 64, "\(refused.stdout)\(refused.stderr)")
            #expect(refused.stderr.contains("exists already and is not replaced"), "\(refused.stderr)")
            #expect(refused.stderr.contains("--force"))
            #expect(!refused.stdout.contains(" -> NOOP"), "nothing is sent when the recording cannot start")
            #expect(try String(contentsOf: file, encoding: .utf8) == baseline)

            let forced = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain", "--record", file.path, "--force"], stdin: Data("NOOP\nQUIT\n".utf8))
            #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
            let replaced = try String(contentsOf: file, encoding: .utf8)
            #expect(replaced.contains(" -> NOOP"), "\(replaced)")
            #expect(!replaced.contains("220 baseline"))

            // At the prompt's :record (in a script): kept, with the way to replace it; the session goes on.
            let again = try BinaryRunner.run(
                ["127.0.0.1", String(port), "--no-explain"], stdin: Data(":record \(file.path)\nNOOP\n:record \(file.path) --force\nRSET\nQUIT\n".utf8))
            #expect(again.stdout.contains("exists already and is not replaced: :record \(file.path) --force replaces it"), "\(again.stdout)")
            #expect(again.status == 9, "\(again.stdout)")
            let last = try String(contentsOf: file, encoding: .utf8)
            #expect(last.contains(" -> RSET") && !last.contains(" -> NOOP"), "\(last)")
        }
    }
}
