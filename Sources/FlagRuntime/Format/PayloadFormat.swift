/// The binary layout of a bundle's payload (the part that is encrypted): its limits, tags and
/// decompression. The compiler writes it (FlagCompiler's `PayloadCodec.encode` and `compress`), the
/// loader reads it (`TableDecoder`). See docs/bundle-format.md. Strings are stored once, in a table
/// sorted by bytes and front-coded (each entry is the length it shares with the previous one, then
/// the rest), and referred to by index; counts and indices are LEB128 varints; numbers are IEEE-754
/// doubles, little-endian.
///
/// The decoder (`TableDecoder`) trusts nothing: every count is bounded by the bytes that remain, every
/// index is checked against what it refers to, prerequisites and segment references must point
/// backwards (so evaluation cannot loop), and nesting is capped.
package enum PayloadCodec {
    /// Deepest condition or JSON nesting the decoder accepts.
    package static let maximumNesting = 64

    // MARK: Compression

    /// The most bytes a payload may expand to (bounds what a validly signed but hostile bundle can
    /// make the loader allocate).
    package static let maximumDecompressedBytes = 256 << 20

    /// The encoded content back from `compress`'s output; refuses a length above
    /// `maximumDecompressedBytes` and any block that does not expand to exactly that length.
    package static func decompress(_ plaintext: [UInt8]) throws(DecodingError) -> [UInt8] {
        var reader = ByteReader(plaintext)
        let count = try reader.readVarUInt()
        guard count <= UInt64(maximumDecompressedBytes) else {
            throw DecodingError("decompressed size \(count) above the limit \(maximumDecompressedBytes)")
        }
        let start = reader.offset
        return try plaintext.withUnsafeBufferPointer { buffer throws(DecodingError) in
            try LZ4Block.decompress(UnsafeBufferPointer(rebasing: buffer[start...]), decompressedCount: Int(count))
        }
    }

}

/// The case of `E` whose raw value is `byte`, or nil, found with a range check instead of a call
/// to `init(rawValue:)` (which the decoder would otherwise make for every tag it reads). `E` must
/// be an enum without payloads whose raw values run consecutively from `first` to `last` in
/// declaration order: Swift numbers such cases in declaration order from 0, so the case is the
/// byte minus `first`'s raw value (a test checks every byte against `init(rawValue:)`).
@inline(__always)
package func consecutiveCase<E: RawRepresentable<UInt8>>(_ byte: UInt8, first: E, last: E) -> E? {
    guard byte >= first.rawValue, byte <= last.rawValue else { return nil }
    return unsafeBitCast(byte &- first.rawValue, to: E.self)
}

/// The tags of the payload's tagged unions; see docs/bundle-format.md.
package enum ConditionTag: UInt8 {
    case all = 0
    case any = 1
    case not = 2
    case segment = 3
    case predicate = 4
}

package enum LiteralTag: UInt8 {
    case string = 0
    case number = 1
    case bool = 2
}

package enum ServeTag: UInt8 {
    case variant = 0
    case split = 1
    case progressive = 2
    /// A split bucketed as another engine does (`hash:`).
    case hashedSplit = 3
}

package enum JSONTag: UInt8 {
    case null = 0
    case `false` = 1
    case `true` = 2
    case number = 3
    case string = 4
    case array = 5
    case object = 6
    /// A zigzag varint: an integer kept exactly.
    case integer = 7
}

package enum OperatorCode: UInt8, BitwiseCopyable {
    case equals = 1
    case notEquals, isIn, notIn, contains, notContains, startsWith, endsWith, matches
    case greaterThan, greaterThanOrEqual, lessThan, lessThanOrEqual, semver, before, after, inCIDR, exists
    case rollout
}

/// Which semantic-version comparison a predicate makes.
package enum SemverComparison: UInt8, Sendable, Hashable {
    case equal = 0
    case greaterThan = 1
    case greaterThanOrEqual = 2
    case lessThan = 3
    case lessThanOrEqual = 4
}
