/// String comparisons for conditions. Case-insensitive forms take the operand already lower-cased
/// by the compiler; for ASCII input they fold bytes in place (no allocation), otherwise they fall
/// back to `lowercased()`.
package enum TextMatching {
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
        return string.lowercased() == expected
    }

    package static func hasPrefix(_ string: String, _ prefix: String, ignoreCase: Bool) -> Bool {
        guard ignoreCase else { return string.hasPrefix(prefix) }
        if isASCII(string) {
            guard string.utf8.count >= prefix.utf8.count else { return false }
            return string.utf8.prefix(prefix.utf8.count).elementsEqual(prefix.utf8) { lower($0) == $1 }
        }
        return string.lowercased().hasPrefix(prefix)
    }

    package static func hasSuffix(_ string: String, _ suffix: String, ignoreCase: Bool) -> Bool {
        guard ignoreCase else { return string.hasSuffix(suffix) }
        if isASCII(string) {
            guard string.utf8.count >= suffix.utf8.count else { return false }
            return string.utf8.suffix(suffix.utf8.count).elementsEqual(suffix.utf8) { lower($0) == $1 }
        }
        return string.lowercased().hasSuffix(suffix)
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
