import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// `hash:` splits and `rollout` conditions: their diagnostics, their bundle encoding, and their buckets
/// against independently computed golden vectors (Tests/Spec/compatible-bucketing.json has more).
@Suite("Compatible bucketing")
struct CompatibleBucketingTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let scheme: BucketingScheme
        let salt: String
        let value: AttributeValue
        let total: Int
        let bucket: Int
        var testDescription: String { "\(scheme.name) \(salt) \(value) of \(total) → \(bucket)" }
    }

    /// From Tests/Spec/generators/murmur3.py (an independent murmur3), by the schemes' definitions.
    static let vectors: [Vector] = [
        Vector(scheme: .unleash, salt: "group-a", value: "174", total: 100, bucket: 62),
        Vector(scheme: .unleash, salt: "Feature.flexibleRollout.10", value: "174", total: 100, bucket: 9),
        Vector(scheme: .unleashVariants, salt: "Feature.Variants.D", value: "712", total: 100, bucket: 0),
        Vector(scheme: .flagd, salt: "fractional-flag", value: "jack", total: 100, bucket: 62),
        Vector(scheme: .flagd, salt: "", value: "a", total: 3, bucket: 0),
        Vector(scheme: .flagc, salt: "new-checkout-flow", value: "user-1", total: 10_000, bucket: 2777),
    ]

    @Test("each scheme buckets as its definition says", arguments: vectors)
    func goldenVectors(_ vector: Vector) {
        #expect(vector.scheme.bucket(salt: vector.salt, value: vector.value, total: vector.total) == vector.bucket)
    }

    @Test("a number is hashed as its text, a boolean as true or false; lists and objects are not bucketed")
    func valueText() {
        for scheme in BucketingScheme.allCases {
            #expect(
                scheme.bucket(salt: "s", value: .number(25), total: 100)
                    == scheme.bucket(salt: "s", value: "25", total: 100)
            )
            #expect(
                scheme.bucket(salt: "s", value: .bool(true), total: 100)
                    == scheme.bucket(salt: "s", value: "true", total: 100)
            )
            #expect(scheme.bucket(salt: "s", value: ["25"], total: 100) == nil)
            #expect(scheme.bucket(salt: "s", value: .object, total: 100) == nil)
        }
    }

    @Test("a hash: split and a rollout condition survive encoding and decoding")
    func roundTrip() throws {
        let content = try TestProject.content(
            """
            flags:
              f:
                type: string
                variants: { a: a, b: b, c: c }
                default: a
                rules:
                  - when: { userId: { rollout: { percent: 55, hash: unleash, salt: g } } }
                    serve: { split: { a: 1, b: 0, c: 2 }, by: userId, hash: unleash-variants }
                  - when: { email: { rollout: { percent: 12.5, salt: r } } }
                    serve: { split: { a: 3, c: 1 }, hash: flagd, salt: "" }
            """
        )
        #expect(try PayloadCodec.decode(PayloadCodec.encode(content)) == content)
        let rules = content.flags[0].rules
        guard case .hashedSplit(_, .unleashVariants, "f", [0, 1, 2], [1, 1, 3]) = rules[0].serve else {
            Issue.record("first split: \(rules[0].serve)")
            return
        }
        guard case .hashedSplit(_, .flagd, "", [0, 2], [3, 4]) = rules[1].serve else {
            Issue.record("second split: \(rules[1].serve)")
            return
        }
        #expect(rules[0].condition?.predicate == .rollout(.unleash, salt: "g", threshold: 55))
        #expect(rules[1].condition?.predicate == .rollout(.flagc, salt: "r", threshold: 1250))
    }

    @Test("the decoder refuses a hash: split of 65535 variants, whose rule would overflow its 16-bit count")
    func overlongSplit() {
        let count = Int(UInt16.max)
        let flag = CompiledFlag(
            key: "f",
            type: .string,
            variants: (0..<count).map { Variant(name: "v\($0)", value: .string("x")) },
            defaultVariant: 0,
            offVariant: 0,
            isEnabled: true,
            salt: "f",
            prerequisites: [],
            rules: [
                Rule(
                    name: nil,
                    condition: nil,
                    serve: .hashedSplit(
                        bucketBy: 0,
                        scheme: .flagd,
                        salt: "",
                        variants: Array(0..<count),
                        thresholds: Array(1...count)
                    )
                )
            ]
        )
        let content = BundleContent(attributes: ["targetingKey"], segments: [], flags: [flag])
        #expect(throws: DecodingError("split with too many variants")) {
            try PayloadCodec.decode(PayloadCodec.encode(content))
        }
    }

    @Test("a hash: split serves the golden vectors' variants, and falls through without a value")
    func evaluation() throws {
        let bundle = try TestProject.bundle(
            """
            flags:
              cards:
                type: string
                variants: { clubs: clubs, diamonds: diamonds, hearts: hearts, spades: spades, wild: wild }
                default: wild
                rules:
                  - name: fractional
                    serve:
                      split: { clubs: 25, diamonds: 25, hearts: 25, spades: 25 }
                      by: name
                      hash: flagd
                      salt: fractional-flag
            """
        )
        // (murmur3("fractional-flagjack") × 100) >> 32 = 62: hearts.
        let jack = bundle.evaluate("cards", context: EvaluationContext(attributes: ["name": "jack"]))
        #expect(jack.variant == "hearts" && jack.reason == .split && jack.ruleName == "fractional")
        let nobody = bundle.evaluate("cards", context: EvaluationContext())
        #expect(nobody.variant == "wild" && nobody.reason == .default)
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let rule: String
        let expected: String
    }

    static let refused: [Refused] = [
        Refused(
            testDescription: "salt without hash",
            rule: "{ serve: { split: { on: 50, off: 50 }, salt: x } }",
            expected:
                "flags/test.yaml:4:48: error: 'salt' in 'serve' needs a 'hash' (unleash, unleash-variants or flagd); the flag's 'salt' sets flagc's"
        ),
        Refused(
            testDescription: "an unknown hash, with a suggestion",
            rule: "{ serve: { split: { on: 1, off: 1 }, hash: unlesh } }",
            expected:
                "flags/test.yaml:4:52: error: unknown hash 'unlesh'; expected one of flagc, unleash, unleash-variants, flagd; did you mean 'unleash'?"
        ),
        Refused(
            testDescription: "hash: flagc spelled out",
            rule: "{ serve: { split: { on: 50, off: 50 }, hash: flagc } }",
            expected:
                "flags/test.yaml:4:54: error: 'hash: flagc' is the default; leave 'hash' out (and set the flag's 'salt' instead of the split's)"
        ),
        Refused(
            testDescription: "a fractional weight",
            rule: "{ serve: { split: { on: 1.5, off: 1 }, hash: flagd } }",
            expected:
                "flags/test.yaml:4:33: error: a weight of a split with 'hash: flagd' must be a whole number from 0 to 2147483647, found a number"
        ),
        Refused(
            testDescription: "weights adding up to 0",
            rule: "{ serve: { split: { on: 0, off: 0 }, hash: unleash } }",
            expected: "flags/test.yaml:4:27: error: split weights add up to 0; at least one must be above 0"
        ),
        Refused(
            testDescription: "hash on a ramp",
            rule: "{ serve: { progressive: { variant: on, others: off, steps: [] }, hash: unleash } }",
            expected:
                "flags/test.yaml:4:20: error: 'hash' and 'salt' apply to a 'split'; for a ramp bucketed another way, use a 'rollout' condition"
        ),
        Refused(
            testDescription: "a rollout without salt",
            rule: "{ when: { userId: { rollout: { percent: 5 } } }, serve: on }",
            expected: "flags/test.yaml:4:38: error: 'rollout' needs 'percent' and 'salt'"
        ),
        Refused(
            testDescription: "a fractional percentage with hash: unleash",
            rule: "{ when: { userId: { rollout: { percent: 5.5, hash: unleash, salt: g } } }, serve: on }",
            expected: "flags/test.yaml:4:49: error: a rollout with 'hash: unleash' takes a whole percentage, found 5.5"
        ),
        Refused(
            testDescription: "a variant listed twice",
            rule: "{ serve: { split: { on: 1, off: 2, on: 3 }, hash: flagd } }",
            expected: "flags/test.yaml:4:44: error: duplicate key 'on' (first defined on line 4)"
        ),
        Refused(
            testDescription: "hash without split",
            rule: "{ serve: { hash: flagd } }",
            expected: "flags/test.yaml:4:18: error: 'serve' with 'hash' or 'salt' needs a 'split'"
        ),
        Refused(
            testDescription: "weights above the largest total",
            rule: "{ serve: { split: { on: 2147483647, off: 1 }, hash: flagd } }",
            expected: "flags/test.yaml:4:27: error: split weights add up to 2147483648, above 2147483647"
        ),
    ]

    @Test("mistakes are reported at their file:line:column", arguments: refused)
    func refusals(_ refusal: Refused) {
        let yaml = "flags:\n  f:\n    rules:\n      - \(refusal.rule)\n"
        let diagnostics = TestProject.diagnostics(yaml)
        #expect(diagnostics.contains { $0 == refusal.expected }, "\(diagnostics)")
    }
}
