import FlagRuntime

/// One target's flags and segments as `flagc diff` and the audit log compare them: the lowered
/// bundle content (what functions evaluate) with every index resolved back to a name, plus the
/// metadata and environment overrides when the side knows them. A bundle and a source tree of the
/// same definitions give equal snapshots, because both are made from the lowered content.
package struct TargetSnapshot: Sendable, Equatable {
    package var target: String
    package var environment: String
    /// By key.
    package var flags: [String: FlagSnapshot]
    /// By name: the segments the target's flags use.
    package var segments: [String: SegmentSnapshot]

    package init(
        target: String,
        environment: String,
        flags: [String: FlagSnapshot],
        segments: [String: SegmentSnapshot]
    ) {
        self.target = target
        self.environment = environment
        self.flags = flags
        self.segments = segments
    }

    /// The snapshot of lowered `content`; `metadata` and `overrides` by flag key when known.
    package init(
        target: String,
        environment: String,
        content: BundleContent,
        metadata: [String: FlagSnapshot.Metadata]?,
        overrides: [String: [String]]?
    ) {
        self.target = target
        self.environment = environment
        let renderer = ConditionText(content: content)
        var segments: [String: SegmentSnapshot] = [:]
        for segment in content.segments {
            segments[segment.name] = SegmentSnapshot(
                name: segment.name,
                included: segment.included.sorted,
                excluded: segment.excluded.sorted,
                condition: segment.condition.map(renderer.text),
                segmentsUsed: renderer.segments(in: segment.condition)
            )
        }
        var flags: [String: FlagSnapshot] = [:]
        for flag in content.flags {
            let names = flag.variants.map(\.name)
            let rules = flag.rules.map { rule in
                RuleSnapshot(
                    name: rule.name,
                    condition: rule.condition.map(renderer.text),
                    serve: ServeSnapshot(rule.serve, variants: names, attributes: content.attributes),
                    segmentsUsed: renderer.segments(in: rule.condition)
                )
            }
            flags[flag.key] = FlagSnapshot(
                key: flag.key,
                type: flag.type.description,
                variants: flag.variants.map { ($0.name, BundleInspection.jsonValue($0.value).jsonText) },
                defaultVariant: names[flag.defaultVariant],
                offVariant: names[flag.offVariant],
                isEnabled: flag.isEnabled,
                salt: flag.salt,
                prerequisites: flag.prerequisites.map { prerequisite in
                    let required = content.flags[prerequisite.flag]
                    return "\(required.key) = \(required.variants[prerequisite.variant].name)"
                },
                rules: rules,
                metadata: metadata?[flag.key],
                override: overrides.map { $0[flag.key] ?? [] }
            )
        }
        self.flags = flags
        self.segments = segments
    }

    /// The segments `flag` reaches, directly or through other segments.
    package func segmentsReached(by flag: FlagSnapshot) -> Set<String> {
        var reached: Set<String> = []
        var pending = flag.rules.flatMap(\.segmentsUsed)
        while let name = pending.popLast() {
            guard reached.insert(name).inserted else { continue }
            pending.append(contentsOf: segments[name]?.segmentsUsed ?? [])
        }
        return reached
    }
}

