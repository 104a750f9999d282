import FlagRuntime

/// Project-wide checks: unique names, every reference resolves, variants exist, weights add up,
/// ramps are ordered, no cycles among segments or prerequisites.
struct ProjectValidator {
    let project: FlagProject
    let diagnostics: DiagnosticCollector
    private let variants = VariantLookup()
    private let suggestions = SuggestionBudget(20)

    init(project: FlagProject, diagnostics: DiagnosticCollector) {
        self.project = project
        self.diagnostics = diagnostics
    }

    func validate() {
        let segments = uniqueSegments()
        let flags = uniqueFlags()
        for segment in project.segments {
            if let condition = segment.condition { checkReferences(condition, segments: segments) }
        }
        for flag in project.flags {
            checkVariants(flag)
            checkSettings(flag.settings, of: flag, segments: segments, environment: nil)
            for (name, override) in flag.environments.sorted(by: { $0.key < $1.key }) {
                checkSettings(override.value, of: flag, segments: segments, environment: name)
            }
            for prerequisite in flag.prerequisites { checkPrerequisite(prerequisite, of: flag, flags: flags) }
        }
        checkSegmentCycles(segments)
        checkPrerequisiteCycles(flags)
        checkTargets()
        RegexBudget.standard.checkTargets(of: project, diagnostics: diagnostics)
    }

    private func uniqueSegments() -> [String: SegmentDefinition] {
        var seen: [String: SegmentDefinition] = [:]
        for segment in project.segments {
            if let first = seen[segment.name.value] {
                diagnostics.append(ValidatorMessages.duplicateSegment(segment.name, first: first.name.location))
            } else {
                seen[segment.name.value] = segment
            }
        }
        return seen
    }

    private func uniqueFlags() -> [String: FlagDefinition] {
        var seen: [String: FlagDefinition] = [:]
        for flag in project.flags {
            if let first = seen[flag.key.value] {
                diagnostics.append(ValidatorMessages.duplicateFlag(flag.key, first: first.key.location))
            } else {
                seen[flag.key.value] = flag
            }
        }
        return seen
    }

    private func checkVariants(_ flag: FlagDefinition) {
        var names: Set<String> = []
        for variant in flag.variants where !names.insert(variant.name.value).inserted {
            diagnostics.append(ValidatorMessages.duplicateVariant(variant.name))
        }
        checkCount(flag.variants.count, of: "variants", flag: flag)
        checkCount(flag.prerequisites.count, of: "prerequisites", flag: flag)
    }

    /// A flag's variants, prerequisites and rules are counted in 16 bits in a bundle.
    private func checkCount(_ count: Int, of what: String, flag: FlagDefinition, environment: String? = nil) {
        guard count > FlagTables.maximumPerFlag else { return }
        diagnostics.append(
            ValidatorMessages.tooMany(
                what,
                count: count,
                flag: flag.key,
                environment: environment,
                maximum: FlagTables.maximumPerFlag
            )
        )
    }

    private func checkVariant(_ name: Located<String>, of flag: FlagDefinition, role: String) {
        guard variants.index(of: name.value, in: flag) == nil, !flag.variants.isEmpty else { return }
        let names = flag.variants.map(\.name.value)
        let suggestion = suggestions.closest(to: name.value) { names }
        diagnostics.append(
            ValidatorMessages.unknownVariant(
                name,
                role: role,
                flag: flag.key.value,
                variants: names,
                suggestion: suggestion
            )
        )
    }

    private func checkSettings(
        _ settings: FlagSettings,
        of flag: FlagDefinition,
        segments: [String: SegmentDefinition],
        environment: String?
    ) {
        if let name = settings.defaultVariant { checkVariant(name, of: flag, role: "'default'") }
        if let name = settings.offVariant { checkVariant(name, of: flag, role: "'offVariant'") }
        checkCount(settings.rules?.count ?? 0, of: "rules", flag: flag, environment: environment)
        for rule in settings.rules ?? [] {
            if let condition = rule.condition { checkReferences(condition, segments: segments) }
            switch rule.serve {
            case .variant(let name): checkVariant(name, of: flag, role: "'serve'")
            case .split(let weights, _):
                var seen: Set<String> = []
                for weight in weights {
                    checkVariant(weight.variant, of: flag, role: "'split'")
                    if !seen.insert(weight.variant.value).inserted {
                        diagnostics.append(ValidatorMessages.splitVariantTwice(weight.variant))
                    }
                }
                let total = weights.reduce(0) { $0 + $1.hundredths }
                if !weights.isEmpty && total != 10_000 {
                    diagnostics.append(ValidatorMessages.splitTotal(total, at: weights[0].variant.location))
                }
            case .hashedSplit(let weights, _, _, _):
                var seen: Set<String> = []
                for weight in weights {
                    checkVariant(weight.variant, of: flag, role: "'split'")
                    if !seen.insert(weight.variant.value).inserted {
                        diagnostics.append(ValidatorMessages.splitVariantTwice(weight.variant))
                    }
                }
            case .progressive(let variant, let others, let steps, _):
                checkVariant(variant, of: flag, role: "'progressive.variant'")
                checkVariant(others, of: flag, role: "'progressive.others'")
                for (previous, step) in zip(steps, steps.dropFirst()) where step.startsAt <= previous.startsAt {
                    diagnostics.append(ValidatorMessages.rampOutOfOrder(at: step.location))
                }
            }
        }
    }

