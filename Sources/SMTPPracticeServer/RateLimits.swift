import NIOConcurrencyHelpers
import SMTPCore

/// A limit of N events per period: `5/60` (five a minute).
public struct RateLimit: Hashable, Sendable, CustomStringConvertible {
    public var count: Int
    /// Seconds.
    public var period: Double

    public init(count: Int, period: Double) {
        self.count = count
        self.period = period
    }

    /// `5/60` or `5` (with `defaultPeriod`).
    public init(parsing text: String, name: String, defaultPeriod: Double = 60) throws(ScenarioError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let count = Int(parts[0].trimmingSpaces), count > 0, count <= 1_000_000 else {
            throw ScenarioError("\(name) is COUNT or COUNT/SECONDS, such as 5/60; found '\(text)'")
        }
        var period = defaultPeriod
        if parts.count == 2 {
            guard let seconds = Double(parts[1].trimmingSpaces), seconds > 0, seconds <= 86400 else {
                throw ScenarioError("\(name) is COUNT or COUNT/SECONDS, such as 5/60; found '\(text)'")
            }
            period = seconds
        }
        self.init(count: count, period: period)
    }

    public var description: String { "\(count)/\(period == period.rounded() ? String(Int(period)) : String(period))" }
}

/// Counts events per client address over a sliding period (connections, recipients), shared
/// by the server's sessions; no I/O. Memory is bounded: old events are forgotten, and at most
/// ``capacity`` addresses are remembered.
public final class RateCounter: Sendable {
    private let table = NIOLockedValueBox([String: [Double]]())
    private let now: ServerClock
    private let timeScale: Double
    public let capacity: Int

    public init(now: @escaping ServerClock = ServerClocks.monotonic, timeScale: Double = 1, capacity: Int = 10_000) {
        self.now = now
        self.timeScale = timeScale
        self.capacity = capacity
    }

    /// Counts `events` events for `key` now, unless that would pass the limit: true when they
    /// are within it (and counted), false when they are over (and not counted).
    public func admit(_ key: String, limit: RateLimit, events: Int = 1) -> Bool {
        let time = now()
        let period = limit.period * timeScale
        return table.withLockedValue { table in
            var recent = (table[key] ?? []).filter { time - $0 < period }
            guard recent.count + events <= limit.count else {
                table[key] = recent
                return false
            }
            if table[key] == nil && table.count >= capacity {
                // Forget the addresses with nothing recent, or else all of them (a flood of addresses).
                table = table.filter { !$0.value.isEmpty && time - ($0.value.last ?? 0) < period }
                if table.count >= capacity { table = [:] }
            }
            recent += Array(repeating: time, count: events)
            table[key] = recent
            return true
        }
    }
}

/// What the sessions of one server share: the greylist and the rate counters.
public struct SharedTables: Sendable {
    public var greylist: Greylist
    /// Connections per client address (`--max-connections`).
    public var connections: RateCounter
    /// Recipients per client address (`--recipient-rate`).
    public var recipients: RateCounter

    public init(now: @escaping ServerClock = ServerClocks.monotonic, timeScale: Double = 1) {
        greylist = Greylist(now: now, timeScale: timeScale)
        connections = RateCounter(now: now, timeScale: timeScale)
        recipients = RateCounter(now: now, timeScale: timeScale)
    }
}
