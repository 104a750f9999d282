import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// What a flag serves and why: reasons, rule order, kill switches, environments, prerequisites, splits, ramps,
/// bucketing and the typed getters, each through a real compiled, sealed and loaded bundle.
@Suite("Serving")
struct ServingTests {
    static func time(_ text: String) -> Double { Timestamp.parseRFC3339(text)! }

    /// Expects `detail` to be a served variant (no error) with this reason and rule.
    static func expect(
        _ detail: EvaluationDetail<FlagValue?>,
        variant: String,
        reason: EvaluationReason,
        rule: String? = nil,
        value: FlagValue? = nil,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(detail.variant == variant, sourceLocation: sourceLocation)
        #expect(detail.reason == reason, sourceLocation: sourceLocation)
        #expect(detail.ruleName == rule, sourceLocation: sourceLocation)
        #expect(detail.errorCode == nil, sourceLocation: sourceLocation)
        if let value { #expect(detail.value == value, sourceLocation: sourceLocation) }
    }

    /// A percentage in hundredths (`2777`) as YAML text with two decimals (`27.77`).
    static func percent(_ hundredths: Int) -> String {
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    // MARK: - Reasons

    struct ReasonCase: Sendable, CustomTestStringConvertible {
        let name: String
        let flag: String
        let context: EvaluationContext
        let variant: String
        let reason: EvaluationReason
        let rule: String?
        var testDescription: String { name }
    }

    static let reasonCases: [ReasonCase] = [
        ReasonCase(
            name: "a flag without rules is STATIC",
            flag: "{ default: on }",
            context: EvaluationContext(targetingKey: "u"),
            variant: "on",
            reason: .static,
            rule: nil
        ),
        ReasonCase(
            name: "a string flag without rules is STATIC",
            flag: "{ type: string, variants: { a: A, b: B }, default: b }",
            context: EvaluationContext(),
            variant: "b",
            reason: .static,
            rule: nil
        ),
        ReasonCase(
            name: "a rule serving a variant is TARGETING_MATCH with its name",
            flag: "{ rules: [{ name: germany, when: { country: DE }, serve: on }] }",
            context: EvaluationContext(attributes: ["country": "DE"]),
            variant: "on",
            reason: .targetingMatch,
            rule: "germany"
        ),
        ReasonCase(
            name: "an unnamed rule reports no rule name",
            flag: "{ rules: [{ when: { country: DE }, serve: on }] }",
            context: EvaluationContext(attributes: ["country": "DE"]),
            variant: "on",
            reason: .targetingMatch,
            rule: nil
        ),
        ReasonCase(
            name: "a rule without a condition always matches",
            flag: "{ rules: [{ name: everyone, serve: on }] }",
            context: EvaluationContext(),
            variant: "on",
            reason: .targetingMatch,
            rule: "everyone"
        ),
        ReasonCase(
            name: "no matching rule serves the default with reason DEFAULT",
            flag: "{ default: off, rules: [{ name: germany, when: { country: DE }, serve: on }] }",
            context: EvaluationContext(attributes: ["country": "FR"]),
            variant: "off",
            reason: .default,
            rule: nil
        ),
        ReasonCase(
            name: "a split that decides is SPLIT with the rule's name",
            flag: "{ rules: [{ name: everyone, serve: { split: { on: 100, off: 0 } } }] }",
            context: EvaluationContext(targetingKey: "u"),
            variant: "on",
            reason: .split,
            rule: "everyone"
        ),
        ReasonCase(
            name: "a ramp that decides is SPLIT with the rule's name",
            flag:
                "{ rules: [{ name: ramp, serve: { progressive: { variant: on, others: off, steps: [{ at: 0, percent: 100 }] } } }] }",
            context: EvaluationContext(targetingKey: "u"),
            variant: "on",
            reason: .split,
            rule: "ramp"
        ),
        ReasonCase(
            name: "a ramp before its first step serves the others, still SPLIT",
            flag:
                "{ rules: [{ name: ramp, serve: { progressive: { variant: on, others: off, steps: [{ at: \"2999-01-01T00:00:00Z\", percent: 100 }] } } }] }",
            context: EvaluationContext(targetingKey: "u", now: 0),
            variant: "off",
            reason: .split,
            rule: "ramp"
        ),
        ReasonCase(
            name: "a disabled flag is DISABLED, without a rule",
            flag: "{ enabled: false, rules: [{ name: everyone, serve: on }] }",
            context: EvaluationContext(),
            variant: "off",
            reason: .disabled,
            rule: nil
        ),
        ReasonCase(
            name: "a failed prerequisite is PREREQUISITE_FAILED, without a rule",
            flag: "{ requires: [{ flag: gate, variant: on }], rules: [{ name: everyone, serve: on }] }",
            context: EvaluationContext(),
            variant: "off",
            reason: .prerequisiteFailed,
            rule: nil
        ),
    ]

    @Test("reasons and rule names", arguments: reasonCases)
    func reasons(testCase: ReasonCase) throws {
        let yaml = """
            flags:
              gate: { default: off }
              subject: \(testCase.flag)
            """
        let bundle = try TestProject.bundle(yaml)
        Self.expect(
            bundle.evaluate("subject", context: testCase.context),
            variant: testCase.variant,
            reason: testCase.reason,
            rule: testCase.rule
        )
    }

    // MARK: - Rule order

    static let ruleOrderYAML = """
        flags:
          color:
            type: string
            variants: { grey: "#888", green: "#2e7d32", orange: "#ef6c00", blue: "#1565c0" }
            default: blue
            rules:
              - name: germany
                when: { country: DE }
                serve: green
              - name: pro plan
                when: { plan: pro }
                serve: orange
              - name: germany again
                when: { country: DE }
                serve: orange
              - name: pro split
                when: { plan: pro }
                serve: { split: { grey: 100 } }
        """

    @Test(
        "the first matching rule decides",
        arguments: [
            (["country": "DE", "plan": "pro"], "green", "germany"),
            (["country": "DE"], "green", "germany"),
            (["country": "FR", "plan": "pro"], "orange", "pro plan"),
        ] as [([String: AttributeValue], String, String)]
    )
    func firstMatchingRuleWins(attributes: [String: AttributeValue], variant: String, rule: String) throws {
        let bundle = try TestProject.bundle(Self.ruleOrderYAML)
        Self.expect(
            bundle.evaluate("color", context: EvaluationContext(targetingKey: "u", attributes: attributes)),
            variant: variant,
            reason: .targetingMatch,
            rule: rule
        )
        Self.expect(
            bundle.evaluate("color", context: EvaluationContext(targetingKey: "u", attributes: ["country": "FR"])),
            variant: "blue",
            reason: .default
        )
    }

    // MARK: - Kill switch and offVariant

    struct OffCase: Sendable, CustomTestStringConvertible {
        let name: String
        let flag: String
        let variant: String
        let value: FlagValue
        var testDescription: String { name }
    }

    static let offCases: [OffCase] = [
        OffCase(name: "boolean with default off serves off", flag: "default: off", variant: "off", value: .bool(false)),
        OffCase(
            name: "boolean with default on still serves off",
            flag: "default: on",
            variant: "off",
            value: .bool(false)
        ),
        OffCase(
            name: "boolean with offVariant on serves on",
            flag: "default: off\n    offVariant: on",
            variant: "on",
            value: .bool(true)
        ),
        OffCase(
            name: "string serves its default",
            flag: "type: string\n    variants: { a: A, b: B, c: C }\n    default: b",
            variant: "b",
            value: .string("B")
        ),
        OffCase(
            name: "string with offVariant serves it",
            flag: "type: string\n    variants: { a: A, b: B, c: C }\n    default: b\n    offVariant: c",
            variant: "c",
            value: .string("C")
        ),
        OffCase(
            name: "integer serves its default",
            flag: "type: integer\n    variants: { small: 10, large: 50 }\n    default: large",
            variant: "large",
            value: .integer(50)
        ),
        OffCase(
            name: "number serves its offVariant",
            flag: "type: number\n    variants: { fast: 0.5, slow: 2.5 }\n    default: fast\n    offVariant: slow",
            variant: "slow",
            value: .number(2.5)
        ),
        OffCase(
            name: "object serves its default",
            flag: "type: object\n    variants: { a: { x: 1 }, b: { x: 2 } }\n    default: a",
            variant: "a",
            value: .object(.object([JSONMember("x", .integer(1))]))
        ),
    ]

    @Test("a disabled flag serves its offVariant, whatever its rules and prerequisites", arguments: offCases)
    func killSwitch(testCase: OffCase) throws {
        let yaml = """
            flags:
              gate: { default: on }
              subject:
                \(testCase.flag)
                enabled: false
                requires: [{ flag: gate, variant: on }]
                rules:
                  - name: everyone
                    serve: { split: \(testCase.splitOverAllVariants) }
            """
        let bundle = try TestProject.bundle(yaml)
        Self.expect(
            bundle.evaluate("subject", context: EvaluationContext(targetingKey: "u")),
            variant: testCase.variant,
            reason: .disabled,
            value: testCase.value
        )
    }

    @Test("a failed prerequisite serves the offVariant, like the kill switch", arguments: offCases)
    func prerequisiteFailureServesOffVariant(testCase: OffCase) throws {
        let yaml = """
            flags:
              gate: { default: off }
              subject:
                \(testCase.flag)
                requires: [{ flag: gate, variant: on }]
            """
        let bundle = try TestProject.bundle(yaml)
        Self.expect(
            bundle.evaluate("subject", context: EvaluationContext(targetingKey: "u")),
            variant: testCase.variant,
            reason: .prerequisiteFailed,
            value: testCase.value
        )
    }

    // MARK: - Environments

    static let environmentYAML = """
        flags:
          tier:
            type: string
            variants: { a: A, b: B, c: C }
            default: a
            rules:
              - name: base rule
                when: { plan: pro }
                serve: b
            environments:
              staging: { default: b }
              production: { enabled: false, offVariant: c }
              eu: { rules: [{ name: eu rule, when: { country: DE }, serve: c }] }
              empty: { rules: [] }
              combined: { default: c, offVariant: b, rules: [{ name: combined rule, when: { plan: free }, serve: b }] }
          dormant:
            enabled: false
            default: on
            environments:
              production: { enabled: true }
        """

    struct EnvironmentCase: Sendable, CustomTestStringConvertible {
        let environment: String
        let flag: String
        let attributes: [String: AttributeValue]
        let variant: String
        let reason: EvaluationReason
        let rule: String?
        var testDescription: String {
            "\(flag) in \(environment) with \(attributes.keys.sorted().map { "\($0)" }) → \(variant) (\(reason.rawValue))"
        }
    }

    static let environmentCases: [EnvironmentCase] = [
        // No override for this environment: the flag as written.
        EnvironmentCase(
            environment: "dev",
            flag: "tier",
            attributes: ["plan": "pro"],
            variant: "b",
            reason: .targetingMatch,
            rule: "base rule"
        ),
        EnvironmentCase(
            environment: "dev",
            flag: "tier",
            attributes: ["plan": "free"],
            variant: "a",
            reason: .default,
            rule: nil
        ),
        // `default` overridden, rules kept.
        EnvironmentCase(
            environment: "staging",
            flag: "tier",
            attributes: ["plan": "free"],
            variant: "b",
            reason: .default,
            rule: nil
        ),
        EnvironmentCase(
            environment: "staging",
            flag: "tier",
            attributes: ["plan": "pro"],
            variant: "b",
            reason: .targetingMatch,
            rule: "base rule"
        ),
        // `enabled` and `offVariant` overridden.
        EnvironmentCase(
            environment: "production",
            flag: "tier",
            attributes: ["plan": "pro"],
            variant: "c",
            reason: .disabled,
            rule: nil
        ),
        // `rules` replaced as a whole.
        EnvironmentCase(
            environment: "eu",
            flag: "tier",
            attributes: ["plan": "pro"],
            variant: "a",
            reason: .default,
            rule: nil
        ),
        EnvironmentCase(
            environment: "eu",
            flag: "tier",
            attributes: ["country": "DE"],
            variant: "c",
            reason: .targetingMatch,
            rule: "eu rule"
        ),
        EnvironmentCase(
            environment: "empty",
            flag: "tier",
            attributes: ["plan": "pro"],
            variant: "a",
            reason: .static,
            rule: nil
        ),
        EnvironmentCase(
            environment: "combined",
            flag: "tier",
            attributes: ["plan": "free"],
            variant: "b",
            reason: .targetingMatch,
            rule: "combined rule"
        ),
        EnvironmentCase(
            environment: "combined",
            flag: "tier",
            attributes: ["plan": "pro"],
            variant: "c",
            reason: .default,
            rule: nil
        ),
        // An environment can switch a disabled flag on.
        EnvironmentCase(
            environment: "dev",
            flag: "dormant",
            attributes: [:],
            variant: "off",
            reason: .disabled,
            rule: nil
        ),
        EnvironmentCase(
            environment: "production",
            flag: "dormant",
            attributes: [:],
            variant: "on",
            reason: .static,
            rule: nil
        ),
    ]

    @Test(
        "environments.<env> overrides enabled, default, offVariant and rules for that environment's targets",
        arguments: environmentCases
    )
    func environmentOverrides(testCase: EnvironmentCase) throws {
        let bundle = try TestProject.bundle(Self.environmentYAML, environment: testCase.environment)
        Self.expect(
            bundle.evaluate(
                testCase.flag,
                context: EvaluationContext(targetingKey: "u", attributes: testCase.attributes)
            ),
            variant: testCase.variant,
            reason: testCase.reason,
            rule: testCase.rule
        )
    }

    @Test("the combined override also replaces the offVariant")
    func environmentOffVariant() throws {
        let yaml = """
            flags:
              tier:
                type: string
                variants: { a: A, b: B, c: C }
                default: a
                environments:
                  combined: { enabled: false, default: c, offVariant: b }
            """
        let bundle = try TestProject.bundle(yaml, environment: "combined")
        Self.expect(bundle.evaluate("tier", context: EvaluationContext()), variant: "b", reason: .disabled)
    }

    // MARK: - Prerequisites

    static let prerequisiteYAML = """
        flags:
          base:
            rules: [{ name: germany, when: { country: DE }, serve: on }]
          middle:
            default: on
            requires: [{ flag: base, variant: on }]
          top:
            type: string
            variants: { x: X, y: Y }
            default: x
            offVariant: x
            requires: [{ flag: middle, variant: on }]
            rules: [{ name: everyone, serve: y }]
          needs-off:
            default: on
            requires: [{ flag: base, variant: off }]
          needs-both:
            default: on
            requires: [{ flag: base, variant: on }, { flag: pro, variant: on }]
          pro:
            rules: [{ name: pro plan, when: { plan: pro }, serve: on }]
          switched-off:
            enabled: false
            default: on
          needs-switched-off:
            default: on
            requires: [{ flag: switched-off, variant: on }]
        """

    struct PrerequisiteCase: Sendable, CustomTestStringConvertible {
        let flag: String
        let attributes: [String: AttributeValue]
        let variant: String
        let reason: EvaluationReason
        let rule: String?
        var testDescription: String { "\(flag) with \(attributes) → \(variant) (\(reason.rawValue))" }
    }

    static let prerequisiteCases: [PrerequisiteCase] = [
        PrerequisiteCase(flag: "middle", attributes: ["country": "DE"], variant: "on", reason: .static, rule: nil),
        PrerequisiteCase(
            flag: "middle",
            attributes: ["country": "FR"],
            variant: "off",
            reason: .prerequisiteFailed,
            rule: nil
        ),
        PrerequisiteCase(flag: "middle", attributes: [:], variant: "off", reason: .prerequisiteFailed, rule: nil),
        // A chain of two: top needs middle needs base, all for the same context.
        PrerequisiteCase(
            flag: "top",
            attributes: ["country": "DE"],
            variant: "y",
            reason: .targetingMatch,
            rule: "everyone"
        ),
        PrerequisiteCase(
            flag: "top",
            attributes: ["country": "FR"],
            variant: "x",
            reason: .prerequisiteFailed,
            rule: nil
        ),
        // A prerequisite can require any variant.
        PrerequisiteCase(flag: "needs-off", attributes: ["country": "FR"], variant: "on", reason: .static, rule: nil),
        PrerequisiteCase(
            flag: "needs-off",
            attributes: ["country": "DE"],
            variant: "off",
            reason: .prerequisiteFailed,
            rule: nil
        ),
        // Every prerequisite must hold.
        PrerequisiteCase(
            flag: "needs-both",
            attributes: ["country": "DE", "plan": "pro"],
            variant: "on",
            reason: .static,
            rule: nil
        ),
        PrerequisiteCase(
            flag: "needs-both",
            attributes: ["country": "DE", "plan": "free"],
            variant: "off",
            reason: .prerequisiteFailed,
            rule: nil
        ),
        PrerequisiteCase(
            flag: "needs-both",
            attributes: ["country": "FR", "plan": "pro"],
            variant: "off",
            reason: .prerequisiteFailed,
            rule: nil
        ),
        // A disabled prerequisite serves its offVariant, which is what the dependent sees.
        PrerequisiteCase(
            flag: "needs-switched-off",
            attributes: [:],
            variant: "off",
            reason: .prerequisiteFailed,
            rule: nil
        ),
    ]

    @Test("prerequisites are evaluated for the same context", arguments: prerequisiteCases)
    func prerequisites(testCase: PrerequisiteCase) throws {
        let bundle = try TestProject.bundle(Self.prerequisiteYAML)
        Self.expect(
            bundle.evaluate(
                testCase.flag,
                context: EvaluationContext(targetingKey: "u", attributes: testCase.attributes)
            ),
            variant: testCase.variant,
            reason: testCase.reason,
            rule: testCase.rule
        )
    }

    // MARK: - Splits: bucketing attribute, fall-through, salt

    static let bucketingYAML = """
        flags:
          plan-split:
            type: string
            variants: { a: A, b: B, fallback: F, none: N }
            default: none
            rules:
              - name: by account
                serve: { split: { a: 50, b: 50 }, by: accountId }
              - name: by key
                serve: { split: { a: 50, b: 50 } }
              - name: last
                serve: fallback
          org-ramp:
            default: off
            rules:
              - name: ramp by org
                serve:
                  by: orgId
                  progressive: { variant: on, others: off, steps: [{ at: 0, percent: 50 }] }
          split-only:
            type: string
            variants: { a: A, b: B, none: N }
            default: none
            rules:
              - name: by device
                serve: { split: { a: 50, b: 50 }, by: deviceId }
        """

    static func half(_ salt: String, _ value: String) -> String {
        Bucketing.bucket(salt: salt, value: value) < 5000 ? "a" : "b"
    }

    @Test("a split buckets by its `by` attribute, not by the targeting key")
    func splitByAttribute() throws {
        let bundle = try TestProject.bundle(Self.bucketingYAML)
        var seen: Set<String> = []
        for account in 0..<200 {
            let expected = Self.half("plan-split", "acct-\(account)")
            seen.insert(expected)
            for user in ["u1", "u2", "u3"] {
                let context = EvaluationContext(
                    targetingKey: user,
                    attributes: ["accountId": .string("acct-\(account)")]
                )
                Self.expect(
                    bundle.evaluate("plan-split", context: context),
                    variant: expected,
                    reason: .split,
                    rule: "by account"
                )
            }
        }
        #expect(seen == ["a", "b"])
    }

    @Test(
        "a numeric bucketing attribute buckets as its shortest decimal text",
        arguments: [
            (42.0, "42"), (-7.0, "-7"), (0.0, "0"), (-0.0, "0"), (1.5, "1.5"), (0.1, "0.1"), (-2.25, "-2.25"),
            (9_007_199_254_740_991.0, "9007199254740991"),
        ]
    )
    func numericBucketingAttribute(number: Double, text: String) throws {
        let bundle = try TestProject.bundle(Self.bucketingYAML)
        let byNumber = bundle.evaluate(
            "plan-split",
            context: EvaluationContext(attributes: ["accountId": .number(number)])
        )
        let byText = bundle.evaluate("plan-split", context: EvaluationContext(attributes: ["accountId": .string(text)]))
        Self.expect(byNumber, variant: Self.half("plan-split", text), reason: .split, rule: "by account")
        #expect(byNumber.variant == byText.variant)
    }

    struct FallThroughCase: Sendable, CustomTestStringConvertible {
        let name: String
        let flag: String
        let context: EvaluationContext
        let variant: String?
        let reason: EvaluationReason
        let rule: String?
        var testDescription: String { name }
    }

    static let fallThroughCases: [FallThroughCase] = [
        FallThroughCase(
            name: "missing `by` attribute: the next rule buckets by targetingKey",
            flag: "plan-split",
            context: EvaluationContext(targetingKey: "user-7"),
            variant: half("plan-split", "user-7"),
            reason: .split,
            rule: "by key"
        ),
        FallThroughCase(
            name: "null `by` attribute counts as missing",
            flag: "plan-split",
            context: EvaluationContext(targetingKey: "user-7", attributes: ["accountId": nil]),
            variant: half("plan-split", "user-7"),
            reason: .split,
            rule: "by key"
        ),
        FallThroughCase(
            name: "a list cannot be bucketed: the rule does not match",
            flag: "plan-split",
            context: EvaluationContext(targetingKey: "user-7", attributes: ["accountId": ["a", "b"]]),
            variant: half("plan-split", "user-7"),
            reason: .split,
            rule: "by key"
        ),
        FallThroughCase(
            name: "no `by` attribute and no targetingKey: on to the last rule",
            flag: "plan-split",
            context: EvaluationContext(),
            variant: "fallback",
            reason: .targetingMatch,
            rule: "last"
        ),
        FallThroughCase(
            name: "an empty targetingKey is present and buckets",
            flag: "plan-split",
            context: EvaluationContext(targetingKey: ""),
            variant: half("plan-split", ""),
            reason: .split,
            rule: "by key"
        ),
        FallThroughCase(
            name: "a split with nothing after it falls through to the default",
            flag: "split-only",
            context: EvaluationContext(targetingKey: "user-7"),
            variant: "none",
            reason: .default,
            rule: nil
        ),
        FallThroughCase(
            name: "a ramp with a missing `by` attribute falls through to the default",
            flag: "org-ramp",
            context: EvaluationContext(targetingKey: "user-7"),
            variant: "off",
            reason: .default,
            rule: nil
        ),
        FallThroughCase(
            name: "a ramp buckets by its `by` attribute",
            flag: "org-ramp",
            context: EvaluationContext(targetingKey: "user-7", attributes: ["orgId": "org-3"]),
            variant: Bucketing.bucket(salt: "org-ramp", value: "org-3") < 5000 ? "on" : "off",
            reason: .split,
            rule: "ramp by org"
        ),
    ]

    @Test("a missing bucketing attribute makes the rule fall through", arguments: fallThroughCases)
    func missingBucketingAttribute(testCase: FallThroughCase) throws {
        let bundle = try TestProject.bundle(Self.bucketingYAML)
        Self.expect(
            bundle.evaluate(testCase.flag, context: testCase.context),
            variant: testCase.variant!,
            reason: testCase.reason,
            rule: testCase.rule
        )
    }

    @Test("flags sharing a salt bucket every user alike; another salt does not")
    func saltDecidesBuckets() throws {
        let split = "rules: [{ name: split, serve: { split: { a: 50, b: 50 } } }]"
        let yaml = """
            flags:
              first: { type: string, variants: { a: A, b: B }, default: a, salt: shared, \(split) }
              second: { type: string, variants: { a: A, b: B }, default: a, salt: shared, \(split) }
              unsalted: { type: string, variants: { a: A, b: B }, default: a, \(split) }
              resalted: { type: string, variants: { a: A, b: B }, default: a, salt: other, \(split) }
            """
        let bundle = try TestProject.bundle(yaml)
        var unsaltedDiffers = 0
        var resaltedDiffers = 0
        for user in 0..<1000 {
            let context = EvaluationContext(targetingKey: "user-\(user)")
            let first = bundle.evaluate("first", context: context).variant
            #expect(first == Self.half("shared", "user-\(user)"))
            #expect(bundle.evaluate("second", context: context).variant == first)
            #expect(bundle.evaluate("unsalted", context: context).variant == Self.half("unsalted", "user-\(user)"))
            if bundle.evaluate("unsalted", context: context).variant != first { unsaltedDiffers += 1 }
            if bundle.evaluate("resalted", context: context).variant != first { resaltedDiffers += 1 }
        }
        #expect(unsaltedDiffers > 300 && unsaltedDiffers < 700)
        #expect(resaltedDiffers > 300 && resaltedDiffers < 700)
    }

    // MARK: - Golden bucketing vectors through real splits and ramps

    struct GoldenVector: Sendable, CustomTestStringConvertible {
        let salt: String
        let value: String
        let bucket: Int
        var testDescription: String { "\(salt).\(value) → \(bucket)" }
    }

    /// PRODUCT.md's table.
    static let goldenVectors: [GoldenVector] = [
        GoldenVector(salt: "new-checkout-flow", value: "user-1", bucket: 2777),
        GoldenVector(salt: "new-checkout-flow", value: "user-2", bucket: 1492),
        GoldenVector(salt: "new-checkout-flow", value: "user-42", bucket: 5607),
        GoldenVector(salt: "checkout-experiment", value: "user-42", bucket: 3751),
        GoldenVector(salt: "checkout-experiment", value: "", bucket: 3715),
        GoldenVector(salt: "search.ranking-v2", value: "用户-7", bucket: 8309),
    ]

    @Test("golden vectors decide splits and ramps exactly at their bucket", arguments: goldenVectors)
    func goldenVectorsThroughSplits(vector: GoldenVector) throws {
        let bucket = vector.bucket
        // `low` gets buckets below its cumulative weight: bucket B is outside a low share of B, inside B + 1.
        func split(_ key: String, low: Int, by: String? = nil) -> String {
            """
              \(key):
                type: string
                variants: { low: L, high: H }
                default: high
                salt: "\(vector.salt)"
                rules:
                  - name: boundary
                    serve: { split: { low: \(Self.percent(low)), high: \(Self.percent(10_000 - low)) }\(by.map { ", by: \($0)" } ?? "") }
            """
        }
        func ramp(_ key: String, percent: Int) -> String {
            """
              \(key):
                salt: "\(vector.salt)"
                rules:
                  - name: ramp
                    serve: { progressive: { variant: on, others: off, steps: [{ at: 0, percent: \(Self.percent(percent)) }] } }
            """
        }
        let yaml =
            "flags:\n"
            + [
                split("split-at", low: bucket), split("split-above", low: bucket + 1),
                split("by-at", low: bucket, by: "userId"), split("by-above", low: bucket + 1, by: "userId"),
                ramp("ramp-at", percent: bucket), ramp("ramp-above", percent: bucket + 1),
            ].joined(separator: "\n") + "\n"
        let bundle = try TestProject.bundle(yaml)
        let byKey = EvaluationContext(targetingKey: vector.value)
        let byAttribute = EvaluationContext(targetingKey: "someone-else", attributes: ["userId": .string(vector.value)])
        Self.expect(bundle.evaluate("split-at", context: byKey), variant: "high", reason: .split, rule: "boundary")
        Self.expect(bundle.evaluate("split-above", context: byKey), variant: "low", reason: .split, rule: "boundary")
        Self.expect(bundle.evaluate("by-at", context: byAttribute), variant: "high", reason: .split, rule: "boundary")
        Self.expect(bundle.evaluate("by-above", context: byAttribute), variant: "low", reason: .split, rule: "boundary")
        Self.expect(bundle.evaluate("ramp-at", context: byKey), variant: "off", reason: .split, rule: "ramp")
        Self.expect(bundle.evaluate("ramp-above", context: byKey), variant: "on", reason: .split, rule: "ramp")
    }

    @Test("the default salt is the flag key: user-1 (bucket 2777) enters new-checkout-flow's ramp at 27.78 %")
    func defaultSaltIsTheFlagKey() throws {
        let yaml = """
            flags:
              new-checkout-flow:
                rules:
                  - name: ramp
                    serve:
                      progressive:
                        variant: on
                        others: off
                        steps:
                          - { at: "2026-12-01T00:00:00Z", percent: 14.92 }
                          - { at: "2026-12-02T00:00:00Z", percent: 14.93 }
                          - { at: "2026-12-03T00:00:00Z", percent: 27.77 }
                          - { at: "2026-12-04T00:00:00Z", percent: 27.78 }
                          - { at: "2026-12-05T00:00:00Z", percent: 56.07 }
                          - { at: "2026-12-06T00:00:00Z", percent: 56.08 }
            """
        let bundle = try TestProject.bundle(yaml)
        // Per day from 2026-12-01: which of user-2 (1492), user-1 (2777), user-42 (5607) are in.
        let expected: [(String, [String])] = [
            ("2026-11-30T12:00:00Z", []), ("2026-12-01T12:00:00Z", []), ("2026-12-02T12:00:00Z", ["user-2"]),
            ("2026-12-03T12:00:00Z", ["user-2"]), ("2026-12-04T12:00:00Z", ["user-2", "user-1"]),
            ("2026-12-05T12:00:00Z", ["user-2", "user-1"]), ("2026-12-06T12:00:00Z", ["user-2", "user-1", "user-42"]),
        ]
        for (now, inside) in expected {
            for user in ["user-1", "user-2", "user-42"] {
                let detail = bundle.evaluate(
                    "new-checkout-flow",
                    context: EvaluationContext(targetingKey: user, now: Self.time(now))
                )
                Self.expect(detail, variant: inside.contains(user) ? "on" : "off", reason: .split, rule: "ramp")
            }
        }
    }

    // MARK: - The checkout story's global ramp

    static let checkoutYAML = """
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
                when:
                  country: [DE, FR, NL]
                  appVersion: { semverGte: 2.4.0 }
                serve:
                  split: { on: 5, off: 95 }
                  by: userId
              - name: global ramp
                serve:
                  progressive:
                    variant: on
                    others: off
                    steps:
                      - { at: 2026-12-01T09:00:00Z, percent: 5 }
                      - { at: 2026-12-02T09:00:00Z, percent: 25 }
                      - { at: 2026-12-03T09:00:00Z, percent: 50 }
                      - { at: 2026-12-04T09:00:00Z, percent: 100 }
            environments:
              staging: { default: on }
              production: { enabled: true }
        """

    struct RampCase: Sendable, CustomTestStringConvertible {
        let now: String
        let percent: Int
        var testDescription: String { "at \(now): \(percent) %" }
    }

    /// One second before, at, and after each step.
    static let rampCases: [RampCase] = [
        RampCase(now: "2026-11-26T00:00:00Z", percent: 0), RampCase(now: "2026-12-01T08:59:59Z", percent: 0),
        RampCase(now: "2026-12-01T09:00:00Z", percent: 5), RampCase(now: "2026-12-02T08:59:59Z", percent: 5),
        RampCase(now: "2026-12-02T09:00:00Z", percent: 25), RampCase(now: "2026-12-03T08:59:59Z", percent: 25),
        RampCase(now: "2026-12-03T09:00:00Z", percent: 50), RampCase(now: "2026-12-04T08:59:59Z", percent: 50),
        RampCase(now: "2026-12-04T09:00:00Z", percent: 100), RampCase(now: "2030-01-01T00:00:00Z", percent: 100),
    ]

    @Test("the checkout ramp serves `on` to buckets below its current step", arguments: rampCases)
    func checkoutRampSteps(step: RampCase) throws {
        let bundle = try TestProject.bundle(Self.checkoutYAML, environment: "production")
        // Buckets under the salt new-checkout-flow: 86, 1074, 4159, 7547, and the golden user-42 at 5607.
        let customers = [("cust-18", 86), ("cust-2", 1074), ("cust-3", 4159), ("cust-5", 7547), ("user-42", 5607)]
        for (key, bucket) in customers {
            #expect(Bucketing.bucket(salt: "new-checkout-flow", value: key) == bucket)
            let detail = bundle.evaluate(
                "new-checkout-flow",
                context: EvaluationContext(targetingKey: key, attributes: ["country": "US"], now: Self.time(step.now))
            )
            Self.expect(
                detail,
                variant: bucket < step.percent * 100 ? "on" : "off",
                reason: .split,
                rule: "global ramp"
            )
        }
        // Staff come first whatever the step; without a targetingKey the ramp cannot bucket.
        Self.expect(
            bundle.evaluate(
                "new-checkout-flow",
                context: EvaluationContext(targetingKey: "user-1", now: Self.time(step.now))
            ),
            variant: "on",
            reason: .targetingMatch,
            rule: "staff first"
        )
        Self.expect(
            bundle.evaluate("new-checkout-flow", context: EvaluationContext(now: Self.time(step.now))),
            variant: "off",
            reason: .default
        )
    }

    @Test("staging serves the checkout flow's overridden default when no rule decides")
    func checkoutStagingDefault() throws {
        let bundle = try TestProject.bundle(Self.checkoutYAML, environment: "staging")
        Self.expect(
            bundle.evaluate("new-checkout-flow", context: EvaluationContext(attributes: ["country": "US"])),
            variant: "on",
            reason: .default
        )
    }

    // MARK: - Typed getters

    static let typedYAML = """
        flags:
          dark-mode: { default: on }
          greeting: { type: string, variants: { hello: Hello, hi: Hi }, default: hi }
          page-size: { type: integer, variants: { small: 10, large: 50 }, default: large }
          timeout: { type: number, variants: { fast: 0.5, slow: 2.5 }, default: slow }
          theme:
            type: object
            variants:
              light: { bg: white, sizes: [1, 2.5], nested: { ok: true, none: null } }
              dark: { bg: black }
            default: light
        """

    static let lightTheme: JSONValue = .object([
        JSONMember("bg", .string("white")), JSONMember("sizes", .array([.integer(1), .number(2.5)])),
        JSONMember("nested", .object([JSONMember("ok", .bool(true)), JSONMember("none", .null)])),
    ])

    struct RefusedDefinition: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let yaml: String
        let expected: String
    }

    static let refusedDefinitions: [RefusedDefinition] = [
        .init(
            testDescription: "an empty rule name",
            yaml: """
                flags:
                  f:
                    rules:
                      - { name: "", serve: on }
                """,
            expected: "flags/test.yaml:4:17: error: a rule's 'name' must not be empty; leave it out for an unnamed rule"
        ),
        .init(
            testDescription: "a progressive without steps",
            yaml: """
                flags:
                  f:
                    rules:
                      - serve: { progressive: { variant: on, others: off } }
                """,
            expected: "flags/test.yaml:4:31: error: 'progressive' needs 'variant', 'others' and 'steps'"
        ),
        .init(
            testDescription: "ramp steps at the same fractional instant",
            yaml: """
                flags:
                  f:
                    rules:
                      - serve:
                          progressive:
                            variant: on
                            others: off
                            steps:
                              - { at: 2026-12-05T12:00:00.5Z, percent: 5 }
                              - { at: 2026-12-05T12:00:00.500Z, percent: 50 }
                """,
            expected:
                "flags/test.yaml:10:17: error: ramp steps must be in time order, each 'at' after the previous"
        ),
    ]

    @Test("definitions the language refuses", arguments: refusedDefinitions)
    func refusedDefinition(_ refused: RefusedDefinition) {
        #expect(TestProject.diagnostics(refused.yaml) == [refused.expected])
    }

    @Test("ramp steps a fraction of a second apart are in order, and the later one waits for its fraction")
    func fractionalRampSteps() throws {
        let yaml = """
            flags:
              f:
                rules:
                  - name: ramp
                    serve:
                      progressive:
                        variant: on
                        others: off
                        steps:
                          - { at: 2026-12-05T12:00:00Z, percent: 0 }
                          - { at: 2026-12-05T12:00:00.5Z, percent: 100 }
            """
        #expect(TestProject.diagnostics(yaml).isEmpty)
        let bundle = try TestProject.bundle(yaml)
        var context = EvaluationContext(targetingKey: "user-1")
        context.now = Self.time("2026-12-05T12:00:00.4999Z")
        #expect(bundle.bool("f", default: true, context: context) == false)
        context.now = Self.time("2026-12-05T12:00:00.5Z")
        #expect(bundle.bool("f", default: false, context: context) == true)
    }

    @Test("an object attribute satisfies exists: true and no other operator, not even the negated ones")
    func objectAttributesOnlyExist() throws {
        let operators = [
            "{ exists: true }", "{ exists: false }", "{ ne: x }", "{ notIn: [x] }", "{ notContains: x }", "{ eq: x }",
            "{ in: [x] }", "{ gt: 1 }", "{ before: 1 }", "{ matches: '.*' }",
        ]
        let flags = operators.enumerated().map { index, predicate in
            "  f\(index):\n    rules:\n      - { name: r, when: { a: \(predicate) }, serve: on }"
        }
        let bundle = try TestProject.bundle("flags:\n" + flags.joined(separator: "\n"))
        let context = EvaluationContext(targetingKey: "u", attributes: ["a": .object])
        for index in operators.indices {
            #expect(bundle.bool("f\(index)", default: false, context: context) == (index == 0), "\(operators[index])")
        }
        let list = EvaluationContext(targetingKey: "u", attributes: ["a": [.object, "x"]])
        #expect(bundle.bool("f6", default: false, context: list) == true, "a list holding an object still lists 'x'")
    }

    @Test("a context marked invalid gives every flag the caller's default with INVALID_CONTEXT")
    func invalidContextServesDefaults() throws {
        let bundle = try TestProject.bundle(Self.typedYAML)
        var context = EvaluationContext(targetingKey: "u")
        context.invalidReason = "'targetingKey' must be a string or a number"
        #expect(bundle.bool("dark-mode", default: false, context: context) == false)
        #expect(bundle.int("page-size", default: 7, context: context) == 7)
        let handle = try #require(bundle.handle(for: "greeting"))
        #expect(bundle.string(handle, default: "d", context: bundle.prepare(context)) == "d")
        let detail = bundle.detail("page-size", default: 7, context: context)
        #expect(detail.value == 7)
        #expect(detail.reason == .error)
        #expect(detail.errorCode == .invalidContext)
        #expect(bundle.evaluate("greeting", context: context).errorCode == .invalidContext)
        #expect(bundle.evaluate("no-such-flag", context: context).errorCode == .flagNotFound)
    }

    @Test("integers are exact 64-bit values from YAML to evaluation and JSON text, beyond 2^53")
    func integersStayExact() throws {
        let bundle = try TestProject.bundle(
            """
            flags:
              limits:
                type: integer
                variants: { above53: 9007199254740993, max: 9223372036854775807, min: -9223372036854775808 }
                default: above53
                rules:
                  - { name: max, when: { want: max }, serve: max }
                  - { name: min, when: { want: min }, serve: min }
              payload:
                type: object
                variants: { big: { id: 9007199254740993, ratio: 0.5 } }
                default: big
            """
        )
        let cases: [(String?, Int64, String)] = [
            (nil, 9_007_199_254_740_993, "9007199254740993"), ("max", .max, "9223372036854775807"),
            ("min", .min, "-9223372036854775808"),
        ]
        for (want, value, text) in cases {
            var context = EvaluationContext(targetingKey: "u")
            if let want { context.attributes["want"] = .string(want) }
            #expect(bundle.int("limits", default: 0, context: context) == Int(value))
            let detail = bundle.evaluate("limits", context: context)
            #expect(detail.value == .integer(value))
            #expect(detail.value?.jsonText == text)
        }
        let payload = bundle.object("payload", default: .null, context: EvaluationContext(targetingKey: "u"))
        #expect(payload.jsonText == #"{"id":9007199254740993,"ratio":0.5}"#)
    }

    @Test("typed getters return the served value")
    func typedGettersServeValues() throws {
        let bundle = try TestProject.bundle(Self.typedYAML)
        let context = EvaluationContext(targetingKey: "u")
        #expect(bundle.bool("dark-mode", default: false, context: context) == true)
        #expect(bundle.string("greeting", default: "?", context: context) == "Hi")
        #expect(bundle.int("page-size", default: 0, context: context) == 50)
        #expect(bundle.double("timeout", default: 0, context: context) == 2.5)
        #expect(bundle.double("page-size", default: 0, context: context) == 50.0)  // integers widen
        #expect(bundle.object("theme", default: .null, context: context) == Self.lightTheme)

        let detail = bundle.detail("page-size", default: 0, context: context)
        #expect(detail.value == 50)
        #expect(detail.variant == "large")
        #expect(detail.reason == .static)
        #expect(detail.errorCode == nil)
        let widened = bundle.detail("page-size", default: 0.0, context: context)
        #expect(widened.value == 50.0)
        #expect(widened.variant == "large")
        #expect(widened.errorCode == nil)

        // Through handles and prepared contexts, the same values.
        let prepared = bundle.prepare(context)
        #expect(bundle.bool(try #require(bundle.handle(for: "dark-mode")), default: false, context: prepared) == true)
        #expect(bundle.string(try #require(bundle.handle(for: "greeting")), default: "?", context: prepared) == "Hi")
        #expect(bundle.int(try #require(bundle.handle(for: "page-size")), default: 0, context: prepared) == 50)
        #expect(bundle.double(try #require(bundle.handle(for: "page-size")), default: 0, context: prepared) == 50)
        #expect(bundle.double(try #require(bundle.handle(for: "timeout")), default: 0, context: prepared) == 2.5)
        #expect(
            bundle.object(try #require(bundle.handle(for: "theme")), default: .null, context: prepared)
                == Self.lightTheme
        )
    }

    enum Getter: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case bool, string, int, double, object
        var testDescription: String { rawValue }

        /// The flag types this getter reads.
        var reads: Set<String> {
            switch self {
            case .bool: ["dark-mode"]
            case .string: ["greeting"]
            case .int: ["page-size"]
            case .double: ["page-size", "timeout"]
            case .object: ["theme"]
            }
        }

        /// Evaluates `key` through this getter with a sentinel default: whether the sentinel came back, and the
        /// detail's reason, variant and error code.
        func read(
            _ bundle: FlagBundle,
            _ key: String,
            _ context: EvaluationContext
        ) -> (
            sentinel: Bool, reason: EvaluationReason, variant: String?, error: EvaluationErrorCode?
        ) {
            switch self {
            case .bool:
                let plain = bundle.bool(key, default: true, context: context)
                let alsoPlain = bundle.bool(key, default: false, context: context)
                let detail = bundle.detail(key, default: true, context: context)
                return (
                    plain == true && alsoPlain == false && detail.value == true, detail.reason, detail.variant,
                    detail.errorCode
                )
            case .string:
                let plain = bundle.string(key, default: "sentinel", context: context)
                let detail = bundle.detail(key, default: "sentinel", context: context)
                return (
                    plain == "sentinel" && detail.value == "sentinel", detail.reason, detail.variant, detail.errorCode
                )
            case .int:
                let plain = bundle.int(key, default: -987, context: context)
                let detail = bundle.detail(key, default: -987, context: context)
                return (plain == -987 && detail.value == -987, detail.reason, detail.variant, detail.errorCode)
            case .double:
                let plain = bundle.double(key, default: -9.75, context: context)
                let detail = bundle.detail(key, default: -9.75, context: context)
                return (plain == -9.75 && detail.value == -9.75, detail.reason, detail.variant, detail.errorCode)
            case .object:
                let sentinel: JSONValue = .string("sentinel")
                let plain = bundle.object(key, default: sentinel, context: context)
                let detail = bundle.detail(key, default: sentinel, context: context)
                return (plain == sentinel && detail.value == sentinel, detail.reason, detail.variant, detail.errorCode)
            }
        }
    }

