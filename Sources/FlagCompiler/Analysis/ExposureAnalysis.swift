import FlagRuntime

/// What a lowered flag can serve, worked out from its rules alone (no context is evaluated): which
/// rules some context can reach, where the first catch-all rule stops the walk, and how large a share
/// of contexts can get a variant other than the flag's "off" variants.
///
/// The policy facts `servesEveryone`, `maxExposurePercent` and the ramp facts come from here. Shares
/// are in hundredths of a percent (0...10000), as the bundle's split thresholds are.
///
/// Definitions:
/// - the *off* variants are the flag's `offVariant` and, for a boolean flag, the variant whose value
///   is `false`;
/// - a rule is a *catch-all* when it has no condition (or an empty `all`); the rules after the first
///   catch-all are unreachable, and so is the default variant;
/// - a rule whose condition is an empty `any` never matches and is unreachable;
/// - prerequisites are not taken into account (they are facts of their own).
package struct ExposureAnalysis: Sendable {
    /// One place evaluation can end: a rule (by index) or the default variant (`rule == nil`).
    package struct Path: Sendable, Equatable {
        package var rule: Int?
        /// The largest share of the contexts reaching this path that get a non-off variant, at any
        /// time (a ramp at its widest, normally its final step).
        package var maxShare: Int
        /// The share once every ramp step has started (a ramp's final step).
        package var finalShare: Int
        /// Whether every context reaches this path's serve once earlier rules did not match.
        package var isCatchAll: Bool
    }

    /// The variants counted as "off".
    package let offVariants: Set<Int>
    /// The rules some context can reach, in rule order.
    package let reachableRules: [Int]
    /// The first catch-all rule, when there is one.
    package let catchAllRule: Int?
    /// Every reachable end of evaluation: the reachable rules, then the default when it is reachable.
    package let paths: [Path]
    /// Whether the flag is switched on (`enabled`); a disabled flag serves its off variant to everyone.
    package let isEnabled: Bool

    /// Analyses `flag` as lowered for one target.
    package init(_ flag: CompiledFlag) {
        var off: Set<Int> = [flag.offVariant]
        if flag.type == .boolean {
            for (index, variant) in flag.variants.enumerated() where variant.value == .bool(false) { off.insert(index) }
        }
        offVariants = off
        isEnabled = flag.isEnabled
        var reachable: [Int] = []
        var catchAll: Int?
        var paths: [Path] = []
        for (index, rule) in flag.rules.enumerated() {
            if let condition = rule.condition, Self.neverHolds(condition) { continue }
            reachable.append(index)
            let isCatchAll = rule.condition.map(Self.alwaysHolds) ?? true
            let (maxShare, finalShare) = Self.shares(of: rule.serve, off: off)
            paths.append(Path(rule: index, maxShare: maxShare, finalShare: finalShare, isCatchAll: isCatchAll))
            if isCatchAll {
                catchAll = index
                break
            }
        }
        if catchAll == nil {
            let share = off.contains(flag.defaultVariant) ? 0 : 10_000
            paths.append(Path(rule: nil, maxShare: share, finalShare: share, isCatchAll: true))
        }
        reachableRules = reachable
        catchAllRule = catchAll
        self.paths = paths
    }

    /// Whether the path every remaining context falls through to (the first catch-all rule, else the
    /// default) serves a non-off variant to all of them once every ramp step has started. Earlier
    /// rules may still serve "off" to the contexts they match.
    package var servesEveryone: Bool {
        guard isEnabled, let terminal = paths.last else { return false }
        return terminal.isCatchAll && terminal.finalShare == 10_000
    }

    /// The largest share of contexts (hundredths of a percent) any reachable path gives a non-off
    /// variant: a fixed non-off variant counts 100 %, a split the sum of its non-off shares, a ramp
    /// its widest step. 0 for a disabled flag, which serves its off variant.
    package var maxExposure: Int {
        guard isEnabled else { return 0 }
        return paths.map(\.maxShare).max() ?? 0
    }

    /// The variants some reachable path can serve (the off variant too when the flag is disabled).
    package func servableVariants(of flag: CompiledFlag) -> Set<Int> {
        guard isEnabled else { return [flag.offVariant] }
        var result: Set<Int> = []
        for path in paths {
            guard let index = path.rule else {
                result.insert(flag.defaultVariant)
                continue
            }
            switch flag.rules[index].serve {
            case .variant(let variant): result.insert(variant)
            case .split(_, let variants, let thresholds), .hashedSplit(_, _, _, let variants, let thresholds):
                var previous = 0
                for (variant, threshold) in zip(variants, thresholds) {
                    if threshold > previous { result.insert(variant) }
                    previous = threshold
                }
            case .progressive(_, let variant, let others, let steps):
                result.insert(others)
                if steps.contains(where: { $0.threshold > 0 }) { result.insert(variant) }
            }
        }
        return result
    }

    /// The reachable progressive rules' steps, in rule order.
    package func ramps(of flag: CompiledFlag) -> [[RampStep]] {
        reachableRules.compactMap { index in
            if case .progressive(_, _, _, let steps) = flag.rules[index].serve { return steps }
            return nil
        }
    }

    /// (widest share at any time, share after the last step) of non-off variants for one serve.
    static func shares(of serve: Serve, off: Set<Int>) -> (Int, Int) {
        switch serve {
        case .variant(let variant):
            let share = off.contains(variant) ? 0 : 10_000
            return (share, share)
        case .split(_, let variants, let thresholds):
            var previous = 0
            var share = 0
            for (variant, threshold) in zip(variants, thresholds) {
                if !off.contains(variant) { share += max(0, threshold - previous) }
                previous = threshold
            }
            return (share, share)
        case .hashedSplit(_, _, _, let variants, let thresholds):
            // Another engine's bucketing: the total is the sum of the weights, not 10,000.
            let total = thresholds.last ?? 0
            guard total > 0 else { return (0, 0) }
            var previous = 0
            var share = 0
            for (variant, threshold) in zip(variants, thresholds) {
                if !off.contains(variant) { share += max(0, threshold - previous) }
                previous = threshold
            }
            let scaled = share * 10_000 / total
            return (scaled, scaled)
        case .progressive(_, let variant, let others, let steps):
            func share(_ threshold: Int) -> Int {
                (off.contains(variant) ? 0 : threshold) + (off.contains(others) ? 0 : 10_000 - threshold)
            }
            let ordered = steps.sorted { $0.startsAt < $1.startsAt }
            let before = share(0)
            let widest = ordered.map { share($0.threshold) }.max() ?? before
            return (max(before, widest), ordered.last.map { share($0.threshold) } ?? before)
        }
    }

    /// Whether a condition holds for every context without reading any attribute.
    static func alwaysHolds(_ condition: Condition) -> Bool {
        switch condition.kind {
        case .all: condition.children.allSatisfy(alwaysHolds)
        case .any: condition.children.contains(where: alwaysHolds)
        case .not: condition.children.first.map(neverHolds) ?? false
        case .segment, .predicate: false
        }
    }

    /// Whether a condition holds for no context without reading any attribute.
    static func neverHolds(_ condition: Condition) -> Bool {
        switch condition.kind {
        case .all: condition.children.contains(where: neverHolds)
        case .any: condition.children.allSatisfy(neverHolds)
        case .not: condition.children.first.map(alwaysHolds) ?? false
        case .segment, .predicate: false
        }
    }
}
