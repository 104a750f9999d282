import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// Specialized bundles (`assume:` in a target): folding is checked against the unspecialized bundle over
/// random definitions and contexts, contradictions give `INVALID_CONTEXT`, `assume:` errors carry their place.
@Suite("Specialized bundles")
struct SpecializationTests {
    static let assumed = "assume: { region: eu-west-1, platform: ios }\n"
    static let target = "recipients: [keys/test.recipient.pub]\n"

    static let pools: [(attribute: String, values: [String])] = [
        ("region", ["eu-west-1", "us-east-1", "EU-WEST-1", "ap-south-1"]),
        ("platform", ["ios", "android", "web"]),
        ("tier", ["free", "pro", "team"]),
    ]

    /// A random predicate entry (`attribute: predicate`), in YAML flow style.
    static func predicate(_ random: inout SplitMix64) -> String {
        if random.next() % 6 == 0 { return "seats: { gte: \(random.next() % 100) }" }
        let pool = pools[Int(random.next() % UInt64(pools.count))]
        func value() -> String { "\"\(pool.values[Int(random.next() % UInt64(pool.values.count))])\"" }
        let name = pool.attribute
        switch random.next() % 9 {
        case 0: return "\(name): \(value())"
        case 1: return "\(name): [\(value()), \(value())]"
        case 2: return "\(name): { ne: \(value()) }"
        case 3: return "\(name): { notIn: [\(value()), \(value())] }"
        case 4: return "\(name): { startsWith: \"eu\" }"
        case 5: return "\(name): { eq: \(value()), ignoreCase: true }"
        case 6: return "\(name): { exists: \(random.next() % 2 == 0) }"
        case 7: return "\(name): { contains: \"west\" }"
        default: return "\(name): { in: [\(value())], ignoreCase: true }"
        }
    }

    /// A random condition of at most `depth` levels, referring only to segments below `segments`.
    static func condition(_ random: inout SplitMix64, depth: Int, segments: Int) -> String {
        let choice = depth == 0 ? random.next() % 2 : random.next() % 6
        switch choice {
        case 0: return "{ \(predicate(&random)) }"
        case 1 where segments > 0: return "{ segment: s\(random.next() % UInt64(segments)) }"
        case 1: return "{ all: [{ \(predicate(&random)) }, { \(predicate(&random)) }] }"
        case 2:
            return "{ all: [\(condition(&random, depth: depth - 1, segments: segments)), "
                + "\(condition(&random, depth: depth - 1, segments: segments))] }"
        case 3:
            return "{ any: [\(condition(&random, depth: depth - 1, segments: segments)), "
                + "\(condition(&random, depth: depth - 1, segments: segments))] }"
        case 4: return "{ not: \(condition(&random, depth: depth - 1, segments: segments)) }"
        default: return "{ all: [{ \(predicate(&random)) }, { \(predicate(&random)) }] }"
        }
    }

    /// Random segments and flags: nested `all`/`any`/`not`, segment references, include and exclude lists,
    /// fixed variants and splits.
    static func randomFlags(seed: UInt64, flagCount: Int = 80) -> String {
        var random = SplitMix64(seed: seed)
        var yaml = "segments:\n"
        for index in 0..<5 {
            yaml += "  s\(index):\n"
            if random.next() % 2 == 0 {
                yaml += "    include: [user-\(random.next() % 6), user-\(random.next() % 6)]\n"
            }
            if random.next() % 3 == 0 { yaml += "    exclude: [user-\(random.next() % 6)]\n" }
            if random.next() % 5 != 0 {
                yaml += "    when: \(condition(&random, depth: 2, segments: index))\n"
            }
        }
        yaml += "flags:\n"
        for index in 0..<flagCount {
            yaml += "  f\(index):\n    rules:\n"
            for rule in 0..<(1 + Int(random.next() % 4)) {
                yaml += "      - name: r\(rule)\n"
                if random.next() % 8 != 0 { yaml += "        when: \(condition(&random, depth: 3, segments: 5))\n" }
                yaml +=
                    random.next() % 3 == 0 ? "        serve: { split: { on: 40, off: 60 } }\n" : "        serve: on\n"
            }
        }
        return yaml
    }

    static func bundle(_ content: BundleContent, keys: TestKeys) throws -> FlagBundle {
        try FlagBundle.load(bytes: keys.bundle(content), options: keys.options())
    }

