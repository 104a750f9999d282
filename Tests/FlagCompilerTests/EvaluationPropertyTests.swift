import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// Properties of evaluation checked over many random inputs from a seeded generator, so every run sees the same
/// inputs and a failure reproduces.
@Suite("Evaluation properties")
struct EvaluationPropertyTests {
    /// SplitMix64: small, fast and fully determined by its seed.
    struct SeededGenerator: RandomNumberGenerator {
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

    /// A random targeting key, varied in shape.
    static func randomKey(_ random: inout SeededGenerator) -> String {
        switch random.next() % 4 {
        case 0: "user-\(random.next() % 10_000_000)"
        case 1: String(random.next(), radix: 36)
        case 2: "\(random.next() % 1000)-用户-\(random.next() % 1000)"
        default: "acct_\(random.next() % 100_000)@tenant-\(random.next() % 50).example"
        }
    }

    static func time(_ text: String) -> Double { Timestamp.parseRFC3339(text)! }

    static func percentText(_ hundredths: Int) -> String {
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    // MARK: - (1) Ramp monotonicity

    @Test("a user served the ramped variant at p % is served it at every later, larger step")
    func rampIsMonotonic() throws {
        var random = SeededGenerator(seed: 0x5EED_0001)
        let start = Self.time("2026-12-01T00:00:00Z")
        let day = 86_400.0
        // Twelve flags, each ramping through eight random, non-decreasing percentages on consecutive days.
        var flags: [(key: String, steps: [Int])] = []
        var yaml = "flags:\n"
        for index in 0..<12 {
            var steps = (0..<8).map { _ in Int(random.next() % 10_001) }
            steps.sort()
            let key = "ramp-\(index)"
            flags.append((key, steps))
            yaml += """
                  \(key):
                    rules:
                      - name: ramp
                        serve:
                          progressive:
                            variant: on
                            others: off
                            steps:

                """
            for (position, hundredths) in steps.enumerated() {
                yaml +=
                    "              - { at: \(Int(start + Double(position) * day)), percent: \(Self.percentText(hundredths)) }\n"
            }
        }
        let bundle = try TestProject.bundle(yaml)

        var violations: [String] = []
        for (key, steps) in flags {
            let handle = try #require(bundle.handle(for: key))
            for _ in 0..<400 {
                let user = Self.randomKey(&random)
                let bucket = Bucketing.bucket(salt: key, value: user)
                // Before the first step nobody is in; then, one random moment inside each step.
                var wasInside = bundle.bool(
                    handle,
                    default: true,
                    context: EvaluationContext(targetingKey: user, now: start - 1)
                )
                if wasInside { violations.append("\(key): \(user) inside before the first step") }
                for (position, hundredths) in steps.enumerated() {
                    let now = start + Double(position) * day + Double(random.next() % 86_400)
                    let inside = bundle.bool(
                        handle,
                        default: !wasInside,
                        context: EvaluationContext(targetingKey: user, now: now)
                    )
                    if wasInside && !inside { violations.append("\(key): \(user) left the ramp at step \(position)") }
                    if inside != (bucket < hundredths) {
                        violations.append("\(key): \(user) (bucket \(bucket)) at \(hundredths) was \(inside)")
                    }
                    wasInside = inside
                }
            }
        }
        #expect(violations.isEmpty, "\(violations.prefix(10))")
    }

    @Test("for random p < q, whoever is in at p is in at q", arguments: 0..<8)
    func rampPairsAreMonotonic(trial: Int) throws {
        var random = SeededGenerator(seed: 0x5EED_0100 &+ UInt64(trial))
        let p = Int(random.next() % 10_000)
        let q = p + 1 + Int(random.next() % UInt64(10_000 - p))
        let yaml = """
            flags:
              pair:
                rules:
                  - name: ramp
                    serve:
                      progressive:
                        variant: on
                        others: off
                        steps:
                          - { at: "2026-12-01T09:00:00Z", percent: \(Self.percentText(p)) }
                          - { at: "2026-12-08T09:00:00Z", percent: \(Self.percentText(q)) }
            """
        let bundle = try TestProject.bundle(yaml)
        let handle = try #require(bundle.handle(for: "pair"))
        let atP = Self.time("2026-12-05T00:00:00Z")
        let atQ = Self.time("2026-12-09T00:00:00Z")
        var insideAtP = 0
        var insideAtQ = 0
        for _ in 0..<2_000 {
            let user = Self.randomKey(&random)
            let first = bundle.bool(handle, default: false, context: EvaluationContext(targetingKey: user, now: atP))
            let second = bundle.bool(handle, default: false, context: EvaluationContext(targetingKey: user, now: atQ))
            if first { insideAtP += 1 }
            if second { insideAtQ += 1 }
            #expect(!first || second, "\(user) in at \(p) but out at \(q)")
        }
        #expect(insideAtP <= insideAtQ)
    }

    // MARK: - (2) Split uniformity

    struct SplitShape: Sendable, CustomTestStringConvertible {
        let name: String
        /// Weights in hundredths of a percent.
        let weights: [Int]
        var testDescription: String { weights.map { EvaluationPropertyTests.percentText($0) }.joined(separator: "/") }
    }

    static let splitShapes: [SplitShape] = [
        SplitShape(name: "thirds", weights: [3400, 3300, 3300]),
        SplitShape(name: "canary", weights: [500, 9500]),
        SplitShape(name: "eighth", weights: [1250, 8750]),
    ]

    @Test("over 100,000 random keys every variant's share is within 0.5 percentage points of its weight")
    func splitsAreUniform() throws {
        var yaml = "flags:\n"
        for shape in Self.splitShapes {
            let variants = shape.weights.indices.map { "v\($0)" }
            yaml += "  \(shape.name):\n    type: string\n    variants: { "
            yaml += variants.map { "\($0): \($0)" }.joined(separator: ", ")
            yaml += " }\n    default: v0\n    rules:\n      - name: split\n        serve: { split: { "
            yaml += zip(variants, shape.weights).map { "\($0): \(Self.percentText($1))" }.joined(separator: ", ")
            yaml += " } }\n"
        }
        let bundle = try TestProject.bundle(yaml)
        let handles = try Self.splitShapes.map { try #require(bundle.handle(for: $0.name)) }
        var counts = Self.splitShapes.map { [Int](repeating: 0, count: $0.weights.count) }

        var random = SeededGenerator(seed: 0x5EED_0002)
        let total = 100_000
        for _ in 0..<total {
            let prepared = bundle.prepare(EvaluationContext(targetingKey: Self.randomKey(&random)))
            for (index, handle) in handles.enumerated() {
                let value = bundle.string(handle, default: "missing", context: prepared)
                guard value.first == "v", let variant = Int(value.dropFirst()) else {
                    Issue.record("unexpected value \(value)")
                    continue
                }
                counts[index][variant] += 1
            }
        }
        for (shape, observed) in zip(Self.splitShapes, counts) {
            for (weight, count) in zip(shape.weights, observed) {
                // Shares in hundredths of a percentage point; 0.5 percentage points are 50 of them.
                let share = count * 10_000 / total
                #expect(abs(share - weight) <= 50, "\(shape.testDescription): weight \(weight), observed \(share)")
            }
            #expect(observed.reduce(0, +) == total)
        }
    }

    // MARK: - (3) Determinism

    static let determinismYAML = """
        segments:
          staff:
            include: [user-1, user-2]
            exclude: [user-13]
            when: { email: { endsWith: "@example.com" } }
        flags:
          new-checkout-flow:
            default: off
            rules:
              - name: staff first
                when: { segment: staff }
                serve: on
              - name: eu canary
                when: { country: [DE, FR, NL], appVersion: { semverGte: 2.4.0 } }
                serve: { split: { on: 5, off: 95 }, by: userId }
              - name: global ramp
                serve:
                  progressive:
                    variant: on
                    others: off
                    steps:
                      - { at: "2026-12-01T09:00:00Z", percent: 5 }
                      - { at: "2026-12-02T09:00:00Z", percent: 25 }
                      - { at: "2026-12-03T09:00:00Z", percent: 50 }
                      - { at: "2026-12-04T09:00:00Z", percent: 100 }
          checkout-button-color:
            type: string
            variants: { control: grey, green: "#2e7d32", orange: "#ef6c00" }
            default: control
            rules:
              - name: button experiment
                serve: { split: { control: 34, green: 33, orange: 33 } }
            requires:
              - { flag: new-checkout-flow, variant: on }
          page-size:
            type: integer
            variants: { small: 10, medium: 25, large: 50 }
            default: medium
            rules:
              - name: old apps
                when: { appVersion: { semverLt: 2.0.0 } }
                serve: small
              - name: by plan
                serve: { split: { small: 20, medium: 30, large: 50 }, by: plan }
        """

    static func randomContext(_ random: inout SeededGenerator) -> EvaluationContext {
        let countries: [AttributeValue] = ["DE", "FR", "NL", "US", "JP", nil]
        let versions: [AttributeValue] = ["2.4.0", "2.3.9", "1.9.0", "3.0.0-rc.1", "junk", 24]
        var attributes: [String: AttributeValue] = [:]
        if random.next() % 4 != 0 { attributes["country"] = countries[Int(random.next() % 6)] }
        if random.next() % 4 != 0 { attributes["appVersion"] = versions[Int(random.next() % 6)] }
        if random.next() % 2 == 0 { attributes["userId"] = .string(randomKey(&random)) }
        if random.next() % 3 == 0 { attributes["email"] = random.next() % 2 == 0 ? "a@example.com" : "a@else.org" }
        if random.next() % 2 == 0 {
            attributes["plan"] = random.next() % 2 == 0 ? "pro" : .number(Double(random.next() % 5))
        }
        let key: String? =
            random.next() % 8 == 0 ? nil : (random.next() % 10 == 0 ? "user-\(random.next() % 20)" : randomKey(&random))
        let now: Double? =
            random.next() % 3 == 0 ? nil : time("2026-11-30T00:00:00Z") + Double(random.next() % (6 * 86_400))
        return EvaluationContext(targetingKey: key, attributes: attributes, now: now)
    }

    @Test("the same bundle, context and clock always give the same detail, through every evaluation path")
    func evaluationIsDeterministic() throws {
        let clock = Self.time("2026-12-02T12:00:00Z")
        let bundle = try TestProject.bundle(Self.determinismYAML, now: clock)
        // The same YAML compiled again, sealed with other keys: evaluation must not depend on them.
        let rebuilt = try TestProject.bundle(Self.determinismYAML, now: clock)
        #expect(bundle.flagKeys == rebuilt.flagKeys)

        var random = SeededGenerator(seed: 0x5EED_0003)
        for _ in 0..<3_000 {
            let context = Self.randomContext(&random)
            let all = bundle.evaluateAll(context: context)
            let again = bundle.evaluateAll(context: context)
            let elsewhere = rebuilt.evaluateAll(context: context)
            #expect(all.count == bundle.flagKeys.count)
            for (index, detail) in all.enumerated() {
                let single = bundle.evaluate(detail.flagKey, context: context)
                for other in [again[index], elsewhere[index]] {
                    #expect(other.flagKey == detail.flagKey)
                    #expect(other.value == detail.value)
                    #expect(other.variant == detail.variant)
                    #expect(other.reason == detail.reason)
                    #expect(other.ruleName == detail.ruleName)
                }
                #expect(single.value == detail.value)
                #expect(single.variant == detail.variant)
                #expect(single.reason == detail.reason)
                #expect(single.ruleName == detail.ruleName)
                #expect(single.errorCode == nil)
            }
            // Typed getters by key, by handle, and with a prepared context agree with the detail.
            let prepared = bundle.prepare(context)
            let color = try #require(bundle.handle(for: "checkout-button-color"))
            let flow = try #require(bundle.handle(for: "new-checkout-flow"))
            let pageSize = try #require(bundle.handle(for: "page-size"))
            let colorValue = bundle.string("checkout-button-color", default: "?", context: context)
            #expect(bundle.string(color, default: "?", context: context) == colorValue)
            #expect(bundle.string(color, default: "?", context: prepared) == colorValue)
            #expect(bundle.evaluate("checkout-button-color", context: context).value == .string(colorValue))
            let flowValue = bundle.bool("new-checkout-flow", default: false, context: context)
            #expect(bundle.bool(flow, default: !flowValue, context: prepared) == flowValue)
            let size = bundle.int("page-size", default: -1, context: context)
            #expect(bundle.int(pageSize, default: -1, context: prepared) == size)
            #expect(bundle.double(pageSize, default: -1, context: prepared) == Double(size))
        }
    }

    // MARK: - (4) Evaluation never throws or crashes

    /// Flags that use every operator, logic, segments (nested), prerequisites, splits and ramps by attributes.
    static let everyOperatorYAML = """
        segments:
          staff:
            include: [user-1]
            exclude: [user-13]
            when: { email: { endsWith: "@example.com", ignoreCase: true } }
          power:
            when: { any: [{ segment: staff }, { plan: { in: [pro, 3, true] } }] }
        flags:
          equality:
            rules:
              - { name: eq, when: { s: x, n: 3, b: true }, serve: on }
              - { name: ne, when: { s: { ne: y, ignoreCase: true }, n: { ne: 4 } }, serve: on }
              - { name: in, when: { s: [a, b, 1, false], l: { notIn: [z, 9] } }, serve: on }
          strings:
            type: string
            variants: { a: A, b: B, c: C }
            default: a
            rules:
              - { name: contains, when: { s: { contains: é, ignoreCase: true } }, serve: b }
              - { name: notContains, when: { l: { notContains: x } }, serve: c }
              - { name: affixes, when: { s: { startsWith: "用", endsWith: "🚀" } }, serve: b }
              - { name: matches, when: { s: { matches: '^(a|b)*c+[^x]{2,5}\\d?$', ignoreCase: true } }, serve: c }
          numbers:
            type: integer
            variants: { low: -1, mid: 0, high: 9007199254740991 }
            default: mid
            rules:
              - { name: gt, when: { n: { gt: 10, lte: 1e300 } }, serve: high }
              - { name: lt, when: { n: { lt: -10, gte: -1e300 } }, serve: low }
          versions:
            type: number
            variants: { old: 0.5, new: 2.5 }
            default: old
            rules:
              - { name: range, when: { v: { semverGte: 1.0.0-alpha, semverLt: 2.0.0 } }, serve: new }
              - { name: exact, when: { v: { semverEq: 3.0.0+build } }, serve: new }
              - { name: gt, when: { any: [{ v: { semverGt: 4.0.0 } }, { v: { semverLte: 0.1.0 } }] }, serve: new }
          times:
            type: object
            variants: { early: { t: 0 }, late: { t: [1, { x: null }] } }
            default: early
            rules:
              - { name: window, when: { t: { after: "2020-01-01T00:00:00+05:30", before: 4102444800 } }, serve: late }
              - { name: clock, when: { now: { after: "2026-12-01T00:00:00Z" } }, serve: late }
          networks:
            rules:
              - { name: cidr, when: { ip: { inCidr: [10.0.0.0/8, "fd00::/8", "::ffff:0:0/96", 0.0.0.0/0] } }, serve: on }
          presence:
            rules:
              - { name: exists, when: { s: { exists: true }, missing: { exists: false } }, serve: on }
          logic:
            rules:
              - name: nested
                when:
                  any:
                    - all: [{ segment: power }, { not: { segment: staff } }]
                    - not: { any: [{ s: x }, { n: { gt: 0 } }] }
                serve: on
          bucketed:
            type: string
            variants: { a: A, b: B, c: C }
            default: c
            rules:
              - { name: by s, serve: { split: { a: 33.33, b: 33.33, c: 33.34 }, by: s } }
              - { name: by n, serve: { progressive: { variant: a, others: b, steps: [{ at: 0, percent: 50 }] }, by: n } }
              - { name: by key, serve: { split: { a: 50, b: 50 } } }
          dependent:
            default: on
            requires: [{ flag: logic, variant: on }, { flag: bucketed, variant: a }]
          ramp:
            rules:
              - name: ramp
                serve:
                  progressive:
                    variant: on
                    others: off
                    steps: [{ at: 0, percent: 1 }, { at: "2026-12-01T00:00:00Z", percent: 50 }, { at: 4102444800, percent: 100 }]
        """

    static let attributeNames = ["s", "n", "b", "l", "v", "t", "ip", "missing", "email", "plan", "now", "other"]

    static func randomScalar(_ random: inout SeededGenerator) -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x00...0x1F, 0xC0...0x24F, 0x300...0x36F, 0x391...0x3C9, 0x4E00...0x4E50, 0x1F600...0x1F64F,
            0x5D0...0x5EA, 0xFFF0...0xFFFD, 0x10000...0x10FFFF,
        ]
        let range = ranges[Int(random.next() % UInt64(ranges.count))]
        let value = range.lowerBound + UInt32(random.next() % UInt64(range.count))
        return Unicode.Scalar(value) ?? "?"
    }

