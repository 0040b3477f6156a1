#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import SMTPCatalog
import SMTPCore

/// Which lines of standard input are worth reading: all of them, except the lines of a mail
/// log (a syslog or ISO time stamp first) that carry none of the markers of a reply.
enum LogLineFilter {
    /// The markers, each with the place of a byte that is rare in a log line (`:`, `'`, `S`):
    /// the line is searched for that byte with memchr, and the marker compared around it.
    static let markers: [(bytes: [UInt8], anchor: Int)] = [
        (" said: ", 5), ("reject: ", 6), ("SMTP error from remote", 0), ("refused to talk to me: ", 21),
        (" returned '", 10), ("iagnostic-", 9),
    ].map { (Array($0.0.utf8), $0.1) }

    static func mayHoldReply(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard startsWithTimeStamp(line) else { return true }
        for marker in markers where line.count >= marker.bytes.count {
            if contains(line, marker.bytes, anchor: marker.anchor) { return true }
        }
        return false
    }

    /// `marker` occurs in `line`: memchr for its byte at `anchor`, then memcmp.
    static func contains(_ line: UnsafeBufferPointer<UInt8>, _ marker: [UInt8], anchor: Int) -> Bool {
        guard let base = line.baseAddress, anchor < marker.count else { return false }
        return marker.withUnsafeBufferPointer { needle in
            // The anchor byte can be at `anchor` … `line.count - marker.count + anchor`.
            var index = anchor
            let last = line.count - marker.count + anchor
            while index <= last {
                guard let found = memchr(base + index, Int32(needle[anchor]), last - index + 1) else { return false }
                index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + index - anchor, needle.baseAddress!, needle.count) == 0 { return true }
                index += 1
            }
            return false
        }
    }

    /// `Dec  7 10:21:33 ` (syslog), `2026-12-07T10:21:33` or `2026-12-07 10:21:33` (RFC 5424, Exim).
    static func startsWithTimeStamp(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard line.count >= 16 else { return false }
        func digit(_ index: Int) -> Bool { (48...57).contains(line[index]) }
        if digit(0), digit(1), digit(2), digit(3), line[4] == 45, digit(5), digit(6), line[7] == 45 { return true }
        let upper = (65...90).contains(line[0]), lower = (97...122).contains(line[1]) && (97...122).contains(line[2])
        return upper && lower && line[3] == 32 && (line[4] == 32 || digit(4)) && digit(5) && line[6] == 32
    }
}
