import Foundation
import Testing

/// The line editor in a real terminal: `lineeditor-harness` runs in tmux, keys are typed
/// one at a time while the harness prints server lines from another thread, and the
/// screen (`capture-pane`), the cursor and the lines the harness read are checked.
@Suite struct LineEditorTerminalTests {
    static let prompt = HarnessRun.prompt

    @Test func serverLinesAppearAboveTheLineBeingTypedWithoutGarbling() throws {
        let run = try HarnessRun(arguments: ["--prints", "10", "--interval-ms", "200"])
        defer {
            run.stop()
            run.removeFiles()
        }
        try run.waitForPrompt()
        try run.session.type("MAIL FROM:<alice@example.org>")
        try run.session.press("Enter")
        try run.session.type("RCPT TO:<bob@exa")

        // The last row is the prompt and the half-typed line, the cursor after it.
        let screen = try run.session.waitForScreen("the tenth server line above the prompt") {
            $0.rows.contains("server line 10") && $0.rows.last == Self.prompt + "RCPT TO:<bob@exa"
                && $0.cursor == .init(x: 9 + 16, y: $0.lastRow)
        }
        // Every server line once, in order, each on a row of its own; nothing else.
        #expect(screen.rows.serverLineNumbers == Array(1...10))
        let expectedRows: Set<String> = [
            "harness ready (80 columns)",
            Self.prompt + "MAIL FROM:<alice@example.org>",
            Self.prompt + "RCPT TO:<bob@exa",
        ]
        let unexpected = screen.rows.filter {
            !$0.isEmpty && !$0.hasPrefix("server line ") && !expectedRows.contains($0)
        }
        #expect(unexpected.isEmpty, "garbled rows: \(unexpected)")
        #expect(screen.rows.filter { $0.hasPrefix(Self.prompt) }.count == 2, "\(screen.rows)")

        try run.session.type("mple.org>")
        try run.session.press("Enter")
        try run.endInput()
        #expect(try run.linesRead() == ["MAIL FROM:<alice@example.org>", "RCPT TO:<bob@example.org>"])
        #expect(try run.status() == "eof tty=cooked")
    }

    @Test func aWrappedJapaneseLineSurvivesPrintsIn40Columns() throws {
        let run = try HarnessRun(columns: 40, rows: 15, arguments: ["--prints", "40", "--interval-ms", "200"])
        defer {
            run.stop()
            run.removeFiles()
        }
        try run.waitForPrompt()
        // 9 + 30 columns fill the first row but one; 日 does not fit in the last column.
        let line = "RCPT TO:<田中さん@メール.例え.日本>"
        let rows = [Self.prompt + "RCPT TO:<田中さん@メール.例え.", "日本>"]
        try run.session.type(line, delay: 0.06)
        var screen = try run.session.waitForScreen("the line on two rows, the cursor at its end") {
            $0.rows.suffix(2) == rows && $0.cursor == .init(x: 5, y: $0.lastRow)
        }

        // The cursor on 日, which libedit shows at the start of the second row: the rows
        // to erase before printing are not (prompt + text before the cursor) / columns.
        let before = screen.rows.serverLineNumbers.max() ?? 0
        try run.session.press("Left", "Left", "Left")
        screen = try run.session.waitForScreen("two more server lines, the cursor on 日") {
            ($0.rows.serverLineNumbers.max() ?? 0) >= before + 2 && $0.rows.suffix(2) == rows
                && $0.cursor == .init(x: 0, y: $0.lastRow)
        }
        #expect(screen.rows.filter { $0.contains("harness>") }.count == 1, "a stale copy: \(screen.rows)")
        #expect(screen.rows.dropLast(2).allSatisfy { $0.hasPrefix("server line ") || $0.hasPrefix("harness ready") })
        let numbers = screen.rows.serverLineNumbers
        #expect(zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 + 1 }, "out of order: \(numbers)")

        try run.session.press("End")
        try run.session.waitForScreen("the cursor at the end") {
            $0.rows.suffix(2) == rows && $0.cursor == .init(x: 5, y: $0.lastRow)
        }
        try run.session.press("Enter")
        try run.endInput()
        #expect(try run.linesRead() == [line])
    }

