// lineeditor-harness: runs LineEditor in a real terminal for the tmux tests.
//
//   lineeditor-harness --output FILE [--status FILE] [--history FILE] [--prompt TEXT]
//                      [--prints N] [--interval-ms MS] [--colour-prompt-after K]
//
// Prints "server line 1" … "server line N" from a background thread every MS
// milliseconds while lines are read, and appends each line read to FILE. After the K-th
// server line the prompt becomes a coloured "harness[K]> ". The line `secret` reads a
// password without echo and records it as `secret:<password>`. On end of file or
// SIGTERM/SIGHUP it saves the history and writes `eof` or `terminated <signal>` to the
// status file, followed by whether the terminal was left in cooked mode. The history
// file may also be given as $LINEEDITOR_HARNESS_HISTORY.
import Foundation
import LineEditor

struct Options {
    var output: String?
    var status: String?
    var history = ProcessInfo.processInfo.environment["LINEEDITOR_HARNESS_HISTORY"]
    var prompt = "harness> "
    var prints = 0
    var intervalMilliseconds = 300
    var colourPromptAfter: Int?

    init(_ arguments: [String]) {
        var remaining = arguments[...]
        func value(_ name: String) -> String {
            guard let value = remaining.popFirst() else { fail("\(name) needs a value") }
            return value
        }
        while let argument = remaining.popFirst() {
            switch argument {
            case "--output": output = value(argument)
            case "--status": status = value(argument)
            case "--history": history = value(argument)
            case "--prompt": prompt = value(argument)
            case "--prints": prints = Int(value(argument)) ?? 0
            case "--interval-ms": intervalMilliseconds = Int(value(argument)) ?? 300
            case "--colour-prompt-after": colourPromptAfter = Int(value(argument))
            default: fail("unknown argument \(argument)")
            }
        }
    }
}

func fail(_ message: String, status: Int32 = 64) -> Never {
    FileHandle.standardError.write(Data("lineeditor-harness: \(message)\n".utf8))
    exit(status)
}

func append(_ line: String, to path: String?) {
    guard let path else { return }
    let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { fail("cannot open \(path)", status: 1) }
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
}

/// SMTP verbs, and FROM: / TO: after MAIL / RCPT.
let smtpCompletion: @Sendable (String) -> [String] = { lineBeforeCursor in
    let verbs = ["EHLO", "HELO", "MAIL FROM:", "RCPT TO:", "DATA", "RSET", "NOOP", "QUIT"]
    let word = CompletionEdit.currentWord(of: lineBeforeCursor).uppercased()
    let head = lineBeforeCursor.dropLast(CompletionEdit.currentWord(of: lineBeforeCursor).count).uppercased()
    switch head.trimmingCharacters(in: .whitespaces) {
    case "": return verbs.filter { $0.hasPrefix(word) }
    case "MAIL": return "FROM:".hasPrefix(word) ? ["FROM:"] : []
    case "RCPT": return "TO:".hasPrefix(word) ? ["TO:"] : []
    default: return []
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
guard let outputPath = options.output else { fail("--output FILE is required") }

let editor: LineEditor
do {
    editor = try LineEditor(
        configuration: .init(
            programName: "lineeditor-harness",
            prompt: options.prompt,
            historyFile: options.history,
            readEditrc: false,
            completion: smtpCompletion
        )
    )
} catch let error as NotATerminal {
    fail("\(error)", status: 3)
} catch {
    fail("\(error)", status: 1)
}

editor.print("harness ready (\(editor.terminalColumns) columns)")

if options.prints > 0 {
    let (count, interval, colourAfter) = (options.prints, options.intervalMilliseconds, options.colourPromptAfter)
    Thread.detachNewThread {
        for number in 1...count {
            usleep(useconds_t(interval * 1000))
            editor.print("server line \(number)")
            if number == colourAfter {
                editor.setPrompt("\u{1B}[1;32mharness[\(number)]>\u{1B}[0m ")
            }
        }
    }
}

var status = "eof"
reading: while true {
    switch editor.readLine() {
    case .line(let line):
        append(line, to: outputPath)
        if line == "secret" {
            let secret = editor.readSecret(prompt: "Password: ")
            append("secret:" + (secret ?? "<none>"), to: outputPath)
        } else {
            editor.addHistory(line)
        }
    case .endOfFile:
        break reading
    case .terminated(let signal):
        status = "terminated \(signal)"
        break reading
    }
}

do {
    try editor.saveHistory()
} catch {
    status += " history-error"
}
editor.close()

var attributes = termios()
tcgetattr(STDIN_FILENO, &attributes)
let cooked = attributes.c_lflag & tcflag_t(ICANON) != 0 && attributes.c_lflag & tcflag_t(ECHO) != 0
append(status + (cooked ? " tty=cooked" : " tty=raw"), to: options.status)
exit(0)
