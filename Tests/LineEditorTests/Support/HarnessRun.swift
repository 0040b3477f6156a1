import Foundation

/// `lineeditor-harness` running in tmux, with its files in a fresh temporary directory.
final class HarnessRun {
    static let prompt = "harness> "

    let directory: URL
    let session: TmuxSession
    var outputFile: URL { directory.appendingPathComponent("lines") }
    var statusFile: URL { directory.appendingPathComponent("status") }

    /// The built harness, next to the test binary.
    static var executable: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On macOS the test bundle is a directory: .../debug/smtpshPackageTests.xctest/Contents/MacOS/…
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("lineeditor-harness").path),
            directory.pathComponents.count > 1
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("lineeditor-harness")
    }

    /// - Parameters:
    ///   - directory: reuse a directory (and its history file) from an earlier run.
    init(columns: Int = 80, rows: Int = 24, arguments: [String] = [], directory: URL? = nil) throws {
        guard TmuxSession.isInstalled else {
            throw TmuxSession.Failure(description: "tmux is needed for these tests (Scripts/setup --test)")
        }
        guard FileManager.default.isExecutableFile(atPath: HarnessRun.executable.path) else {
            throw TmuxSession.Failure(
                description: "\(HarnessRun.executable.path) is missing: build with `swift build --build-tests`"
            )
        }
        let directory = try directory ?? HarnessRun.makeDirectory()
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("lines"))
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("status"))
        self.directory = directory
        let command =
            [
                "env", "LC_ALL=C.UTF-8", "LANG=C.UTF-8", HarnessRun.executable.path,
                "--output", directory.appendingPathComponent("lines").path,
                "--status", directory.appendingPathComponent("status").path,
            ] + arguments
        session = try TmuxSession(command: command, columns: columns, rows: rows, directory: directory)
    }

    /// A new, empty temporary directory.
    static func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lineeditor-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Kills the tmux server. The directory stays until `removeFiles()`.
    func stop() {
        session.kill()
    }

    func removeFiles() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Waits for the harness's first prompt.
    func waitForPrompt() throws {
        try session.waitForScreen("the first prompt") {
            $0.rows.last == HarnessRun.prompt.trimmingSuffixSpaces && $0.cursor.x == HarnessRun.prompt.count
        }
    }

    /// The lines the harness read, in order.
    func linesRead() throws -> [String] {
        guard FileManager.default.fileExists(atPath: outputFile.path) else { return [] }
        return try String(contentsOf: outputFile, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false
        )
        .dropLast().map(String.init)
    }

    func status() throws -> String {
        try String(contentsOf: statusFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Ctrl-D on an empty line, then waits for the harness to exit.
    func endInput() throws {
        try session.press("C-d")
        try session.waitForExit()
    }
}

extension String {
    var trimmingSuffixSpaces: String {
        var text = Substring(self)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}

extension Array where Element == String {
    /// The numbers N of the rows that are exactly "server line N", in screen order.
    var serverLineNumbers: [Int] {
        compactMap { row in
            guard row.hasPrefix("server line ") else { return nil }
            return Int(row.dropFirst("server line ".count))
        }
    }
}