    @Test func aResizedWindowGetsTheLineRedrawnAtItsNewWidth() throws {
        let run = try HarnessRun(arguments: ["--prints", "30", "--interval-ms", "200"])
        defer {
            run.stop()
            run.removeFiles()
        }
        try run.waitForPrompt()
        let line = "MAIL FROM:<somebody-with-a-long-address@example.org> SIZE=12345 BODY=8BITMIME"
        let full = Self.prompt + line  // 86 columns
        try run.session.type(line, delay: 0.02)
        try run.session.waitForScreen("the line on two rows of 80") {
            $0.rows.suffix(2) == [String(full.prefix(80)), String(full.dropFirst(80))]
                && $0.cursor == .init(x: 6, y: $0.lastRow)
        }
        try run.session.resizeWindow(columns: 50)
        let screen = try run.session.waitForScreen("the line on two rows of 50 after a print") {
            $0.rows.suffix(2) == [String(full.prefix(50)), String(full.dropFirst(50))]
                && $0.cursor == .init(x: 36, y: $0.lastRow)
        }
        #expect(screen.rows.filter { $0.contains("harness>") }.count == 1, "a stale copy: \(screen.rows)")
        try run.session.press("Enter")
        try run.endInput()
        #expect(try run.linesRead() == [line])
    }

    @Test func upArrowRecallsHistoryAndTheHistoryFileIsPrivateAndReloaded() throws {
        let directory = try HarnessRun.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let historyFile = directory.appendingPathComponent("history").path

        let run = try HarnessRun(
            arguments: ["--prints", "4", "--interval-ms", "150", "--history", historyFile],
            directory: directory
        )
        defer { run.stop() }
        try run.waitForPrompt()
        try run.session.type("EHLO client.example")
        try run.session.press("Enter")
        try run.session.type("NOOP")
        try run.session.press("Enter", "Up", "Up")
        try run.session.waitForScreen("the recalled line") {
            $0.rows.last == Self.prompt + "EHLO client.example" && $0.cursor == .init(x: 9 + 19, y: $0.lastRow)
        }
        try run.session.press("Enter")
        try run.endInput()
        #expect(try run.linesRead() == ["EHLO client.example", "NOOP", "EHLO client.example"])
        let attributes = try FileManager.default.attributesOfItem(atPath: historyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // A new process loads the file; a file others may read is made private again.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: historyFile)
        let second = try HarnessRun(arguments: ["--history", historyFile], directory: directory)
        defer { second.stop() }
        try second.waitForPrompt()
        try second.session.press("Up")
        try second.session.waitForScreen("the line from the file") {
            $0.rows.last == Self.prompt + "EHLO client.example"
        }
        try second.session.press("Enter")
        try second.endInput()
        #expect(try second.linesRead() == ["EHLO client.example"])
        let reopened = try FileManager.default.attributesOfItem(atPath: historyFile)
        #expect((reopened[.posixPermissions] as? Int) == 0o600)
    }

    @Test func tabCompletesVerbsWithoutASpaceAfterMailFromAndListsSeveral() throws {
        let run = try HarnessRun(arguments: ["--prints", "3", "--interval-ms", "300"])
        defer {
            run.stop()
            run.removeFiles()
        }
        try run.waitForPrompt()
        try run.session.type("MA")
        try run.session.press("Tab")
        // No space after MAIL FROM: (the cursor right after the colon).
        try run.session.waitForScreen("MAIL FROM:") {
            $0.rows.last == Self.prompt + "MAIL FROM:" && $0.cursor == .init(x: 9 + 10, y: $0.lastRow)
        }
        try run.session.type("<a@example.org>")
        try run.session.press("Enter")

        // A space after EHLO.
        try run.session.type("EH")
        try run.session.press("Tab")
        try run.session.waitForScreen("EHLO and a space") {
            $0.rows.last == Self.prompt + "EHLO" && $0.cursor == .init(x: 9 + 5, y: $0.lastRow)
        }
        try run.session.type("client.example")
        try run.session.press("Enter")

        // Several candidates: listed above the prompt, the line kept.
        try run.session.type("R")
        try run.session.press("Tab")
        try run.session.waitForScreen("the candidates listed") {
            $0.rows.contains("RCPT TO:  RSET") && $0.rows.last == Self.prompt + "R"
                && $0.cursor == .init(x: 9 + 1, y: $0.lastRow)
        }
        try run.session.type("C")
        try run.session.press("Tab")
        try run.session.waitForScreen("RCPT TO:") { $0.rows.last == Self.prompt + "RCPT TO:" }
        try run.session.type("<b@example.org>")
        try run.session.press("Enter")
        try run.endInput()
        #expect(
            try run.linesRead() == ["MAIL FROM:<a@example.org>", "EHLO client.example", "RCPT TO:<b@example.org>"]
        )
    }

