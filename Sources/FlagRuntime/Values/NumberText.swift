/// Numbers written as text, for comparing string attributes with `gt`/`gte`/`lt`/`lte` and reading numeric literals.
///
/// The accepted text is exactly a JSON number (RFC 8259 §6): `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`,
/// nothing around it. So `inf`, `nan`, hex, `+1`, `1.`, `.5`, `01`, `1_000`, ` 1` and the empty text are refused,
/// whatever `Double.init(_:)` would make of them.
package enum NumberText {
    /// The value of `text`, rounded to the nearest `Double`; `nil` when `text` is not a JSON number or its magnitude
    /// is too large for a `Double` (it would round to infinity). Tiny values round to zero (or -0.0).
    ///
    /// Validates the UTF-8 bytes in place. Numbers with at most 19 significant digits whose value is an integer up to
    /// 2⁵³ scaled by 10^±22 at most (`42`, `-1.5`, `0.25`, `12.5e3`) are converted exactly right there, with one
    /// multiplication or division of two exact doubles (Clinger's fast path, correctly rounded). The others go to
    /// the standard library's correctly rounded `Double.init(_:)`, which reads a native string's bytes in place. No
    /// allocation either way.
    package static func parse(_ text: String) -> Double? {
        let scan = withUTF8(text) { Scan(utf8: $0) }
        guard let scan else { return nil }
        return finite(scan.exactValue ?? Double(text))
    }

    /// ``parse(_:)`` for a substring.
    package static func parse(_ text: Substring) -> Double? {
        var text = text
        guard let scan = text.withUTF8({ Scan(utf8: $0) }) else { return nil }
        return finite(scan.exactValue ?? Double(text))
    }

    /// ``parse(_:)`` on UTF-8 bytes. Outside the fast path, allocates for text longer than 15 bytes (the conversion
    /// then needs a string, and only shorter ones are stored inline).
    package static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let scan = Scan(utf8: bytes) else { return nil }
        return finite(scan.exactValue ?? Double(String(decoding: bytes, as: UTF8.self)))
    }

    /// Whether `bytes` are exactly a JSON number.
    package static func isJSONNumber(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        Scan(utf8: bytes) != nil
    }

    /// One pass over a JSON number: validates it and collects what the fast conversion path needs.
    private struct Scan {
        /// The significant digits as an integer, while they fit in 19 digits.
        private var significand: UInt64 = 0
        private var significantDigits = 0
        /// Whether digits were dropped because there were more than 19 significant ones.
        private var isTruncated = false
        /// The power of ten to scale `significand` by, clamped far outside the fast range.
        private var exponent = 0
        private var isNegative = false

        /// `nil` when `bytes` are not exactly a JSON number.
        init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
            let count = bytes.count
            var index = 0
            if index < count && bytes[index] == UInt8(ascii: "-") {
                isNegative = true
                index += 1
            }
            // Integer part: 0, or a non-zero digit and any digits.
            guard index < count, let first = Self.digit(bytes[index]) else { return nil }
            if first == 0 {
                index += 1
            } else {
                while index < count, let digit = Self.digit(bytes[index]) {
                    append(digit, isFraction: false)
                    index += 1
                }
            }
            if index < count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                while index < count, let digit = Self.digit(bytes[index]) {
                    append(digit, isFraction: true)
                    index += 1
                }
                guard index > start else { return nil }
            }
            if index < count && (bytes[index] | 0x20) == UInt8(ascii: "e") {
                index += 1
                var isExponentNegative = false
                if index < count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                    isExponentNegative = bytes[index] == UInt8(ascii: "-")
                    index += 1
                }
                let start = index
                var written = 0
                while index < count, let digit = Self.digit(bytes[index]) {
                    written = Swift.min(written * 10 + Int(digit), 1_000_000)
                    index += 1
                }
                guard index > start else { return nil }
                exponent += isExponentNegative ? -written : written
            }
            guard index == count else { return nil }
        }

        private mutating func append(_ digit: UInt8, isFraction: Bool) {
            if significantDigits == 0 && digit == 0 {
                // A leading zero of the fraction (0.05): only the scale changes.
                if isFraction { exponent -= 1 }
                return
            }
            if significantDigits < 19 {
                significand = significand * 10 + UInt64(digit)
                significantDigits += 1
                if isFraction { exponent -= 1 }
            } else {
                isTruncated = true
                if !isFraction { exponent += 1 }
            }
        }

        /// The correctly rounded value when the fast path applies, else `nil`.
        var exactValue: Double? {
            if significand == 0 && !isTruncated { return isNegative ? -0.0 : 0.0 }
            guard !isTruncated, significand <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
            // Every power of ten up to 10^22 is exact as a double, and so is a significand up to 2^53, so one
            // correctly rounded operation gives the correctly rounded result.
            let power = Self.powersOfTen[Int(exponent.magnitude)]
            let magnitude = exponent >= 0 ? Double(significand) * power : Double(significand) / power
            return isNegative ? -magnitude : magnitude
        }

        /// 10^0 through 10^22, all exact.
        private static let powersOfTen: [Double] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
            1e19,
            1e20, 1e21, 1e22,
        ]

        @inline(__always)
        private static func digit(_ byte: UInt8) -> UInt8? {
            let value = byte &- UInt8(ascii: "0")
            return value < 10 ? value : nil
        }
    }

    @inline(__always)
    private static func finite(_ value: Double?) -> Double? {
        guard let value, value.isFinite else { return nil }
        return value
    }
}
