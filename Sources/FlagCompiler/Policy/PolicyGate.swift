import FlagRuntime

/// Policies and approvals as a build gate: computes the facts of every (flag, target) pair,
/// evaluates every matching policy, and reports each violation at the flag's key with the policy,
/// the failing check and the fact's value. `flagc check` and `flagc build` run it for every target.
public struct PolicyGate: Sendable {
    package let policies: PolicySet
    package let approvals: ApprovalStore
    private let program: PolicyProgram?

    /// Compiles the checks of `policies` (an error in `diagnostics` when they cannot be compiled).
    public init(policies: PolicySet, approvals: ApprovalStore, diagnostics: DiagnosticCollector) {
        self.policies = policies
        self.approvals = approvals
        if policies.policies.isEmpty {
            program = nil
        } else {
            do {
                program = try PolicyProgram(policies.policies)
            } catch {
                diagnostics.append(PolicyMessages.uncompilable(reason: "\(error)"))
                program = nil
            }
        }
    }

    /// Reads `policies/` and the approvals (`approvals/`, `KEYS/approvers/`) under `root`.
    public static func load(root: String, keysDirectory: String, diagnostics: DiagnosticCollector) -> PolicyGate {
        PolicyGate(
            policies: PolicySet.load(root: root, diagnostics: diagnostics),
            approvals: ApprovalStore.load(root: root, keysDirectory: keysDirectory, diagnostics: diagnostics),
            diagnostics: diagnostics
        )
    }

    /// The policy and approval file texts, for quoting diagnostics.
    public var sources: [String: String] { policies.sources.merging(approvals.sources) { first, _ in first } }

    /// Warns about waivers that name no flag of the project (they would never waive anything).
    package func checkWaivers(of project: FlagProject, diagnostics: DiagnosticCollector) {
        for waiver in policies.waivers where project.flag(waiver.flag.value) == nil {
            let suggestion = Suggestion.closest(to: waiver.flag.value, among: project.flags.map(\.key.value))
            diagnostics.append(PolicyMessages.waiverForNoFlag(waiver, suggestion: suggestion))
        }
    }

    /// The facts of every flag of `target`, in the content's flag order.
    package func facts(
        project: FlagProject,
        target: TargetDefinition,
        content: BundleContent,
        now: Int64
    ) -> [PolicyFacts] {
        factsAndApprovals(project: project, target: target, content: content, now: now).facts
    }

    /// The facts, and the approvals found (counted or not) for each flag that has approval files.
    private func factsAndApprovals(
        project: FlagProject,
        target: TargetDefinition,
        content: BundleContent,
        now: Int64
    ) -> (facts: [PolicyFacts], approvals: [String: CountedApprovals]) {
        let approved = Set(approvals.records.lazy.filter { $0.target == target.name }.map(\.flag))
        var found: [String: CountedApprovals] = [:]
        let facts = content.flags.map { flag in
            var counted = CountedApprovals()
            if approved.contains(flag.key) {
                let digest = FlagDigest.digest(of: flag, in: content)
                counted = approvals.count(flag: flag.key, target: target.name, digest: digest)
                found[flag.key] = counted
            }
            return PolicyFacts(
                flag: flag,
                content: content,
                definition: project.flag(flag.key),
                target: target,
                now: now,
                approvals: counted
            )
        }
        return (facts, found)
    }

