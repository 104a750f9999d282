import FlagRuntime

extension BundleContent {
    /// The content the tables were decoded from: what the compiler wrote. For inspection and
    /// round-trip tests; evaluation runs on the tables themselves.
    package init(_ tables: FlagTables) {
        func string(_ index: Int32) -> String { tables.view.text(index) }
        func condition(_ index: Int32) -> Condition? { index < 0 ? nil : Self.condition(at: Int(index), tables) }
        attributes = tables.view.attributes.map(string)
        segments = tables.view.segments.map { segment in
            CompiledSegment(
                name: string(segment.name),
                included: Self.strings(segment.included, tables),
                excluded: Self.strings(segment.excluded, tables),
                condition: condition(segment.condition)
            )
        }
        flags = tables.view.flags.map { flag in
            CompiledFlag(
                key: string(flag.key),
                type: flag.type,
                variants: flag.variants.map {
                    Variant(
                        name: string(tables.view.variants[$0].name),
                        value: tables.value(ofVariant: $0, type: flag.type)
                    )
                },
                defaultVariant: Int(flag.defaultVariant),
                offVariant: Int(flag.offVariant),
                isEnabled: flag.isEnabled,
                salt: string(flag.salt),
                prerequisites: tables.view.prerequisites[flag.prerequisites].map {
                    Prerequisite(flag: Int($0.flag), variant: Int($0.variant))
                },
                rules: tables.view.rules[flag.rules].map { rule in
                    Rule(
                        name: rule.name < 0 ? nil : string(rule.name),
                        condition: condition(rule.condition),
                        serve: Self.serve(rule, tables)
                    )
                }
            )
        }
    }

    private static func strings(_ set: FlagTables.SetRecord, _ tables: FlagTables) -> StringSet {
        let members = tables.view.setMembers[Int(set.start)..<Int(set.start + set.count)]
        return StringSet(sortedUnique: members.map { tables.view.text($0) }) ?? StringSet([])
    }

    private static func literals(_ index: Int32, _ tables: FlagTables) -> LiteralSet {
        let set = tables.view.literalSets[Int(index)]
        return LiteralSet(
            strings: strings(set.strings, tables),
            numbers: Array(tables.view.numbers[Int(set.numberStart)..<Int(set.numberStart + set.numberCount)]),
            numericStrings: Array(
                tables.view.numbers[
                    Int(
                        set.numberStart + set.numberCount
                    )..<Int(
                        set.numberStart + set.numberCount + set.numericStringCount
                    )
                ]
            ),
            bools: [false, true].filter { set.bools & ($0 ? 2 : 1) != 0 }
        )
    }

    private static func serve(_ rule: FlagTables.RuleRecord, _ tables: FlagTables) -> Serve {
        let range = rule.entries
        switch rule.kind {
        case .variant: return .variant(Int(rule.variant))
        case .split:
            return .split(
                bucketBy: Int(rule.bucketBy),
                variants: tables.view.splits[range].map { Int($0.variant) },
                thresholds: tables.view.splits[range].map { Int($0.threshold) }
            )
        case .progressive:
            return .progressive(
                bucketBy: Int(rule.bucketBy),
                variant: Int(rule.variant),
                others: Int(rule.others),
                steps: tables.view.steps[range].map { RampStep(startsAt: $0.startsAt, threshold: Int($0.threshold)) }
            )
        case .hashedSplit:
            let header = tables.view.splits[range.lowerBound]
            let entries = tables.view.splits[range.dropFirst()]
            return .hashedSplit(
                bucketBy: Int(rule.bucketBy),
                scheme: BucketingScheme(rawValue: UInt8(truncatingIfNeeded: header.threshold)) ?? .flagc,
                salt: tables.view.text(header.variant),
                variants: entries.map { Int($0.variant) },
                thresholds: entries.map { Int($0.threshold) }
            )
        }
    }

    private static func condition(at index: Int, _ tables: FlagTables) -> Condition {
        let node = tables.view.nodes[index]
        var children: [Condition] = []
        var child = index + 1
        while child < Int(node.end), node.kind != .predicate, node.kind != .segment {
            children.append(condition(at: child, tables))
            child = Int(tables.view.nodes[child].end)
        }
        switch node.kind {
        case .all: return .all(children)
        case .any: return .any(children)
        case .not: return .not(children[0])
        case .segment: return .segment(Int(node.index))
        case .predicate: return .predicate(attribute: Int(node.index), predicate(node, tables))
        }
    }

    private static func predicate(_ node: FlagTables.NodeRecord, _ tables: FlagTables) -> Predicate {
        func literal() -> Literal {
            switch LiteralTag(rawValue: node.detail) ?? .bool {
            case .string: .string(tables.view.text(node.operand))
            case .number: .number(tables.view.nodeNumbers[Int(node.operand)])
            case .bool: .bool(node.operand != 0)
            }
        }
        let text = { tables.view.text(node.operand) }
        switch node.code {
        case .equals: return .equals(literal(), ignoreCase: node.ignoreCase)
        case .notEquals: return .notEquals(literal(), ignoreCase: node.ignoreCase)
        case .isIn: return .isIn(literals(node.operand, tables), ignoreCase: node.ignoreCase)
        case .notIn: return .notIn(literals(node.operand, tables), ignoreCase: node.ignoreCase)
        case .contains: return .contains(text(), ignoreCase: node.ignoreCase)
        case .notContains: return .notContains(text(), ignoreCase: node.ignoreCase)
        case .startsWith: return .startsWith(text(), ignoreCase: node.ignoreCase)
        case .endsWith: return .endsWith(text(), ignoreCase: node.ignoreCase)
        case .matches: return .matches(tables.view.regexes[Int(node.operand)])
        case .greaterThan: return .greaterThan(tables.view.nodeNumbers[Int(node.operand)])
        case .greaterThanOrEqual: return .greaterThanOrEqual(tables.view.nodeNumbers[Int(node.operand)])
        case .lessThan: return .lessThan(tables.view.nodeNumbers[Int(node.operand)])
        case .lessThanOrEqual: return .lessThanOrEqual(tables.view.nodeNumbers[Int(node.operand)])
        case .before: return .before(tables.view.nodeNumbers[Int(node.operand)])
        case .after: return .after(tables.view.nodeNumbers[Int(node.operand)])
        case .semver:
            return .semver(SemverComparison(rawValue: node.detail) ?? .equal, tables.view.versions[Int(node.operand)])
        case .inCIDR:
            let list = tables.view.cidrLists[Int(node.operand)]
            return .inCIDR(Array(tables.view.ranges[Int(list.start)..<Int(list.start + list.count)]))
        case .exists: return .exists(node.operand != 0)
        case .rollout:
            return .rollout(
                BucketingScheme(rawValue: node.detail) ?? .flagc,
                salt: tables.view.text(Int32(tables.view.nodeNumbers[Int(node.operand)])),
                threshold: Int(tables.view.nodeNumbers[Int(node.operand) + 1])
            )
        }
    }
}

extension FlagBundle {
    /// The decoded content in the compiler's model: for inspection (built on each call).
    package var content: BundleContent { BundleContent(tables) }
}
