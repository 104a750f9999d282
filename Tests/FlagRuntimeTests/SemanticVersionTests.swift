import FlagRuntime
import Testing

@Suite("SemanticVersion")
struct SemanticVersionTests {
    typealias Identifier = SemanticVersion.PrereleaseIdentifier

    struct ValidCase: Sendable, CustomTestStringConvertible {
        let text: String
        let major: UInt64
        let minor: UInt64
        let patch: UInt64
        let prerelease: [Identifier]
        let build: [String]
        var testDescription: String { text }
    }

    static let validCases: [ValidCase] = [
        .init(text: "0.0.0", major: 0, minor: 0, patch: 0, prerelease: [], build: []),
        .init(text: "1.2.3", major: 1, minor: 2, patch: 3, prerelease: [], build: []),
        .init(text: "10.20.30", major: 10, minor: 20, patch: 30, prerelease: [], build: []),
        .init(text: "1.0.0-alpha", major: 1, minor: 0, patch: 0, prerelease: [.alphanumeric("alpha")], build: []),
        .init(
            text: "1.0.0-alpha.1",
            major: 1,
            minor: 0,
            patch: 0,
            prerelease: [.alphanumeric("alpha"), .numeric(1)],
            build: []
        ),
        .init(
            text: "1.0.0-0.3.7",
            major: 1,
            minor: 0,
            patch: 0,
            prerelease: [.numeric(0), .numeric(3), .numeric(7)],
            build: []
        ),
        .init(
            text: "1.0.0-x.7.z.92",
            major: 1,
            minor: 0,
            patch: 0,
            prerelease: [.alphanumeric("x"), .numeric(7), .alphanumeric("z"), .numeric(92)],
            build: []
        ),
        .init(
            text: "1.0.0-x-y-z.--",
            major: 1,
            minor: 0,
            patch: 0,
            prerelease: [.alphanumeric("x-y-z"), .alphanumeric("--")],
            build: []
        ),
        .init(text: "1.0.0-0A", major: 1, minor: 0, patch: 0, prerelease: [.alphanumeric("0A")], build: []),
        .init(text: "1.0.0-01a", major: 1, minor: 0, patch: 0, prerelease: [.alphanumeric("01a")], build: []),
        .init(text: "1.0.0+20130313144700", major: 1, minor: 0, patch: 0, prerelease: [], build: ["20130313144700"]),
        .init(
            text: "1.0.0-beta+exp.sha.5114f85",
            major: 1,
            minor: 0,
            patch: 0,
            prerelease: [.alphanumeric("beta")],
            build: ["exp", "sha", "5114f85"]
        ),
        .init(
            text: "1.0.0+21AF26D3----117B344092BD",
            major: 1,
            minor: 0,
            patch: 0,
            prerelease: [],
            build: ["21AF26D3----117B344092BD"]
        ),
        .init(text: "1.0.0+001", major: 1, minor: 0, patch: 0, prerelease: [], build: ["001"]),
        .init(
            text: "18446744073709551615.18446744073709551615.18446744073709551615-18446744073709551615",
            major: .max,
            minor: .max,
            patch: .max,
            prerelease: [.numeric(.max)],
            build: []
        ),
    ]

    @Test("valid versions parse into their parts", arguments: validCases)
    func validVersionsParse(testCase: ValidCase) throws {
        let version = try #require(SemanticVersion(testCase.text))
        #expect(version.major == testCase.major)
        #expect(version.minor == testCase.minor)
        #expect(version.patch == testCase.patch)
        #expect(version.prerelease == testCase.prerelease)
        #expect(version.build == testCase.build)
        #expect(version.description == testCase.text)
        #expect(SemanticVersion.compare(testCase.text, to: version) == 0)
    }

