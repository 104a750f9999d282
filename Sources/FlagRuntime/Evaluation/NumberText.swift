/// Numbers written as text, for comparing string attributes with `gt`/`gte`/`lt`/`lte` and reading numeric literals.
///
/// The accepted text is exactly a JSON number (RFC 8259 §6): `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`,
/// nothing around it. So `inf`, `nan`, hex, `+1`, `1.`, `.5`, `01`, `1_000`, ` 1` and the empty text are refused,
/// whatever `Double.init(_:)` would make of them.
package enum NumberText {
    /// The value of `text`, rounded to the nearest `Double`; `nil` when `text` is not a JSON number or its magnitude
    /// is too large for a `Double` (it would round to infinity). Tiny values round to zero (or -0.0).
    ///
    /// Validates the UTF-8 bytes in place, then converts with the standard library's correctly rounded
    /// `Double.init(_:)`, which reads a native string's bytes in place: no allocation.
    package static func parse(_ text: String) -> Double? {
        guard withUTF8(text, { isJSONNumber(utf8: $0) }) else { return nil }
        return finite(Double(text))
    }

    /// ``parse(_:)`` for a substring.
    package static func parse(_ text: Substring) -> Double? {
        var text = text
        guard text.withUTF8({ isJSONNumber(utf8: $0) }) else { return nil }
        return finite(Double(text))
    }

    /// ``parse(_:)`` on UTF-8 bytes. Allocates only for text longer than 15 bytes (the conversion needs a string,
    /// and shorter ones are stored inline).
    package static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard isJSONNumber(utf8: bytes) else { return nil }
        return finite(Double(String(decoding: bytes, as: UTF8.self)))
    }

    /// Whether `bytes` are exactly a JSON number.
    package static func isJSONNumber(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        var index = 0
        func isDigit(_ position: Int) -> Bool {
            position < count && bytes[position] &- UInt8(ascii: "0") < 10
        }
        func skipDigits() -> Bool {
            let start = index
            while isDigit(index) { index += 1 }
            return index > start
        }
        if index < count && bytes[index] == UInt8(ascii: "-") { index += 1 }
        // Integer part: 0, or a non-zero digit and any digits.
        guard isDigit(index) else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            _ = skipDigits()
        }
        if index < count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() else { return false }
        }
        if index < count && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            if index < count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard skipDigits() else { return false }
        }
        return index == count
    }

    /// Calls `body` with the UTF-8 bytes of `text`, read in place for native and small strings (a foreign string is
    /// copied first).
    @inline(__always)
    private static func withUTF8<Result>(
        _ text: String,
        _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var text = text
        return text.withUTF8(body)
    }

    @inline(__always)
    private static func finite(_ value: Double?) -> Double? {
        guard let value, value.isFinite else { return nil }
        return value
    }
}
