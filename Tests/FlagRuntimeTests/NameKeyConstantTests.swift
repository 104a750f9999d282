import Testing

@testable import FlagRuntime

@Suite struct NameKeyTests {
    @Test func targetingKeyConstantIsTheNamesKey() {
        #expect(NameKey(count: 12, head: 0x6E69_7465_6772_6174, tail: 0x7965_4B67) == NameKey("targetingKey"))
    }

    /// Every length from 0 to 20 bytes: the key's words are the zero-padded bytes, whatever the load path.
    @Test(arguments: 0...20) func keyWordsAreTheZeroPaddedBytes(length: Int) {
        let bytes = (0..<length).map { UInt8(0x41 + $0) }
        var padded = bytes + [UInt8](repeating: 0, count: 16)
        let key = bytes.withUnsafeBufferPointer { NameKey($0) }
        let head = padded.withUnsafeMutableBytes { $0.loadUnaligned(as: UInt64.self) }
        let tail = padded.withUnsafeMutableBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
        #expect(key.count == UInt64(length))
        #expect(key.head == UInt64(littleEndian: head))
        #expect(key.tail == UInt64(littleEndian: tail))
        #expect(key.isExact == (length <= 16))
        if length <= 16 { #expect(key.text == String(decoding: bytes, as: UTF8.self)) }
    }
}
