import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// `flagc diff`'s comparison: every change kind, and exposure figures computed from bucket ranges.
@Suite struct SemanticDiffTests {
    static let base = """
        segments:
          staff:
            include: [user-1]
            when: { email: { endsWith: "@example.com" } }
        flags:
          f:
            description: checkout
            owner: team-a
            tags: [t1]
            expires: 2027-01-01
            default: off
            rules:
              - name: staff
                when: { segment: staff }
                serve: on
              - name: canary
                when: { country: [DE] }
                serve: { split: { on: 5, off: 95 } }
              - name: ramp
                serve:
                  progressive:
                    variant: on
                    others: off
                    steps:
                      - { at: 2026-01-01T00:00:00Z, percent: 5 }
                      - { at: 2026-02-01T00:00:00Z, percent: 25 }
            environments:
              test: { enabled: true }
          g:
            type: string
            variants: { a: x, b: y }
            default: a

        """

    /// Mid-January 2026: the ramp stands at 5%.
    static let january: Double = 1_768_435_200
    /// March 2026: the ramp stands at its last step.
    static let march: Double = 1_772_323_200

    static func snapshot(_ flags: String) throws -> TargetSnapshot {
        let (project, diagnostics) = TestProject.load(
            flags,
            target: "environment: test\nrecipients: [keys/test.recipient.pub]\n"
        )
        let errors = diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { throw DiagnosticList(errors) }
        return SnapshotLoader.snapshot(of: project, target: project.targets[0])
    }

    static func diff(_ old: String, _ new: String, at time: Double = march) throws -> SemanticDiff {
        SemanticDiff(old: try snapshot(old), new: try snapshot(new), at: time)
    }

