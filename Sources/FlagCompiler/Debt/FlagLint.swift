import FlagRuntime

/// The warnings of `flagc check` about debt in the definitions: rules no context reaches, segments no
/// flag uses, variants nothing serves, prerequisites that can never hold, and (when the project
/// declares its `context:`) attributes not declared or compared with the wrong kind of operator.
package struct FlagLint {
    let project: FlagProject
    let diagnostics: DiagnosticCollector

    package init(project: FlagProject, diagnostics: DiagnosticCollector) {
        self.project = project
        self.diagnostics = diagnostics
    }

    /// Runs every check; findings are warnings (a declared attribute given twice is an error).
    package func run() {
        var analysis = ReachabilityAnalysis(project: project)
        let environments = Self.environments(of: project)
        for flag in project.flags {
            checkRules(flag.settings.rules ?? [], of: flag)
            for (_, override) in flag.environments.sorted(by: { $0.key < $1.key }) {
                checkRules(override.value.rules ?? [], of: flag)
            }
            checkVariants(flag, environments: environments, analysis: &analysis)
            checkPrerequisites(flag, environments: environments, analysis: &analysis)
        }
        checkUnusedSegments()
        ContextCheck(project: project, diagnostics: diagnostics).run()
    }

    /// The environments the targets build for (nil: the flags as written, when there is no target).
    static func environments(of project: FlagProject) -> [String?] {
        let names = Set(project.targets.map(\.environment)).sorted()
        return names.isEmpty ? [nil] : names
    }

    private func checkRules(_ rules: [RuleDefinition], of flag: FlagDefinition) {
        for unreachable in ReachabilityAnalysis.unreachableRules(rules) {
            switch unreachable.cause {
            case .afterCatchAll(let location):
                diagnostics.append(
                    DebtMessages.ruleAfterCatchAll(unreachable.rule, flag: flag.key.value, catchAll: location)
                )
            case .shadowed(let location):
                diagnostics.append(DebtMessages.shadowedRule(unreachable.rule, flag: flag.key.value, by: location))
            }
        }
    }

    private func checkVariants(
        _ flag: FlagDefinition,
        environments: [String?],
        analysis: inout ReachabilityAnalysis
    ) {
        // Boolean flags always have both values: `off` is what the kill switch serves.
        guard flag.type != .boolean, flag.variants.count > 1 else { return }
        var served: Set<String> = []
        for environment in environments {
            let variants = analysis.servedVariants(flag, environment: environment)
            served.formUnion(variants.names)
            served.insert(variants.offVariant)
        }
        for variant in flag.variants where !served.contains(variant.name.value) {
            diagnostics.append(DebtMessages.unservedVariant(variant.name, flag: flag.key.value))
        }
    }

    private func checkPrerequisites(
        _ flag: FlagDefinition,
        environments: [String?],
        analysis: inout ReachabilityAnalysis
    ) {
        for prerequisite in flag.prerequisites {
            guard let required = project.flag(prerequisite.flag.value) else { continue }
            let failing = environments.filter { environment in
                !analysis.servedVariants(required, environment: environment).names
                    .contains(prerequisite.variant.value)
            }
            guard !failing.isEmpty else { continue }
            diagnostics.append(
                DebtMessages.unsatisfiablePrerequisite(
                    prerequisite,
                    flag: flag.key.value,
                    environments: failing.count == environments.count ? [] : failing.compactMap { $0 }
                )
            )
        }
    }

    private func checkUnusedSegments() {
        var used: Set<String> = []
        var pending: [String] = []
        for flag in project.flags {
            let ruleLists = [flag.settings.rules ?? []] + flag.environments.values.map { $0.value.rules ?? [] }
            for rule in ruleLists.joined() {
                if let condition = rule.condition { pending += ConditionNode.segmentReferences(condition) }
            }
        }
        let segments = Dictionary(project.segments.map { ($0.name.value, $0) }, uniquingKeysWith: { a, _ in a })
        while let name = pending.popLast() {
            guard used.insert(name).inserted, let condition = segments[name]?.condition else { continue }
            pending += ConditionNode.segmentReferences(condition)
        }
        for segment in project.segments where !used.contains(segment.name.value) {
            diagnostics.append(DebtMessages.unusedSegment(segment.name))
        }
    }
}

