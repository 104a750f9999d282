import FlagRuntime

/// The checks of a policy set compiled as the runtime compiles flags: every check becomes a boolean
/// flag of an in-memory bundle whose one rule holds the check's condition over the fact attributes,
/// so checks are evaluated by the runtime's own evaluator, with exactly the operators' semantics.
package final class PolicyProgram: @unchecked Sendable {
    // Immutable after init.
    private let tables: FlagTables
    private let clock = EvaluationClock { 0 }

    /// One compiled check: the whole condition, and its parts when it is a conjunction of predicates
    /// (so a failure names the predicates that failed).
    package struct CompiledCheck: Sendable {
        package var kind: Policy.CheckKind
        /// The check's place in its policies file.
        package var location: SourceLocation
        package var flag: Int
        package var leaves: [(fact: String, predicate: Predicate, flag: Int)]
        /// The facts the condition reads.
        package var facts: [String]
    }

    /// The compiled checks of each policy, in policy order.
    package private(set) var checks: [[CompiledCheck]] = []

    /// The attributes, in table order: every fact, then the hidden ones.
    static let attributes = PolicyFacts.names + [PolicyFacts.approvalsNotByOwnerName]

    package init(_ policies: [Policy]) throws(DecodingError) {
        let attributeIndex = Dictionary(uniqueKeysWithValues: Self.attributes.enumerated().map { ($1, $0) })
        var flags: [CompiledFlag] = []
        func add(_ condition: Condition) -> Int {
            flags.append(
                CompiledFlag(
                    key: "check-\(flags.count)",
                    type: .boolean,
                    variants: [
                        Variant(name: "holds", value: .bool(true)), Variant(name: "fails", value: .bool(false)),
                    ],
                    defaultVariant: 1,
                    offVariant: 1,
                    isEnabled: true,
                    salt: "",
                    prerequisites: [],
                    rules: [Rule(name: nil, condition: condition, serve: .variant(0))]
                )
            )
            return flags.count - 1
        }
        func lower(_ node: ConditionNode) -> Condition {
            switch node {
            case .all(let items): .all(items.map(lower))
            case .any(let items): .any(items.map(lower))
            case .not(let inner): .not(lower(inner))
            // The reader refuses `segment`; a fact missing from the table never holds.
            case .segment: .any([])
            case .predicate(let name, let predicate):
                .predicate(attribute: attributeIndex[name.value] ?? 0, predicate)
            }
        }
        var compiled: [[CompiledCheck]] = []
        for policy in policies {
            compiled.append(
                policy.checks.map { check in
                    let flag = add(lower(check.condition))
                    var leaves: [(String, Predicate, Int)] = []
                    let parts: [ConditionNode]
                    if case .all(let items) = check.condition { parts = items } else { parts = [check.condition] }
                    if parts.count > 1, parts.allSatisfy({ if case .predicate = $0 { true } else { false } }) {
                        for part in parts {
                            if case .predicate(let name, let predicate) = part {
                                leaves.append((name.value, predicate, add(lower(part))))
                            }
                        }
                    } else if parts.count == 1, case .predicate(let name, let predicate) = parts[0] {
                        leaves.append((name.value, predicate, flag))
                    }
                    return CompiledCheck(
                        kind: check.kind,
                        location: check.location,
                        flag: flag,
                        leaves: leaves,
                        facts: Self.facts(of: check.condition)
                    )
                }
            )
        }
        let content = BundleContent(attributes: Self.attributes, segments: [], flags: flags)
        tables = try FlagTables(decoding: PayloadCodec.encode(content))
        checks = compiled
    }

    /// Whether compiled check `flag` holds for `context`.
    package func holds(_ flag: Int, _ context: EvaluationContext) -> Bool {
        Evaluator(tables: tables, clock: clock).evaluate(flag: flag, context: context).variant == 0
    }

    private static func facts(of node: ConditionNode) -> [String] {
        var names: [String] = []
        func visit(_ node: ConditionNode) {
            switch node {
            case .all(let items), .any(let items): items.forEach(visit)
            case .not(let inner): visit(inner)
            case .segment: break
            case .predicate(let name, _): if !names.contains(name.value) { names.append(name.value) }
            }
        }
        visit(node)
        return names
    }
}

