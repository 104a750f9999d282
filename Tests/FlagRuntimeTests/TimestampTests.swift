import FlagRuntime
import Foundation
import Testing

@Suite("Timestamp")
struct TimestampTests {
    struct TimestampCase: Sendable, CustomTestStringConvertible {
        let text: String
        let unixSeconds: Double
        var testDescription: String { text }
    }

    static let validTimestamps: [TimestampCase] = [
        .init(text: "1970-01-01T00:00:00Z", unixSeconds: 0),
        .init(text: "2026-12-01T09:00:00Z", unixSeconds: 1_796_115_600),
        .init(text: "2026-12-01t09:00:00z", unixSeconds: 1_796_115_600),
        .init(text: "2026-12-01T10:00:00+01:00", unixSeconds: 1_796_115_600),
        .init(text: "2026-12-01T04:30:00-04:30", unixSeconds: 1_796_115_600),
        .init(text: "2026-12-02T08:59:00+23:59", unixSeconds: 1_796_115_600),
        .init(text: "2026-11-30T09:01:00-23:59", unixSeconds: 1_796_115_600),
        .init(text: "2026-12-01T09:00:00-00:00", unixSeconds: 1_796_115_600),
        .init(text: "2026-12-01T09:00:00.5Z", unixSeconds: 1_796_115_600.5),
        .init(text: "2026-12-01T09:00:00.250+00:00", unixSeconds: 1_796_115_600.25),
        .init(text: "1969-12-31T23:59:59Z", unixSeconds: -1),
        .init(text: "1969-12-31T23:59:59.75Z", unixSeconds: -0.25),
        .init(text: "2000-02-29T12:00:00Z", unixSeconds: 951_825_600),
        .init(text: "2024-02-29T00:00:00Z", unixSeconds: 1_709_164_800),
        .init(text: "0000-01-01T00:00:00Z", unixSeconds: -62_167_219_200),
        .init(text: "0000-02-29T00:00:00Z", unixSeconds: -62_162_121_600),
        .init(text: "9999-12-31T23:59:59Z", unixSeconds: 253_402_300_799),
        .init(text: "2038-01-19T03:14:08Z", unixSeconds: 2_147_483_648),
        // A leap second counts as the first second of the next minute.
        .init(text: "2016-12-31T23:59:60Z", unixSeconds: 1_483_228_800),
        .init(text: "2016-12-31T23:59:60.5Z", unixSeconds: 1_483_228_800.5),
        .init(text: "2017-01-01T00:00:00Z", unixSeconds: 1_483_228_800),
    ]

    @Test("valid timestamps parse to Unix seconds", arguments: validTimestamps)
    func validTimestampsParse(testCase: TimestampCase) {
        #expect(Timestamp.parseRFC3339(testCase.text) == testCase.unixSeconds)
    }

    static let invalidTimestamps: [String] = [
        "", "2026-12-01", "2026-12-01T09:00:00", "2026-12-01T09:00Z", "2026-12-01T09:00:00+0100",
        "2026-12-01T09:00:00+01", "2026-12-01T09:00:00+1:00", "2026-12-01T09:00:00+24:00", "2026-12-01T09:00:00+01:60",
        "2026-12-01 09:00:00Z", "2026-12-01T09:00:00 Z", " 2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z ",
        "2026-12-01T09:00:00ZZ",
        "2026-12-01T09:00:00.Z", "2026-12-01T09:00:00,5Z", "2026-12-01T09:00:00.5", "2026-12-01X09:00:00Z",
        "2026-12-01_09:00:00Z", "2026-13-01T09:00:00Z", "2026-00-01T09:00:00Z", "2026-12-00T09:00:00Z",
        "2026-12-32T09:00:00Z", "2026-04-31T09:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T23:60:00Z", "2026-12-01T23:59:61Z",
        "26-12-01T09:00:00Z", "+2026-12-01T09:00:00Z", "-2026-12-01T09:00:00Z", "20261-12-01T09:00:00Z",
        "2026-1-01T09:00:00Z", "2026-12-1T09:00:00Z", "2026-12-01T9:00:00Z", "2026/12/01T09:00:00Z",
        "2026-12-01T09-00-00Z", "2026-W48-1T09:00:00Z", "2026-12-01T09:00:00UTC", "2026-12-01T09:00:00+01:00:00",
        "２026-12-01T09:00:00Z", "2026-12-01T09:00:00.١Z", "2026-12-01T09:00:0aZ", "2026-12-01T09:00:00.5.5Z",
    ]

