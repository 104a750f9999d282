import FlagRuntime

/// The writing side of the payload format (see FlagRuntime's `PayloadCodec` for its limits and
/// tags, and docs/bundle-format.md): the encoder and the compression the bundle encrypts.
extension PayloadCodec {
    package static func encode(_ content: BundleContent) -> [UInt8] {
        // Pass one collects every string; pass two writes the body with indices into the sorted table.
        var collector = Encoder(index: nil)
        collector.writeContent(content)
        let table = collector.collected.map(\.string).sorted(by: StringSet.precedes)
        var encoder = Encoder(
            index: Dictionary(uniqueKeysWithValues: table.enumerated().map { (CodePointString($1), $0) })
        )
        encoder.writeContent(content)

        var output = ByteWriter()
        // The table sizes first, so the reader allocates every table once at its final size.
        let sizes = encoder.sizes
        for size in [
            table.reduce(0) { $0 + $1.utf8.count }, sizes.variants, sizes.prerequisites, sizes.rules, sizes.splits,
            sizes.steps, sizes.nodes, sizes.setMembers, sizes.literalSets, sizes.numbers,
        ] {
            output.writeVarUInt(size)
        }
        output.writeVarUInt(table.count)
        var previous: [UInt8] = []
        for string in table {
            let bytes = Array(string.utf8)
            let shared = zip(previous, bytes).prefix { $0 == $1 }.count
            output.writeVarUInt(shared)
            output.writeVarUInt(bytes.count - shared)
            output.write(bytes: bytes[shared...])
            previous = bytes
        }
        output.write(bytes: encoder.body.bytes)
        return output.bytes
    }

    private struct Encoder {
        /// Each string's index in the table; nil while collecting.
        let index: [CodePointString: Int]?
        var collected: Set<CodePointString> = []
        var body = ByteWriter()
        /// How many records of each table the decoder will make (the payload's table sizes).
        var sizes = TableSizes()

        struct TableSizes {
            var variants = 0
            var prerequisites = 0
            var rules = 0
            var splits = 0
            var steps = 0
            var nodes = 0
            var setMembers = 0
            var literalSets = 0
            var numbers = 0
        }

        init(index: [CodePointString: Int]?) { self.index = index }

        mutating func writeContent(_ content: BundleContent) {
            body.writeVarUInt(content.attributes.count)
            for attribute in content.attributes { writeString(attribute) }
            body.writeVarUInt(content.segments.count)
            for segment in content.segments { writeSegment(segment) }
            body.writeVarUInt(content.flags.count)
            for flag in content.flags { writeFlag(flag) }
        }

        mutating func writeString(_ string: String) {
            guard let index else {
                collected.insert(CodePointString(string))
                body.writeVarUInt(0)
                return
            }
            body.writeVarUInt(index[CodePointString(string)] ?? 0)
        }

        /// A set as its count, then its string indices increasing, each as the distance from the one
        /// before (the first from -1): the table is in byte order, so the set's byte order is index order.
        mutating func writeStrings(_ set: StringSet) {
            body.writeVarUInt(set.count)
            sizes.setMembers += set.count
            guard let index else {
                for string in set.sorted { collected.insert(CodePointString(string)) }
                return
            }
            var previous = -1
            for string in set.sorted {
                let position = index[CodePointString(string)] ?? 0
                body.writeVarUInt(position - previous)
                previous = position
            }
        }

        mutating func writeSegment(_ segment: CompiledSegment) {
            writeString(segment.name)
            writeStrings(segment.included)
            writeStrings(segment.excluded)
            writeOptionalCondition(segment.condition)
        }

        mutating func writeFlag(_ flag: CompiledFlag) {
            writeString(flag.key)
            body.write(flag.type.rawValue)
            body.writeVarUInt(flag.variants.count)
            sizes.variants += flag.variants.count
            for variant in flag.variants {
                writeString(variant.name)
                writeValue(variant.value)
            }
            body.writeVarUInt(flag.defaultVariant)
            body.writeVarUInt(flag.offVariant)
            body.write(flag.isEnabled ? UInt8(1) : 0)
            writeString(flag.salt)
            body.writeVarUInt(flag.prerequisites.count)
            sizes.prerequisites += flag.prerequisites.count
            for prerequisite in flag.prerequisites {
                body.writeVarUInt(prerequisite.flag)
                body.writeVarUInt(prerequisite.variant)
            }
            body.writeVarUInt(flag.rules.count)
            sizes.rules += flag.rules.count
            for rule in flag.rules {
                if let name = rule.name {
                    body.write(UInt8(1))
                    writeString(name)
                } else {
                    body.write(UInt8(0))
                }
                writeOptionalCondition(rule.condition)
                writeServe(rule.serve)
            }
        }

