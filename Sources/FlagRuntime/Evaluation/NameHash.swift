/// A fast 64-bit hash of a name's UTF-8 bytes for the runtime's in-memory flag-key index. Eight
/// bytes per step (the last partial word and short names as overlapping loads), a multiply-xorshift
/// mix; never written to a bundle and not meant to resist collisions made on purpose (the index
/// compares bytes after the hash).
package enum NameHash {
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var value = value
        value ^= value >> 32
        value &*= 0xD6E8_FEB8_6659_FD93
        value ^= value >> 32
        return value
    }

    package static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let count = bytes.count
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        guard let base = bytes.baseAddress, count > 0 else { return mix(state) }
        let raw = UnsafeRawPointer(base)
        if count >= 8 {
            var offset = 0
            while count - offset > 8 {
                state = mix(state ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset += 8
            }
            // The last eight bytes, overlapping the word before when the count is not a multiple of 8.
            state = mix(state ^ raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        } else if count >= 4 {
            let head = UInt64(raw.loadUnaligned(as: UInt32.self))
            let tail = UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            state = mix(state ^ (head | tail << 32))
        } else {
            let bytes = UInt64(base[0]) | UInt64(base[count >> 1]) << 8 | UInt64(base[count - 1]) << 16
            state = mix(state ^ bytes)
        }
        return mix(state &+ 0x632B_E59B_D9B4_E019)
    }
}
