/// MurmurHash3, x86 32-bit variant (Austin Appleby's `MurmurHash3_x86_32`), the hash that bucketing is defined on.
///
/// The output equals the reference implementation's for every input and seed, so other implementations of the
/// bundle format can reproduce bucket assignments exactly.
package enum Murmur3 {
    /// The 32-bit hash of `bytes` with `seed`.
    ///
    /// Contiguous inputs (arrays, `String.UTF8View` of native strings, buffers) are hashed four bytes at a time
    /// without copying; other sequences are fed byte by byte. Allocates nothing itself.
    package static func hash32<S: Sequence<UInt8>>(_ bytes: S, seed: UInt32 = 0) -> UInt32 {
        var hasher = Murmur3Hasher(seed: seed)
        hasher.combine(contentsOf: bytes)
        return hasher.finalize()
    }
}

/// An incremental `MurmurHash3_x86_32`: feeding the input in any number of pieces gives the same hash as
/// ``Murmur3/hash32(_:seed:)`` on their concatenation.
///
/// A value type of a few words: copying it forks the hash state, and nothing it does allocates.
package struct Murmur3Hasher: Sendable, BitwiseCopyable {
    private static let c1: UInt32 = 0xcc9e_2d51
    private static let c2: UInt32 = 0x1b87_3593

    private var state: UInt32
    /// Up to three bytes not yet mixed, little-endian in the low bits.
    private var tail: UInt32 = 0
    private var tailCount: UInt32 = 0
    /// The input length modulo 2³², as the reference folds it in.
    private var length: UInt32 = 0

    /// A hasher with nothing fed yet.
    package init(seed: UInt32 = 0) {
        state = seed
    }

    /// Feeds the UTF-8 bytes of `string`.
    package mutating func combine(_ string: String) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { combine(buffer: $0) }
        if done == nil {
            var string = string
            string.withUTF8 { combine(buffer: $0) }
        }
    }

    /// Feeds the UTF-8 bytes of `string`.
    package mutating func combine(_ string: Substring) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { combine(buffer: $0) }
        if done == nil {
            for byte in string.utf8 { combine(byte: byte) }
        }
    }

    /// Feeds every byte of `bytes`, in order.
    package mutating func combine<S: Sequence<UInt8>>(contentsOf bytes: S) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { combine(buffer: $0) }
        if done == nil {
            for byte in bytes { combine(byte: byte) }
        }
    }

    /// Feeds one byte.
    @inline(__always)
    package mutating func combine(byte: UInt8) {
        tail |= UInt32(byte) << (tailCount &* 8)
        tailCount &+= 1
        length &+= 1
        if tailCount == 4 {
            mix(block: tail)
            tail = 0
            tailCount = 0
        }
    }

    /// Feeds the bytes of `buffer`, mixing whole four-byte blocks straight from memory.
    ///
    /// Bytes left over from earlier input (not yet a whole block) are carried in front of each four-byte load, so
    /// input split at any point takes the fast path; the state lives in locals until the end.
    package mutating func combine(buffer: UnsafeBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress else { return }
        let count = buffer.count
        let raw = UnsafeRawPointer(base)
        var state = self.state
        // The carried bytes occupy the low `carryBits` of `carry`; the count stays the same across whole loads.
        var carry = UInt64(tail)
        let carryBits = UInt64(tailCount &* 8)
        var index = 0
        while count &- index >= 4 {
            let word = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt32.self)))
            let combined = carry | word << carryBits
            Self.mix(&state, block: UInt32(truncatingIfNeeded: combined))
            carry = combined >> 32
            index &+= 4
        }
        var pending = UInt32(truncatingIfNeeded: carry)
        var pendingCount = tailCount
        while index < count {
            pending |= UInt32(base[index]) << (pendingCount &* 8)
            pendingCount &+= 1
            if pendingCount == 4 {
                Self.mix(&state, block: pending)
                pending = 0
                pendingCount = 0
            }
            index &+= 1
        }
        self.state = state
        tail = pending
        tailCount = pendingCount
        length &+= UInt32(truncatingIfNeeded: count)
    }

    /// The hash of everything fed so far. The hasher itself is unchanged and can go on being fed.
    package func finalize() -> UInt32 {
        var hash = state
        if tailCount != 0 {
            var k1 = tail &* Self.c1
            k1 = (k1 << 15) | (k1 >> 17)
            k1 = k1 &* Self.c2
            hash ^= k1
        }
        hash ^= length
        hash ^= hash >> 16
        hash = hash &* 0x85eb_ca6b
        hash ^= hash >> 13
        hash = hash &* 0xc2b2_ae35
        hash ^= hash >> 16
        return hash
    }

    @inline(__always)
    private mutating func mix(block: UInt32) {
        Self.mix(&state, block: block)
    }

    @inline(__always)
    private static func mix(_ state: inout UInt32, block: UInt32) {
        var k1 = block &* c1
        k1 = (k1 << 15) | (k1 >> 17)
        k1 = k1 &* c2
        state ^= k1
        state = (state << 13) | (state >> 19)
        state = state &* 5 &+ 0xe654_6b64
    }
}

