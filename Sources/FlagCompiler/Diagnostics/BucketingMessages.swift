import FlagRuntime

/// The reader's diagnostics for compatible bucketing: `hash:` splits and `rollout` conditions.
extension ReaderMessages {
    /// `hash` or `salt` next to a `progressive` ramp.
    package static func hashOnRamp(at location: SourceLocation) -> Diagnostic {
        .error(
            "'hash' and 'salt' apply to a 'split'; for a ramp bucketed another way, use a 'rollout' condition",
            at: location
        )
    }

    /// `hash` or `salt` in a `serve` without a `split`.
    package static func hashWithoutSplit(at location: SourceLocation) -> Diagnostic {
        .error("'serve' with 'hash' or 'salt' needs a 'split'", at: location)
    }

    /// A split's `salt` without a `hash`.
    package static func saltWithoutHash(at location: SourceLocation) -> Diagnostic {
        .error(
            "'salt' in 'serve' needs a 'hash' (unleash, unleash-variants or flagd); the flag's 'salt' sets flagc's",
            at: location
        )
    }

    /// `hash: flagc` on a split, which is what a split without `hash` does.
    package static func defaultHashSpelledOut(at location: SourceLocation) -> Diagnostic {
        .error(
            "'hash: flagc' is the default; leave 'hash' out (and set the flag's 'salt' instead of the split's)",
            at: location
        )
    }

    /// A weight of a `hash:` split that is not a whole number in range.
    package static func hashedWeight(
        _ scheme: BucketingScheme,
        found kind: String,
        at location: SourceLocation
    )
        -> Diagnostic
    {
        .error(
            "a weight of a split with 'hash: \(scheme.name)' must be a whole number from 0 to "
                + "\(BucketingScheme.maximumTotal), found \(kind)",
            at: location
        )
    }

    /// A `hash:` split whose weights are all 0.
    package static func hashedWeightsZero(at location: SourceLocation) -> Diagnostic {
        .error("split weights add up to 0; at least one must be above 0", at: location)
    }

    /// A `hash:` split whose weights add up past the largest total.
    package static func hashedWeightsTooLarge(_ total: Int, at location: SourceLocation) -> Diagnostic {
        .error("split weights add up to \(total), above \(BucketingScheme.maximumTotal)", at: location)
    }

    /// A `hash` that names no scheme, with the closest as a suggestion.
    package static func unknownHash(_ name: String, at location: SourceLocation) -> Diagnostic {
        let names = BucketingScheme.allCases.map(\.name)
        return .error(
            "unknown hash '\(name)'; expected one of \(names.joined(separator: ", "))"
                + Suggestion.didYouMean(Suggestion.closest(to: name, among: names)),
            at: location
        )
    }

    /// A `rollout` without `percent` or `salt`.
    package static func rolloutIncomplete(at location: SourceLocation) -> Diagnostic {
        .error("'rollout' needs 'percent' and 'salt'", at: location)
    }

    /// A fractional percentage in a `rollout` of a scheme that buckets by whole percents.
    package static func rolloutFraction(
        _ scheme: BucketingScheme,
        hundredths: Int,
        at location: SourceLocation
    )
        -> Diagnostic
    {
        .error(
            "a rollout with 'hash: \(scheme.name)' takes a whole percentage, found \(Double(hundredths) / 100)",
            at: location
        )
    }
}
