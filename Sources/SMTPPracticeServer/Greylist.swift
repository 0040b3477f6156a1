import Dispatch
import NIOConcurrencyHelpers

/// Seconds on a monotonic clock; tests give one they move by hand.
public typealias ServerClock = @Sendable () -> Double

public enum ServerClocks {
    /// Seconds since an arbitrary start, never going back (not the time of day).
    public static let monotonic: ServerClock = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// Greylisting that remembers (`--greylist S`): the first attempt of a (client address,
/// sender, recipient) triplet is turned away with a 450, and the same triplet is accepted once
/// S seconds have passed, from any connection. Shared by the server's sessions; no I/O.
///
/// As postgrey does, a triplet that passed keeps passing; one that never comes back is
/// forgotten after a day, and the table holds at most ``capacity`` triplets (the oldest go
/// first), so a client that invents addresses cannot fill the memory.
public final class Greylist: Sendable {
    public enum Verdict: Hashable, Sendable {
        case pass
        /// Turned away; this many seconds are left before the triplet passes.
        case greylisted(remaining: Double)
    }

    private struct Entry {
        var firstSeen: Double
        var passed: Bool
    }

    private let table = NIOLockedValueBox([String: Entry]())
    private let now: ServerClock
    /// Delays are multiplied by this (the server's time scale, for tests).
    private let timeScale: Double
    public let capacity: Int
    /// Seconds after which a triplet that did not come back is forgotten.
    public let lifetime: Double

    public init(now: @escaping ServerClock = ServerClocks.monotonic, timeScale: Double = 1, capacity: Int = 100_000, lifetime: Double = 86400) {
        self.now = now
        self.timeScale = timeScale
        self.capacity = capacity
        self.lifetime = lifetime
    }

    /// The verdict on an attempt, with a delay of `delay` seconds.
    public func check(client: String, sender: String, recipient: String, delay: Double) -> Verdict {
        let key = "\(client)\u{0}\(sender.lowercased())\u{0}\(recipient.lowercased())"
        let time = now()
        let delay = delay * timeScale
        return table.withLockedValue { table in
            if let entry = table[key], time - entry.firstSeen < lifetime * timeScale || entry.passed {
                if entry.passed || time - entry.firstSeen >= delay {
                    table[key]?.passed = true
                    return .pass
                }
                return .greylisted(remaining: (delay - (time - entry.firstSeen)) / timeScale)
            }
            if table.count >= capacity { Self.prune(&table, keeping: capacity / 2) }
            table[key] = Entry(firstSeen: time, passed: false)
            return .greylisted(remaining: delay / timeScale)
        }
    }

    /// How many triplets the table holds.
    public var count: Int { table.withLockedValue { $0.count } }

    /// Keeps the `keeping` most recent triplets.
    private static func prune(_ table: inout [String: Entry], keeping: Int) {
        let recent = table.sorted { $0.value.firstSeen > $1.value.firstSeen }.prefix(keeping)
        table = Dictionary(uniqueKeysWithValues: recent.map { ($0.key, $0.value) })
    }
}