    static func randomString(_ random: inout SeededGenerator) -> String {
        let shaped = [
            "", "x", "y", "a", "b", "1", "3", "-0", "1e400", "NaN", "1.0.0", "2.0.0-rc.1", "01.2.3", "3.0.0",
            "10.1.2.3", "::ffff:10.0.0.1", "fd00::1", "fe80::1%eth0", "1::2::3", "2026-12-01T09:00:00Z",
            "2026-02-30T00:00:00Z", "9999-12-31T23:59:60+23:59", "A@EXAMPLE.COM", "用户🚀", "aabccc12", "é", "e\u{301}",
        ]
        switch random.next() % 100 {
        case 0..<40: return shaped[Int(random.next() % UInt64(shaped.count))]
        case 40..<90:
            var text = ""
            for _ in 0..<(random.next() % 24) { text.unicodeScalars.append(randomScalar(&random)) }
            return text
        case 90..<98:
            return String(repeating: shaped[Int(random.next() % UInt64(shaped.count))], count: Int(random.next() % 500))
        default:
            // Huge: up to 256 KiB of one repeated scalar, sometimes with a tail that the pattern wants.
            var text = String(repeating: String(randomScalar(&random)), count: 1 + Int(random.next() % 65_536))
            if random.next() % 2 == 0 { text += "ccc12" }
            return text
        }
    }