/// Bucket assignment, a part of the bundle contract that every implementation must reproduce:
/// `bucket = murmur3_x86_32(UTF-8 of SALT + "." + VALUE, seed 0) mod 10000`.
///
/// SALT is the flag's salt (its key by default) and VALUE the bucketing attribute as text; numbers are first turned
/// into text by ``canonicalNumberText(_:)``. A split or ramp then compares the bucket with cumulative weights × 100,
/// in integer arithmetic.
package enum Bucketing {
    /// The number of buckets: buckets are `0..<bucketCount`, one per 0.01 %.
    package static let bucketCount = 10_000

    /// The bucket, in `0..<10000`, of `value` under `salt`.
    ///
    /// Hashes the salt, a `.` and the value as one stream, so the concatenation is never built; no allocation.
    package static func bucket(salt: String, value: String) -> Int {
        Int(hash(salt: salt, value: value) % UInt32(bucketCount))
    }

    /// The hash state after `salt` and the "." separator: computed once per flag at load, so an
    /// evaluation hashes only the bucketing value (and never touches the salt string).
    package static func prefix(salt: String) -> Murmur3Hasher {
        var hasher = Murmur3Hasher(seed: 0)
        hasher.combine(salt)
        hasher.combine(byte: UInt8(ascii: "."))
        return hasher
    }

    /// ``bucket(salt:value:)`` from a ``prefix(salt:)`` state.
    package static func bucket(prefix: Murmur3Hasher, value: String) -> Int {
        var hasher = prefix
        hasher.combine(value)
        return Int(hasher.finalize() % UInt32(bucketCount))
    }

    /// ``bucket(salt:value:)`` from a ``prefix(salt:)`` state, the value given as UTF-8 bytes.
    @inline(__always)
    package static func bucket(prefix: Murmur3Hasher, utf8 value: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = prefix
        hasher.combine(buffer: value)
        return Int(hasher.finalize() % UInt32(bucketCount))
    }

    /// ``bucket(salt:number:)`` from a ``prefix(salt:)`` state.
    package static func bucket(prefix: Murmur3Hasher, number: Double) -> Int {
        var hasher = prefix
        if let integer = exactInteger(number) {
            combineDecimal(integer, into: &hasher)
        } else {
            hasher.combine(canonicalNumberText(number))
        }
        return Int(hasher.finalize() % UInt32(bucketCount))
    }

    /// The full 32-bit murmur3 hash behind ``bucket(salt:value:)``.
    package static func hash(salt: String, value: String) -> UInt32 {
        var hasher = Murmur3Hasher(seed: 0)
        hasher.combine(salt)
        hasher.combine(byte: UInt8(ascii: "."))
        hasher.combine(value)
        return hasher.finalize()
    }

    /// The bucket, in `0..<10000`, of a numeric bucketing attribute: the bucket of its
    /// ``canonicalNumberText(_:)`` under `salt`.
    ///
    /// Integral values below 2⁵³ are hashed digit by digit without building text; no allocation for them.
    package static func bucket(salt: String, number: Double) -> Int {
        var hasher = Murmur3Hasher(seed: 0)
        hasher.combine(salt)
        hasher.combine(byte: UInt8(ascii: "."))
        if let integer = exactInteger(number) {
            combineDecimal(integer, into: &hasher)
        } else {
            hasher.combine(canonicalNumberText(number))
        }
        return Int(hasher.finalize() % UInt32(bucketCount))
    }

    /// A number in its shortest decimal form, written as JavaScript's `String(number)` writes it: the text that
    /// numeric bucketing attributes are hashed as, and how numbers appear in JSON output.
    ///
    /// The digits are the shortest that read back as the same double; then, with `k` digits and the decimal
    /// exponent `n` (value = 0.d₁…dₖ × 10ⁿ):
    /// - `k ≤ n ≤ 21`: the digits and `n − k` zeros (`42`, `1e16` is `10000000000000000`, 2⁵³ is `9007199254740992`);
    /// - `0 < n ≤ 21`: the digits with a decimal point after `n` of them (`1.5`, `123456.789`);
    /// - `−6 < n ≤ 0`: `0.`, `−n` zeros and the digits (`0.1`, `0.000001`);
    /// - otherwise exponent form: the first digit, the others after a point if any, `e`, a sign and the exponent
    ///   `n − 1` without leading zeros (`1e+21`, `1.5e-7`, `5e-324`, `1.7976931348623157e+308`).
    ///
    /// Negative zero is `0`; the non-finite values (never a JSON number) are `NaN`, `Infinity` and `-Infinity`.
    /// Other implementations must produce the same text to bucket numbers the same way.
    package static func canonicalNumberText(_ value: Double) -> String {
        if let integer = exactInteger(value) { return String(integer) }
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        // Swift's description has the shortest round-trip digits; only their layout differs from JavaScript's.
        var digits: [UInt8] = []
        var exponent = 0  // value = 0.digits × 10^exponent once the digits are read
        var pointSeen = false
        var explicitExponent = 0
        var text = value.magnitude.description.utf8[...]
        while let byte = text.first {
            text = text.dropFirst()
            if byte == UInt8(ascii: ".") {
                pointSeen = true
            } else if byte == UInt8(ascii: "e") {
                explicitExponent = Int(String(decoding: text, as: UTF8.self)) ?? 0
                break
            } else {
                if digits.isEmpty && byte == UInt8(ascii: "0") {
                    if pointSeen { exponent -= 1 }
                    continue
                }
                digits.append(byte)
                if !pointSeen { exponent += 1 }
            }
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        exponent += explicitExponent
        let count = digits.count
        var result = value < 0 ? "-" : ""
        let digitText = String(decoding: digits, as: UTF8.self)
        if count <= exponent && exponent <= 21 {
            result += digitText + String(repeating: "0", count: exponent - count)
        } else if 0 < exponent && exponent <= 21 {
            result +=
                String(decoding: digits[..<exponent], as: UTF8.self) + "."
                + String(decoding: digits[exponent...], as: UTF8.self)
        } else if -6 < exponent && exponent <= 0 {
            result += "0." + String(repeating: "0", count: -exponent) + digitText
        } else {
            result += String(decoding: digits[..<1], as: UTF8.self)
            if count > 1 { result += "." + String(decoding: digits[1...], as: UTF8.self) }
            result += "e" + (exponent - 1 < 0 ? "-" : "+") + String((exponent - 1).magnitude)
        }
        return result
    }

    /// `value` as an integer when it is integral with magnitude below 2⁵³, else `nil`.
    private static func exactInteger(_ value: Double) -> Int64? {
        // Compare through a truncating conversion rather than `rounded()`, which would pull in libm.
        guard value.magnitude < 9_007_199_254_740_992 else { return nil }  // also refuses NaN
        let integer = Int64(value)  // -0.0 becomes 0
        return Double(integer) == value ? integer : nil
    }

    /// Feeds the decimal digits of `value` (with a leading `-` when negative), most significant first.
    private static func combineDecimal(_ value: Int64, into hasher: inout Murmur3Hasher) {
        // At most 16 digits and a sign below 2⁵³; written backwards into a stack buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var magnitude = value.magnitude
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            hasher.combine(buffer: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }
}