    static let invalidTexts: [String] = [
        "", "1", "1.2", "1.2.3.4", "v1.2.3", "V1.2.3", "=1.2.3", " 1.2.3", "1.2.3 ", "1.2.3\n",
        "01.2.3", "1.02.3", "1.2.03", "00.0.0", "-1.2.3", "1.-2.3", "1..3", "1.2.", ".1.2.3", "a.b.c", "1.2.3a",
        "1.2.3-", "1.2.3+", "1.2.3-+", "1.2.3-+build", "1.2.3-01", "1.2.3-alpha.01", "1.2.3-00",
        "1.2.3-a..b", "1.2.3-a.", "1.2.3-.a", "1.2.3+a..b", "1.2.3+a.", "1.2.3+.a",
        "1.2.3-a_b", "1.2.3-a b", "1.2.3+a_b", "1.2.3-beta+exp+sha", "1.2.3++a", "1.2.3-α", "1.2.3+é",
        "１.2.3", "1.2.3-beta!", "1.2.3#", "18446744073709551616.0.0", "0.18446744073709551616.0",
        "0.0.18446744073709551616", "1.2.3-18446744073709551616", "99999999999999999999999.0.0",
        "1.2.3-0123", "1.2.3-0.0123",
    ]

    @Test("invalid versions are refused", arguments: invalidTexts)
    func invalidVersionsAreRefused(text: String) {
        #expect(SemanticVersion(text) == nil)
        #expect(SemanticVersion.compare(text, to: SemanticVersion(major: 1, minor: 2, patch: 3)) == nil)
    }

    /// The precedence example of SemVer 2.0.0 §11, plus the release-number example, lowest first.
    static let specChain = [
        "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
        "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1",
    ]

