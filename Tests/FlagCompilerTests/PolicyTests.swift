import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// Policies over per-(flag, target) facts: each fact, each check operator, messages, waivers, and
/// every rule that decides whether an approval counts.
@Suite("Policies")
struct PolicyTests {
    /// 2026-12-03T00:00:00Z.
    static let now: Int64 = 1_796_256_000

    /// The facts of flag `key` of `flags`, compiled for a target in `environment`.
    static func facts(
        _ flags: String,
        key: String = "f",
        environment: String = "production",
        approvals: CountedApprovals = CountedApprovals()
    ) throws -> PolicyFacts {
        let (project, diagnostics) = TestProject.load(
            flags,
            target: "environment: \(environment)\nrecipients: [keys/test.recipient.pub]\n"
        )
        let errors = diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { throw DiagnosticList(errors) }
        let target = project.targets[0]
        let content = Builder.content(of: project, target: target)
        let flag = try #require(content.flags.first { $0.key == key })
        return PolicyFacts(
            flag: flag,
            content: content,
            definition: project.flag(key),
            target: target,
            now: now,
            approvals: approvals
        )
    }

    /// The policies of one policies file, with the diagnostics reading it gave.
    static func policies(_ yaml: String) -> (PolicySet, [String]) {
        let diagnostics = DiagnosticCollector()
        let set = PolicySet.read(files: [("policies/p.yaml", Array(yaml.utf8))], diagnostics: diagnostics)
        return (set, diagnostics.sorted.map(\.description))
    }

    /// The failure texts of the policies of `yaml` for `facts` (every policy, matched or not).
    static func failures(_ yaml: String, _ facts: PolicyFacts) throws -> [String] {
        let (set, problems) = policies(yaml)
        guard problems.isEmpty else { throw DiagnosticList(problems.map { .error($0, at: nil) }) }
        let program = try PolicyProgram(set.policies)
        let context = facts.context
        return set.policies.enumerated().flatMap { index, policy in
            PolicyGate.failures(checks: program.checks[index], facts: facts) {
                program.holds($0, context)
            }.map(\.text)
        }
    }

    static let ramped = """
        flags:
          f:
            owner: team-payments
            tags: [checkout, web]
            compliance: [pci]
            expires: 2027-01-02
            default: off
            requires: [{ flag: g, variant: on }]
            rules:
              - name: staff
                when: { segment: staff }
                serve: on
              - name: canary
                when: { country: [DE], appVersion: { semverGte: 2.0.0 } }
                serve: { split: { on: 10, off: 90 }, by: userId }
              - name: ramp
                serve:
                  progressive:
                    variant: on
                    others: off
                    steps:
                      - { at: 2026-12-01T00:00:00Z, percent: 2 }
                      - { at: 2026-12-01T12:00:00Z, percent: 25 }
                      - { at: 2026-12-03T12:00:00Z, percent: 100 }
              - name: never reached
                serve: off
          g: { default: on }
        segments:
          staff: { when: { email: { endsWith: "@example.com" }, segment: inner } }
          inner: { include: [u1], when: { level: { gte: 3 } } }
        """

    // MARK: - Facts

    struct FactCase: Sendable, CustomTestStringConvertible {
        let fact: String
        let flags: String
        let expected: String
        var testDescription: String { fact }
    }

