/// A moment in UTC split into calendar fields, from seconds since 1970: proleptic
/// Gregorian calendar, no time-zone database, no locale (mail dates are for machines).
///
/// ```swift
/// UTCTime(secondsSince1970: 1_795_350_230).rfc5322   // "Sun, 22 Nov 2026 12:23:50 +0000"
/// ```
public struct UTCTime: Hashable, Sendable {
    public var year: Int
    /// 1…12
    public var month: Int
    /// 1…31
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// 0 = Sunday … 6 = Saturday
    public var weekday: Int

    public init(secondsSince1970 seconds: Int64) {
        let secondsPerDay: Int64 = 86_400
        var days = seconds / secondsPerDay
        var rest = seconds % secondsPerDay
        if rest < 0 {
            rest += secondsPerDay
            days -= 1
        }
        hour = Int(rest / 3600)
        minute = Int(rest % 3600 / 60)
        second = Int(rest % 60)
        // 1970-01-01 was a Thursday.
        weekday = Int(((days + 4) % 7 + 7) % 7)
        // Days to civil date (H. Hinnant's algorithm): eras of 400 years from 0000-03-01.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1)
        month = Int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9)
        year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
    }

    /// `Sun, 22 Nov 2026 12:23:50 +0000` (RFC 5322, section 3.3).
    public var rfc5322: String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[weekday]), \(Self.two(day)) \(months[month - 1]) \(year) \(Self.two(hour)):\(Self.two(minute)):\(Self.two(second)) +0000"
    }

    /// `2026-11-22`.
    public var isoDate: String { "\(year)-\(Self.two(month))-\(Self.two(day))" }

    /// `2026-11-22T12:23:50Z` (RFC 3339, UTC).
    public var isoTime: String {
        "\(isoDate)T\(Self.two(hour)):\(Self.two(minute)):\(Self.two(second))Z"
    }

    /// `20261122T122350`, for file names.
    public var compactStamp: String {
        "\(year)\(Self.two(month))\(Self.two(day))T\(Self.two(hour))\(Self.two(minute))\(Self.two(second))"
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
