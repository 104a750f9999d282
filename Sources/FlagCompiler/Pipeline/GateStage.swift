import FlagRuntime

extension Pipeline {
    /// Stage 3½, between lower and encode: the target's flags against every policy (`PolicyGate`).
    /// Violations go to `diagnostics` at each flag's key; returns the approvals counted per flag
    /// key, for the manifest.
    @discardableResult
    package static func gate(
        _ content: BundleContent,
        of target: TargetDefinition,
        in project: FlagProject,
        policies: PolicyGate,
        now: Int64,
        diagnostics: DiagnosticCollector
    ) -> [String: CountedApprovals] {
        policies.evaluate(project: project, target: target, content: content, now: now, diagnostics: diagnostics)
    }
}
