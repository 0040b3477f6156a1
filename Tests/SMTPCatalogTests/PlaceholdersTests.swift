import Testing
@testable import SMTPCatalog

@Suite struct PlaceholdersTests {
    @Test func names() {
        #expect(Placeholders.names(in: "{host} and {arg}, {size}") == ["host", "arg", "size"])
        #expect(Placeholders.names(in: "{a-b2} {} {A} {\"json\": 1} {2x} {x") == ["a-b2"])
    }

    @Test func fill() {
        #expect(
            Placeholders.fill("from {host}: {arg} {other}", with: ["host": "h.example", "arg": "{host}"])
                == "from h.example: {host} {other}")
        #expect(Placeholders.fill("no braces", with: ["x": "y"]) == "no braces")
        #expect(Placeholders.fill("{", with: ["x": "y"]) == "{")
        #expect(Placeholders.fill("}{x}{", with: ["x": "y"]) == "}y{")
    }

    @Test func serverValuesAreMadeSafe() {
        #expect(Placeholders.sanitised("a\u{1B}[31mb") == "a\\x1B[31mb")
        #expect(Placeholders.sanitised(String(repeating: "x", count: 100)).count == 64)
    }

    @Test(
        arguments: [
            (35_882_577, "35 MB", "35\u{00A0}Mo"),
            (10_240_000, "10 MB", "10\u{00A0}Mo"),
            (1_500_000, "1.5 MB", "1,5\u{00A0}Mo"),
            (1_000_000, "1 MB", "1\u{00A0}Mo"),
            (999_999, "999 kB", "999\u{00A0}ko"),
            (512, "512 B", "512\u{00A0}o"),
            (0, "0 B", "0\u{00A0}o"),
            (157_286_400, "157 MB", "157\u{00A0}Mo"),
            (2_147_483_648, "2.1 GB", "2,1\u{00A0}Go"),
            (UInt64.max, "18 EB", "18\u{00A0}Eo"),
        ] as [(UInt64, String, String)])
    func readableSizes(octets: UInt64, english: String, french: String) {
        #expect(ReadableSize.format(octets, in: .en) == english)
        #expect(ReadableSize.format(octets, in: .ja) == english)
        #expect(ReadableSize.format(octets, in: .fr) == french)
    }

    /// Timeouts in the messages (`{seconds}`) and latencies (`{time}`, `(0.4 ms)`), worded
    /// by the language: `30 秒`, not `30 s`, in a Japanese sentence.
    @Test(
        arguments: [
            (30, "30 s", "30\u{00A0}s", "30 秒"),
            (2.5, "2.5 s", "2,5\u{00A0}s", "2.5 秒"),
            (300, "300 s", "300\u{00A0}s", "300 秒"),
            (0.25, "0.25 s", "0,25\u{00A0}s", "0.25 秒"),
        ] as [(Double, String, String, String)])
    func readableSeconds(value: Double, english: String, french: String, japanese: String) {
        #expect(ReadableDuration.seconds(value, in: .en) == english)
        #expect(ReadableDuration.seconds(value, in: .fr) == french)
        #expect(ReadableDuration.seconds(value, in: .ja) == japanese)
    }

    @Test(
        arguments: [
            (0.44, "0.4 ms", "0,4\u{00A0}ms", "0.4 ms"),
            (9.96, "10 ms", "10\u{00A0}ms", "10 ms"),
            (999.7, "1.0 s", "1,0\u{00A0}s", "1.0 秒"),
            (12.6, "13 ms", "13\u{00A0}ms", "13 ms"),
            (1500, "1.5 s", "1,5\u{00A0}s", "1.5 秒"),
        ] as [(Double, String, String, String)])
    func readableLatencies(value: Double, english: String, french: String, japanese: String) {
        #expect(ReadableDuration.milliseconds(value, in: .en) == english)
        #expect(ReadableDuration.milliseconds(value, in: .fr) == french)
        #expect(ReadableDuration.milliseconds(value, in: .ja) == japanese)
    }
}
