/// Where the evaluator reads attribute values from.
package protocol AttributeSource {
    /// The value of attribute `index` of the bundle (never `targetingKey` or `now`, which the
    /// evaluator handles itself), or nil when missing.
    func namedValue(_ index: Int, name: String) -> AttributeValue?
    var targetingKey: String? { get }
    var now: Double? { get }
}

extension EvaluationContext: AttributeSource {
    package func namedValue(_ index: Int, name: String) -> AttributeValue? { attributes[name] }
}

extension PreparedContext: AttributeSource {
    package func namedValue(_ index: Int, name: String) -> AttributeValue? { values[index] }
}

/// The outcome of evaluating one flag: which variant, why, and which rule. No allocation.
package struct Outcome: Sendable, Equatable {
    package var variant: Int
    package var reason: EvaluationReason
    /// Index of the deciding rule, or -1.
    package var rule: Int
}

/// Evaluates flags of one bundle content for one context. A value type made per evaluation; it
/// allocates nothing and reads the clock at most once.
package struct Evaluator<Source: AttributeSource> {
    let content: BundleContent
    let kinds: [AttributeKind]
    let source: Source
    let clock: @Sendable () -> Double
    private var cachedNow: Double?

    package init(content: BundleContent, kinds: [AttributeKind], source: Source, clock: @escaping @Sendable () -> Double) {
        self.content = content
        self.kinds = kinds
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
        switch kinds[index] {
        case .targetingKey:
            guard let key = source.targetingKey else { return nil }
            return .string(key)
        case .now: return .number(now())
        case .named(let name): result = source.namedValue(index, name: name)
        }
        if case .null = result { return nil }
        return result
    }

    // MARK: Flags

    package mutating func evaluate(flag index: Int) -> Outcome {
        let flag = content.flags[index]
        guard flag.isEnabled else { return Outcome(variant: flag.offVariant, reason: .disabled, rule: -1) }
        for prerequisite in flag.prerequisites where evaluate(flag: prerequisite.flag).variant != prerequisite.variant {
            return Outcome(variant: flag.offVariant, reason: .prerequisiteFailed, rule: -1)
        }
        guard !flag.rules.isEmpty else { return Outcome(variant: flag.defaultVariant, reason: .static, rule: -1) }
        for ruleIndex in flag.rules.indices {
            let rule = flag.rules[ruleIndex]
            if let condition = rule.condition, !matches(condition) { continue }
            switch rule.serve {
            case .variant(let variant):
                return Outcome(variant: variant, reason: .targetingMatch, rule: ruleIndex)
            case .split(let bucketBy, let variants, let thresholds):
                guard let bucket = bucket(salt: flag.salt, attribute: bucketBy) else { continue }
                var chosen = variants[variants.count - 1]
                for position in thresholds.indices where bucket < thresholds[position] {
                    chosen = variants[position]
                    break
                }
                return Outcome(variant: chosen, reason: .split, rule: ruleIndex)
            case .progressive(let bucketBy, let variant, let others, let steps):
                guard let bucket = bucket(salt: flag.salt, attribute: bucketBy) else { continue }
                let threshold = rampThreshold(steps)
                return Outcome(variant: bucket < threshold ? variant : others, reason: .split, rule: ruleIndex)
            }
        }
        return Outcome(variant: flag.defaultVariant, reason: .default, rule: -1)
    }

    /// The ramp's threshold now: 0 before the first step, then the latest started step's.
    private mutating func rampThreshold(_ steps: [RampStep]) -> Int {
        let time = now()
        var threshold = 0
        for step in steps {
            guard Double(step.startsAt) <= time else { break }
            threshold = step.threshold
        }
        return threshold
    }

    /// The bucket of the bucketing attribute, or nil when it is missing or not a scalar.
    private mutating func bucket(salt: String, attribute: Int) -> Int? {
        switch value(attribute) {
        case .string(let text): Bucketing.bucket(salt: salt, value: text)
        case .number(let number): Bucketing.bucket(salt: salt, number: number)
        case .bool(let bool): Bucketing.bucket(salt: salt, value: bool ? "true" : "false")
        case .list, .null, nil: nil
        }
    }

    // MARK: Conditions

    package mutating func matches(_ condition: Condition) -> Bool {
        switch condition {
        case .all(let items):
            for item in items where !matches(item) { return false }
            return true
        case .any(let items):
            for item in items where matches(item) { return true }
            return false
        case .not(let inner):
            return !matches(inner)
        case .segment(let index):
            return isMember(ofSegment: index)
        case .predicate(let attribute, let predicate):
            return holds(predicate, for: value(attribute))
        }
    }

    private mutating func isMember(ofSegment index: Int) -> Bool {
        let segment = content.segments[index]
        if let key = source.targetingKey {
            if segment.excluded.contains(key) { return false }
            if segment.included.contains(key) { return true }
        }
        guard let condition = segment.condition else { return false }
        return matches(condition)
    }

    // MARK: Predicates

    private func holds(_ predicate: Predicate, for value: AttributeValue?) -> Bool {
        guard let value else {
            switch predicate {
            case .notEquals, .notIn, .notContains: return true
            case .exists(let expected): return !expected
            default: return false
            }
        }
        switch predicate {
        case .exists(let expected): return expected
        case .equals(let literal, let ignoreCase):
            return anyElement(of: value) { Self.equals($0, literal, ignoreCase: ignoreCase) }
        case .notEquals(let literal, let ignoreCase):
            return !anyElement(of: value) { Self.equals($0, literal, ignoreCase: ignoreCase) }
        case .isIn(let set, let ignoreCase):
            return anyElement(of: value) { Self.contains(set, $0, ignoreCase: ignoreCase) }
        case .notIn(let set, let ignoreCase):
            return !anyElement(of: value) { Self.contains(set, $0, ignoreCase: ignoreCase) }
        case .contains(let text, let ignoreCase):
            return Self.contains(value, text, ignoreCase: ignoreCase)
        case .notContains(let text, let ignoreCase):
            return !Self.contains(value, text, ignoreCase: ignoreCase)
        case .startsWith(let prefix, let ignoreCase):
            guard case .string(let string) = value else { return false }
            return TextMatching.hasPrefix(string, prefix, ignoreCase: ignoreCase)
        case .endsWith(let suffix, let ignoreCase):
            guard case .string(let string) = value else { return false }
            return TextMatching.hasSuffix(string, suffix, ignoreCase: ignoreCase)
        case .matches(let automaton):
            guard case .string(let string) = value else { return false }
            return automaton.matches(string)
        case .greaterThan(let bound): return Self.number(value).map { $0 > bound } ?? false
        case .greaterThanOrEqual(let bound): return Self.number(value).map { $0 >= bound } ?? false
        case .lessThan(let bound): return Self.number(value).map { $0 < bound } ?? false
        case .lessThanOrEqual(let bound): return Self.number(value).map { $0 <= bound } ?? false
        case .before(let time): return Self.time(value).map { $0 < time } ?? false
        case .after(let time): return Self.time(value).map { $0 > time } ?? false
        case .semver(let comparison, let version):
            guard case .string(let text) = value, let order = SemanticVersion.compare(text, to: version) else {
                return false
            }
            switch comparison {
            case .equal: return order == 0
            case .greaterThan: return order > 0
            case .greaterThanOrEqual: return order >= 0
            case .lessThan: return order < 0
            case .lessThanOrEqual: return order <= 0
            }
        case .inCIDR(let ranges):
            guard case .string(let text) = value, let address = IPAddress.parse(text) else { return false }
            for range in ranges where range.contains(address) { return true }
            return false
        }
    }

    /// `body` for a scalar, or for any element of a list.
    @inline(__always)
    private func anyElement(of value: AttributeValue, _ body: (AttributeValue) -> Bool) -> Bool {
        if case .list(let items) = value {
            for item in items where body(item) { return true }
            return false
        }
        return body(value)
    }

    private static func equals(_ value: AttributeValue, _ literal: Literal, ignoreCase: Bool) -> Bool {
        switch (value, literal) {
        case (.string(let string), .string(let expected)):
            return ignoreCase
                ? TextMatching.equalsIgnoringCase(string, lowercased: expected) : TextMatching.equals(string, expected)
        case (.number(let number), .number(let expected)): return number == expected
        case (.string(let string), .number(let expected)): return NumberText.parse(string) == expected
        case (.number(let number), .string(let expected)): return NumberText.parse(expected) == number
        case (.bool(let bool), .bool(let expected)): return bool == expected
        default: return false
        }
    }

    private static func contains(_ set: LiteralSet, _ value: AttributeValue, ignoreCase: Bool) -> Bool {
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
