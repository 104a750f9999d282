import FlagRuntime

/// Partial evaluation of one target's content for its `assume:` values (the specialize stage).
///
/// Every predicate on an assumed attribute is decided at build time, by the runtime's own evaluator
/// (`PredicateOracle`), so folding can never disagree with evaluation. Then, bottom up: an `all` with a
/// false operand is false and drops its true operands, an `any` with a true operand is true and drops its
/// false ones, `not` flips a constant; a segment whose condition is decided and whose lists cannot change
/// the answer becomes a constant too. A rule whose condition is false is dropped, one whose condition is
/// true loses it (and, when it serves a fixed variant, the rules after it, which can no longer be reached).
/// Segments no kept condition refers to are dropped, with their `include`/`exclude` lists.
///
/// The result decides, for every context whose assumed attributes are missing or have the assumed values,
/// what the unspecialized content decides for that context with the assumed values filled in: the same
/// variant, reason and rule name (a flag whose every rule was dropped keeps one that never matches, so it
/// still reports `DEFAULT`, not `STATIC`).
struct Specializer {
    let content: BundleContent
    let assumptions: [TargetAssumption]
    /// Assumption and flag key of each kept split or ramp that buckets by an assumed attribute: bucketing
    /// needs the value in the context, which a context relying on the assumption lacks.
    private(set) var bucketedAssumptions: [(TargetAssumption, String)] = []

    /// Attribute index → assumed value, for the attributes the content refers to.
    private var assumed: [Int: AttributeValue] = [:]
    private var oracle = PredicateOracle()
    /// Per segment of `content`: what membership folds to.
    private var segmentFolds: [SegmentFold] = []
    private var foldedSegments: [CompiledSegment] = []

    init(content: BundleContent, assumptions: [TargetAssumption]) {
        self.content = content
        self.assumptions = assumptions
    }

    private enum Folded {
        case constant(Bool)
        case condition(Condition)
    }

    private enum SegmentFold {
        case constant(Bool)
        case kept
    }

    mutating func specialize() -> BundleContent {
        var attributes = content.attributes
        var recorded: [AssumedValue] = []
        for assumption in assumptions {
            let index: Int
            if let existing = attributes.firstIndex(of: assumption.attribute) {
                index = existing
            } else {
                // Not read by any flag, but kept in the table so the runtime can check contexts against it.
                attributes.append(assumption.attribute)
                index = attributes.count - 1
            }
            assumed[index] = Self.attributeValue(assumption.value)
            recorded.append(AssumedValue(attribute: index, value: assumption.value))
        }

        for segment in content.segments {
            let condition = segment.condition.map { self.fold($0) }
            var kept = segment
            let membership: SegmentFold
            switch condition {
            case .constant(true)?:
                kept.condition = .all([])
                membership = segment.excluded.isEmpty ? .constant(true) : .kept
            case .constant(false)?, nil:
                kept.condition = nil
                membership = segment.included.isEmpty ? .constant(false) : .kept
            case .condition(let folded)?:
                kept.condition = folded
                membership = .kept
            }
            segmentFolds.append(membership)
            foldedSegments.append(kept)
        }

        var flags = content.flags
        for position in flags.indices {
            flags[position].rules = foldRules(of: flags[position])
        }
        var specialized = BundleContent(attributes: attributes, segments: foldedSegments, flags: flags)
        Self.dropUnreferencedSegments(&specialized)
        specialized.assumptions = recorded
        return specialized
    }

    private mutating func foldRules(of flag: CompiledFlag) -> [Rule] {
        var rules: [Rule] = []
        for rule in flag.rules {
            var kept = rule
            if let condition = rule.condition {
                switch fold(condition) {
                case .constant(false): continue
                case .constant(true): kept.condition = nil
                case .condition(let folded): kept.condition = folded
                }
            }
            checkBucketing(kept.serve, flag: flag.key)
            rules.append(kept)
            if kept.condition == nil, case .variant = kept.serve { break }
        }
        if rules.isEmpty && !flag.rules.isEmpty {
            // Rules that can no longer match still make "no rule matched" (DEFAULT), not "no rules" (STATIC).
            rules.append(Rule(name: nil, condition: .any([]), serve: .variant(flag.defaultVariant)))
        }
        return rules
    }

    private mutating func checkBucketing(_ serve: Serve, flag: String) {
        let attribute: Int
        switch serve {
        case .variant: return
        case .split(let bucketBy, _, _), .progressive(let bucketBy, _, _, _), .hashedSplit(let bucketBy, _, _, _, _):
            attribute = bucketBy
        }
        guard assumed[attribute] != nil,
            let assumption = assumptions.first(where: { $0.attribute == content.attributes[attribute] })
        else { return }
        bucketedAssumptions.append((assumption, flag))
    }

