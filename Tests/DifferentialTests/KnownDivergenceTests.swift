import Testing

/// One smallest case per `KnownDivergence`, run as a known issue: each test passes while the runtime
/// still disagrees with the reference on it, and fails ("known issue was not recorded") once the fix
/// lands. Then delete the case and its `KnownDivergence` entry, so the random test covers it.
@Suite("Known divergences from the contract still reproduce")
struct KnownDivergenceTests {
    static let clock = DiffGenerator.centre

    static func flag(
        _ key: String = "f",
        rules: [DRule],
        variants: [(name: String, value: DVariantValue)]? = nil
    )
        -> DFlag
    {
        DFlag(
            key: key,
            type: .boolean,
            declaresType: false,
            variants: variants,
            settings: DSettings(defaultVariant: "off", rules: rules),
            requires: [],
            salt: nil,
            environments: []
        )
    }

    static func when(_ attribute: String, _ predicate: DPredicate) -> DRule {
        DRule(name: "r", when: DCondition(entries: [.predicate(attribute, predicate)]), serve: .variant("on"))
    }

    static func project(_ flags: DFlag...) -> DProject { DProject(segments: [], flags: flags, environment: "test") }

    static func context(
        _ attributes: [(String, DValue)],
        key: DValue? = .string("user-1"),
        now: Double = clock
    )
        -> DContext
    {
        DContext(targetingKey: key, attributes: attributes, now: now)
    }

    /// The smallest case of each divergence.
    static func smallest(_ divergence: KnownDivergence) -> DiffCase {
        switch divergence {
        case .jsonOnlyContexts:
            return DiffCase(project: project(flag(rules: [])), context: context([], key: .number(5)), flag: "f")
        }
    }

    @Test(
        "the runtime still disagrees with the contract here (remove the entry once fixed)",
        arguments: KnownDivergence.allCases
    )
    func stillDiverges(_ divergence: KnownDivergence) {
        let smallest = Self.smallest(divergence)
        guard case .bundle = DiffRunner.compile(smallest.project) else {
            Issue.record("the smallest case of \(divergence) does not compile:\n\(DiffYAML.render(smallest.project))")
            return
        }
        withKnownIssue("\(divergence)") {
            if let (expected, actual) = DiffRunner.disagreement(smallest) {
                Issue.record("reference \(expected), runtime \(actual)")
            }
        }
    }
}
