#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import CLibEdit

/// The character reader libedit calls (`EL_GETCFN`), the commands bound to Ctrl-C and
/// Tab, and the redraw that puts text above the prompt. All run on the editor thread,
/// inside `el_gets`.
extension LineEditor {
    /// The editor behind an `EditLine` (`EL_CLIENTDATA`).
    static func from(_ editLine: OpaquePointer?) -> LineEditor? {
        guard let editLine, let data = smtpsh_el_get_clientdata(editLine) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
    }

    /// The columns libedit gives a character: the C library's `wcwidth`, as libedit uses it.
    static func systemWidth(_ scalar: Unicode.Scalar) -> Int {
        Int(CLibEdit.wcwidth(wchar_t(bitPattern: scalar.value)))
    }

    // MARK: - Starting and ending a read

    /// Shows what was queued while nobody was reading, makes `print` queue from now on,
    /// and forwards signals to the self-pipe.
    func beginReading() {
        lock.withLock { _ in
            precondition(!isReading, "LineEditor: a read is already running")
            if let prompt = queuedPrompt {
                applyPrompt(prompt)
                queuedPrompt = nil
            }
            if !queuedOutput.isEmpty {
                Output.writeAll(queuedOutput.map(LineEditor.terminalText).joined())
                queuedOutput.removeAll()
            }
            isReading = true
        }
        promptErased = false
        _ = wakeUpPipe.drain()
        _ = signalPipe.drain()
        signalForwarding = SignalForwarding.install(writingTo: signalPipe.writeEnd)
    }

    /// Puts the previous signal handlers back (keeping a SIGTERM/SIGHUP that arrived in
    /// between for the next read), then writes `trailer` and what is still queued.
    func endReading(trailer: String) {
        signalForwarding?.restore()
        signalForwarding = nil
        for byte in signalPipe.drain() where Int32(byte) == SIGTERM || Int32(byte) == SIGHUP {
            if terminationSignal == nil { terminationSignal = Int32(byte) }
        }
        lock.withLock { _ in
            Output.writeAll(trailer + queuedOutput.map(LineEditor.terminalText).joined())
            queuedOutput.removeAll()
            isReading = false
        }
        _ = wakeUpPipe.drain()
    }

    func applyPrompt(_ prompt: String) {
        displayedPrompt = TerminalLayout.bracketEscapes(prompt)
        free(promptBuffer)
        promptBuffer = strdup(displayedPrompt)
    }

    // MARK: - The character reader

    enum SignalOutcome {
        case none
        case interrupt
        case terminate
    }

