// Fuzz target: the incremental reply parser, fed the input in two pieces split where its
// first byte says. Invariants: no crash, every line kept within the parser's limits.
import SMTPCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReplyParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let split = min(Int(first), bytes.count)
    var parser = ReplyParser()
    for piece in [bytes[1..<max(split, 1)], bytes[max(split, 1)...]] {
        parser.append(piece)
        while let event = parser.next() {
            switch event {
            case .line(let line):
                precondition(line.bytes.count <= 8192 + 16, "a kept line is bounded")
            case .reply(let reply):
                precondition(!reply.lines.isEmpty && reply.lines.count <= 1000, "a reply keeps 1 to 1000 lines")
                _ = reply.enhancedStatusCode
                _ = reply.text
                _ = ServerCapabilities(ehloReply: reply)
            case .unparsableLine(let line):
                _ = VisibleText.escape(line.bytes)
            }
        }
    }
    return 0
}
