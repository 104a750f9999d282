/// An attribute name as three words: its UTF-8 length and its first 16 bytes, zero-padded. Names of
/// at most 16 bytes are equal exactly when their keys are, so a context finds such an attribute by
/// comparing three words, without touching the name's `String`; longer names whose keys are equal
/// are then compared byte by byte (`isExact` is false for them).
package struct NameKey: Hashable, Sendable, BitwiseCopyable {
    package let count: UInt64
    package let head: UInt64
    package let tail: UInt64

    @inline(__always)
    package init(_ bytes: UnsafeBufferPointer<UInt8>) {
        count = UInt64(bytes.count)
        head = Self.word(bytes, from: 0)
        tail = Self.word(bytes, from: 8)
    }

    package init(count: UInt64, head: UInt64, tail: UInt64) {
        self.count = count
        self.head = head
        self.tail = tail
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

    /// Bytes `start ..< start + 8` (those that exist) as a little-endian word, zero-padded: a short
    /// run is read as two overlapping loads (whose common bytes agree), never past the buffer.
    @inline(__always)
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt64 {
        let available = bytes.count - start
        guard available > 0, let base = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base + start)
        if available >= 8 { return UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) }
        if available >= 4 {
            let low = UInt64(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
            let high = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: available - 4, as: UInt32.self)))
            return low | high << (8 * UInt64(available - 4))
        }
        if available >= 2 {
            let low = UInt64(UInt16(littleEndian: raw.loadUnaligned(as: UInt16.self)))
            let high = UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: available - 2, as: UInt16.self)))
            return low | high << (8 * UInt64(available - 2))
        }
        return UInt64(base[start])
    }
}
