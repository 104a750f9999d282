import FlagRuntime

/// `flagc import flagd`: a flagd flag definition file as flagc YAML that decides as flagd does
/// (docs/compatibility.md).
///
/// Targeting JsonLogic becomes rules: each result of an `if` chain gets one rule whose condition is
/// the whole path to it (its condition and the negation of every earlier one), so the rules never
/// overlap and their order cannot change a decision; a `null` result gets no rule (flagd serves the
/// default variant). `fractional` becomes a split with `hash: flagd`. JsonLogic without a flagc
/// equivalent is refused with its JSON path. Contexts keep their attributes and `targetingKey`; a
/// nested attribute that targeting reads as `a.b` is the flagc attribute named `a.b`.
public enum FlagdImporter {
    /// Imports `json`, the file's text.
    public static func importFile(_ json: String, source: String) throws(ImportError) -> ImportResult {
        let root: JSONValue
        do {
            root = try JSONParser.parse(json)
        } catch {
            throw ImportError("not valid JSON: \(error)", at: "$")
        }
        let reader = JSONReader(root, at: "$")
        let fields = try reader.object(known: ["$schema", "flags", "$evaluators", "metadata"], what: "a flagd file")
        guard let flagsReader = fields["flags"], let flagMembers = flagsReader.members else {
            throw reader.error("a flagd file needs a 'flags' object")
        }
        var evaluators: [String: JSONReader] = [:]
        if let evaluatorsReader = fields["$evaluators"] {
            guard let members = evaluatorsReader.members else {
                throw evaluatorsReader.error("'$evaluators' must be an object")
            }
            for member in members {
                evaluators[member.key] = JSONReader(
                    member.value,
                    at: evaluatorsReader.path + JSONReader.memberPath(member.key)
                )
            }
        }
        var warnings: [ImportWarning] = []
        var flags: [ImportedFlag] = []
        var renamed: [(String, String)] = []
        var keys: [String: String] = [:]
        for member in flagMembers {
            let flagReader = JSONReader(member.value, at: flagsReader.path + JSONReader.memberPath(member.key))
            let key = ImportedNames.key(for: member.key)
            if let other = keys[key] {
                throw ImportError("flags '\(other)' and '\(member.key)' both become flag '\(key)'", at: flagReader.path)
            }
            keys[key] = member.key
            if key != member.key { renamed.append((member.key, key)) }
            var translator = Translator(flagKey: member.key, evaluators: evaluators)
            flags.append(try translator.flag(flagReader, key: key))
            warnings += translator.warnings
        }
        let yaml = ImportedProjectWriter.yaml(
            header: [
                "Imported from flagd (\(YAMLText.comment(source))) by `flagc import flagd`.",
                "Contexts keep their attributes and targetingKey; a nested attribute read as a.b is the attribute 'a.b'.",
                "See docs/compatibility.md for what carries over exactly.",
            ],
            segments: [],
            flags: flags
        )
        return ImportResult(yaml: yaml, warnings: warnings, renamed: renamed)
    }

    private struct Translator {
        let flagKey: String
        let evaluators: [String: JSONReader]
        var variantNames: [String] = []
        var warnings: [ImportWarning] = []
        var rules: [ImportedRule] = []
        /// `$ref`s being expanded (a cycle is refused).
        var expanding: [String] = []
        /// The flag's JSON path: rule names are the path of their result below it.
        var flagPath = "$"

        init(flagKey: String, evaluators: [String: JSONReader]) {
            self.flagKey = flagKey
            self.evaluators = evaluators
        }