    @Test("invalid timestamps are refused", arguments: invalidTimestamps)
    func invalidTimestampsAreRefused(text: String) {
        #expect(Timestamp.parseRFC3339(text) == nil)
    }

    @Test("parsing agrees with Foundation's ISO8601DateFormatter on random instants and offsets", arguments: 0..<8)
    func parsingAgreesWithFoundation(round: Int) throws {
        var generator = SeededValueGenerator(seed: 4242 + UInt64(round))
        let formatter = ISO8601DateFormatter()
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plainParser = ISO8601DateFormatter()
        for _ in 0..<150 {
            // 1600…9999: Foundation switches to the Julian calendar before 1582, this code stays proleptic Gregorian.
            let seconds = Int64.random(in: -11_676_096_000...253_402_300_799, using: &generator)
            let milliseconds = Bool.random(using: &generator) ? Int64.random(in: 0..<1000, using: &generator) : 0
            // Foundation's formatter traps beyond ±14:00 on Linux; the extreme ±23:59 offsets are in the table above.
            let offsetMinutes = Bool.random(using: &generator) ? 0 : Int.random(in: -840...840, using: &generator)
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000)
            formatter.timeZone = TimeZone(secondsFromGMT: offsetMinutes * 60)
            formatter.formatOptions =
                milliseconds == 0 ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
            let text = formatter.string(from: date)
            let parsed = try #require(Timestamp.parseRFC3339(text), "\(text)")
            #expect(abs(parsed - date.timeIntervalSince1970) < 1e-6, "\(text)")
            let foundation = try #require((milliseconds == 0 ? plainParser : parser).date(from: text), "\(text)")
            #expect(abs(parsed - foundation.timeIntervalSince1970) < 1e-6, "\(text)")
            if offsetMinutes == 0 && milliseconds == 0 {
                #expect(Timestamp.formatRFC3339(seconds) == text)
            }
        }
    }

    @Test("fractions are kept to the nanosecond")
    func fractionsKeepNanoseconds() throws {
        let exact = try #require(Timestamp.parseRFC3339Exact("2026-12-01T09:00:00.123456789123Z"))
        #expect(exact.seconds == 1_796_115_600)
        #expect(exact.nanoseconds == 123_456_789)
        let beforeEpoch = try #require(Timestamp.parseRFC3339Exact("1969-12-31T23:59:59.000000001Z"))
        #expect(beforeEpoch.seconds == -1)
        #expect(beforeEpoch.nanoseconds == 1)
    }

    struct DateCase: Sendable, CustomTestStringConvertible {
        let text: String
        let unixSeconds: Int64?
        var testDescription: String { text }
    }

    static let dates: [DateCase] = [
        .init(text: "1970-01-01", unixSeconds: 0),
        .init(text: "2027-03-31", unixSeconds: 1_806_451_200),
        .init(text: "2024-02-29", unixSeconds: 1_709_164_800),
        .init(text: "2000-02-29", unixSeconds: 951_782_400),
        .init(text: "1969-12-31", unixSeconds: -86_400),
        .init(text: "0000-01-01", unixSeconds: -62_167_219_200),
        .init(text: "9999-12-31", unixSeconds: 253_402_214_400),
        .init(text: "2023-02-29", unixSeconds: nil),
        .init(text: "2100-02-29", unixSeconds: nil),
        .init(text: "2026-06-31", unixSeconds: nil),
        .init(text: "2026-12-01T00:00:00Z", unixSeconds: nil),
        .init(text: "2026-12-1", unixSeconds: nil),
        .init(text: "2026-12-01 ", unixSeconds: nil),
        .init(text: "26-12-01", unixSeconds: nil),
        .init(text: "2026_12_01", unixSeconds: nil),
        .init(text: "", unixSeconds: nil),
    ]

    @Test("calendar dates are midnight UTC, with real month lengths", arguments: dates)
    func calendarDatesParse(testCase: DateCase) {
        #expect(Timestamp.parseDate(testCase.text) == testCase.unixSeconds)
    }

    @Test(
        "day numbers and civil dates convert both ways, day by day for 120 years from each start",
        arguments: [0, 1582, 1900, 9000]
    )
    func civilConversionRoundTrips(startYear: Int64) {
        var day = Timestamp.days(year: startYear, month: 1, day: 1)
        var expected = (year: startYear, month: Int64(1), day: Int64(1))
        for _ in 0..<(366 * 120) {
            let civil = Timestamp.civil(fromDays: day)
            guard civil == expected, Timestamp.days(year: civil.year, month: civil.month, day: civil.day) == day else {
                Issue.record("day \(day): got \(civil), expected \(expected)")
                return
            }
            // Step the expected date by hand.
            let monthLength: Int64 =
                switch expected.month {
                case 2: Timestamp.isLeapYear(expected.year) ? 29 : 28
                case 4, 6, 9, 11: 30
                default: 31
                }
            expected.day += 1
            if expected.day > monthLength {
                expected.day = 1
                expected.month += 1
                if expected.month > 12 {
                    expected.month = 1
                    expected.year += 1
                }
            }
            day += 1
        }
    }

    @Test(
        "formatting writes UTC with whole seconds",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00Z"), (1_796_115_600, "2026-12-01T09:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"), (-62_167_219_200, "0000-01-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"), (951_868_799, "2000-02-29T23:59:59Z"),
            (253_402_300_800, "10000-01-01T00:00:00Z"), (-62_167_219_201, "-0001-12-31T23:59:59Z"),
        ]
    )
    func formattingWritesUTC(unixSeconds: Int64, text: String) {
        #expect(Timestamp.formatRFC3339(unixSeconds) == text)
    }

    @Test("formatting round-trips through parsing", arguments: 0..<4)
    func formattingRoundTrips(round: Int) {
        var generator = SeededValueGenerator(seed: 64 + UInt64(round))
        for _ in 0..<500 {
            let seconds = Int64.random(in: -62_167_219_200...253_402_300_799, using: &generator)
            #expect(Timestamp.parseRFC3339(Timestamp.formatRFC3339(seconds)) == Double(seconds))
        }
        #expect(!Timestamp.formatRFC3339(.min).isEmpty)
        #expect(!Timestamp.formatRFC3339(.max).isEmpty)
    }

    @Test(
        "durations add up their parts",
        arguments: [
            ("30d", Int64(2_592_000)), ("12h", 43_200), ("90m", 5_400), ("45s", 45), ("1w", 604_800),
            ("1d12h", 129_600), ("1w2d3h4m5s", 788_645), ("0s", 0), ("007d", 604_800), ("2h30m", 9_000),
            ("1000000d", 86_400_000_000), ("9223372036854775807s", .max),
        ]
    )
    func durationsAddUp(text: String, seconds: Int64) {
        #expect(Timestamp.parseDuration(text) == seconds)
    }

    static let invalidDurations: [String] = [
        "", "d", "30", "30D", "1.5h", "-1d", "+1d", "1d 12h", " 1d", "1d ", "12h1d", "1h1h", "1s1m", "1y", "1ms",
        "1d12", "h12", "99999999999999999999s", "15250284452472w", "106751991167301d", "106751991167300d86400s",
    ]

    @Test("malformed, misordered and overflowing durations are refused", arguments: invalidDurations)
    func invalidDurationsAreRefused(text: String) {
        #expect(Timestamp.parseDuration(text) == nil)
    }
}