    @Test(
        "a getter of another type serves the caller's default with TYPE_MISMATCH",
        arguments: Getter.allCases,
        ["dark-mode", "greeting", "page-size", "timeout", "theme"]
    )
    func typeMismatch(getter: Getter, key: String) throws {
        let bundle = try TestProject.bundle(Self.typedYAML)
        let result = getter.read(bundle, key, EvaluationContext(targetingKey: "u"))
        if getter.reads.contains(key) {
            #expect(!result.sentinel)
            #expect(result.reason == .static)
            #expect(result.error == nil)
        } else {
            #expect(result.sentinel)
            #expect(result.reason == .error)
            #expect(result.variant == nil)
            #expect(result.error == .typeMismatch)
        }
    }

    @Test("an unknown key serves the caller's default with FLAG_NOT_FOUND", arguments: Getter.allCases)
    func flagNotFound(getter: Getter) throws {
        let bundle = try TestProject.bundle(Self.typedYAML)
        let result = getter.read(bundle, "no-such-flag", EvaluationContext(targetingKey: "u"))
        #expect(result.sentinel)
        #expect(result.reason == .error)
        #expect(result.variant == nil)
        #expect(result.error == .flagNotFound)

        let untyped = bundle.evaluate("no-such-flag", context: EvaluationContext())
        #expect(untyped.value == nil)
        #expect(untyped.variant == nil)
        #expect(untyped.reason == .error)
        #expect(untyped.errorCode == .flagNotFound)
        #expect(bundle.handle(for: "no-such-flag") == nil)
    }

