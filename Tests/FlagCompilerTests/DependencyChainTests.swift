import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// Segments referring to segments and flags requiring flags, at any length: every walk over them is
/// iterative (no input exhausts the stack), long cycles are reported abbreviated, and chains deeper
/// than the runtime evaluates by nested calls are refused with the chain named.
@Suite("Long chains and cycles")
struct DependencyChainTests {
    /// Segments `s0` → `s1` → … → `s<count-1>`, the last one a plain list (or, with `cycle`, back to
    /// `s0`), and a flag `f` serving `on` to `s0`.
    static func segmentChain(_ count: Int, cycle: Bool = false) -> String {
        var text = "segments:\n"
        for index in 0..<count {
            if index + 1 < count || cycle {
                text += "  s\(index): { when: { segment: s\((index + 1) % count) } }\n"
            } else {
                text += "  s\(index): { include: [a] }\n"
            }
        }
        return text + "flags:\n  f:\n    default: off\n    rules: [{ when: { segment: s0 }, serve: on }]\n"
    }

    /// Flags `f0` requiring `f1` … requiring `f<count-1>` (or, with `cycle`, back to `f0`).
    static func prerequisiteChain(_ count: Int, cycle: Bool = false) -> String {
        var text = "flags:\n"
        for index in 0..<count {
            if index + 1 < count || cycle {
                text += "  f\(index): { default: on, requires: [{ flag: f\((index + 1) % count), variant: on }] }\n"
            } else {
                text += "  f\(index): { default: on }\n"
            }
        }
        return text
    }

    static func errors(_ yaml: String) -> [String] {
        TestProject.load(yaml).1.filter { $0.severity == .error }.map(\.description)
    }

    @Test("a chain of 40,000 segments is refused with the chain abbreviated, not a crash")
    func longSegmentChain() {
        let errors = Self.errors(Self.segmentChain(40_000))
        #expect(
            errors == [
                "flags/test.yaml:2:3: error: segment 's0' refers to segments 39999 levels deep "
                    + "(s0 -> s1 -> s2 -> s3 -> s4 -> … 39990 more … -> s39995 -> s39996 -> s39997 -> s39998 -> s39999); "
                    + "at most 32 levels (39966 more segments too deep)"
            ]
        )
    }

    @Test("a chain of 100,000 prerequisites is refused with the chain abbreviated, not a crash")
    func longPrerequisiteChain() {
        let errors = Self.errors(Self.prerequisiteChain(100_000))
        #expect(errors.count == 1)
        #expect(
            errors.first?.hasPrefix("flags/test.yaml:2:3: error: flag 'f0' requires flags 99999 levels deep (f0 -> f1")
                == true
        )
        #expect((errors.first?.count ?? 0) < 300)
    }

    @Test("a cycle through 40,000 segments or 40,000 flags is reported once, abbreviated")
    func longCycles() {
        #expect(
            Self.errors(Self.segmentChain(40_000, cycle: true)) == [
                "flags/test.yaml:2:3: error: segments refer to each other in a cycle of 40000 segments: "
                    + "s0 -> s1 -> s2 -> s3 -> s4 -> … 39991 more … -> s39996 -> s39997 -> s39998 -> s39999 -> s0"
            ]
        )
        #expect(
            Self.errors(Self.prerequisiteChain(40_000, cycle: true)) == [
                "flags/test.yaml:2:3: error: prerequisites form a cycle of 40000 flags: "
                    + "f0 -> f1 -> f2 -> f3 -> f4 -> … 39991 more … -> f39996 -> f39997 -> f39998 -> f39999 -> f0"
            ]
        )
    }

    @Test("short cycles are listed in full; beyond 20 cycles the rest are counted")
    func manyCycles() {
        #expect(
            Self.errors(Self.segmentChain(3, cycle: true)) == [
                "flags/test.yaml:2:3: error: segments refer to each other in a cycle: s0 -> s1 -> s2 -> s0"
            ]
        )
        var text = "flags:\n"
        for pair in 0..<25 {
            text += "  a\(pair): { default: on, requires: [{ flag: b\(pair), variant: on }] }\n"
            text += "  b\(pair): { default: on, requires: [{ flag: a\(pair), variant: on }] }\n"
        }
        let errors = Self.errors(text)
        #expect(errors.count == 21)
        #expect(errors.filter { $0.contains("prerequisites form a cycle: ") }.count == 20)
        #expect(errors.contains { $0.hasSuffix("error: 5 more cycles among flags not listed") }, "\(errors)")
    }

    @Test("chains of exactly the limit compile and evaluate through every link")
    func chainsAtTheLimit() throws {
        let limit = 32
        let segments = try TestProject.bundle(Self.segmentChain(limit + 1))
        #expect(segments.bool("f", default: false, context: EvaluationContext(targetingKey: "a")))
        #expect(!segments.bool("f", default: true, context: EvaluationContext(targetingKey: "b")))
        #expect(Self.errors(Self.segmentChain(limit + 2)).count == 1)

        let flags = try TestProject.bundle(Self.prerequisiteChain(limit + 1))
        #expect(flags.bool("f0", default: false, context: EvaluationContext()))
        #expect(Self.errors(Self.prerequisiteChain(limit + 2)).count == 1)
    }

    @Test("YAML nested 100,000 levels deep stops at the reader's 64 levels")
    func deepYAML() {
        let yaml = "flags:\n  f:\n    default: off\n    description: " + String(repeating: "[", count: 100_000) + "\n"
        let errors = Self.errors(yaml)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("nesting is too deep (more than 64 levels)") == true, "\(errors)")
    }

    @Test(
        "a number that is not finite is named in the error",
        arguments: [
            (
                "type: number\n    variants: { a: .nan, b: 1.5 }\n    default: b",
                "variant value must be a finite number, found .nan"
            ),
            (
                "type: number\n    variants: { a: -.inf, b: 1.5 }\n    default: b",
                "variant value must be a finite number, found -.inf"
            ),
            (
                "default: off\n    rules: [{ when: { age: { gte: .inf } }, serve: on }]",
                "'gte' needs a finite number, found .inf"
            ),
            (
                "default: off\n    rules: [{ when: { age: [1, .nan] }, serve: on }]",
                "must be a finite number, found .nan"
            ),
        ]
    )
    func nonFiniteNumbers(flag: String, message: String) {
        let errors = Self.errors("flags:\n  f:\n    \(flag)\n")
        #expect(errors.contains { $0.contains(message) }, "\(errors)")
        #expect(!errors.contains { $0.contains("found a number") }, "\(errors)")
    }
}