    @Test("the specification's precedence chain is in ascending order", arguments: specChain.indices)
    func specificationChainIsOrdered(index: Int) throws {
        let chain = try Self.specChain.map { try #require(SemanticVersion($0)) }
        for other in chain.indices {
            let expected = index < other ? -1 : (index == other ? 0 : 1)
            #expect((chain[index] < chain[other]) == (expected < 0), "\(chain[index]) vs \(chain[other])")
            #expect((chain[index] == chain[other]) == (expected == 0))
            #expect(SemanticVersion.compare(Self.specChain[index], to: chain[other]) == expected)
        }
    }

    struct OrderCase: Sendable, CustomTestStringConvertible {
        let lower: String
        let higher: String
        var testDescription: String { "\(lower) < \(higher)" }
    }

    static let orderCases: [OrderCase] = [
        .init(lower: "1.0.0-alpha.1", higher: "1.0.0-alpha.1.0"),
        .init(lower: "1.0.0-1", higher: "1.0.0-a"),
        .init(lower: "1.0.0-999", higher: "1.0.0--"),
        .init(lower: "1.0.0-2", higher: "1.0.0-10"),
        .init(lower: "1.0.0-10a", higher: "1.0.0-2a"),
        .init(lower: "1.0.0-B", higher: "1.0.0-a"),
        .init(lower: "1.0.0-alphA", higher: "1.0.0-alpha"),
        .init(lower: "1.0.0-alpha", higher: "1.0.0-alpha0"),
        .init(lower: "1.0.0-rc.1+build.9", higher: "1.0.0"),
        .init(lower: "1.9.9", higher: "1.10.0"),
        .init(lower: "0.0.1", higher: "1.0.0-0"),
        .init(lower: "9.9.9", higher: "18446744073709551615.0.0"),
        .init(lower: "1.0.0-18446744073709551614", higher: "1.0.0-18446744073709551615"),
    ]

    @Test("precedence orders identifiers numerically, then lexically", arguments: orderCases)
    func precedenceOrdersIdentifiers(testCase: OrderCase) throws {
        let lower = try #require(SemanticVersion(testCase.lower))
        let higher = try #require(SemanticVersion(testCase.higher))
        #expect(lower < higher)
        #expect(!(higher < lower))
        #expect(lower != higher)
        #expect(SemanticVersion.compare(testCase.lower, to: higher) == -1)
        #expect(SemanticVersion.compare(testCase.higher, to: lower) == 1)
    }

    @Test(
        "build metadata does not take part in equality or order",
        arguments: [("1.0.0+a", "1.0.0+b"), ("1.0.0", "1.0.0+x.y"), ("1.0.0-rc.1+1", "1.0.0-rc.1+2")]
    )
    func buildMetadataIsIgnored(left: String, right: String) throws {
        let leftVersion = try #require(SemanticVersion(left))
        let rightVersion = try #require(SemanticVersion(right))
        #expect(leftVersion == rightVersion)
        #expect(leftVersion.hashValue == rightVersion.hashValue)
        #expect(!(leftVersion < rightVersion) && !(rightVersion < leftVersion))
        #expect(SemanticVersion.compare(left, to: rightVersion) == 0)
    }

    @Test("the in-place comparison agrees with the parsed order on random versions", arguments: 0..<8)
    func inPlaceComparisonAgreesWithParsedOrder(round: Int) throws {
        var generator = SeededValueGenerator(seed: 500 + UInt64(round))
        let texts = (0..<60).map { _ in Self.randomVersion(using: &generator) }
        let versions = try texts.map { try #require(SemanticVersion($0), "\($0)") }
        for (leftIndex, left) in texts.enumerated() {
            for right in versions {
                let parsedLeft = versions[leftIndex]
                let expected = parsedLeft < right ? -1 : (parsedLeft == right ? 0 : 1)
                #expect(SemanticVersion.compare(left, to: right) == expected, "\(left) vs \(right)")
                #expect(SemanticVersion.compare(left, to: right) == Self.referenceCompare(parsedLeft, right))
            }
        }
    }

    /// A version drawn from a small space so that ties and shared prefixes are common.
    static func randomVersion(using generator: inout SeededValueGenerator) -> String {
        let numbers = ["0", "1", "2", "10", "11"]
        let identifiers = ["0", "1", "2", "10", "a", "b", "alpha", "alpha1", "A", "-", "1a", "rc"]
        var text = (0..<3).map { _ in numbers.randomElement(using: &generator)! }.joined(separator: ".")
        let prereleaseCount = Int.random(in: 0...3, using: &generator)
        if prereleaseCount > 0 {
            text += "-"
            text += (0..<prereleaseCount).map { _ in identifiers.randomElement(using: &generator)! }
                .joined(separator: ".")
        }
        if Bool.random(using: &generator) { text += "+build.\(Int.random(in: 0...3, using: &generator))" }
        return text
    }

    /// SemVer §11 written out directly on the parsed parts, as an independent oracle.
    static func referenceCompare(_ left: SemanticVersion, _ right: SemanticVersion) -> Int {
        for (a, b) in [(left.major, right.major), (left.minor, right.minor), (left.patch, right.patch)] where a != b {
            return a < b ? -1 : 1
        }
        switch (left.prerelease.isEmpty, right.prerelease.isEmpty) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        case (false, false): break
        }
        for (a, b) in zip(left.prerelease, right.prerelease) {
            switch (a, b) {
            case let (.numeric(x), .numeric(y)) where x != y: return x < y ? -1 : 1
            case (.numeric, .alphanumeric): return -1
            case (.alphanumeric, .numeric): return 1
            case let (.alphanumeric(x), .alphanumeric(y)) where x != y:
                return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : 1
            default: continue
            }
        }
        let (leftCount, rightCount) = (left.prerelease.count, right.prerelease.count)
        return leftCount == rightCount ? 0 : (leftCount < rightCount ? -1 : 1)
    }

    @Test("comparison reads a version cut out of a longer string")
    func comparisonOfCutOutText() throws {
        let version = try #require(SemanticVersion("1.0.0-beta.2"))
        let embedded = "app/1.0.0-beta.11 (linux)"
        let start = embedded.index(embedded.startIndex, offsetBy: 4)
        let end = embedded.index(start, offsetBy: 13)
        #expect(SemanticVersion.compare(String(embedded[start..<end]), to: version) == 1)
    }
}
