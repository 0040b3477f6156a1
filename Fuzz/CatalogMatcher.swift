// Fuzz target: the catalogue's matcher: what `smtpsh explain` and the session do with any
// text a user pastes or a server sends (appliance patterns, enhanced codes, placeholders).
import SMTPCatalog
import SMTPCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCatalogMatcher(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    let catalog = Catalog.shared
    for item in catalog.explain(input: text) { _ = item }
    var parser = ReplyParser()
    parser.append(bytes + [13, 10])
    while let event = parser.next() {
        if case .reply(let reply) = event {
            let explanation = catalog.explain(reply)
            _ = explanation.keys
            _ = catalog.applianceMatch(in: reply, allowingGeneric: true)
            _ = catalog.explainEHLO(reply)
        }
    }
    return 0
}
