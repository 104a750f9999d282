// Over 700 lines: one toggle's mapping (payload shape, strategies, constraints, variants, dependencies) is
// read top to bottom in one place, each part next to the Unleash SDK behaviour it reproduces.

import FlagRuntime

/// `flagc import unleash`: an Unleash client features payload (`/api/client/features`, or the delta
/// API's `events`) as flagc YAML that decides as Unleash's SDKs do (docs/compatibility.md).
///
/// Context mapping: Unleash's `properties` are flattened into top-level attributes, and `userId`,
/// `sessionId`, `remoteAddress`, `environment`, `appName` and `currentTime` keep their names; `userId`
/// is also the targeting key. A toggle without variants becomes a boolean flag (`isEnabled`); one with
/// variants an `object` flag whose variants are Unleash's (the value is the payload, or null) plus
/// `disabled`, so the variant is the name `getVariant` returns.
public enum UnleashImporter {
    /// The variant served when the toggle is off or no variant applies.
    public static let disabledVariant = "disabled"
    /// The variant served when a strategy enables the toggle but no variant applies (Unleash's
    /// `getVariant` says `disabled` with `feature_enabled: true`; `isEnabled` is true).
    public static let noVariant = "no-variant"
    /// The attribute the `applicationHostname` strategy reads.
    public static let hostnameAttribute = "hostname"

    /// The flagc key of an Unleash toggle named `name`.
    public static func flagKey(for name: String) -> String { ImportedNames.key(for: name) }