    /// `EL_GETCFN`: one character for libedit. 1: a character; 0: end of file (Ctrl-D is
    /// libedit's business; this is the terminal closing, or SIGTERM/SIGHUP); -1: error.
    func readCharacter(into character: UnsafeMutablePointer<wchar_t>) -> Int32 {
        while true {
            if let scalar = decoder.next() {
                character.pointee = wchar_t(bitPattern: scalar.value)
                return 1
            }
            var descriptors = [
                pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeUpPipe.readEnd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signalPipe.readEnd, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                character.pointee = 0
                return -1
            }
            if descriptors[2].revents != 0 {
                switch handleSignals() {
                case .terminate:
                    character.pointee = 0
                    return 0
                case .interrupt:
                    character.pointee = 0x03  // bound to smtpsh-discard-line
                    return 1
                case .none:
                    break
                }
            }
            if descriptors[1].revents != 0 {
                _ = wakeUpPipe.drain()
                showQueuedOutput()
                if lock.withLock({ _ in finishRequested }) {
                    // The session is over: the prompt goes, no "closed>" is left on the screen.
                    Output.writeAll(eraseSequence())
                    promptErased = true
                    character.pointee = 0
                    return 0
                }
            }
            let input = descriptors[0].revents
            if input & Int16(POLLNVAL) != 0 {
                character.pointee = 0
                return 0
            }
            if input & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                var buffer = [UInt8](repeating: 0, count: 256)
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count > 0 {
                    decoder.append(buffer[0..<count])
                } else if count < 0 && (errno == EINTR || errno == EAGAIN) {
                    continue
                } else {
                    character.pointee = 0  // end of file, or the terminal is gone (EIO)
                    return 0
                }
            }
        }
    }

    /// Reads the signal self-pipe: SIGWINCH resizes and redraws, SIGINT interrupts,
    /// SIGTERM/SIGHUP end the read.
    func handleSignals() -> SignalOutcome {
        var outcome = SignalOutcome.none
        var resized = false
        for byte in signalPipe.drain() {
            switch Int32(byte) {
            case SIGTERM, SIGHUP:
                terminationSignal = Int32(byte)
                return .terminate
            case SIGINT:
                outcome = .interrupt
            case SIGWINCH:
                resized = true
            default:
                break
            }
        }
        if resized, let editLine {
            smtpsh_el_resize(editLine)
            redraw(above: "", newPrompt: nil)
        }
        return outcome
    }

    // MARK: - Text above the prompt

    /// Takes what `print` and `setPrompt` queued and shows it.
    func showQueuedOutput() {
        let (messages, prompt) = lock.withLock { _ -> ([String], String?) in
            defer {
                queuedOutput.removeAll()
                queuedPrompt = nil
            }
            return (queuedOutput, queuedPrompt)
        }
        guard !messages.isEmpty || prompt != nil else { return }
        redraw(above: messages.map(LineEditor.terminalText).joined(), newPrompt: prompt)
    }

    /// Erases prompt and line (from the prompt's first row down), writes `text` (whole
    /// lines, CR LF), and has libedit draw prompt, line and cursor again below it.
    func redraw(above text: String, newPrompt: String?) {
        guard let editLine else { return }
        Output.writeAll(eraseSequence() + text)
        if let newPrompt { applyPrompt(newPrompt) }
        _ = smtpsh_el_refresh(editLine)
    }

    /// Up to the prompt's first row, first column, and clear to the end of the screen.
    func eraseSequence() -> String {
        let line = currentLine()
        let position = cursorPosition(line, at: line.cursor)
        return "\r" + (position.row > 0 ? "\u{1B}[\(position.row)A" : "") + "\u{1B}[J"
    }

    /// The line being edited, as libedit holds it (`el_wline`).
    func currentLine() -> (scalars: [Unicode.Scalar], cursor: Int) {
        guard let editLine, let info = smtpsh_el_wline(editLine),
            let buffer = info.pointee.buffer, let cursor = info.pointee.cursor, let end = info.pointee.lastchar
        else { return ([], 0) }
        let count = max(0, end - buffer)
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(count)
        for index in 0..<count {
            scalars.append(Unicode.Scalar(UInt32(bitPattern: buffer[index])) ?? "\u{FFFD}")
        }
        return (scalars, min(max(0, cursor - buffer), count))
    }

    func cursorPosition(_ line: (scalars: [Unicode.Scalar], cursor: Int), at index: Int) -> TerminalLayout.Position {
        TerminalLayout.cursorPosition(
            prompt: displayedPrompt,
            line: line.scalars,
            cursor: index,
            columns: layoutColumns,
            width: LineEditor.systemWidth
        )
    }

    /// The width libedit lays the line out in (as of its last `el_resize`).
    var layoutColumns: Int {
        if let editLine {
            let columns = smtpsh_el_columns(editLine)
            if columns > 0 { return Int(columns) }
        }
        return terminalColumns
    }

    // MARK: - Bound commands

    /// Ctrl-C: leaves the line on the screen followed by `^C`, and starts an empty one
    /// (`CC_FATAL` makes libedit reset the line and draw the prompt again).
    func discardLine() -> UInt8 {
        let line = currentLine()
        let here = cursorPosition(line, at: line.cursor)
        let end = cursorPosition(line, at: line.scalars.count)
        var output = ""
        if end.row > here.row { output += "\u{1B}[\(end.row - here.row)B" }
        output += "\r"
        if end.column > 0 { output += "\u{1B}[\(end.column)C" }
        output += "^C\r\n"
        if let interrupted = configuration.interrupted {
            for text in interrupted(String(String.UnicodeScalarView(line.scalars))) { output += LineEditor.terminalText(text) + "\r\n" }
        }
        Output.writeAll(output)
        return UInt8(CC_FATAL)
    }

    /// Tab: asks the completion function, then edits the line as `CompletionEdit` says
    /// and lists several candidates above the prompt.
    func complete() -> UInt8 {
        guard let completion = configuration.completion, let editLine else { return UInt8(CC_ERROR) }
        let line = currentLine()
        var before = String.UnicodeScalarView()
        before.append(contentsOf: line.scalars[..<line.cursor])
        let lineBeforeCursor = String(before)
        let afterIsSpace = line.cursor < line.scalars.count && line.scalars[line.cursor] == " "
        guard
            let edit = CompletionEdit.resolve(
                lineBeforeCursor: lineBeforeCursor,
                candidates: completion(lineBeforeCursor),
                characterAfterCursorIsSpace: afterIsSpace
            )
        else { return UInt8(CC_REFRESH_BEEP) }

        // Tab again on the same line: the candidates are on the screen already.
        let shownAlready = lastListing.map { $0.line == lineBeforeCursor && $0.listing == edit.listing } ?? false
        lastListing = edit.listing.isEmpty ? nil : (lineBeforeCursor, edit.listing)
        let listing = shownAlready ? "" : CompletionEdit.listingLines(edit.listing, columns: layoutColumns)
            .map { $0 + "\r\n" }.joined()
        if !listing.isEmpty {
            Output.writeAll(eraseSequence() + listing)  // before the line changes: erase what is shown
        }
        if edit.deleteCount > 0 {
            smtpsh_el_deletestr(editLine, Int32(edit.deleteCount))
        }
        if !edit.insertion.isEmpty {
            var wide = edit.insertion.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
            wide.append(0)
            _ = smtpsh_el_winsertstr(editLine, &wide)
        }
        if !listing.isEmpty {
            _ = smtpsh_el_refresh(editLine)
        }
        return UInt8(CC_REFRESH)
    }
}
