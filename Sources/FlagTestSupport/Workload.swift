import FlagRuntime

/// Generated, realistic flag workloads for benchmarks and scale tests: a mix of targeted splits
/// (three conditions on strings, versions and numbers), segment rules over 1,000-key segments,
/// progressive ramps, numeric and string flags, prerequisites and static flags.
package enum Workload {
    /// The share of each kind, by flag index modulo 10.
    package enum Kind: CaseIterable {
        case targetedSplit, segmentRule, ramp, staticFlag, numeric, prerequisite
    }

    package static func kind(of index: Int) -> Kind {
        switch index % 10 {
        case 0, 1, 2, 3: .targetedSplit
        case 4, 5: .segmentRule
        case 6: .ramp
        case 7: .staticFlag
        case 8: .numeric
        default: .prerequisite
        }
    }

    package static func flagKey(_ index: Int) -> String { "team-\(index % 37).feature-\(index)" }

    static let countries = ["DE", "FR", "NL", "US", "GB", "ES", "IT", "PL", "SE", "JP"]
    static let plans = ["free", "pro", "team", "enterprise"]

    /// A flags file with `flagCount` flags and `segmentCount` segments of `segmentSize` keys each.
    package static func yaml(flagCount: Int, segmentCount: Int = 10, segmentSize: Int = 1_000) -> String {
        var text = "segments:\n"
        for segment in 0..<segmentCount {
            text += "  cohort-\(segment):\n    description: Generated cohort \(segment)\n    include: ["
            text += (0..<segmentSize).map { "user-\(($0 * 7 + segment * 1_009) % 200_000)" }.joined(separator: ", ")
            text += "]\n    when: { plan: enterprise, seats: { gte: \(50 + segment) } }\n"
        }
        text += "flags:\n"
        for index in 0..<flagCount {
            let key = flagKey(index)
            text += "  \(key):\n    description: Generated flag \(index)\n    owner: team-\(index % 37)\n"
            switch kind(of: index) {
            case .targetedSplit:
                let country = countries[index % countries.count]
                let other = countries[(index + 3) % countries.count]
                text += """
                        default: off
                        rules:
                          - name: targeted rollout
                            when:
                              country: [\(country), \(other)]
                              appVersion: { semverGte: 2.\(index % 9).0 }
                              age: { gte: \(18 + index % 30) }
                            serve: { split: { on: \(index % 100), off: \(100 - index % 100) } }

                    """
            case .segmentRule:
                text += """
                        type: string
                        variants: { control: a, treatment: b, holdout: c }
                        default: control
                        rules:
                          - name: cohort
                            when: { segment: cohort-\(index % segmentCount) }
                            serve: treatment
                          - name: internal
                            when: { email: { endsWith: "@example.com" } }
                            serve: holdout

                    """
            case .ramp:
                text += """
                        default: off
                        rules:
                          - name: ramp
                            serve:
                              progressive:
                                variant: on
                                others: off
                                steps:
                                  - { at: 2026-12-01T09:00:00Z, percent: 5 }
                                  - { at: 2026-12-02T09:00:00Z, percent: 25 }
                                  - { at: 2026-12-03T09:00:00Z, percent: 50 }
                                  - { at: 2026-12-04T09:00:00Z, percent: 100 }

                    """
            case .staticFlag:
                text += "    default: \(index % 20 == 7 ? "on" : "off")\n"
            case .numeric:
                text += """
                        type: integer
                        variants: { low: \(index % 10), high: \(100 + index % 10) }
                        default: low
                        rules:
                          - name: big accounts
                            when: { seats: { gt: \(index % 500) }, plan: { in: [team, enterprise] } }
                            serve: high

                    """
            case .prerequisite:
                text += """
                        default: off
                        requires: [{ flag: \(flagKey(index - 3 - 3 * (index / 10 % 2))), variant: on }]
                        rules:
                          - name: pro users
                            when: { plan: { ne: free } }
                            serve: on

                    """
            }
        }
        return text
    }

    /// `count` distinct contexts with every attribute the workload's conditions use.
    package static func contexts(_ count: Int, seed: UInt64 = 42) -> [EvaluationContext] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { index in
            EvaluationContext(
                targetingKey: "user-\(index)",
                attributes: [
                    "country": .string(countries[Int(generator.next() % UInt64(countries.count))]),
                    "appVersion": .string("2.\(generator.next() % 10).\(generator.next() % 5)"),
                    "age": .number(Double(16 + generator.next() % 60)),
                    "plan": .string(plans[Int(generator.next() % UInt64(plans.count))]),
                    "seats": .number(Double(generator.next() % 1_000)),
                    "email": .string(generator.next() % 10 == 0 ? "u\(index)@example.com" : "u\(index)@mail.test"),
                ],
                now: 1_796_220_000
            )  // 2026-12-02T12:00:00Z: the ramps are at 25 %
        }
    }
}

/// A small deterministic PRNG (SplitMix64) for reproducible workloads and property tests.
package struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