    static func randomNumber(_ random: inout SeededGenerator) -> Double {
        let special: [Double] = [
            0, -0.0, 1, -1, 3, 10, 10.000001, -10, .nan, .infinity, -.infinity, .greatestFiniteMagnitude,
            -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 9_007_199_254_740_992, 1e300, 4_102_444_800,
            1_796_083_200.5,
        ]
        switch random.next() % 3 {
        case 0: return special[Int(random.next() % UInt64(special.count))]
        case 1: return Double(Int64(bitPattern: random.next()) >> Int64(random.next() % 64))
        default: return Double(bitPattern: random.next())  // any double, NaN payloads included
        }
    }

    static func randomValue(_ random: inout SeededGenerator, depth: Int = 0) -> AttributeValue {
        switch random.next() % (depth < 3 ? 6 : 5) {
        case 0, 1: return .string(randomString(&random))
        case 2: return .number(randomNumber(&random))
        case 3: return .bool(random.next() % 2 == 0)
        case 4: return .null
        default: return .list((0..<(random.next() % 5)).map { _ in randomValue(&random, depth: depth + 1) })
        }
    }

    static func randomAnyContext(_ random: inout SeededGenerator) -> EvaluationContext {
        var attributes: [String: AttributeValue] = [:]
        for name in attributeNames where random.next() % 3 != 0 { attributes[name] = randomValue(&random) }
        if random.next() % 4 == 0 { attributes[randomString(&random)] = randomValue(&random) }
        let key: String? =
            switch random.next() % 5 {
            case 0: nil
            case 1: ["user-1", "user-13", ""][Int(random.next() % 3)]
            default: randomString(&random)
            }
        let now: Double? = random.next() % 2 == 0 ? nil : randomNumber(&random)
        return EvaluationContext(targetingKey: key, attributes: attributes, now: now)
    }