        mutating func flag(_ reader: JSONReader, key: String) throws(ImportError) -> ImportedFlag {
            let fields = try reader.object(
                known: ["state", "variants", "defaultVariant", "targeting", "metadata"],
                what: "a flagd flag"
            )
            guard let variantsReader = fields["variants"], let variantMembers = variantsReader.members,
                !variantMembers.isEmpty
            else { throw reader.error("a flagd flag needs 'variants', an object with at least one variant") }
            variantNames = variantMembers.map(\.key)
            guard let defaultReader = fields["defaultVariant"], !defaultReader.isNull else {
                throw ImportError(
                    "a flag without 'defaultVariant' serves the caller's default, which flagc cannot express; set a default variant",
                    at: reader.path
                )
            }
            let defaultVariant = try defaultReader.string("'defaultVariant'")
            guard variantNames.contains(defaultVariant) else {
                throw ImportError("'defaultVariant' names no variant", at: defaultReader.path)
            }
            flagPath = reader.path
            var flag = ImportedFlag(key: key, defaultVariant: defaultVariant)
            if key != flagKey { flag.comments.append("flagd flag \(YAMLText.comment(flagKey))") }
            flag.variants = variantMembers.map { ($0.key, $0.value) }
            flag.type = Self.type(of: variantMembers.map(\.value))
            flag.offVariant = defaultVariant
            switch try fields["state"]?.string("'state'") ?? "ENABLED" {
            case "ENABLED": break
            case "DISABLED":
                flag.enabled = false
                warn(
                    "a DISABLED flag serves the caller's default in flagd; flagc serves the flag's offVariant (here the default variant '\(defaultVariant)'), reason DISABLED in both",
                    at: reader.path + ".state"
                )
            case let state:
                throw ImportError("unknown state '\(state)'; expected ENABLED or DISABLED", at: reader.path + ".state")
            }
            if let metadata = fields["metadata"], !metadata.isNull {
                guard metadata.members != nil else { throw metadata.error("'metadata' must be an object") }
                flag.comments.append(
                    "flagd metadata (not carried into bundles): \(YAMLText.comment(metadata.value.jsonText))"
                )
            }
            if let targeting = fields["targeting"], !targeting.isNull {
                if case .object(let members) = targeting.value, members.isEmpty {
                    // `{}`: no targeting.
                } else {
                    try leaves(targeting, guard: .always)
                }
            }
            flag.rules = rules
            return flag
        }

        /// A rule's name: the path of its result inside the flag (`targeting.if[1]`).
        func ruleName(_ path: String) -> String {
            path.hasPrefix(flagPath + ".") ? String(path.dropFirst(flagPath.count + 1)) : path
        }

        mutating func warn(_ message: String, at path: String) {
            warnings.append(ImportWarning(path: path, message: message))
        }

        /// flagc's type for the variant values (`object` when they are of mixed kinds).
        static func type(of values: [JSONValue]) -> String? {
            func kind(_ value: JSONValue) -> String {
                switch value {
                case .bool: "boolean"
                case .string: "string"
                case .integer: "integer"
                case .number(let number): number == number.rounded() && abs(number) < 9e15 ? "integer" : "number"
                default: "object"
                }
            }
            let kinds = Set(values.map(kind))
            if kinds.count == 1 { return kinds.first == "boolean" ? "boolean" : kinds.first }
            if kinds == ["integer", "number"] { return "number" }
            return "object"
        }

        // MARK: Results

        /// The rules for a targeting expression reached under `guard`.
        mutating func leaves(_ reader: JSONReader, guard condition: ImportedCondition) throws(ImportError) {
            if condition.isNever { return }
            switch reader.value {
            case .null:
                return  // flagd serves the default variant: no rule, and no other rule overlaps.
            case .string(let variant):
                guard variantNames.contains(variant) else {
                    throw ImportError(
                        "targeting returns '\(variant)', which is not a variant of '\(flagKey)' (flagd reports an error)",
                        at: reader.path
                    )
                }
                rules.append(ImportedRule(name: ruleName(reader.path), condition: condition, serve: .variant(variant)))
            case .object(let members) where members.count == 1:
                let op = members[0].key
                let argumentsPath = reader.path + JSONReader.memberPath(op)
                let arguments = JSONReader(members[0].value, at: argumentsPath)
                switch op {
                case "$ref":
                    try withReference(arguments) { translator, target throws(ImportError) in
                        try translator.leaves(target, guard: condition)
                    }
                case "if":
                    let items = try arguments.array("'if'")
                    var earlier: [ImportedCondition] = []
                    var index = 0
                    while index + 1 < items.count {
                        let test = try self.condition(items[index])
                        try leaves(items[index + 1], guard: .and([condition] + earlier + [test]))
                        earlier.append(.negate(test))
                        index += 2
                    }
                    if index < items.count { try leaves(items[index], guard: .and([condition] + earlier)) }
                case "fractional":
                    try fractional(arguments, guard: condition, path: reader.path)
                default:
                    throw ImportError(
                        "'\(op)' does not give a variant name here; targeting results must be variant names, null, 'if' or 'fractional'",
                        at: argumentsPath
                    )
                }
            default:
                throw ImportError(
                    "targeting must give a variant name (a string), null, 'if', 'fractional' or '$ref'; found \(JSONReader.kind(reader.value))",
                    at: reader.path
                )
            }
        }

