import FlagRuntime
import Testing

@Suite("Murmur3 and bucketing")
struct Murmur3Tests {
    struct BucketVector: Sendable, CustomTestStringConvertible {
        let salt: String
        let value: String
        let hash: UInt32
        let bucket: Int
        var testDescription: String { "\(salt).\(value)" }
    }

    /// The golden vectors of the product specification; every implementation must reproduce them.
    static let goldenVectors: [BucketVector] = [
        .init(salt: "new-checkout-flow", value: "user-1", hash: 1_463_082_777, bucket: 2777),
        .init(salt: "new-checkout-flow", value: "user-2", hash: 1_723_261_492, bucket: 1492),
        .init(salt: "new-checkout-flow", value: "user-42", hash: 4_225_795_607, bucket: 5607),
        .init(salt: "checkout-experiment", value: "user-42", hash: 3_157_293_751, bucket: 3751),
        .init(salt: "checkout-experiment", value: "", hash: 395_533_715, bucket: 3715),
        .init(salt: "search.ranking-v2", value: "用户-7", hash: 3_350_498_309, bucket: 8309),
    ]

    @Test("bucketing reproduces the specification's golden vectors", arguments: goldenVectors)
    func bucketingMatchesGoldenVectors(vector: BucketVector) {
        #expect(Bucketing.hash(salt: vector.salt, value: vector.value) == vector.hash)
        #expect(Bucketing.bucket(salt: vector.salt, value: vector.value) == vector.bucket)
        #expect(Murmur3.hash32(Array((vector.salt + "." + vector.value).utf8)) == vector.hash)
    }

    struct ReferenceVector: Sendable, CustomTestStringConvertible {
        let bytes: [UInt8]
        let seed: UInt32
        let hash: UInt32
        var testDescription: String { "\(bytes) seed \(seed)" }

        init(_ text: String, seed: UInt32 = 0, _ hash: UInt32) {
            self.init(Array(text.utf8), seed: seed, hash)
        }

        init(_ bytes: [UInt8], seed: UInt32 = 0, _ hash: UInt32) {
            self.bytes = bytes
            self.seed = seed
            self.hash = hash
        }
    }

    /// Published `MurmurHash3_x86_32` vectors, re-checked against Austin Appleby's C reference.
    static let referenceVectors: [ReferenceVector] = [
        .init("", 0),
        .init("", seed: 1, 0x514E_28B7),
        .init("", seed: 0xFFFF_FFFF, 0x81F1_6F39),
        .init("hello", 0x248B_FA47),
        .init("Hello, world!", seed: 1234, 0xFAF6_CDB3),
        .init("The quick brown fox jumps over the lazy dog", 0x2E4F_F723),
        .init("aaaa", seed: 0x9747_B28C, 0x5A97_808A),
        .init("abc", 0xB3DD_93FA),
        .init([0x21, 0x43, 0x65, 0x87], 0xF55B_516B),
        .init([0x21, 0x43, 0x65, 0x87], seed: 0x5082_EDEE, 0x2362_F9DE),
        .init([0x21, 0x43, 0x65], 0x7E4A_8634),
        .init([0x21, 0x43], 0xA0F7_B07A),
        .init([0x21], 0x7266_1CF4),
        .init([0, 0, 0, 0], 0x2362_F9DE),
        .init([0, 0, 0], 0x85F0_B427),
        .init([0, 0], 0x30F4_C306),
        .init([0], 0x514E_28B7),
        .init([0xFF, 0xFF, 0xFF, 0xFF], 0x7629_3B50),
    ]

    @Test("one-shot hashing matches the reference implementation", arguments: referenceVectors)
    func oneShotMatchesReference(vector: ReferenceVector) {
        #expect(Murmur3.hash32(vector.bytes, seed: vector.seed) == vector.hash)
        // A sequence without contiguous storage takes the byte-by-byte path.
        #expect(Murmur3.hash32(vector.bytes.lazy.map { $0 }, seed: vector.seed) == vector.hash)
        var hasher = Murmur3Hasher(seed: vector.seed)
        for byte in vector.bytes { hasher.combine(byte: byte) }
        #expect(hasher.finalize() == vector.hash)
    }

