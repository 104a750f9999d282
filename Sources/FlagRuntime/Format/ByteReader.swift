/// Why a byte sequence could not be decoded. Carries no input bytes, only what was expected.
package struct DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    package let reason: String
    package init(_ reason: String) { self.reason = reason }
    package var description: String { reason }

    package static let truncated = DecodingError("truncated")
}

/// A bounded little-endian reader over a byte array, or over a buffer the caller keeps alive (the
/// payload decoder reads through a pointer, so no read checks bounds twice).
///
/// Every read checks the remaining length before it loads, counts are capped before anything is
/// allocated for them, and varints stop after ten bytes, so no input can make it read out of
/// bounds, allocate more than the input's size, or loop.
package struct ByteReader<Bytes: RandomAccessCollection<UInt8>> where Bytes.Index == Int {
    package let bytes: Bytes
    package private(set) var offset: Int
    package let end: Int

    /// Reads `bytes` from `start` (an index of `bytes`) up to `end`.
    package init(_ bytes: Bytes, from start: Int? = nil, to end: Int? = nil) {
        self.bytes = bytes
        self.offset = start ?? bytes.startIndex
        self.end = Swift.min(end ?? bytes.endIndex, bytes.endIndex)
    }

    package var remaining: Int { end - offset }
    package var isAtEnd: Bool { offset >= end }

    package mutating func readUInt8() throws(DecodingError) -> UInt8 {
        guard offset < end else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    package mutating func readUInt16() throws(DecodingError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readLittleEndian(byteCount: 2))
    }

    package mutating func readUInt32() throws(DecodingError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readLittleEndian(byteCount: 4))
    }

    package mutating func readUInt64() throws(DecodingError) -> UInt64 {
        try readLittleEndian(byteCount: 8)
    }

    package mutating func readInt64() throws(DecodingError) -> Int64 {
        Int64(bitPattern: try readLittleEndian(byteCount: 8))
    }

    private mutating func readLittleEndian(byteCount: Int) throws(DecodingError) -> UInt64 {
        guard remaining >= byteCount else { throw .truncated }
        var value: UInt64 = 0
        for index in 0..<byteCount {
            value |= UInt64(bytes[offset + index]) << (8 * UInt64(index))
        }
        offset += byteCount
        return value
    }

    /// An unsigned LEB128 varint of at most ten bytes.
    @inline(__always)
    package mutating func readVarUInt() throws(DecodingError) -> UInt64 {
        // Most varints are one or two bytes (string indices of a few thousand): read those without the loop.
        if offset < end {
            let first = bytes[offset]
            if first < 0x80 {
                offset += 1
                return UInt64(first)
            }
            if offset + 1 < end, bytes[offset + 1] < 0x80 {
                let value = UInt64(first & 0x7F) | UInt64(bytes[offset + 1]) << 7
                offset += 2
                return value
            }
        }
        return try readLongVarUInt()
    }

    private mutating func readLongVarUInt() throws(DecodingError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readUInt8()
            if shift == 63 && byte > 1 { throw DecodingError("varint overflows 64 bits") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            if shift > 63 { throw DecodingError("varint longer than 10 bytes") }
        }
    }

    /// A zig-zag encoded signed varint.
    @inline(__always)
    package mutating func readVarInt() throws(DecodingError) -> Int64 {
        let raw = try readVarUInt()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A varint count, refused when above `maximum` or when even one byte per element would
    /// not fit in what remains (so a hostile count never drives an allocation).
    @inline(__always)
    package mutating func readCount(maximum: Int, minimumElementSize: Int = 1) throws(DecodingError) -> Int {
        let raw = try readVarUInt()
        guard raw <= UInt64(maximum) else { throw DecodingError("count \(raw) above limit \(maximum)") }
        let count = Int(raw)
        let (needed, overflow) = count.multipliedReportingOverflow(by: minimumElementSize)
        guard !overflow, needed <= remaining else { throw .truncated }
        return count
    }

    /// A number as `ByteWriter.writeNumber` writes it.
    @inline(__always)
    package mutating func readNumber() throws(DecodingError) -> Double {
        let raw = try readVarUInt()
        if raw & 1 == 0 {
            let zigzag = raw >> 1
            return Double(Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1))))
        }
        guard raw == 1 else { throw DecodingError("invalid number tag") }
        return Double(bitPattern: try readUInt64())
    }

    /// Exactly `count` bytes.
    package mutating func readBytes(_ count: Int) throws(DecodingError) -> Bytes.SubSequence {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// Skips `count` bytes.
    package mutating func skip(_ count: Int) throws(DecodingError) {
        guard count >= 0, remaining >= count else { throw .truncated }
        offset += count
    }
}
