import FlagRuntime

/// What the compiler knows about one flag in one target: the document policies are checked against
/// (`flagc policy-input` prints it as JSON). docs/policies.md defines every fact.
package struct PolicyFacts: Sendable, Equatable {
    package var key: String
    package var type: String
    package var owner: String?
    package var tags: [String]
    package var compliance: [String]
    /// `expires` as written (YYYY-MM-DD).
    package var expires: String?
    /// Whole days from the build time to `expires` (00:00 UTC), rounded down; negative once past.
    package var daysToExpiry: Int?
    package var environment: String
    package var target: String
    package var enabled: Bool
    package var ruleCount: Int
    /// The attribute names the flag's rules read (conditions, segments' conditions, bucketing), sorted.
    package var attributes: [String]
    /// The segments the flag's rules use, directly or through other segments, sorted.
    package var segments: [String]
    package var servesEveryone: Bool
    /// Percent, up to two decimals.
    package var maxExposurePercent: Double
    /// The fewest steps among the flag's reachable ramps; 0 without a ramp.
    package var rampSteps: Int
    /// The largest first step among the ramps, in percent; nil without a ramp.
    package var firstStepPercent: Double?
    /// The shortest time between two consecutive steps of a ramp, in seconds; nil when no ramp has two steps.
    package var minStepInterval: Int?
    /// The largest rise of a ramp from one step to the next (the first step rises from 0), in percent.
    package var maxStepIncrease: Double?
    /// The keys of the flags this flag requires, sorted.
    package var prerequisites: [String]
    /// The approvals that count: distinct known approvers who signed the flag's current digest.
    package var approvals: Int
    /// Their names, sorted.
    package var approvers: [String]
    /// `approvals` without the flag's owner (what `distinctFromOwner: true` counts).
    package var approvalsNotByOwner: Int

    /// The facts a check may name, in the order of the JSON document.
    package static let names = [
        "key", "type", "owner", "tags", "compliance", "expires", "daysToExpiry", "environment", "target", "enabled",
        "ruleCount", "attributes", "segments", "servesEveryone", "maxExposurePercent", "rampSteps",
        "firstStepPercent", "minStepInterval", "maxStepIncrease", "prerequisites", "approvals", "approvers",
    ]

    /// Facts whose values are durations in seconds: checks may write `24h`, `7d`, ...
    package static let durationFacts: Set<String> = ["minStepInterval"]
    /// Facts whose values are dates: checks may write `2027-03-31` for `before`/`after`.
    package static let dateFacts: Set<String> = ["expires"]

    /// The facts of `flag` as lowered into `content` for `target`.
    /// - Parameters:
    ///   - definition: the flag's definition (metadata: owner, tags, compliance, expires).
    ///   - now: the build time (Unix seconds), for `daysToExpiry`.
    package init(
        flag: CompiledFlag,
        content: BundleContent,
        definition: FlagDefinition?,
        target: TargetDefinition,
        now: Int64,
        approvals: CountedApprovals = CountedApprovals()
    ) {
        let metadata = definition?.metadata
        key = flag.key
        type = flag.type.description
        owner = metadata?.owner
        tags = metadata?.tags ?? []
        compliance = metadata?.compliance ?? []
        expires = metadata?.expires?.value
        daysToExpiry = metadata?.expiresAt.map { Self.floorDiv($0 - now, 86_400) }
        environment = target.environment
        self.target = target.name
        enabled = flag.isEnabled
        ruleCount = flag.rules.count

        var attributeIndices: Set<Int> = []
        var segmentIndices: Set<Int> = []
        func visit(_ condition: Condition) {
            switch condition.kind {
            case .all, .any, .not: condition.children.forEach(visit)
            case .predicate: attributeIndices.insert(condition.index)
            case .segment:
                guard segmentIndices.insert(condition.index).inserted,
                    content.segments.indices.contains(condition.index)
                else { return }
                content.segments[condition.index].condition.map(visit)
            }
        }
        for rule in flag.rules {
            rule.condition.map(visit)
            switch rule.serve {
            case .variant: break
            case .split(let bucketBy, _, _), .progressive(let bucketBy, _, _, _),
                .hashedSplit(let bucketBy, _, _, _, _):
                attributeIndices.insert(bucketBy)
            }
        }
        attributes = attributeIndices.filter { content.attributes.indices.contains($0) }.map { content.attributes[$0] }
            .sorted()
        segments = segmentIndices.filter { content.segments.indices.contains($0) }.map { content.segments[$0].name }
            .sorted()

        let analysis = ExposureAnalysis(flag)
        servesEveryone = analysis.servesEveryone
        maxExposurePercent = Double(analysis.maxExposure) / 100
        let ramps = analysis.ramps(of: flag).map { $0.sorted { $0.startsAt < $1.startsAt } }.filter { !$0.isEmpty }
        rampSteps = ramps.map(\.count).min() ?? 0
        firstStepPercent = ramps.compactMap { $0.first.map { Double($0.threshold) / 100 } }.max()
        var shortest: Double?
        var largestRise: Int?
        for steps in ramps {
            var previous = 0
            for (index, step) in steps.enumerated() {
                largestRise = max(largestRise ?? Int.min, step.threshold - previous)
                previous = step.threshold
                if index > 0 {
                    let interval = step.startsAt - steps[index - 1].startsAt
                    shortest = min(shortest ?? .infinity, interval)
                }
            }
        }
        minStepInterval = shortest.map { Int($0.rounded(.down)) }
        maxStepIncrease = largestRise.map { Double($0) / 100 }
        prerequisites = flag.prerequisites.compactMap {
            content.flags.indices.contains($0.flag) ? content.flags[$0.flag].key : nil
        }.sorted()
        self.approvals = approvals.approvers.count
        approvers = approvals.approvers.map(\.name).sorted()
        approvalsNotByOwner = approvals.approvers.filter { $0.name != metadata?.owner }.count
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int {
        Int(a >= 0 ? a / b : -((-a + b - 1) / b))
    }

    /// The value of fact `name` as a condition reads it (nil: missing).
    package func value(_ name: String) -> AttributeValue? {
        switch name {
        case "key": .string(key)
        case "type": .string(type)
        case "owner": owner.map(AttributeValue.string)
        case "tags": .list(tags.map(AttributeValue.string))
        case "compliance": .list(compliance.map(AttributeValue.string))
        case "expires": expires.map { .string($0 + "T00:00:00Z") }
        case "daysToExpiry": daysToExpiry.map { .number(Double($0)) }
        case "environment": .string(environment)
        case "target": .string(target)
        case "enabled": .bool(enabled)
        case "ruleCount": .number(Double(ruleCount))
        case "attributes": .list(attributes.map(AttributeValue.string))
        case "segments": .list(segments.map(AttributeValue.string))
        case "servesEveryone": .bool(servesEveryone)
        case "maxExposurePercent": .number(maxExposurePercent)
        case "rampSteps": .number(Double(rampSteps))
        case "firstStepPercent": firstStepPercent.map(AttributeValue.number)
        case "minStepInterval": minStepInterval.map { .number(Double($0)) }
        case "maxStepIncrease": maxStepIncrease.map(AttributeValue.number)
        case "prerequisites": .list(prerequisites.map(AttributeValue.string))
        case "approvals": .number(Double(approvals))
        case "approvers": .list(approvers.map(AttributeValue.string))
        case Self.approvalsNotByOwnerName: .number(Double(approvalsNotByOwner))
        default: nil
        }
    }

    /// The attribute that `approvals` checks with `distinctFromOwner: true` read (not a public fact).
    package static let approvalsNotByOwnerName = "approvals.notByOwner"

    /// The facts document: one JSON object, members in `names` order, missing facts as null.
    package var json: JSONValue {
        func number(_ value: Double?) -> JSONValue {
            guard let value else { return .null }
            return value == value.rounded() && abs(value) < 1e15 ? .integer(Int64(value)) : .number(value)
        }
        func integer(_ value: Int?) -> JSONValue { value.map { .integer(Int64($0)) } ?? .null }
        func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([
            JSONMember("key", .string(key)),
            JSONMember("type", .string(type)),
            JSONMember("owner", string(owner)),
            JSONMember("tags", .array(tags.map(JSONValue.string))),
            JSONMember("compliance", .array(compliance.map(JSONValue.string))),
            JSONMember("expires", string(expires)),
            JSONMember("daysToExpiry", integer(daysToExpiry)),
            JSONMember("environment", .string(environment)),
            JSONMember("target", .string(target)),
            JSONMember("enabled", .bool(enabled)),
            JSONMember("ruleCount", integer(ruleCount)),
            JSONMember("attributes", .array(attributes.map(JSONValue.string))),
            JSONMember("segments", .array(segments.map(JSONValue.string))),
            JSONMember("servesEveryone", .bool(servesEveryone)),
            JSONMember("maxExposurePercent", number(maxExposurePercent)),
            JSONMember("rampSteps", integer(rampSteps)),
            JSONMember("firstStepPercent", number(firstStepPercent)),
            JSONMember("minStepInterval", integer(minStepInterval)),
            JSONMember("maxStepIncrease", number(maxStepIncrease)),
            JSONMember("prerequisites", .array(prerequisites.map(JSONValue.string))),
            JSONMember("approvals", integer(approvals)),
            JSONMember("approvers", .array(approvers.map(JSONValue.string))),
        ])
    }

    /// An evaluation context holding every fact as an attribute (missing facts left out).
    package var context: EvaluationContext {
        var attributes = ContextAttributes()
        attributes.reserveCapacity(Self.names.count + 1)
        for name in Self.names + [Self.approvalsNotByOwnerName] {
            if let value = value(name) { attributes.append(newName: name, value) }
        }
        return EvaluationContext(attributes: attributes)
    }
}
