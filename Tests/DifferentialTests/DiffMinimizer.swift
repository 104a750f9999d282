/// Shrinks a disagreeing case greedily: tries every one-step simplification (drop a flag, a segment,
/// a rule, a condition entry, an operator, a list element, a context attribute, …) and keeps the
/// first that still disagrees, until none does. Simplifications that no longer compile are skipped.
enum DiffMinimizer {
    static func minimize(_ start: DiffCase, maximumAttempts: Int = 3000) -> DiffCase {
        var current = start
        var attempts = 0
        var progress = true
        while progress && attempts < maximumAttempts {
            progress = false
            for candidate in candidates(current) {
                attempts += 1
                if DiffRunner.disagreement(candidate) != nil {
                    current = candidate
                    progress = true
                    break
                }
                if attempts >= maximumAttempts { break }
            }
        }
        return current
    }

    static func candidates(_ diffCase: DiffCase) -> [DiffCase] {
        var result: [DiffCase] = []
        let project = diffCase.project
        func with(_ change: (inout DProject) -> Void) {
            var copy = diffCase
            change(&copy.project)
            result.append(copy)
        }
        for index in project.flags.indices where project.flags[index].key != diffCase.flag {
            with { $0.flags.remove(at: index) }
        }
        for index in project.segments.indices { with { $0.segments.remove(at: index) } }
        // Context.
        for index in diffCase.context.attributes.indices {
            var copy = diffCase
            copy.context.attributes.remove(at: index)
            result.append(copy)
            for smaller in values(diffCase.context.attributes[index].1) {
                var copy = diffCase
                copy.context.attributes[index].1 = smaller
                result.append(copy)
            }
        }
        if diffCase.context.targetingKey != nil {
            var copy = diffCase
            copy.context.targetingKey = nil
            result.append(copy)
        }
        // Segments.
        for index in project.segments.indices {
            let segment = project.segments[index]
            if !segment.include.isEmpty { with { $0.segments[index].include = [] } }
            if !segment.exclude.isEmpty { with { $0.segments[index].exclude = [] } }
            if let when = segment.when {
                with { $0.segments[index].when = nil }
                for smaller in conditions(when) { with { $0.segments[index].when = smaller } }
            }
        }
        // Flags.
        for index in project.flags.indices {
            let flag = project.flags[index]
            for position in flag.environments.indices { with { $0.flags[index].environments.remove(at: position) } }
            for position in flag.requires.indices { with { $0.flags[index].requires.remove(at: position) } }
            if flag.salt != nil { with { $0.flags[index].salt = nil } }
            if flag.settings.offVariant != nil { with { $0.flags[index].settings.offVariant = nil } }
            if flag.settings.enabled != nil { with { $0.flags[index].settings.enabled = nil } }
            if !flag.declaresType && flag.type != .boolean { with { $0.flags[index].declaresType = true } }
            for smaller in settings(flag.settings) { with { $0.flags[index].settings = smaller } }
            for position in flag.environments.indices {
                for smaller in settings(flag.environments[position].settings) {
                    with { $0.flags[index].environments[position].settings = smaller }
                }
            }
        }
        return result
    }

    static func settings(_ settings: DSettings) -> [DSettings] {
        guard let rules = settings.rules else { return [] }
        var result: [DSettings] = []
        func with(_ change: (inout [DRule]) -> Void) {
            var copy = settings
            change(&copy.rules!)
            result.append(copy)
        }
        for index in rules.indices { with { $0.remove(at: index) } }
        for index in rules.indices {
            let rule = rules[index]
            if rule.name != nil { with { $0[index].name = nil } }
            if let when = rule.when {
                with { $0[index].when = nil }
                for smaller in conditions(when) { with { $0[index].when = smaller } }
            }
            switch rule.serve {
            case .split(let weights, _?): with { $0[index].serve = .split(weights, by: nil) }
            case .progressive(let variant, let others, let steps, let by):
                if by != nil {
                    with { $0[index].serve = .progressive(variant: variant, others: others, steps: steps, by: nil) }
                }
                for position in steps.indices where steps.count > 1 {
                    var fewer = steps
                    fewer.remove(at: position)
                    with { $0[index].serve = .progressive(variant: variant, others: others, steps: fewer, by: by) }
                }
            default: break
            }
        }
        return result
    }

    static func conditions(_ condition: DCondition) -> [DCondition] {
        var result: [DCondition] = []
        let entries = condition.entries
        for index in entries.indices {
            var fewer = entries
            fewer.remove(at: index)
            result.append(DCondition(entries: fewer))
        }
        for index in entries.indices {
            func replace(_ entry: DEntry) {
                var copy = entries
                copy[index] = entry
                result.append(DCondition(entries: copy))
            }
            func hoist(_ inner: DCondition) {
                var copy = entries
                copy.remove(at: index)
                for entry in inner.entries where !copy.contains(where: { $0.key == entry.key }) { copy.append(entry) }
                result.append(DCondition(entries: copy))
            }
            switch entries[index] {
            case .all(let items), .any(let items):
                let isAll = if case .all = entries[index] { true } else { false }
                for position in items.indices {
                    var fewer = items
                    fewer.remove(at: position)
                    replace(isAll ? .all(fewer) : .any(fewer))
                    hoist(items[position])
                    for smaller in conditions(items[position]) {
                        var changed = items
                        changed[position] = smaller
                        replace(isAll ? .all(changed) : .any(changed))
                    }
                }
            case .not(let inner):
                hoist(inner)
                for smaller in conditions(inner) { replace(.not(smaller)) }
            case .segment: break
            case .predicate(let attribute, let predicate):
                switch predicate {
                case .scalar: break
                case .list(let literals):
                    for position in literals.indices {
                        var fewer = literals
                        fewer.remove(at: position)
                        replace(.predicate(attribute, .list(fewer)))
                    }
                case .operators(let operators, let ignoreCase):
                    if ignoreCase != nil { replace(.predicate(attribute, .operators(operators, ignoreCase: nil))) }
                    for position in operators.indices {
                        if operators.count > 1 {
                            var fewer = operators
                            fewer.remove(at: position)
                            replace(.predicate(attribute, .operators(fewer, ignoreCase: ignoreCase)))
                        }
                        for smaller in self.operators(operators[position]) {
                            var changed = operators
                            changed[position] = smaller
                            replace(.predicate(attribute, .operators(changed, ignoreCase: ignoreCase)))
                        }
                    }
                }
            }
        }
        return result
    }

    static func operators(_ op: DOperator) -> [DOperator] {
        func fewer<T>(_ items: [T], _ make: ([T]) -> DOperator) -> [DOperator] {
            items.indices.map { index in
                var copy = items
                copy.remove(at: index)
                return make(copy)
            }
        }
        switch op {
        case .isIn(let literals): return fewer(literals, DOperator.isIn)
        case .notIn(let literals): return fewer(literals, DOperator.notIn)
        case .inCidr(let ranges) where ranges.count > 1: return fewer(ranges, DOperator.inCidr)
        default: return []
        }
    }

    static func values(_ value: DValue) -> [DValue] {
        switch value {
        case .array(let items):
            return items.indices.map { index in
                var copy = items
                copy.remove(at: index)
                return .array(copy)
            } + (items.count == 1 ? [items[0]] : [])
        case .object(let members): return members.map(\.1)
        default: return []
        }
    }
}