    static func edited(_ replacements: [(String, String)]) -> String {
        var text = base
        for (old, new) in replacements {
            precondition(text.contains(old), "the base has no '\(old)'")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }

    struct Case: CustomStringConvertible, Sendable {
        var kind: SemanticDiff.Kind
        var flag: String
        var edits: [(String, String)]
        var detail: String
        var description: String { kind.rawValue }
    }

    static let cases: [Case] = [
        Case(
            kind: .added,
            flag: "h",
            edits: [("  g:\n", "  h: { default: on }\n  g:\n")],
            detail: "boolean, default on, 0 rules"
        ),
        Case(
            kind: .removed,
            flag: "g",
            edits: [("  g:\n    type: string\n    variants: { a: x, b: y }\n    default: a\n", "")],
            detail: "was string, default a"
        ),
        Case(
            kind: .enabled,
            flag: "f",
            edits: [("test: { enabled: true }", "test: { enabled: false }")],
            detail: "disabled (kill switch)"
        ),
        Case(kind: .defaultVariant, flag: "g", edits: [("default: a\n", "default: b\n")], detail: "a → b"),
        Case(
            kind: .offVariant,
            flag: "g",
            edits: [("default: a\n", "default: a\n    offVariant: b\n")],
            detail: "a → b"
        ),
        Case(kind: .variants, flag: "g", edits: [("b: y", "b: z")], detail: "b: \"y\" → \"z\""),
        Case(
            kind: .type,
            flag: "g",
            edits: [("type: string\n    variants: { a: x, b: y }", "type: integer\n    variants: { a: 1, b: 2 }")],
            detail: "string → integer"
        ),
        Case(kind: .variants, flag: "g", edits: [("b: y }", "b: y, c: w }")], detail: "added c = \"w\""),
        Case(kind: .salt, flag: "f", edits: [("owner: team-a", "owner: team-a\n    salt: s2")], detail: "'f' → 's2'"),
        Case(
            kind: .prerequisites,
            flag: "g",
            edits: [("default: a\n", "default: a\n    requires: [{ flag: f, variant: on }]\n")],
            detail: "[] → [f = on]"
        ),
        Case(
            kind: .ruleAdded,
            flag: "g",
            edits: [("default: a\n", "default: a\n    rules: [{ name: beta, when: { plan: pro }, serve: b }]\n")],
            detail: "rule 'beta' at position 1: plan eq \"pro\" → b"
        ),
        Case(
            kind: .ruleRemoved,
            flag: "f",
            edits: [("      - name: staff\n        when: { segment: staff }\n        serve: on\n", "")],
            detail: "rule 'staff' (was at position 1)"
        ),
        Case(
            kind: .ruleReordered,
            flag: "f",
            edits: [
                ("      - name: staff\n        when: { segment: staff }\n        serve: on\n", ""),
                (
                    "      - name: ramp\n",
                    "      - name: staff\n        when: { segment: staff }\n        serve: on\n      - name: ramp\n"
                ),
            ],
            detail: "'staff', 'canary', 'ramp' → 'canary', 'staff', 'ramp'"
        ),
        Case(
            kind: .ruleCondition,
            flag: "f",
            edits: [("country: [DE]", "country: [DE, FR]")],
            detail: "rule 'canary': when country in [\"DE\"] → when country in [\"DE\", \"FR\"]"
        ),
        Case(
            kind: .ruleServe,
            flag: "f",
            edits: [("split: { on: 5, off: 95 }", "split: { on: 25, off: 75 }")],
            detail:
                "rule 'canary': split on 5%, off 95% → split on 25%, off 75%; on 5% → 25%, off 95% → 75%: +20% gain 'on', 0% reassigned"
        ),
        Case(kind: .segment, flag: "f", edits: [("@example.com", "@example.org")], detail: "segment 'staff' changed"),
        Case(
            kind: .environment,
            flag: "f",
            edits: [("test: { enabled: true }", "test: { enabled: true, default: on }")],
            detail: "[enabled: true] → [enabled: true, default: on]"
        ),
        Case(
            kind: .description,
            flag: "f",
            edits: [("description: checkout", "description: new checkout")],
            detail: "'checkout' → 'new checkout'"
        ),
        Case(kind: .owner, flag: "f", edits: [("owner: team-a", "owner: team-b")], detail: "'team-a' → 'team-b'"),
        Case(kind: .tags, flag: "f", edits: [("tags: [t1]", "tags: [t1, t2]")], detail: "[t1] → [t1, t2]"),
        Case(
            kind: .compliance,
            flag: "f",
            edits: [("tags: [t1]", "tags: [t1]\n    compliance: [pci]")],
            detail: "[] → [pci]"
        ),
        Case(
            kind: .expires,
            flag: "f",
            edits: [("expires: 2027-01-01", "expires: 2027-06-30")],
            detail: "'2027-01-01' → '2027-06-30'"
        ),
    ]

    @Test("every change kind is reported with its detail, and nothing else changes", arguments: cases)
    func changeKind(_ test: Case) throws {
        let diff = try Self.diff(Self.base, Self.edited(test.edits))
        let flag = try #require(diff.flags.first { $0.key == test.flag }, "\(diff)")
        let change = try #require(flag.changes.first { $0.kind == test.kind }, "\(flag.changes)")
        #expect(change.detail == test.detail)
        let expectedFlags: Set<String> = test.kind == .ruleAdded || test.kind == .prerequisites ? ["g"] : [test.flag]
        #expect(Set(diff.flags.map(\.key)) == expectedFlags, "\(diff.flags.map(\.key))")
    }

    @Test("identical definitions give an empty diff")
    func unchanged() throws {
        #expect(try Self.diff(Self.base, Self.base).isEmpty)
    }

    @Test("a changed segment lists its changes and the flags it reaches")
    func segmentChange() throws {
        let diff = try Self.diff(Self.base, Self.edited([("include: [user-1]", "include: [user-1, user-2]")]))
        let segment = try #require(diff.segments.first)
        #expect(segment.name == "staff")
        #expect(segment.changes.map(\.kind) == [.included])
        #expect(segment.changes.first?.detail == "+1 (user-2)")
        #expect(segment.reaches == ["f"])
    }

    @Test("a compliance-tagged flag's audit record keeps the kinds and drops the details")
    func complianceRedaction() throws {
        let tagged = Self.edited([("tags: [t1]", "tags: [t1]\n    compliance: [pci]")])
        let diff = try Self.diff(tagged, tagged.replacingOccurrences(of: "on: 5, off: 95", with: "on: 50, off: 50"))
        let json = DiffReport.json(diff, redactCompliance: true).jsonText
        #expect(json.contains(#""kinds":["rule-serve"]"#), "\(json)")
        #expect(!json.contains("split"), "\(json)")
        #expect(DiffReport.json(diff).jsonText.contains("split on 50%"))
        // A segment that reaches a tagged flag is its rule content too: kinds only.
        let segment = try Self.diff(
            tagged,
            tagged.replacingOccurrences(of: "include: [user-1]", with: "include: [user-9]")
        )
        let segmentJSON = DiffReport.json(segment, redactCompliance: true).jsonText
        #expect(segmentJSON.contains(#""kinds":["included"]"#) && !segmentJSON.contains("user-9"), "\(segmentJSON)")
    }

    // MARK: Exposure

    @Test("a split from 5% to 25% moves exactly 20% of the matched contexts to 'on' and reassigns none")
    func splitGrowth() throws {
        let diff = try Self.diff(Self.base, Self.edited([("on: 5, off: 95", "on: 25, off: 75")]))
        let exposure = try #require(diff.flags.first?.changes.first?.exposure)
        #expect(exposure.moves == [ExposureDelta.Move(from: "off", to: "on", buckets: 2000)])
        #expect(exposure.moved == 2000 && exposure.reassigned == 0)
        #expect(exposure.text() == "on 5% → 25%, off 95% → 75%: +20% gain 'on', 0% reassigned")
        #expect(diff.flags.first?.changes.first?.warning == nil)
    }

    @Test("a ramp step raised from 25% to 50% gives 'on' to 25% more, at a time after that step")
    func rampStep() throws {
        let new = Self.edited([
            ("{ at: 2026-02-01T00:00:00Z, percent: 25 }", "{ at: 2026-02-01T00:00:00Z, percent: 50 }")
        ])
        let change = try #require(try Self.diff(Self.base, new).flags.first?.changes.first)
        #expect(change.kind == .ruleServe)
        #expect(change.exposure?.text(rampedVariant: "on") == "on 25% → 50%: +25% gain 'on', 0% reassigned")
        #expect(change.exposure?.moves == [ExposureDelta.Move(from: "off", to: "on", buckets: 2500)])
        // In January the ramp stands at its 5% step on both sides: nobody moves yet.
        let january = try #require(try Self.diff(Self.base, new, at: Self.january).flags.first?.changes.first)
        #expect(january.exposure?.moved == 0)
        #expect(
            january.detail.hasSuffix("at 2026-01-15T00:00:00Z shares unchanged: 0% reassigned"),
            "\(january.detail)"
        )
    }