        mutating func withReference(
            _ reader: JSONReader,
            _ body: (inout Translator, JSONReader) throws(ImportError) -> Void
        ) throws(ImportError) {
            let name = try reader.string("'$ref'")
            guard let target = evaluators[name] else {
                throw ImportError("'$ref' names no evaluator in '$evaluators': '\(name)'", at: reader.path)
            }
            guard !expanding.contains(name) else {
                throw ImportError(
                    "evaluators refer to each other in a cycle: \((expanding + [name]).joined(separator: " -> "))",
                    at: reader.path
                )
            }
            expanding.append(name)
            defer { expanding.removeLast() }
            try body(&self, target)
        }

        /// `fractional`: `[bucketing?, [variant, weight?], …]`.
        mutating func fractional(
            _ arguments: JSONReader,
            guard condition: ImportedCondition,
            path: String
        ) throws(ImportError) {
            var items = try arguments.array("'fractional'")
            guard !items.isEmpty else { throw arguments.error("'fractional' needs at least one variant") }
            // The bucketing value: absent (flagKey + targetingKey), {"var": X}, or {"cat": [PREFIX, {"var": X}]}.
            var bucketing: (attribute: String, salt: String)? = nil
            if case .object = items[0].value {
                bucketing = try bucketExpression(items[0])
                items.removeFirst()
            } else if case .string = items[0].value {
                throw ImportError(
                    "a constant bucketing value puts everyone in the same bucket; flagc buckets by an attribute",
                    at: items[0].path
                )
            }
            var weights: [(variant: String, weight: Int)] = []
            for item in items {
                let entry = try item.array("a 'fractional' entry")
                guard !entry.isEmpty, entry.count <= 2 else {
                    throw item.error("a 'fractional' entry is [variant] or [variant, weight]")
                }
                let variant = try entry[0].string("a 'fractional' variant")
                guard variantNames.contains(variant) else {
                    throw ImportError("'\(variant)' is not a variant of '\(flagKey)'", at: entry[0].path)
                }
                var weight = 1
                if entry.count == 2 {
                    let number = try entry[1].number("a 'fractional' weight")
                    guard number == number.rounded(), number <= Double(BucketingScheme.maximumTotal) else {
                        throw ImportError(
                            "a 'fractional' weight must be a whole number (flagd refuses others)",
                            at: entry[1].path
                        )
                    }
                    weight = max(0, Int(number))  // flagd counts a negative weight as 0
                }
                if let index = weights.firstIndex(where: { $0.variant == variant }) {
                    throw ImportError(
                        "'\(variant)' is listed twice in 'fractional' (first at entry \(index + 1)); flagc splits list a variant once",
                        at: item.path
                    )
                }
                weights.append((variant, weight))
            }
            let total = weights.reduce(0) { $0 + $1.weight }
            guard total > 0 else { return }  // flagd: no weight, no variant (the default)
            let name = ruleName(path)
            let byKey = ImportedServe.split(weights: weights, by: "targetingKey", hash: .flagd, salt: flagKey)
            // flagd buckets flagKey + targetingKey only for a non-empty string key.
            let keyed = ImportedCondition.on("targetingKey", "ne", .string(""))
            if let bucketing {
                rules.append(
                    ImportedRule(
                        name: name,
                        condition: condition,
                        serve: .split(weights: weights, by: bucketing.attribute, hash: .flagd, salt: bucketing.salt)
                    )
                )
                if bucketing.salt.isEmpty {
                    // A missing {"var": X} is dropped by flagd, which then buckets by flagKey + targetingKey.
                    rules.append(
                        ImportedRule(
                            name: name + ", no \(bucketing.attribute)",
                            condition: .and([condition, .on(bucketing.attribute, "exists", .bool(false)), keyed]),
                            serve: byKey
                        )
                    )
                }
            } else {
                rules.append(ImportedRule(name: name, condition: .and([condition, keyed]), serve: byKey))
            }
        }

