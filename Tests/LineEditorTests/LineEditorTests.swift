import Testing

@testable import LineEditor

/// The parts of `LineEditor` that need no terminal; the rest is in LineEditorTerminalTests.
@Suite struct LineEditorTests {
    @Test(arguments: [
        ("server line", "server line\r\n"),
        ("server line\n", "server line\r\n"),
        ("250-first\r\n250 last\r\n", "250-first\r\n250 last\r\n"),
        ("a\n\nb", "a\r\n\r\nb\r\n"),
        ("", "\r\n"),
    ])
    func printedTextIsWholeLinesEndingInCRLF(text: String, written: String) {
        #expect(LineEditor.terminalText(text) == written)
    }

    @Test func constructingWithoutATerminalThrows() throws {
        // `swift test` may run in a terminal: only check when it does not.
        if isatty(STDIN_FILENO) == 0 || isatty(STDOUT_FILENO) == 0 {
            #expect(throws: NotATerminal.self) {
                _ = try LineEditor(configuration: .init(programName: "test", readEditrc: false))
            }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
