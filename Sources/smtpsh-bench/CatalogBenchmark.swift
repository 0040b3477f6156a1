import Foundation
import CatalogFormat
import SMTPCatalog
import SMTPCore

/// `smtpsh-bench catalog`: what the reply catalogue costs. Parsing and checking the
/// embedded files (what `Catalog.shared` does once, on first use), and explaining replies.
/// The end-to-end start-up cost (`smtpsh explain 550` against `smtpsh --version`) is
/// measured with hyperfine: see Docs/benchmarks.md.
enum CatalogBenchmark {
    static func run(arguments: [String]) throws {
        let runs = try option("--runs", in: arguments, default: 21)
        let count = try option("--replies", in: arguments, default: 200_000)
        let bytes = Catalog.embeddedSources.reduce(0) { $0 + $1.text.utf8.count }
        print("reply catalogue: \(Catalog.embeddedSources.count) files, \(bytes) bytes, \(runs) runs")

        // The first load in a fresh process, as `smtpsh explain` pays it (cold caches).
        let coldStart = DispatchTime.now().uptimeNanoseconds
        let first = Catalog.shared
        let cold = Double(DispatchTime.now().uptimeNanoseconds - coldStart) / 1e6
        print(String(format: "first load of Catalog.shared in this process: %.2f ms (%d entries)", cold, first.keys.count))

        var decodes: [Double] = []
        for _ in 1...runs {
            let start = DispatchTime.now().uptimeNanoseconds
            let entries = CatalogIndex.decode(Catalog.embeddedIndex, sources: Catalog.embeddedSources)
            decodes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            guard entries.count == Catalog.embeddedEntries.count else { throw BenchmarkError(description: "the index decodes differently") }
        }
        print(String(format: "read the whole build's index (listings): median %.2f ms (min %.2f ms)", median(decodes), decodes.min() ?? 0))

        let loads: [(what: String, load: () -> Catalog)] = [
            // What a fresh process pays: no load, one lookup by halving the index.
            ("load from the build's index and look basic.550 up (Catalog.shared)", {
                let catalog = Catalog(index: Catalog.embeddedTable, only: nil)
                _ = catalog["basic.550"]
                return catalog
            }),
            ("parse keys and match: lines (no index)", { Catalog(sources: Catalog.embeddedSources, checks: false) }),
            ("parse and check (the tests)", { Catalog(sources: Catalog.embeddedSources, checks: true) }),
        ]
        for (what, load) in loads {
            var times: [Double] = []
            var entries = 0
            for _ in 1...runs {
                let start = DispatchTime.now().uptimeNanoseconds
                let catalog = load()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                guard catalog.diagnostics.isEmpty else {
                    throw BenchmarkError(description: "the catalogue has problems: \(catalog.diagnostics[0])")
                }
                entries = catalog.keys.count
            }
            print(
                String(
                    format: "%@: median %.2f ms (min %.2f ms) for %d entries", what, median(times), times.min() ?? 0,
                    entries))
        }

        let lines = [
            "550 5.1.1 <nobody@example.org>: Recipient address rejected", "452 #4.3.1 queue full",
            "250 2.1.0 Ok", "421 #4.x.2 Too many messages to this session", "599 odd", "220 my_esa.local ESMTP",
            "334 VXNlcm5hbWU6", "501 Unknown command XXX",
        ]
        let replies = lines.map { Reply(lines: [ReplyLine(bytes: Array($0.utf8))]) }
        let catalog = Catalog.shared
        var rates: [Double] = []
        for _ in 1...max(3, runs / 4) {
            var keys = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for index in 0..<count { keys += catalog.explain(replies[index % replies.count]).parts.count }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            guard keys > 0 else { throw BenchmarkError(description: "no explanation") }
            rates.append(Double(count) / seconds)
        }
        print(String(format: "explain: median %.0f replies per second", median(rates)))
    }
}
