import FlagRuntime

/// What the rules of a project can reach, read from the definitions alone (nothing is evaluated):
/// rules no context can reach, and the variants each flag can serve in an environment.
///
/// Two readings of "every context":
/// - `.everyContext` counts every possible context, including one without the attribute a split or
///   ramp buckets by (such a context skips the rule). `flagc check` uses it: a rule it calls
///   unreachable is unreachable for certain.
/// - `.identifiedContexts` counts only contexts that carry the bucketing attribute, so an
///   unconditional ramp at 100 % serves its variant to everyone who reaches it. `flagc stale` uses it
///   to call a finished rollout finished.
package struct ReachabilityAnalysis {
    package enum Population: Sendable {
        case everyContext
        case identifiedContexts
    }

    /// Why a rule can never decide a flag.
    package enum UnreachableCause: Sendable, Equatable {
        /// An earlier rule (at the location) matches every context and serves one variant.
        case afterCatchAll(SourceLocation)
        /// An earlier rule (at the location) has the same condition and serves one variant.
        case shadowed(by: SourceLocation)
    }

    package struct UnreachableRule: Sendable {
        package var rule: RuleDefinition
        package var cause: UnreachableCause
    }

    /// The variants a flag can serve in one environment.
    package struct ServedVariants: Sendable, Equatable {
        /// Variant names some context can get.
        package var names: Set<String>
        /// The variant served when the flag is off or a prerequisite fails.
        package var offVariant: String
        /// `enabled` after the environment's overrides.
        package var isEnabled: Bool

        /// The one variant every context gets, when there is exactly one.
        package var single: String? { names.count == 1 ? names.first : nil }
    }

    package let project: FlagProject
    /// Ramps at 100 % count as finished only once their last step is this old (seconds).
    package var rampGrace: Double
    private var memo: [MemoKey: ServedVariants] = [:]

    private struct MemoKey: Hashable {
        var flag: String
        var environment: String?
        var time: Double?
        var identified: Bool
    }

    package init(project: FlagProject, rampGrace: Double = 0) {
        self.project = project
        self.rampGrace = rampGrace
    }

    // MARK: Settings

    /// The flag's settings in `environment` (its overrides applied); nil: as written.
    package static func settings(of flag: FlagDefinition, environment: String?) -> FlagSettings {
        var settings = flag.settings
        guard let environment, let override = flag.environments[environment]?.value else { return settings }
        if let enabled = override.enabled { settings.enabled = enabled }
        if let defaultVariant = override.defaultVariant { settings.defaultVariant = defaultVariant }
        if let offVariant = override.offVariant { settings.offVariant = offVariant }
        if let rules = override.rules { settings.rules = rules }
        return settings
    }

    /// The variant served when no rule matches, as the compiler resolves it.
    package static func defaultVariant(of flag: FlagDefinition, _ settings: FlagSettings) -> String? {
        settings.defaultVariant?.value ?? flag.variants.first?.name.value
    }

    /// The variant served when the flag is disabled or a prerequisite fails, as the compiler resolves it.
    package static func offVariant(of flag: FlagDefinition, _ settings: FlagSettings) -> String? {
        if let name = settings.offVariant?.value { return name }
        if flag.type == .boolean, let off = flag.variants.first(where: { $0.value == .bool(false) }) {
            return off.name.value
        }
        return defaultVariant(of: flag, settings)
    }

    // MARK: Rules

    /// Whether `rule` matches every context and serves one fixed variant: no later rule and no
    /// default can be reached after it.
    package static func isCatchAll(_ rule: RuleDefinition) -> Bool {
        guard case .variant = rule.serve else { return false }
        return rule.condition.map { ConditionShape($0).matchesEverything } ?? true
    }

    /// The rules of a list no context can reach: those after a catch-all rule, and those whose
    /// condition is the same as an earlier rule's that serves a fixed variant.
    package static func unreachableRules(_ rules: [RuleDefinition]) -> [UnreachableRule] {
        var result: [UnreachableRule] = []
        var catchAll: SourceLocation?
        var decided: [ConditionShape: SourceLocation] = [:]
        for rule in rules {
            let shape = rule.condition.map(ConditionShape.init) ?? .all([])
            if let catchAll {
                result.append(UnreachableRule(rule: rule, cause: .afterCatchAll(catchAll)))
                continue
            }
            if let earlier = decided[shape] {
                result.append(UnreachableRule(rule: rule, cause: .shadowed(by: earlier)))
                continue
            }
            if isCatchAll(rule) { catchAll = rule.location }
            if case .variant = rule.serve, decided[shape] == nil { decided[shape] = rule.location }
        }
        return result
    }

    /// The variants one `serve` can give; at `time` (Unix seconds) a ramp serves what its current
    /// step gives, without a time every variant it can ever give.
    package func served(by serve: ServeDefinition, at time: Double?) -> Set<String> {
        switch serve {
        case .variant(let name): return [name.value]
        case .split(let weights, _):
            return Set(weights.filter { $0.hundredths > 0 }.map(\.variant.value))
        case .hashedSplit(let weights, _, _, _):
            return Set(weights.filter { $0.weight > 0 }.map(\.variant.value))
        case .progressive(let variant, let others, let steps, _):
            guard let time else {
                var names: Set<String> = []
                // Before the first step everyone reached gets `others`.
                names.insert(others.value)
                if steps.contains(where: { $0.hundredths > 0 }) { names.insert(variant.value) }
                return names
            }
            guard let current = steps.last(where: { $0.startsAt <= time }) else { return [others.value] }
            switch current.hundredths {
            case 0: return [others.value]
            case 10_000:
                // A finished ramp only counts once its last step is older than the grace period.
                let last = steps.last!
                let settled = last.hundredths == 10_000 && last.startsAt + rampGrace <= time
                return settled ? [variant.value] : [variant.value, others.value]
            default: return [variant.value, others.value]
            }
        }
    }

    // MARK: Served variants

    /// The variants `flag` can serve in `environment` (nil: as written). At `time` (Unix seconds)
    /// ramps serve their current step; without one, anything they ever serve counts.
    package mutating func servedVariants(
        _ flag: FlagDefinition,
        environment: String?,
        at time: Double? = nil,
        population: Population = .everyContext
    ) -> ServedVariants {
        let key = MemoKey(
            flag: flag.key.value,
            environment: environment,
            time: time,
            identified: population == .identifiedContexts
        )
        if let known = memo[key] { return known }
        // A cycle among prerequisites is an error reported elsewhere; this guard only stops recursion.
        memo[key] = ServedVariants(names: [], offVariant: "", isEnabled: true)
        let result = computeServed(flag, environment: environment, at: time, population: population)
        memo[key] = result
        return result
    }

    private mutating func computeServed(
        _ flag: FlagDefinition,
        environment: String?,
        at time: Double?,
        population: Population
    ) -> ServedVariants {
        let settings = Self.settings(of: flag, environment: environment)
        let off = Self.offVariant(of: flag, settings) ?? ""
        let isEnabled = settings.enabled?.value ?? true
        guard isEnabled else { return ServedVariants(names: [off], offVariant: off, isEnabled: false) }
        var names: Set<String> = []
        for prerequisite in flag.prerequisites {
            guard let required = project.flag(prerequisite.flag.value) else { continue }
            let served = servedVariants(required, environment: environment, at: time, population: population)
            if !served.names.contains(prerequisite.variant.value) {
                return ServedVariants(names: [off], offVariant: off, isEnabled: true)
            }
            if served.names != [prerequisite.variant.value] { names.insert(off) }
        }
        let rules = settings.rules ?? []
        let unreachable = Set(Self.unreachableRules(rules).map(\.rule.location))
        var fallsThrough = true
        for rule in rules where !unreachable.contains(rule.location) {
            if let condition = rule.condition, ConditionShape(condition).matchesNothing { continue }
            let served = served(by: rule.serve, at: time)
            names.formUnion(served)
            if Self.isCatchAll(rule) {
                fallsThrough = false
                break
            }
            let unconditional = rule.condition.map { ConditionShape($0).matchesEverything } ?? true
            if population == .identifiedContexts && unconditional {
                // Every identified context is bucketed here: nothing after this rule is reached.
                fallsThrough = false
                break
            }
        }
        if fallsThrough, let defaultVariant = Self.defaultVariant(of: flag, settings) { names.insert(defaultVariant) }
        return ServedVariants(names: names, offVariant: off, isEnabled: true)
    }
}