/// A flag with names instead of indices.
package struct FlagSnapshot: Sendable, Equatable {
    /// What the definitions say about a flag besides its behaviour.
    package struct Metadata: Sendable, Equatable {
        package var description: String?
        package var owner: String?
        package var tags: [String]
        package var compliance: [String]
        package var expires: String?

        package init(description: String?, owner: String?, tags: [String], compliance: [String], expires: String?) {
            self.description = description
            self.owner = owner
            self.tags = tags
            self.compliance = compliance
            self.expires = expires
        }
    }

    package var key: String
    package var type: String
    /// Names and values (JSON text), in their order.
    package var variants: [(name: String, value: String)]
    package var defaultVariant: String
    package var offVariant: String
    package var isEnabled: Bool
    package var salt: String
    /// `flag = variant`, in order.
    package var prerequisites: [String]
    package var rules: [RuleSnapshot]
    /// nil: this side does not know (a bundle without its manifest).
    package var metadata: Metadata?
    /// The fields the target's environment overrides, as `field: value` lines; nil when unknown.
    package var override: [String]?

    /// Whether the flag carries a compliance tag: the audit log then records change kinds only.
    package var isComplianceTagged: Bool { !(metadata?.compliance.isEmpty ?? true) }

    package static func == (lhs: FlagSnapshot, rhs: FlagSnapshot) -> Bool {
        lhs.key == rhs.key && lhs.type == rhs.type && lhs.variants.elementsEqual(rhs.variants, by: ==)
            && lhs.defaultVariant == rhs.defaultVariant && lhs.offVariant == rhs.offVariant
            && lhs.isEnabled == rhs.isEnabled && lhs.salt == rhs.salt && lhs.prerequisites == rhs.prerequisites
            && lhs.rules == rhs.rules && lhs.metadata == rhs.metadata && lhs.override == rhs.override
    }
}

/// A rule: its condition as text and what it serves.
package struct RuleSnapshot: Sendable, Equatable {
    package var name: String?
    /// nil: the rule always matches.
    package var condition: String?
    package var serve: ServeSnapshot
    /// The segments its condition names directly.
    package var segmentsUsed: [String]
}

/// What a rule serves, by variant name; weights and ramp percents in hundredths of a percent.
package enum ServeSnapshot: Sendable, Equatable {
    case variant(String)
    /// Cumulative thresholds in 0...10000, as in the bundle.
    case split(bucketBy: String, variants: [String], thresholds: [Int])
    case progressive(bucketBy: String, variant: String, others: String, steps: [RampStep])

    init(_ serve: Serve, variants names: [String], attributes: [String]) {
        switch serve {
        case .variant(let index): self = .variant(names[index])
        case .split(let bucketBy, let variants, let thresholds):
            self = .split(bucketBy: attributes[bucketBy], variants: variants.map { names[$0] }, thresholds: thresholds)
        case .progressive(let bucketBy, let variant, let others, let steps):
            self = .progressive(
                bucketBy: attributes[bucketBy],
                variant: names[variant],
                others: names[others],
                steps: steps
            )
        case .hashedSplit(let bucketBy, let scheme, let salt, let variants, let thresholds):
            // Another engine's buckets (`hash:`), scaled to 10,000 (exact when their count divides
            // 10,000, as 100 and 1,000 do); the scheme and salt are part of how it buckets, so a
            // change of either re-buckets, like a change of attribute.
            let total = max(1, thresholds.last ?? 1)
            self = .split(
                bucketBy: "\(attributes[bucketBy]) (hash \(scheme.name), salt '\(salt)')",
                variants: variants.map { names[$0] },
                thresholds: thresholds.map { $0 * 10_000 / total }
            )
        }
    }

    /// The bucketing attribute of a split or ramp.
    var bucketBy: String? {
        switch self {
        case .variant: nil
        case .split(let bucketBy, _, _), .progressive(let bucketBy, _, _, _): bucketBy
        }
    }

    /// The variant each of the 10,000 buckets gets at `time` (a fixed variant gives every bucket).
    func assignment(at time: Double) -> [(upTo: Int, variant: String)] {
        switch self {
        case .variant(let name): return [(10_000, name)]
        case .split(_, let variants, let thresholds): return Array(zip(thresholds, variants).map { ($0, $1) })
        case .progressive(_, let variant, let others, let steps):
            let threshold = steps.last { $0.startsAt <= time }?.threshold ?? 0
            return [(threshold, variant), (10_000, others)]
        }
    }

    /// `split on 5%, off 95%` or `ramp on over off: 5% from …`.
    var text: String {
        switch self {
        case .variant(let name): return name
        case .split(let bucketBy, let variants, let thresholds):
            var previous = 0
            let weights = zip(variants, thresholds).map { variant, threshold in
                defer { previous = threshold }
                return "\(variant) \(ProjectValidator.percentText(threshold - previous))%"
            }
            return "split " + weights.joined(separator: ", ") + Self.byText(bucketBy)
        case .progressive(let bucketBy, let variant, let others, let steps):
            let stepText = steps.map {
                "\(ProjectValidator.percentText($0.threshold))% from \(Timestamp.formatRFC3339(fractional: $0.startsAt))"
            }
            return "ramp \(variant) over \(others): " + stepText.joined(separator: ", ") + Self.byText(bucketBy)
        }
    }

    private static func byText(_ attribute: String) -> String {
        attribute == AttributeKind.targetingKeyName ? "" : " by \(attribute)"
    }
}

