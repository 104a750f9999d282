import FlagRuntime

/// What changed between two snapshots of one target, flag by flag and segment by segment: the
/// result of `flagc diff` and the `changes` of an audit entry.
package struct SemanticDiff: Sendable, Equatable {
    /// One change of a flag or a segment.
    package struct Change: Sendable, Equatable {
        /// What kind of change: one of ``Kind``'s raw values.
        package var kind: Kind
        /// For people: which rule, condition, serve, values before and after.
        package var detail: String
        /// For split and ramp changes: who moves, exactly.
        package var exposure: ExposureDelta?
        /// Contexts already assigned are re-bucketed (a salt or bucketing change, reordered ranges).
        package var warning: String?

        package init(_ kind: Kind, _ detail: String, exposure: ExposureDelta? = nil, warning: String? = nil) {
            self.kind = kind
            self.detail = detail
            self.exposure = exposure
            self.warning = warning
        }
    }

    /// The change kinds, as the JSON output and the audit log name them.
    package enum Kind: String, Sendable, Equatable, CaseIterable {
        case added, removed, enabled, type, variants, salt, prerequisites
        case defaultVariant = "default"
        case offVariant
        case ruleAdded = "rule-added"
        case ruleRemoved = "rule-removed"
        case ruleReordered = "rules-reordered"
        case ruleCondition = "rule-condition"
        case ruleServe = "rule-serve"
        case segment
        case environment
        case description, owner, tags, compliance, expires
        // Segments' own changes.
        case included, excluded, condition
    }

    /// A flag that was added, removed or changed.
    package struct FlagChange: Sendable, Equatable {
        package var key: String
        /// Tagged on either side: the audit log records its change kinds only.
        package var isComplianceTagged: Bool
        package var changes: [Change]

        package var kinds: [Kind] {
            var seen: [Kind] = []
            for change in changes where !seen.contains(change.kind) { seen.append(change.kind) }
            return seen
        }
    }

    /// A segment that was added, removed or changed, and the flags that reach it.
    package struct SegmentChange: Sendable, Equatable {
        package var name: String
        package var changes: [Change]
        /// Flags (of either side) whose rules use the segment, directly or through other segments.
        package var reaches: [String]
    }

    package var target: String
    /// By key.
    package var flags: [FlagChange]
    /// By name.
    package var segments: [SegmentChange]

    package var isEmpty: Bool { flags.isEmpty && segments.isEmpty }

    /// Compares `old` with `new`; ramps are compared at `time` (Unix seconds).
    package init(old: TargetSnapshot, new: TargetSnapshot, at time: Double) {
        target = new.target
        var segmentChanges: [SegmentChange] = []
        for name in Set(old.segments.keys).union(new.segments.keys).sorted() {
            let changes = Self.compare(segment: old.segments[name], new.segments[name])
            guard !changes.isEmpty else { continue }
            let reaching = Set(old.flags.values.filter { old.segmentsReached(by: $0).contains(name) }.map(\.key))
                .union(new.flags.values.filter { new.segmentsReached(by: $0).contains(name) }.map(\.key))
            segmentChanges.append(SegmentChange(name: name, changes: changes, reaches: reaching.sorted()))
        }
        segments = segmentChanges
        var flagChanges: [FlagChange] = []
        for key in Set(old.flags.keys).union(new.flags.keys).sorted() {
            var changes = Self.compare(flag: old.flags[key], new.flags[key], at: time)
            if let oldFlag = old.flags[key], let newFlag = new.flags[key] {
                let reached = old.segmentsReached(by: oldFlag).union(new.segmentsReached(by: newFlag))
                for segment in segmentChanges where reached.contains(segment.name) {
                    changes.append(Change(.segment, "segment '\(segment.name)' changed"))
                }
            }
            guard !changes.isEmpty else { continue }
            let tagged = (old.flags[key]?.isComplianceTagged ?? false) || (new.flags[key]?.isComplianceTagged ?? false)
            flagChanges.append(FlagChange(key: key, isComplianceTagged: tagged, changes: changes))
        }
        flags = flagChanges
    }

    // MARK: Flags

    static func compare(flag old: FlagSnapshot?, _ new: FlagSnapshot?, at time: Double) -> [Change] {
        guard let old else {
            guard let new else { return [] }
            let rules = new.rules.count == 1 ? "1 rule" : "\(new.rules.count) rules"
            return [
                Change(
                    .added,
                    "\(new.type), default \(new.defaultVariant), \(rules)\(new.isEnabled ? "" : ", disabled")"
                )
            ]
        }
        guard let new else { return [Change(.removed, "was \(old.type), default \(old.defaultVariant)")] }
        var changes: [Change] = []
        if old.isEnabled != new.isEnabled {
            changes.append(Change(.enabled, new.isEnabled ? "enabled (was disabled)" : "disabled (kill switch)"))
        }
        if old.type != new.type { changes.append(Change(.type, "\(old.type) → \(new.type)")) }
        changes += compareVariants(old, new)
        if old.defaultVariant != new.defaultVariant {
            changes.append(Change(.defaultVariant, "\(old.defaultVariant) → \(new.defaultVariant)"))
        }
        if old.offVariant != new.offVariant {
            changes.append(Change(.offVariant, "\(old.offVariant) → \(new.offVariant)"))
        }
        if old.salt != new.salt {
            let bucketed =
                new.rules.contains { $0.serve.bucketBy != nil } || old.rules.contains { $0.serve.bucketBy != nil }
            changes.append(
                Change(
                    .salt,
                    "'\(old.salt)' → '\(new.salt)'",
                    warning: bucketed
                        ? "every context's bucket changes: contexts already in a split or ramp of this flag are re-bucketed at random"
                        : nil
                )
            )
        }
        if old.prerequisites != new.prerequisites {
            changes.append(Change(.prerequisites, listText(old.prerequisites) + " → " + listText(new.prerequisites)))
        }
        changes += compareRules(old, new, at: time)
        if let oldOverride = old.override, let newOverride = new.override, oldOverride != newOverride {
            changes.append(Change(.environment, listText(oldOverride) + " → " + listText(newOverride)))
        }
        if let oldMetadata = old.metadata, let newMetadata = new.metadata {
            changes += compareMetadata(oldMetadata, newMetadata)
        }
        return changes
    }

    private static func compareVariants(_ old: FlagSnapshot, _ new: FlagSnapshot) -> [Change] {
        var parts: [String] = []
        let oldValues = Dictionary(old.variants.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let newValues = Dictionary(new.variants.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        for (name, value) in new.variants where oldValues[name] == nil { parts.append("added \(name) = \(value)") }
        for (name, value) in old.variants where newValues[name] == nil {
            parts.append("removed \(name) (was \(value))")
        }
        for (name, value) in new.variants {
            if let before = oldValues[name], before != value { parts.append("\(name): \(before) → \(value)") }
        }
        let common = old.variants.map(\.name).filter { newValues[$0] != nil }
        if parts.isEmpty, common != new.variants.map(\.name).filter({ oldValues[$0] != nil }) {
            parts.append("reordered: " + new.variants.map(\.name).joined(separator: ", "))
        }
        return parts.map { Change(.variants, $0) }
    }

    /// Rules are matched by name; unnamed rules by their position among the unnamed ones.
    private static func compareRules(_ old: FlagSnapshot, _ new: FlagSnapshot, at time: Double) -> [Change] {
        func identities(_ rules: [RuleSnapshot]) -> [String] {
            var unnamed = 0
            return rules.map { rule in
                if let name = rule.name { return "'\(name)'" }
                unnamed += 1
                return "#\(unnamed) (unnamed)"
            }
        }
        let oldIDs = identities(old.rules)
        let newIDs = identities(new.rules)
        var changes: [Change] = []
        for (index, id) in newIDs.enumerated() where !oldIDs.contains(id) {
            let rule = new.rules[index]
            changes.append(
                Change(
                    .ruleAdded,
                    "rule \(id) at position \(index + 1): \(conditionText(rule.condition)) → \(rule.serve.text)"
                )
            )
        }
        for (index, id) in oldIDs.enumerated() where !newIDs.contains(id) {
            changes.append(Change(.ruleRemoved, "rule \(id) (was at position \(index + 1))"))
        }
        let commonOld = oldIDs.filter { newIDs.contains($0) }
        let commonNew = newIDs.filter { oldIDs.contains($0) }
        if commonOld != commonNew {
            changes.append(
                Change(.ruleReordered, commonOld.joined(separator: ", ") + " → " + commonNew.joined(separator: ", "))
            )
        }
        for (newIndex, id) in newIDs.enumerated() {
            guard let oldIndex = oldIDs.firstIndex(of: id) else { continue }
            let before = old.rules[oldIndex]
            let after = new.rules[newIndex]
            if before.condition != after.condition {
                changes.append(
                    Change(
                        .ruleCondition,
                        "rule \(id): when \(conditionText(before.condition)) → when \(conditionText(after.condition))"
                    )
                )
            }
            if before.serve != after.serve {
                changes.append(serveChange(id, before.serve, after.serve, saltChanged: old.salt != new.salt, at: time))
            }
        }
        return changes
    }

    private static func serveChange(
        _ id: String,
        _ old: ServeSnapshot,
        _ new: ServeSnapshot,
        saltChanged: Bool,
        at time: Double
    ) -> Change {
        let detail = "rule \(id): \(old.text) → \(new.text)"
        var isRamp = false
        if case .progressive = old { isRamp = true }
        if case .progressive = new { isRamp = true }
        let when = isRamp ? " at \(Timestamp.formatRFC3339(fractional: time))" : ""
        let exposure = ExposureDelta(old: old.assignment(at: time), new: new.assignment(at: time))
        var ramped: String?
        if case .progressive(_, let variant, _, _) = new, case .progressive(_, variant, _, _) = old { ramped = variant }
        if let oldBy = old.bucketBy, let newBy = new.bucketBy, oldBy != newBy {
            return Change(
                .ruleServe,
                detail + ";\(when) shares "
                    + exposure.text(rampedVariant: ramped).prefix { $0 != ":" },
                exposure: exposure,
                warning:
                    "the bucketing attribute changes (\(oldBy) → \(newBy)): every context this rule matches is re-bucketed at random"
            )
        }
        var warning: String?
        if exposure.reassigned > 0 {
            warning =
                "\(ExposureDelta.percent(exposure.reassigned))% of the contexts this rule matches were already assigned and change variant although the shares do not require it (re-bucketed)"
        }
        return Change(
            .ruleServe,
            detail + ";\(when) " + exposure.text(rampedVariant: ramped),
            exposure: exposure,
            warning: saltChanged ? nil : warning
        )
    }

    private static func compareMetadata(_ old: FlagSnapshot.Metadata, _ new: FlagSnapshot.Metadata) -> [Change] {
        var changes: [Change] = []
        func optional(_ value: String?) -> String { value.map { "'\($0)'" } ?? "none" }
        if old.description != new.description {
            changes.append(Change(.description, "\(optional(old.description)) → \(optional(new.description))"))
        }
        if old.owner != new.owner { changes.append(Change(.owner, "\(optional(old.owner)) → \(optional(new.owner))")) }
        if old.tags != new.tags { changes.append(Change(.tags, listText(old.tags) + " → " + listText(new.tags))) }
        if old.compliance != new.compliance {
            changes.append(Change(.compliance, listText(old.compliance) + " → " + listText(new.compliance)))
        }
        if old.expires != new.expires {
            changes.append(Change(.expires, "\(optional(old.expires)) → \(optional(new.expires))"))
        }
        return changes
    }

    // MARK: Segments

    static func compare(segment old: SegmentSnapshot?, _ new: SegmentSnapshot?) -> [Change] {
        guard let old else {
            guard let new else { return [] }
            return [Change(.added, "\(new.included.count) included, \(new.excluded.count) excluded")]
        }
        guard let new else { return [Change(.removed, "no flag of the target uses it any more")] }
        var changes: [Change] = []
        if let text = setChange(old.included, new.included) { changes.append(Change(.included, text)) }
        if let text = setChange(old.excluded, new.excluded) { changes.append(Change(.excluded, text)) }
        if old.condition != new.condition {
            changes.append(
                Change(.condition, "when \(conditionText(old.condition)) → when \(conditionText(new.condition))")
            )
        }
        return changes
    }

    private static func setChange(_ old: [String], _ new: [String]) -> String? {
        let oldSet = Set(old.map(CodePointString.init))
        let newSet = Set(new.map(CodePointString.init))
        let added = new.filter { !oldSet.contains(CodePointString($0)) }
        let removed = old.filter { !newSet.contains(CodePointString($0)) }
        guard !added.isEmpty || !removed.isEmpty else { return nil }
        func sample(_ keys: [String]) -> String {
            keys.prefix(10).joined(separator: ", ") + (keys.count > 10 ? ", … \(keys.count - 10) more" : "")
        }
        var parts: [String] = []
        if !added.isEmpty { parts.append("+\(added.count) (\(sample(added)))") }
        if !removed.isEmpty { parts.append("-\(removed.count) (\(sample(removed)))") }
        return parts.joined(separator: ", ")
    }

    // MARK: Text

    static func conditionText(_ condition: String?) -> String { condition ?? "always" }

    static func listText(_ items: [String]) -> String {
        items.isEmpty ? "[]" : "[" + items.joined(separator: ", ") + "]"
    }
}
