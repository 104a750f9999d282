/// Where the evaluator reads attribute values from.
package protocol AttributeSource {
    /// The value of attribute `index` of the bundle (never `targetingKey` or `now`, which the
    /// evaluator handles itself), or nil when missing.
    func namedValue(_ index: Int, tables: FlagTables) -> AttributeValue?
    var targetingKey: String? { get }
    var now: Double? { get }
}

extension EvaluationContext: AttributeSource {
    package func namedValue(_ index: Int, tables: FlagTables) -> AttributeValue? {
        attributes[tables.strings[Int(tables.attributes[index])]]
    }
}

extension PreparedContext: AttributeSource {
    package func namedValue(_ index: Int, tables: FlagTables) -> AttributeValue? { values[index] }
}

/// The outcome of evaluating one flag: which variant, why, and which rule. No allocation.
package struct Outcome: Sendable, Equatable {
    package var variant: Int
    package var reason: EvaluationReason
    /// Index of the deciding rule, or -1.
    package var rule: Int
}

/// Evaluates flags of one bundle for one context, on the bundle's flat tables. A value type made per
/// evaluation; it allocates nothing, copies no reference out of the tables, and reads the clock at
/// most once.
package struct Evaluator<Source: AttributeSource> {
    let tables: FlagTables
    let source: Source
    let clock: @Sendable () -> Double
    private var cachedNow: Double?

    package init(tables: FlagTables, source: Source, clock: @escaping @Sendable () -> Double) {
        self.tables = tables
        self.source = source
        self.clock = clock
        self.cachedNow = source.now
    }

    private mutating func now() -> Double {
        if let cachedNow { return cachedNow }
        let value = clock()
        cachedNow = value
        return value
    }

    /// The value of attribute `index`; nil when missing or null.
    @inline(__always)
    private mutating func value(_ index: Int) -> AttributeValue? {
        let result: AttributeValue?
        switch tables.attributeKinds[index] {
        case .targetingKey:
            guard let key = source.targetingKey else { return nil }
            return .string(key)
        case .now: return .number(now())
        case .named: result = source.namedValue(index, tables: tables)
        }
        if case .null = result { return nil }
        return result
    }

    // MARK: Flags

    package mutating func evaluate(flag index: Int) -> Outcome {
        let flag = tables.flags[index]
        if flag.fixedVariant >= 0 {
            return Outcome(variant: Int(flag.fixedVariant), reason: flag.fixedReason, rule: -1)
        }
        for position in Int(flag.prerequisiteStart)..<Int(flag.prerequisiteStart + flag.prerequisiteCount) {
            let prerequisite = tables.prerequisites[position]
            if evaluate(flag: Int(prerequisite.flag)).variant != Int(prerequisite.variant) {
                return Outcome(variant: Int(flag.offVariant), reason: .prerequisiteFailed, rule: -1)
            }
        }
        guard flag.ruleCount > 0 else { return Outcome(variant: Int(flag.defaultVariant), reason: .static, rule: -1) }
        for position in Int(flag.ruleStart)..<Int(flag.ruleStart + flag.ruleCount) {
            let rule = tables.rules[position]
            if rule.condition >= 0, !matches(Int(rule.condition)) { continue }
            let ruleIndex = position - Int(flag.ruleStart)
            switch rule.kind {
            case .variant:
                return Outcome(variant: Int(rule.variant), reason: .targetingMatch, rule: ruleIndex)
            case .split:
                guard let bucket = bucket(salt: flag.salt, attribute: Int(rule.bucketBy)) else { continue }
                let last = Int(rule.start + rule.count) - 1
                var chosen = Int(tables.splits[last].variant)
                for entry in Int(rule.start)..<last where bucket < Int(tables.splits[entry].threshold) {
                    chosen = Int(tables.splits[entry].variant)
                    break
                }
                return Outcome(variant: chosen, reason: .split, rule: ruleIndex)
            case .progressive:
                guard let bucket = bucket(salt: flag.salt, attribute: Int(rule.bucketBy)) else { continue }
                let served = bucket < rampThreshold(rule) ? rule.variant : rule.others
                return Outcome(variant: Int(served), reason: .split, rule: ruleIndex)
            }
        }
        return Outcome(variant: Int(flag.defaultVariant), reason: .default, rule: -1)
    }

    /// The ramp's threshold now: 0 before the first step, then the latest started step's.
    private mutating func rampThreshold(_ rule: FlagTables.RuleRecord) -> Int {
        let time = now()
        var threshold = 0
        for position in Int(rule.start)..<Int(rule.start + rule.count) {
            let step = tables.steps[position]
            guard Double(step.startsAt) <= time else { break }
            threshold = Int(step.threshold)
        }
        return threshold
    }

    /// The bucket of the bucketing attribute, or nil when it is missing or not a scalar.
    private mutating func bucket(salt: Int32, attribute: Int) -> Int? {
        switch value(attribute) {
        case .string(let text): Bucketing.bucket(salt: tables.strings[Int(salt)], value: text)
        case .number(let number): Bucketing.bucket(salt: tables.strings[Int(salt)], number: number)
        case .bool(let bool): Bucketing.bucket(salt: tables.strings[Int(salt)], value: bool ? "true" : "false")
        case .list, .null, nil: nil
        }
    }

    // MARK: Conditions

    /// Whether the condition whose root is node `index` holds.
    package mutating func matches(_ index: Int) -> Bool {
        let node = tables.nodes[index]
        switch node.kind {
        case .all:
            var child = index + 1
            while child < Int(node.end) {
                if !matches(child) { return false }
                child = Int(tables.nodes[child].end)
            }
            return true
        case .any:
            var child = index + 1
            while child < Int(node.end) {
                if matches(child) { return true }
                child = Int(tables.nodes[child].end)
            }
            return false
        case .not:
            return !matches(index + 1)
        case .segment:
            return isMember(ofSegment: Int(node.index))
        case .predicate:
            return Self.holds(node, for: value(Int(node.index)), tables)
        }
    }

    private mutating func isMember(ofSegment index: Int) -> Bool {
        let segment = tables.segments[index]
        if let key = source.targetingKey {
            if tables.stringSets[Int(segment.excluded)].contains(key) { return false }
            if tables.stringSets[Int(segment.included)].contains(key) { return true }
        }
        guard segment.condition >= 0 else { return false }
        return matches(Int(segment.condition))
    }

    // MARK: Predicates

    private static func holds(_ node: FlagTables.NodeRecord, for value: AttributeValue?, _ tables: FlagTables) -> Bool {
        guard let value else {
            switch node.code {
            case .notEquals, .notIn, .notContains: return true
            case .exists: return node.operand == 0
            default: return false
            }
        }
        let ignoreCase = node.ignoreCase
        switch node.code {
        case .exists: return node.operand != 0
        case .equals: return anyEquals(value, node, tables)
        case .notEquals: return !Self.anyEquals(value, node, tables)
        case .isIn: return Self.anyContained(value, tables.literalSets[Int(node.operand)], ignoreCase)
        case .notIn: return !Self.anyContained(value, tables.literalSets[Int(node.operand)], ignoreCase)
        case .contains: return Self.contains(value, tables.strings[Int(node.operand)], ignoreCase: ignoreCase)
        case .notContains: return !Self.contains(value, tables.strings[Int(node.operand)], ignoreCase: ignoreCase)
        case .startsWith:
            guard case .string(let string) = value else { return false }
            return TextMatching.hasPrefix(string, tables.strings[Int(node.operand)], ignoreCase: ignoreCase)
        case .endsWith:
            guard case .string(let string) = value else { return false }
            return TextMatching.hasSuffix(string, tables.strings[Int(node.operand)], ignoreCase: ignoreCase)
        case .matches:
            guard case .string(let string) = value else { return false }
            return tables.regexes[Int(node.operand)].matches(string)
        case .greaterThan: return Self.number(value).map { $0 > node.number } ?? false
        case .greaterThanOrEqual: return Self.number(value).map { $0 >= node.number } ?? false
        case .lessThan: return Self.number(value).map { $0 < node.number } ?? false
        case .lessThanOrEqual: return Self.number(value).map { $0 <= node.number } ?? false
        case .before: return Self.time(value).map { $0 < node.number } ?? false
        case .after: return Self.time(value).map { $0 > node.number } ?? false
        case .semver:
            guard case .string(let text) = value,
                let order = SemanticVersion.compare(text, to: tables.versions[Int(node.operand)])
            else { return false }
            switch SemverComparison(rawValue: node.detail) ?? .equal {
            case .equal: return order == 0
            case .greaterThan: return order > 0
            case .greaterThanOrEqual: return order >= 0
            case .lessThan: return order < 0
            case .lessThanOrEqual: return order <= 0
            }
        case .inCIDR:
            guard case .string(let text) = value, let address = IPAddress.parse(text) else { return false }
            for position in Int(node.operand)..<Int(node.operand + node.count)
            where tables.ranges[position].contains(address) {
                return true
            }
            return false
        }
    }

    /// eq on a scalar, or on any element of a list (no closure, so nothing is captured or copied).
    private static func anyEquals(_ value: AttributeValue, _ node: FlagTables.NodeRecord, _ tables: FlagTables) -> Bool {
        if case .list(let items) = value {
            for item in items where equals(item, node, tables) { return true }
            return false
        }
        return equals(value, node, tables)
    }

    /// in on a scalar, or on any element of a list.
    private static func anyContained(_ value: AttributeValue, _ set: LiteralSet, _ ignoreCase: Bool) -> Bool {
        if case .list(let items) = value {
            for item in items where contains(set, item, ignoreCase) { return true }
            return false
        }
        return contains(set, value, ignoreCase)
    }

    /// eq against the node's literal.
    private static func equals(_ value: AttributeValue, _ node: FlagTables.NodeRecord, _ tables: FlagTables) -> Bool {
        switch (value, LiteralTag(rawValue: node.detail)) {
        case (.string(let string), .string?):
            let expected = tables.strings[Int(node.operand)]
            return node.ignoreCase
                ? TextMatching.equalsIgnoringCase(string, lowercased: expected) : TextMatching.equals(string, expected)
        case (.number(let number), .number?): return number == node.number
        case (.string(let string), .number?): return NumberText.parse(string) == node.number
        case (.number(let number), .string?): return NumberText.parse(tables.strings[Int(node.operand)]) == number
        case (.bool(let bool), .bool?): return bool == (node.operand != 0)
        default: return false
        }
    }

    private static func contains(_ set: LiteralSet, _ value: AttributeValue, _ ignoreCase: Bool) -> Bool {
        switch value {
        case .string(let string):
            if ignoreCase ? set.strings.contains(string.lowercased()) : set.strings.contains(string) { return true }
            guard !set.numbers.isEmpty, let number = NumberText.parse(string) else { return false }
            return set.numbers.contains(number)
        case .number(let number): return set.numbers.contains(number)
        case .bool(let bool): return set.bools.contains(bool)
        case .list, .null: return false
        }
    }

    /// Substring on a string; membership on a list.
    private static func contains(_ value: AttributeValue, _ text: String, ignoreCase: Bool) -> Bool {
        switch value {
        case .string(let string): return TextMatching.contains(string, text, ignoreCase: ignoreCase)
        case .list(let items):
            for case .string(let item) in items
            where ignoreCase ? TextMatching.equalsIgnoringCase(item, lowercased: text) : TextMatching.equals(item, text) {
                return true
            }
            return false
        default: return false
        }
    }

    /// A number, or a numeric string compared as a number.
    private static func number(_ value: AttributeValue) -> Double? {
        switch value {
        case .number(let number): number
        case .string(let string): NumberText.parse(string)
        default: nil
        }
    }

    /// Unix seconds from a number, an RFC 3339 string, or a numeric string.
    private static func time(_ value: AttributeValue) -> Double? {
        switch value {
        case .number(let number): number
        case .string(let string): Timestamp.parseRFC3339(string) ?? NumberText.parse(string)
        default: nil
        }
    }
}