    @Test(
        "for random contexts consistent with the assumptions, specialized and unspecialized bundles decide alike",
        arguments: [UInt64(1), 2, 3, 4]
    )
    func foldingKeepsEveryDecision(seed: UInt64) throws {
        let flags = Self.randomFlags(seed: seed)
        let keys = TestKeys()
        let plain = try Self.bundle(TestProject.content(flags, target: Self.target), keys: keys)
        let special = try Self.bundle(TestProject.content(flags, target: Self.target + Self.assumed), keys: keys)
        #expect(special.assumptions == ["region": "eu-west-1", "platform": "ios"])

        var random = SplitMix64(seed: seed &* 31)
        var compared = 0
        for index in 0..<300 {
            var context = EvaluationContext(targetingKey: random.next() % 4 == 0 ? nil : "user-\(random.next() % 8)")
            if random.next() % 3 != 0 { context.attributes["tier"] = .string(Self.pools[2].values[index % 3]) }
            if random.next() % 2 == 0 { context.attributes["seats"] = .number(Double(random.next() % 120)) }
            // Each assumed attribute: the assumed value, or left out (evaluated as if it had that value).
            var filled = context
            filled.attributes["region"] = "eu-west-1"
            filled.attributes["platform"] = "ios"
            if random.next() % 2 == 0 { context.attributes["region"] = "eu-west-1" }
            if random.next() % 2 == 0 { context.attributes["platform"] = "ios" }
            if random.next() % 5 == 0 { context.attributes["platform"] = .null }

            let expected = plain.evaluateAll(context: filled)
            let actual = special.evaluateAll(context: context)
            try #require(expected.count == actual.count)
            for (want, got) in zip(expected, actual) {
                #expect(
                    want.value == got.value && want.variant == got.variant && want.reason == got.reason
                        && want.ruleName == got.ruleName && got.errorCode == nil,
                    "seed \(seed), context \(index), \(want.flagKey): \(want) vs \(got)"
                )
                compared += 1
            }
        }
        #expect(compared == 300 * 80)
    }

    @Test("folding leaves fewer conditions: dropped rules, segments and list members")
    func foldingShrinksTheContent() throws {
        let flags = Self.randomFlags(seed: 7)
        let plain = try TestProject.content(flags, target: Self.target)
        let special = try TestProject.content(flags, target: Self.target + Self.assumed)
        #expect(PayloadCodec.encode(special).count < PayloadCodec.encode(plain).count)
        #expect(special.flags.reduce(0) { $0 + $1.rules.count } <= plain.flags.reduce(0) { $0 + $1.rules.count })
    }

    static let regional = """
        segments:
          us-internal:
            include: [alice-us, bob-us]
          eu-internal:
            include: [carla-eu]
        flags:
          internal-tools:
            rules:
              - name: us staff
                when: { all: [ { region: us-east-1 }, { segment: us-internal } ] }
                serve: on
              - name: eu staff
                when: { region: eu-west-1, segment: eu-internal }
                serve: on
          regional-banner:
            type: string
            variants: { us: us, eu: eu, other: other }
            default: other
            rules:
              - name: us
                when: { region: [us-east-1, us-west-2] }
                serve: us
              - name: eu
                when: { region: { startsWith: eu- } }
                serve: eu
              - name: late
                serve: other
          never-here:
            rules:
              - name: ap only
                when: { region: ap-south-1 }
                serve: on

        """

    @Test("another region's segments and their include lists stay out of the bundle")
    func otherRegionTargetingIsDropped() throws {
        let content = try TestProject.content(Self.regional, target: Self.target + "assume: { region: eu-west-1 }\n")
        #expect(content.segments.map(\.name) == ["eu-internal"])
        let bytes = PayloadCodec.encode(content)
        for secret in ["alice-us", "bob-us", "us-internal", "us-east-1", "us-west-2", "ap-south-1"] {
            #expect(!Self.contains(bytes, secret), "\(secret) is still in the payload")
        }
        let banner = try #require(content.flags.first { $0.key == "regional-banner" })
        // "us" is dropped, "eu" always matches and serves a fixed variant, so "late" can no longer be reached.
        #expect(banner.rules.map(\.name) == ["eu"])
        #expect(banner.rules[0].condition == nil)
        let never = try #require(content.flags.first { $0.key == "never-here" })
        #expect(never.rules.count == 1 && never.rules[0].condition == .any([]))
        #expect(
            content.assumptions == [
                AssumedValue(attribute: content.attributes.firstIndex(of: "region")!, value: .string("eu-west-1"))
            ]
        )

        let keys = TestKeys()
        let bundle = try Self.bundle(content, keys: keys)
        let detail = bundle.evaluate("never-here", context: EvaluationContext(targetingKey: "carla-eu"))
        #expect(detail.reason == .default && detail.variant == "off")
        #expect(bundle.bool("internal-tools", default: false, context: EvaluationContext(targetingKey: "carla-eu")))
    }

    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { Array(bytes[$0..<$0 + needle.count]) == needle }
    }

    @Test(
        "a context that gives an assumed attribute another value or type gets the caller's default with INVALID_CONTEXT",
        arguments: [AttributeValue.string("us-east-1"), .string("EU-WEST-1"), .number(1), .bool(true), ["eu-west-1"]]
    )
    func contradictionIsInvalidContext(value: AttributeValue) throws {
        let keys = TestKeys()
        let bundle = try Self.bundle(
            TestProject.content(Self.regional, target: Self.target + "assume: { region: eu-west-1 }\n"),
            keys: keys
        )
        let context = EvaluationContext(targetingKey: "carla-eu", attributes: ["region": value])
        #expect(!bundle.bool("internal-tools", default: false, context: context))
        #expect(bundle.string("regional-banner", default: "fallback", context: context) == "fallback")
        let detail = bundle.detail("regional-banner", default: "fallback", context: context)
        #expect(detail.errorCode == .invalidContext && detail.value == "fallback" && detail.variant == nil)
        #expect(detail.errorMessage?.contains("'region' = \"eu-west-1\"") == true, "\(detail)")
        let prepared = bundle.prepare(context)
        let handle = try #require(bundle.handle(for: "internal-tools"))
        #expect(bundle.detail(handle, default: false, context: prepared).errorCode == .invalidContext)
        #expect(bundle.evaluateAll(context: context).allSatisfy { $0.errorCode == .invalidContext })
        #expect(bundle.evaluate("internal-tools", context: context).errorCode == .invalidContext)

        // The same context with the assumed value, or without the attribute, or null, is evaluated.
        for consistent in [AttributeValue.string("eu-west-1"), .null] {
            let context = EvaluationContext(targetingKey: "carla-eu", attributes: ["region": consistent])
            #expect(bundle.bool("internal-tools", default: false, context: context))
        }
        #expect(bundle.bool("internal-tools", default: false, context: EvaluationContext(targetingKey: "carla-eu")))
    }

    @Test("an assumed attribute no flag reads is still recorded and checked")
    func unusedAssumptionIsChecked() throws {
        let keys = TestKeys()
        let bundle = try Self.bundle(
            TestProject.content(Self.regional, target: Self.target + "assume: { platform: ios, build: 42 }\n"),
            keys: keys
        )
        #expect(bundle.assumptions == ["platform": "ios", "build": 42])
        let bad = EvaluationContext(attributes: ["build": .number(41)])
        #expect(bundle.evaluate("regional-banner", context: bad).errorCode == .invalidContext)
        let good = EvaluationContext(attributes: ["build": .number(42), "platform": "ios", "region": "us-east-1"])
        #expect(bundle.evaluate("regional-banner", context: good).variant == "us")
    }

    @Test(
        "assume: errors carry file:line:column",
        arguments: [
            (
                "assume: { targetingKey: x }",
                "targets/test.yaml:2:11: error: 'assume' cannot fix 'targetingKey': it differs from one context to the next"
            ),
            (
                "assume: { now: 5 }",
                "targets/test.yaml:2:11: error: 'assume' cannot fix 'now': it differs from one context to the next"
            ),
            (
                "assume: { region: [a, b] }",
                "targets/test.yaml:2:19: error: the assumed value of 'region' must be a string, a number or a boolean, found a list"
            ),
            (
                "assume: { region: }",
                "targets/test.yaml:2:19: error: the assumed value of 'region' must be a string, a number or a boolean, found null"
            ),
            ("assume: [region]", "targets/test.yaml:2:9: error: 'assume' must be a mapping, found a list"),
        ]
    )
    func assumeErrors(line: String, expected: String) {
        let (_, diagnostics) = TestProject.load("flags: {}\n", target: Self.target + line + "\n")
        #expect(diagnostics.map(\.description) == [expected])
    }

    @Test("a split bucketing by an assumed attribute is refused at the assumption")
    func bucketingByAnAssumedAttribute() throws {
        let flags = """
            flags:
              by-region:
                rules:
                  - serve: { split: { on: 50, off: 50 }, by: region }

            """
        let (project, errors) = TestProject.load(flags, target: Self.target + "assume: { region: eu-west-1 }\n")
        #expect(errors.isEmpty)
        let diagnostics = DiagnosticCollector()
        let lowered = Pipeline.lower(project, target: project.targets[0])
        let content = Pipeline.specialize(lowered, for: project.targets[0], diagnostics: diagnostics)
        #expect(content == lowered)
        #expect(
            diagnostics.sorted.map(\.description) == [
                "targets/test.yaml:2:11: error: 'assume' fixes 'region', which flag 'by-region' buckets by: "
                    + "remove it from 'assume' or bucket by another attribute"
            ]
        )
    }
}