/// A condition's structure without source locations, so that two conditions written the same way
/// (in any order of their entries) compare equal.
package indirect enum ConditionShape: Hashable, Sendable {
    case all(Set<ConditionShape>)
    case any(Set<ConditionShape>)
    case not(ConditionShape)
    case segment(String)
    case predicate(String, Predicate)

    package init(_ node: ConditionNode) {
        switch node {
        case .all(let items):
            let shapes = Set(items.map(ConditionShape.init).filter { !$0.matchesEverything })
            self = shapes.count == 1 ? shapes.first! : .all(shapes)
        case .any(let items):
            let shapes = Set(items.map(ConditionShape.init))
            self = shapes.count == 1 ? shapes.first! : .any(shapes)
        case .not(let inner): self = .not(ConditionShape(inner))
        case .segment(let name): self = .segment(name.value)
        case .predicate(let attribute, let predicate): self = .predicate(attribute.value, predicate)
        }
    }

    /// Holds for every context (an empty `all`, or only such).
    package var matchesEverything: Bool {
        switch self {
        case .all(let items): items.allSatisfy(\.matchesEverything)
        case .any(let items): items.contains(where: \.matchesEverything)
        case .not(let inner): inner.matchesNothing
        case .segment, .predicate: false
        }
    }

    /// Holds for no context (an empty `any`, or only such).
    package var matchesNothing: Bool {
        switch self {
        case .all(let items): items.contains(where: \.matchesNothing)
        case .any(let items): items.allSatisfy(\.matchesNothing)
        case .not(let inner): inner.matchesEverything
        case .segment, .predicate: false
        }
    }
}
