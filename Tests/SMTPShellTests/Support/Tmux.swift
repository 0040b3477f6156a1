import Foundation

/// A tmux server of its own (its own socket), running one program in a window of a given size.
final class Tmux {
    let socket = "smtpsh-test-\(UUID().uuidString.prefix(8))"
    let session = "t"

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    init(command: String, width: Int = 100, height: Int = 30, environment: [String: String] = [:]) throws {
        let exports = environment.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        try run(["new-session", "-d", "-x", String(width), "-y", String(height), "-s", session, "env \(exports) \(command); sleep 10"])
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = ["-L", socket] + arguments
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        // The tmux server that new-session starts would keep a pipe open forever: give it a file.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        process.standardOutput = handle
        try process.run()
        try? handle.close()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { process.terminate() }
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    /// Types text one key at a time, `delay` seconds apart.
    func type(_ text: String, delay: Double = 0.05) throws {
        for character in text {
            try run(["send-keys", "-t", session, "-l", String(character)])
            Thread.sleep(forTimeInterval: delay)
        }
    }

    /// Types a line, then Enter.
    func typeLine(_ text: String, delay: Double = 0.05) throws {
        try type(text, delay: delay)
        try keys("Enter")
    }

    func keys(_ names: String...) throws {
        try run(["send-keys", "-t", session] + names)
    }

    func screen() -> String {
        (try? run(["capture-pane", "-p", "-t", session])) ?? ""
    }

    /// Polls the screen until `predicate` holds or `timeout` passes; returns the last screen.
    @discardableResult
    func waitFor(timeout: Double = 10, _ predicate: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = screen()
        while Date() < deadline {
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.1)
            last = screen()
        }
        return last
    }

    deinit {
        _ = try? run(["kill-server"])
    }
}
