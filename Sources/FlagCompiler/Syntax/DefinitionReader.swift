// Over 700 lines on purpose: one reader per YAML shape of a flags file (flag, rule, condition,
// split, ramp, segment), kept together because they share the collector and the field tables; the
// messages themselves live in Diagnostics/ReaderMessages.swift.

import FlagRuntime

/// Reads the YAML tree of a flags file into definitions, checking everything that can be checked
/// locally: field names, value types, operator operands, percentages, dates. Every problem goes to
/// the collector; reading goes on after an error wherever the rest still makes sense.
struct DefinitionReader {
    let diagnostics: DiagnosticCollector
    /// Compiles the `matches` patterns against the project's budget and keeps what each cost.
    let patterns = RegexPatternLog()

    static let namePattern = "^[A-Za-z][A-Za-z0-9_.-]{0,127}$"

    /// Whether `name` is a valid flag key or segment name.
    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 128, isLetter(first) else { return false }
        return bytes.dropFirst().allSatisfy { isLetter($0) || isDigit($0) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    // MARK: Files

    /// Reads a flags file; `contextOnly` for a root `context.yaml`, which may hold only `context:`.
    func readFlagFile(_ root: YAMLNode?, path: String, contextOnly: Bool = false) -> FlagFile {
        var file = FlagFile(path: path)
        guard let root else { return file }
        guard let entries = mapping(root, contextOnly ? "a context file" : "a flags file") else { return file }
        let allowed = contextOnly ? ["context"] : ["segments", "flags", "context"]
        for entry in checkFields(entries, allowed: allowed, in: contextOnly ? "a context file" : "a flags file") {
            switch entry.key {
            case "context": file.context = readContext(entry.value)
            case "segments":
                guard let segments = mapping(entry.value, "'segments'") else { continue }
                for segment in segments {
                    if let definition = readSegment(segment) { file.segments.append(definition) }
                }
            case "flags":
                guard let flags = mapping(entry.value, "'flags'") else { continue }
                for flag in flags {
                    if let definition = readFlag(flag) { file.flags.append(definition) }
                }
            default: break
            }
        }
        return file
    }

    // MARK: Segments

    private func readSegment(_ entry: YAMLMappingEntry) -> SegmentDefinition? {
        checkName(entry.key, at: entry.keyLocation, what: "segment name")
        var segment = SegmentDefinition(
            name: Located(entry.key, at: entry.keyLocation),
            description: nil,
            included: [],
            excluded: [],
            condition: nil
        )
        guard let fields = mapping(entry.value, "segment '\(entry.key)'") else { return nil }
        for field in checkFields(fields, allowed: ["description", "include", "exclude", "when"], in: "a segment") {
            switch field.key {
            case "description": segment.description = string(field.value, "'description'")
            case "include": segment.included = stringList(field.value, "'include'")
            case "exclude": segment.excluded = stringList(field.value, "'exclude'")
            case "when": segment.condition = readCondition(field.value)
            default: break
            }
        }
        return segment
    }

    // MARK: Flags

    private static let flagFields = [
        "type", "variants", "default", "offVariant", "enabled", "rules", "requires", "salt", "description",
        "owner", "tags", "compliance", "expires", "environments", "lifecycle", "created",
    ]
    private static let overridableFields = ["enabled", "default", "offVariant", "rules"]

    private func readFlag(_ entry: YAMLMappingEntry) -> FlagDefinition? {
        let key = entry.key
        checkName(key, at: entry.keyLocation, what: "flag key")
        guard let fieldList = mapping(entry.value, "flag '\(key)'") else { return nil }
        let fields = checkFields(fieldList, allowed: Self.flagFields, in: "a flag")
        func field(_ name: String) -> YAMLMappingEntry? { fields.first { $0.key == name } }

        var declaredType: Located<FlagType>?
        if let typeField = field("type") {
            if let name = string(typeField.value, "'type'") {
                if let type = FlagType(name: name) {
                    declaredType = Located(type, at: typeField.value.location)
                } else {
                    let suggestion = Suggestion.closest(to: name, among: FlagType.allCases.map(\.description))
                    diagnostics.append(
                        ReaderMessages.unknownType(name, suggestion: suggestion, at: typeField.value.location)
                    )
                }
            }
        }
        let (type, variants) = readVariants(
            field("variants"),
            declaredType: declaredType,
            flagKey: key,
            flagLocation: entry.keyLocation
        )

        var settings = readSettings(fields)
        if settings.defaultVariant == nil, type == .boolean, variants.contains(where: { $0.name.value == "off" }) {
            settings.defaultVariant = Located("off", at: entry.keyLocation)
        }
        if settings.defaultVariant == nil && field("variants") != nil {
            diagnostics.append(ReaderMessages.missingDefault(flag: key, at: entry.keyLocation))
        }

        var metadata = FlagMetadata()
        var prerequisites: [PrerequisiteDefinition] = []
        var salt: String?
        var environments: [String: Located<FlagSettings>] = [:]
        for entry in fields {
            switch entry.key {
            case "description": metadata.description = string(entry.value, "'description'")
            case "owner": metadata.owner = string(entry.value, "'owner'")
            case "tags": metadata.tags = stringList(entry.value, "'tags'")
            case "compliance": metadata.compliance = stringList(entry.value, "'compliance'")
            case "expires":
                if let text = scalarText(entry.value, "'expires'") {
                    if let date = Timestamp.parseDate(text) {
                        metadata.expires = Located(text, at: entry.value.location)
                        metadata.expiresAt = date
                    } else {
                        diagnostics.append(ReaderMessages.invalidExpires(at: entry.value.location))
                    }
                }
            case "created":
                if let text = scalarText(entry.value, "'created'") {
                    if let date = Timestamp.parseDate(text) {
                        metadata.created = Located(text, at: entry.value.location)
                        metadata.createdAt = date
                    } else {
                        diagnostics.append(DebtMessages.invalidCreated(at: entry.value.location))
                    }
                }
            case "lifecycle": metadata.lifecycle = readLifecycle(entry.value)
            case "salt": salt = string(entry.value, "'salt'")
            case "requires": prerequisites = readPrerequisites(entry.value)
            case "environments":
                guard let overrides = mapping(entry.value, "'environments'") else { continue }
                for override in overrides {
                    guard let overrideFields = mapping(override.value, "environment '\(override.key)'") else {
                        continue
                    }
                    let checked = checkFields(
                        overrideFields,
                        allowed: Self.overridableFields,
                        in: "an environment override"
                    )
                    environments[override.key] = Located(readSettings(checked), at: override.keyLocation)
                }
            default: break
            }
        }
        return FlagDefinition(
            key: Located(key, at: entry.keyLocation),
            type: type,
            variants: variants,
            settings: settings,
            prerequisites: prerequisites,
            salt: salt,
            metadata: metadata,
            environments: environments
        )
    }

    private func readSettings(_ fields: [YAMLMappingEntry]) -> FlagSettings {
        var settings = FlagSettings()
        for entry in fields {
            switch entry.key {
            case "enabled":
                if let value = entry.value.bool {
                    settings.enabled = Located(value, at: entry.value.location)
                } else {
                    diagnostics.append(
                        ReaderMessages.enabledNotBoolean(found: entry.value.kindName, at: entry.value.location)
                    )
                }
            case "default": settings.defaultVariant = variantName(entry.value, "'default'")
            case "offVariant": settings.offVariant = variantName(entry.value, "'offVariant'")
            case "rules":
                guard let items = sequence(entry.value, "'rules'") else { continue }
                settings.rules = items.compactMap(readRule)
            default: break
            }
        }
        return settings
    }

    /// The flag's type and variants: declared, inferred from the values, or the boolean default.
    private func readVariants(
        _ field: YAMLMappingEntry?,
        declaredType: Located<FlagType>?,
        flagKey: String,
        flagLocation: SourceLocation
    ) -> (FlagType, [VariantDefinition]) {
        guard let field else {
            if let declaredType, declaredType.value != .boolean {
                diagnostics.append(
                    ReaderMessages.missingVariants(flag: flagKey, type: declaredType.value, at: declaredType.location)
                )
            }
            return (
                .boolean,
                [
                    VariantDefinition(name: Located("on", at: flagLocation), value: .bool(true)),
                    VariantDefinition(name: Located("off", at: flagLocation), value: .bool(false)),
                ]
            )
        }
        guard let entries = mapping(field.value, "'variants'") else { return (declaredType?.value ?? .boolean, []) }
        if entries.isEmpty { diagnostics.append(ReaderMessages.emptyVariants(at: field.value.location)) }
        let type = declaredType?.value ?? inferType(entries.map(\.value))
        var variants: [VariantDefinition] = []
        for entry in entries {
            if let value = variantValue(entry.value, type: type) {
                variants.append(VariantDefinition(name: Located(entry.key, at: entry.keyLocation), value: value))
            }
        }
        return (type, variants)
    }

    private func inferType(_ values: [YAMLNode]) -> FlagType {
        var sawBool = false
        var sawString = false
        var sawInteger = false
        var sawFloat = false
        var sawObject = false
        for value in values {
            switch value.kind {
            case .mapping, .sequence: sawObject = true
            case .scalar(let scalar):
                switch scalar.value {
                case .bool: sawBool = true
                case .string: sawString = true
                case .integer: sawInteger = true
                case .float: sawFloat = true
                case .null: sawObject = true
                }
            }
        }
        if sawObject { return .object }
        if sawBool && !sawString && !sawInteger && !sawFloat { return .boolean }
        if sawString && !sawBool && !sawInteger && !sawFloat { return .string }
        if (sawInteger || sawFloat) && !sawBool && !sawString { return sawFloat ? .number : .integer }
        return .string
    }

    private func variantValue(_ node: YAMLNode, type: FlagType) -> FlagValue? {
        func mismatch() -> FlagValue? {
            diagnostics.append(
                ReaderMessages.variantTypeMismatch(
                    type,
                    found: node.kindName,
                    isScalar: node.scalar != nil,
                    at: node.location
                )
            )
            return nil
        }
        switch type {
        case .boolean: return node.bool.map(FlagValue.bool) ?? mismatch()
        case .string: return node.string.map(FlagValue.string) ?? mismatch()
        case .integer: return node.integer.map(FlagValue.integer) ?? mismatch()
        case .number:
            guard let number = node.number, number.isFinite else { return mismatch() }
            return .number(number)
        case .object: return jsonValue(node).map(FlagValue.object)
        }
    }

    private func jsonValue(_ node: YAMLNode) -> JSONValue? {
        switch node.kind {
        case .mapping(let entries):
            var members: [JSONMember] = []
            for entry in entries {
                guard let value = jsonValue(entry.value) else { return nil }
                members.append(JSONMember(entry.key, value))
            }
            return .object(members)
        case .sequence(let items):
            var values: [JSONValue] = []
            for item in items {
                guard let value = jsonValue(item) else { return nil }
                values.append(value)
            }
            return .array(values)
        case .scalar(let scalar):
            switch scalar.value {
            case .null: return .null
            case .bool(let value): return .bool(value)
            case .integer(let value): return .integer(value)
            case .float(let value):
                guard value.isFinite else {
                    diagnostics.append(ReaderMessages.nonFiniteJSON(at: node.location))
                    return nil
                }
                return .number(value)
            case .string(let value): return .string(value)
            }
        }
    }

    private func readPrerequisites(_ node: YAMLNode) -> [PrerequisiteDefinition] {
        guard let items = sequence(node, "'requires'") else { return [] }
        var result: [PrerequisiteDefinition] = []
        for item in items {
            guard let fields = mapping(item, "a prerequisite") else { continue }
            let checked = checkFields(fields, allowed: ["flag", "variant"], in: "a prerequisite")
            let flag = checked.first { $0.key == "flag" }.flatMap { variantName($0.value, "'flag'") }
            let variant = checked.first { $0.key == "variant" }.flatMap { variantName($0.value, "'variant'") }
            guard let flag, let variant else {
                diagnostics.append(ReaderMessages.incompletePrerequisite(at: item.location))
                continue
            }
            result.append(PrerequisiteDefinition(flag: flag, variant: variant, location: item.location))
        }
        return result
    }

    // MARK: Rules and serving

    private func readRule(_ node: YAMLNode) -> RuleDefinition? {
        guard let fields = mapping(node, "a rule") else { return nil }
        var name: String?
        var condition: ConditionNode?
        var serve: ServeDefinition?
        for field in checkFields(fields, allowed: ["name", "when", "serve"], in: "a rule") {
            switch field.key {
            case "name":
                name = string(field.value, "'name'")
                if name?.isEmpty == true {
                    diagnostics.append(ReaderMessages.emptyRuleName(at: field.value.location))
                    name = nil
                }
            case "when": condition = readCondition(field.value)
            case "serve": serve = readServe(field.value)
            default: break
            }
        }
        guard let serve else {
            if !fields.contains(where: { $0.key == "serve" }) {
                diagnostics.append(ReaderMessages.ruleWithoutServe(at: node.location))
            }
            return nil
        }
        return RuleDefinition(name: name, condition: condition, serve: serve, location: node.location)
    }

    private func readServe(_ node: YAMLNode) -> ServeDefinition? {
        if node.scalar != nil { return variantName(node, "'serve'").map(ServeDefinition.variant) }
        guard let fields = mapping(node, "'serve'") else { return nil }
        let checked = checkFields(fields, allowed: ["split", "progressive", "by", "hash", "salt"], in: "'serve'")
        let bucketBy = checked.first { $0.key == "by" }.flatMap { entry in
            string(entry.value, "'by'").map { Located($0, at: entry.value.location) }
        }
        let split = checked.first { $0.key == "split" }
        let progressive = checked.first { $0.key == "progressive" }
        let hash = checked.first { $0.key == "hash" }
        let salt = checked.first { $0.key == "salt" }
        if hash != nil || salt != nil {
            return readHashedSplit(node, split: split, progressive: progressive, hash: hash, salt: salt, by: bucketBy)
        }
        switch (split, progressive) {
        case (let split?, nil):
            guard let weights = mapping(split.value, "'split'") else { return nil }
            if weights.isEmpty { diagnostics.append(ReaderMessages.emptySplit(at: split.value.location)) }
            var result: [SplitWeight] = []
            for weight in weights {
                guard let hundredths = percentage(weight.value) else { continue }
                result.append(SplitWeight(variant: Located(weight.key, at: weight.keyLocation), hundredths: hundredths))
            }
            return .split(weights: result, bucketBy: bucketBy)
        case (nil, let progressive?):
            return readProgressive(progressive.value, bucketBy: bucketBy)
        case (nil, nil):
            diagnostics.append(ReaderMessages.serveNeedsChoice(at: node.location))
            return nil
        case (_?, _?):
            diagnostics.append(ReaderMessages.serveBoth(at: node.location))
            return nil
        }
    }

    /// `serve: {split: …, hash: SCHEME, salt: TEXT}`: weights are whole numbers out of their sum.
    private func readHashedSplit(
        _ node: YAMLNode,
        split: YAMLMappingEntry?,
        progressive: YAMLMappingEntry?,
        hash: YAMLMappingEntry?,
        salt: YAMLMappingEntry?,
        by bucketBy: Located<String>?
    ) -> ServeDefinition? {
        if let progressive {
            diagnostics.append(ReaderMessages.hashOnRamp(at: progressive.keyLocation))
            return nil
        }
        guard let split else {
            diagnostics.append(ReaderMessages.hashWithoutSplit(at: node.location))
            return nil
        }
        guard let hash else {
            diagnostics.append(ReaderMessages.saltWithoutHash(at: salt?.keyLocation ?? node.location))
            return nil
        }
        guard let scheme = bucketingScheme(hash.value) else { return nil }
        guard scheme != .flagc else {
            diagnostics.append(ReaderMessages.defaultHashSpelledOut(at: hash.value.location))
            return nil
        }
        let saltText = salt.flatMap { string($0.value, "'salt'") }
        guard let weights = mapping(split.value, "'split'") else { return nil }
        if weights.isEmpty { diagnostics.append(ReaderMessages.emptySplit(at: split.value.location)) }
        var result: [HashedSplitWeight] = []
        var total = 0
        for entry in weights {
            guard let scalar = entry.value.scalar, scalar.isPlain, case .integer(let weight) = scalar.value,
                weight >= 0,
                weight <= BucketingScheme.maximumTotal
            else {
                diagnostics.append(
                    ReaderMessages.hashedWeight(scheme, found: entry.value.kindName, at: entry.value.location)
                )
                continue
            }
            total += Int(weight)
            result.append(HashedSplitWeight(variant: Located(entry.key, at: entry.keyLocation), weight: Int(weight)))
        }
        if result.count == weights.count, !weights.isEmpty {
            if total == 0 {
                diagnostics.append(ReaderMessages.hashedWeightsZero(at: split.value.location))
                return nil
            }
            if total > BucketingScheme.maximumTotal {
                diagnostics.append(ReaderMessages.hashedWeightsTooLarge(total, at: split.value.location))
                return nil
            }
        }
        return .hashedSplit(weights: result, bucketBy: bucketBy, scheme: scheme, salt: saltText)
    }

    /// `hash: NAME`, one of the bucketing schemes.
    private func bucketingScheme(_ node: YAMLNode) -> BucketingScheme? {
        guard let name = string(node, "'hash'") else { return nil }
        guard let scheme = BucketingScheme(name: name) else {
            diagnostics.append(ReaderMessages.unknownHash(name, at: node.location))
            return nil
        }
        return scheme
    }

    /// `rollout: {percent: P, hash: SCHEME, salt: TEXT}`: the attribute's bucket is among the first P %.
    private func readRollout(_ node: YAMLNode) -> Predicate? {
        guard let fields = mapping(node, "'rollout'") else { return nil }
        let checked = checkFields(fields, allowed: ["percent", "hash", "salt"], in: "'rollout'")
        var scheme = BucketingScheme.flagc
        if let hash = checked.first(where: { $0.key == "hash" }) {
            guard let named = bucketingScheme(hash.value) else { return nil }
            scheme = named
        }
        guard let percentNode = checked.first(where: { $0.key == "percent" })?.value,
            let saltNode = checked.first(where: { $0.key == "salt" })?.value
        else {
            diagnostics.append(ReaderMessages.rolloutIncomplete(at: node.location))
            return nil
        }
        guard let salt = string(saltNode, "'salt'"), let hundredths = percentage(percentNode) else { return nil }
        if scheme != .flagc, hundredths % 100 != 0 {
            diagnostics.append(ReaderMessages.rolloutFraction(scheme, hundredths: hundredths, at: percentNode.location))
            return nil
        }
        return .rollout(scheme, salt: salt, threshold: scheme == .flagc ? hundredths : hundredths / 100)
    }

    private func readProgressive(_ node: YAMLNode, bucketBy: Located<String>?) -> ServeDefinition? {
        guard let fields = mapping(node, "'progressive'") else { return nil }
        var variant: Located<String>?
        var others: Located<String>?
        var steps: [RampStepDefinition] = []
        for field in checkFields(fields, allowed: ["variant", "others", "steps"], in: "'progressive'") {
            switch field.key {
            case "variant": variant = variantName(field.value, "'variant'")
            case "others": others = variantName(field.value, "'others'")
            case "steps":
                guard let items = sequence(field.value, "'steps'") else { continue }
                for item in items {
                    guard let stepFields = mapping(item, "a ramp step") else { continue }
                    var startsAt: Double?
                    var hundredths: Int?
                    for stepField in checkFields(stepFields, allowed: ["at", "percent"], in: "a ramp step") {
                        if stepField.key == "at" {
                            startsAt = time(stepField.value, "'at'")
                        }
                        if stepField.key == "percent" { hundredths = percentage(stepField.value) }
                    }
                    guard let startsAt, let hundredths else {
                        if !stepFields.contains(where: { $0.key == "at" })
                            || !stepFields.contains(where: { $0.key == "percent" })
                        {
                            diagnostics.append(ReaderMessages.incompleteRampStep(at: item.location))
                        }
                        continue
                    }
                    steps.append(
                        RampStepDefinition(startsAt: startsAt, hundredths: hundredths, location: item.location)
                    )
                }
                if items.isEmpty { diagnostics.append(ReaderMessages.emptySteps(at: field.value.location)) }
            default: break
            }
        }
        guard let variant, let others, fields.contains(where: { $0.key == "steps" }) else {
            diagnostics.append(ReaderMessages.incompleteProgressive(at: node.location))
            return nil
        }
        return .progressive(variant: variant, others: others, steps: steps, bucketBy: bucketBy)
    }

    /// A percentage with at most two decimals, 0…100, as hundredths; read from the scalar's text
    /// so that no floating-point rounding is involved.
    private func percentage(_ node: YAMLNode) -> Int? {
        guard let scalar = node.scalar, scalar.isPlain, node.number != nil else {
            diagnostics.append(ReaderMessages.percentageNotNumber(found: node.kindName, at: node.location))
            return nil
        }
        let parts = scalar.text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int(parts[0]), whole >= 0,
            parts.count == 1 || (1...2).contains(parts[1].count) && parts[1].allSatisfy(\.isASCIIDigit)
        else {
            let tooPrecise = parts.count == 2 && parts[1].count > 2 && parts[1].allSatisfy(\.isASCIIDigit)
            diagnostics.append(
                tooPrecise
                    ? ReaderMessages.percentageTooPrecise(scalar.text, at: node.location)
                    : ReaderMessages.invalidPercentage(scalar.text, at: node.location)
            )
            return nil
        }
        var fraction = parts.count == 2 ? Int(parts[1])! : 0
        if parts.count == 2 && parts[1].count == 1 { fraction *= 10 }
        let hundredths = whole.multipliedReportingOverflow(by: 100)
        guard !hundredths.overflow, hundredths.partialValue + fraction <= 10_000 else {
            diagnostics.append(ReaderMessages.percentageAbove100(scalar.text, at: node.location))
            return nil
        }
        return hundredths.partialValue + fraction
    }

    // MARK: Conditions

    static let operatorNames = [
        "eq", "ne", "in", "notIn", "contains", "notContains", "startsWith", "endsWith", "matches", "gt", "gte", "lt",
        "lte", "semverEq", "semverGt", "semverGte", "semverLt", "semverLte", "before", "after", "inCidr", "exists",
        "rollout", "ignoreCase",
    ]

    /// Operator names of other flag systems (Unleash, flagd's JsonLogic, LaunchDarkly) and spelled-out
    /// forms, with the operator they mean here: for "did you mean" when a name is too far from ours.
    static let operatorAliases: [String: String] = [
        "equals": "eq", "equal": "eq", "is": "eq", "==": "eq", "str_eq": "eq", "num_eq": "eq",
        "notequals": "ne", "notequal": "ne", "neq": "ne", "!=": "ne", "not": "ne",
        "nin": "notIn", "not_in": "notIn", "in_list": "in", "oneof": "in", "str_in": "in",
        "str_contains": "contains", "includes": "contains", "str_starts_with": "startsWith",
        "starts_with": "startsWith", "prefix": "startsWith", "str_ends_with": "endsWith", "ends_with": "endsWith",
        "suffix": "endsWith", "regex": "matches", "regexp": "matches", "match": "matches", "matchesregex": "matches",
        "greaterthan": "gt", ">": "gt", "num_gt": "gt", "greaterthanorequal": "gte", ">=": "gte", "num_gte": "gte",
        "lessthan": "lt", "<": "lt", "num_lt": "lt", "lessthanorequal": "lte", "<=": "lte", "num_lte": "lte",
        "semver_eq": "semverEq", "semver_gt": "semverGt", "semver_lt": "semverLt", "sem_ver": "semverGte",
        "date_before": "before", "date_after": "after", "cidr": "inCidr", "ipinrange": "inCidr", "incidr": "inCidr",
        "present": "exists", "defined": "exists", "ignore_case": "ignoreCase", "caseinsensitive": "ignoreCase",
    ]

    /// The operator `name` most likely means: a near spelling of one, or a known alias.
    static func suggestedOperator(for name: String) -> String? {
        Suggestion.closest(to: name, among: operatorNames)
            ?? operatorAliases[name.lowercased()] ?? operatorAliases[name]
    }

    func readCondition(_ node: YAMLNode) -> ConditionNode? {
        guard let entries = mapping(node, "a condition") else { return nil }
        var parts: [ConditionNode] = []
        for entry in entries {
            switch entry.key {
            case "all", "any":
                guard let items = sequence(entry.value, "'\(entry.key)'") else { continue }
                let conditions = items.compactMap(readCondition)
                parts.append(entry.key == "all" ? .all(conditions) : .any(conditions))
            case "not":
                if let inner = readCondition(entry.value) { parts.append(.not(inner)) }
            case "segment":
                if let name = string(entry.value, "'segment'") {
                    parts.append(.segment(Located(name, at: entry.value.location)))
                }
            default:
                if let predicate = readPredicate(entry.value, attribute: Located(entry.key, at: entry.keyLocation)) {
                    parts.append(predicate)
                }
            }
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    /// `ATTRIBUTE: PREDICATE`: a scalar (eq), a list (in) or a map of operators.
    private func readPredicate(_ node: YAMLNode, attribute: Located<String>) -> ConditionNode? {
        switch node.kind {
        case .scalar:
            guard let literal = literal(node, "the value of '\(attribute.value)'") else { return nil }
            return .predicate(attribute: attribute, .equals(literal, ignoreCase: false))
        case .sequence(let items):
            let literals = items.compactMap { literal($0, "a list element") }
            return .predicate(attribute: attribute, .isIn(LiteralSet(literals, ignoreCase: false), ignoreCase: false))
        case .mapping(let entries):
            var ignoreCase = false
            for entry in entries where entry.key == "ignoreCase" {
                if let value = entry.value.bool {
                    ignoreCase = value
                } else {
                    diagnostics.append(ReaderMessages.ignoreCaseNotBoolean(at: entry.value.location))
                }
            }
            var predicates: [ConditionNode] = []
            for entry in entries where entry.key != "ignoreCase" {
                guard Self.operatorNames.contains(entry.key) else {
                    let suggestion = Self.suggestedOperator(for: entry.key)
                    diagnostics.append(
                        ReaderMessages.unknownOperator(entry.key, suggestion: suggestion, at: entry.keyLocation)
                    )
                    continue
                }
                if let predicate = readOperator(entry, ignoreCase: ignoreCase, attribute: attribute.location) {
                    predicates.append(.predicate(attribute: attribute, predicate))
                }
            }
            if entries.allSatisfy({ $0.key == "ignoreCase" }) {
                diagnostics.append(
                    ReaderMessages.conditionWithoutOperator(attribute: attribute.value, at: node.location)
                )
            }
            return predicates.count == 1 ? predicates[0] : .all(predicates)
        }
    }

    private func readOperator(
        _ entry: YAMLMappingEntry,
        ignoreCase: Bool,
        attribute attributeLocation: SourceLocation
    ) -> Predicate? {
        let node = entry.value
        let name = "'\(entry.key)'"
        func text() -> String? {
            guard let value = string(node, name) else { return nil }
            return ignoreCase ? TextMatching.simpleLowercased(value) : value
        }
        func folded(_ literal: Literal) -> Literal {
            if ignoreCase, case .string(let value) = literal { return .string(TextMatching.simpleLowercased(value)) }
            return literal
        }
        switch entry.key {
        case "eq": return literal(node, name).map { .equals(folded($0), ignoreCase: ignoreCase) }
        case "ne": return literal(node, name).map { .notEquals(folded($0), ignoreCase: ignoreCase) }
        case "in", "notIn":
            guard let items = sequence(node, name) else { return nil }
            let set = LiteralSet(items.compactMap { literal($0, "a list element") }, ignoreCase: ignoreCase)
            return entry.key == "in" ? .isIn(set, ignoreCase: ignoreCase) : .notIn(set, ignoreCase: ignoreCase)
        case "contains": return text().map { .contains($0, ignoreCase: ignoreCase) }
        case "notContains": return text().map { .notContains($0, ignoreCase: ignoreCase) }
        case "startsWith": return text().map { .startsWith($0, ignoreCase: ignoreCase) }
        case "endsWith": return text().map { .endsWith($0, ignoreCase: ignoreCase) }
        case "matches":
            guard let pattern = string(node, name) else { return nil }
            do {
                return .matches(
                    try patterns.compile(
                        pattern,
                        caseInsensitive: ignoreCase,
                        at: regexLocation(node, 0),
                        attribute: attributeLocation
                    )
                )
            } catch {
                diagnostics.append(ReaderMessages.invalidRegex(error.message, at: regexLocation(node, error.offset)))
                return nil
            }
        case "gt", "gte", "lt", "lte":
            guard let number = node.number, number.isFinite, node.scalar?.isPlain == true else {
                diagnostics.append(ReaderMessages.comparisonNotNumber(name, found: node.kindName, at: node.location))
                return nil
            }
            switch entry.key {
            case "gt": return .greaterThan(number)
            case "gte": return .greaterThanOrEqual(number)
            case "lt": return .lessThan(number)
            default: return .lessThanOrEqual(number)
            }
        case "semverEq", "semverGt", "semverGte", "semverLt", "semverLte":
            guard let text = scalarText(node, name) else { return nil }
            guard let version = SemanticVersion(text) else {
                diagnostics.append(ReaderMessages.invalidSemver(text, at: node.location))
                return nil
            }
            let comparison: SemverComparison =
                switch entry.key {
                case "semverEq": .equal
                case "semverGt": .greaterThan
                case "semverGte": .greaterThanOrEqual
                case "semverLt": .lessThan
                default: .lessThanOrEqual
                }
            return .semver(comparison, version)
        case "before", "after":
            guard let time = time(node, name) else { return nil }
            return entry.key == "before" ? .before(time) : .after(time)
        case "inCidr":
            let items = node.sequenceItems ?? [node]
            var ranges: [CIDRRange] = []
            for item in items {
                guard let text = string(item, name) else { continue }
                guard let range = CIDRRange(text) else {
                    diagnostics.append(ReaderMessages.invalidCIDR(text, at: item.location))
                    continue
                }
                if range.hadHostBits {
                    diagnostics.append(ReaderMessages.cidrHostBits(text, means: "\(range)", at: item.location))
                }
                ranges.append(range)
            }
            return .inCIDR(ranges)
        case "exists":
            guard let value = node.bool else {
                diagnostics.append(ReaderMessages.existsNotBoolean(at: node.location))
                return nil
            }
            return .exists(value)
        case "rollout":
            return readRollout(node)
        default:
            return nil
        }
    }

    /// The location of character `offset` of a pattern, when the scalar is on one line.
    private func regexLocation(_ node: YAMLNode, _ offset: Int) -> SourceLocation {
        guard let scalar = node.scalar, scalar.isPlain || !scalar.text.contains("\\") else { return node.location }
        var location = node.location
        location.column += offset + (scalar.isPlain ? 0 : 1)
        return location
    }

    // MARK: Scalars

    private func literal(_ node: YAMLNode, _ what: String) -> Literal? {
        guard let scalar = node.scalar else {
            diagnostics.append(ReaderMessages.operandNotScalar(what, found: node.kindName, at: node.location))
            return nil
        }
        switch scalar.value {
        case .string(let value): return .string(value)
        case .bool(let value): return .bool(value)
        case .integer(let value): return .number(Double(value))
        case .float(let value):
            guard value.isFinite else {
                diagnostics.append(ReaderMessages.operandNotFinite(what, found: node.kindName, at: node.location))
                return nil
            }
            return .number(value)
        case .null:
            diagnostics.append(ReaderMessages.operandNull(what, at: node.location))
            return nil
        }
    }

    /// Unix seconds from an RFC 3339 string or a number.
    private func time(_ node: YAMLNode, _ what: String) -> Double? {
        if let number = node.number, node.scalar?.isPlain == true {
            guard number.isFinite else {
                diagnostics.append(ReaderMessages.timeNotFinite(what, found: node.kindName, at: node.location))
                return nil
            }
            return number
        }
        if let text = node.string {
            if let time = Timestamp.parseRFC3339(text) { return time }
            diagnostics.append(ReaderMessages.invalidTime(what, text, at: node.location))
            return nil
        }
        diagnostics.append(ReaderMessages.timeWrongKind(what, found: node.kindName, at: node.location))
        return nil
    }

    private func variantName(_ node: YAMLNode, _ what: String) -> Located<String>? {
        guard let scalar = node.scalar, case .string(let name) = scalar.value else {
            diagnostics.append(
                ReaderMessages.notVariantName(
                    what,
                    found: node.kindName,
                    isBoolean: node.bool != nil,
                    at: node.location
                )
            )
            return nil
        }
        return Located(name, at: node.location)
    }

    func string(_ node: YAMLNode, _ what: String) -> String? {
        if let string = node.string { return string }
        diagnostics.append(ReaderMessages.notString(what, found: node.kindName, at: node.location))
        return nil
    }

    /// The text of any scalar (so `expires: 2027-03-31` and `semverGte: 2.4.0` read as written).
    private func scalarText(_ node: YAMLNode, _ what: String) -> String? {
        if let scalar = node.scalar, !node.isNull { return scalar.text }
        diagnostics.append(ReaderMessages.notScalar(what, found: node.kindName, at: node.location))
        return nil
    }

    func stringList(_ node: YAMLNode, _ what: String) -> [String] {
        guard let items = sequence(node, what) else { return [] }
        return items.compactMap { item in
            if let string = item.string { return string }
            if let scalar = item.scalar, item.integer != nil { return scalar.text }
            diagnostics.append(ReaderMessages.elementNotString(what, found: item.kindName, at: item.location))
            return nil
        }
    }

    func mapping(_ node: YAMLNode, _ what: String) -> [YAMLMappingEntry]? {
        if let entries = node.mappingEntries { return entries }
        if node.isNull { return [] }
        diagnostics.append(ReaderMessages.notMapping(what, found: node.kindName, at: node.location))
        return nil
    }

    func sequence(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
        if let items = node.sequenceItems { return items }
        diagnostics.append(ReaderMessages.notList(what, found: node.kindName, at: node.location))
        return nil
    }

    /// The entries whose keys are allowed; reports the others with a suggestion.
    func checkFields(_ entries: [YAMLMappingEntry], allowed: [String], in what: String) -> [YAMLMappingEntry] {
        entries.filter { entry in
            guard allowed.contains(entry.key) else {
                let suggestion = Suggestion.closest(to: entry.key, among: allowed)
                diagnostics.append(
                    ReaderMessages.unknownField(entry.key, in: what, suggestion: suggestion, at: entry.keyLocation)
                )
                return false
            }
            return true
        }
    }

    func checkName(_ name: String, at location: SourceLocation, what: String) {
        guard !Self.isValidName(name) else { return }
        diagnostics.append(ReaderMessages.invalidName(what, name, at: location))
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
