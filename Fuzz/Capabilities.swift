// Fuzz target: the EHLO capability parser (keywords, SIZE, AUTH mechanisms), fed lines
// that become a 250 reply.
import SMTPCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapabilities(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let reply = Reply(code: .ok, lines: lines.isEmpty ? [""] : lines)
    if let capabilities = ServerCapabilities(ehloReply: reply) {
        _ = capabilities.size
        _ = capabilities.authMechanisms
        for capability in capabilities.capabilities { _ = capability.description }
        _ = capabilities.supports("PIPELINING")
    }
    for line in lines { _ = Capability(line: line) }
    return 0
}
