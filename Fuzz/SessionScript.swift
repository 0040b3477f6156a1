// Fuzz target: the session/macro file parser, which also reads swaks transcripts and
// telnet pastes. Invariants: no crash; an error has a line number inside the file; a
// script's variables substitute without crashing.
import SMTPCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSessionScript(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let script = try SessionScriptParser.parse(bytes)
        for exchange in script.exchanges {
            for text in exchange.sentTexts {
                _ = try? VariableText.substitute(text) { _ in "x" }
            }
            if let expectation = exchange.expectation {
                _ = expectation.summary(comparison: .text)
                _ = expectation.matches(Reply(code: .ok, "ok"), comparison: .text)
            }
        }
    } catch {
        let lines = bytes.count(where: { $0 == 10 }) + 1
        precondition(error.line >= 1 && error.line <= lines, "the error's line is in the file")
    }
    return 0
}