/// A segment with names instead of indices.
package struct SegmentSnapshot: Sendable, Equatable {
    package var name: String
    package var included: [String]
    package var excluded: [String]
    package var condition: String?
    package var segmentsUsed: [String]
}

/// Renders a lowered condition as text with attribute and segment names, the same for a bundle and
/// a source tree: `country in [DE, FR] and appVersion semverGte 2.4.0`.
struct ConditionText {
    let content: BundleContent

    func segments(in condition: Condition?) -> [String] {
        guard let condition else { return [] }
        var names: [String] = []
        var pending = [condition]
        while let node = pending.popLast() {
            if node.kind == .segment {
                names.append(content.segments[node.index].name)
            } else {
                pending.append(contentsOf: node.children)
            }
        }
        return names
    }

    func text(_ condition: Condition) -> String {
        switch condition.kind {
        case .all:
            if condition.children.isEmpty { return "always" }
            return condition.children.map { grouped($0) }.joined(separator: " and ")
        case .any:
            if condition.children.isEmpty { return "never" }
            return condition.children.map { grouped($0) }.joined(separator: " or ")
        case .not: return "not " + grouped(condition.children[0])
        case .segment: return "segment \(content.segments[condition.index].name)"
        case .predicate:
            guard let predicate = condition.predicate else { return "?" }
            return content.attributes[condition.index] + " " + Self.text(predicate)
        }
    }

    private func grouped(_ condition: Condition) -> String {
        let inner = text(condition)
        return (condition.kind == .all || condition.kind == .any) && condition.children.count > 1 ? "(\(inner))" : inner
    }