    static let factCases: [FactCase] = [
        FactCase(fact: "key", flags: ramped, expected: "f"),
        FactCase(fact: "type", flags: "flags: { f: { variants: { a: 1, b: 2 }, default: a } }", expected: "integer"),
        FactCase(fact: "owner", flags: ramped, expected: "team-payments"),
        FactCase(fact: "owner", flags: "flags: { f: { default: on } }", expected: "missing"),
        FactCase(fact: "tags", flags: ramped, expected: "[checkout, web]"),
        FactCase(fact: "compliance", flags: ramped, expected: "[pci]"),
        FactCase(fact: "expires", flags: ramped, expected: "2027-01-02T00:00:00Z"),
        FactCase(fact: "daysToExpiry", flags: ramped, expected: "30"),
        FactCase(fact: "daysToExpiry", flags: "flags: { f: { expires: 2026-12-01 } }", expected: "-2"),
        FactCase(fact: "environment", flags: ramped, expected: "production"),
        FactCase(fact: "target", flags: ramped, expected: "test"),
        FactCase(fact: "enabled", flags: "flags: { f: { enabled: false } }", expected: "false"),
        FactCase(fact: "ruleCount", flags: ramped, expected: "4"),
        FactCase(
            fact: "attributes",
            flags: ramped,
            expected: "[appVersion, country, email, level, targetingKey, userId]"
        ),
        FactCase(fact: "segments", flags: ramped, expected: "[inner, staff]"),
        FactCase(fact: "servesEveryone", flags: ramped, expected: "true"),
        FactCase(
            fact: "servesEveryone",
            flags: "flags: { f: { default: on, rules: [{ when: { a: 1 }, serve: off }] } }",
            expected: "true"
        ),
        FactCase(
            fact: "servesEveryone",
            flags: "flags: { f: { default: off, rules: [{ when: { a: 1 }, serve: on }] } }",
            expected: "false"
        ),
        FactCase(fact: "servesEveryone", flags: "flags: { f: { enabled: false, default: on } }", expected: "false"),
        FactCase(
            fact: "servesEveryone",
            flags: "flags: { f: { rules: [{ serve: { split: { on: 99, off: 1 } } }] } }",
            expected: "false"
        ),
        FactCase(fact: "maxExposurePercent", flags: ramped, expected: "100"),
        FactCase(
            fact: "maxExposurePercent",
            flags: "flags: { f: { rules: [{ when: { a: 1 }, serve: { split: { on: 12.5, off: 87.5 } } }] } }",
            expected: "12.5"
        ),
        FactCase(fact: "maxExposurePercent", flags: "flags: { f: { default: off } }", expected: "0"),
        FactCase(
            fact: "maxExposurePercent",
            flags:
                "flags: { f: { type: string, variants: { c: x, t: y }, default: c, rules: [{ serve: { split: { c: 70, t: 30 } } }] } }",
            expected: "30"
        ),
        // Another engine's split: shares of the sum of its weights (here 250 of 1,000).
        FactCase(
            fact: "maxExposurePercent",
            flags:
                "flags: { f: { rules: [{ serve: { split: { on: 250, off: 750 }, hash: unleash-variants, salt: s } }] } }",
            expected: "25"
        ),
        FactCase(fact: "rampSteps", flags: ramped, expected: "3"),
        FactCase(fact: "rampSteps", flags: "flags: { f: { default: on } }", expected: "0"),
        FactCase(fact: "firstStepPercent", flags: ramped, expected: "2"),
        FactCase(fact: "firstStepPercent", flags: "flags: { f: { default: on } }", expected: "missing"),
        FactCase(fact: "minStepInterval", flags: ramped, expected: "12h"),
        FactCase(fact: "maxStepIncrease", flags: ramped, expected: "75"),
        FactCase(fact: "prerequisites", flags: ramped, expected: "[g]"),
        FactCase(fact: "approvals", flags: ramped, expected: "0"),
        FactCase(fact: "approvers", flags: ramped, expected: "[]"),
    ]

    @Test("Each fact is computed as docs/policies.md defines it", arguments: factCases)
    func fact(_ example: FactCase) throws {
        let facts = try Self.facts(example.flags)
        #expect(PolicyText.value(facts.value(example.fact), fact: example.fact) == example.expected)
    }

