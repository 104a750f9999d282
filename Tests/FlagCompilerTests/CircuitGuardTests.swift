import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

@Suite("guard: circuit breakers in YAML")
struct CircuitGuardTests {
    static func flag(_ guardText: String) -> String {
        "flags:\n  risky:\n    default: on\n    guard: \(guardText)\n"
    }

    @Test(
        "settings compile into the bundle and read back; omitted ones take the defaults",
        arguments: [
            (
                "{ failures: 5, window: 60s, minimumCalls: 20, openFor: 2m, probes: 3, maxOpenFor: 1h }",
                CircuitGuard(failures: 5, window: 60, minimumCalls: 20, openFor: 120, probes: 3, maximumOpenFor: 3_600)
            ),
            ("true", CircuitGuard.defaults),
            ("{}", CircuitGuard.defaults),
            (
                "{ failures: 50, openFor: 2h }",
                CircuitGuard(
                    failures: 50,
                    window: 60,
                    minimumCalls: 50,
                    openFor: 7_200,
                    probes: 3,
                    maximumOpenFor: 7_200
                )
            ),
        ]
    )
    func roundTrip(text: String, expected: CircuitGuard) throws {
        let content = try TestProject.content(Self.flag(text))
        #expect(content.flags[0].circuitGuard == expected)
        #expect(try PayloadCodec.decode(PayloadCodec.encode(content)).flags[0].circuitGuard == expected)
        let bundle = try TestProject.bundle(Self.flag(text))
        #expect(bundle.circuitGuard(of: "risky") == expected)
    }

    @Test("a flag without guard has none, in the model and the bundle")
    func unguarded() throws {
        let content = try TestProject.content("flags:\n  plain:\n    default: on\n")
        #expect(content.flags[0].circuitGuard == nil)
        #expect(try TestProject.bundle("flags:\n  plain:\n    default: on\n").circuitGuard(of: "plain") == nil)
    }

    @Test(
        "bad settings are errors at their file:line:column",
        arguments: [
            ("{ failures: 0 }", "flags/test.yaml:4:24: error: 'failures' must be a whole number from 1, found 0"),
            ("{ probes: two }", "flags/test.yaml:4:22: error: 'probes' must be a whole number from 1, found a string"),
            (
                "{ window: 10 minutes }",
                "flags/test.yaml:4:22: error: 'window' must be a duration like 30s, 5m or 1h (at most 365d)"
            ),
            (
                "{ openFor: 0s }",
                "flags/test.yaml:4:23: error: 'openFor' must be a duration like 30s, 5m or 1h (at most 365d)"
            ),
            (
                "{ failure: 3 }",
                "flags/test.yaml:4:14: error: unknown field 'failure' in a guard; did you mean 'failures'?"
            ),
            (
                "{ failures: 9, minimumCalls: 4 }",
                "flags/test.yaml:4:12: error: guard: 'minimumCalls' (4) must be at least 'failures' (9)"
            ),
            (
                "{ openFor: 2h, maxOpenFor: 1h }",
                "flags/test.yaml:4:12: error: guard: 'maxOpenFor' must be at least 'openFor'"
            ),
            (
                "false",
                "flags/test.yaml:4:12: error: 'guard' must be a mapping or true; leave it out for no circuit breaker"
            ),
            ("[1]", "flags/test.yaml:4:12: error: 'guard' must be a mapping, found a list"),
        ]
    )
    func errors(text: String, expected: String) {
        #expect(TestProject.diagnostics(Self.flag(text)) == [expected])
    }

    @Test("the loader refuses a payload whose guard breaks the rules the compiler enforces")
    func loaderRefusesBadGuard() throws {
        var content = try TestProject.content(Self.flag("true"))
        content.flags[0].circuitGuard?.probes = 0
        #expect(throws: DecodingError.self) { try PayloadCodec.decode(PayloadCodec.encode(content)) }
    }
}