        mutating func bucketExpression(_ reader: JSONReader) throws(ImportError) -> (attribute: String, salt: String) {
            guard case .object(let members) = reader.value, members.count == 1 else {
                throw reader.error("unsupported bucketing expression")
            }
            let argument = JSONReader(members[0].value, at: reader.path + JSONReader.memberPath(members[0].key))
            switch members[0].key {
            case "var":
                return (try variable(argument), "")
            case "cat":
                let parts = try argument.array("'cat'")
                if parts.count == 2 {
                    var prefix: String? = nil
                    if case .string(let text) = parts[0].value { prefix = text }
                    if case .object(let inner) = parts[0].value, inner.count == 1, inner[0].key == "var",
                        case .string("$flagd.flagKey") = inner[0].value
                    {
                        prefix = flagKey
                    }
                    if let prefix, case .object(let inner) = parts[1].value, inner.count == 1, inner[0].key == "var" {
                        let attribute = try variable(JSONReader(inner[0].value, at: parts[1].path + ".var"))
                        return (attribute, prefix)
                    }
                }
                throw ImportError(
                    "a 'cat' bucketing value must be [PREFIX or {\"var\": \"$flagd.flagKey\"}, {\"var\": ATTRIBUTE}]",
                    at: argument.path
                )
            case "$ref":
                var result: (String, String)? = nil
                try withReference(argument) { translator, target throws(ImportError) in
                    result = try translator.bucketExpression(target)
                }
                return result!
            default:
                throw ImportError("unsupported bucketing expression '\(members[0].key)'", at: argument.path)
            }
        }

        /// `{"var": NAME}`'s attribute (`$flagd.*` are not attributes).
        func variable(_ reader: JSONReader) throws(ImportError) -> String {
            let name: String
            switch reader.value {
            case .string(let text): name = text
            case .array(let items) where items.count == 1 || (items.count == 2 && items[1] == .null):
                guard case .string(let text) = items[0] else { throw reader.error("'var' needs an attribute name") }
                name = text
            case .array:
                throw ImportError("'var' with a default value has no flagc equivalent", at: reader.path)
            default:
                throw reader.error("'var' needs an attribute name")
            }
            guard !name.isEmpty else {
                throw ImportError("'var' of the whole context has no flagc equivalent", at: reader.path)
            }
            return name
        }

        // MARK: Conditions

        /// An operand: an attribute, `$flagd.timestamp`, `$flagd.flagKey` (a constant) or a literal.
        enum Operand {
            case attribute(String)
            case timestamp
            case literal(JSONValue)
        }

        func operand(_ reader: JSONReader) throws(ImportError) -> Operand {
            switch reader.value {
            case .object(let members) where members.count == 1 && members[0].key == "var":
                let name = try variable(JSONReader(members[0].value, at: reader.path + ".var"))
                switch name {
                case "$flagd.flagKey": return .literal(.string(flagKey))
                case "$flagd.timestamp": return .timestamp
                default:
                    if name.hasPrefix("$flagd.") {
                        throw ImportError("'\(name)' has no flagc equivalent", at: reader.path)
                    }
                    return .attribute(name)
                }
            case .object(let members) where members.count == 1 && members[0].key == "$ref":
                throw ImportError("a '$ref' inside a comparison is not supported; inline it", at: reader.path)
            case .object, .array:
                throw ImportError("a comparison operand must be {\"var\": …} or a literal", at: reader.path)
            default:
                return .literal(reader.value)
            }
        }