/// Checks whose cost grew with the square of the input: a suggestion searched every name (after
/// sorting them) for each unknown name, and a variant was found by scanning the flag's variants.
@Suite("Errors at scale")
struct ErrorsAtScaleTests {
    @Test("only the first 20 unknown names get a 'did you mean' (each searches every name)")
    func suggestionsAreBounded() {
        var text = "flags:\n"
        for index in 0..<25 {
            text += "  flag-\(index): { default: on, requires: [{ flag: flag-\(index)x, variant: on }] }\n"
        }
        let errors = TestProject.load(text).1.filter { $0.severity == .error }.map(\.description)
        #expect(errors.count == 25)
        #expect(errors.filter { $0.contains("did you mean") }.count == 20, "\(errors)")
    }

    @Test("an unknown variant of a flag with many variants lists the first 10 and the count")
    func variantListIsBounded() {
        let variants = (0..<500).map { "v\($0): \($0)" }.joined(separator: ", ")
        let text = "flags:\n  wide:\n    type: integer\n    variants: { \(variants) }\n    default: zzzzzz\n"
        let errors = TestProject.load(text).1.filter { $0.severity == .error }.map(\.description)
        #expect(
            errors == [
                "flags/test.yaml:5:14: error: unknown variant 'zzzzzz' in 'default' of flag 'wide'; variants are "
                    + (0..<10).map { "'v\($0)'" }.joined(separator: ", ") + ", … (500 in all)"
            ]
        )
    }

    @Test("variants are found by name in flags with many variants (served, split and required)")
    func manyVariantsResolve() throws {
        let variants = (0..<300).map { "v\($0): \($0)" }.joined(separator: ", ")
        let text = """
            flags:
              wide:
                type: integer
                variants: { \(variants) }
                default: v7
                rules:
                  - { when: { plan: pro }, serve: v250 }
                  - { when: { plan: team }, serve: { split: { v3: 50, v299: 50 } } }
              gated:
                default: on
                requires: [{ flag: wide, variant: v7 }]

            """
        let bundle = try TestProject.bundle(text)
        #expect(bundle.int("wide", default: -1, context: EvaluationContext()) == 7)
        #expect(bundle.int("wide", default: -1, context: EvaluationContext(attributes: ["plan": "pro"])) == 250)
        #expect(bundle.bool("gated", default: false, context: EvaluationContext()))
        #expect(!bundle.bool("gated", default: true, context: EvaluationContext(attributes: ["plan": "pro"])))
    }
}
