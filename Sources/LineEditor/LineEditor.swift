import Locking
import Dispatch
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import CLibEdit

/// A line editor for a terminal on which another party talks at any moment: the user
/// edits a line (emacs keys, history, Tab completion) while `print(_:)` shows server
/// replies above the prompt, from any thread, and the half-typed line is redrawn intact.
///
/// Built on libedit's native API (`histedit.h`) with a blocking `el_gets` and our own
/// character reader, which `poll()`s standard input, a wake-up pipe (`print`,
/// `setPrompt`) and a signal self-pipe. See Docs/line-editor.md.
///
/// Threading: libedit is touched from one thread only, the one that calls `readLine`,
/// `readSecret`, `addHistory`, `saveHistory` and `close` (one at a time). `print` and
/// `setPrompt` may be called from any thread: they queue under a lock and wake the reader.
public final class LineEditor: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// For `el_init`: the name `~/.editrc` lines can be prefixed with.
        public var programName: String
        /// The first prompt (`setPrompt` changes it). ANSI colour is allowed.
        public var prompt: String
        /// Loaded at start, written by `saveHistory()` with mode 0600. nil: no history file.
        public var historyFile: String?
        /// Entries kept in memory and in the file.
        public var historySize: Int
        /// Read `~/.editrc` (or `$EDITRC`). Tests turn it off to be deterministic.
        public var readEditrc: Bool
        /// Called on Tab with the text before the cursor; returns candidates that replace the
        /// current word (the text after the last space). See `CompletionEdit`.
        public var completion: (@Sendable (_ lineBeforeCursor: String) -> [String])?
        /// Called on Ctrl-C (on the reading thread) with the line it discards; the lines it
        /// returns are shown under the `^C` (what was dropped, how to leave).
        public var interrupted: (@Sendable (_ discardedLine: String) -> [String])?

        public init(
            programName: String,
            prompt: String = "> ",
            historyFile: String? = nil,
            historySize: Int = 1000,
            readEditrc: Bool = true,
            completion: (@Sendable (_ lineBeforeCursor: String) -> [String])? = nil,
            interrupted: (@Sendable (_ discardedLine: String) -> [String])? = nil
        ) {
            self.programName = programName
            self.prompt = prompt
            self.historyFile = historyFile
            self.historySize = historySize
            self.readEditrc = readEditrc
            self.completion = completion
            self.interrupted = interrupted
        }
    }

    public enum Input: Equatable, Sendable {
        /// A line, without its newline.
        case line(String)
        /// Ctrl-D on an empty line, or the terminal went away.
        case endOfFile
        /// SIGTERM or SIGHUP arrived while reading (or before this call). The terminal has
        /// been restored; the caller should clean up and exit.
        case terminated(signal: Int32)
    }

    public let configuration: Configuration

    // Touched by the editor thread only.
    var editLine: OpaquePointer?
    var history: OpaquePointer?
    /// The prompt as libedit draws it (escape sequences bracketed with \u{1}).
    var displayedPrompt: String
    /// The same, as the C string the prompt function hands libedit.
    var promptBuffer: UnsafeMutablePointer<CChar>
    var decoder = UTF8ScalarDecoder()
    /// The line and the candidates last listed by Tab: the same list is not printed twice.
    var lastListing: (line: String, listing: [String])?
    var terminationSignal: Int32?
    var signalForwarding: SignalForwarding?

    // Shared between threads, under `lock`.
    let lock = Locked(())
    var queuedOutput: [String] = [] {
        didSet { if queuedOutput.isEmpty { queuedOutputBytes = 0 } }
    }
    var queuedOutputBytes = 0
    var finishRequested = false
    /// The reader erased the prompt when the read was finished from another thread.
    var promptErased = false
    var queuedPrompt: String?
    var isReading = false
    var isClosed = false

    let wakeUpPipe: WakePipe
    let signalPipe: WakePipe

    /// Throws `NotATerminal` when standard input or output is not a terminal: read plain
    /// lines instead. Sets the process locale from the environment (`setlocale(LC_ALL, "")`),
    /// with a UTF-8 character type if the environment's is not.
    public init(configuration: Configuration) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw NotATerminal() }
        guard smtpsh_libedit_load() == 0 else {
            let reason = smtpsh_libedit_error().map { String(cString: $0) } ?? "libedit.so.2"
            throw LineEditorSetupFailed(step: "loading libedit: \(reason)")
        }
        LineEditor.useUTF8Locale()

        let wakeUp = try WakePipe()
        let signals: WakePipe
        do {
            signals = try WakePipe()
        } catch {
            wakeUp.closeBothEnds()
            throw error
        }
        guard let editLine = smtpsh_el_init(configuration.programName) else {
            wakeUp.closeBothEnds()
            signals.closeBothEnds()
            throw LineEditorSetupFailed(step: "el_init", errno: errno)
        }
        guard let history = smtpsh_history_init() else {
            smtpsh_el_end(editLine)
            wakeUp.closeBothEnds()
            signals.closeBothEnds()
            throw LineEditorSetupFailed(step: "history_init", errno: errno)
        }

        self.configuration = configuration
        self.wakeUpPipe = wakeUp
        self.signalPipe = signals
        self.editLine = editLine
        self.history = history
        self.displayedPrompt = TerminalLayout.bracketEscapes(configuration.prompt)
        self.promptBuffer = strdup(displayedPrompt)

        configure(editLine, history: history)
    }

    deinit {
        close()
        free(promptBuffer)
    }

    private func configure(_ editLine: OpaquePointer, history: OpaquePointer) {
        _ = smtpsh_el_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        _ = smtpsh_el_set_editor(editLine, "emacs")
        // libedit's handler re-sends signals to the whole process group: ours forward them.
        _ = smtpsh_el_set_signal(editLine, 0)
        _ = smtpsh_el_set_prompt_esc(editLine, { LineEditor.from($0)?.promptBuffer }, 1)
        _ = smtpsh_el_set_getcfn(editLine) { editLine, character in
            guard let editor = LineEditor.from(editLine), let character else { return -1 }
            return editor.readCharacter(into: character)
        }
        _ = smtpsh_el_addfn(editLine, "smtpsh-discard-line", "Discard the line being typed") { editLine, _ in
            LineEditor.from(editLine)?.discardLine() ?? UInt8(CC_ERROR)
        }
        _ = smtpsh_el_bind(editLine, "^C", "smtpsh-discard-line")
        // Ctrl-R: the previous line of the history that starts with what is typed (libedit's
        // incremental search shows a raw `bck:` prompt); Ctrl-S the next one.
        _ = smtpsh_el_bind(editLine, "^R", "ed-search-prev-history")
        _ = smtpsh_el_bind(editLine, "^S", "ed-search-next-history")
        if configuration.completion != nil {
            _ = smtpsh_el_addfn(editLine, "smtpsh-complete", "Complete the word before the cursor") { editLine, _ in
                LineEditor.from(editLine)?.complete() ?? UInt8(CC_ERROR)
            }
            _ = smtpsh_el_bind(editLine, "^I", "smtpsh-complete")
        }

        _ = smtpsh_history_setsize(history, Int32(clamping: max(configuration.historySize, 1)))
        _ = smtpsh_history_setunique(history, 1)
        _ = smtpsh_el_set_hist(editLine, history)
        if let path = configuration.historyFile, access(path, F_OK) == 0 {
            LineEditor.restrictToOwner(path)
            _ = smtpsh_history_load(history, path)
        }

        if configuration.readEditrc {
            _ = smtpsh_el_source(editLine, nil)
        }
    }

    // MARK: - Reading

    /// Blocks until the user enters a line (returned without its newline), with full
    /// editing. Ctrl-D on an empty line: `.endOfFile`. SIGTERM/SIGHUP: `.terminated`.
    /// Ctrl-C (SIGINT) discards the half-typed line and goes on reading.
    ///
    /// `redacting` sees the line entered before anything else is printed: when it returns a
    /// text, the line on the screen (as typed, secret included) is replaced by that text
    /// (`AUTH PLAIN ********`).
    public func readLine(redacting: (String) -> String? = { _ in nil }) -> Input {
        if let signal = terminationSignal { return .terminated(signal: signal) }
        guard let editLine else { return .endOfFile }
        if lock.withLock({ _ in finishRequested }) { return .endOfFile }

        beginReading()
        var count: Int32 = 0
        var line: String?
        if let text = smtpsh_el_gets(editLine, &count) {
            var scalars = String(cString: text).unicodeScalars
            if scalars.last == "\n" { scalars.removeLast() }
            line = String(scalars)
        }
        // libedit has moved to a new row after a line; not after Ctrl-D or a signal.
        var trailer = line == nil && !promptErased ? "\r\n" : ""
        if let line, let shown = redacting(line) {
            // The cursor is on the row after the line: up to the prompt's row, down from there.
            let end = TerminalLayout.endPosition(
                prompt: displayedPrompt, line: line, columns: layoutColumns, width: LineEditor.systemWidth)
            let prompt = displayedPrompt.replacing(String(TerminalLayout.promptEscapeMarker), with: "")
            trailer = "\u{1B}[\(end.row + 1)A\r\u{1B}[J" + prompt + shown + "\r\n"
        }
        endReading(trailer: trailer)

        if let line { return .line(line) }
        if let signal = terminationSignal { return .terminated(signal: signal) }
        return .endOfFile
    }

    // MARK: - Any thread

    /// Shows `text` (one or more lines) above the prompt. While a read is running the
    /// prompt and the half-typed line are erased, the text written, and prompt, line and
    /// cursor redrawn; otherwise the text is written at once. Calls from any threads are
    /// shown in the order they were made.
    ///
    /// The text is written as it is, escape sequences included: make control characters
    /// that come from the network visible before calling this.
    public func print(_ text: String) {
        let backlog = lock.withLock { _ -> Int in
            if isReading {
                queuedOutput.append(text)
                queuedOutputBytes += text.utf8.count
                wakeUpPipe.signal()
                return queuedOutputBytes
            } else {
                Output.writeAll(LineEditor.terminalText(text))
                return 0
            }
        }
        // Backpressure: a server that floods (a million-line reply) must not fill memory.
        // Wait, a bounded time, until the reading thread has shown what is queued.
        if backlog > Self.maximumQueuedOutput {
            let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
            while lock.withLock({ _ in isReading && queuedOutputBytes > Self.maximumQueuedOutput / 2 }),
                DispatchTime.now().uptimeNanoseconds < deadline
            {
                usleep(1000)
            }
        }
    }

    /// Any thread: ends the current (or next) `readLine` as if the user pressed Ctrl-D on an
    /// empty line, after showing what is queued. For a session whose peer went away.
    public func finishReading() {
        lock.withLock { _ in
            finishRequested = true
            wakeUpPipe.signal()
        }
    }

    /// Bytes of output queued for the reading thread before `print` waits.
    static let maximumQueuedOutput = 1 << 20

    /// Changes the prompt (ANSI colour allowed). Redrawn at once if a line is being read.
    public func setPrompt(_ prompt: String) {
        lock.withLock { _ in
            queuedPrompt = prompt
            if isReading { wakeUpPipe.signal() }
        }
    }

    /// The width of the terminal (80 when unknown).
    public var terminalColumns: Int {
        let columns = smtpsh_window_columns(STDOUT_FILENO)
        return columns > 0 ? Int(columns) : 80
    }

    // MARK: - History

    /// Adds a line to the history (blank lines are ignored). The caller decides what goes
    /// in: never passwords, AUTH lines or SASL responses.
    public func addHistory(_ line: String) {
        guard let history, line.contains(where: { !$0.isWhitespace }) else { return }
        _ = smtpsh_history_enter(history, line)
    }

    /// Writes the history file (mode 0600). Does nothing without a history file.
    public func saveHistory() throws {
        guard let path = configuration.historyFile, let history else { return }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw HistoryFileError(path: path, errno: errno) }
        closeDescriptor(descriptor)
        LineEditor.restrictToOwner(path)
        guard smtpsh_history_save(history, path) >= 0 else {
            throw HistoryFileError(path: path, errno: errno)
        }
    }

    // MARK: - Closing

    /// Restores the terminal and releases libedit. Also done by deinit; reading afterwards
    /// returns `.endOfFile`, and `print` writes directly.
    public func close() {
        let wasOpen = lock.withLock { _ -> Bool in
            defer { isClosed = true }
            return !isClosed
        }
        guard wasOpen else { return }
        if let editLine { smtpsh_el_end(editLine) }
        if let history { smtpsh_history_end(history) }
        editLine = nil
        history = nil
        wakeUpPipe.closeBothEnds()
        signalPipe.closeBothEnds()
    }

    // MARK: - Helpers

    /// `text` as lines for a terminal that may be in raw mode: each ends in CR LF.
    static func terminalText(_ text: String) -> String {
        var lines: [String.UnicodeScalarView] = [String.UnicodeScalarView()]
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                if lines[lines.count - 1].last == "\r" { lines[lines.count - 1].removeLast() }
                lines.append(String.UnicodeScalarView())
            } else {
                lines[lines.count - 1].append(scalar)
            }
        }
        if lines.count > 1 && lines[lines.count - 1].isEmpty { lines.removeLast() }
        return lines.map { String($0) + "\r\n" }.joined()
    }

    /// chmod 0600 when group or others may read or write the file.
    static func restrictToOwner(_ path: String) {
        var information = stat()
        if stat(path, &information) == 0 && information.st_mode & 0o077 != 0 {
            _ = chmod(path, 0o600)
        }
    }

    /// `setlocale(LC_ALL, "")` before `el_init`, as libedit needs. SMTPUTF8 addresses and
    /// Japanese text need a UTF-8 character type: fall back to C.UTF-8 when the
    /// environment names none.
    static func useUTF8Locale() {
        _ = setlocale(LC_ALL, "")
        if let codeset = smtpsh_codeset(), String(cString: codeset) == "UTF-8" { return }
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_CTYPE, name) != nil {
            return
        }
    }
}