    @Test("random contexts of any attribute types never make evaluation fail, throw or crash")
    func evaluationNeverFails() throws {
        let bundle = try TestProject.bundle(Self.everyOperatorYAML, now: Self.time("2026-12-02T00:00:00Z"))
        #expect(bundle.flagKeys.count == 11)
        let handles = bundle.flagKeys.map { bundle.handle(for: $0)! }
        var random = SeededGenerator(seed: 0x5EED_0004)
        var reasons: [EvaluationReason: Int] = [:]
        for _ in 0..<2_500 {
            let context = Self.randomAnyContext(&random)
            let all = bundle.evaluateAll(context: context)
            #expect(all.count == handles.count)
            for detail in all {
                reasons[detail.reason, default: 0] += 1
                #expect(detail.reason != .error)
                #expect(detail.errorCode == nil)
                let single = bundle.evaluate(detail.flagKey, context: context)
                #expect(single.variant == detail.variant)
                #expect(single.value == detail.value)
            }
            // Every typed getter on every flag, whether the type fits or not, by key and prepared.
            let prepared = bundle.prepare(context)
            for handle in handles {
                _ = bundle.bool(handle, default: false, context: prepared)
                _ = bundle.string(bundle.key(of: handle) ?? "", default: "", context: context)
                _ = bundle.int(handle, default: 0, context: context)
                _ = bundle.double(handle, default: 0, context: prepared)
                _ = bundle.object(bundle.key(of: handle) ?? "", default: .null, context: context)
                let detail = bundle.detail(handle, default: 0.0, context: prepared)
                let fits = handle.type == .number || handle.type == .integer
                #expect(detail.errorCode == (fits ? nil : .typeMismatch))
            }
        }
        // The random contexts reached every kind of outcome, not only the defaults.
        for reason in [EvaluationReason.targetingMatch, .split, .default, .prerequisiteFailed] {
            #expect(reasons[reason, default: 0] > 0, "no \(reason.rawValue) outcome in \(reasons)")
        }
    }
}
