/// The binary layout of a bundle's payload (the part that is encrypted), written by the compiler
/// and read by the loader. See docs/bundle-format.md. Strings are stored once in a table and
/// referred to by index; counts and indices are LEB128 varints; numbers are IEEE-754 doubles,
/// little-endian.
///
/// The decoder trusts nothing: every count is bounded by the bytes that remain, every index is
/// checked against what it refers to, prerequisites and segment references must point backwards
/// (so evaluation cannot loop), and nesting is capped.
package enum PayloadCodec {
    /// Deepest condition or JSON nesting the decoder accepts.
    package static let maximumNesting = 64

    // MARK: Encoding

    package static func encode(_ content: BundleContent) -> [UInt8] {
        var encoder = Encoder()
        encoder.body.writeVarUInt(content.attributes.count)
        for attribute in content.attributes { encoder.writeString(attribute) }
        encoder.body.writeVarUInt(content.segments.count)
        for segment in content.segments { encoder.writeSegment(segment) }
        encoder.body.writeVarUInt(content.flags.count)
        for flag in content.flags { encoder.writeFlag(flag) }

        var output = ByteWriter()
        output.writeVarUInt(encoder.strings.count)
        for string in encoder.strings { output.write(string: string) }
        output.write(bytes: encoder.body.bytes)
        return output.bytes
    }

    private struct Encoder {
        var strings: [String] = []
        var stringIndex: [String: Int] = [:]
        var body = ByteWriter()

        mutating func writeString(_ string: String) {
            if let index = stringIndex[string] {
                body.writeVarUInt(index)
                return
            }
            stringIndex[string] = strings.count
            body.writeVarUInt(strings.count)
            strings.append(string)
        }

        mutating func writeStrings(_ set: StringSet) {
            body.writeVarUInt(set.count)
            for string in set.sorted { writeString(string) }
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
            for variant in flag.variants {
                writeString(variant.name)
                writeValue(variant.value)
            }
            body.writeVarUInt(flag.defaultVariant)
            body.writeVarUInt(flag.offVariant)
            body.write(flag.isEnabled ? UInt8(1) : 0)
            writeString(flag.salt)
            body.writeVarUInt(flag.prerequisites.count)
            for prerequisite in flag.prerequisites {
                body.writeVarUInt(prerequisite.flag)
                body.writeVarUInt(prerequisite.variant)
            }
            body.writeVarUInt(flag.rules.count)
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
            case .number(let number): body.write(number.bitPattern)
            case .object(let json): writeJSON(json)
            }
        }

        mutating func writeJSON(_ json: JSONValue) {
            switch json {
            case .null: body.write(JSONTag.null.rawValue)
            case .bool(let value): body.write(value ? JSONTag.true.rawValue : JSONTag.false.rawValue)
            case .number(let value):
                body.write(JSONTag.number.rawValue)
                body.write(value.bitPattern)
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
                for step in steps {
                    body.writeVarInt(step.startsAt)
                    body.writeVarUInt(step.threshold)
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
            switch condition {
            case .all(let items), .any(let items):
                if case .all = condition {
                    body.write(ConditionTag.all.rawValue)
                } else {
                    body.write(ConditionTag.any.rawValue)
                }
                body.writeVarUInt(items.count)
                for item in items { writeCondition(item) }
            case .not(let inner):
                body.write(ConditionTag.not.rawValue)
                writeCondition(inner)
            case .segment(let index):
                body.write(ConditionTag.segment.rawValue)
                body.writeVarUInt(index)
            case .predicate(let attribute, let predicate):
                body.write(ConditionTag.predicate.rawValue)
                body.writeVarUInt(attribute)
                writePredicate(predicate)
            }
        }

        mutating func writeLiteral(_ literal: Literal) {
            switch literal {
            case .string(let value):
                body.write(LiteralTag.string.rawValue)
                writeString(value)
            case .number(let value):
                body.write(LiteralTag.number.rawValue)
                body.write(value.bitPattern)
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
                body.writeVarUInt(set.literals.count)
                for literal in set.literals { writeLiteral(literal) }
                body.write(flag(ignoreCase))
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
            }
        }

        mutating func writeText(_ code: OperatorCode, _ text: String, _ ignoreCase: Bool) {
            body.write(code.rawValue)
            writeString(text)
            body.write(ignoreCase ? UInt8(1) : 0)
        }

        mutating func writeNumber(_ code: OperatorCode, _ value: Double) {
            body.write(code.rawValue)
            body.write(value.bitPattern)
        }
    }

    // MARK: Decoding

    package static func decode(_ bytes: [UInt8]) throws(DecodingError) -> BundleContent {
        var decoder = Decoder(reader: ByteReader(bytes))
        let stringCount = try decoder.reader.readCount(maximum: 1 << 24)
        var strings: [String] = []
        strings.reserveCapacity(stringCount)
        for _ in 0..<stringCount { strings.append(try decoder.reader.readString()) }
        decoder.strings = strings

        let attributeCount = try decoder.reader.readCount(maximum: 1 << 16)
        var attributes: [String] = []
        attributes.reserveCapacity(attributeCount)
        for _ in 0..<attributeCount { attributes.append(try decoder.readString()) }
        decoder.attributeCount = attributeCount

        let segmentCount = try decoder.reader.readCount(maximum: 1 << 20)
        var segments: [CompiledSegment] = []
        segments.reserveCapacity(segmentCount)
        for _ in 0..<segmentCount {
            segments.append(try decoder.readSegment(referableSegments: segments.count))
        }
        decoder.segmentCount = segmentCount

        let flagCount = try decoder.reader.readCount(maximum: 1 << 20)
        var flags: [CompiledFlag] = []
        flags.reserveCapacity(flagCount)
        for _ in 0..<flagCount {
            flags.append(try decoder.readFlag(earlierFlags: flags))
        }
        guard decoder.reader.isAtEnd else { throw DecodingError("trailing bytes after the flags") }
        return BundleContent(attributes: attributes, segments: segments, flags: flags)
    }

    private struct Decoder {
        var reader: ByteReader
        var strings: [String] = []
        var attributeCount = 0
        var segmentCount = 0

        mutating func readIndex(below limit: Int, _ what: StaticString) throws(DecodingError) -> Int {
            let raw = try reader.readVarUInt()
            guard raw < UInt64(limit) else { throw DecodingError("\(what) index out of range") }
            return Int(raw)
        }

        mutating func readString() throws(DecodingError) -> String {
            strings[try readIndex(below: strings.count, "string")]
        }

        mutating func readBool() throws(DecodingError) -> Bool {
            switch try reader.readUInt8() {
            case 0: return false
            case 1: return true
            default: throw DecodingError("invalid boolean")
            }
        }

        mutating func readDouble() throws(DecodingError) -> Double {
            Double(bitPattern: try reader.readUInt64())
        }

        mutating func readStringSet() throws(DecodingError) -> [String] {
            let count = try reader.readCount(maximum: 1 << 24)
            var strings: [String] = []
            strings.reserveCapacity(count)
            for _ in 0..<count { strings.append(try readString()) }
            return strings
        }

        mutating func readSegment(referableSegments: Int) throws(DecodingError) -> CompiledSegment {
            let name = try readString()
            let included = try readStringSet()
            let excluded = try readStringSet()
            let condition = try readOptionalCondition(referableSegments: referableSegments)
            return CompiledSegment(name: name, included: included, excluded: excluded, condition: condition)
        }

        mutating func readFlag(earlierFlags: [CompiledFlag]) throws(DecodingError) -> CompiledFlag {
            let key = try readString()
            guard let type = FlagType(rawValue: try reader.readUInt8()) else {
                throw DecodingError("unknown flag type")
            }
            let variantCount = try reader.readCount(maximum: 1 << 16)
            guard variantCount > 0 else { throw DecodingError("flag without variants") }
            var variants: [Variant] = []
            variants.reserveCapacity(variantCount)
            for _ in 0..<variantCount {
                let name = try readString()
                variants.append(Variant(name: name, value: try readValue(of: type)))
            }
            let defaultVariant = try readIndex(below: variantCount, "variant")
            let offVariant = try readIndex(below: variantCount, "variant")
            let isEnabled = try readBool()
            let salt = try readString()

            let prerequisiteCount = try reader.readCount(maximum: 1 << 16)
            var prerequisites: [Prerequisite] = []
            for _ in 0..<prerequisiteCount {
                // Prerequisites point backwards: the compiler orders flags topologically.
                let flag = try readIndex(below: earlierFlags.count, "prerequisite flag")
                let variant = try readIndex(below: earlierFlags[flag].variants.count, "prerequisite variant")
                prerequisites.append(Prerequisite(flag: flag, variant: variant))
            }

            let ruleCount = try reader.readCount(maximum: 1 << 16)
            var rules: [Rule] = []
            rules.reserveCapacity(ruleCount)
            for _ in 0..<ruleCount {
                let name = try readBool() ? try readString() : nil
                let condition = try readOptionalCondition(referableSegments: segmentCount)
                let serve = try readServe(variantCount: variantCount)
                rules.append(Rule(name: name, condition: condition, serve: serve))
            }
            return CompiledFlag(
                key: key, type: type, variants: variants, defaultVariant: defaultVariant,
                offVariant: offVariant, isEnabled: isEnabled, salt: salt,
                prerequisites: prerequisites, rules: rules)
        }

        mutating func readValue(of type: FlagType) throws(DecodingError) -> FlagValue {
            switch type {
            case .boolean: return .bool(try readBool())
            case .string: return .string(try readString())
            case .integer: return .integer(try reader.readVarInt())
            case .number:
                let value = try readDouble()
                guard value.isFinite else { throw DecodingError("non-finite number") }
                return .number(value)
            case .object: return .object(try readJSON(depth: 0))
            }
        }

        mutating func readJSON(depth: Int) throws(DecodingError) -> JSONValue {
            guard depth < PayloadCodec.maximumNesting else { throw DecodingError("JSON nested too deeply") }
            guard let tag = JSONTag(rawValue: try reader.readUInt8()) else { throw DecodingError("unknown JSON tag") }
            switch tag {
            case .null: return .null
            case .false: return .bool(false)
            case .true: return .bool(true)
            case .number: return .number(try readDouble())
            case .string: return .string(try readString())
            case .array:
                let count = try reader.readCount(maximum: 1 << 20)
                var items: [JSONValue] = []
                items.reserveCapacity(count)
                for _ in 0..<count { items.append(try readJSON(depth: depth + 1)) }
                return .array(items)
            case .object:
                let count = try reader.readCount(maximum: 1 << 20, minimumElementSize: 2)
                var members: [JSONMember] = []
                members.reserveCapacity(count)
                for _ in 0..<count {
                    let key = try readString()
                    members.append(JSONMember(key, try readJSON(depth: depth + 1)))
                }
                return .object(members)
            }
        }

        mutating func readServe(variantCount: Int) throws(DecodingError) -> Serve {
            guard let tag = ServeTag(rawValue: try reader.readUInt8()) else { throw DecodingError("unknown serve tag") }
            switch tag {
            case .variant:
                return .variant(try readIndex(below: variantCount, "variant"))
            case .split:
                let bucketBy = try readIndex(below: attributeCount, "attribute")
                let count = try reader.readCount(maximum: variantCount, minimumElementSize: 2)
                guard count > 0 else { throw DecodingError("empty split") }
                var variants: [Int] = []
                var thresholds: [Int] = []
                var previous = 0
                for _ in 0..<count {
                    variants.append(try readIndex(below: variantCount, "variant"))
                    let threshold = try readIndex(below: Bucketing.bucketCount + 1, "split threshold")
                    guard threshold >= previous else { throw DecodingError("split thresholds out of order") }
                    thresholds.append(threshold)
                    previous = threshold
                }
                guard previous == Bucketing.bucketCount else { throw DecodingError("split does not cover all buckets") }
                return .split(bucketBy: bucketBy, variants: variants, thresholds: thresholds)
            case .progressive:
                let bucketBy = try readIndex(below: attributeCount, "attribute")
                let variant = try readIndex(below: variantCount, "variant")
                let others = try readIndex(below: variantCount, "variant")
                let count = try reader.readCount(maximum: 1 << 12, minimumElementSize: 2)
                var steps: [RampStep] = []
                for _ in 0..<count {
                    let startsAt = try reader.readVarInt()
                    let threshold = try readIndex(below: Bucketing.bucketCount + 1, "ramp threshold")
                    if let last = steps.last, last.startsAt >= startsAt {
                        throw DecodingError("ramp steps out of order")
                    }
                    steps.append(RampStep(startsAt: startsAt, threshold: threshold))
                }
                return .progressive(bucketBy: bucketBy, variant: variant, others: others, steps: steps)
            }
        }

        mutating func readOptionalCondition(referableSegments: Int) throws(DecodingError) -> Condition? {
            try readBool() ? try readCondition(referableSegments: referableSegments, depth: 0) : nil
        }

        mutating func readCondition(referableSegments: Int, depth: Int) throws(DecodingError) -> Condition {
            guard depth < PayloadCodec.maximumNesting else { throw DecodingError("condition nested too deeply") }
            guard let tag = ConditionTag(rawValue: try reader.readUInt8()) else {
                throw DecodingError("unknown condition tag")
            }
            switch tag {
            case .all, .any:
                let count = try reader.readCount(maximum: 1 << 16)
                var items: [Condition] = []
                items.reserveCapacity(count)
                for _ in 0..<count {
                    items.append(try readCondition(referableSegments: referableSegments, depth: depth + 1))
                }
                return tag == .all ? .all(items) : .any(items)
            case .not:
                return .not(try readCondition(referableSegments: referableSegments, depth: depth + 1))
            case .segment:
                return .segment(try readIndex(below: referableSegments, "segment"))
            case .predicate:
                let attribute = try readIndex(below: attributeCount, "attribute")
                return .predicate(attribute: attribute, try readPredicate())
            }
        }

        mutating func readLiteral() throws(DecodingError) -> Literal {
            guard let tag = LiteralTag(rawValue: try reader.readUInt8()) else { throw DecodingError("unknown literal") }
            switch tag {
            case .string: return .string(try readString())
            case .number: return .number(try readDouble())
            case .bool: return .bool(try readBool())
            }
        }

        mutating func readPredicate() throws(DecodingError) -> Predicate {
            guard let code = OperatorCode(rawValue: try reader.readUInt8()) else {
                throw DecodingError("unknown operator")
            }
            switch code {
            case .equals, .notEquals:
                let literal = try readLiteral()
                let ignoreCase = try readBool()
                return code == .equals
                    ? .equals(literal, ignoreCase: ignoreCase) : .notEquals(literal, ignoreCase: ignoreCase)
            case .isIn, .notIn:
                let count = try reader.readCount(maximum: 1 << 24, minimumElementSize: 2)
                var literals: [Literal] = []
                literals.reserveCapacity(count)
                for _ in 0..<count { literals.append(try readLiteral()) }
                let ignoreCase = try readBool()
                let set = LiteralSet(literals, ignoreCase: ignoreCase)
                return code == .isIn ? .isIn(set, ignoreCase: ignoreCase) : .notIn(set, ignoreCase: ignoreCase)
            case .contains: return .contains(try readString(), ignoreCase: try readBool())
            case .notContains: return .notContains(try readString(), ignoreCase: try readBool())
            case .startsWith: return .startsWith(try readString(), ignoreCase: try readBool())
            case .endsWith: return .endsWith(try readString(), ignoreCase: try readBool())
            case .matches: return .matches(try RegexAutomaton(decoding: &reader))
            case .greaterThan: return .greaterThan(try readDouble())
            case .greaterThanOrEqual: return .greaterThanOrEqual(try readDouble())
            case .lessThan: return .lessThan(try readDouble())
            case .lessThanOrEqual: return .lessThanOrEqual(try readDouble())
            case .before: return .before(try readDouble())
            case .after: return .after(try readDouble())
            case .semver:
                guard let comparison = SemverComparison(rawValue: try reader.readUInt8()) else {
                    throw DecodingError("unknown semver comparison")
                }
                guard let version = SemanticVersion(try readString()) else {
                    throw DecodingError("invalid semantic version")
                }
                return .semver(comparison, version)
            case .inCIDR:
                let count = try reader.readCount(maximum: 1 << 16)
                var ranges: [CIDRRange] = []
                for _ in 0..<count {
                    guard let range = CIDRRange(try readString()) else { throw DecodingError("invalid CIDR range") }
                    ranges.append(range)
                }
                return .inCIDR(ranges)
            case .exists: return .exists(try readBool())
            }
        }
    }

    private enum ConditionTag: UInt8 {
        case all = 0, any = 1, not = 2, segment = 3, predicate = 4
    }

    private enum LiteralTag: UInt8 {
        case string = 0, number = 1, bool = 2
    }

    private enum ServeTag: UInt8 {
        case variant = 0, split = 1, progressive = 2
    }

    private enum JSONTag: UInt8 {
        case null = 0, `false` = 1, `true` = 2, number = 3, string = 4, array = 5, object = 6
    }

    private enum OperatorCode: UInt8 {
        case equals = 1, notEquals, isIn, notIn, contains, notContains, startsWith, endsWith, matches
        case greaterThan, greaterThanOrEqual, lessThan, lessThanOrEqual, semver, before, after, inCIDR, exists
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
