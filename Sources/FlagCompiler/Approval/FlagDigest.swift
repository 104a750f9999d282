import FlagRuntime

/// The canonical digest of a flag's compiled definition for one target: what an approval signs.
///
/// It is computed from the lowered flag (the target's environment overrides applied), with every index
/// resolved back to a name: variants (names and values), default and off variants, `enabled`, salt,
/// prerequisites (flag key and variant name), rules (name, condition, serve) and the segments the
/// rules use (their lists and conditions). YAML formatting, comments, key order and metadata
/// (description, owner, tags) do not count; any change to what the flag serves does.
package enum FlagDigest {
    /// `blake2b-256:<64 hex digits>` of the canonical text.
    package static func digest(of flag: CompiledFlag, in content: BundleContent) -> String {
        let text = "flagc-flag-digest-v1\n" + JSONText.pretty(canonical(flag, content))
        return "blake2b-256:" + Sodium.hex(Sodium.hash(Array(text.utf8), outputCount: 32))
    }

    /// The canonical JSON of the flag: indices resolved to names, members in a fixed order.
    package static func canonical(_ flag: CompiledFlag, _ content: BundleContent) -> JSONValue {
        var reached: [Int] = []
        func attribute(_ index: Int) -> JSONValue {
            .string(content.attributes.indices.contains(index) ? content.attributes[index] : "#\(index)")
        }
        func condition(_ node: Condition) -> JSONValue {
            switch node.kind {
            case .all: return .object([JSONMember("all", .array(node.children.map(condition)))])
            case .any: return .object([JSONMember("any", .array(node.children.map(condition)))])
            case .not: return .object([JSONMember("not", node.children.first.map(condition) ?? .null)])
            case .segment:
                if !reached.contains(node.index) { reached.append(node.index) }
                let name = content.segments.indices.contains(node.index) ? content.segments[node.index].name : ""
                return .object([JSONMember("segment", .string(name))])
            case .predicate:
                return .object([
                    JSONMember("attribute", attribute(node.index)),
                    JSONMember("operator", node.predicate.map(predicate) ?? .null),
                ])
            }
        }
        func variant(_ index: Int) -> JSONValue {
            .string(flag.variants.indices.contains(index) ? flag.variants[index].name : "#\(index)")
        }
        func serve(_ serve: Serve) -> JSONValue {
            switch serve {
            case .variant(let index): return .object([JSONMember("variant", variant(index))])
            case .split(let bucketBy, let variants, let thresholds):
                return .object([
                    JSONMember(
                        "split",
                        .array(zip(variants, thresholds).map { .array([variant($0), .integer(Int64($1))]) })
                    ),
                    JSONMember("by", attribute(bucketBy)),
                ])
            case .hashedSplit(let bucketBy, let scheme, let salt, let variants, let thresholds):
                return .object([
                    JSONMember(
                        "split",
                        .array(zip(variants, thresholds).map { .array([variant($0), .integer(Int64($1))]) })
                    ),
                    JSONMember("by", attribute(bucketBy)),
                    JSONMember("hash", .string(scheme.name)),
                    JSONMember("salt", .string(salt)),
                ])
            case .progressive(let bucketBy, let on, let others, let steps):
                return .object([
                    JSONMember("variant", variant(on)),
                    JSONMember("others", variant(others)),
                    JSONMember(
                        "steps",
                        .array(steps.map { .array([.number($0.startsAt), .integer(Int64($0.threshold))]) })
                    ),
                    JSONMember("by", attribute(bucketBy)),
                ])
            }
        }
        let rules = flag.rules.map { rule in
            JSONValue.object([
                JSONMember("name", rule.name.map(JSONValue.string) ?? .null),
                JSONMember("when", rule.condition.map(condition) ?? .null),
                JSONMember("serve", serve(rule.serve)),
            ])
        }
        // Segments reached through other segments are added while their referrers are rendered.
        var segments: [JSONMember] = []
        var cursor = 0
        while cursor < reached.count {
            let index = reached[cursor]
            cursor += 1
            guard content.segments.indices.contains(index) else { continue }
            let segment = content.segments[index]
            segments.append(
                JSONMember(
                    segment.name,
                    .object([
                        JSONMember("include", .array(segment.included.sorted.map(JSONValue.string))),
                        JSONMember("exclude", .array(segment.excluded.sorted.map(JSONValue.string))),
                        JSONMember("when", segment.condition.map(condition) ?? .null),
                    ])
                )
            )
        }
        segments.sort { StringSet.precedes($0.key, $1.key) }
        let prerequisites = flag.prerequisites.map { prerequisite -> JSONValue in
            guard content.flags.indices.contains(prerequisite.flag) else { return .null }
            let required = content.flags[prerequisite.flag]
            let name =
                required.variants.indices.contains(prerequisite.variant)
                ? required.variants[prerequisite.variant].name : ""
            return .array([.string(required.key), .string(name)])
        }
        return .object([
            JSONMember("key", .string(flag.key)),
            JSONMember("type", .string(flag.type.description)),
            JSONMember(
                "variants",
                .array(flag.variants.map { .array([.string($0.name), BundleInspection.jsonValue($0.value)]) })
            ),
            JSONMember("default", variant(flag.defaultVariant)),
            JSONMember("offVariant", variant(flag.offVariant)),
            JSONMember("enabled", .bool(flag.isEnabled)),
            JSONMember("salt", .string(flag.salt)),
            JSONMember("prerequisites", .array(prerequisites)),
            JSONMember("rules", .array(rules)),
            JSONMember("segments", .object(segments)),
        ])
    }

    /// An operator and its operand, as data. A `matches` pattern is identified by the digest of its
    /// compiled automaton (the compiler keeps no pattern text).
    private static func predicate(_ predicate: Predicate) -> JSONValue {
        func literal(_ value: Literal) -> JSONValue {
            switch value {
            case .string(let text): .string(text)
            case .number(let number): .number(number)
            case .bool(let bool): .bool(bool)
            }
        }
        func set(_ set: LiteralSet) -> JSONValue {
            .array(
                set.strings.sorted.map(JSONValue.string) + set.numbers.map(JSONValue.number)
                    + set.numericStrings.map { .string("#\($0)") } + set.bools.map(JSONValue.bool)
            )
        }
        func named(_ name: String, _ operand: JSONValue, ignoreCase: Bool = false) -> JSONValue {
            .array([.string(name), operand, .bool(ignoreCase)])
        }
        switch predicate {
        case .equals(let value, let ignoreCase): return named("eq", literal(value), ignoreCase: ignoreCase)
        case .notEquals(let value, let ignoreCase): return named("ne", literal(value), ignoreCase: ignoreCase)
        case .isIn(let values, let ignoreCase): return named("in", set(values), ignoreCase: ignoreCase)
        case .notIn(let values, let ignoreCase): return named("notIn", set(values), ignoreCase: ignoreCase)
        case .contains(let text, let ignoreCase): return named("contains", .string(text), ignoreCase: ignoreCase)
        case .notContains(let text, let ignoreCase):
            return named("notContains", .string(text), ignoreCase: ignoreCase)
        case .startsWith(let text, let ignoreCase): return named("startsWith", .string(text), ignoreCase: ignoreCase)
        case .endsWith(let text, let ignoreCase): return named("endsWith", .string(text), ignoreCase: ignoreCase)
        case .matches:
            let probe = BundleContent(
                attributes: ["a"],
                segments: [],
                flags: [
                    CompiledFlag(
                        key: "p",
                        type: .boolean,
                        variants: [Variant(name: "on", value: .bool(true)), Variant(name: "off", value: .bool(false))],
                        defaultVariant: 1,
                        offVariant: 1,
                        isEnabled: true,
                        salt: "",
                        prerequisites: [],
                        rules: [Rule(name: nil, condition: .predicate(attribute: 0, predicate), serve: .variant(0))]
                    )
                ]
            )
            let bytes = PayloadCodec.encode(probe)
            return named("matches", .string(Sodium.hex(Sodium.hash(bytes, outputCount: 32))))
        case .greaterThan(let value): return named("gt", .number(value))
        case .greaterThanOrEqual(let value): return named("gte", .number(value))
        case .lessThan(let value): return named("lt", .number(value))
        case .lessThanOrEqual(let value): return named("lte", .number(value))
        case .semver(let comparison, let version):
            return named("semver", .array([.integer(Int64(comparison.rawValue)), .string(version.description)]))
        case .before(let time): return named("before", .number(time))
        case .after(let time): return named("after", .number(time))
        case .inCIDR(let ranges): return named("inCidr", .array(ranges.map { .string($0.description) }))
        case .exists(let present): return named("exists", .bool(present))
        case .rollout(let scheme, let salt, let threshold):
            return named("rollout", .array([.string(scheme.name), .string(salt), .integer(Int64(threshold))]))
        }
    }
}
