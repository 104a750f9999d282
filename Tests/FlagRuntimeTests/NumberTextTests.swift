import FlagRuntime
import Testing

@Suite("NumberText")
struct NumberTextTests {
    struct NumberCase: Sendable, CustomTestStringConvertible {
        let text: String
        let value: Double
        var testDescription: String { text }
    }

    static let validNumbers: [NumberCase] = [
        .init(text: "0", value: 0),
        .init(text: "1", value: 1),
        .init(text: "-1", value: -1),
        .init(text: "42", value: 42),
        .init(text: "-1.5", value: -1.5),
        .init(text: "0.1", value: 0.1),
        .init(text: "0.000", value: 0),
        .init(text: "1e3", value: 1000),
        .init(text: "1E3", value: 1000),
        .init(text: "1e+3", value: 1000),
        .init(text: "1E-3", value: 0.001),
        .init(text: "-0.5e-2", value: -0.005),
        .init(text: "10.25e02", value: 1025),
        .init(text: "123456789012345678901234567890", value: 1.2345678901234568e29),
        .init(text: "9007199254740993", value: 9_007_199_254_740_992),
        .init(text: "1.7976931348623157e308", value: .greatestFiniteMagnitude),
        .init(text: "2.2250738585072014e-308", value: 2.2250738585072014e-308),
        .init(text: "5e-324", value: .leastNonzeroMagnitude),
        .init(text: "1e-400", value: 0),
        .init(text: "0.30000000000000004", value: 0.30000000000000004),
    ]

    @Test("JSON numbers parse to the nearest double", arguments: validNumbers)
    func jsonNumbersParse(testCase: NumberCase) {
        #expect(NumberText.parse(testCase.text) == testCase.value)
        #expect(NumberText.parse("[\(testCase.text)]".dropFirst().dropLast()) == testCase.value)
        let viaBytes = Array(testCase.text.utf8).withUnsafeBufferPointer { NumberText.parse(utf8: $0) }
        #expect(viaBytes == testCase.value)
    }

    @Test("conversion is bit-exact with the standard library on random significands and exponents", arguments: 0..<8)
    func conversionMatchesStandardLibrary(round: Int) {
        var generator = SeededValueGenerator(seed: 700 + UInt64(round))
        var mismatches: [String] = []
        for _ in 0..<5_000 {
            // Lengths and exponents around the fast path's limits: 15–20 digits, 2^53, 10^±22.
            var digits = String(Int.random(in: 1...9, using: &generator))
            for _ in 1..<Int.random(in: 1...24, using: &generator) {
                digits += String(Int.random(in: 0...9, using: &generator))
            }
            if Int.random(in: 0..<4, using: &generator) == 0 { digits = "9007199254740" + digits.prefix(3) }
            let digitCount = digits.count
            let point = Int.random(in: 0...digitCount, using: &generator)
            var text = Bool.random(using: &generator) ? "-" : ""
            if point == 0 || point == digitCount {
                text += digits
            } else {
                text += digits.prefix(point) + "." + digits.dropFirst(point)
            }
            if Bool.random(using: &generator) {
                text += "e\(Int.random(in: -30...30, using: &generator))"
            }
            if Int.random(in: 0..<8, using: &generator) == 0 { text = "0.000" + text.filter { $0 != "-" && $0 != "." } }
            let expected = Double(text).flatMap { $0.isFinite ? $0 : nil }
            if NumberText.parse(text)?.bitPattern != expected?.bitPattern { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("negative zero keeps its sign")
    func negativeZeroKeepsSign() {
        #expect(NumberText.parse("-0")?.sign == .minus)
        #expect(NumberText.parse("-0.0e5")?.sign == .minus)
    }

    static let invalidNumbers: [String] = [
        "", "-", "+1", "1.", ".5", "-.5", "01", "-01", "00", "0x10", "0X1p3", "1e", "1e+", "1e-", "1.e3", "1.5.5",
        "--1", "1e5.5", "1e5e5", "inf", "-inf", "+inf", "infinity", "Infinity", "nan", "NaN", "-nan", " 1", "1 ",
        "\t1", "1\n", "1_000", "1,5", "1,000", "٣", "１", "1e400", "-1e400", "1" + String(repeating: "0", count: 400),
        "1d", "1f", "0b1", "e5", "-e5", "1.0.", "−1",
    ]

    @Test("anything but a finite JSON number is refused", arguments: invalidNumbers)
    func nonJSONNumbersAreRefused(text: String) {
        #expect(NumberText.parse(text) == nil)
        #expect(NumberText.parse(text[...]) == nil)
        #expect(Array(text.utf8).withUnsafeBufferPointer { NumberText.parse(utf8: $0) } == nil)
    }

    @Test("the grammar check agrees with a regular expression on every short text", arguments: 0..<6)
    func grammarAgreesWithRegex(length: Int) throws {
        let grammar = try Regex("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")
        let alphabet: [UInt8] = Array("0123456789.-+eE".utf8)
        // Every text of up to four characters over an alphabet that exercises each part of the grammar, and a
        // sample of the longer ones.
        var generator = SeededValueGenerator(seed: UInt64(length))
        let exhaustive = length <= 4
        let count = exhaustive ? (0..<length).reduce(1) { product, _ in product * alphabet.count } : 20_000
        var mismatches: [String] = []
        for index in 0..<count {
            var bytes: [UInt8] = []
            var rest = index
            for _ in 0..<length {
                if exhaustive {
                    bytes.append(alphabet[rest % alphabet.count])
                    rest /= alphabet.count
                } else {
                    bytes.append(alphabet.randomElement(using: &generator)!)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let isNumber = bytes.withUnsafeBufferPointer { NumberText.isJSONNumber(utf8: $0) }
            if isNumber != (text.wholeMatch(of: grammar) != nil) { mismatches.append(text) }
            let finite = Double(text).flatMap { $0.isFinite ? $0 : nil }
            if isNumber && NumberText.parse(text) != finite { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty)
    }
}
