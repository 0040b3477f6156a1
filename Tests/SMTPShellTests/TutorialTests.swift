import Foundation
import Testing

/// The tutorials stay true: every ```console block of Docs/tutorial.{en,fr,ja}.md is run, and
/// what it shows must be what smtpsh prints.
///
/// A block holds commands (`$ command`, run by `sh -c` with the built smtpsh first on PATH)
/// each followed by the output the tutorial shows. The shown lines must appear in the real
/// output in the same order (other lines may come between: a tutorial trims); a line `…`
/// only marks a cut. Before comparing, what changes from run to run is made neutral in both:
/// latencies and connection times (`(0.4 ms)`, `in 2.3 ms`, `en 0,4 ms` with its no-break
/// space, `1.5 秒`), ports (`127.0.0.1:2525`),
/// dates and Message-IDs. A practice server runs on 127.0.0.1 during the run; the tutorial
/// writes its port as 2525, the test gives the real one.
@Suite(.serialized) struct TutorialTests {
    static let languages = ["en", "fr", "ja"]

    struct Block: CustomStringConvertible {
        var line: Int
        var commands: [(command: String, expected: [String])]
        var description: String { "block at line \(line)" }
    }

    static func tutorialURL(_ language: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/tutorial.\(language).md")
    }

    static func blocks(in text: String) -> [Block] {
        var blocks: [Block] = []
        var current: Block?
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if current == nil {
                if line.trimmingCharacters(in: .whitespaces) == "```console" { current = Block(line: number + 1, commands: []) }
                continue
            }
            if line.hasPrefix("```") {
                if let block = current, !block.commands.isEmpty { blocks.append(block) }
                current = nil
            } else if line.hasPrefix("$ ") {
                current!.commands.append((String(line.dropFirst(2)), []))
            } else if !current!.commands.isEmpty {
                current!.commands[current!.commands.count - 1].expected.append(String(line))
            }
        }
        return blocks
    }

    /// What changes from run to run, made the same.
    static func neutral(_ line: String, port: Int) -> String {
        var text = line.replacingOccurrences(of: "127.0.0.1:\(port)", with: "127.0.0.1:2525")
        let patterns: [(String, String)] = [
            (#"\(\d+([.,]\d+)?[ \x{00A0}](ms|s|秒)\)"#, "(N ms)"),
            (#"\d+([.,]\d+)?[ \x{00A0}](ms|秒)"#, "N ms"),
            (#"127\.0\.0\.1:\d+"#, "127.0.0.1:PORT"),
            (#"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d+ \w+ \d{4} \d\d:\d\d:\d\d [+-]\d{4}"#, "DATE"),
            (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, "TIME"),
            (#"Message-ID: <[^>]*>"#, "Message-ID: <ID>"),
            (#"message \d+ accepted"#, "message N accepted"),
            (#"<[0-9]+\.[0-9]+@"#, "<ID@"),
        ]
        for (pattern, replacement) in patterns {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    @Test(arguments: languages)
    func theTutorialShowsWhatSmtpshPrints(language: String) async throws {
        let url = Self.tutorialURL(language)
        let text = try String(contentsOf: url, encoding: .utf8)
        let blocks = Self.blocks(in: text)
        #expect(blocks.count >= 4, "the tutorial has its examples")
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-tutorial-bin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bin) }
        try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("smtpsh"), withDestinationURL: BinaryRunner.binary)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("smtpsh-tutorial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try await PipedSessionTests.withServer { port, _ in
            for block in blocks {
                for (command, expected) in block.commands {
                    let real = command.replacingOccurrences(of: "2525", with: String(port))
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/bin/sh")
                    process.arguments = ["-c", real]
                    process.currentDirectoryURL = work
                    var environment = ProcessInfo.processInfo.environment
                    environment["PATH"] = bin.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
                    environment["LANGUAGE"] = nil
                    environment["LANG"] = nil
                    environment["LC_MESSAGES"] = nil
                    environment["LC_ALL"] = ["en": "C.UTF-8", "fr": "fr_FR.UTF-8", "ja": "ja_JP.UTF-8"][language]
                    environment["NO_COLOR"] = "1"
                    environment["COLUMNS"] = "80"
                    environment["SMTPSH_HISTORY"] = ""
                    environment["SMTPSH_PROGRESS"] = ""
                    environment["SMTPSH_CONFIG"] = ""
                    environment["XDG_CONFIG_HOME"] = work.path
                    process.environment = environment
                    let output = work.appendingPathComponent("output")
                    FileManager.default.createFile(atPath: output.path, contents: nil)
                    let handle = try FileHandle(forWritingTo: output)
                    process.standardOutput = handle
                    process.standardError = handle
                    process.standardInput = FileHandle.nullDevice
                    try process.run()
                    process.waitUntilExit()
                    try handle.close()
                    let printed = try String(contentsOf: output, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                        .map { Self.neutral(String($0), port: port) }
                    var position = printed.startIndex
                    for shown in expected.map({ Self.neutral($0, port: port) }) where shown != "…" && !shown.isEmpty {
                        guard let found = printed[position...].firstIndex(of: shown) else {
                            Issue.record("Docs/tutorial.\(language).md, \(block): `\(command)` did not print\n  \(shown)\nafter what came before; it printed:\n\(printed.joined(separator: "\n"))")
                            break
                        }
                        position = printed.index(after: found)
                    }
                }
            }
        }
    }

    @Test func theComparisonCanFail() {
        let block = Self.blocks(in: "text\n```console\n$ smtpsh explain 250\n250  something else\n```\n")
        #expect(block.count == 1)
        #expect(block.first?.commands.first?.expected == ["250  something else"])
        #expect(Self.neutral("=== Connected to 127.0.0.1:4242 in 2.3 ms.", port: 4242) == "=== Connected to 127.0.0.1:PORT in N ms.")
        #expect(Self.neutral("<-  250 2.0.0 OK  (0.4 ms)", port: 1) == "<-  250 2.0.0 OK  (N ms)")
        #expect(Self.neutral("=== Connecté à 127.0.0.1:1 en 2,3\u{00A0}ms.", port: 1) == "=== Connecté à 127.0.0.1:PORT en N ms.")
        #expect(Self.neutral("<-  250 2.0.0 OK  (1.5 秒)", port: 1) == "<-  250 2.0.0 OK  (N ms)")
    }
}
