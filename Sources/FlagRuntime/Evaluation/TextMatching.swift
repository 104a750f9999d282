/// String comparisons for conditions, all by code points (UTF-8 bytes), never by Swift's canonical
/// equivalence, so that every implementation of the flag language agrees: "é" (U+00E9) and "e" +
/// U+0301 are different strings. Case-insensitive forms take the operand already lower-cased by the
/// compiler; for ASCII input they fold bytes in place (no allocation), otherwise they compare
/// ``simpleLowercased(_:)``: Unicode simple lowercase per code point (no special casing, no case folding).
///
/// Operands are byte buffers (the bundle's string table is bytes); the `String` forms are for the
/// compiler and tests.
package enum TextMatching {
    /// `text` with every code point replaced by its Unicode simple lowercase mapping (UnicodeData.txt's
    /// field 13): one code point for one, with no special casing and no context, so `İ` (U+0130) becomes `i`
    /// (not `i` + U+0307 as `lowercased()` makes it) and `Σ` is always `σ`. What `ignoreCase` compares.
    package static func simpleLowercased(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                result.append(
                    scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 0x20)! : scalar
                )
                continue
            }
            let full = scalar.properties.lowercaseMapping.unicodeScalars
            // The full mapping is the simple one except for the unconditional special casings, of which U+0130
            // is the only lowercase one (its simple mapping is U+0069).
            if full.count == 1 {
                result.append(full[full.startIndex])
            } else {
                result.append(scalar == "\u{130}" ? "i" : scalar)
            }
        }
        return String(result)
    }

    // MARK: Bytes

    /// Byte equality.
    @inline(__always)
    package static func equals(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var index = 0
        while index < lhs.count {
            if lhs[index] != rhs[index] { return false }
            index += 1
        }
        return true
    }

    /// -1, 0 or 1 in byte order; with `foldingLeft`, `left`'s ASCII letters count as lower case.
    @inline(__always)
    package static func compare(
        _ left: UnsafeBufferPointer<UInt8>,
        _ right: UnsafeBufferPointer<UInt8>,
        foldingLeft: Bool = false
    ) -> Int {
        let common = Swift.min(left.count, right.count)
        var index = 0
        while index < common {
            let byte = foldingLeft ? lower(left[index]) : left[index]
            if byte != right[index] { return byte < right[index] ? -1 : 1 }
            index += 1
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    package static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        for byte in bytes where byte >= 0x80 { return false }
        return true
    }

    /// Whether `bytes` equal `expected` (already lower-cased) ignoring case.
    package static func equalsIgnoringCase(
        _ bytes: UnsafeBufferPointer<UInt8>,
        lowercased expected: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        guard isASCII(bytes) else { return withUTF8(lowercased(bytes)) { equals($0, expected) } }
        return bytes.count == expected.count && compare(bytes, expected, foldingLeft: true) == 0
    }

    package static func hasPrefix(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ prefix: UnsafeBufferPointer<UInt8>,
        ignoreCase: Bool
    ) -> Bool {
        if ignoreCase && !isASCII(bytes) {
            return withUTF8(lowercased(bytes)) { hasPrefix($0, prefix, ignoreCase: false) }
        }
        guard bytes.count >= prefix.count else { return false }
        return compare(UnsafeBufferPointer(rebasing: bytes[..<prefix.count]), prefix, foldingLeft: ignoreCase) == 0
    }

    package static func hasSuffix(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ suffix: UnsafeBufferPointer<UInt8>,
        ignoreCase: Bool
    ) -> Bool {
        if ignoreCase && !isASCII(bytes) {
            return withUTF8(lowercased(bytes)) { hasSuffix($0, suffix, ignoreCase: false) }
        }
        guard bytes.count >= suffix.count else { return false }
        let tail = UnsafeBufferPointer(rebasing: bytes[(bytes.count - suffix.count)...])
        return compare(tail, suffix, foldingLeft: ignoreCase) == 0
    }

    /// Byte-wise substring search over UTF-8 (a valid UTF-8 needle can only match at character
    /// boundaries).
    package static func contains(
        _ haystack: UnsafeBufferPointer<UInt8>,
        _ pattern: UnsafeBufferPointer<UInt8>,
        ignoreCase: Bool
    ) -> Bool {
        if ignoreCase && !isASCII(haystack) {
            return withUTF8(lowercased(haystack)) { contains($0, pattern, ignoreCase: false) }
        }
        guard pattern.count <= haystack.count else { return false }
        if pattern.isEmpty { return true }
        let last = haystack.count - pattern.count
        var start = 0
        while start <= last {
            var offset = 0
            while offset < pattern.count {
                let byte = ignoreCase ? lower(haystack[start + offset]) : haystack[start + offset]
                if byte != pattern[offset] { break }
                offset += 1
            }
            if offset == pattern.count { return true }
            start += 1
        }
        return false
    }

    /// ``simpleLowercased(_:)`` of UTF-8 bytes (past ASCII only: ASCII input folds in place instead).
    private static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        simpleLowercased(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether `string` equals `expected` (already lower-cased) ignoring case.
    package static func equalsIgnoringCase(_ string: String, lowercased expected: UnsafeBufferPointer<UInt8>) -> Bool {
        withUTF8(string) { equalsIgnoringCase($0, lowercased: expected) }
    }

    package static func equals(_ string: String, _ expected: UnsafeBufferPointer<UInt8>) -> Bool {
        withUTF8(string) { equals($0, expected) }
    }

    package static func hasPrefix(_ string: String, _ prefix: UnsafeBufferPointer<UInt8>, ignoreCase: Bool) -> Bool {
        withUTF8(string) { hasPrefix($0, prefix, ignoreCase: ignoreCase) }
    }

    package static func hasSuffix(_ string: String, _ suffix: UnsafeBufferPointer<UInt8>, ignoreCase: Bool) -> Bool {
        withUTF8(string) { hasSuffix($0, suffix, ignoreCase: ignoreCase) }
    }

    package static func contains(_ string: String, _ pattern: UnsafeBufferPointer<UInt8>, ignoreCase: Bool) -> Bool {
        withUTF8(string) { contains($0, pattern, ignoreCase: ignoreCase) }
    }

    // MARK: Strings

    /// Byte equality.
    package static func equals(_ lhs: String, _ rhs: String) -> Bool {
        withUTF8(rhs) { equals(lhs, $0) }
    }

    package static func equalsIgnoringCase(_ string: String, lowercased expected: String) -> Bool {
        withUTF8(expected) { equalsIgnoringCase(string, lowercased: $0) }
    }

    package static func hasPrefix(_ string: String, _ prefix: String, ignoreCase: Bool) -> Bool {
        withUTF8(prefix) { hasPrefix(string, $0, ignoreCase: ignoreCase) }
    }

    package static func hasSuffix(_ string: String, _ suffix: String, ignoreCase: Bool) -> Bool {
        withUTF8(suffix) { hasSuffix(string, $0, ignoreCase: ignoreCase) }
    }

    package static func contains(_ string: String, _ needle: String, ignoreCase: Bool) -> Bool {
        withUTF8(needle) { contains(string, $0, ignoreCase: ignoreCase) }
    }
}