    @Test("The facts document has every fact, missing ones as null, in the documented order")
    func factsDocument() throws {
        let facts = try Self.facts("flags: { f: { default: on } }")
        guard case .object(let members) = facts.json else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == PolicyFacts.names)
        #expect(members.first { $0.key == "owner" }?.value == .null)
        #expect(members.first { $0.key == "maxExposurePercent" }?.value == .integer(100))
    }

    @Test("An environment override is what the facts describe")
    func environmentOverride() throws {
        let flags = "flags: { f: { default: off, environments: { production: { default: on } } } }"
        #expect(try Self.facts(flags, environment: "production").servesEveryone)
        #expect(try !Self.facts(flags, environment: "staging").servesEveryone)
    }

    // MARK: - Checks

    struct CheckCase: Sendable, CustomTestStringConvertible {
        let check: String
        let holds: Bool
        var testDescription: String { check + (holds ? " holds" : " fails") }
    }

    /// Every operator of the flag language, as a check over the `ramped` flag's facts.
    static let checkCases: [CheckCase] = [
        CheckCase(check: "{ owner: team-payments }", holds: true),
        CheckCase(check: "{ owner: { eq: team-search } }", holds: false),
        CheckCase(check: "{ owner: { ne: team-search } }", holds: true),
        CheckCase(check: "{ owner: [team-a, team-payments] }", holds: true),
        CheckCase(check: "{ owner: { in: [team-a] } }", holds: false),
        CheckCase(check: "{ compliance: { notIn: [hipaa] } }", holds: true),
        CheckCase(check: "{ tags: web }", holds: true),
        // On a list, `contains` is membership (as for context attributes), not a substring.
        CheckCase(check: "{ tags: { contains: web } }", holds: true),
        CheckCase(check: "{ tags: { contains: eck } }", holds: false),
        CheckCase(check: "{ owner: { notContains: payments } }", holds: false),
        CheckCase(check: "{ owner: { startsWith: team- } }", holds: true),
        CheckCase(check: "{ owner: { endsWith: PAYMENTS, ignoreCase: true } }", holds: true),
        CheckCase(check: "{ key: { matches: \"^[a-z]$\" } }", holds: true),
        CheckCase(check: "{ rampSteps: { gt: 3 } }", holds: false),
        CheckCase(check: "{ rampSteps: { gte: 3 } }", holds: true),
        CheckCase(check: "{ firstStepPercent: { lt: 2 } }", holds: false),
        CheckCase(check: "{ firstStepPercent: { lte: 2 } }", holds: true),
        CheckCase(check: "{ minStepInterval: { gte: 12h } }", holds: true),
        CheckCase(check: "{ minStepInterval: { gte: 1d } }", holds: false),
        CheckCase(check: "{ minStepInterval: { lt: 86400 } }", holds: true),
        CheckCase(check: "{ type: { semverGte: 1.0.0 } }", holds: false),
        CheckCase(check: "{ expires: { before: 2027-06-30 } }", holds: true),
        CheckCase(check: "{ expires: { after: 2027-06-30 } }", holds: false),
        CheckCase(check: "{ key: { inCidr: 10.0.0.0/8 } }", holds: false),
        CheckCase(check: "{ owner: { exists: true } }", holds: true),
        CheckCase(check: "{ firstStepPercent: { exists: false } }", holds: false),
        CheckCase(check: "{ servesEveryone: true }", holds: true),
        CheckCase(check: "{ any: [{ tags: ops }, { compliance: pci }] }", holds: true),
        CheckCase(check: "{ all: [{ tags: ops }, { compliance: pci }] }", holds: false),
        CheckCase(check: "{ not: { enabled: false } }", holds: true),
        CheckCase(check: "{ approvals: { gte: 1 } }", holds: false),
    ]

    @Test("Checks use the flag language's operators with its semantics", arguments: checkCases)
    func check(_ example: CheckCase) throws {
        let facts = try Self.facts(Self.ramped)
        let yaml = "policies:\n  p:\n    require:\n      - \(example.check)\n"
        let failures = try Self.failures(yaml, facts)
        #expect(failures.isEmpty == example.holds, "\(failures)")
    }

    @Test("A failed check names the fact, its value and the requirement")
    func messages() throws {
        let facts = try Self.facts(Self.ramped.replacingOccurrences(of: "percent: 2 }", with: "percent: 25 }"))
        let yaml = """
            policies:
              pci-needs-a-staged-ramp:
                match: { compliance: [pci], environment: production }
                require:
                  - { owner: { exists: true } }
                  - { firstStepPercent: { lte: 5 } }
                  - { minStepInterval: { gte: 24h }, rampSteps: { gte: 5 } }
                deny:
                  - { servesEveryone: true }
                  - { tags: { in: [web] }, owner: { startsWith: team } }
            """
        #expect(
            try Self.failures(yaml, facts) == [
                "firstStepPercent is 25, must be ≤ 5",
                "minStepInterval is 12h, must be ≥ 1d; rampSteps is 3, must be ≥ 5",
                "servesEveryone is true, must not be true",
                "the check at policies/p.yaml:10:9 is denied (tags is [checkout, web], owner is team-payments)",
            ]
        )
    }

    @Test("A policy applies only to the flags its match selects")
    func matching() throws {
        let facts = try Self.facts(Self.ramped)
        let (set, problems) = Self.policies(
            """
            policies:
              a: { match: { compliance: pci, environment: [staging, production] }, require: [{ rampSteps: 0 }] }
              b: { match: { keys: ["g*"] }, require: [{ rampSteps: 0 }] }
              c: { match: { tags: [ops] }, require: [{ rampSteps: 0 }] }
              d: { match: { owner: team-payments, target: test }, require: [{ rampSteps: 0 }] }
              e: { require: [{ rampSteps: 0 }] }
            """
        )
        #expect(problems.isEmpty)
        #expect(set.policies.filter { $0.match.matches(facts) }.map(\.name.value) == ["a", "d", "e"])
    }

    struct ReaderCase: Sendable, CustomTestStringConvertible {
        let yaml: String
        let error: String
        var testDescription: String { error }
    }

    static let readerCases: [ReaderCase] = [
        ReaderCase(
            yaml: "policies: { p: { require: [{ rampStep: { gte: 3 } }] } }",
            error:
                "policies/p.yaml:1:30: error: unknown fact 'rampStep'; did you mean 'rampSteps'? (docs/policies.md lists the facts)"
        ),
        ReaderCase(
            yaml: "policies: { p: { require: [{ rampSteps: { atLeast: 3 } }] } }",
            error: "policies/p.yaml:1:43: error: unknown operator 'atLeast'"
        ),
        ReaderCase(
            yaml: "policies: { p: { require: [{ minStepInterval: { gte: a day } }] } }",
            error:
                "policies/p.yaml:1:54: error: 'a day' is not a duration; write seconds or a duration like 24h, 7d, 90m"
        ),
        ReaderCase(
            yaml: "policies: { p: { severity: fatal, require: [{ rampSteps: 1 }] } }",
            error: "policies/p.yaml:1:28: error: 'severity' must be error or warning"
        ),
        ReaderCase(
            yaml: "policies: { p: { match: {} } }",
            error: "policies/p.yaml:1:13: error: policy 'p' has no 'require' or 'deny' checks"
        ),
        ReaderCase(
            yaml: "policies: { p: { require: [{ rampSteps: 1 }] } }\nwaivers: [{ policy: p, flag: f, owner: ada }]",
            error:
                "policies/p.yaml:2:11: error: a waiver needs 'reason', 'expires' (policy, flag, owner, reason and expires)"
        ),
        ReaderCase(
            yaml:
                "policies: { p: { require: [{ rampSteps: 1 }] } }\nwaivers: [{ policy: q, flag: f, owner: a, reason: r, expires: 2027-01-01 }]",
            error: "policies/p.yaml:2:21: error: waiver names no policy 'q'; did you mean 'p'?"
        ),
    ]

    @Test("Policy files with mistakes get errors at file:line:column", arguments: readerCases)
    func readerErrors(_ example: ReaderCase) {
        let (_, problems) = Self.policies(example.yaml)
        #expect(problems.contains(example.error), "\(problems)")
    }

    // MARK: - Waivers

    static let waived = """
        policies:
          p: { match: { keys: [f] }, require: [{ rampSteps: { gte: 5 } }] }
        waivers:
          - { policy: p, flag: f, owner: ada, reason: ramp agreed with risk, expires: EXPIRES }
        """

    @Test(
        "A waiver waives until its expiry date, then says it expired",
        arguments: [
            ("2026-12-04", 0), ("2026-12-03", 1), ("2020-01-01", 1),
        ]
    )
    func waiverExpiry(expires: String, violations: Int) throws {
        let diagnostics = DiagnosticCollector()
        let policies = PolicySet.read(
            files: [("policies/p.yaml", Array(Self.waived.replacingOccurrences(of: "EXPIRES", with: expires).utf8))],
            diagnostics: diagnostics
        )
        let (project, _) = TestProject.load(Self.ramped)
        let gate = PolicyGate(policies: policies, approvals: ApprovalStore(), diagnostics: diagnostics)
        let target = project.targets[0]
        gate.evaluate(
            project: project,
            target: target,
            content: Builder.content(of: project, target: target),
            now: Self.now,
            diagnostics: diagnostics
        )
        let messages = diagnostics.diagnostics.map(\.description)
        #expect(messages.count == violations, "\(messages)")
        if violations > 0 {
            #expect(
                messages[0].hasPrefix(
                    "flags/test.yaml:2:3: error: policy 'p': rampSteps is 3, must be ≥ 5 (target test)"
                )
            )
            #expect(messages[0].contains("the waiver by ada at policies/p.yaml:4:5 expired on \(expires)"))
        }
    }

    @Test("A waiver naming no flag is a warning with a suggestion")
    func waiverForNoFlag() throws {
        let diagnostics = DiagnosticCollector()
        let yaml = Self.waived.replacingOccurrences(of: "flag: f,", with: "flag: ff,")
            .replacingOccurrences(of: "EXPIRES", with: "2030-01-01")
        let policies = PolicySet.read(files: [("policies/p.yaml", Array(yaml.utf8))], diagnostics: diagnostics)
        let gate = PolicyGate(policies: policies, approvals: ApprovalStore(), diagnostics: diagnostics)
        gate.checkWaivers(of: TestProject.load(Self.ramped).0, diagnostics: diagnostics)
        #expect(
            diagnostics.diagnostics.map(\.description) == [
                "policies/p.yaml:4:24: warning: waiver names no flag 'ff'; did you mean 'f'?"
            ]
        )
    }

    // MARK: - Approvals

    struct Approver {
        let name: String
        let seed: SecureBytes
        let key: ApproverKey

        init(_ name: String) throws {
            let pair = try Sodium.makeSigningKeyPair()
            seed = pair.seed
            self.name = name
            key = ApproverKey(name: name, publicKey: pair.publicKey, id: KeyID(of: pair.publicKey))
        }

        func approve(
            _ flag: String,
            target: String = "test",
            digest: String,
            path: String? = nil
        ) throws
            -> ApprovalRecord
        {
            ApprovalRecord(
                path: path ?? ApprovalStore.path(flag: flag, target: target, approver: name),
                flag: flag,
                target: target,
                keyID: key.id,
                digest: digest,
                signature: try Sodium.sign(
                    ApprovalStore.message(flag: flag, target: target, digest: digest),
                    seed: seed
                )
            )
        }
    }

    static func digest(_ flags: String, key: String = "f") throws -> String {
        let content = try TestProject.content(flags)
        return FlagDigest.digest(of: try #require(content.flags.first { $0.key == key }), in: content)
    }

    @Test("The digest ignores YAML formatting and metadata, and changes with what the flag serves")
    func digest() throws {
        let base = try Self.digest(
            "flags: { f: { owner: a, rules: [{ when: { segment: s }, serve: on }] } }\nsegments: { s: { include: [u1] } }"
        )
        let reformatted = try Self.digest(
            """
            # a comment
            segments:
              s:
                include: [ "u1" ]
            flags:
              f:
                description: now described
                owner: b
                rules:
                  - serve: on
                    when: { segment: s }
            """
        )
        let segmentChanged = try Self.digest(
            "flags: { f: { owner: a, rules: [{ when: { segment: s }, serve: on }] } }\nsegments: { s: { include: [u2] } }"
        )
        let ruleChanged = try Self.digest(
            "flags: { f: { owner: a, rules: [{ when: { segment: s }, serve: off }] } }\nsegments: { s: { include: [u1] } }"
        )
        #expect(base == reformatted)
        #expect(base != segmentChanged)
        #expect(base != ruleChanged)
        #expect(base.hasPrefix("blake2b-256:") && base.count == 12 + 64)
    }

    @Test("Every approval-counting rule")
    func counting() throws {
        let alice = try Approver("alice")
        let bob = try Approver("bob")
        let owner = try Approver("team-payments")
        let stranger = try Approver("mallory")
        let digest = try Self.digest(Self.ramped)
        let older = try Self.digest(Self.ramped.replacingOccurrences(of: "percent: 2 }", with: "percent: 3 }"))
        var forged = try bob.approve("f", digest: digest, path: "approvals/test/f/forged.yaml")
        forged.signature[0] ^= 1
        let store = ApprovalStore(
            approvers: [alice.key, bob.key, owner.key],
            records: [
                try alice.approve("f", digest: digest),
                try alice.approve("f", digest: digest, path: "approvals/test/f/alice-again.yaml"),  // duplicate
                try bob.approve("f", digest: older),  // before the flag changed
                forged,  // not bob's signature
                try stranger.approve("f", digest: digest),  // unknown key
                try owner.approve("f", digest: digest),
                try bob.approve("f", target: "other", digest: digest),  // another target
            ]
        )
        let counted = store.count(flag: "f", target: "test", digest: digest)
        #expect(counted.approvers.map(\.name) == ["alice", "team-payments"])
        #expect(
            counted.refused.map(\.reason) == [
                "alice is counted once", "bob approved an earlier definition of the flag",
                "bob's signature does not verify",
                "signed by unknown key \(stranger.key.id)",
            ]
        )
        let facts = try Self.facts(Self.ramped, approvals: counted)
        #expect(
            facts.approvals == 2 && facts.approvalsNotByOwner == 1 && facts.approvers == ["alice", "team-payments"]
        )
        let yaml = "policies:\n  p:\n    require:\n      - { approvals: { gte: 2, distinctFromOwner: DISTINCT } }\n"
        #expect(try Self.failures(yaml.replacingOccurrences(of: "DISTINCT", with: "false"), facts).isEmpty)
        #expect(
            try Self.failures(yaml.replacingOccurrences(of: "DISTINCT", with: "true"), facts) == [
                "approvals is 1, must be ≥ 2"
            ]
        )
    }

    @Test("An approval file round-trips through its text")
    func approvalFile() throws {
        let alice = try Approver("alice")
        let record = try alice.approve("f", digest: try Self.digest(Self.ramped))
        let diagnostics = DiagnosticCollector()
        let read = try #require(
            ApprovalStore.read(
                Array(ApprovalStore.text(record, approver: "alice").utf8),
                path: record.path,
                diagnostics: diagnostics
            )
        )
        #expect(diagnostics.diagnostics.isEmpty)
        #expect(read.keyID == record.keyID && read.signature == record.signature && read.digest == record.digest)
    }

    // MARK: - Exposure analysis

    @Test("Rules after a catch-all are unreachable; an empty any never matches")
    func reachability() throws {
        let content = try TestProject.content(
            """
            flags:
              f:
                rules:
                  - { when: { any: [] }, serve: on }
                  - { when: { a: 1 }, serve: on }
                  - { when: { all: [] }, serve: off }
                  - { serve: on }
            """
        )
        let analysis = ExposureAnalysis(content.flags[0])
        #expect(analysis.reachableRules == [1, 2])
        #expect(analysis.catchAllRule == 2)
        #expect(!analysis.servesEveryone)
        #expect(analysis.maxExposure == 10_000)
        #expect(analysis.servableVariants(of: content.flags[0]) == [0, 1])
    }
}
