// Over 700 lines on purpose: the one reader of the payload grammar in docs/bundle-format.md, section by
// section in the order the bytes come, with each bound the loader enforces next to the read it guards.

/// A table of plain records allocated once at the size the payload declares and filled in order.
/// Appending past the declared size is an error, and so is ending short of it (`checkFilled`).
struct TableBuffer<Element: BitwiseCopyable> {
    let storage: UnsafeMutableBufferPointer<Element>
    private(set) var count = 0
    /// What the records are, for errors.
    let name: StaticString

    /// An empty placeholder, before the payload declares the table's size.
    init(_ name: StaticString) {
        self.name = name
        storage = UnsafeMutableBufferPointer(start: nil, count: 0)
    }

    /// A table of `capacity` records in `arena` (an empty table allocates nothing).
    init(_ name: StaticString, capacity: Int, in arena: inout TableArena) {
        self.name = name
        storage = arena.allocate(Element.self, capacity: capacity)
    }

    @inline(__always)
    mutating func append(_ element: Element) throws(DecodingError) {
        guard count < storage.count else { throw DecodingError("more \(name) than the payload declares") }
        storage.initializeElement(at: count, to: element)
        count += 1
    }

    @inline(__always)
    subscript(index: Int) -> Element {
        get { storage[index] }
        nonmutating set { storage[index] = newValue }
    }

    /// Marks the whole buffer written (by a caller that filled `storage` itself).
    mutating func markFilled() { count = storage.count }

    func checkFilled() throws(DecodingError) {
        guard count == storage.count else { throw DecodingError("fewer \(name) than the payload declares") }
    }

    /// The records, once decoding is done (the arena, then `FlagTables`, owns the buffer).
    var filled: UnsafeBufferPointer<Element> { UnsafeBufferPointer(rebasing: storage[..<count]) }
}

/// The single decoder of the payload format.
struct TableDecoder {
    /// The payload, read in place: valid only while `FlagTables.init` decodes.
    var reader: ByteReader<UnsafeBufferPointer<UInt8>>
    /// Where every table is allocated: handed to `FlagTables` on success, released on an error.
    var arena = TableArena()
    /// Where the tables only decoding uses are allocated: released when decoding ends.
    var scratch = TableArena()
    // The tables of plain records, allocated at their declared sizes by `readTableSizes`.
    var stringBytes = TableBuffer<UInt8>("string bytes")
    var stringStarts = TableBuffer<UInt32>("strings")
    var textSlots = TableBuffer<Int32>("strings")
    var flags = TableBuffer<FlagTables.FlagRecord>("flags")
    /// The guarded flags and their circuit breakers' settings, by increasing flag index.
    var guards: [(flag: Int, settings: CircuitGuard)] = []
    var variants = TableBuffer<FlagTables.VariantRecord>("variants")
    var prerequisites = TableBuffer<FlagTables.PrerequisiteRecord>("prerequisites")
    var rules = TableBuffer<FlagTables.RuleRecord>("rules")
    var splits = TableBuffer<FlagTables.SplitRecord>("split entries")
    var steps = TableBuffer<FlagTables.StepRecord>("ramp steps")
    var nodes = TableBuffer<FlagTables.NodeRecord>("condition nodes")
    var segments = TableBuffer<FlagTables.SegmentRecord>("segments")
    var setMembers = TableBuffer<Int32>("set members")
    var literalSets = TableBuffer<FlagTables.LiteralSetRecord>("in-lists")
    var numbers = TableBuffer<Double>("in-list numbers")
    // At most one per node: allocated at the node count, only what is written is touched.
    var nodeNumbers = TableBuffer<Double>("numeric operands")
    var cidrLists = TableBuffer<FlagTables.PoolRange>("CIDR lists")
    // The few values that are not plain records (or are tiny) grow as arrays.
    var texts: [String] = []
    var attributes: [Int32] = []
    var regexes: [RegexAutomaton] = []
    /// The bytes the regular expressions may still take (see `FlagTables.maximumRegexMemory`).
    var regexMemory = FlagTables.maximumRegexMemory
    var versions: [SemanticVersion] = []
    /// Per string, its index in `versions` once parsed as a semantic-version operand, or -1: each
    /// operand is parsed once, whatever the number of predicates using it (made at the first one).
    var versionSlots: [Int32] = []
    var ranges: [CIDRRange] = []
    var objects: [JSONValue] = []
    /// A specialized bundle's assumed attribute values (format 6), by attribute index.
    var assumptions: [FlagTables.Assumption] = []
    /// The worst-case number of condition nodes one evaluation of each flag or segment visits,
    /// prerequisites and segment references expanded (they are evaluated again at each use).
    /// (Scratch tables, freed when decoding ends.)
    var flagCosts = TableBuffer<Int>("flags")
    var segmentCosts = TableBuffer<Int>("segments")
    /// Nodes visited by the condition being read.
    var conditionCost = 0

