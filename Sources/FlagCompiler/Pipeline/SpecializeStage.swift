import FlagRuntime

extension Pipeline {
    /// Stage 3½ (between lower and encode): specializes `content` for the target's `assume:` values
    /// (`Specializer`): folds every condition they decide, drops the rules, segments and list members
    /// that can no longer match, and records the assumptions in the content so that the runtime refuses a
    /// context contradicting them. A target without `assume:` passes through unchanged. An assumption a
    /// kept split or ramp buckets by is an error in `diagnostics` (the content is then returned unchanged).
    package static func specialize(
        _ content: BundleContent,
        for target: TargetDefinition,
        diagnostics: DiagnosticCollector
    ) -> BundleContent {
        guard !target.assumptions.isEmpty else { return content }
        var specializer = Specializer(content: content, assumptions: target.assumptions)
        let specialized = specializer.specialize()
        guard specializer.bucketedAssumptions.isEmpty else {
            for (assumption, flag) in specializer.bucketedAssumptions {
                diagnostics.append(BuildMessages.assumedBucketingAttribute(assumption, flag: flag))
            }
            return content
        }
        return specialized
    }
}