        mutating func writeValue(_ value: FlagValue) {
            switch value {
            case .bool(let bool): body.write(bool ? UInt8(1) : 0)
            case .string(let string): writeString(string)
            case .integer(let integer): body.writeVarInt(integer)
            case .number(let number): body.writeNumber(number)
            case .object(let json): writeJSON(json)
            }
        }

        mutating func writeJSON(_ json: JSONValue) {
            switch json {
            case .null: body.write(JSONTag.null.rawValue)
            case .bool(let value): body.write(value ? JSONTag.true.rawValue : JSONTag.false.rawValue)
            case .number(let value):
                body.write(JSONTag.number.rawValue)
                body.writeNumber(value)
            case .integer(let value):
                body.write(JSONTag.integer.rawValue)
                body.writeVarInt(value)
            case .string(let value):
                body.write(JSONTag.string.rawValue)
                writeString(value)
            case .array(let items):
                body.write(JSONTag.array.rawValue)
                body.writeVarUInt(items.count)
                for item in items { writeJSON(item) }
            case .object(let members):
                body.write(JSONTag.object.rawValue)
                body.writeVarUInt(members.count)
                for member in members {
                    writeString(member.key)
                    writeJSON(member.value)
                }
            }
        }

        mutating func writeServe(_ serve: Serve) {
            switch serve {
            case .variant(let variant):
                body.write(ServeTag.variant.rawValue)
                body.writeVarUInt(variant)
            case .split(let bucketBy, let variants, let thresholds):
                body.write(ServeTag.split.rawValue)
                body.writeVarUInt(bucketBy)
                body.writeVarUInt(variants.count)
                sizes.splits += variants.count
                for (variant, threshold) in zip(variants, thresholds) {
                    body.writeVarUInt(variant)
                    body.writeVarUInt(threshold)
                }
            case .progressive(let bucketBy, let variant, let others, let steps):
                body.write(ServeTag.progressive.rawValue)
                body.writeVarUInt(bucketBy)
                body.writeVarUInt(variant)
                body.writeVarUInt(others)
                body.writeVarUInt(steps.count)
                sizes.steps += steps.count
                for step in steps {
                    body.writeNumber(step.startsAt)
                    body.writeVarUInt(step.threshold)
                }
            case .hashedSplit(let bucketBy, let scheme, let salt, let variants, let thresholds):
                body.write(ServeTag.hashedSplit.rawValue)
                body.writeVarUInt(bucketBy)
                body.write(scheme.rawValue)
                writeString(salt)
                body.writeVarUInt(variants.count)
                sizes.splits += variants.count + 1  // the decoder keeps scheme and salt in a leading entry
                for (variant, threshold) in zip(variants, thresholds) {
                    body.writeVarUInt(variant)
                    body.writeVarUInt(threshold)
                }
            }
        }

        mutating func writeOptionalCondition(_ condition: Condition?) {
            guard let condition else {
                body.write(UInt8(0))
                return
            }
            body.write(UInt8(1))
            writeCondition(condition)
        }

        mutating func writeCondition(_ condition: Condition) {
            sizes.nodes += 1
            switch condition.kind {
            case .all, .any:
                body.write((condition.kind == .all ? ConditionTag.all : .any).rawValue)
                body.writeVarUInt(condition.children.count)
                for child in condition.children { writeCondition(child) }
            case .not:
                body.write(ConditionTag.not.rawValue)
                writeCondition(condition.children[0])
            case .segment:
                body.write(ConditionTag.segment.rawValue)
                body.writeVarUInt(condition.index)
            case .predicate:
                body.write(ConditionTag.predicate.rawValue)
                body.writeVarUInt(condition.index)
                if let predicate = condition.predicate { writePredicate(predicate) }
            }
        }

