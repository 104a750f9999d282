/// Code point ranges as sequences of byte ranges over their UTF-8 encodings, the way RE2 and Rust's `utf8-ranges`
/// compile character classes: every code point of a range is matched by exactly one sequence, every sequence reads a
/// whole, valid UTF-8 character, and surrogates are left out.
package enum UTF8Ranges {
    /// The byte-range sequences for `set`.
    package static func sequences(of set: CodePointSet) -> [[ClosedRange<UInt8>]] {
        var result: [[ClosedRange<UInt8>]] = []
        for range in set.ranges {
            let low = range.lowerBound
            let high = range.upperBound
            if high < 0xD800 || low > 0xDFFF {
                append(low, high, to: &result)
            } else {
                if low < 0xD800 { append(low, 0xD7FF, to: &result) }
                if high > 0xDFFF { append(0xE000, high, to: &result) }
            }
        }
        return result
    }

    private static func append(_ low: UInt32, _ high: UInt32, to result: inout [[ClosedRange<UInt8>]]) {
        var stack = [(low, high)]
        while let (start, initialEnd) = stack.popLast() {
            var end = initialEnd
            split: while true {
                // Split where the encoded length changes.
                for boundary: UInt32 in [0x7F, 0x7FF, 0xFFFF] where start <= boundary && boundary < end {
                    stack.append((boundary + 1, end))
                    end = boundary
                    continue split
                }
                if end <= 0x7F {
                    result.append([UInt8(start)...UInt8(end)])
                    break
                }
                // Split until every continuation byte spans its whole range or a single prefix.
                for index in 1...3 {
                    let mask: UInt32 = (1 << (6 * UInt32(index))) - 1
                    if start & ~mask != end & ~mask {
                        if start & mask != 0 {
                            stack.append(((start | mask) + 1, end))
                            end = start | mask
                            continue split
                        }
                        if end & mask != mask {
                            stack.append((end & ~mask, end))
                            end = (end & ~mask) - 1
                            continue split
                        }
                    }
                }
                let first = encode(start)
                let last = encode(end)
                result.append(zip(first, last).map { $0...$1 })
                break
            }
        }
    }

    /// The UTF-8 encoding of a non-surrogate code point.
    package static func encode(_ codePoint: UInt32) -> [UInt8] {
        switch codePoint {
        case 0..<0x80:
            return [UInt8(codePoint)]
        case 0x80..<0x800:
            return [UInt8(0xC0 | codePoint >> 6), UInt8(0x80 | codePoint & 0x3F)]
        case 0x800..<0x1_0000:
            return [
                UInt8(0xE0 | codePoint >> 12), UInt8(0x80 | codePoint >> 6 & 0x3F), UInt8(0x80 | codePoint & 0x3F),
            ]
        default:
            return [
                UInt8(0xF0 | codePoint >> 18), UInt8(0x80 | codePoint >> 12 & 0x3F),
                UInt8(0x80 | codePoint >> 6 & 0x3F), UInt8(0x80 | codePoint & 0x3F),
            ]
        }
    }
}
