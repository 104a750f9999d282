/// A fast 64-bit hash of a name's UTF-8 bytes for the runtime's in-memory flag-key index. Eight
/// bytes per step, a multiply-xorshift mix; never written to a bundle and not meant to resist
/// collisions made on purpose (the index compares bytes after the hash).
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
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return mix(state) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            state = mix(state ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count {
                tail |= UInt64(bytes[offset]) << shift
                shift += 8
                offset += 1
            }
            state = mix(state ^ tail)
        }
        return mix(state &+ 0x632B_E59B_D9B4_E019)
    }
}
