import FlagCompiler
import FlagRuntime
import Testing

@Suite("LZ4 block codec")
struct LZ4BlockTests {
    // MARK: - Inputs

    /// SplitMix64, so the "random" inputs are the same on every run and platform.
    struct SplitMix64 {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }

        mutating func bytes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
        }
    }

    /// Records shaped like a bundle's tables: varint ids and numbers, "user-1234" keys, flag names.
    static func records(count: Int) -> [UInt8] {
        var random = SplitMix64(state: 42)
        let flags = ["new-checkout-flow", "search.ranking-v2", "dark-mode"]
        var bytes: [UInt8] = []
        var id: UInt64 = 1000
        while bytes.count < count {
            id += 1 + random.next() % 3
            for value in [id, random.next() % 10_000, 1_700_000_000 + random.next() % 5_000_000] {
                var rest = value
                while rest >= 0x80 {
                    bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
                    rest >>= 7
                }
                bytes.append(UInt8(rest))
            }
            bytes += Array(flags[Int(random.next() % 3)].utf8) + Array("user-\(random.next() % 10_000)".utf8)
        }
        return Array(bytes.prefix(count))
    }

    struct Sample: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let bytes: [UInt8]

        init(_ name: String, _ bytes: [UInt8]) {
            self.testDescription = "\(name) (\(bytes.count) bytes)"
            self.bytes = bytes
        }
    }

    static let samples: [Sample] = {
        var random = SplitMix64(state: 1)
        return [
            Sample("empty", []),
            Sample("one byte", [0x2A]),
            Sample("12 bytes, too short for a match", Array("abcabcabcabc".utf8)),
            Sample("13 bytes, the shortest that may hold a match", Array("abcabcabcabca".utf8)),
            Sample("all zero", [UInt8](repeating: 0, count: 100_000)),
            Sample("random", random.bytes(65_536)),
            Sample("records", records(count: 20_000)),
            Sample("period 1", [UInt8](repeating: 7, count: 1_000)),
            Sample("period 2", Array(String(repeating: "ab", count: 500).utf8)),
            Sample("period 3", Array(String(repeating: "abc", count: 333).utf8)),
            Sample("period 3 with a random tail", Array(String(repeating: "xyz", count: 20).utf8) + random.bytes(20)),
            Sample("random then repeated", random.bytes(300) + random.bytes(40) + Array(repeating: 0xEE, count: 17)),
            Sample("text", Array(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 30).utf8)),
            Sample("a repeat starting 11 bytes before the end", repeatNearEnd(&random, length: 6, tail: 5)),
            Sample("a repeat running into the last 5 bytes", repeatNearEnd(&random, length: 8, tail: 4)),
        ]
    }()

    /// Random bytes with `length` of them repeated `tail` bytes before the end; the format's end-of-block
    /// rules keep (part of) the repeat literal.
    static func repeatNearEnd(_ random: inout SplitMix64, length: Int, tail: Int) -> [UInt8] {
        let repeated = random.bytes(length)
        return random.bytes(20) + repeated + random.bytes(20) + repeated + random.bytes(tail)
    }

    static func decompress(_ block: [UInt8], count: Int) throws(DecodingError) -> [UInt8] {
        try block.withUnsafeBufferPointer { buffer throws(DecodingError) in
            try LZ4Block.decompress(buffer, decompressedCount: count)
        }
    }

    // MARK: - Round trips

    @Test("compressing then decompressing gives back the input", arguments: samples)
    func roundTrip(sample: Sample) throws {
        let block = LZ4Block.compress(sample.bytes)
        #expect(try Self.decompress(block, count: sample.bytes.count) == sample.bytes)
        #expect(block.count <= sample.bytes.count + sample.bytes.count / 255 + 16)
        #expect(LZ4Block.compress(sample.bytes) == block, "compression is deterministic")
    }

    /// The reference decoder requires these (`LZ4_decompress_safe` refuses blocks that break them).
    @Test("compressed blocks keep the format's end-of-block rules", arguments: samples)
    func endOfBlockRules(sample: Sample) throws {
        let sequences = try Self.sequences(of: LZ4Block.compress(sample.bytes))
        let count = sample.bytes.count
        for sequence in sequences.dropLast() {
            #expect(sequence.matchStart <= count - 12, "the last match starts at least 12 bytes before the end")
            #expect(sequence.matchStart + sequence.matchLength <= count - 5, "the last 5 bytes are literals")
        }
        #expect(sequences.last?.matchLength == 0)
        if count < 13 { #expect(sequences.count == 1, "a block under 13 bytes is literals only") }
    }

    /// Floors well under today's ratios (about 250, 2.4 and 22): a regression in the match finder fails them.
    @Test("compression finds repeats", arguments: [("all zero", 200), ("records", 2), ("text", 15)])
    func compressionRatio(name: String, minimumRatio: Int) throws {
        let sample = try #require(Self.samples.first { $0.testDescription.hasPrefix(name) })
        #expect(LZ4Block.compress(sample.bytes).count * minimumRatio < sample.bytes.count)
    }

    /// Walks a block's sequences, trusting it (a test helper, not a decoder).
    static func sequences(of block: [UInt8]) throws -> [(matchStart: Int, matchLength: Int)] {
        var result: [(matchStart: Int, matchLength: Int)] = []
        var index = 0
        var produced = 0
        func length(_ field: UInt8) throws -> Int {
            var total = Int(field)
            guard field == 15 else { return total }
            while true {
                let byte = try #require(index < block.count ? block[index] : nil)
                index += 1
                total += Int(byte)
                if byte != 255 { return total }
            }
        }
        while index < block.count {
            let token = block[index]
            index += 1
            let literals = try length(token >> 4)
            index += literals
            produced += literals
            if index >= block.count {
                result.append((produced, 0))
                break
            }
            index += 2
            let matchLength = try length(token & 15) + 4
            result.append((produced, matchLength))
            produced += matchLength
        }
        return result
    }

    // MARK: - The reference implementation

    struct ReferenceBlock: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let block: [UInt8]
        let content: [UInt8]
    }

    static let referenceText = Array(
        "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog again and again.".utf8
    )
    static let referenceRecords = Array(
        (0..<40).map { "user-\(1000 + $0 * 7):\($0 % 3 == 0 ? "on" : "off");" }.joined().utf8
    )

    /// Blocks written by the reference library (python-lz4 4.4.5 over liblz4 1.9.4):
    /// `lz4.block.compress(content, store_size=False)`, and `mode='high_compression', compression=12`
    /// for the last. In the other direction, `LZ4Block.compress` of each of these contents and of every
    /// `samples` entry was checked once to decode with `lz4.block.decompress(block, uncompressed_size=n)`
    /// (the reference `LZ4_decompress_safe`) to the same bytes.
    static let referenceBlocks: [ReferenceBlock] = [
        ReferenceBlock(testDescription: "empty", block: [0x00], content: []),
        ReferenceBlock(
            testDescription: "text",
            block: [
                0xFF, 0x1E, 0x54, 0x68, 0x65, 0x20, 0x71, 0x75, 0x69, 0x63, 0x6B, 0x20, 0x62, 0x72, 0x6F, 0x77,
                0x6E, 0x20, 0x66, 0x6F, 0x78, 0x20, 0x6A, 0x75, 0x6D, 0x70, 0x73, 0x20, 0x6F, 0x76, 0x65, 0x72,
                0x20, 0x74, 0x68, 0x65, 0x20, 0x6C, 0x61, 0x7A, 0x79, 0x20, 0x64, 0x6F, 0x67, 0x2E, 0x20, 0x2D,
                0x00, 0x18, 0xF0, 0x02, 0x20, 0x61, 0x67, 0x61, 0x69, 0x6E, 0x20, 0x61, 0x6E, 0x64, 0x20, 0x61,
                0x67, 0x61, 0x69, 0x6E, 0x2E,
            ],
            content: referenceText
        ),
        ReferenceBlock(
            testDescription: "records",
            block: [
                0xD4, 0x75, 0x73, 0x65, 0x72, 0x2D, 0x31, 0x30, 0x30, 0x30, 0x3A, 0x6F, 0x6E, 0x3B, 0x0D, 0x00,
                0x54, 0x37, 0x3A, 0x6F, 0x66, 0x66, 0x0E, 0x00, 0x28, 0x31, 0x34, 0x0E, 0x00, 0x27, 0x32, 0x31,
                0x29, 0x00, 0x28, 0x32, 0x38, 0x1B, 0x00, 0x28, 0x33, 0x35, 0x0E, 0x00, 0x27, 0x34, 0x32, 0x29,
                0x00, 0x28, 0x34, 0x39, 0x1B, 0x00, 0x28, 0x35, 0x36, 0x0E, 0x00, 0x27, 0x36, 0x33, 0x29, 0x00,
                0x28, 0x37, 0x30, 0x1B, 0x00, 0x19, 0x37, 0x89, 0x00, 0x27, 0x38, 0x34, 0x29, 0x00, 0x28, 0x39,
                0x31, 0x29, 0x00, 0x18, 0x39, 0x89, 0x00, 0x36, 0x31, 0x30, 0x35, 0x29, 0x00, 0x37, 0x31, 0x31,
                0x32, 0x29, 0x00, 0x28, 0x31, 0x31, 0x89, 0x00, 0x37, 0x31, 0x32, 0x36, 0x29, 0x00, 0x28, 0x33,
                0x33, 0x29, 0x00, 0x18, 0x34, 0x89, 0x00, 0x37, 0x31, 0x34, 0x37, 0x29, 0x00, 0x18, 0x35, 0x11,
                0x01, 0x28, 0x31, 0x36, 0x89, 0x00, 0x37, 0x31, 0x36, 0x38, 0x29, 0x00, 0x18, 0x37, 0x11, 0x01,
                0x29, 0x31, 0x38, 0x89, 0x00, 0x27, 0x38, 0x39, 0x29, 0x00, 0x18, 0x39, 0x11, 0x01, 0x28, 0x32,
                0x30, 0x89, 0x00, 0x27, 0x32, 0x31, 0x9A, 0x01, 0x28, 0x32, 0x31, 0x11, 0x01, 0x37, 0x32, 0x32,
                0x34, 0xB2, 0x00, 0x27, 0x32, 0x33, 0x9A, 0x01, 0x28, 0x32, 0x33, 0x11, 0x01, 0x28, 0x32, 0x34,
                0x89, 0x00, 0x27, 0x32, 0x35, 0x9A, 0x01, 0x28, 0x32, 0x35, 0x11, 0x01, 0x29, 0x32, 0x36, 0x89,
                0x00, 0x60, 0x37, 0x33, 0x3A, 0x6F, 0x6E, 0x3B,
            ],
            content: referenceRecords
        ),
        ReferenceBlock(
            testDescription: "300 zero bytes, one offset-1 match",
            block: [
                0x1F, 0x00, 0x01, 0x00, 0xFF, 0x14, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00,
            ],
            content: [UInt8](repeating: 0, count: 300)
        ),
        ReferenceBlock(
            testDescription: "40 literals, then a 195-byte match",
            block: [
                0xFF, 0x19, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
                0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D,
                0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x00, 0xB0, 0x50, 0x23, 0x24,
                0x25, 0x26, 0x27,
            ],
            content: Array((0..<6).map { _ in 0..<40 }.joined())
        ),
        ReferenceBlock(
            testDescription: "records, high compression",
            block: [
                0xD4, 0x75, 0x73, 0x65, 0x72, 0x2D, 0x31, 0x30, 0x30, 0x30, 0x3A, 0x6F, 0x6E, 0x3B, 0x0D, 0x00,
                0x54, 0x37, 0x3A, 0x6F, 0x66, 0x66, 0x0E, 0x00, 0x28, 0x31, 0x34, 0x0E, 0x00, 0x27, 0x32, 0x31,
                0x29, 0x00, 0x28, 0x32, 0x38, 0x1B, 0x00, 0x28, 0x33, 0x35, 0x0E, 0x00, 0x27, 0x34, 0x32, 0x29,
                0x00, 0x28, 0x34, 0x39, 0x1B, 0x00, 0x28, 0x35, 0x36, 0x0E, 0x00, 0x27, 0x36, 0x33, 0x29, 0x00,
                0x28, 0x37, 0x30, 0x1B, 0x00, 0x19, 0x37, 0x89, 0x00, 0x27, 0x38, 0x34, 0x29, 0x00, 0x28, 0x39,
                0x31, 0x1B, 0x00, 0x18, 0x39, 0x89, 0x00, 0x36, 0x31, 0x30, 0x35, 0x29, 0x00, 0x38, 0x31, 0x31,
                0x32, 0x1B, 0x00, 0x28, 0x31, 0x39, 0x0E, 0x00, 0x27, 0x32, 0x36, 0x29, 0x00, 0x28, 0x33, 0x33,
                0x1B, 0x00, 0x29, 0x34, 0x30, 0x0E, 0x00, 0x17, 0x37, 0x29, 0x00, 0x28, 0x35, 0x34, 0x1B, 0x00,
                0x29, 0x36, 0x31, 0x0E, 0x00, 0x17, 0x38, 0x29, 0x00, 0x28, 0x37, 0x35, 0x1B, 0x00, 0x29, 0x38,
                0x32, 0x0E, 0x00, 0x17, 0x39, 0x29, 0x00, 0x18, 0x39, 0x11, 0x01, 0x38, 0x32, 0x30, 0x33, 0x0E,
                0x00, 0x17, 0x31, 0x9A, 0x01, 0x38, 0x32, 0x31, 0x37, 0x1B, 0x00, 0x28, 0x32, 0x34, 0x0E, 0x00,
                0x27, 0x33, 0x31, 0x29, 0x00, 0x28, 0x33, 0x38, 0x1B, 0x00, 0x28, 0x34, 0x35, 0x0E, 0x00, 0x27,
                0x35, 0x32, 0x29, 0x00, 0x28, 0x35, 0x39, 0x1B, 0x00, 0x19, 0x36, 0x89, 0x00, 0x60, 0x37, 0x33,
                0x3A, 0x6F, 0x6E, 0x3B,
            ],
            content: referenceRecords
        ),
    ]

    @Test("decodes blocks written by the reference implementation", arguments: referenceBlocks)
    func decodesReferenceBlocks(reference: ReferenceBlock) throws {
        #expect(try Self.decompress(reference.block, count: reference.content.count) == reference.content)
    }

    // MARK: - Copies

    /// Encodes sequences the way the format describes; builds the blocks of the tests below.
    static func block(_ sequences: [(literals: [UInt8], offset: Int, matchLength: Int)], last: [UInt8]) -> [UInt8] {
        func appendLength(_ value: Int, to bytes: inout [UInt8]) {
            guard value >= 15 else { return }
            var rest = value - 15
            while rest >= 255 {
                bytes.append(255)
                rest -= 255
            }
            bytes.append(UInt8(rest))
        }
        var bytes: [UInt8] = []
        for sequence in sequences {
            let matchField = sequence.matchLength - 4
            bytes.append(UInt8(min(sequence.literals.count, 15) << 4 | min(matchField, 15)))
            appendLength(sequence.literals.count, to: &bytes)
            bytes += sequence.literals
            bytes += [UInt8(sequence.offset & 0xFF), UInt8(sequence.offset >> 8)]
            appendLength(matchField, to: &bytes)
        }
        bytes.append(UInt8(min(last.count, 15) << 4))
        appendLength(last.count, to: &bytes)
        return bytes + last
    }

    /// Matches that overlap their own output (offset below the length) repeat the last `offset`
    /// bytes; each combination takes a different copy path (byte pattern, 8- or 16-byte words,
    /// exact copy near the end of the output).
    @Test(
        "a match copies as if byte by byte",
        arguments: [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 100],
        [4, 5, 19, 20, 200]
    )
    func matchCopies(offset: Int, matchLength: Int) throws {
        for tailCount in [0, 5, 40] {
            let literals = (0..<offset).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let tail = [UInt8](repeating: 0xAB, count: tailCount)
            let block = Self.block([(literals, offset, matchLength)], last: tail)
            var expected = literals
            for _ in 0..<matchLength { expected.append(expected[expected.count - offset]) }
            expected += tail
            #expect(try Self.decompress(block, count: expected.count) == expected, "tail \(tailCount)")
        }
    }

    @Test("decodes a block at LZ4's maximum expansion")
    func maximumExpansion() throws {
        // One literal, then a match of 4 + 15 + 255 × 40 + 254 bytes, then an empty last run.
        let block: [UInt8] = [0x1F, 0x61, 0x01, 0x00] + [UInt8](repeating: 0xFF, count: 40) + [0xFE, 0x00]
        let count = 1 + 4 + 15 + 255 * 40 + 254
        #expect(try Self.decompress(block, count: count) == [UInt8](repeating: 0x61, count: count))
    }

    // MARK: - Hostile input

    static func error(_ reason: String) -> DecodingError { DecodingError("compressed block: " + reason) }

    @Test("every truncation of a valid block is refused")
    func truncations() throws {
        let content = Self.records(count: 2_000)
        for block in [LZ4Block.compress(content), Self.referenceBlocks[2].block] {
            let count = block == Self.referenceBlocks[2].block ? Self.referenceRecords.count : content.count
            for length in 0..<block.count {
                #expect(throws: DecodingError.self) { try Self.decompress(Array(block.prefix(length)), count: count) }
            }
        }
    }

    @Test("a decompressed size other than the block's is refused")
    func wrongDecompressedCount() throws {
        let content = Self.records(count: 2_000)
        let block = LZ4Block.compress(content)
        #expect(throws: Self.error("expands past decompressed size")) {
            try Self.decompress(block, count: content.count - 1)
        }
        #expect(throws: Self.error("expands to less than decompressed size")) {
            try Self.decompress(block, count: content.count + 1)
        }
        #expect(throws: DecodingError.self) { try Self.decompress(block, count: 0) }
        #expect(throws: Self.error("negative decompressed size")) { try Self.decompress(block, count: -1) }
    }

    struct HostileBlock: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let block: [UInt8]
        let count: Int
        let reason: String
    }

    static let hostileBlocks: [HostileBlock] = [
        HostileBlock(testDescription: "no bytes", block: [], count: 0, reason: "truncated"),
        HostileBlock(
            testDescription: "offset 0",
            block: block([(Array("abcd".utf8), 0, 4)], last: Array("vwxyz".utf8)),
            count: 13,
            reason: "match offset 0"
        ),
        HostileBlock(
            testDescription: "offset before the start of the output",
            block: block([(Array("abcd".utf8), 5, 4)], last: Array("vwxyz".utf8)),
            count: 13,
            reason: "match offset out of range"
        ),
        HostileBlock(
            testDescription: "offset 65535 at the start",
            block: block([(Array("abcd".utf8), 65_535, 4)], last: Array("vwxyz".utf8)),
            count: 13,
            reason: "match offset out of range"
        ),
        HostileBlock(
            testDescription: "literal length of 255s that never ends",
            block: [0xF0] + [UInt8](repeating: 0xFF, count: 1_000),
            count: 1_001 * 255,
            reason: "truncated"
        ),
        HostileBlock(
            testDescription: "literal length of 255s past the decompressed size",
            block: [0xF0] + [UInt8](repeating: 0xFF, count: 1_000),
            count: 1_000,
            reason: "length exceeds decompressed size"
        ),
        HostileBlock(
            testDescription: "match length of 255s past the decompressed size",
            block: [0x1F, 0x61, 0x01, 0x00] + [UInt8](repeating: 0xFF, count: 1_000),
            count: 1_000,
            reason: "length exceeds decompressed size"
        ),
        HostileBlock(
            testDescription: "literals past the end of the input",
            block: [0x50, 0x61, 0x62],
            count: 5,
            reason: "literal run past end of input"
        ),
        HostileBlock(
            testDescription: "a match without its offset",
            block: [0x14, 0x61, 0x01],
            count: 9,
            reason: "truncated"
        ),
        HostileBlock(
            testDescription: "a block ending with a match",
            block: [0x14, 0x61, 0x01, 0x00],
            count: 9,
            reason: "truncated"
        ),
        HostileBlock(
            testDescription: "1 GiB from a few bytes",
            block: [0x1F, 0x61, 0x01, 0x00, 0xFF, 0x00, 0x00],
            count: 1 << 30,
            reason: "decompressed size exceeds LZ4's maximum expansion of the input"
        ),
    ]

    @Test("malformed blocks are refused with the reason", arguments: hostileBlocks)
    func refusesMalformedBlocks(hostile: HostileBlock) {
        #expect(throws: Self.error(hostile.reason)) { try Self.decompress(hostile.block, count: hostile.count) }
    }

    /// The caller bounds the decompressed size; the decoder only refuses sizes no block can reach
    /// (255 bytes per input byte, plus 16), before it allocates anything.
    @Test("decompressed sizes beyond LZ4's maximum expansion are refused before allocating")
    func expansionBound() throws {
        // "a", a 274-byte match, an empty last run: 275 bytes from 7.
        let block: [UInt8] = [0x1F, 0x61, 0x01, 0x00, 0xFF, 0x00, 0x00]
        #expect(try Self.decompress(block, count: 275) == [UInt8](repeating: 0x61, count: 275))
        #expect(throws: Self.error("decompressed size exceeds LZ4's maximum expansion of the input")) {
            try Self.decompress(block, count: block.count * 255 + 17)
        }
        #expect(throws: Self.error("expands to less than decompressed size")) {
            try Self.decompress(block, count: block.count * 255 + 16)
        }
        #expect(throws: Self.error("decompressed size exceeds LZ4's maximum expansion of the input")) {
            try Self.decompress(block, count: .max)
        }
    }

    /// Random corruption of a valid block: decoding either fails or yields exactly the declared size;
    /// it never crashes, hangs or reads out of bounds (the debug build checks the pointers' ranges).
    @Test("corrupted blocks never crash the decoder")
    func corruptedBlocks() {
        var random = SplitMix64(state: 99)
        let content = Self.records(count: 1_000) + [UInt8](repeating: 0x20, count: 100)
        let block = LZ4Block.compress(content)
        for _ in 0..<2_000 {
            var corrupted = block
            for _ in 0...(random.next() % 3) {
                let index = Int(random.next() % UInt64(corrupted.count))
                corrupted[index] = UInt8(truncatingIfNeeded: random.next())
            }
            if let decoded = try? Self.decompress(corrupted, count: content.count) {
                #expect(decoded.count == content.count)
            }
        }
    }
}