/// Checks the attributes rules use against the declared `context:` schema, when there is one.
struct ContextCheck {
    let project: FlagProject
    let diagnostics: DiagnosticCollector

    /// Attributes every context has without declaring them.
    static let builtIn: [String: ContextAttributeType] = [
        AttributeKind.targetingKeyName: .string, AttributeKind.nowName: .timestamp,
    ]

    func run() {
        let declared = project.contextAttributes
        guard !declared.isEmpty else { return }
        var types: [String: ContextAttributeType] = [:]
        var firstLocation: [String: SourceLocation] = [:]
        for attribute in declared {
            if let first = firstLocation[attribute.name.value] {
                diagnostics.append(DebtMessages.duplicateAttribute(attribute.name, first: first))
                continue
            }
            firstLocation[attribute.name.value] = attribute.name.location
            types[attribute.name.value] = attribute.type
        }
        let names = Array(types.keys)
        func check(_ condition: ConditionNode) {
            switch condition {
            case .all(let items), .any(let items): items.forEach(check)
            case .not(let inner): check(inner)
            case .segment: break
            case .predicate(let attribute, let predicate):
                guard let type = lookUp(attribute, names: names, types: types) else { return }
                checkOperator(predicate, on: attribute, type: type)
            }
        }
        for segment in project.segments { segment.condition.map(check) }
        for flag in project.flags {
            let ruleLists = [flag.settings.rules ?? []] + flag.environments.values.map { $0.value.rules ?? [] }
            for rule in ruleLists.joined() {
                rule.condition.map(check)
                switch rule.serve {
                case .split(_, let by?), .progressive(_, _, _, let by?), .hashedSplit(_, let by?, _, _):
                    _ = lookUp(by, names: names, types: types)
                default: break
                }
            }
        }
    }

    /// The declared (or built-in) type of `attribute`; nil, with a warning, when it is not declared.
    private func lookUp(
        _ attribute: Located<String>,
        names: [String],
        types: [String: ContextAttributeType]
    ) -> ContextAttributeType? {
        if let type = types[attribute.value] ?? Self.builtIn[attribute.value] { return type }
        let suggestion = Suggestion.closest(to: attribute.value, among: names)
        diagnostics.append(DebtMessages.undeclaredAttribute(attribute, suggestion: suggestion))
        return nil
    }

    private func checkOperator(_ predicate: Predicate, on attribute: Located<String>, type: ContextAttributeType) {
        let (name, accepted) = Self.operatorTypes(predicate)
        guard !accepted.contains(type) else { return }
        diagnostics.append(
            DebtMessages.operatorTypeMismatch(name, attribute: attribute, declared: type, accepted: accepted)
        )
    }

    /// An operator's name and the declared types it makes sense on.
    static func operatorTypes(_ predicate: Predicate) -> (String, [ContextAttributeType]) {
        let text: [ContextAttributeType] = [.string, .version, .ip, .timestamp]
        let any = ContextAttributeType.allCases
        switch predicate {
        case .equals: return ("eq", any)
        case .notEquals: return ("ne", any)
        case .isIn: return ("in", any)
        case .notIn: return ("notIn", any)
        case .contains: return ("contains", text + [.list])
        case .notContains: return ("notContains", text + [.list])
        case .startsWith: return ("startsWith", text)
        case .endsWith: return ("endsWith", text)
        case .matches: return ("matches", text)
        case .greaterThan: return ("gt", [.number, .timestamp])
        case .greaterThanOrEqual: return ("gte", [.number, .timestamp])
        case .lessThan: return ("lt", [.number, .timestamp])
        case .lessThanOrEqual: return ("lte", [.number, .timestamp])
        case .semver(let comparison, _):
            let names: [SemverComparison: String] = [
                .equal: "semverEq", .greaterThan: "semverGt", .greaterThanOrEqual: "semverGte",
                .lessThan: "semverLt", .lessThanOrEqual: "semverLte",
            ]
            return (names[comparison] ?? "semver", [.version])
        case .before: return ("before", [.timestamp, .number])
        case .after: return ("after", [.timestamp, .number])
        case .inCIDR: return ("inCidr", [.ip])
        case .exists: return ("exists", any)
        case .rollout: return ("rollout", any)
        }
    }
}
