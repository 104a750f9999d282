/// String comparisons for conditions, all by code points (UTF-8 bytes), never by Swift's canonical
/// equivalence, so that every implementation of the flag language agrees: "é" (U+00E9) and "e" +
/// U+0301 are different strings. Case-insensitive forms take the operand already lower-cased by the
/// compiler; for ASCII input they fold bytes in place (no allocation), otherwise they compare
/// `lowercased()` (Unicode default lower-casing, not full case folding).
package enum TextMatching {
    /// Byte equality.
    @inline(__always)
    package static func equals(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        let fast = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right -> Bool in
                var index = 0
                while index < left.count {
                    if left[index] != right[index] { return false }
                    index += 1
                }
                return true
            }
        }
        if let result = fast ?? nil { return result }
        return lhs.utf8.elementsEqual(rhs.utf8)
    }

    @inline(__always)
    private static func lower(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    private static func isASCII(_ string: String) -> Bool {
        for byte in string.utf8 where byte >= 0x80 { return false }
        return true
    }

    package static func equalsIgnoringCase(_ string: String, lowercased expected: String) -> Bool {
        if isASCII(string) {
            guard string.utf8.count == expected.utf8.count else { return false }
            return string.utf8.elementsEqual(expected.utf8) { lower($0) == $1 }
        }
        return equals(string.lowercased(), expected)
    }

    package static func hasPrefix(_ string: String, _ prefix: String, ignoreCase: Bool) -> Bool {
        if ignoreCase && !isASCII(string) { return hasPrefix(string.lowercased(), prefix, ignoreCase: false) }
        guard string.utf8.count >= prefix.utf8.count else { return false }
        return string.utf8.prefix(prefix.utf8.count).elementsEqual(prefix.utf8) { (ignoreCase ? lower($0) : $0) == $1 }
    }

    package static func hasSuffix(_ string: String, _ suffix: String, ignoreCase: Bool) -> Bool {
        if ignoreCase && !isASCII(string) { return hasSuffix(string.lowercased(), suffix, ignoreCase: false) }
        guard string.utf8.count >= suffix.utf8.count else { return false }
        return string.utf8.suffix(suffix.utf8.count).elementsEqual(suffix.utf8) { (ignoreCase ? lower($0) : $0) == $1 }
    }

    /// Byte-wise substring search over UTF-8 (a valid UTF-8 needle can only match at character
    /// boundaries).
    package static func contains(_ string: String, _ needle: String, ignoreCase: Bool) -> Bool {
        if ignoreCase && !isASCII(string) {
            return contains(string.lowercased(), needle, ignoreCase: false)
        }
        var haystack = string
        var pattern = needle
        return haystack.withUTF8 { haystack in
            pattern.withUTF8 { pattern in
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
        }
    }
}
