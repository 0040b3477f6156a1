#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import CLibEdit

extension LineEditor {
    /// Reads a line without echo (termios ECHO off; libedit is not involved), for a
    /// password. `print` still shows text above the prompt meanwhile. Returns nil on end
    /// of file, on Ctrl-C, and on SIGTERM/SIGHUP (then the next `readLine` returns
    /// `.terminated`). Never enter the result in the history.
    public func readSecret(prompt: String) -> String? {
        guard terminationSignal == nil, editLine != nil else { return nil }
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ECHONL | ICANON | ISIG)
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 else { return nil }
        decoder.reset()

        beginReading()
        let promptRows = TerminalLayout.cursorPosition(
            prompt: TerminalLayout.bracketEscapes(prompt),
            line: [],
            cursor: 0,
            columns: terminalColumns,
            width: LineEditor.systemWidth
        ).row
        Output.writeAll(prompt)

        var bytes: [UInt8] = []
        var secret: String?
        var trailer = "\r\n"
        reading: while true {
            var descriptors = [
                pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeUpPipe.readEnd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signalPipe.readEnd, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&descriptors, nfds_t(descriptors.count), -1) < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                break reading
            }
            if descriptors[2].revents != 0 {
                for byte in signalPipe.drain() {
                    switch Int32(byte) {
                    case SIGTERM, SIGHUP:
                        terminationSignal = Int32(byte)
                        break reading
                    case SIGINT:
                        trailer = "^C\r\n"
                        break reading
                    default:
                        break
                    }
                }
            }
            if descriptors[1].revents != 0 {
                _ = wakeUpPipe.drain()
                let messages = lock.withLock { _ -> [String] in
                    defer { queuedOutput.removeAll() }
                    return queuedOutput
                }
                if !messages.isEmpty {
                    let up = promptRows > 0 ? "\u{1B}[\(promptRows)A" : ""
                    Output.writeAll("\r" + up + "\u{1B}[J" + messages.map(LineEditor.terminalText).joined() + prompt)
                }
            }
            if descriptors[0].revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 256)
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count > 0 {
                    bytes.append(contentsOf: buffer[0..<count])
                    for index in buffer.indices { buffer[index] = 0 }
                    if let newline = bytes.firstIndex(of: 0x0A) {
                        var end = newline
                        if end > 0 && bytes[end - 1] == 0x0D { end -= 1 }
                        secret = String(decoding: bytes[0..<end], as: UTF8.self)
                        trailer = ""  // ECHONL has echoed the newline
                        break reading
                    }
                } else if count < 0 && (errno == EINTR || errno == EAGAIN) {
                    continue
                } else {
                    break reading  // end of file
                }
            }
        }
        for index in bytes.indices { bytes[index] = 0 }

        _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved)
        endReading(trailer: trailer)
        return secret
    }
}