    private mutating func fold(_ condition: Condition) -> Folded {
        switch condition.kind {
        case .predicate:
            guard let predicate = condition.predicate, let value = assumed[condition.index],
                let holds = oracle.holds(predicate, attribute: content.attributes[condition.index], value: value)
            else { return .condition(condition) }
            return .constant(holds)
        case .segment:
            if case .constant(let member) = segmentFolds[condition.index] { return .constant(member) }
            return .condition(condition)
        case .not:
            switch fold(condition.children[0]) {
            case .constant(let value): return .constant(!value)
            case .condition(let child): return .condition(child === condition.children[0] ? condition : .not(child))
            }
        case .all, .any:
            let absorbing = condition.kind == .any  // the constant that decides the whole node
            var kept: [Condition] = []
            var changed = false
            for child in condition.children {
                switch fold(child) {
                case .constant(let value):
                    if value == absorbing { return .constant(absorbing) }
                    changed = true
                case .condition(let folded):
                    if folded !== child { changed = true }
                    kept.append(folded)
                }
            }
            if kept.isEmpty { return .constant(!absorbing) }
            if !changed { return .condition(condition) }
            if kept.count == 1 { return .condition(kept[0]) }
            return .condition(absorbing ? .any(kept) : .all(kept))
        }
    }

    /// Removes the segments no flag's rule reaches (directly or through other segments), renumbering the
    /// references of the rest.
    private static func dropUnreferencedSegments(_ content: inout BundleContent) {
        var used = [Bool](repeating: false, count: content.segments.count)
        func mark(_ condition: Condition) {
            if condition.kind == .segment {
                guard !used[condition.index] else { return }
                used[condition.index] = true
                if let inner = content.segments[condition.index].condition { mark(inner) }
            }
            condition.children.forEach(mark)
        }
        for flag in content.flags {
            for rule in flag.rules { rule.condition.map(mark) }
        }
        guard used.contains(false) else { return }
        var newIndex = [Int](repeating: -1, count: used.count)
        var next = 0
        for (index, isUsed) in used.enumerated() where isUsed {
            newIndex[index] = next
            next += 1
        }
        func renumber(_ condition: Condition) -> Condition {
            switch condition.kind {
            case .segment: return .segment(newIndex[condition.index])
            case .predicate: return condition
            case .not: return .not(renumber(condition.children[0]))
            case .all: return .all(condition.children.map(renumber))
            case .any: return .any(condition.children.map(renumber))
            }
        }
        content.segments = content.segments.indices.filter { used[$0] }.map { index in
            var segment = content.segments[index]
            segment.condition = segment.condition.map(renumber)
            return segment
        }
        for flag in content.flags.indices {
            for rule in content.flags[flag].rules.indices {
                content.flags[flag].rules[rule].condition = content.flags[flag].rules[rule].condition.map(renumber)
            }
        }
    }

    static func attributeValue(_ literal: Literal) -> AttributeValue {
        switch literal {
        case .string(let string): .string(string)
        case .number(let number): .number(number)
        case .bool(let bool): .bool(bool)
        }
    }
}

/// Decides a predicate for one attribute value with the runtime's evaluator: the predicate goes into a
/// one-flag payload, which is encoded, decoded and evaluated as a bundle would be. Results are cached per
/// (attribute, predicate, value), as a target tends to repeat the same condition over many flags.
struct PredicateOracle {
    private struct Question: Hashable {
        var attribute: String
        var predicate: Predicate
        var value: AttributeValue
    }

    private var answers: [Question: Bool?] = [:]

    /// Whether `predicate` holds for `attribute` = `value`; nil when the runtime cannot decode it (left unfolded).
    mutating func holds(_ predicate: Predicate, attribute: String, value: AttributeValue) -> Bool? {
        let question = Question(attribute: attribute, predicate: predicate, value: value)
        if let answer = answers[question] { return answer }
        let answer = Self.evaluate(predicate, attribute: attribute, value: value)
        answers[question] = answer
        return answer
    }

    private static func evaluate(_ predicate: Predicate, attribute: String, value: AttributeValue) -> Bool? {
        let flag = CompiledFlag(
            key: "predicate",
            type: .boolean,
            variants: [Variant(name: "false", value: .bool(false)), Variant(name: "true", value: .bool(true))],
            defaultVariant: 0,
            offVariant: 0,
            isEnabled: true,
            salt: "predicate",
            prerequisites: [],
            rules: [Rule(name: nil, condition: .predicate(attribute: 0, predicate), serve: .variant(1))]
        )
        let content = BundleContent(attributes: [attribute], segments: [], flags: [flag])
        guard let tables = try? FlagTables(decoding: PayloadCodec.encode(content)) else { return nil }
        let context = EvaluationContext(attributes: [attribute: value])
        // The clock is never read: the attribute is neither `now` nor used for a ramp.
        let clock = EvaluationClock { 0 }
        return withExtendedLifetime(tables) {
            Evaluator(tables: tables, clock: clock).evaluate(flag: 0, context: context).variant == 1
        }
    }
}
