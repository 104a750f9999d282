/// The bucketing schemes of other flag engines, so that a flag imported from one assigns every
/// value exactly as that engine does (`hash: unleash`, `hash: unleash-variants`, `hash: flagd` in
/// a split or a `rollout` condition). Each scheme hashes a salt and the bucketing value as text
/// (a number in ``Bucketing/canonicalNumberText(_:)``, a boolean as `true`/`false`) with
/// `murmur3_x86_32`, then maps the hash into `0..<total`:
///
/// | scheme | hashed bytes | seed | bucket |
/// |---|---|---|---|
/// | `flagc` | SALT `.` VALUE | 0 | hash mod total |
/// | `unleash` | SALT `:` VALUE | 0 | hash mod total |
/// | `unleash-variants` | SALT `:` VALUE | 86028157 | hash mod total |
/// | `flagd` | SALT VALUE | 0 | (hash × total) >> 32 |
package enum BucketingScheme: UInt8, Sendable, Hashable, CaseIterable {
    case flagc = 0
    case unleash = 1
    case unleashVariants = 2
    case flagd = 3

    /// The name written after `hash:`.
    package var name: String {
        switch self {
        case .flagc: "flagc"
        case .unleash: "unleash"
        case .unleashVariants: "unleash-variants"
        case .flagd: "flagd"
        }
    }

    /// The scheme named `name`, or nil.
    package init?(name: String) {
        guard let scheme = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = scheme
    }

    /// The bucket count of a `rollout` condition: its percentage is out of this many buckets.
    package var rolloutTotal: Int { self == .flagc ? Bucketing.bucketCount : 100 }

    /// The largest total (sum of split weights) the scheme takes.
    package static let maximumTotal = Int(Int32.max)

    var seed: UInt32 { self == .unleashVariants ? 86_028_157 : 0 }

    /// The byte between salt and value, if any.
    var separator: UInt8? {
        switch self {
        case .flagc: UInt8(ascii: ".")
        case .unleash, .unleashVariants: UInt8(ascii: ":")
        case .flagd: nil
        }
    }

    /// The hash state after the salt and separator.
    @inline(__always)
    func prefix(salt: UnsafeBufferPointer<UInt8>) -> Murmur3Hasher {
        var hasher = Murmur3Hasher(seed: seed)
        hasher.combine(buffer: salt)
        if let separator { hasher.combine(byte: separator) }
        return hasher
    }

    /// The hash state after the salt and separator.
    package func prefix(salt: String) -> Murmur3Hasher {
        var salt = salt
        return salt.withUTF8 { prefix(salt: $0) }
    }

    /// The bucket, in `0..<total`, of a hash under this scheme.
    @inline(__always)
    package func bucket(hash: UInt32, total: Int) -> Int {
        switch self {
        case .flagd: Int((UInt64(hash) &* UInt64(total)) >> 32)
        case .flagc, .unleash, .unleashVariants: Int(hash % UInt32(truncatingIfNeeded: total))
        }
    }

    /// The bucket, in `0..<total`, of a bucketing value after `prefix`; nil for a list, an object
    /// or null (those are never bucketed).
    package func bucket(prefix: Murmur3Hasher, value: AttributeValue, total: Int) -> Int? {
        var hasher = prefix
        switch value {
        case .string(let text): hasher.combine(text)
        case .number(let number): hasher.combine(Bucketing.canonicalNumberText(number))
        case .bool(let bool): hasher.combine(bool ? "true" : "false")
        case .list, .object, .null: return nil
        }
        return bucket(hash: hasher.finalize(), total: total)
    }

    /// ``bucket(prefix:value:total:)`` of a value read from a context.
    package func bucket(prefix: Murmur3Hasher, value: AttributeRead, total: Int) -> Int? {
        var hasher = prefix
        switch value.tag {
        case .string: hasher.combine(buffer: value.bytes)
        case .number: hasher.combine(Bucketing.canonicalNumberText(value.number))
        case .bool: hasher.combine(value.payload != 0 ? "true" : "false")
        case .list, .object, .null: return nil
        }
        return bucket(hash: hasher.finalize(), total: total)
    }

    /// The bucket of `value` under `salt`: what the golden vectors of docs/language.md list.
    package func bucket(salt: String, value: AttributeValue, total: Int) -> Int? {
        bucket(prefix: prefix(salt: salt), value: value, total: total)
    }
}
