import FlagRuntime

/// Turns a validated project into the content of one target's bundle: selects the target's flags,
/// applies its environment's overrides, keeps only the segments they use, orders flags and segments
/// so every reference points backwards, and resolves every name to an index.
struct TargetLowering {
    let project: FlagProject
    let target: TargetDefinition

    private var attributes: [String] = []
    private var attributeIndex: [String: Int] = [:]
    private var segmentIndex: [String: Int] = [:]
    private var segments: [CompiledSegment] = []
    /// Segments listed for lowering but not lowered yet (a reference to one closes a cycle).
    private var inProgress: Set<String> = []
    private let variantLookup = VariantLookup()

    init(project: FlagProject, target: TargetDefinition) {
        self.project = project
        self.target = target
    }

    /// The content, or nil when the project has errors that lowering would trip over.
    mutating func lower() -> BundleContent {
        let selected = TargetSelection(target: target, project: project).flags
        let byKey = Dictionary(selected.map { ($0.key.value, $0) }, uniquingKeysWith: { first, _ in first })
        let ordered = Self.topologicalOrder(selected.map(\.key.value).sorted()) { key in
            byKey[key]?.prerequisites.map(\.flag.value).filter { byKey[$0] != nil } ?? []
        }
        let flagIndex = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1, $0) })
        let segmentDefinitions = Dictionary(
            project.segments.map { ($0.name.value, $0) },
            uniquingKeysWith: { first, _ in first }
        )

        var flags: [CompiledFlag] = []
        for key in ordered {
            guard let flag = byKey[key] else { continue }
            let settings = effectiveSettings(flag)
            let rules = (settings.rules ?? []).map { rule in
                Rule(
                    name: rule.name,
                    condition: rule.condition.map { lower($0, segmentDefinitions) },
                    serve: lower(rule.serve, flag)
                )
            }
            let defaultVariant = settings.defaultVariant.flatMap { variantLookup.index(of: $0.value, in: flag) } ?? 0
            let offVariant =
                settings.offVariant.flatMap { variantLookup.index(of: $0.value, in: flag) }
                ?? (flag.type == .boolean
                    ? flag.variants.firstIndex { $0.value == .bool(false) } ?? defaultVariant
                    : defaultVariant)
            let prerequisites = flag.prerequisites.compactMap { prerequisite -> Prerequisite? in
                guard let index = flagIndex[prerequisite.flag.value], let required = byKey[prerequisite.flag.value],
                    let variant = variantLookup.index(of: prerequisite.variant.value, in: required)
                else { return nil }
                return Prerequisite(flag: index, variant: variant)
            }
            flags.append(
                CompiledFlag(
                    key: key,
                    type: flag.type,
                    variants: flag.variants.map { Variant(name: $0.name.value, value: $0.value) },
                    defaultVariant: defaultVariant,
                    offVariant: offVariant,
                    isEnabled: settings.enabled?.value ?? true,
                    salt: flag.salt ?? key,
                    prerequisites: prerequisites,
                    rules: rules
                )
            )
        }
        return BundleContent(attributes: attributes, segments: segments, flags: flags)
    }

    /// The flag's settings with its target environment's overrides applied.
    func effectiveSettings(_ flag: FlagDefinition) -> FlagSettings {
        var settings = flag.settings
        guard let override = flag.environments[target.environment]?.value else { return settings }
        if let enabled = override.enabled { settings.enabled = enabled }
        if let defaultVariant = override.defaultVariant { settings.defaultVariant = defaultVariant }
        if let offVariant = override.offVariant { settings.offVariant = offVariant }
        if let rules = override.rules { settings.rules = rules }
        return settings
    }

    private mutating func attribute(_ name: String) -> Int {
        if let index = attributeIndex[name] { return index }
        attributes.append(name)
        attributeIndex[name] = attributes.count - 1
        return attributes.count - 1
    }

    private mutating func lower(_ serve: ServeDefinition, _ flag: FlagDefinition) -> Serve {
        switch serve {
        case .variant(let name):
            return .variant(variantLookup.index(of: name.value, in: flag) ?? 0)
        case .split(let weights, let bucketBy):
            var cumulative = 0
            var variants: [Int] = []
            var thresholds: [Int] = []
            for weight in weights {
                cumulative += weight.hundredths
                variants.append(variantLookup.index(of: weight.variant.value, in: flag) ?? 0)
                thresholds.append(cumulative)
            }
            return .split(
                bucketBy: attribute(bucketBy?.value ?? AttributeKind.targetingKeyName),
                variants: variants,
                thresholds: thresholds
            )
        case .hashedSplit(let weights, let bucketBy, let scheme, let salt):
            var cumulative = 0
            var variants: [Int] = []
            var thresholds: [Int] = []
            for weight in weights {
                cumulative += weight.weight
                variants.append(variantLookup.index(of: weight.variant.value, in: flag) ?? 0)
                thresholds.append(cumulative)
            }
            return .hashedSplit(
                bucketBy: attribute(bucketBy?.value ?? AttributeKind.targetingKeyName),
                scheme: scheme,
                salt: salt ?? flag.salt ?? flag.key.value,
                variants: variants,
                thresholds: thresholds
            )
        case .progressive(let variant, let others, let steps, let bucketBy):
            return .progressive(
                bucketBy: attribute(bucketBy?.value ?? AttributeKind.targetingKeyName),
                variant: variantLookup.index(of: variant.value, in: flag) ?? 0,
                others: variantLookup.index(of: others.value, in: flag) ?? 0,
                steps: steps.map { RampStep(startsAt: $0.startsAt, threshold: $0.hundredths) }
            )
        }
    }

    private mutating func lower(_ condition: ConditionNode, _ definitions: [String: SegmentDefinition]) -> Condition {
        switch condition {
        case .all(let items): return .all(items.map { lower($0, definitions) })
        case .any(let items): return .any(items.map { lower($0, definitions) })
        case .not(let inner): return .not(lower(inner, definitions))
        case .segment(let name): return .segment(segment(name.value, definitions))
        case .predicate(let name, let predicate): return .predicate(attribute: attribute(name.value), predicate)
        }
    }

    /// The index of segment `name`, lowering it (and the segments it uses, first) on first use.
    /// Without recursion: the segments it reaches are listed deepest first by an explicit walk, so
    /// each one's condition only refers to segments lowered before it, however long the chain.
    private mutating func segment(_ name: String, _ definitions: [String: SegmentDefinition]) -> Int {
        if let index = segmentIndex[name] { return index }
        guard definitions[name] != nil, !inProgress.contains(name) else { return 0 }  // a cycle: reported already
        let order = Self.postOrder(from: name, definitions: definitions, lowered: segmentIndex)
        inProgress.formUnion(order)
        for dependency in order {
            guard let definition = definitions[dependency] else { continue }
            let condition = definition.condition.map { lower($0, definitions) }
            segments.append(
                CompiledSegment(
                    name: dependency,
                    included: Set(definition.included),
                    excluded: Set(definition.excluded),
                    condition: condition
                )
            )
            segmentIndex[dependency] = segments.count - 1
            inProgress.remove(dependency)
        }
        return segmentIndex[name] ?? 0
    }

    /// The segments reachable from `start` and not lowered yet, each after those it refers to
    /// (references on a cycle are skipped), found by an iterative depth-first walk.
    static func postOrder(
        from start: String,
        definitions: [String: SegmentDefinition],
        lowered: [String: Int]
    ) -> [String] {
        func references(_ name: String) -> [String] {
            definitions[name]?.condition.map(ConditionNode.segmentReferences) ?? []
        }
        var order: [String] = []
        var seen: Set<String> = [start]
        var path: [(name: String, references: [String], next: Int)] = [(start, references(start), 0)]
        while let top = path.last {
            if top.next < top.references.count {
                path[path.count - 1].next += 1
                let next = top.references[top.next]
                guard lowered[next] == nil, definitions[next] != nil, seen.insert(next).inserted else { continue }
                path.append((next, references(next), 0))
            } else {
                order.append(top.name)
                path.removeLast()
            }
        }
        return order
    }

    /// Kahn's algorithm, ties broken by the input order, so dependencies come first.
    static func topologicalOrder(_ nodes: [String], dependencies: (String) -> [String]) -> [String] {
        var remaining = Dictionary(uniqueKeysWithValues: nodes.map { ($0, Set(dependencies($0))) })
        var dependents: [String: [String]] = [:]
        for node in nodes {
            for dependency in remaining[node] ?? [] { dependents[dependency, default: []].append(node) }
        }
        var ready = nodes.filter { remaining[$0]?.isEmpty ?? true }
        var order: [String] = []
        var cursor = 0
        while cursor < ready.count {
            let node = ready[cursor]
            cursor += 1
            order.append(node)
            for dependent in dependents[node] ?? [] {
                remaining[dependent]?.remove(node)
                if remaining[dependent]?.isEmpty == true { ready.append(dependent) }
            }
        }
        return order  // nodes in a cycle are left out; the validator reported the cycle
    }
}
