import Testing

@testable import SMTPCore

/// Calendar fields from seconds, against Python's `email.utils.formatdate` and `time.gmtime`.
@Suite struct UTCTimeTests {
    @Test(arguments: [
        (Int64(0), "Thu, 01 Jan 1970 00:00:00 +0000", "1970-01-01", "19700101T000000"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000", "2000-02-29", "20000229T000000"),
        (1_709_208_000, "Thu, 29 Feb 2024 12:00:00 +0000", "2024-02-29", "20240229T120000"),
        (1_795_350_230, "Sun, 22 Nov 2026 12:23:50 +0000", "2026-11-22", "20261122T122350"),
        (4_102_444_799, "Thu, 31 Dec 2099 23:59:59 +0000", "2099-12-31", "20991231T235959"),
        (-1, "Wed, 31 Dec 1969 23:59:59 +0000", "1969-12-31", "19691231T235959"),
    ])
    func formats(seconds: Int64, rfc5322: String, isoDate: String, stamp: String) {
        let time = UTCTime(secondsSince1970: seconds)
        #expect(time.rfc5322 == rfc5322)
        #expect(time.isoDate == isoDate)
        #expect(time.compactStamp == stamp)
    }
}