    var stringCount: Int { stringStarts.count - 1 }

    /// The UTF-8 bytes of string `index`, in place.
    func bytes(_ index: Int32) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(
            rebasing: stringBytes.storage[Int(stringStarts[Int(index)])..<Int(stringStarts[Int(index) + 1])]
        )
    }

    func text(_ index: Int32) -> String {
        let slot = textSlots[Int(index)]
        if slot >= 0 { return texts[Int(slot)] }
        return String(decoding: bytes(index), as: UTF8.self)
    }

    /// Makes string `index` a `String` once, for the values evaluation hands out.
    mutating func materialize(_ index: Int32) {
        guard textSlots[Int(index)] < 0 else { return }
        let string = text(index)
        textSlots[Int(index)] = Int32(texts.count)
        texts.append(string)
    }

    mutating func decode() throws(DecodingError) {
        try readTableSizes()
        try readStringTable()

        let attributeCount = try reader.readCount(maximum: 1 << 16)
        for _ in 0..<attributeCount { attributes.append(try readStringIndex()) }

        let segmentCount = try reader.readCount(maximum: 1 << 20, minimumElementSize: 4)
        segments = TableBuffer("segments", capacity: segmentCount, in: &arena)
        segmentCosts = TableBuffer("segments", capacity: segmentCount, in: &scratch)
        for _ in 0..<segmentCount { try readSegment() }

        let flagCount = try reader.readCount(maximum: 1 << 20, minimumElementSize: 8)
        flags = TableBuffer("flags", capacity: flagCount, in: &arena)
        flagCosts = TableBuffer("flags", capacity: flagCount, in: &scratch)
        for _ in 0..<flagCount { try readFlag() }
        try readGuards()
        if !reader.isAtEnd { try readAssumptions() }
        guard reader.isAtEnd else { throw DecodingError("trailing bytes after the assumptions") }
        try variants.checkFilled()
        try prerequisites.checkFilled()
        try rules.checkFilled()
        try splits.checkFilled()
        try steps.checkFilled()
        try nodes.checkFilled()
        try setMembers.checkFilled()
        try literalSets.checkFilled()
        try numbers.checkFilled()
    }

    /// The declared sizes of the tables, each bounded by the bytes that remain (every record is
    /// encoded in at least a few bytes), so a hostile header cannot allocate beyond the payload's
    /// size times a small factor. The string bytes are bounded like front coding (below).
    mutating func readTableSizes() throws(DecodingError) {
        var budget = reader.remaining
        func declared(_ minimumEncodedSize: Int) throws(DecodingError) -> Int {
            let count = try reader.readCount(maximum: 1 << 24)
            budget -= count * minimumEncodedSize
            guard budget >= 0 else { throw DecodingError("table sizes exceed the payload") }
            return count
        }
        let stringByteCount = try reader.readCount(maximum: 16 * reader.remaining + (1 << 20), minimumElementSize: 0)
        stringBytes = TableBuffer("string bytes", capacity: stringByteCount, in: &arena)
        variants = TableBuffer("variants", capacity: try declared(2), in: &arena)
        prerequisites = TableBuffer("prerequisites", capacity: try declared(2), in: &arena)
        rules = TableBuffer("rules", capacity: try declared(3), in: &arena)
        splits = TableBuffer("split entries", capacity: try declared(2), in: &arena)
        steps = TableBuffer("ramp steps", capacity: try declared(2), in: &arena)
        nodes = TableBuffer("condition nodes", capacity: try declared(2), in: &arena)
        // Up to two per node: `rollout` takes two.
        nodeNumbers = TableBuffer("numeric operands", capacity: 2 * nodes.storage.count, in: &arena)
        cidrLists = TableBuffer("CIDR lists", capacity: nodes.storage.count, in: &arena)
        setMembers = TableBuffer("set members", capacity: try declared(1), in: &arena)
        literalSets = TableBuffer("in-lists", capacity: try declared(5), in: &arena)
        numbers = TableBuffer("in-list numbers", capacity: try declared(1), in: &arena)
    }

    /// The front-coded string table: each entry shares a prefix with the one before it and is
    /// greater than it in byte order (so the table is sorted and unique, which sets rely on).
    mutating func readStringTable() throws(DecodingError) {
        let stringCount = try reader.readCount(maximum: 1 << 24, minimumElementSize: 2)
        stringStarts = TableBuffer("strings", capacity: stringCount + 1, in: &arena)
        try stringStarts.append(0)
        textSlots = TableBuffer("strings", capacity: stringCount, in: &arena)
        textSlots.storage.initialize(repeating: -1)
        textSlots.markFilled()
        let output = stringBytes.storage
        var length = 0  // bytes written so far
        var previousStart = 0
        // The suffixes are copied straight from the payload.
        let input = reader.bytes
        for position in 0..<stringCount {
            let shared = try reader.readVarUInt()
            let previousLength = length - previousStart
            guard shared <= UInt64(previousLength) else {
                throw DecodingError("string prefix longer than the previous string")
            }
            let suffixCount = try reader.readCount(maximum: 1 << 20)
            let suffixStart = reader.offset
            try reader.skip(suffixCount)
            let start = length
            let entryLength = Int(shared) + suffixCount
            guard entryLength <= 1 << 20 else { throw DecodingError("string table entry longer than 1 MiB") }
            guard entryLength <= output.count - length else {
                throw DecodingError("more string bytes than the payload declares")
            }
            if position > 0 {
                // Greater than the previous string: it extends it, or differs upwards after the shared prefix.
                guard suffixCount > 0,
                    Int(shared) == previousLength || input[suffixStart] > output[previousStart + Int(shared)]
                else { throw DecodingError("string table not in byte order") }
            }
            if let base = output.baseAddress, let source = input.baseAddress {
                // The shared prefix lies inside the previous entry, before `start`: no overlap.
                Self.copy(from: base + previousStart, to: base + start, count: Int(shared))
                Self.copy(from: source + suffixStart, to: base + start + Int(shared), count: suffixCount)
            }
            length += entryLength
            try stringStarts.append(UInt32(length))
            previousStart = start
        }
        guard length == output.count else { throw DecodingError("fewer string bytes than the payload declares") }
        stringBytes.markFilled()
    }

    /// Copies a few bytes between ranges that do not overlap, with as few loads and stores as
    /// possible: eight bytes at a time, the last (partial) word as the overlapping last eight
    /// bytes, and short counts as two overlapping halves. Table entries are short, so this beats
    /// two calls to `memmove` per entry and a byte loop's mispredicted exits.
    @inline(__always)
    static func copy(from source: UnsafePointer<UInt8>, to destination: UnsafeMutablePointer<UInt8>, count: Int) {
        let from = UnsafeRawPointer(source)
        let to = UnsafeMutableRawPointer(destination)
        if count >= 8 {
            var offset = 0
            while count - offset > 8 {
                to.storeBytes(
                    of: from.loadUnaligned(fromByteOffset: offset, as: UInt64.self),
                    toByteOffset: offset,
                    as: UInt64.self
                )
                offset += 8
            }
            to.storeBytes(
                of: from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self),
                toByteOffset: count - 8,
                as: UInt64.self
            )
        } else if count >= 4 {
            let head = from.loadUnaligned(as: UInt32.self)
            let tail = from.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
        } else if count > 0 {
            destination[0] = source[0]
            destination[count >> 1] = source[count >> 1]
            destination[count - 1] = source[count - 1]
        }
    }

    /// The flag or segment being read (its kind and name index), named when the limit is hit.
    var current: (kind: StaticString, name: Int32) = ("flag", 0)

    var tooExpensive: DecodingError {
        DecodingError(
            "evaluating \(current.kind) '\(text(current.name))' would visit more than "
                + "\(FlagTables.maximumEvaluationCost) conditions (prerequisites and segments are evaluated again "
                + "at each use)"
        )
    }

    // MARK: Scalars

    @inline(__always)
    mutating func readIndex(below limit: Int, _ what: StaticString) throws(DecodingError) -> Int32 {
        let raw = try reader.readVarUInt()
        guard raw < UInt64(limit) else { throw DecodingError("\(what) index out of range") }
        return Int32(raw)
    }

    /// An index below `limit`, which is at most 2^16.
    @inline(__always)
    mutating func readSmallIndex(below limit: Int, _ what: StaticString) throws(DecodingError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readIndex(below: limit, what))
    }

    @inline(__always)
    mutating func readStringIndex() throws(DecodingError) -> Int32 {
        try readIndex(below: stringCount, "string")
    }

    /// A predicate's numeric operand, into `nodeNumbers`; returns its index.
    mutating func readNodeNumber() throws(DecodingError) -> Int32 {
        try nodeNumbers.append(try readDouble())
        return Int32(nodeNumbers.count - 1)
    }

    @inline(__always)
    mutating func readBool() throws(DecodingError) -> Bool {
        switch try reader.readUInt8() {
        case 0: return false
        case 1: return true
        default: throw DecodingError("invalid boolean")
        }
    }

    mutating func readDouble() throws(DecodingError) -> Double {
        try reader.readNumber()
    }

    /// A count, then that many finite, increasing numbers, appended to `numbers`; returns the count.
    mutating func readIncreasingNumbers() throws(DecodingError) -> Int {
        let count = try reader.readCount(maximum: 1 << 24)
        for position in 0..<count {
            let number = try readDouble()
            guard number.isFinite, position == 0 || number > numbers[numbers.count - 1] else {
                throw DecodingError("set numbers not finite and increasing")
            }
            try numbers.append(number)
        }
        return count
    }

    /// A set of strings: a count, then string indices increasing, each written as its distance
    /// from the one before (the first from -1). Increasing indices are in byte order.
    mutating func readSet() throws(DecodingError) -> FlagTables.SetRecord {
        let count = try reader.readCount(maximum: 1 << 24)
        let start = setMembers.count
        var member: Int64 = -1
        for _ in 0..<count {
            let gap = try reader.readVarUInt()
            guard gap >= 1, gap <= UInt64(stringCount), member + Int64(gap) < Int64(stringCount) else {
                throw DecodingError("string set index out of range or not increasing")
            }
            member += Int64(gap)
            try setMembers.append(Int32(member))
        }
        return FlagTables.SetRecord(start: Int32(start), count: Int32(count))
    }

    // MARK: Segments and flags

    mutating func readSegment() throws(DecodingError) {
        let name = try readStringIndex()
        current = ("segment", name)
        let included = try readSet()
        let excluded = try readSet()
        conditionCost = 0
        let condition = try readOptionalCondition(referableSegments: segments.count)
        try segmentCosts.append(1 + conditionCost)
        try segments.append(
            FlagTables.SegmentRecord(name: name, included: included, excluded: excluded, condition: condition)
        )
    }

    /// The guard section (format 5): guarded flags by increasing index, each with valid settings.
    mutating func readGuards() throws(DecodingError) {
        let count = try reader.readCount(maximum: flags.count, minimumElementSize: 7)
        var previous = -1
        for _ in 0..<count {
            let flag = Int(try readIndex(below: flags.count, "guarded flag"))
            guard flag > previous else { throw DecodingError("guarded flags out of order") }
            previous = flag
            let failures = try reader.readCount(maximum: Int(Int32.max), minimumElementSize: 0)
            let minimumCalls = try reader.readCount(maximum: Int(Int32.max), minimumElementSize: 0)
            let probes = try reader.readCount(maximum: Int(Int32.max), minimumElementSize: 0)
            let settings = CircuitGuard(
                failures: failures,
                window: try reader.readNumber(),
                minimumCalls: minimumCalls,
                openFor: try reader.readNumber(),
                probes: probes,
                maximumOpenFor: try reader.readNumber()
            )
            if let problem = settings.problem { throw DecodingError("guard of flag \(flag): \(problem)") }
            guards.append((flag, settings))
        }
    }

    mutating func readFlag() throws(DecodingError) {
        let key = try readStringIndex()
        current = ("flag", key)
        guard let type = consecutiveCase(try reader.readUInt8(), first: FlagType.boolean, last: .object) else {
            throw DecodingError("unknown flag type")
        }
        let variantCount = try reader.readCount(maximum: FlagTables.maximumPerFlag)
        guard variantCount > 0 else { throw DecodingError("flag without variants") }
        let variantStart = Int32(variants.count)
        for _ in 0..<variantCount {
            let name = try readStringIndex()
            materialize(name)
            try variants.append(FlagTables.VariantRecord(name: name, raw: try readValue(of: type)))
        }
        let defaultVariant = try readIndex(below: variantCount, "variant")
        let offVariant = try readIndex(below: variantCount, "variant")
        let isEnabled = try readBool()
        let salt = try readStringIndex()

        var cost = 1
        let prerequisiteCount = try reader.readCount(maximum: FlagTables.maximumPerFlag, minimumElementSize: 2)
        let prerequisiteStart = Int32(prerequisites.count)
        for _ in 0..<prerequisiteCount {
            // Prerequisites point backwards: the compiler orders flags topologically.
            let flag = try readIndex(below: flags.count, "prerequisite flag")
            let variant = try readIndex(below: Int(flags[Int(flag)].variantCount), "prerequisite variant")
            try prerequisites.append(FlagTables.PrerequisiteRecord(flag: flag, variant: variant))
            cost += flagCosts[Int(flag)]
            guard cost <= FlagTables.maximumEvaluationCost else { throw tooExpensive }
        }

        let ruleCount = try reader.readCount(maximum: FlagTables.maximumPerFlag, minimumElementSize: 3)
        let ruleStart = Int32(rules.count)
        for _ in 0..<ruleCount {
            let name = try readBool() ? try readStringIndex() : -1
            conditionCost = 0
            let condition = try readOptionalCondition(referableSegments: segments.count)
            cost += conditionCost
            guard cost <= FlagTables.maximumEvaluationCost else { throw tooExpensive }
            try readServe(name: name, condition: condition, variantCount: variantCount)
        }

        try flagCosts.append(cost)
        // The counts are at most `maximumPerFlag` and the variant indices below it: 16 bits each.
        try flags.append(
            FlagTables.FlagRecord(
                key: key,
                salt: salt,
                variantStart: variantStart,
                prerequisiteStart: prerequisiteStart,
                ruleStart: ruleStart,
                variantCount: UInt16(truncatingIfNeeded: variantCount),
                prerequisiteCount: UInt16(truncatingIfNeeded: prerequisiteCount),
                ruleCount: UInt16(truncatingIfNeeded: ruleCount),
                defaultVariant: UInt16(truncatingIfNeeded: defaultVariant),
                offVariant: UInt16(truncatingIfNeeded: offVariant),
                type: type,
                fixed: !isEnabled ? .disabled : ruleCount == 0 && prerequisiteCount == 0 ? .static : .evaluated
            )
        )
    }

    @inline(__always)
    mutating func readValue(of type: FlagType) throws(DecodingError) -> UInt64 {
        switch type {
        case .boolean: return try readBool() ? 1 : 0
        case .string:
            let value = try readStringIndex()
            materialize(value)
            return UInt64(value)
        case .integer: return UInt64(bitPattern: try reader.readVarInt())
        case .number:
            let value = try readDouble()
            guard value.isFinite else { throw DecodingError("non-finite number") }
            return value.bitPattern
        case .object:
            objects.append(try readJSON(depth: 0))
            return UInt64(objects.count - 1)
        }
    }

    mutating func readJSON(depth: Int) throws(DecodingError) -> JSONValue {
        guard depth < PayloadCodec.maximumNesting else { throw DecodingError("JSON nested too deeply") }
        guard let tag = JSONTag(rawValue: try reader.readUInt8()) else { throw DecodingError("unknown JSON tag") }
        switch tag {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .number:
            let value = try readDouble()
            guard value.isFinite else { throw DecodingError("non-finite number") }
            return .number(value)
        case .integer: return .integer(try reader.readVarInt())
        case .string: return .string(text(try readStringIndex()))
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
                let key = text(try readStringIndex())
                members.append(JSONMember(key, try readJSON(depth: depth + 1)))
            }
            return .object(members)
        }
    }

    mutating func readServe(name: Int32, condition: Int32, variantCount: Int) throws(DecodingError) {
        guard let tag = consecutiveCase(try reader.readUInt8(), first: ServeTag.variant, last: .hashedSplit) else {
            throw DecodingError("unknown serve tag")
        }
        // Variant indices are below the flag's variant count, attribute indices below 2^16, split
        // and ramp counts at most the variant count and 2^12: 16 bits each.
        var rule = FlagTables.RuleRecord(
            name: name,
            condition: condition,
            start: 0,
            bucketBy: 0,
            variant: 0,
            others: 0,
            count: 0,
            kind: .variant
        )
        switch tag {
        case .variant:
            rule.variant = try readSmallIndex(below: variantCount, "variant")
        case .split:
            rule.kind = .split
            rule.bucketBy = try readSmallIndex(below: attributes.count, "attribute")
            let count = try reader.readCount(maximum: variantCount, minimumElementSize: 2)
            guard count > 0 else { throw DecodingError("empty split") }
            rule.start = Int32(splits.count)
            rule.count = UInt16(truncatingIfNeeded: count)
            var previous: Int32 = 0
            for _ in 0..<count {
                let variant = try readIndex(below: variantCount, "variant")
                let threshold = try readIndex(below: Bucketing.bucketCount + 1, "split threshold")
                guard threshold >= previous else { throw DecodingError("split thresholds out of order") }
                try splits.append(FlagTables.SplitRecord(variant: variant, threshold: threshold))
                previous = threshold
            }
            guard previous == Bucketing.bucketCount else { throw DecodingError("split does not cover all buckets") }
        case .progressive:
            rule.kind = .progressive
            rule.bucketBy = try readSmallIndex(below: attributes.count, "attribute")
            rule.variant = try readSmallIndex(below: variantCount, "variant")
            rule.others = try readSmallIndex(below: variantCount, "variant")
            let count = try reader.readCount(maximum: 1 << 12, minimumElementSize: 2)
            rule.start = Int32(steps.count)
            rule.count = UInt16(truncatingIfNeeded: count)
            for position in 0..<count {
                let startsAt = try readDouble()
                let threshold = try readIndex(below: Bucketing.bucketCount + 1, "ramp threshold")
                guard startsAt.isFinite else { throw DecodingError("ramp step time not finite") }
                if position > 0, steps[steps.count - 1].startsAt >= startsAt {
                    throw DecodingError("ramp steps out of order")
                }
                try steps.append(FlagTables.StepRecord(startsAt: startsAt, threshold: threshold))
            }
        case .hashedSplit:
            // A leading entry holds the salt (a string index) and the scheme; the entries after it
            // are the split's, with thresholds up to the total, which the last one gives.
            rule.kind = .hashedSplit
            rule.bucketBy = try readSmallIndex(below: attributes.count, "attribute")
            guard let scheme = BucketingScheme(rawValue: try reader.readUInt8()) else {
                throw DecodingError("unknown bucketing scheme")
            }
            let salt = try readStringIndex()
            let count = try reader.readCount(maximum: variantCount, minimumElementSize: 2)
            guard count > 0 else { throw DecodingError("empty split") }
            // With the leading entry, the rule's count must still fit its 16 bits.
            guard count < Int(UInt16.max) else { throw DecodingError("split with too many variants") }
            rule.start = Int32(splits.count)
            rule.count = UInt16(truncatingIfNeeded: count + 1)
            try splits.append(FlagTables.SplitRecord(variant: salt, threshold: Int32(scheme.rawValue)))
            var previous: Int32 = 0
            for _ in 0..<count {
                let variant = try readIndex(below: variantCount, "variant")
                let threshold = try readIndex(below: BucketingScheme.maximumTotal + 1, "split threshold")
                guard threshold >= previous else { throw DecodingError("split thresholds out of order") }
                try splits.append(FlagTables.SplitRecord(variant: variant, threshold: threshold))
                previous = threshold
            }
            guard previous > 0 else { throw DecodingError("split without weight") }
        }
        try rules.append(rule)
    }

    // MARK: Conditions

    mutating func readOptionalCondition(referableSegments: Int) throws(DecodingError) -> Int32 {
        guard try readBool() else { return -1 }
        let root = Int32(nodes.count)
        try readCondition(referableSegments: referableSegments, depth: 0)
        return root
    }

    /// Appends the subtree in preorder and sets each node's `end`.
    mutating func readCondition(referableSegments: Int, depth: Int) throws(DecodingError) {
        try readNode(try readConditionTag(), referableSegments: referableSegments, depth: depth)
    }

    @inline(__always)
    mutating func readConditionTag() throws(DecodingError) -> ConditionTag {
        guard let tag = consecutiveCase(try reader.readUInt8(), first: ConditionTag.all, last: .predicate) else {
            throw DecodingError("unknown condition tag")
        }
        return tag
    }

    /// Counts a node at `depth` against the nesting and evaluation-cost limits.
    @inline(__always)
    mutating func enterNode(depth: Int) throws(DecodingError) {
        guard depth < PayloadCodec.maximumNesting else { throw DecodingError("condition nested too deeply") }
        conditionCost += 1
        guard conditionCost <= FlagTables.maximumEvaluationCost else { throw tooExpensive }
    }

    /// The node whose tag was just read, and its subtree. Predicate children of `all`/`any`/`not`
    /// are read in the loop over the children, without a call each (most nodes are such leaves).
    mutating func readNode(_ tag: ConditionTag, referableSegments: Int, depth: Int) throws(DecodingError) {
        try enterNode(depth: depth)
        switch tag {
        case .predicate:
            try readPredicateNode()
        case .segment:
            let segment = try readIndex(below: referableSegments, "segment")
            conditionCost += segmentCosts[Int(segment)]
            guard conditionCost <= FlagTables.maximumEvaluationCost else { throw tooExpensive }
            try nodes.append(Self.node(.segment, end: nodes.count + 1, index: segment))
        case .all, .any, .not:
            let position = nodes.count
            let kind: FlagTables.NodeRecord.Kind = tag == .all ? .all : tag == .any ? .any : .not
            try nodes.append(Self.node(kind, end: 0, index: 0))
            let count = tag == .not ? 1 : try reader.readCount(maximum: 1 << 16)
            for _ in 0..<count {
                let child = try readConditionTag()
                if child == .predicate {
                    try enterNode(depth: depth + 1)
                    try readPredicateNode()
                } else {
                    try readNode(child, referableSegments: referableSegments, depth: depth + 1)
                }
            }
            nodes[position].end = Int32(nodes.count)
        }
    }

    @inline(__always)
    static func node(_ kind: FlagTables.NodeRecord.Kind, end: Int, index: Int32) -> FlagTables.NodeRecord {
        FlagTables.NodeRecord(
            kind: kind,
            code: .exists,
            ignoreCase: false,
            detail: 0,
            end: Int32(truncatingIfNeeded: end),
            index: index,
            operand: 0
        )
    }

    /// A predicate (its tag read): the attribute, then the operator and its operand.
    @inline(__always)
    /// The assumed values of a specialized bundle (format 6), after the flags and only when there are some:
    /// a count (at least 1), then per assumption a named attribute's index and a literal, each attribute at
    /// most once.
    mutating func readAssumptions() throws(DecodingError) {
        let count = try reader.readCount(maximum: attributes.count, minimumElementSize: 2)
        guard count > 0 else { throw DecodingError("an empty assumption list") }
        for _ in 0..<count {
            let attribute = Int(try readIndex(below: attributes.count, "attribute"))
            guard AttributeKind(name: text(attributes[attribute])) == .named else {
                throw DecodingError("an assumption on a reserved attribute")
            }
            guard !assumptions.contains(where: { $0.attribute == attribute }) else {
                throw DecodingError("an attribute assumed twice")
            }
            guard let tag = consecutiveCase(try reader.readUInt8(), first: LiteralTag.string, last: .bool) else {
                throw DecodingError("unknown literal")
            }
            let value: AttributeValue
            switch tag {
            case .string: value = .string(text(try readStringIndex()))
            case .number:
                let number = try readDouble()
                guard number.isFinite else { throw DecodingError("an assumed number that is not finite") }
                value = .number(number)
            case .bool: value = .bool(try readBool())
            }
            assumptions.append(FlagTables.Assumption(attribute: attribute, value: value))
        }
    }

    mutating func readPredicateNode() throws(DecodingError) {
        var node = Self.node(.predicate, end: 0, index: try readIndex(below: attributes.count, "attribute"))
        try readPredicate(into: &node)
        node.end = Int32(truncatingIfNeeded: nodes.count + 1)
        try nodes.append(node)
    }

    mutating func readPredicate(into node: inout FlagTables.NodeRecord) throws(DecodingError) {
        guard let code = consecutiveCase(try reader.readUInt8(), first: OperatorCode.equals, last: .rollout) else {
            throw DecodingError("unknown operator")
        }
        node.code = code
        switch code {
        case .equals, .notEquals:
            guard let tag = consecutiveCase(try reader.readUInt8(), first: LiteralTag.string, last: .bool) else {
                throw DecodingError("unknown literal")
            }
            node.detail = tag.rawValue
            switch tag {
            case .string: node.operand = try readStringIndex()
            case .number: node.operand = try readNodeNumber()
            case .bool: node.operand = try readBool() ? 1 : 0
            }
            node.ignoreCase = try readBool()
        case .isIn, .notIn:
            node.ignoreCase = try readBool()
            let strings = try readSet()
            let numberStart = numbers.count
            let numberCount = try readIncreasingNumbers()
            let numericStringCount = try readIncreasingNumbers()
            let bools = try reader.readUInt8()
            guard bools <= 3 else { throw DecodingError("invalid boolean set") }
            try literalSets.append(
                FlagTables.LiteralSetRecord(
                    strings: strings,
                    numberStart: Int32(numberStart),
                    numberCount: Int32(numberCount),
                    numericStringCount: Int32(numericStringCount),
                    bools: bools
                )
            )
            node.operand = Int32(literalSets.count - 1)
        case .contains, .notContains, .startsWith, .endsWith:
            node.operand = try readStringIndex()
            node.ignoreCase = try readBool()
        case .matches:
            regexes.append(
                try RegexAutomaton(
                    decoding: &reader,
                    memoryBudget: &regexMemory,
                    memoryLimit: FlagTables.maximumRegexMemory
                )
            )
            node.operand = Int32(regexes.count - 1)
        case .greaterThan, .greaterThanOrEqual, .lessThan, .lessThanOrEqual, .before, .after:
            node.operand = try readNodeNumber()
        case .semver:
            guard
                let comparison = consecutiveCase(
                    try reader.readUInt8(),
                    first: SemverComparison.equal,
                    last: .lessThanOrEqual
                )
            else {
                throw DecodingError("unknown semver comparison")
            }
            node.detail = comparison.rawValue
            let text = try readStringIndex()
            if versionSlots.isEmpty { versionSlots = Array(repeating: -1, count: stringCount) }
            if versionSlots[Int(text)] >= 0 {
                node.operand = versionSlots[Int(text)]
            } else {
                guard let version = SemanticVersion(self.text(text)) else {
                    throw DecodingError("invalid semantic version")
                }
                versions.append(version)
                node.operand = Int32(versions.count - 1)
                versionSlots[Int(text)] = node.operand
            }
        case .inCIDR:
            let count = try reader.readCount(maximum: 1 << 16)
            try cidrLists.append(FlagTables.PoolRange(start: Int32(ranges.count), count: Int32(count)))
            node.operand = Int32(cidrLists.count - 1)
            for _ in 0..<count {
                guard let range = CIDRRange(text(try readStringIndex())) else {
                    throw DecodingError("invalid CIDR range")
                }
                ranges.append(range)
            }
        case .exists:
            node.operand = try readBool() ? 1 : 0
        case .rollout:
            // Two numeric operands: the salt's string index, then the threshold.
            guard let scheme = BucketingScheme(rawValue: try reader.readUInt8()) else {
                throw DecodingError("unknown bucketing scheme")
            }
            node.detail = scheme.rawValue
            let salt = try readStringIndex()
            let threshold = try readIndex(below: scheme.rolloutTotal + 1, "rollout threshold")
            try nodeNumbers.append(Double(salt))
            try nodeNumbers.append(Double(threshold))
            node.operand = Int32(nodeNumbers.count - 2)
        }
    }
}
