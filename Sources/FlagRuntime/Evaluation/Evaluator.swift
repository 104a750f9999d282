/// The outcome of evaluating one flag: which variant, why, and which rule. No allocation.
package struct Outcome: Sendable, Equatable {
    package var variant: Int
    package var reason: EvaluationReason
    /// Index of the deciding rule, or -1.
    package var rule: Int
}

extension FlagTables.FlagRecord {
    /// The outcome of a flag whose variant is fixed at load (switched off, or without rules and
    /// prerequisites), or nil.
    @inline(__always)
    package var fixedOutcome: Outcome? {
        switch fixed {
        case .evaluated: nil
        case .disabled: Outcome(variant: Int(offVariant), reason: .disabled, rule: -1)
        case .static: Outcome(variant: Int(defaultVariant), reason: .static, rule: -1)
        }
    }
}

/// Evaluates flags of one bundle for one context, on the bundle's flat tables. A value type made per
/// evaluation; it allocates nothing, copies no reference out of the tables, and reads the clock at
/// most once.
package struct Evaluator {
    // Plain buffer pointers into the bundle's tables, which outlive every evaluation with them:
    // nothing here is reference counted, so threads evaluating at once share no counter.
    let tables: UnsafePointer<FlagTables.View>
    /// Read only when a ramp or the `now` attribute needs the time (and the context has none).
    unowned(unsafe) let clock: EvaluationClock

    /// The bundle's circuit breakers, when a flag has a guard: a prerequisite whose breaker is not
    /// closed serves its off variant (so the flag requiring it fails).
    unowned(unsafe) let breakers: CircuitBreakers?

    package init(tables: FlagTables, clock: EvaluationClock, breakers: CircuitBreakers? = nil) {
        self.tables = tables.viewPointer
        self.clock = clock
        self.breakers = breakers
    }

    /// The evaluation time, read from the clock at most once per evaluation. The methods are
    /// non-mutating and thread this cache through instead.
    private func now(_ source: ContextReader, _ cache: inout Double?) -> Double {
        if let cache { return cache }
        let value = source.now ?? clock.now()
        cache = value
        return value
    }

    /// The value of attribute `index`, read in place; `.missing` when missing or null.
    @inline(__always)
    private func value(_ index: Int, _ source: ContextReader, _ now: inout Double?) -> AttributeRead {
        switch tables.pointee.attributeKinds[index] {
        case .targetingKey:
            guard let key = source.targetingKey else { return .missing }
            return .string(key)
        case .now: return .number(self.now(source, &now))
        case .named: return source.named(index, tables)
        }
    }

    // MARK: Flags

    /// The outcome of flag `index` for `context` (no circuit breaker, no telemetry).
    package func evaluate(flag index: Int, context: some AttributeSource) -> Outcome {
        context.withReader { evaluate(flag: index, source: $0) }
    }

    package func evaluate(flag index: Int, source: ContextReader) -> Outcome {
        var now: Double? = nil
        return evaluate(flag: index, source, &now)
    }

    private func evaluate(flag index: Int, _ source: ContextReader, _ now: inout Double?) -> Outcome {
        let flag = tables.pointee.flags[index]
        if let fixed = flag.fixedOutcome { return fixed }
        for position in flag.prerequisites {
            let prerequisite = tables.pointee.prerequisites[position]
            let required = Int(prerequisite.flag)
            let served =
                if let breakers, breakers.isStopping(required) {
                    Int(tables.pointee.flags[required].offVariant)
                } else {
                    evaluate(flag: required, source, &now).variant
                }
            if served != Int(prerequisite.variant) {
                return Outcome(variant: Int(flag.offVariant), reason: .prerequisiteFailed, rule: -1)
            }
        }
        guard flag.ruleCount > 0 else { return Outcome(variant: Int(flag.defaultVariant), reason: .static, rule: -1) }
        for position in flag.rules {
            let rule = tables.pointee.rules[position]
            if rule.condition >= 0, !matches(Int(rule.condition), source, &now) { continue }
            let ruleIndex = position - Int(flag.ruleStart)
            switch rule.kind {
            case .variant:
                return Outcome(variant: Int(rule.variant), reason: .targetingMatch, rule: ruleIndex)
            case .split:
                guard let bucket = bucket(flag: index, attribute: Int(rule.bucketBy), source, &now) else {
                    continue
                }
                let last = rule.entries.upperBound - 1
                var chosen = Int(tables.pointee.splits[last].variant)
                for entry in Int(rule.start)..<last where bucket < Int(tables.pointee.splits[entry].threshold) {
                    chosen = Int(tables.pointee.splits[entry].variant)
                    break
                }
                return Outcome(variant: chosen, reason: .split, rule: ruleIndex)
            case .progressive:
                guard let bucket = bucket(flag: index, attribute: Int(rule.bucketBy), source, &now) else {
                    continue
                }
                let served = bucket < rampThreshold(rule, source, &now) ? rule.variant : rule.others
                return Outcome(variant: Int(served), reason: .split, rule: ruleIndex)
            case .hashedSplit:
                guard let chosen = hashedSplit(rule, source, &now) else { continue }
                return Outcome(variant: chosen, reason: .split, rule: ruleIndex)
            }
        }
        return Outcome(variant: Int(flag.defaultVariant), reason: .default, rule: -1)
    }

    /// The ramp's threshold now: 0 before the first step, then the latest started step's.
    private func rampThreshold(_ rule: FlagTables.RuleRecord, _ source: ContextReader, _ now: inout Double?) -> Int {
        let time = self.now(source, &now)
        var threshold = 0
        for position in rule.entries {
            let step = tables.pointee.steps[position]
            guard step.startsAt <= time else { break }
            threshold = Int(step.threshold)
        }
        return threshold
    }

    /// The variant a `hash:` split serves, or nil when the bucketing value is missing or not a
    /// scalar. Its first entry holds the salt and the scheme (see `TableDecoder.readServe`).
    private func hashedSplit(_ rule: FlagTables.RuleRecord, _ source: ContextReader, _ now: inout Double?) -> Int? {
        let value = value(Int(rule.bucketBy), source, &now)
        let header = tables.pointee.splits[Int(rule.start)]
        let scheme = BucketingScheme(rawValue: UInt8(truncatingIfNeeded: header.threshold)) ?? .flagc
        let entries = Int(rule.start) + 1..<rule.entries.upperBound
        let total = Int(tables.pointee.splits[entries.upperBound - 1].threshold)
        let prefix = scheme.prefix(salt: tables.pointee.bytes(header.variant))
        guard let bucket = scheme.bucket(prefix: prefix, value: value, total: total) else { return nil }
        for entry in entries where bucket < Int(tables.pointee.splits[entry].threshold) {
            return Int(tables.pointee.splits[entry].variant)
        }
        return nil
    }

    /// The bucket of the bucketing attribute, or nil when it is missing or not a scalar.
    private func bucket(flag: Int, attribute: Int, _ source: ContextReader, _ now: inout Double?) -> Int? {
        let read = value(attribute, source, &now)
        switch read.tag {
        case .string: return Bucketing.bucket(prefix: tables.pointee.saltPrefixes[flag], utf8: read.bytes)
        case .number: return Bucketing.bucket(prefix: tables.pointee.saltPrefixes[flag], number: read.number)
        case .bool:
            return Bucketing.bucket(
                prefix: tables.pointee.saltPrefixes[flag],
                value: read.payload != 0 ? "true" : "false"
            )
        case .list, .object, .null: return nil
        }
    }

    // MARK: Conditions

    /// Whether the condition whose root is node `index` holds.
    package func matches(_ index: Int, _ source: ContextReader, _ now: inout Double?) -> Bool {
        let node = tables.pointee.nodes[index]
        switch node.kind {
        case .all:
            var child = index + 1
            while child < Int(node.end) {
                if !matchesChild(child, source, &now) { return false }
                child = Int(tables.pointee.nodes[child].end)
            }
            return true
        case .any:
            var child = index + 1
            while child < Int(node.end) {
                if matchesChild(child, source, &now) { return true }
                child = Int(tables.pointee.nodes[child].end)
            }
            return false
        case .not:
            return !matches(index + 1, source, &now)
        case .segment:
            return isMember(ofSegment: Int(node.index), source, &now)
        case .predicate:
            return predicate(node, source, &now)
        }
    }

    /// A child of `all` / `any`: predicates (the common case) are tested in the loop, without a call.
    @inline(__always)
    private func matchesChild(_ index: Int, _ source: ContextReader, _ now: inout Double?) -> Bool {
        let node = tables.pointee.nodes[index]
        guard node.kind == .predicate else { return matches(index, source, &now) }
        return predicate(node, source, &now)
    }

    /// Whether predicate `node` holds: the common shapes (`in` on a string, a number compared with a
    /// number) tested here, in line, the rest by `holds`.
    @inline(__always)
    private func predicate(_ node: FlagTables.NodeRecord, _ source: ContextReader, _ now: inout Double?) -> Bool {
        let value = value(Int(node.index), source, &now)
        switch (value.tag, node.code) {
        case (.string, .isIn) where !node.ignoreCase:
            let set = tables.pointee.literalSets[Int(node.operand)]
            if FlagTables.View.contains(tables, set.strings, value.bytes, foldNeedle: false) { return true }
            // A numeric string may still meet a number literal.
            if set.numberCount == 0 { return false }
        case (.number, .greaterThanOrEqual): return value.number >= tables.pointee.nodeNumbers[Int(node.operand)]
        case (.number, .greaterThan): return value.number > tables.pointee.nodeNumbers[Int(node.operand)]
        case (.number, .lessThanOrEqual): return value.number <= tables.pointee.nodeNumbers[Int(node.operand)]
        case (.number, .lessThan): return value.number < tables.pointee.nodeNumbers[Int(node.operand)]
        default: break
        }
        return Self.holds(node, value, source.lists, tables)
    }

    private func isMember(ofSegment index: Int, _ source: ContextReader, _ now: inout Double?) -> Bool {
        let segment = tables.pointee.segments[index]
        // Most segments list no keys: then the targeting key is not read (nor its optional copied).
        if segment.included.count + segment.excluded.count > 0, let key = source.targetingKey {
            if FlagTables.View.contains(tables, segment.excluded, key, foldNeedle: false) { return false }
            if FlagTables.View.contains(tables, segment.included, key, foldNeedle: false) { return true }
        }
        guard segment.condition >= 0 else { return false }
        return matches(Int(segment.condition), source, &now)
    }

    // MARK: Predicates

    private static func holds(
        _ node: FlagTables.NodeRecord,
        _ value: AttributeRead,
        _ lists: UnsafeBufferPointer<[AttributeValue]>,
        _ tables: UnsafePointer<FlagTables.View>
    ) -> Bool {
        if value.isMissing {
            switch node.code {
            case .notEquals, .notIn, .notContains: return true
            case .exists: return node.operand == 0
            default: return false
            }
        }
        // An object is present and nothing else: only `exists: true` holds for it. Every positive operator is
        // false for it by its type check; the negated ones test for it, so the common path pays nothing.
        let ignoreCase = node.ignoreCase
        let isString = value.tag == .string
        switch node.code {
        case .exists: return node.operand != 0
        case .equals: return anyEquals(value, node, lists, tables)
        case .notEquals: return value.tag != .object && !anyEquals(value, node, lists, tables)
        case .isIn: return anyContained(value, Int(node.operand), ignoreCase, lists, tables)
        case .notIn: return value.tag != .object && !anyContained(value, Int(node.operand), ignoreCase, lists, tables)
        case .contains: return contains(value, tables.pointee.bytes(node.operand), ignoreCase, lists)
        case .notContains:
            return value.tag != .object && !contains(value, tables.pointee.bytes(node.operand), ignoreCase, lists)
        case .startsWith:
            return isString
                && TextMatching.hasPrefix(value.bytes, tables.pointee.bytes(node.operand), ignoreCase: ignoreCase)
        case .endsWith:
            return isString
                && TextMatching.hasSuffix(value.bytes, tables.pointee.bytes(node.operand), ignoreCase: ignoreCase)
        case .matches:
            return isString && tables.pointee.regexes[Int(node.operand)].matches(utf8: value.bytes)
        case .greaterThan: return number(value).map { $0 > numericOperand(node, tables) } ?? false
        case .greaterThanOrEqual: return number(value).map { $0 >= numericOperand(node, tables) } ?? false
        case .lessThan: return number(value).map { $0 < numericOperand(node, tables) } ?? false
        case .lessThanOrEqual: return number(value).map { $0 <= numericOperand(node, tables) } ?? false
        case .before: return time(value).map { $0 < numericOperand(node, tables) } ?? false
        case .after: return time(value).map { $0 > numericOperand(node, tables) } ?? false
        case .semver:
            guard isString,
                let order = SemanticVersion.compare(utf8: value.bytes, to: tables.pointee.versions[Int(node.operand)])
            else { return false }
            switch consecutiveCase(node.detail, first: SemverComparison.equal, last: .lessThanOrEqual) ?? .equal {
            case .equal: return order == 0
            case .greaterThan: return order > 0
            case .greaterThanOrEqual: return order >= 0
            case .lessThan: return order < 0
            case .lessThanOrEqual: return order <= 0
            }
        case .inCIDR:
            guard isString, let address = IPAddress.parse(utf8: value.bytes) else { return false }
            let list = tables.pointee.cidrLists[Int(node.operand)]
            for position in Int(list.start)..<Int(list.start + list.count)
            where tables.pointee.ranges[position].contains(address) {
                return true
            }
            return false
        case .rollout:
            let scheme = BucketingScheme(rawValue: node.detail) ?? .flagc
            let salt = Int32(tables.pointee.nodeNumbers[Int(node.operand)])
            let threshold = Int(tables.pointee.nodeNumbers[Int(node.operand) + 1])
            let prefix = scheme.prefix(salt: tables.pointee.bytes(salt))
            guard let bucket = scheme.bucket(prefix: prefix, value: value, total: scheme.rolloutTotal) else {
                return false
            }
            return bucket < threshold
        }
    }

    /// The numeric operand of a predicate (gt, before, eq with a number, …).
    @inline(__always)
    private static func numericOperand(
        _ node: FlagTables.NodeRecord,
        _ tables: UnsafePointer<FlagTables.View>
    ) -> Double {
        tables.pointee.nodeNumbers[Int(node.operand)]
    }

    /// eq on a scalar, or on any element of a list.
    private static func anyEquals(
        _ value: AttributeRead,
        _ node: FlagTables.NodeRecord,
        _ lists: UnsafeBufferPointer<[AttributeValue]>,
        _ tables: UnsafePointer<FlagTables.View>
    ) -> Bool {
        if value.tag == .list {
            for item in lists[Int(value.payload)] where AttributeRead.with(item, { equals($0, node, tables) }) {
                return true
            }
            return false
        }
        return equals(value, node, tables)
    }

    /// in on a scalar, or on any element of a list.
    private static func anyContained(
        _ value: AttributeRead,
        _ set: Int,
        _ ignoreCase: Bool,
        _ lists: UnsafeBufferPointer<[AttributeValue]>,
        _ tables: UnsafePointer<FlagTables.View>
    ) -> Bool {
        if value.tag == .list {
            for item in lists[Int(value.payload)]
            where AttributeRead.with(item, { contains(set, $0, ignoreCase, tables) }) {
                return true
            }
            return false
        }
        return contains(set, value, ignoreCase, tables)
    }

    /// eq against the node's literal.
    private static func equals(
        _ value: AttributeRead,
        _ node: FlagTables.NodeRecord,
        _ tables: UnsafePointer<FlagTables.View>
    ) -> Bool {
        switch (value.tag, LiteralTag(rawValue: node.detail)) {
        case (.string, .string?):
            let expected = tables.pointee.bytes(node.operand)
            return node.ignoreCase
                ? TextMatching.equalsIgnoringCase(value.bytes, lowercased: expected)
                : TextMatching.equals(value.bytes, expected)
        case (.number, .number?): return value.number == numericOperand(node, tables)
        case (.string, .number?): return NumberText.parse(utf8: value.bytes) == numericOperand(node, tables)
        case (.number, .string?):
            return NumberText.parse(utf8: tables.pointee.bytes(node.operand)) == value.number
        case (.bool, .bool?): return (value.payload != 0) == (node.operand != 0)
        default: return false
        }
    }

    private static func contains(
        _ index: Int,
        _ value: AttributeRead,
        _ ignoreCase: Bool,
        _ tables: UnsafePointer<FlagTables.View>
    ) -> Bool {
        let set = tables.pointee.literalSets[index]
        switch value.tag {
        case .string:
            let bytes = value.bytes
            let listed =
                ignoreCase && !TextMatching.isASCII(bytes)
                ? withUTF8(TextMatching.simpleLowercased(String(decoding: bytes, as: UTF8.self))) {
                    FlagTables.View.contains(tables, set.strings, $0, foldNeedle: false)
                }
                : FlagTables.View.contains(tables, set.strings, bytes, foldNeedle: ignoreCase)
            if listed { return true }
            // A numeric string meets the number literals only: two strings compare as strings.
            guard set.numberCount > 0, let number = NumberText.parse(utf8: bytes) else { return false }
            return containsNumber(number, start: set.numberStart, count: set.numberCount, tables)
        case .number:
            return containsNumber(
                value.number,
                start: set.numberStart,
                count: set.numberCount + set.numericStringCount,
                tables
            )
        case .bool: return set.bools & (value.payload != 0 ? 2 : 1) != 0
        case .list, .object, .null: return false
        }
    }

    private static func containsNumber(
        _ number: Double,
        start: Int32,
        count: Int32,
        _ tables: UnsafePointer<FlagTables.View>
    ) -> Bool {
        var position = Int(start)
        let end = position + Int(count)
        while position < end {
            if tables.pointee.numbers[position] == number { return true }
            position += 1
        }
        return false
    }

    /// Substring on a string; membership on a list, with `eq`'s equality (a number element equals a
    /// numeric operand text as a number).
    private static func contains(
        _ value: AttributeRead,
        _ text: UnsafeBufferPointer<UInt8>,
        _ ignoreCase: Bool,
        _ lists: UnsafeBufferPointer<[AttributeValue]>
    ) -> Bool {
        switch value.tag {
        case .string: return TextMatching.contains(value.bytes, text, ignoreCase: ignoreCase)
        case .list:
            for item in lists[Int(value.payload)] {
                switch item {
                case .string(let item):
                    if ignoreCase
                        ? TextMatching.equalsIgnoringCase(item, lowercased: text) : TextMatching.equals(item, text)
                    {
                        return true
                    }
                case .number(let number):
                    if NumberText.parse(utf8: text) == number { return true }
                default: continue
                }
            }
            return false
        default: return false
        }
    }

    /// A number, or a numeric string compared as a number.
    @inline(__always)
    private static func number(_ value: AttributeRead) -> Double? {
        switch value.tag {
        case .number: value.number
        case .string: NumberText.parse(utf8: value.bytes)
        default: nil
        }
    }

    /// Unix seconds from a number, an RFC 3339 string, or a numeric string.
    private static func time(_ value: AttributeRead) -> Double? {
        switch value.tag {
        case .number: value.number
        case .string:
            Timestamp.parseRFC3339(utf8: value.bytes) ?? NumberText.parse(utf8: value.bytes)
        default: nil
        }
    }
}

/// The clock a bundle evaluates with when a context carries no time: an object, so evaluators
/// refer to it without copying (and retaining) a closure on every evaluation.
package final class EvaluationClock: Sendable {
    private let read: @Sendable () -> Double

    package init(_ read: (@Sendable () -> Double)?) {
        self.read = read ?? { SystemClock.now() }
    }

    package func now() -> Double { read() }
}