    static func percentText(_ hundredths: Int) -> String {
        let fraction = hundredths % 100
        return fraction == 0 ? "\(hundredths / 100)" : "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    private func checkReferences(_ condition: ConditionNode, segments: [String: SegmentDefinition]) {
        switch condition {
        case .all(let items), .any(let items):
            for item in items { checkReferences(item, segments: segments) }
        case .not(let inner): checkReferences(inner, segments: segments)
        case .segment(let name):
            if segments[name.value] == nil {
                let suggestion = suggestions.closest(to: name.value) { segments.keys }
                diagnostics.append(ValidatorMessages.unknownSegment(name, suggestion: suggestion))
            }
        case .predicate: break
        }
    }

    private func checkPrerequisite(
        _ prerequisite: PrerequisiteDefinition,
        of flag: FlagDefinition,
        flags: [String: FlagDefinition]
    ) {
        guard let required = flags[prerequisite.flag.value] else {
            let suggestion = suggestions.closest(to: prerequisite.flag.value) { flags.keys }
            diagnostics.append(ValidatorMessages.unknownPrerequisite(prerequisite.flag, suggestion: suggestion))
            return
        }
        if variants.index(of: prerequisite.variant.value, in: required) == nil {
            checkVariant(prerequisite.variant, of: required, role: "'requires' of flag '\(flag.key.value)'")
        }
    }

    // MARK: Cycles and chains

    /// How deep segments may refer to segments, and flags require flags: the runtime evaluates
    /// such chains by nested calls, so their depth is bounded like the nesting of a condition.
    static let maximumChainDepth = 32
    /// Cycles listed per graph; more are counted in one last error.
    static let maximumListedCycles = 20

    private func checkSegmentCycles(_ segments: [String: SegmentDefinition]) {
        let graph = DependencyGraph(
            segments.mapValues { segment in segment.condition.map(ConditionNode.segmentReferences) ?? [] }
        )
        checkGraph(graph, noun: "segment") { segments[$0]?.name.location }
    }

    private func checkPrerequisiteCycles(_ flags: [String: FlagDefinition]) {
        let graph = DependencyGraph(flags.mapValues { $0.prerequisites.map(\.flag.value) })
        checkGraph(graph, noun: "flag") { flags[$0]?.key.location }
    }

    /// Reports cycles (long ones abbreviated, many ones counted) or, without cycles, chains deeper
    /// than `maximumChainDepth`.
    private func checkGraph(_ graph: DependencyGraph, noun: String, location: (String) -> SourceLocation?) {
        let analysis = graph.analyze(cycleLimit: Self.maximumListedCycles)
        for cycle in analysis.cycles {
            let path = DependencyGraph.abbreviated(cycle + [cycle[0]])
            diagnostics.append(
                ValidatorMessages.cycle(noun: noun, length: cycle.count, path: path, at: location(cycle[0]))
            )
        }
        if analysis.moreCycles > 0, let first = analysis.cycles.first {
            diagnostics.append(ValidatorMessages.moreCycles(analysis.moreCycles, noun: noun, at: location(first[0])))
        }
        guard analysis.cycles.isEmpty else { return }
        let tooDeep = analysis.depth.indices.filter { analysis.depth[$0] > Self.maximumChainDepth }
        guard let deepest = tooDeep.max(by: { analysis.depth[$0] < analysis.depth[$1] }) else { return }
        let chain = graph.chain(from: deepest, in: analysis)
        diagnostics.append(
            ValidatorMessages.chainTooDeep(
                noun: noun,
                chain: chain,
                path: DependencyGraph.abbreviated(chain),
                maximum: Self.maximumChainDepth,
                others: tooDeep.count - 1,
                at: location(chain[0])
            )
        )
    }

    // MARK: Targets

    private func checkTargets() {
        for target in project.targets {
            let selection = TargetSelection(target: target, project: project)
            if selection.flags.isEmpty && !diagnostics.hasErrors {
                diagnostics.append(ValidatorMessages.emptySelection(target))
            }
            let kept = Set(selection.flags.map(\.key.value))
            for flag in selection.flags {
                for prerequisite in flag.prerequisites where !kept.contains(prerequisite.flag.value) {
                    guard project.flag(prerequisite.flag.value) != nil else { continue }
                    diagnostics.append(
                        ValidatorMessages.prerequisiteLeftOut(
                            flag: flag.key.value,
                            prerequisite: prerequisite.flag,
                            target: target.name
                        )
                    )
                }
            }
        }
    }
}

extension ConditionNode {
    /// The segment names a condition refers to.
    static func segmentReferences(_ condition: ConditionNode) -> [String] {
        switch condition {
        case .all(let items), .any(let items): items.flatMap(segmentReferences)
        case .not(let inner): segmentReferences(inner)
        case .segment(let name): [name.value]
        case .predicate: []
        }
    }
}
