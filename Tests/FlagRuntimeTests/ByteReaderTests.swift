import FlagCompiler
import FlagRuntime
import Testing

@Suite("Byte reader: varints at every length, truncation at every byte")
struct ByteReaderTests {
    /// Values at each varint length boundary (one byte holds 7 bits, two 14, …, ten 64).
    static let boundaryValues: [UInt64] = [
        0, 1, 0x7F, 0x80, 0xFF, 0x3FFF, 0x4000, 0x1F_FFFF, 0x20_0000, 0xFFFF_FFFF, 1 << 62, .max - 1, .max,
    ]

    @Test("every value written as a varint reads back, and the reader stops right after it")
    func roundTrip() throws {
        for value in Self.boundaryValues {
            var writer = ByteWriter()
            writer.writeVarUInt(value)
            writer.write(UInt8(0xAA))  // a byte after the varint must stay unread
            var reader = ByteReader(writer.bytes)
            #expect(try reader.readVarUInt() == value, "value \(value)")
            #expect(reader.remaining == 1, "value \(value)")
            #expect(try reader.readUInt8() == 0xAA)
        }
    }

    @Test("a varint cut anywhere, including after its first byte, is truncated, not misread")
    func truncation() {
        for value in Self.boundaryValues where value >= 0x80 {
            var writer = ByteWriter()
            writer.writeVarUInt(value)
            for length in 1..<writer.bytes.count {
                var reader = ByteReader(Array(writer.bytes[..<length]))
                #expect(throws: DecodingError.truncated, "value \(value) cut at \(length)") {
                    try reader.readVarUInt()
                }
            }
        }
    }

    @Test("a reader bounded before the end of its bytes does not read past its end")
    func boundedReader() throws {
        // 0x80 0x01 is the two-byte varint 128; the reader ends after its first byte.
        var reader = ByteReader([0x80, 0x01], from: 0, to: 1)
        #expect(throws: DecodingError.truncated) { try reader.readVarUInt() }
    }

    @Test("overlong and oversized varints are refused")
    func overlong() {
        var elevenBytes = ByteReader([UInt8](repeating: 0x80, count: 10) + [0x01])
        #expect(throws: DecodingError("varint overflows 64 bits")) { try elevenBytes.readVarUInt() }
        var overflow = ByteReader([UInt8](repeating: 0xFF, count: 9) + [0x02])
        #expect(throws: DecodingError("varint overflows 64 bits")) { try overflow.readVarUInt() }
    }
}