    /// Evaluates every policy for every flag of `target`; violations go to `diagnostics` at the flag's
    /// key. Returns the approvals counted per flag key (flags without approvals are left out).
    @discardableResult
    package func evaluate(
        project: FlagProject,
        target: TargetDefinition,
        content: BundleContent,
        now: Int64,
        diagnostics: DiagnosticCollector
    ) -> [String: CountedApprovals] {
        // Nothing to check and nothing approved: no facts needed (a project without policies pays nothing).
        guard program != nil || approvals.records.contains(where: { $0.target == target.name }) else { return [:] }
        let (allFacts, found) = factsAndApprovals(project: project, target: target, content: content, now: now)
        let counted = found.filter { !$0.value.approvers.isEmpty }
        guard let program else { return counted }
        let matchers = policies.policies.map(\.match)
        for facts in allFacts {
            let context = facts.context
            for policyIndex in matchers.indices where matchers[policyIndex].matches(facts) {
                let failures = Self.failures(checks: program.checks[policyIndex], facts: facts) {
                    program.holds($0, context)
                }
                guard !failures.isEmpty else { continue }
                let policy = policies.policies[policyIndex]
                let waiver = policies.waivers.first {
                    $0.applies(policy: policy.name.value, flag: facts.key, target: target.name)
                }
                if let waiver, now < waiver.expiresAt { continue }
                let location = project.flag(facts.key)?.key.location
                for failure in failures {
                    var details = ""
                    if failure.facts.contains(where: { $0 == "approvals" || $0 == PolicyFacts.approvalsNotByOwnerName })
                    {
                        details = Self.approvalDetails(
                            facts: facts,
                            counted: found[facts.key] ?? CountedApprovals(),
                            distinctFromOwner: failure.facts.contains(PolicyFacts.approvalsNotByOwnerName)
                        )
                    }
                    diagnostics.append(
                        PolicyMessages.violation(
                            policy,
                            check: failure.text,
                            details: details,
                            target: target.name,
                            expiredWaiver: waiver,
                            at: location
                        )
                    )
                }
            }
        }
        return counted
    }

    /// One failed check: the message text and the facts it read.
    package struct Failure: Sendable, Equatable {
        package var text: String
        package var facts: [String]
    }

    /// The checks of `policy` that fail for `facts`: a `require` whose condition does not hold, a `deny`
    /// whose condition holds. `holds` evaluates a compiled check.
    package static func failures(
        checks: [PolicyProgram.CompiledCheck],
        facts: PolicyFacts,
        holds: (Int) -> Bool
    ) -> [Failure] {
        var result: [Failure] = []
        for compiled in checks {
            let held = holds(compiled.flag)
            switch compiled.kind {
            case .require where !held:
                let failing = compiled.leaves.filter { !holds($0.flag) }
                if failing.isEmpty {
                    result.append(Failure(text: composite(compiled, facts, "does not hold"), facts: compiled.facts))
                } else {
                    let parts = failing.map { leaf in
                        "\(PolicyText.factName(leaf.fact)) is \(PolicyText.value(facts.value(leaf.fact), fact: leaf.fact)), "
                            + "must be \(PolicyText.requirement(leaf.predicate, fact: leaf.fact))"
                    }
                    result.append(Failure(text: parts.joined(separator: "; "), facts: failing.map(\.fact)))
                }
            case .deny where held:
                if compiled.leaves.count == 1, let leaf = compiled.leaves.first {
                    result.append(
                        Failure(
                            text: "\(PolicyText.factName(leaf.fact)) is "
                                + "\(PolicyText.value(facts.value(leaf.fact), fact: leaf.fact)), must not be "
                                + PolicyText.requirement(leaf.predicate, fact: leaf.fact),
                            facts: [leaf.fact]
                        )
                    )
                } else {
                    result.append(Failure(text: composite(compiled, facts, "is denied"), facts: compiled.facts))
                }
            default: break
            }
        }
        return result
    }

    private static func composite(
        _ compiled: PolicyProgram.CompiledCheck,
        _ facts: PolicyFacts,
        _ verdict: String
    ) -> String {
        let values = compiled.facts.map {
            "\(PolicyText.factName($0)) is \(PolicyText.value(facts.value($0), fact: $0))"
        }
        return "the check at \(compiled.location) \(verdict) (\(values.joined(separator: ", ")))"
    }

    private static func approvalDetails(
        facts: PolicyFacts,
        counted: CountedApprovals,
        distinctFromOwner: Bool
    ) -> String {
        var parts: [String] = []
        let names = counted.approvers.map { approver in
            distinctFromOwner && approver.name == facts.owner
                ? "\(approver.name) (the owner: not counted)" : approver.name
        }
        parts.append(names.isEmpty ? "no approval counts" : "counted: " + names.joined(separator: ", "))
        if !counted.refused.isEmpty {
            parts.append("not counted: " + counted.refused.map { "\($0.path) (\($0.reason))" }.joined(separator: ", "))
        }
        parts.append("approvers run 'flagc approve \(facts.key) --target \(facts.target) --key KEYFILE'")
        return "; " + parts.joined(separator: "; ")
    }
}
