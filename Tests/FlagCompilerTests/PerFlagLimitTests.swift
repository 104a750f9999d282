import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// A bundle counts a flag's variants, prerequisites and rules in 16 bits (docs/bundle-format.md,
/// "Limits"): `flagc check` refuses more, and exactly the limit still compiles and loads.
@Suite("Per-flag limits")
struct PerFlagLimitTests {
    /// An integer flag with `count` variants `v0`, `v1`, …, serving the last one.
    static func flag(variants count: Int) -> String {
        let variants = (0..<count).map { "v\($0): \($0)" }.joined(separator: ", ")
        return "flags:\n  wide:\n    type: integer\n    variants: { \(variants) }\n    default: v\(count - 1)\n"
    }

    /// A boolean flag with `count` rules, each on its own country.
    static func flag(rules count: Int) -> String {
        let rules = (0..<count).map { "      - { when: { country: c\($0) }, serve: on }\n" }.joined()
        return "flags:\n  busy:\n    default: off\n    rules:\n" + rules
    }

    @Test("a flag with one variant or rule more than the limit is refused by name")
    func aboveTheLimitIsRefused() {
        let limit = FlagTables.maximumPerFlag
        #expect(
            TestProject.diagnostics(Self.flag(variants: limit + 1))
                == ["flags/test.yaml:2:3: error: flag 'wide' has 65536 variants; a flag has at most 65535"]
        )
        #expect(
            TestProject.diagnostics(Self.flag(rules: limit + 1))
                == ["flags/test.yaml:2:3: error: flag 'busy' has 65536 rules; a flag has at most 65535"]
        )
    }

    @Test("a flag with exactly the limit's variants compiles, loads and serves its last variant")
    func atTheLimitLoads() throws {
        let limit = FlagTables.maximumPerFlag
        let bundle = try TestProject.bundle(Self.flag(variants: limit))
        #expect(bundle.int("wide", default: -1, context: EvaluationContext()) == limit - 1)
        #expect(bundle.variantNames(of: "wide")?.count == limit)
    }
}
