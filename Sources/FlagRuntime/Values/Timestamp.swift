/// RFC 3339 timestamps, calendar dates and durations, for the `before`/`after` operators, ramp steps, expiry dates
/// and validity periods. Proleptic Gregorian calendar, UTC, no time zone database.
package enum Timestamp {
    /// The number of seconds in a day.
    package static let secondsPerDay: Int64 = 86_400

    /// The Unix time (seconds since 1970-01-01T00:00:00Z, fractional) of an RFC 3339 date-time, or `nil` when `text`
    /// is not one. Parses the UTF-8 bytes in place; no allocation.
    ///
    /// The grammar is RFC 3339 §5.6: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with `T` or `t` between
    /// date and time and `Z` or `z` for UTC. Years 0000–9999, real month lengths (February 29 only in leap years),
    /// hours 00–23, minutes 00–59, seconds 00–60, offsets up to ±23:59 (`-00:00` is UTC). Nothing else: no week or
    /// ordinal dates, no missing seconds, no offset without a colon, no surrounding whitespace.
    ///
    /// A leap second (`:60`) is accepted at any minute and counted like any other second, so `23:59:60Z` is the same
    /// instant as the next day's `00:00:00Z` (Unix time has no leap seconds, and this keeps the order monotonic).
    /// Fractions are kept to the nanosecond (further digits are checked, then dropped); the result is a `Double`, so
    /// instants in this era are exact to about a microsecond.
    package static func parseRFC3339(_ text: String) -> Double? {
        withUTF8(text) { parseRFC3339(utf8: $0) }
    }

    /// ``parseRFC3339(_:)`` on UTF-8 bytes.
    package static func parseRFC3339(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let (seconds, nanoseconds) = parseRFC3339Exact(utf8: bytes) else { return nil }
        return Double(seconds) + Double(nanoseconds) / 1_000_000_000
    }

    /// ``parseRFC3339(_:)`` without rounding: whole Unix seconds (floored) and the nanoseconds past them (0..<10⁹).
    package static func parseRFC3339Exact(_ text: String) -> (seconds: Int64, nanoseconds: Int32)? {
        withUTF8(text) { parseRFC3339Exact(utf8: $0) }
    }

    /// ``parseRFC3339Exact(_:)`` on UTF-8 bytes.
    package static func parseRFC3339Exact(
        utf8 bytes: UnsafeBufferPointer<UInt8>
    ) -> (seconds: Int64, nanoseconds: Int32)? {
        // YYYY-MM-DD T HH:MM:SS
        guard bytes.count >= 20, let days = date(bytes), isDateTimeSeparator(bytes[10]),
            let hour = digits(bytes, 11, 2), hour < 24, bytes[13] == UInt8(ascii: ":"),
            let minute = digits(bytes, 14, 2), minute < 60, bytes[16] == UInt8(ascii: ":"),
            let second = digits(bytes, 17, 2), second <= 60
        else { return nil }
        var index = 19
        var nanoseconds: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            var scale: Int64 = 100_000_000
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                nanoseconds += Int64(digit) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard bytes.count - index == 6, let offsetHour = digits(bytes, index + 1, 2), offsetHour < 24,
                bytes[index + 3] == UInt8(ascii: ":"), let offsetMinute = digits(bytes, index + 4, 2), offsetMinute < 60
            else { return nil }
            offset = offsetHour * 3600 + offsetMinute * 60
            if bytes[index] == UInt8(ascii: "-") { offset = -offset }
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let seconds = days * secondsPerDay + hour * 3600 + minute * 60 + second - offset
        return (seconds, Int32(nanoseconds))
    }

    /// The Unix time of midnight UTC starting the calendar date `YYYY-MM-DD` (years 0000–9999, real month lengths),
    /// or `nil` when `text` is not exactly such a date. No allocation.
    package static func parseDate(_ text: String) -> Int64? {
        withUTF8(text) { bytes in
            guard bytes.count == 10, let days = date(bytes) else { return nil }
            return days * secondsPerDay
        }
    }

    /// An RFC 3339 UTC timestamp with whole seconds, `2026-12-01T09:00:00Z`.
    ///
    /// Exact for every instant in years 0000–9999 (and ``parseRFC3339(_:)`` reads it back). Outside them the text is
    /// not RFC 3339: the year is written with as many digits as it needs and a leading `-` when negative
    /// (astronomical numbering, year 0 being 1 BC).
    package static func formatRFC3339(_ unixSeconds: Int64) -> String {
        // Floored division, written so that no intermediate overflows even at `Int64.min`.
        let remainder = unixSeconds % secondsPerDay
        let days = unixSeconds / secondsPerDay - (remainder < 0 ? 1 : 0)
        let secondOfDay = remainder < 0 ? remainder + secondsPerDay : remainder
        let (year, month, day) = civil(fromDays: days)
        var text = year < 0 ? "-" : ""
        let yearDigits = String(year.magnitude)
        if yearDigits.utf8.count < 4 { text += String(repeating: "0", count: 4 - yearDigits.utf8.count) }
        text += yearDigits
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        text += "-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):"
        text += "\(two(secondOfDay % 60))Z"
        return text
    }

    /// An RFC 3339 UTC timestamp of fractional Unix seconds: whole seconds as ``formatRFC3339(_:)-(Int64)``
    /// writes them, plus a fraction of up to six digits (microseconds, trailing zeros dropped) when there is one,
    /// `2026-12-05T12:00:00.5Z`. A `Double` holds instants of this era to about a microsecond, so no more digits
    /// are meaningful. Not finite, or outside ±2⁶³ seconds: the nearest whole-second text.
    package static func formatRFC3339(fractional unixSeconds: Double) -> String {
        guard unixSeconds.isFinite, unixSeconds.magnitude < 9.2e18 else {
            return formatRFC3339(unixSeconds.isNaN ? 0 : (unixSeconds < 0 ? Int64.min : Int64.max))
        }
        var seconds = Int64(unixSeconds.rounded(.down))
        var micros = Int64(((unixSeconds - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        var text = formatRFC3339(seconds)
        guard micros > 0 else { return text }
        var digits = String(micros)
        digits = String(repeating: "0", count: 6 - digits.utf8.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        text.removeLast()  // "Z"
        return text + "." + digits + "Z"
    }

    /// The number of seconds in a duration such as `30d`, `12h`, `90m`, `45s`, `1w` or `1d12h`, or `nil` when `text`
    /// is not one or the total overflows `Int64`.
    ///
    /// One or more `NUMBER UNIT` parts, each a run of decimal digits and one of `w` (7 days), `d`, `h`, `m`, `s`, in
    /// that order with each unit at most once (`1d12h`, not `12h1d` or `1h1h`). No sign, fraction, spaces or upper
    /// case. Zero (`0s`) is allowed; callers that need a positive duration check for it.
    package static func parseDuration(_ text: String) -> Int64? {
        withUTF8(text) { bytes in
            guard !bytes.isEmpty else { return nil }
            var total: Int64 = 0
            var index = 0
            var previousRank = Int.max
            while index < bytes.count {
                let start = index
                var number: Int64 = 0
                while index < bytes.count, let digit = digitValue(bytes[index]) {
                    let (times10, overflow1) = number.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times10.addingReportingOverflow(digit)
                    guard !overflow1, !overflow2 else { return nil }
                    number = sum
                    index += 1
                }
                guard index > start, index < bytes.count else { return nil }
                let rank: Int
                let unit: Int64
                switch bytes[index] {
                case UInt8(ascii: "w"): (rank, unit) = (4, 7 * secondsPerDay)
                case UInt8(ascii: "d"): (rank, unit) = (3, secondsPerDay)
                case UInt8(ascii: "h"): (rank, unit) = (2, 3600)
                case UInt8(ascii: "m"): (rank, unit) = (1, 60)
                case UInt8(ascii: "s"): (rank, unit) = (0, 1)
                default: return nil
                }
                guard rank < previousRank else { return nil }
                previousRank = rank
                index += 1
                let (part, overflow1) = number.multipliedReportingOverflow(by: unit)
                let (sum, overflow2) = total.addingReportingOverflow(part)
                guard !overflow1, !overflow2 else { return nil }
                total = sum
            }
            return total
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date; `month` 1–12, `day` 1–31 (not checked against the
    /// month). Howard Hinnant's `days_from_civil`.
    package static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day number (days since 1970-01-01). Howard Hinnant's `civil_from_days`.
    package static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (month <= 2 ? yearOfEra + era * 400 + 1 : yearOfEra + era * 400, month, day)
    }

    /// Whether `year` is a leap year in the proleptic Gregorian calendar.
    package static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The day number of the `YYYY-MM-DD` at the start of `bytes`, validated.
    private static func date(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count >= 10, let year = digits(bytes, 0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = digits(bytes, 5, 2), bytes[7] == UInt8(ascii: "-"), let day = digits(bytes, 8, 2),
            month >= 1, month <= 12, day >= 1
        else { return nil }
        let monthLength: Int64 =
            switch month {
            case 2: isLeapYear(year) ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        guard day <= monthLength else { return nil }
        return days(year: year, month: month, day: day)
    }

    /// The value of exactly `count` decimal digits at `start` (the caller checked the length).
    @inline(__always)
    private static func digits(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int64? {
        var value: Int64 = 0
        for index in start..<(start + count) {
            guard let digit = digitValue(bytes[index]) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// `T` or `t` (RFC 3339's grammar; the space its note allows for readability is not accepted, so every
    /// implementation reads the same texts as times).
    @inline(__always)
    private static func isDateTimeSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "T") || byte == UInt8(ascii: "t")
    }

    @inline(__always)
    private static func digitValue(_ byte: UInt8) -> Int64? {
        let digit = byte &- UInt8(ascii: "0")
        return digit < 10 ? Int64(digit) : nil
    }
}