    @Test("reordered weights keep the shares but re-bucket every matched context, with a warning")
    func reorderedWeights() throws {
        let old = Self.edited([("on: 5, off: 95", "on: 50, off: 50")])
        let new = Self.edited([("on: 5, off: 95", "off: 50, on: 50")])
        let change = try #require(try Self.diff(old, new).flags.first?.changes.first)
        #expect(change.exposure?.moved == 10_000 && change.exposure?.reassigned == 10_000)
        #expect(change.exposure?.text() == "shares unchanged: 100% reassigned (off → on 50%, on → off 50%)")
        #expect(change.warning?.hasPrefix("100% of the contexts this rule matches were already assigned") == true)
    }

    @Test("a three-way split rebalanced moves 24% of which 8% needlessly")
    func threeWaySplit() {
        let exposure = ExposureDelta(
            old: [(3400, "control"), (6700, "green"), (10_000, "orange")],
            new: [(5000, "control"), (7500, "green"), (10_000, "orange")]
        )
        #expect(
            exposure.moves == [
                ExposureDelta.Move(from: "green", to: "control", buckets: 1600),
                ExposureDelta.Move(from: "orange", to: "green", buckets: 800),
            ]
        )
        #expect(exposure.necessary == 1600 && exposure.reassigned == 800)
        #expect(
            exposure.text()
                == "control 34% → 50%, green 33% → 25%, orange 33% → 25%: +16% gain 'control', 8% reassigned (green → control 16%, orange → green 8%)"
        )
    }

    @Test(
        "exposure between fixed variants, splits and ramps, in buckets",
        arguments: [
            // (old ranges, new ranges, moved, reassigned)
            ([(10_000, "off")], [(500, "on"), (10_000, "off")], 500, 0),
            ([(500, "on"), (10_000, "off")], [(10_000, "on")], 9500, 0),
            ([(1234, "on"), (10_000, "off")], [(1, "on"), (10_000, "off")], 1233, 0),
            ([(5000, "a"), (10_000, "b")], [(5000, "b"), (10_000, "a")], 10_000, 10_000),
        ] as [([(Int, String)], [(Int, String)], Int, Int)]
    )
    func exposureFigures(old: [(Int, String)], new: [(Int, String)], moved: Int, reassigned: Int) {
        let exposure = ExposureDelta(old: old.map { ($0.0, $0.1) }, new: new.map { ($0.0, $0.1) })
        #expect(exposure.moved == moved)
        #expect(exposure.reassigned == reassigned)
    }

    @Test("a salt change warns that split and ramp contexts are re-bucketed")
    func saltWarning() throws {
        let change = try #require(
            try Self.diff(Self.base, Self.edited([("owner: team-a", "owner: team-a\n    salt: s2")])).flags.first?
                .changes.first
        )
        #expect(change.kind == .salt)
        #expect(change.warning?.contains("re-bucketed") == true)
    }

    @Test("a changed bucketing attribute warns that the rule's contexts are re-bucketed")
    func bucketByWarning() throws {
        let new = Self.edited([("split: { on: 5, off: 95 }", "split: { on: 5, off: 95 }, by: userId")])
        let change = try #require(try Self.diff(Self.base, new).flags.first?.changes.first)
        #expect(change.kind == .ruleServe)
        #expect(change.warning?.contains("(targetingKey → userId)") == true, "\(String(describing: change.warning))")
    }

    // MARK: Sides

    @Test("a bundle and the source tree it was built from diff as unchanged")
    func bundleEqualsSource() throws {
        let keys = TestKeys()
        let content = try TestProject.content(Self.base)
        let bytes = keys.bundle(content)
        let bundle = try FlagBundle.load(bytes: bytes, options: keys.options())
        let fromBundle = SnapshotLoader.bundle(bundle, bytes: bytes, path: "/nonexistent/flags.bundle")
        #expect(fromBundle.flags["f"]?.metadata == nil)  // no manifest beside it: metadata unknown
        let diff = SemanticDiff(old: fromBundle, new: try Self.snapshot(Self.base), at: Self.march)
        #expect(diff.isEmpty, "\(diff)")
        let changed = SemanticDiff(
            old: fromBundle,
            new: try Self.snapshot(Self.edited([("on: 5, off: 95", "on: 25, off: 75")])),
            at: Self.march
        )
        #expect(changed.flags.map(\.kinds) == [[.ruleServe]])
    }
}
