import FlagRuntime

// The one file of the C interface that reads FlagRuntime below its public API (package access): the
// per-flag tables the C results point into, and the evaluation outcome as indices. The public API
// hands results out as Swift strings; C callers need indices and strings that outlive the call.

/// One flag as the C interface serves it: its variants' names and values and its rules' names.
struct FlagLayout {
    let key: String
    let type: FlagType
    let variantNames: [String]
    let variantValues: [FlagValue]
    /// nil for a rule without a name.
    let ruleNames: [String?]
}

/// An evaluation's outcome as indices within its flag.
struct OutcomeIndices {
    let variant: Int
    /// -1 when no rule decided.
    let rule: Int
    let reason: EvaluationReason
}

extension FlagBundle {
    /// Every flag, in the bundle's order (the order of `flagKeys`).
    func flagLayouts() -> [FlagLayout] {
        let view = tables.view
        return view.flags.indices.map { index in
            let flag = view.flags[index]
            return FlagLayout(
                key: view.text(flag.key),
                type: flag.type,
                variantNames: variantNames(ofFlagAt: index),
                variantValues: flag.variants.map { tables.value(ofVariant: $0, type: flag.type) },
                ruleNames: flag.rules.map { view.rules[$0].name >= 0 ? view.text(view.rules[$0].name) : nil }
            )
        }
    }

    /// Evaluates flag `index` for a context whose `invalidReason` the caller has checked.
    @inline(__always)
    func outcomeIndices(_ index: Int, _ context: EvaluationContext) -> OutcomeIndices {
        let outcome = outcome(index, context)
        return OutcomeIndices(variant: outcome.variant, rule: outcome.rule, reason: outcome.reason)
    }

    /// Evaluates flag `index` for a context prepared by this bundle; nil for one prepared by another.
    @inline(__always)
    func outcomeIndices(_ index: Int, prepared: PreparedContext) -> OutcomeIndices? {
        guard let outcome = outcome(index, prepared: prepared) else { return nil }
        return OutcomeIndices(variant: outcome.variant, rule: outcome.rule, reason: outcome.reason)
    }
}