        mutating func condition(_ reader: JSONReader) throws(ImportError) -> ImportedCondition {
            guard case .object(let members) = reader.value, members.count == 1 else {
                if case .bool(let constant) = reader.value { return constant ? .always : .never }
                throw ImportError(
                    "a condition must be one JsonLogic operation (==, !=, <, <=, >, >=, in, starts_with, ends_with, sem_ver, and, or, !)",
                    at: reader.path
                )
            }
            let op = members[0].key
            let arguments = JSONReader(members[0].value, at: reader.path + JSONReader.memberPath(op))
            func list() throws(ImportError) -> [JSONReader] {
                if case .array = arguments.value { return try arguments.array("'\(op)'") }
                return [arguments]
            }
            switch op {
            case "$ref":
                var result = ImportedCondition.never
                try withReference(arguments) { translator, target throws(ImportError) in
                    result = try translator.condition(target)
                }
                return result
            case "and", "or":
                var parts: [ImportedCondition] = []
                for item in try list() { parts.append(try condition(item)) }
                guard !parts.isEmpty else { throw arguments.error("'\(op)' needs at least one operand") }
                return op == "and" ? .and(parts) : .or(parts)
            case "!":
                let items = try list()
                guard items.count == 1 else { throw arguments.error("'!' takes one operand") }
                return .negate(try condition(items[0]))
            case "==", "!=":
                let items = try list()
                guard items.count == 2 else { throw arguments.error("'\(op)' takes two operands") }
                let equal = try equality(try operand(items[0]), try operand(items[1]), path: arguments.path)
                return op == "==" ? equal : .negate(equal)
            case "<", "<=", ">", ">=":
                return try comparison(op, try list(), path: arguments.path)
            case "in":
                let items = try list()
                guard items.count == 2 else { throw arguments.error("'in' takes two operands") }
                let needle = try operand(items[0])
                if case .array(let elements) = items[1].value {
                    guard case .attribute(let attribute) = needle else {
                        throw ImportError("'in' with a list needs {\"var\": …} first", at: items[0].path)
                    }
                    var literals: [JSONValue] = []
                    for element in elements {
                        switch element {
                        case .string, .number, .integer, .bool: literals.append(element)
                        default: throw ImportError("'in' lists hold strings, numbers or booleans", at: items[1].path)
                        }
                    }
                    return literals.isEmpty ? .never : .on(attribute, "in", .array(literals))
                }
                guard case .literal(.string(let text)) = needle, case .attribute(let attribute) = try operand(items[1])
                else {
                    throw ImportError(
                        "'in' must be [{\"var\": …}, [LIST]] or [\"TEXT\", {\"var\": …}] (substring)",
                        at: arguments.path
                    )
                }
                // A substring of a string value, or an element of a list value: flagc's `contains` too.
                return .on(attribute, "contains", .string(text))
            case "starts_with", "ends_with":
                let items = try list()
                guard items.count == 2, case .attribute(let attribute) = try operand(items[0]),
                    case .literal(.string(let text)) = try operand(items[1])
                else { throw ImportError("'\(op)' must be [{\"var\": …}, \"TEXT\"]", at: arguments.path) }
                return .on(attribute, op == "starts_with" ? "startsWith" : "endsWith", .string(text))
            case "sem_ver":
                return try semver(try list(), path: arguments.path)
            default:
                throw ImportError(
                    "JsonLogic operator '\(op)' has no flagc equivalent; supported: if, and, or, !, ==, !=, <, <=, >, >=, in, starts_with, ends_with, sem_ver, fractional, var",
                    at: arguments.path
                )
            }
        }

        func equality(_ left: Operand, _ right: Operand, path: String) throws(ImportError) -> ImportedCondition {
            switch (left, right) {
            case (.literal(let a), .literal(let b)):
                return Self.looselyEqual(a, b) ? .always : .never
            case (.attribute(let attribute), .literal(let value)), (.literal(let value), .attribute(let attribute)):
                switch value {
                case .null: return .on(attribute, "exists", .bool(false))
                case .string, .bool, .number, .integer: return .on(attribute, "eq", value)
                default: throw ImportError("'==' compares with a string, number, boolean or null", at: path)
                }
            case (.timestamp, .literal(let value)), (.literal(let value), .timestamp):
                guard let number = Self.number(value) else {
                    throw ImportError("'$flagd.timestamp' compares with a number", at: path)
                }
                guard number == number.rounded() else { return .never }
                return .and([.on("now", "gte", .number(number)), .on("now", "lt", .number(number + 1))])
            default:
                throw ImportError("comparing two attributes has no flagc equivalent", at: path)
            }
        }

        static func number(_ value: JSONValue) -> Double? {
            switch value {
            case .number(let number): number
            case .integer(let number): Double(number)
            default: nil
            }
        }

        static func looselyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
            if a == b { return true }
            if let x = number(a), let y = number(b) { return x == y }
            return false
        }

