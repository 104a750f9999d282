/// Appends little-endian integers, varints and length-prefixed strings; the mirror of `ByteReader`.
package struct ByteWriter {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    package mutating func write(_ value: UInt8) { bytes.append(value) }
    package mutating func write(_ value: UInt16) { writeLittleEndian(UInt64(value), byteCount: 2) }
    package mutating func write(_ value: UInt32) { writeLittleEndian(UInt64(value), byteCount: 4) }
    package mutating func write(_ value: UInt64) { writeLittleEndian(value, byteCount: 8) }
    package mutating func write(_ value: Int64) { writeLittleEndian(UInt64(bitPattern: value), byteCount: 8) }

    private mutating func writeLittleEndian(_ value: UInt64, byteCount: Int) {
        for index in 0..<byteCount {
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))))
        }
    }

    package mutating func writeVarUInt(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    package mutating func writeVarUInt(_ value: Int) {
        precondition(value >= 0, "negative count")
        writeVarUInt(UInt64(value))
    }

    /// Zig-zag encoding, so small negative numbers stay short.
    package mutating func writeVarInt(_ value: Int64) {
        writeVarUInt(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A number: integral values up to 2^53 as a zig-zag varint shifted left by one (even), anything
    /// else as the varint 1 followed by the 8-byte IEEE-754 bit pattern.
    package mutating func writeNumber(_ value: Double) {
        if value.isFinite, value == value.rounded(.towardZero), abs(value) <= 9_007_199_254_740_992,
            !(value == 0 && value.sign == .minus)
        {
            let integer = Int64(value)
            writeVarUInt(UInt64(bitPattern: (integer << 1) ^ (integer >> 63)) << 1)
        } else {
            writeVarUInt(UInt64(1))
            write(value.bitPattern)
        }
    }

    package mutating func write<Bytes: Sequence>(bytes other: Bytes) where Bytes.Element == UInt8 {
        bytes.append(contentsOf: other)
    }

    package mutating func write(string: String) {
        writeVarUInt(string.utf8.count)
        bytes.append(contentsOf: string.utf8)
    }
}
