// Benchmarks for smtpsh. Run in release mode:
//
//     swift build -c release
//     .build/release/smtpsh-bench parser [--lines N] [--runs R]
//     .build/release/smtpsh-bench client [--runs R] [--baseline PATH-TO-AN-EARLIER-SMTPSH]
//     .build/release/smtpsh-bench catalog [--runs R] [--replies N]
//
// See Docs/benchmarks.md.
import Foundation
import SMTPCore

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

func option(_ name: String, in arguments: [String], default value: Int) throws -> Int {
    guard let index = arguments.firstIndex(of: name) else { return value }
    guard index + 1 < arguments.count, let parsed = Int(arguments[index + 1]), parsed > 0 else {
        throw BenchmarkError(description: "\(name) needs a positive number")
    }
    return parsed
}

func pathOption(_ name: String, in arguments: [String]) throws -> String? {
    guard let index = arguments.firstIndex(of: name) else { return nil }
    guard index + 1 < arguments.count, !arguments[index + 1].isEmpty else {
        throw BenchmarkError(description: "\(name) needs a path")
    }
    return arguments[index + 1]
}

/// A synthetic server stream: EHLO replies (multi-line), single-line replies with enhanced
/// codes, and a long multi-line HELP reply, repeated until `lines` lines are written.
func syntheticStream(lines: Int) -> (bytes: [UInt8], lines: Int, replies: Int) {
    let block: [String] = [
        "220 mail.example.org ESMTP ready\r\n",
        "250-mail.example.org Hello client.example [127.0.0.1]\r\n",
        "250-PIPELINING\r\n",
        "250-SIZE 35882577\r\n",
        "250-ETRN\r\n",
        "250-STARTTLS\r\n",
        "250-AUTH PLAIN LOGIN CRAM-MD5\r\n",
        "250-ENHANCEDSTATUSCODES\r\n",
        "250-8BITMIME\r\n",
        "250-DSN\r\n",
        "250 SMTPUTF8\r\n",
        "250 2.1.0 Ok\r\n",
        "250 2.1.5 Ok\r\n",
        "452 #4.3.1 queue full\r\n",
        "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table\r\n",
        "354 End data with <CR><LF>.<CR><LF>\r\n",
        "250 2.0.0 Ok: queued as 4Bc9Xk1Lq2z7\r\n",
        "221 2.0.0 Bye\r\n",
    ]
    let blockBytes = Array(block.joined().utf8)
    let repeats = max(1, lines / block.count)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(blockBytes.count * repeats)
    for _ in 0..<repeats { bytes.append(contentsOf: blockBytes) }
    return (bytes, repeats * block.count, repeats * 9)
}

func benchmarkParser(arguments: [String]) throws {
    let lineTarget = try option("--lines", in: arguments, default: 2_000_000)
    let runs = try option("--runs", in: arguments, default: 7)
    let chunkSize = try option("--chunk", in: arguments, default: 16_384)
    let stream = syntheticStream(lines: lineTarget)
    print("reply parser: \(stream.lines) lines, \(stream.replies) replies, \(stream.bytes.count) bytes, fed in \(chunkSize)-byte chunks, \(runs) runs")
    var rates: [Double] = []
    for run in 1...runs {
        let start = DispatchTime.now().uptimeNanoseconds
        var parser = ReplyParser()
        var lineEvents = 0
        var replies = 0
        var offset = 0
        while offset < stream.bytes.count {
            let end = min(offset + chunkSize, stream.bytes.count)
            parser.append(stream.bytes[offset..<end])
            while let event = parser.next() {
                switch event {
                case .line: lineEvents += 1
                case .reply: replies += 1
                case .unparsableLine: break
                }
            }
            offset = end
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard lineEvents == stream.lines, replies == stream.replies else {
            throw BenchmarkError(description: "parsed \(lineEvents) lines and \(replies) replies, expected \(stream.lines) and \(stream.replies)")
        }
        let rate = Double(lineEvents) / seconds
        rates.append(rate)
        print(String(format: "  run %d: %.3f s, %.2f million lines/s", run, seconds, rate / 1e6))
    }
    print(String(format: "median: %.2f million reply lines per second (target: at least 1.00)", median(rates) / 1e6))
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "parser":
        try benchmarkParser(arguments: Array(arguments.dropFirst()))
    case "client":
        try ClientBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "catalog":
        try CatalogBenchmark.run(arguments: Array(arguments.dropFirst()))
    default:
        print("usage: smtpsh-bench parser [--lines N] [--runs R] [--chunk BYTES]")
        print("       smtpsh-bench client [--runs R] [--reply-lines N]   (needs .build/release/smtpsh)")
        print("       smtpsh-bench catalog [--runs R] [--replies N]")
        exit(arguments.isEmpty ? 0 : 2)
    }
} catch {
    FileHandle.standardError.write(Data("smtpsh-bench: \(error)\n".utf8))
    exit(1)
}