    static func text(_ predicate: Predicate) -> String {
        func literal(_ value: Literal) -> String {
            switch value {
            case .string(let string): JSONValue.string(string).jsonText
            case .number(let number): JSONValue.number(number).jsonText
            case .bool(let bool): bool ? "true" : "false"
            }
        }
        func set(_ values: LiteralSet) -> String {
            let items =
                values.strings.sorted.map { JSONValue.string($0).jsonText }
                + values.numbers.map { JSONValue.number($0).jsonText }
                + values.bools.map { $0 ? "true" : "false" }
            return "[" + items.joined(separator: ", ") + "]"
        }
        func folded(_ ignoreCase: Bool) -> String { ignoreCase ? " (ignoring case)" : "" }
        switch predicate {
        case .equals(let value, let ignoreCase): return "eq \(literal(value))" + folded(ignoreCase)
        case .notEquals(let value, let ignoreCase): return "ne \(literal(value))" + folded(ignoreCase)
        case .isIn(let values, let ignoreCase): return "in \(set(values))" + folded(ignoreCase)
        case .notIn(let values, let ignoreCase): return "notIn \(set(values))" + folded(ignoreCase)
        case .contains(let text, let ignoreCase):
            return "contains \(JSONValue.string(text).jsonText)" + folded(ignoreCase)
        case .notContains(let text, let ignoreCase):
            return "notContains \(JSONValue.string(text).jsonText)" + folded(ignoreCase)
        case .startsWith(let text, let ignoreCase):
            return "startsWith \(JSONValue.string(text).jsonText)" + folded(ignoreCase)
        case .endsWith(let text, let ignoreCase):
            return "endsWith \(JSONValue.string(text).jsonText)" + folded(ignoreCase)
        case .matches(let automaton):
            // Bundles keep the compiled automaton, not the pattern: name it by a digest of its tables.
            let digest = SHA256.hex(Array(String(describing: automaton).utf8)).prefix(12)
            return "matches regex#\(digest)"
        case .greaterThan(let number): return "gt \(JSONValue.number(number).jsonText)"
        case .greaterThanOrEqual(let number): return "gte \(JSONValue.number(number).jsonText)"
        case .lessThan(let number): return "lt \(JSONValue.number(number).jsonText)"
        case .lessThanOrEqual(let number): return "lte \(JSONValue.number(number).jsonText)"
        case .semver(let comparison, let version):
            let names: [SemverComparison: String] = [
                .equal: "semverEq", .greaterThan: "semverGt", .greaterThanOrEqual: "semverGte", .lessThan: "semverLt",
                .lessThanOrEqual: "semverLte",
            ]
            return "\(names[comparison] ?? "semver") \(version)"
        case .before(let time): return "before \(Timestamp.formatRFC3339(fractional: time))"
        case .after(let time): return "after \(Timestamp.formatRFC3339(fractional: time))"
        case .inCIDR(let ranges): return "inCidr [" + ranges.map(\.description).joined(separator: ", ") + "]"
        case .exists(let flag): return "exists \(flag)"
        case .rollout(let scheme, let salt, let threshold):
            return "rollout below \(threshold) of \(scheme.rolloutTotal) (hash \(scheme.name), salt '\(salt)')"
        }
    }
}

extension TargetSnapshot {
    /// The snapshot as JSON in one fixed form: what an audit entry's `contentDigest` hashes, so a
    /// snapshot rebuilt later (from the entry's commit) can be proven to be the one the entry recorded.
    package var digestText: String {
        func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        let flagValues = flags.values.sorted { $0.key < $1.key }.map { flag -> JSONValue in
            .members([
                ("key", .string(flag.key)),
                ("type", .string(flag.type)),
                ("variants", .array(flag.variants.map { .strings([$0.name, $0.value]) })),
                ("default", .string(flag.defaultVariant)),
                ("offVariant", .string(flag.offVariant)),
                ("enabled", .bool(flag.isEnabled)),
                ("salt", .string(flag.salt)),
                ("prerequisites", .strings(flag.prerequisites)),
                (
                    "rules",
                    .array(
                        flag.rules.map { rule in
                            .strings([rule.name ?? "", rule.condition ?? "", rule.serve.text])
                        }
                    )
                ),
                (
                    "metadata",
                    flag.metadata.map { metadata in
                        .members([
                            ("description", optional(metadata.description)),
                            ("owner", optional(metadata.owner)),
                            ("tags", .strings(metadata.tags)),
                            ("compliance", .strings(metadata.compliance)),
                            ("expires", optional(metadata.expires)),
                        ])
                    } ?? .null
                ),
                ("override", flag.override.map(JSONValue.strings) ?? .null),
            ])
        }
        let segmentValues = segments.values.sorted { $0.name < $1.name }.map { segment -> JSONValue in
            .members([
                ("name", .string(segment.name)),
                ("included", .strings(segment.included)),
                ("excluded", .strings(segment.excluded)),
                ("condition", optional(segment.condition)),
            ])
        }
        // Members in a fixed order, flags and segments sorted: deterministic without sorting every object.
        return JSONValue.members([
            ("target", .string(target)),
            ("environment", .string(environment)),
            ("flags", .array(flagValues)),
            ("segments", .array(segmentValues)),
        ]).jsonText
    }
}