    /// Imports `json`, the payload's text.
    public static func importPayload(_ json: String, source: String) throws(ImportError) -> ImportResult {
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            throw ImportError("not valid JSON: \(error)", at: "$")
        }
        var importer = Importer()
        try importer.read(JSONReader(root, at: "$"))
        return try importer.result(source: source)
    }

    private struct Feature {
        var name: String
        var reader: JSONReader
        var fields: [String: JSONReader]
    }

    private struct Importer {
        var features: [Feature] = []
        var segments: [(id: String, reader: JSONReader)] = []
        var warnings: [ImportWarning] = []

        mutating func warn(_ message: String, at path: String) {
            warnings.append(ImportWarning(path: path, message: message))
        }

        // MARK: Reading

        mutating func read(_ root: JSONReader) throws(ImportError) {
            let fields = try root.object(
                known: ["version", "features", "segments", "query", "meta", "events"],
                what: "an Unleash features payload"
            )
            if let events = fields["events"] {
                for event in try events.array("'events'") { try apply(event) }
            }
            if let list = fields["features"] {
                for feature in try list.array("'features'") { try upsert(feature) }
            }
            if let list = fields["segments"] {
                for segment in try list.array("'segments'") { try upsertSegment(segment) }
            }
            if fields["features"] == nil && fields["events"] == nil {
                throw root.error("an Unleash features payload needs 'features' (or the delta API's 'events')")
            }
        }

        /// One event of the delta API, applied in order.
        mutating func apply(_ event: JSONReader) throws(ImportError) {
            let fields = try event.object(
                known: [
                    "eventId", "type", "features", "segments", "feature", "featureName", "segment", "segmentId",
                    "project",
                ],
                what: "a delta event"
            )
            guard let type = try fields["type"]?.string("'type'") else {
                throw event.error("a delta event needs 'type'")
            }
            switch type {
            case "hydration":
                features = []
                segments = []
                for feature in try fields["features"]?.array("'features'") ?? [] { try upsert(feature) }
                for segment in try fields["segments"]?.array("'segments'") ?? [] { try upsertSegment(segment) }
            case "feature-updated":
                guard let feature = fields["feature"] else { throw event.error("'feature-updated' needs 'feature'") }
                try upsert(feature)
            case "feature-removed":
                guard let name = try fields["featureName"]?.string("'featureName'") else {
                    throw event.error("'feature-removed' needs 'featureName'")
                }
                features.removeAll { $0.name == name }
            case "segment-updated":
                guard let segment = fields["segment"] else { throw event.error("'segment-updated' needs 'segment'") }
                try upsertSegment(segment)
            case "segment-removed":
                guard let id = fields["segmentId"] else { throw event.error("'segment-removed' needs 'segmentId'") }
                let key = try Self.segmentID(id)
                segments.removeAll { $0.id == key }
            default:
                throw ImportError("unknown delta event type '\(type)'", at: event.path + ".type")
            }
        }

        static let featureFields: Set<String> = [
            "name", "description", "enabled", "strategies", "variants", "dependencies", "type", "project", "stale",
            "impressionData", "createdAt", "lastSeenAt",
            // The delta API lists the segments a feature's strategies use; the strategies decide.
            "segments",
        ]

        mutating func upsert(_ reader: JSONReader) throws(ImportError) {
            let fields = try reader.object(known: Self.featureFields, what: "a feature")
            guard let name = try fields["name"]?.string("'name'") else { throw reader.error("a feature needs 'name'") }
            let feature = Feature(name: name, reader: reader, fields: fields)
            if let index = features.firstIndex(where: { $0.name == name }) {
                features[index] = feature
            } else {
                features.append(feature)
            }
        }

        mutating func upsertSegment(_ reader: JSONReader) throws(ImportError) {
            let fields = try reader.object(
                known: ["id", "name", "description", "constraints", "createdAt", "createdBy", "project"],
                what: "a segment"
            )
            guard let id = fields["id"] else { throw reader.error("a segment needs 'id'") }
            let key = try Self.segmentID(id)
            segments.removeAll { $0.id == key }
            segments.append((key, reader))
        }

        static func segmentID(_ reader: JSONReader) throws(ImportError) -> String {
            switch reader.value {
            case .integer(let id): return String(id)
            case .number(let id) where id == id.rounded() && abs(id) < 1e15: return String(Int64(id))
            case .string(let id): return id
            default: throw reader.error("a segment id must be a number")
            }
        }

        static func segmentName(_ id: String) -> String { ImportedNames.key(for: "segment-" + id) }

        // MARK: Writing

        mutating func result(source: String) throws(ImportError) -> ImportResult {
            var importedSegments: [ImportedSegment] = []
            for (id, reader) in segments {
                let fields = try reader.object(
                    known: ["id", "name", "description", "constraints", "createdAt", "createdBy", "project"],
                    what: "a segment"
                )
                var description = "Unleash segment \(id)"
                if let name = try fields["name"]?.string("'name'") { description += ": \(name)" }
                importedSegments.append(
                    ImportedSegment(
                        name: Self.segmentName(id),
                        description: description,
                        condition: try constraints(fields["constraints"])
                    )
                )
            }
            var flags: [ImportedFlag] = []
            var renamed: [(String, String)] = []
            var keys: [String: String] = [:]
            for feature in features {
                let key = UnleashImporter.flagKey(for: feature.name)
                if let other = keys[key] {
                    throw ImportError(
                        "toggles '\(other)' and '\(feature.name)' both become flag '\(key)'",
                        at: feature.reader.path
                    )
                }
                keys[key] = feature.name
                if key != feature.name { renamed.append((feature.name, key)) }
                flags.append(try flag(feature))
            }
            let yaml = ImportedProjectWriter.yaml(
                header: [
                    "Imported from Unleash (\(YAMLText.comment(source))) by `flagc import unleash`.",
                    "Contexts: Unleash 'properties' become top-level attributes; userId is also the targeting key.",
                    "See docs/compatibility.md for what carries over exactly.",
                ],
                segments: importedSegments,
                flags: flags
            )
            return ImportResult(yaml: yaml, warnings: warnings, renamed: renamed)
        }

        func feature(named name: String) -> Feature? { features.first { $0.name == name } }

        /// Whether a toggle becomes a flag with variants.
        func hasVariants(_ feature: Feature) throws(ImportError) -> Bool {
            if try !Self.list(feature.fields["variants"], "'variants'").isEmpty { return true }
            for strategy in try Self.list(feature.fields["strategies"], "'strategies'") {
                if case .object(let members) = strategy.value,
                    let variants = members.first(where: { $0.key == "variants" }),
                    case .array(let items) = variants.value, !items.isEmpty
                {
                    return true
                }
            }
            return false
        }

        static func list(_ reader: JSONReader?, _ what: String) throws(ImportError) -> [JSONReader] {
            guard let reader, !reader.isNull else { return [] }
            return try reader.array(what)
        }

        mutating func flag(_ feature: Feature) throws(ImportError) -> ImportedFlag {
            let fields = feature.fields
            var flag = ImportedFlag(key: UnleashImporter.flagKey(for: feature.name), defaultVariant: "off")
            if flag.key != feature.name { flag.comments.append("Unleash toggle \(YAMLText.comment(feature.name))") }
            if let description = fields["description"], !description.isNull {
                flag.description = try description.string("'description'")
            }
            flag.enabled = try fields["enabled"]?.bool("'enabled'") ?? true
            let withVariants = try hasVariants(feature)
            var variants = VariantTable()
            let featureVariants = try variantDefinitions(fields["variants"], into: &variants)
            var rules: [ImportedRule] = []
            let strategies = try Self.list(fields["strategies"], "'strategies'")
            var needsNoVariant = false
            for (index, strategy) in strategies.enumerated() {
                let parsed = try self.strategy(strategy, feature: feature.name)
                guard !parsed.skipped else { continue }
                let label = "strategy \(index + 1) (\(parsed.name))"
                if parsed.condition.isNever {
                    continue
                }
                if !withVariants {
                    rules.append(ImportedRule(name: label, condition: parsed.condition, serve: .variant("on")))
                    continue
                }
                let strategyVariants = try variantDefinitions(parsed.variants, into: &variants)
                if strategyVariants.contains(where: { $0.weight > 0 }) {
                    rules += try variantRules(
                        strategyVariants,
                        groupId: parsed.groupId ?? "undefined",
                        stickiness: strategyVariants.first?.stickiness ?? parsed.stickiness,
                        condition: parsed.condition,
                        label: label,
                        path: strategy.path
                    )
                } else if featureVariants.contains(where: { $0.weight > 0 }) {
                    rules += try variantRules(
                        featureVariants,
                        groupId: feature.name,
                        stickiness: featureVariants.first?.stickiness,
                        condition: parsed.condition,
                        label: label + ", feature variants",
                        path: feature.reader.path + ".variants"
                    )
                } else {
                    needsNoVariant = true
                    rules.append(ImportedRule(name: label, condition: parsed.condition, serve: .variant(noVariant)))
                }
            }
            if strategies.isEmpty && flag.enabled {
                // No strategies: Unleash enables the toggle for everyone.
                if !withVariants {
                    flag.defaultVariant = "on"
                } else if featureVariants.contains(where: { $0.weight > 0 }) {
                    rules += try variantRules(
                        featureVariants,
                        groupId: feature.name,
                        stickiness: featureVariants.first?.stickiness,
                        condition: .always,
                        label: "no strategies, feature variants",
                        path: feature.reader.path + ".variants"
                    )
                } else {
                    needsNoVariant = true
                    flag.defaultVariant = noVariant
                }
            }
            if withVariants {
                flag.type = "object"
                flag.variants = [(disabledVariant, .null)] + variants.entries.map { ($0.name, $0.payload) }
                if needsNoVariant { flag.variants.append((noVariant, .null)) }
                if flag.defaultVariant == "off" { flag.defaultVariant = disabledVariant }
                flag.offVariant = disabledVariant
            }
            flag.rules = rules
            try dependencies(feature, into: &flag)
            return flag
        }

        // MARK: Dependencies

        mutating func dependencies(_ feature: Feature, into flag: inout ImportedFlag) throws(ImportError) {
            for dependency in try Self.list(feature.fields["dependencies"], "'dependencies'") {
                let fields = try dependency.object(known: ["feature", "enabled", "variants"], what: "a dependency")
                guard let parentName = try fields["feature"]?.string("'feature'") else {
                    throw dependency.error("a dependency needs 'feature'")
                }
                let wantsEnabled = try fields["enabled"]?.bool("'enabled'") ?? true
                let wantedVariants = try Self.list(fields["variants"], "'variants'").map { item throws(ImportError) in
                    try item.string("a variant name")
                }
                func never(_ why: String) {
                    flag.enabled = false
                    flag.comments.append("Never enabled: \(why) (Unleash evaluates the dependency as unmet).")
                    warn("\(why); the toggle is never enabled, imported with 'enabled: false'", at: dependency.path)
                }
                guard let parent = self.feature(named: parentName) else {
                    never("parent toggle '\(parentName)' is not in the payload")
                    continue
                }
                if try !Self.list(parent.fields["dependencies"], "'dependencies'").isEmpty {
                    never("parent toggle '\(parentName)' has dependencies of its own")
                    continue
                }
                let parentKey = UnleashImporter.flagKey(for: parentName)
                let parentHasVariants = try hasVariants(parent)
                var parentVariantNames: [String] = []
                if parentHasVariants {
                    var table = VariantTable()
                    _ = try variantDefinitions(parent.fields["variants"], into: &table)
                    for strategy in try Self.list(parent.fields["strategies"], "'strategies'") {
                        if case .object(let members) = strategy.value,
                            let variants = members.first(where: { $0.key == "variants" })
                        {
                            _ = try variantDefinitions(JSONReader(variants.value, at: strategy.path), into: &table)
                        }
                    }
                    parentVariantNames = table.entries.map(\.name)
                }
                if !wantsEnabled {
                    flag.requires.append((parentKey, parentHasVariants ? disabledVariant : "off"))
                    continue
                }
                var candidates: [String]
                if !parentHasVariants {
                    // A boolean toggle's variant is always `disabled`.
                    candidates = wantedVariants.isEmpty || wantedVariants.contains(disabledVariant) ? ["on"] : []
                } else if wantedVariants.isEmpty {
                    candidates = parentVariantNames + [noVariant]
                } else {
                    candidates = parentVariantNames.filter(wantedVariants.contains)
                    if wantedVariants.contains(disabledVariant) { candidates.append(noVariant) }
                }
                if parentHasVariants && candidates.count > 1 {
                    // Only variants the parent can serve count.
                    candidates = candidates.filter { $0 != noVariant || parentCanServeNoVariant(parent) }
                }
                switch candidates.count {
                case 0: never("no variant of '\(parentName)' satisfies the dependency")
                case 1: flag.requires.append((parentKey, candidates[0]))
                default:
                    throw ImportError(
                        "the dependency is met by any of the variants \(candidates.joined(separator: ", ")) of '\(parentName)'; flagc prerequisites name one variant",
                        at: dependency.path
                    )
                }
            }
        }

        /// Whether some enabled path of `parent` has no variant to serve.
        func parentCanServeNoVariant(_ parent: Feature) -> Bool {
            guard case .object(let members) = parent.reader.value else { return false }
            func weighted(_ value: JSONValue?) -> Bool {
                guard case .array(let items)? = value else { return false }
                return items.contains { item in
                    guard case .object(let fields) = item, let weight = fields.first(where: { $0.key == "weight" })
                    else { return false }
                    switch weight.value {
                    case .number(let number): return number > 0
                    case .integer(let number): return number > 0
                    default: return false
                    }
                }
            }
            if weighted(members.first { $0.key == "variants" }?.value) { return false }
            guard case .array(let strategies)? = members.first(where: { $0.key == "strategies" })?.value,
                !strategies.isEmpty
            else { return true }
            return strategies.contains { strategy in
                guard case .object(let fields) = strategy else { return true }
                return !weighted(fields.first { $0.key == "variants" }?.value)
            }
        }

        // MARK: Variants

        struct VariantDefinition {
            var name: String
            var weight: Int
            var stickiness: String?
            var overrides: [(context: String, values: [String])]
        }

        /// The flag's variants: each name once, with its payload.
        struct VariantTable {
            var entries: [(name: String, payload: JSONValue)] = []
        }

        mutating func variantDefinitions(
            _ reader: JSONReader?,
            into table: inout VariantTable
        ) throws(ImportError) -> [VariantDefinition] {
            var result: [VariantDefinition] = []
            for item in try Self.list(reader, "'variants'") {
                let fields = try item.object(
                    known: ["name", "weight", "weightType", "stickiness", "payload", "overrides"],
                    what: "a variant"
                )
                guard let name = try fields["name"]?.string("'name'") else {
                    throw item.error("a variant needs 'name'")
                }
                guard name != disabledVariant, name != noVariant else {
                    throw ImportError(
                        "a variant named '\(name)' clashes with the variant flagc adds for \(name == disabledVariant ? "a disabled toggle" : "an enabled toggle without a variant")",
                        at: item.path + ".name"
                    )
                }
                let weightValue = try fields["weight"]?.number("'weight'") ?? 0
                guard weightValue >= 0, weightValue == weightValue.rounded(), weightValue <= Double(Int32.max) else {
                    throw ImportError("a variant weight must be a whole number from 0", at: item.path + ".weight")
                }
                var payload = JSONValue.null
                if let payloadReader = fields["payload"], !payloadReader.isNull {
                    let payloadFields = try payloadReader.object(known: ["type", "value"], what: "a payload")
                    _ = try payloadFields["type"]?.string("'type'")
                    payload = payloadReader.value
                }
                var overrides: [(String, [String])] = []
                for override in try Self.list(fields["overrides"], "'overrides'") {
                    let overrideFields = try override.object(known: ["contextName", "values"], what: "an override")
                    guard let context = try overrideFields["contextName"]?.string("'contextName'") else {
                        throw override.error("an override needs 'contextName'")
                    }
                    let values = try Self.list(overrideFields["values"], "'values'").map { value throws(ImportError) in
                        try value.string("an override value")
                    }
                    overrides.append((context, values))
                }
                let stickiness = try fields["stickiness"].flatMap { reader throws(ImportError) in
                    reader.isNull ? nil : try reader.string("'stickiness'")
                }
                if let existing = table.entries.first(where: { $0.name == name }) {
                    guard existing.payload == payload else {
                        throw ImportError(
                            "variant '\(name)' is defined twice with different payloads; flagc variant names are unique per flag",
                            at: item.path
                        )
                    }
                } else {
                    table.entries.append((name, payload))
                }
                result.append(
                    VariantDefinition(
                        name: name,
                        weight: Int(weightValue),
                        stickiness: stickiness,
                        overrides: overrides
                    )
                )
            }
            return result
        }

        /// The rules choosing among `variants` once `condition` (the strategy) holds, as
        /// `selectVariantDefinition` does: overrides first, then the variant hash of the stickiness value.
        mutating func variantRules(
            _ variants: [VariantDefinition],
            groupId: String,
            stickiness: String?,
            condition: ImportedCondition,
            label: String,
            path: String
        ) throws(ImportError) -> [ImportedRule] {
            var rules: [ImportedRule] = []
            for variant in variants where !variant.overrides.isEmpty {
                let matches = ImportedCondition.or(
                    variant.overrides.map { override in
                        override.values.isEmpty
                            ? .never : .on(override.context, "in", .array(override.values.map(JSONValue.string)))
                    }
                )
                let both = ImportedCondition.and([condition, matches])
                if !both.isNever {
                    rules.append(
                        ImportedRule(name: "\(label), override", condition: both, serve: .variant(variant.name))
                    )
                }
            }
            let weighted = variants.filter { $0.weight > 0 }
            if weighted.count == 1 {
                rules.append(ImportedRule(name: label, condition: condition, serve: .variant(weighted[0].name)))
                return rules
            }
            let weights = variants.map { (variant: $0.name, weight: $0.weight) }
            let stickiness = stickiness ?? "default"
            let attributes = stickiness == "default" ? ["userId", "sessionId", "remoteAddress"] : [stickiness]
            for attribute in attributes {
                rules.append(
                    ImportedRule(
                        name: "\(label), by \(attribute)",
                        condition: .and([condition, .on(attribute, "ne", .string(""))]),
                        serve: .split(weights: weights, by: attribute, hash: .unleashVariants, salt: groupId)
                    )
                )
            }
            let fallback = weighted[0].name
            let note =
                "contexts without \(attributes.joined(separator: ", ")) get '\(fallback)' (Unleash picks a variant at random on each call)"
            warn(note, at: path)
            rules.append(
                ImportedRule(
                    name: "\(label), no stickiness value",
                    condition: condition,
                    serve: .variant(fallback),
                    notes: [note]
                )
            )
            return rules
        }

        // MARK: Strategies

        struct Strategy {
            var name: String
            var condition: ImportedCondition
            var variants: JSONReader?
            var groupId: String?
            var stickiness: String?
            var skipped = false
        }

        mutating func strategy(_ reader: JSONReader, feature: String) throws(ImportError) -> Strategy {
            let fields = try reader.object(
                known: [
                    "name", "parameters", "constraints", "segments", "variants", "id", "title", "disabled",
                    "sortOrder",
                ],
                what: "a strategy"
            )
            guard let name = try fields["name"]?.string("'name'") else { throw reader.error("a strategy needs 'name'") }
            var result = Strategy(name: name, condition: .always, variants: fields["variants"])
            if let disabled = fields["disabled"], !disabled.isNull, try disabled.bool("'disabled'") {
                result.skipped = true
                return result
            }
            var parameters: [String: String] = [:]
            if let parametersReader = fields["parameters"], !parametersReader.isNull {
                guard let members = parametersReader.members else {
                    throw parametersReader.error("'parameters' must be an object")
                }
                for member in members {
                    switch member.value {
                    case .string(let text): parameters[member.key] = text
                    case .number(let number): parameters[member.key] = Bucketing.canonicalNumberText(number)
                    case .integer(let number): parameters[member.key] = String(number)
                    case .bool(let flag): parameters[member.key] = flag ? "true" : "false"
                    case .null: break
                    default:
                        throw ImportError(
                            "a strategy parameter must be a string or a number",
                            at: parametersReader.path + JSONReader.memberPath(member.key)
                        )
                    }
                }
            }
            result.groupId = parameters["groupId"]
            result.stickiness = parameters["stickiness"].flatMap { $0.isEmpty ? nil : $0 }
            let path = reader.path
            let strategyCondition: ImportedCondition
            switch name {
            case "default":
                strategyCondition = .always
            case "userWithId":
                let ids = parameters["userIds"].map(Self.commaList) ?? []
                strategyCondition = ids.isEmpty ? .never : .on("userId", "in", .array(ids.map(JSONValue.string)))
            case "gradualRolloutUserId", "gradualRolloutSessionId":
                let attribute = name == "gradualRolloutUserId" ? "userId" : "sessionId"
                strategyCondition = Self.rollout(
                    attribute,
                    percent: Self.number(parameters["percentage"]),
                    groupId: parameters["groupId"] ?? ""
                )
            case "gradualRolloutRandom":
                strategyCondition = try Self.random(Self.number(parameters["percentage"]), at: path, strategy: name)
            case "flexibleRollout":
                let percent = Self.number(parameters["rollout"])
                let groupId = (parameters["groupId"]).flatMap { $0.isEmpty ? nil : $0 } ?? feature
                switch result.stickiness ?? "default" {
                case "default":
                    if percent >= 100 {
                        strategyCondition = .always
                    } else if !(percent > 0) {
                        strategyCondition = .never
                    } else {
                        let byUser = Self.rollout("userId", percent: percent, groupId: groupId)
                        let noUser = ImportedCondition.negate(Self.present("userId"))
                        let bySession = Self.rollout("sessionId", percent: percent, groupId: groupId)
                        strategyCondition = .or([byUser, .and([noUser, bySession])])
                        warn(
                            "contexts with neither userId nor sessionId are outside this \(Bucketing.canonicalNumberText(percent))% rollout (Unleash draws them at random on each call)",
                            at: path
                        )
                    }
                case "random":
                    strategyCondition = try Self.random(percent, at: path, strategy: "flexibleRollout (random)")
                case let attribute:
                    strategyCondition = Self.rollout(attribute, percent: percent, groupId: groupId)
                }
            case "remoteAddress":
                let entries = parameters["IPs"].map(Self.commaList) ?? []
                let ranges = entries.compactMap { entry -> String? in
                    guard let range = CIDRRange(entry), range.network.family == .ipv4 else { return nil }
                    return entry
                }
                strategyCondition =
                    entries.isEmpty
                    ? .never
                    : .or([
                        .on("remoteAddress", "in", .array(entries.map(JSONValue.string))),
                        ranges.isEmpty ? .never : .on("remoteAddress", "inCidr", .array(ranges.map(JSONValue.string))),
                    ])
            case "applicationHostname":
                let names = parameters["hostNames"].map { Self.commaList($0.lowercased()) } ?? []
                strategyCondition =
                    names.isEmpty
                    ? .never
                    : .predicate(
                        UnleashImporter.hostnameAttribute,
                        [("in", .array(names.map(JSONValue.string))), ("ignoreCase", .bool(true))]
                    )
                warn(
                    "applicationHostname is decided from the context attribute '\(UnleashImporter.hostnameAttribute)' (Unleash reads the host's name)",
                    at: path
                )
            default:
                throw ImportError(
                    "unknown or custom strategy '\(name)'; flagc imports the built-in strategies only (default, userWithId, gradualRolloutUserId, gradualRolloutSessionId, gradualRolloutRandom, remoteAddress, flexibleRollout, applicationHostname)",
                    at: path + ".name"
                )
            }
            var parts = [try constraints(fields["constraints"])]
            for segment in try Self.list(fields["segments"], "'segments'") {
                let id = try Self.segmentID(segment)
                if segments.contains(where: { $0.id == id }) {
                    parts.append(.segment(Self.segmentName(id)))
                } else {
                    warn(
                        "segment \(id) is not in the payload; the strategy never applies (as in Unleash)",
                        at: segment.path
                    )
                    parts.append(.never)
                }
            }
            parts.append(strategyCondition)
            result.condition = .and(parts)
            return result
        }

        /// `a, b,c` as Unleash splits it (`/\s*,\s*/`).
        static func commaList(_ text: String) -> [String] {
            var items: [String] = []
            var current = ""
            for character in text {
                if character == "," {
                    while current.last?.isWhitespace == true { current.removeLast() }
                    items.append(current)
                    current = ""
                } else if current.isEmpty && !items.isEmpty && character.isWhitespace {
                    continue
                } else {
                    current.append(character)
                }
            }
            items.append(current)
            return items
        }

        /// JavaScript's `Number(text)` for the texts Unleash sends (NaN when absent or not a number).
        static func number(_ text: String?) -> Double {
            guard let text else { return .nan }
            let trimmed = text.trimmingWhitespace
            if trimmed.isEmpty { return 0 }
            return Double(trimmed) ?? .nan
        }

        /// `attribute` is present as Unleash's `||` sees it: not missing and not empty.
        static func present(_ attribute: String) -> ImportedCondition {
            .predicate(attribute, [("exists", .bool(true)), ("ne", .string(""))])
        }

        /// `percentage > 0 && murmur3(groupId:value) % 100 + 1 <= percentage` for a present value.
        static func rollout(_ attribute: String, percent: Double, groupId: String) -> ImportedCondition {
            guard percent > 0 else { return .never }
            let threshold = min(100, Int(percent.rounded(.down)))
            return .predicate(
                attribute,
                [
                    (
                        "rollout",
                        .object([
                            JSONMember("percent", .number(Double(threshold))),
                            JSONMember("hash", .string(BucketingScheme.unleash.name)),
                            JSONMember("salt", .string(groupId)),
                        ])
                    ),
                    ("ne", .string("")),
                ]
            )
        }

        /// A random rollout: exact only at 0 % and 100 %.
        static func random(
            _ percent: Double,
            at path: String,
            strategy: String
        ) throws(ImportError) -> ImportedCondition {
            if percent >= 100 { return .always }
            if !(percent >= 1) { return .never }
            throw ImportError(
                "\(strategy) at \(Bucketing.canonicalNumberText(percent))% draws at random on every call; flagc decides deterministically. Use a flexibleRollout with a stickiness instead",
                at: path
            )
        }

        // MARK: Constraints

        mutating func constraints(_ reader: JSONReader?) throws(ImportError) -> ImportedCondition {
            var parts: [ImportedCondition] = []
            for item in try Self.list(reader, "'constraints'") { parts.append(try constraint(item)) }
            return .and(parts)
        }

        mutating func constraint(_ reader: JSONReader) throws(ImportError) -> ImportedCondition {
            let fields = try reader.object(
                known: ["contextName", "operator", "values", "value", "inverted", "caseInsensitive"],
                what: "a constraint"
            )
            guard let context = try fields["contextName"]?.string("'contextName'") else {
                throw reader.error("a constraint needs 'contextName'")
            }
            guard let op = try fields["operator"]?.string("'operator'") else {
                throw reader.error("a constraint needs 'operator'")
            }
            let inverted =
                try fields["inverted"].map { reader throws(ImportError) in
                    reader.isNull ? false : try reader.bool("'inverted'")
                } ?? false
            let ignoreCase =
                try fields["caseInsensitive"].map { reader throws(ImportError) in
                    reader.isNull ? false : try reader.bool("'caseInsensitive'")
                } ?? false
            // `values`, cleaned as the SDKs do: empty ones dropped, the others trimmed.
            var values: [String] = []
            for item in try Self.list(fields["values"], "'values'") {
                let text: String
                switch item.value {
                case .string(let string): text = string
                case .number(let number): text = Bucketing.canonicalNumberText(number)
                case .integer(let number): text = String(number)
                case .null: continue
                default: throw item.error("a constraint value must be a string")
                }
                if !text.isEmpty { values.append(text.trimmingWhitespace) }
            }
            var value: String? = nil
            if let item = fields["value"] {
                switch item.value {
                case .string(let string): value = string
                case .number(let number): value = Bucketing.canonicalNumberText(number)
                case .integer(let number): value = String(number)
                case .null: value = nil
                default: throw item.error("a constraint value must be a string")
                }
            }
            let path = reader.path
            func never(_ why: String) -> ImportedCondition {
                warn("\(why); the SDKs evaluate the constraint as false", at: path)
                return .never
            }
            func anyOf(_ flagcOperator: String) -> ImportedCondition {
                .or(
                    values.map {
                        .predicate(
                            context,
                            [(flagcOperator, .string($0))] + (ignoreCase ? [("ignoreCase", .bool(true))] : [])
                        )
                    }
                )
            }
            let positive: ImportedCondition
            switch op {
            case "IN":
                positive = values.isEmpty ? .never : .on(context, "in", .array(values.map(JSONValue.string)))
            case "NOT_IN":
                positive = values.isEmpty ? .always : .on(context, "notIn", .array(values.map(JSONValue.string)))
            case "STR_STARTS_WITH": positive = anyOf("startsWith")
            case "STR_ENDS_WITH": positive = anyOf("endsWith")
            case "STR_CONTAINS": positive = anyOf("contains")
            case "NUM_EQ", "NUM_GT", "NUM_GTE", "NUM_LT", "NUM_LTE":
                let number = Self.number(value)
                guard number.isFinite else {
                    positive = never("'\(value ?? "")' is not a number")
                    break
                }
                let flagcOperator = [
                    "NUM_EQ": "eq", "NUM_GT": "gt", "NUM_GTE": "gte", "NUM_LT": "lt", "NUM_LTE": "lte",
                ][op]!
                positive = .on(context, flagcOperator, .number(number))
            case "DATE_AFTER", "DATE_BEFORE":
                guard let value, Timestamp.parseRFC3339(value) != nil else {
                    positive = never("'\(value ?? "")' is not an RFC 3339 time")
                    break
                }
                // The SDKs compare `currentTime` (the clock when the context has none), whatever the contextName.
                let flagcOperator = op == "DATE_AFTER" ? "after" : "before"
                positive = .or([
                    .on("currentTime", flagcOperator, .string(value)),
                    .and([.on("currentTime", "exists", .bool(false)), .on("now", flagcOperator, .string(value))]),
                ])
            case "SEMVER_EQ", "SEMVER_GT", "SEMVER_GTE", "SEMVER_LT", "SEMVER_LTE":
                var text = value ?? ""
                if text.hasPrefix("v") || text.hasPrefix("=") { text.removeFirst() }
                guard SemanticVersion(text) != nil else {
                    positive = never("'\(value ?? "")' is not a semantic version")
                    break
                }
                let flagcOperator = [
                    "SEMVER_EQ": "semverEq", "SEMVER_GT": "semverGt", "SEMVER_GTE": "semverGte",
                    "SEMVER_LT": "semverLt",
                    "SEMVER_LTE": "semverLte",
                ][op]!
                positive = .on(context, flagcOperator, .string(text))
            case "REGEX":
                guard let value else {
                    positive = never("REGEX without a 'value'")
                    break
                }
                do {
                    _ = try RegexCompiler.compile(value, caseInsensitive: ignoreCase)
                    positive = .predicate(
                        context,
                        [("matches", .string(value))] + (ignoreCase ? [("ignoreCase", .bool(true))] : [])
                    )
                } catch {
                    positive = never("the regular expression '\(value)' is not valid for flagc (\(error.message))")
                }
            case "IN_CIDR":
                let ranges = values.filter { CIDRRange($0) != nil }
                for invalid in values where CIDRRange(invalid) == nil {
                    warn("'\(invalid)' is not a CIDR range or address; ignored (as the SDKs do)", at: path)
                }
                positive = ranges.isEmpty ? .never : .on(context, "inCidr", .array(ranges.map(JSONValue.string)))
            default:
                return never("unknown operator '\(op)'")
            }
            return inverted ? .negate(positive) : positive
        }
    }
}

extension String {
    var trimmingWhitespace: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
