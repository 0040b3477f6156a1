import Foundation

/// One program running in a detached tmux session, on a tmux server of its own (its
/// socket in the test's directory), so tests can run side by side and leave nothing
/// behind: `kill()` stops the server and removes the socket.
final class TmuxSession {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Cursor: Equatable, CustomStringConvertible {
        var x: Int
        var y: Int
        var description: String { "(x: \(x), y: \(y))" }
    }

    /// The server's socket (`tmux -S`).
    let socket: String
    let target = "harness"
    private let configuration: URL

    /// Starts `command` (its words are quoted for the shell tmux runs it with) in a
    /// `columns` × `rows` window. The pane stays after the program exits, so its last
    /// screen can still be read; the status line is off, so the pane is the whole window.
    init(command: [String], columns: Int, rows: Int, directory: URL) throws {
        socket = directory.appendingPathComponent("tmux-\(UUID().uuidString.prefix(8)).socket").path
        configuration = directory.appendingPathComponent("tmux.conf")
        try "set -g remain-on-exit on\nset -g status off\nset -g history-limit 2000\n"
            .write(to: configuration, atomically: true, encoding: .utf8)
        let shellCommand = "exec " + command.map(TmuxSession.shellQuoted).joined(separator: " ")
        try run([
            "-f", configuration.path, "new-session", "-d", "-s", target,
            "-x", String(columns), "-y", String(rows), shellCommand,
        ])
    }

    /// Stops the tmux server (and with it the program, by SIGHUP). Safe to call twice.
    func kill() {
        _ = try? run(["kill-server"])
        unlink(socket)
    }

    // MARK: - Keys

    /// Types `text` one character at a time, `delay` apart, as a person would.
    func type(_ text: String, delay: TimeInterval = 0.04) throws {
        for character in text {
            try run(["send-keys", "-t", target, "-l", "--", String(character)])
            Thread.sleep(forTimeInterval: delay)
        }
    }

    /// Presses named keys: "Enter", "Tab", "Up", "Left", "End", "C-c", "C-d"…
    func press(_ keys: String..., delay: TimeInterval = 0.04) throws {
        for key in keys {
            try run(["send-keys", "-t", target, key])
            Thread.sleep(forTimeInterval: delay)
        }
    }

    /// Resizes the window (the program gets SIGWINCH).
    func resizeWindow(columns: Int) throws {
        try run(["resize-window", "-t", target, "-x", String(columns)])
    }

    // MARK: - Screen

    /// The visible screen, one string per row, trailing spaces removed.
    func screen() throws -> [String] {
        try lines(try run(["capture-pane", "-p", "-t", target]))
    }

    /// The visible screen with its colours as escape sequences.
    func screenWithEscapes() throws -> [String] {
        try lines(try run(["capture-pane", "-p", "-e", "-t", target]))
    }

    /// Everything shown since the start: scrollback and screen.
    func everything() throws -> [String] {
        try lines(try run(["capture-pane", "-p", "-S", "-", "-t", target]))
    }

    func cursor() throws -> Cursor {
        let words = try run(["display-message", "-p", "-t", target, "#{cursor_x} #{cursor_y}"])
            .split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard words.count == 2 else { throw Failure(description: "cannot read the cursor position") }
        return Cursor(x: words[0], y: words[1])
    }

    /// The process id of the program (tmux ran it with exec).
    func programPID() throws -> pid_t {
        let text = try run(["display-message", "-p", "-t", target, "#{pane_pid}"])
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure(description: "cannot read the pane's pid")
        }
        return pid
    }

    func programHasExited() throws -> Bool {
        try run(["display-message", "-p", "-t", target, "#{pane_dead}"])
            .trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// The screen and the cursor at one moment: the cursor is read between two captures
    /// that agree, so a redraw in between cannot pair a cursor with the wrong screen.
    struct Snapshot {
        var rows: [String]
        var cursor: Cursor
        /// The row the cursor is on, counted like `rows`.
        var lastRow: Int { rows.count - 1 }
    }

    func snapshot() throws -> Snapshot {
        var rows = try screen()
        while true {
            let cursor = try self.cursor()
            let again = try screen()
            if again == rows { return Snapshot(rows: rows, cursor: cursor) }
            rows = again
        }
    }

    /// Polls the screen until `condition` holds; throws, showing the screen, at the deadline.
    @discardableResult
    func waitForScreen(
        _ what: String,
        timeout: TimeInterval = 10,
        _ condition: (Snapshot) throws -> Bool
    ) throws -> Snapshot {
        let deadline = Date().addingTimeInterval(timeout)
        var last = Snapshot(rows: [], cursor: Cursor(x: -1, y: -1))
        while Date() < deadline {
            last = try snapshot()
            if try condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Failure(
            description: "timed out after \(timeout)s waiting for \(what); the screen (cursor \(last.cursor)):\n"
                + last.rows.joined(separator: "\n")
        )
    }

    func waitForExit(timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try programHasExited() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw Failure(description: "the program did not exit within \(timeout)s")
    }

    // MARK: - Running tmux

    static var isInstalled: Bool {
        (try? runTmux(["-V"])) != nil
    }

    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        try TmuxSession.runTmux(["-u", "-S", socket] + arguments)
    }

    private static func runTmux(_ arguments: [String]) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["TMUX"] = nil
        environment["LC_ALL"] = "C.UTF-8"
        environment["LANG"] = "C.UTF-8"
        let result = try Subprocess.run(["tmux"] + arguments, environment: environment)
        guard result.status == 0 else {
            throw Failure(description: "tmux \(arguments.joined(separator: " ")) failed: \(result.errorOutput)")
        }
        return result.output
    }

    private func lines(_ text: String) throws -> [String] {
        var rows = text.components(separatedBy: "\n").map { row in
            var row = Substring(row)
            while row.last == " " { row.removeLast() }
            return String(row)
        }
        while rows.last == "" { rows.removeLast() }
        return rows
    }

    private static func shellQuoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