    @Test("streaming in random pieces equals one-shot hashing of the concatenation", arguments: 0..<40)
    func streamingEqualsOneShot(round: Int) {
        var generator = SeededValueGenerator(seed: UInt64(round))
        let length = Int.random(in: 0...200, using: &generator)
        let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let seed = round.isMultiple(of: 2) ? 0 : UInt32.random(in: 0...UInt32.max, using: &generator)
        let expected = Murmur3.hash32(bytes, seed: seed)

        var hasher = Murmur3Hasher(seed: seed)
        var start = 0
        while start < length {
            let end = Swift.min(length, start + Int.random(in: 0...9, using: &generator))
            let piece = Array(bytes[start..<end])
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: hasher.combine(contentsOf: piece)
            case 1: for byte in piece { hasher.combine(byte: byte) }
            default: piece.withUnsafeBufferPointer { hasher.combine(buffer: $0) }
            }
            start = end
        }
        #expect(hasher.finalize() == expected)
    }

    @Test(
        "hashing strings in pieces equals hashing their joined UTF-8",
        arguments: [["new-checkout-flow", ".", "user-1"], ["", "", ""], ["a", "bcdefgh", "ij"], ["用户", "-", "7"]]
    )
    func stringPiecesEqualJoinedUTF8(pieces: [String]) {
        var hasher = Murmur3Hasher()
        for piece in pieces { hasher.combine(piece) }
        #expect(hasher.finalize() == Murmur3.hash32(Array(pieces.joined().utf8)))
        var substringHasher = Murmur3Hasher()
        for piece in pieces { substringHasher.combine(piece[...]) }
        #expect(substringHasher.finalize() == Murmur3.hash32(pieces.joined().utf8))
    }

    @Test("finalizing does not end the stream")
    func finalizeLeavesHasherUsable() {
        var hasher = Murmur3Hasher()
        hasher.combine("hel")
        _ = hasher.finalize()
        hasher.combine("lo")
        #expect(hasher.finalize() == 0x248B_FA47)
    }

    @Test("buckets stay in 0..<10000", arguments: 0..<5)
    func bucketsStayInRange(round: Int) {
        var generator = SeededValueGenerator(seed: 1000 + UInt64(round))
        for index in 0..<500 {
            let value = "user-\(UInt64.random(in: 0...UInt64.max, using: &generator))-\(index)"
            let bucket = Bucketing.bucket(salt: "flag-\(round)", value: value)
            #expect((0..<Bucketing.bucketCount).contains(bucket))
        }
    }

    struct NumberTextCase: Sendable, CustomTestStringConvertible {
        let value: Double
        let text: String
        var testDescription: String { text }
    }

    static let numberTexts: [NumberTextCase] = [
        .init(value: 42, text: "42"),
        .init(value: -7, text: "-7"),
        .init(value: 0, text: "0"),
        .init(value: -0.0, text: "0"),
        .init(value: 1e15, text: "1000000000000000"),
        .init(value: 9_007_199_254_740_991, text: "9007199254740991"),
        .init(value: -9_007_199_254_740_991, text: "-9007199254740991"),
        .init(value: 9_007_199_254_740_992, text: "9007199254740992"),
        .init(value: 9_007_199_254_740_994, text: "9007199254740994"),
        .init(value: 1e16, text: "10000000000000000"),
        .init(value: 1e21, text: "1e+21"),
        .init(value: 1e20, text: "100000000000000000000"),
        .init(value: 1.5e21, text: "1.5e+21"),
        .init(value: 123e18, text: "123000000000000000000"),
        .init(value: 1.5, text: "1.5"),
        .init(value: -2.25, text: "-2.25"),
        .init(value: 0.1, text: "0.1"),
        .init(value: 0.0001, text: "0.0001"),
        .init(value: 0.00001, text: "0.00001"),
        .init(value: 0.000001, text: "0.000001"),
        .init(value: 0.0000001, text: "1e-7"),
        .init(value: 1.5e-7, text: "1.5e-7"),
        .init(value: -1.5e-7, text: "-1.5e-7"),
        .init(value: 123_456.789, text: "123456.789"),
        .init(value: 1.0000000000000002, text: "1.0000000000000002"),
        .init(value: .leastNonzeroMagnitude, text: "5e-324"),
        .init(value: .greatestFiniteMagnitude, text: "1.7976931348623157e+308"),
        .init(value: .infinity, text: "Infinity"),
        .init(value: -.infinity, text: "-Infinity"),
    ]

    @Test("numbers are bucketed as their shortest decimal text", arguments: numberTexts)
    func numbersUseShortestDecimalText(testCase: NumberTextCase) {
        #expect(Bucketing.canonicalNumberText(testCase.value) == testCase.text)
        #expect(
            Bucketing.bucket(salt: "numbers", number: testCase.value)
                == Bucketing.bucket(salt: "numbers", value: testCase.text)
        )
    }

    @Test("integral numbers bucket like their decimal digits", arguments: 0..<4)
    func integralNumbersBucketLikeDigits(round: Int) {
        var generator = SeededValueGenerator(seed: 77 + UInt64(round))
        for _ in 0..<200 {
            let integer = Int64.random(in: -9_007_199_254_740_991...9_007_199_254_740_991, using: &generator)
            let magnitude = integer >> Int64.random(in: 0...53, using: &generator)
            #expect(
                Bucketing.bucket(salt: "ids", number: Double(magnitude))
                    == Bucketing.bucket(salt: "ids", value: String(magnitude))
            )
        }
    }
}

/// A small deterministic generator (SplitMix64) for the value-primitive tests, so failures reproduce.
struct SeededValueGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