/// How check messages show facts and operators: `firstStepPercent is 25, must be ≤ 5`.
package enum PolicyText {
    /// The name a user wrote for a fact (the hidden `approvals` variant reads as `approvals`).
    package static func factName(_ name: String) -> String {
        name == PolicyFacts.approvalsNotByOwnerName ? "approvals" : name
    }

    package static func value(_ value: AttributeValue?, fact: String) -> String {
        guard let value else { return "missing" }
        switch value {
        case .string(let text): return text
        case .number(let number):
            if PolicyFacts.durationFacts.contains(fact) { return duration(number) }
            return number_(number)
        case .bool(let bool): return bool ? "true" : "false"
        case .list(let items): return "[" + items.map { Self.value($0, fact: fact) }.joined(separator: ", ") + "]"
        case .object: return "an object"
        case .null: return "missing"
        }
    }

    /// What a predicate requires, after "must be" (or "must not be").
    package static func requirement(_ predicate: Predicate, fact: String) -> String {
        func number(_ value: Double) -> String {
            PolicyFacts.durationFacts.contains(fact) ? duration(value) : number_(value)
        }
        func literal(_ value: Literal) -> String {
            switch value {
            case .string(let text): text
            case .number(let value): number(value)
            case .bool(let value): value ? "true" : "false"
            }
        }
        func set(_ set: LiteralSet) -> String {
            var items = set.strings.sorted
            items += set.numbers.map(number)
            items += set.bools.map { $0 ? "true" : "false" }
            return "[" + items.joined(separator: ", ") + "]"
        }
        func date(_ time: Double) -> String {
            PolicyFacts.dateFacts.contains(fact) && time.truncatingRemainder(dividingBy: 86_400) == 0
                ? String(Timestamp.formatRFC3339(Int64(time)).prefix(10)) : Timestamp.formatRFC3339(Int64(time))
        }
        switch predicate {
        case .equals(let value, _): return literal(value)
        case .notEquals(let value, _): return "other than \(literal(value))"
        case .isIn(let values, _): return "one of \(set(values))"
        case .notIn(let values, _): return "none of \(set(values))"
        case .contains(let text, _): return "containing '\(text)'"
        case .notContains(let text, _): return "free of '\(text)'"
        case .startsWith(let text, _): return "starting with '\(text)'"
        case .endsWith(let text, _): return "ending with '\(text)'"
        case .matches: return "matching the check's pattern"
        case .greaterThan(let value): return "> \(number(value))"
        case .greaterThanOrEqual(let value): return "≥ \(number(value))"
        case .lessThan(let value): return "< \(number(value))"
        case .lessThanOrEqual(let value): return "≤ \(number(value))"
        case .semver(let comparison, let version):
            let symbol =
                switch comparison {
                case .equal: "="
                case .greaterThan: ">"
                case .greaterThanOrEqual: "≥"
                case .lessThan: "<"
                case .lessThanOrEqual: "≤"
                }
            return "a version \(symbol) \(version)"
        case .before(let time): return "before \(date(time))"
        case .after(let time): return "after \(date(time))"
        case .inCIDR(let ranges): return "in " + ranges.map { "\($0)" }.joined(separator: ", ")
        case .exists(let present): return present ? "set" : "unset"
        case .rollout(let scheme, _, let threshold):
            return "in a \(scheme.name) rollout below bucket \(threshold)"
        }
    }

    private static func number_(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Seconds as the largest whole unit: `86400` → `24h`... `1d`.
    package static func duration(_ seconds: Double) -> String {
        guard seconds == seconds.rounded(), abs(seconds) < 1e15 else { return "\(seconds)s" }
        let whole = Int64(seconds)
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where whole != 0 && whole % size == 0 {
            return "\(whole / size)\(unit)"
        }
        return "\(whole)s"
    }
}