        /// `<`, `<=`, `>`, `>=` with two operands, or three (`a < x < b`).
        func comparison(_ op: String, _ items: [JSONReader], path: String) throws(ImportError) -> ImportedCondition {
            guard items.count == 2 || items.count == 3 else {
                throw ImportError("'\(op)' takes two or three operands", at: path)
            }
            let operands = try items.map { item throws(ImportError) in try operand(item) }
            var parts: [ImportedCondition] = []
            for (left, right) in zip(operands, operands.dropFirst()) {
                parts.append(try compare(op, left, right, path: path))
            }
            return .and(parts)
        }

        func compare(
            _ op: String,
            _ left: Operand,
            _ right: Operand,
            path: String
        ) throws(ImportError) -> ImportedCondition {
            let flipped = ["<": ">", "<=": ">=", ">": "<", ">=": "<="]
            switch (left, right) {
            case (.literal(let value), .attribute), (.literal(let value), .timestamp):
                guard Self.number(value) != nil else {
                    throw ImportError("'\(op)' compares numbers; flagc has no order on strings", at: path)
                }
                return try compare(flipped[op]!, right, left, path: path)
            case (.attribute(let attribute), .literal(let value)):
                guard let number = Self.number(value) else {
                    throw ImportError("'\(op)' compares numbers; flagc has no order on strings", at: path)
                }
                let name = ["<": "lt", "<=": "lte", ">": "gt", ">=": "gte"][op]!
                return .on(attribute, name, .number(number))
            case (.timestamp, .literal(let value)):
                // `$flagd.timestamp` is whole Unix seconds: floor(now).
                guard let number = Self.number(value) else {
                    throw ImportError("'$flagd.timestamp' compares with a number", at: path)
                }
                switch op {
                case ">": return .on("now", "gte", .number(number.rounded(.down) + 1))
                case ">=": return .on("now", "gte", .number(number.rounded(.up)))
                case "<": return .on("now", "lt", .number(number.rounded(.up)))
                default: return .on("now", "lt", .number(number.rounded(.down) + 1))
                }
            case (.literal(let a), .literal(let b)):
                guard let x = Self.number(a), let y = Self.number(b) else {
                    throw ImportError("'\(op)' compares numbers", at: path)
                }
                let holds =
                    switch op {
                    case "<": x < y
                    case "<=": x <= y
                    case ">": x > y
                    default: x >= y
                    }
                return holds ? .always : .never
            default:
                throw ImportError("comparing two attributes has no flagc equivalent", at: path)
            }
        }

        /// `sem_ver`: `[{"var": …}, OPERATOR, VERSION]`; flagd's `^` and `~` compare the major, or the
        /// major and minor, only.
        func semver(_ items: [JSONReader], path: String) throws(ImportError) -> ImportedCondition {
            guard items.count == 3, case .attribute(let attribute) = try operand(items[0]),
                case .string(let op) = items[1].value
            else { throw ImportError("'sem_ver' must be [{\"var\": …}, OPERATOR, VERSION]", at: path) }
            var text: String
            switch items[2].value {
            case .string(let string): text = string
            case .number(let number): text = Bucketing.canonicalNumberText(number)
            default: throw ImportError("'sem_ver' compares with a version string", at: items[2].path)
            }
            if text.hasPrefix("v") || text.hasPrefix("V") { text.removeFirst() }
            guard let version = SemanticVersion(text) else {
                // flagd also takes shortened versions (v1.2); flagc needs all three numbers.
                throw ImportError("'\(text)' is not a MAJOR.MINOR.PATCH semantic version", at: items[2].path)
            }
            func on(_ name: String, _ version: String) -> ImportedCondition { .on(attribute, name, .string(version)) }
            switch op {
            case "=": return on("semverEq", text)
            case "!=": return .or([on("semverLt", text), on("semverGt", text)])
            case "<": return on("semverLt", text)
            case "<=": return on("semverLte", text)
            case ">": return on("semverGt", text)
            case ">=": return on("semverGte", text)
            case "^":
                let major = version.major
                return .and([on("semverGte", "\(major).0.0-0"), on("semverLt", "\(major + 1).0.0-0")])
            case "~":
                let (major, minor) = (version.major, version.minor)
                return .and([on("semverGte", "\(major).\(minor).0-0"), on("semverLt", "\(major).\(minor + 1).0-0")])
            default:
                throw ImportError(
                    "unknown 'sem_ver' operator '\(op)'; flagd knows =, !=, <, <=, >, >=, ^, ~",
                    at: items[1].path
                )
            }
        }
    }
}