        mutating func writeLiteral(_ literal: Literal) {
            switch literal {
            case .string(let value):
                body.write(LiteralTag.string.rawValue)
                writeString(value)
            case .number(let value):
                body.write(LiteralTag.number.rawValue)
                body.writeNumber(value)
            case .bool(let value):
                body.write(LiteralTag.bool.rawValue)
                body.write(value ? UInt8(1) : 0)
            }
        }

        mutating func writePredicate(_ predicate: Predicate) {
            func flag(_ value: Bool) -> UInt8 { value ? 1 : 0 }
            switch predicate {
            case .equals(let literal, let ignoreCase), .notEquals(let literal, let ignoreCase):
                body.write((predicate.isNegated ? OperatorCode.notEquals : .equals).rawValue)
                writeLiteral(literal)
                body.write(flag(ignoreCase))
            case .isIn(let set, let ignoreCase), .notIn(let set, let ignoreCase):
                body.write((predicate.isNegated ? OperatorCode.notIn : .isIn).rawValue)
                body.write(flag(ignoreCase))
                writeStrings(set.strings)
                sizes.literalSets += 1
                for numbers in [set.numbers, set.numericStrings] {
                    body.writeVarUInt(numbers.count)
                    sizes.numbers += numbers.count
                    for number in numbers { body.writeNumber(number) }
                }
                body.write(UInt8(set.bools.contains(false) ? 1 : 0) | (set.bools.contains(true) ? 2 : 0))
            case .contains(let text, let ignoreCase):
                writeText(.contains, text, ignoreCase)
            case .notContains(let text, let ignoreCase):
                writeText(.notContains, text, ignoreCase)
            case .startsWith(let text, let ignoreCase):
                writeText(.startsWith, text, ignoreCase)
            case .endsWith(let text, let ignoreCase):
                writeText(.endsWith, text, ignoreCase)
            case .matches(let automaton):
                body.write(OperatorCode.matches.rawValue)
                automaton.encode(into: &body)
            case .greaterThan(let value): writeNumber(.greaterThan, value)
            case .greaterThanOrEqual(let value): writeNumber(.greaterThanOrEqual, value)
            case .lessThan(let value): writeNumber(.lessThan, value)
            case .lessThanOrEqual(let value): writeNumber(.lessThanOrEqual, value)
            case .before(let value): writeNumber(.before, value)
            case .after(let value): writeNumber(.after, value)
            case .semver(let comparison, let version):
                body.write(OperatorCode.semver.rawValue)
                body.write(comparison.rawValue)
                writeString(version.description)
            case .inCIDR(let ranges):
                body.write(OperatorCode.inCIDR.rawValue)
                body.writeVarUInt(ranges.count)
                for range in ranges { writeString(range.description) }
            case .exists(let expected):
                body.write(OperatorCode.exists.rawValue)
                body.write(flag(expected))
            case .rollout(let scheme, let salt, let threshold):
                body.write(OperatorCode.rollout.rawValue)
                body.write(scheme.rawValue)
                writeString(salt)
                body.writeVarUInt(threshold)
            }
        }

        mutating func writeText(_ code: OperatorCode, _ text: String, _ ignoreCase: Bool) {
            body.write(code.rawValue)
            writeString(text)
            body.write(ignoreCase ? UInt8(1) : 0)
        }

        mutating func writeNumber(_ code: OperatorCode, _ value: Double) {
            body.write(code.rawValue)
            body.writeNumber(value)
        }
    }

    // MARK: Compression

    /// What the bundle encrypts: the encoded content's length as a varuint, then the content as one
    /// LZ4 block (docs/bundle-format.md). Compression makes bundles smaller than gzipped JSON of
    /// the same definitions, and shortens what the loader hashes and decrypts.
    package static func compress(_ encoded: [UInt8]) -> [UInt8] {
        var output = ByteWriter()
        output.writeVarUInt(encoded.count)
        output.write(bytes: LZ4Block.compress(encoded))
        return output.bytes
    }

    // MARK: Decoding (for the compiler and tests)

    /// Decodes and validates a payload; see `FlagTables.init(decoding:)`, the one decoder.
    package static func decode(_ bytes: [UInt8]) throws(DecodingError) -> BundleContent {
        BundleContent(try FlagTables(decoding: bytes))
    }
}

extension Predicate {
    /// True for the operators defined as the negation of another (`ne`, `notIn`, `notContains`).
    package var isNegated: Bool {
        switch self {
        case .notEquals, .notIn, .notContains: true
        default: false
        }
    }
}