    @Test("evaluateAll evaluates every flag in the bundle's order, like evaluate")
    func evaluateAllMatchesEvaluate() throws {
        let typedFlags = Self.typedYAML.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        let bundle = try TestProject.bundle(
            Self.checkoutYAML + "\n" + typedFlags.joined(separator: "\n"),
            environment: "production"
        )
        for user in ["user-1", "cust-2", "cust-5", "user-13"] {
            let context = EvaluationContext(
                targetingKey: user,
                attributes: ["country": "DE", "appVersion": "2.4.0", "userId": .string(user)],
                now: Self.time("2026-12-02T10:00:00Z")
            )
            let all = bundle.evaluateAll(context: context)
            #expect(all.map(\.flagKey) == bundle.flagKeys)
            #expect(
                Set(all.map(\.flagKey)) == [
                    "new-checkout-flow", "dark-mode", "greeting", "page-size", "timeout", "theme",
                ]
            )
            for detail in all {
                let single = bundle.evaluate(detail.flagKey, context: context)
                #expect(single.value == detail.value)
                #expect(single.variant == detail.variant)
                #expect(single.reason == detail.reason)
                #expect(single.ruleName == detail.ruleName)
            }
        }
    }
}

extension ServingTests.OffCase {
    /// A split over all of this case's variants, as YAML flow text.
    var splitOverAllVariants: String {
        let variants: [String] =
            switch value {
            case .bool: ["on", "off"]
            case .string: ["a", "b", "c"]
            case .integer: ["small", "large"]
            case .number: ["fast", "slow"]
            case .object: ["a", "b"]
            }
        let weights: [Int] = variants.count == 3 ? [3400, 3300, 3300] : [5000, 5000]
        return "{ " + zip(variants, weights).map { "\($0): \(ServingTests.percent($1))" }.joined(separator: ", ") + " }"
    }
}
