/// An attribute name as three words: its UTF-8 length and its first 16 bytes, zero-padded. Names of
/// at most 16 bytes are equal exactly when their keys are, so a context finds such an attribute by
/// comparing three words, without touching the name's `String`; longer names whose keys are equal
/// are then compared byte by byte (`isExact` is false for them).
package struct NameKey: Hashable, Sendable, BitwiseCopyable {
    package let count: UInt64
    package let head: UInt64
    package let tail: UInt64

    package init(_ bytes: UnsafeBufferPointer<UInt8>) {
        count = UInt64(bytes.count)
        head = Self.word(bytes, from: 0)
        tail = Self.word(bytes, from: 8)
    }

    package init(_ name: String) {
        self = withUTF8(name) { NameKey($0) }
    }

    /// The name of an exact key (``isExact``) as a string: its bytes, which are valid UTF-8 when the
    /// key was made from a string or from bytes a parser validated.
    package var text: String {
        withUnsafeBytes(of: (head.littleEndian, tail.littleEndian)) { words in
            String(decoding: words.prefix(Int(Swift.min(count, 16))), as: UTF8.self)
        }
    }

    /// Whether equal keys mean equal names.
    @inline(__always)
    package var isExact: Bool { count <= 16 }

    /// Bytes `start ..< start + 8` (those that exist) as a little-endian word.
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt64 {
        guard let base = bytes.baseAddress else { return 0 }
        if bytes.count >= start + 8 {
            return UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: start, as: UInt64.self))
        }
        var word: UInt64 = 0
        var index = start
        while index < bytes.count {
            word |= UInt64(bytes[index]) << (8 * UInt64(index - start))
            index += 1
        }
        return word
    }
}