    @Test func controlCDiscardsTheHalfTypedLineAndReadingGoesOn() throws {
        let run = try HarnessRun(arguments: ["--prints", "6", "--interval-ms", "150"])
        defer {
            run.stop()
            run.removeFiles()
        }
        try run.waitForPrompt()
        try run.session.type("MAIL FROM:<oops")
        try run.session.press("C-c")
        let screen = try run.session.waitForScreen("a fresh prompt") {
            $0.rows.last == Self.prompt.trimmingSuffixSpaces && $0.cursor == .init(x: 9, y: $0.lastRow)
        }
        #expect(screen.rows.contains(Self.prompt + "MAIL FROM:<oops^C"))
        #expect(try !run.session.programHasExited())
        try run.session.type("QUIT")
        try run.session.press("Enter")
        try run.endInput()
        #expect(try run.linesRead() == ["QUIT"])
    }

    @Test func setPromptRedrawsAColouredPromptWithTheCursorInPlace() throws {
        let run = try HarnessRun(arguments: ["--prints", "3", "--interval-ms", "250", "--colour-prompt-after", "2"])
        defer {
            run.stop()
            run.removeFiles()
        }
        try run.waitForPrompt()
        try run.session.type("HELO")
        // The colour takes no columns: the cursor is right after the text.
        try run.session.waitForScreen("the new prompt") {
            $0.rows.last == "harness[2]> HELO" && $0.cursor == .init(x: 12 + 4, y: $0.lastRow)
        }
        try run.session.type(" x")
        try run.session.waitForScreen("the third server line") {
            $0.rows.contains("server line 3") && $0.rows.last == "harness[2]> HELO x"
                && $0.cursor == .init(x: 12 + 6, y: $0.lastRow)
        }
        let coloured = try run.session.screenWithEscapes().last ?? ""
        #expect(coloured.contains("\u{1B}[") && coloured.contains("harness[2]>"), "\(coloured.debugDescription)")
        try run.session.press("Enter")
        try run.endInput()
        #expect(try run.linesRead() == ["HELO x"])
    }

    @Test func readSecretDoesNotEchoAndKeepsItsPromptUnderPrints() throws {
        let run = try HarnessRun(arguments: ["--prints", "20", "--interval-ms", "150"])
        defer {
            run.stop()
            run.removeFiles()
        }
        try run.waitForPrompt()
        try run.session.type("secret")
        try run.session.press("Enter")
        try run.session.waitForScreen("the password prompt") { $0.rows.last == "Password:" }
        try run.session.type("hunter2", delay: 0.1)
        let before = try run.session.screen().serverLineNumbers.max() ?? 0
        try run.session.waitForScreen("more server lines under the password prompt") {
            ($0.rows.serverLineNumbers.max() ?? 0) >= before + 2 && $0.rows.last == "Password:"
                && $0.cursor == .init(x: 10, y: $0.lastRow)
        }
        try run.session.press("Enter")
        let screen = try run.session.waitForScreen("the prompt again") {
            $0.rows.last == Self.prompt.trimmingSuffixSpaces
        }
        #expect(!screen.rows.joined().contains("hunter2"))
        try run.endInput()
        #expect(try run.linesRead() == ["secret", "secret:hunter2"])
    }

    @Test func sigtermEndsTheReadAndRestoresTheTerminal() throws {
        let run = try HarnessRun()
        defer {
            run.stop()
            run.removeFiles()
        }
        try run.waitForPrompt()
        try run.session.type("DATA")
        try run.session.waitForScreen("the typed text") { $0.rows.last == Self.prompt + "DATA" }
        #expect(kill(try run.session.programPID(), SIGTERM) == 0)
        try run.session.waitForExit()
        #expect(try run.status() == "terminated \(SIGTERM) tty=cooked")
        #expect(try run.linesRead() == [])
    }

    @Test func theHarnessRefusesToRunWithoutATerminal() throws {
        let unused = FileManager.default.temporaryDirectory.appendingPathComponent("unused-\(UUID().uuidString)")
        let result = try Subprocess.run(
            [HarnessRun.executable.path, "--output", unused.path],
            environment: ProcessInfo.processInfo.environment
        )
        #expect(result.status == 3)
        #expect(result.errorOutput.contains("not a terminal"))
        #expect(!FileManager.default.fileExists(atPath: unused.path))
    }
}
