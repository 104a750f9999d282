/// A bundle's content as flat tables of plain records, decoded straight from the payload: the form
/// evaluation runs on. Flags, variants, rules, split entries, ramp steps and condition nodes are
/// trivially copyable structs in a handful of arrays (one allocation each, whatever the flag count),
/// and everything they refer to is an index: into the string table, or into the pools of set
/// members, numbers, regular expressions, versions, CIDR ranges and JSON objects. Strings stay UTF-8
/// bytes in one buffer (conditions compare bytes); only the few handed out as values become
/// `String`s at load. Reading a record copies no reference, so evaluation does no reference counting
/// on the bundle's structure and scales across threads; loading allocates per table, not per flag
/// or per string.
///
/// Condition trees are stored in preorder: a node's children follow it, and each node records where
/// its subtree ends, so `all`/`any` walk their children by jumping from end to end.
///
/// The tables live in buffers this object allocates once and frees on release; they are never
/// written after `init`, which makes sharing them between threads safe. A buffer is valid only
/// while its `FlagTables` is alive: never let one outlive the object (hold the object, or use
/// `withExtendedLifetime`, around any use).
package final class FlagTables: @unchecked Sendable {
    /// The most condition nodes one flag's evaluation may visit, prerequisites and segments
    /// expanded: bounds evaluation time, so chains that re-use earlier flags or segments at each
    /// step (whose cost doubles per step) are refused instead of hanging a function.
    package static let maximumEvaluationCost = 100_000

    /// The most memory, in bytes, a bundle's regular expressions may take once loaded (DFA tables and NFA
    /// programs together, `RegexAutomaton.loadedByteCount`): 16 MiB. The decoder takes each automaton's size
    /// from its header before allocating it and refuses the payload past this bound; the compiler keeps every
    /// target within it.
    package static let maximumRegexMemory = 16 << 20

    /// The most variants, prerequisites or rules one flag has: their counts and indices are 16-bit.
    package static let maximumPerFlag = Int(UInt16.max)

    /// A flag: 32 bytes (half a cache line), with 16-bit counts and variant indices.
    package struct FlagRecord: Sendable, Hashable, BitwiseCopyable {
        /// What every context is served regardless of rules, decided at load.
        package enum Fixed: UInt8, Sendable, Hashable, BitwiseCopyable {
            /// Nothing: prerequisites and rules decide at each evaluation.
            case evaluated
            /// Switched off: the off variant, reason `disabled`.
            case disabled
            /// No rules and no prerequisites: the default variant, reason `static`.
            case `static`
        }

        package var key: Int32
        package var salt: Int32
        package var variantStart: Int32
        package var prerequisiteStart: Int32
        package var ruleStart: Int32
        package var variantCount: UInt16
        package var prerequisiteCount: UInt16
        package var ruleCount: UInt16
        package var defaultVariant: UInt16
        package var offVariant: UInt16
        package var type: FlagType
        package var fixed: Fixed

        package var isEnabled: Bool { fixed != .disabled }
        package var variants: Range<Int> { Int(variantStart)..<Int(variantStart) + Int(variantCount) }
        package var prerequisites: Range<Int> {
            Int(prerequisiteStart)..<Int(prerequisiteStart) + Int(prerequisiteCount)
        }
        package var rules: Range<Int> { Int(ruleStart)..<Int(ruleStart) + Int(ruleCount) }
    }

    /// A variant: 12 bytes (its value in two halves, so the record needs only 4-byte alignment).
    package struct VariantRecord: Sendable, Hashable, BitwiseCopyable {
        package var name: Int32
        private var rawLow: UInt32
        private var rawHigh: UInt32

        package init(name: Int32, raw: UInt64) {
            self.name = name
            rawLow = UInt32(truncatingIfNeeded: raw)
            rawHigh = UInt32(truncatingIfNeeded: raw >> 32)
        }

        /// Boolean 0/1, an integer's or number's bit pattern, a string index, or an object index.
        package var raw: UInt64 { UInt64(rawHigh) << 32 | UInt64(rawLow) }
    }

    package struct PrerequisiteRecord: Sendable, Hashable, BitwiseCopyable {
        package var flag: Int32
        package var variant: Int32
    }

    /// A rule: 24 bytes.
    package struct RuleRecord: Sendable, Hashable, BitwiseCopyable {
        package enum Kind: UInt8, Sendable, Hashable, BitwiseCopyable { case variant, split, progressive, hashedSplit }
        package var name: Int32  // -1: none
        package var condition: Int32  // -1: none
        /// The split entries' or ramp steps' range: `count` from `start`.
        package var start: Int32
        /// The bucketing attribute.
        package var bucketBy: UInt16
        /// The fixed variant, or the ramped variant.
        package var variant: UInt16
        /// The ramp's other variant.
        package var others: UInt16
        package var count: UInt16
        package var kind: Kind

        package var entries: Range<Int> { Int(start)..<Int(start) + Int(count) }
    }

    package struct SplitRecord: Sendable, Hashable, BitwiseCopyable {
        package var variant: Int32
        package var threshold: Int32
    }

    package struct StepRecord: Sendable, Hashable, BitwiseCopyable {
        /// Unix seconds, fractional.
        package var startsAt: Double
        package var threshold: Int32
    }

    package struct NodeRecord: Sendable, Hashable, BitwiseCopyable {
        package enum Kind: UInt8, Sendable, Hashable, BitwiseCopyable { case all, any, not, segment, predicate }
        package var kind: Kind
        package var code: OperatorCode
        package var ignoreCase: Bool
        /// The literal kind (eq/ne) or the semver comparison.
        package var detail: UInt8
        /// One past the last node of this subtree.
        package var end: Int32
        /// The attribute (predicates) or segment (segment references).
        package var index: Int32
        /// By operator: a string index, a boolean, or an index into `literalSets`, `regexes`,
        /// `versions`, `cidrLists` or (numeric operands) `nodeNumbers`. Sixteen bytes per node.
        package var operand: Int32
    }

    package struct SegmentRecord: Sendable, Hashable, BitwiseCopyable {
        package var name: Int32
        package var included: SetRecord
        package var excluded: SetRecord
        package var condition: Int32  // -1: none
    }

    /// A range of a pool: `count` entries from `start`.
    package struct PoolRange: Sendable, Hashable, BitwiseCopyable {
        package var start: Int32
        package var count: Int32
    }

    /// A set of strings: a range of `setMembers`, string indices in increasing order. The string
    /// table is sorted by bytes, so the members are too, and membership is a binary search.
    package typealias SetRecord = PoolRange

    /// The operand of `in`/`notIn`: strings (lower-cased when the predicate ignores case), numbers
    /// and booleans (bit 0: false, bit 1: true). `numbers` from `numberStart` holds first the
    /// `numberCount` number literals, then the `numericStringCount` numbers of numeric string
    /// literals, each part increasing: a string attribute is compared with the first part only, a
    /// number attribute with both (two strings always compare as strings).
    package struct LiteralSetRecord: Sendable, Hashable, BitwiseCopyable {
        package var strings: SetRecord
        package var numberStart: Int32
        package var numberCount: Int32
        package var numericStringCount: Int32
        package var bools: UInt8
    }

    /// Every table, as plain buffer pointers: what an evaluator reads (no reference counting).
    ///
    /// Evaluators reach the view through a pointer (`tables.pointee.contains(…)`). A method called
    /// that way and not inlined makes the caller copy the whole view (27 buffers, 432 bytes) first,
    /// so the methods on the evaluation path are `@inline(__always)`.
    package struct View {
        /// Every string's UTF-8 bytes, back to back; string `i` is `stringStarts[i]..<stringStarts[i + 1]`.
        package let stringBytes: UnsafeBufferPointer<UInt8>
        package let stringStarts: UnsafeBufferPointer<UInt32>
        /// Per string, its slot in `texts`, or -1: the few strings handed out as `String` (variant
        /// names, string values, attribute names) are made once at load; the rest stay bytes.
        package let textSlots: UnsafeBufferPointer<Int32>
        package let texts: UnsafeBufferPointer<String>
        package let attributes: UnsafeBufferPointer<Int32>
        package let attributeNames: UnsafeBufferPointer<String>
        package let attributeKinds: UnsafeBufferPointer<AttributeKind>
        /// Per attribute, the `NameKey` of its name (how contexts find it).
        package let attributeKeys: UnsafeBufferPointer<NameKey>
        package let flags: UnsafeBufferPointer<FlagRecord>
        /// Per flag with a split or ramp, the bucketing hash state after its salt and "." (the
        /// empty state for other flags, which never bucket).
        package let saltPrefixes: UnsafeBufferPointer<Murmur3Hasher>
        package let variants: UnsafeBufferPointer<VariantRecord>
        package let prerequisites: UnsafeBufferPointer<PrerequisiteRecord>
        package let rules: UnsafeBufferPointer<RuleRecord>
        package let splits: UnsafeBufferPointer<SplitRecord>
        package let steps: UnsafeBufferPointer<StepRecord>
        package let nodes: UnsafeBufferPointer<NodeRecord>
        package let segments: UnsafeBufferPointer<SegmentRecord>
        package let setMembers: UnsafeBufferPointer<Int32>
        package let literalSets: UnsafeBufferPointer<LiteralSetRecord>
        package let numbers: UnsafeBufferPointer<Double>
        /// The numeric operands of predicates (eq, gt, before, …), by `NodeRecord.operand`.
        package let nodeNumbers: UnsafeBufferPointer<Double>
        package let regexes: UnsafeBufferPointer<RegexAutomaton>
        package let versions: UnsafeBufferPointer<SemanticVersion>
        package let ranges: UnsafeBufferPointer<CIDRRange>
        /// Each `inCIDR` operand's range of `ranges`, by `NodeRecord.operand`.
        package let cidrLists: UnsafeBufferPointer<PoolRange>
        package let objects: UnsafeBufferPointer<JSONValue>
        /// Open-addressing index of flags by key: a power-of-two table of flag indices (-1: empty),
        /// probed linearly from the key's `NameHash`.
        package let keySlots: UnsafeBufferPointer<Int32>

        package var stringCount: Int { stringStarts.count - 1 }

        /// The UTF-8 bytes of string `index`, in place.
        @inline(__always)
        package func bytes(_ index: Int32) -> UnsafeBufferPointer<UInt8> {
            let start = Int(stringStarts[Int(index)])
            let end = Int(stringStarts[Int(index) + 1])
            return UnsafeBufferPointer(rebasing: stringBytes[start..<end])
        }

        /// String `index` as a `String`: the one made at load when there is one, else made now.
        package func text(_ index: Int32) -> String {
            let slot = textSlots[Int(index)]
            return slot >= 0 ? texts[Int(slot)] : String(decoding: bytes(index), as: UTF8.self)
        }

        /// Whether `needle` is a member of `set`; with `foldNeedle`, the needle's ASCII letters are
        /// compared lower-cased (the members of a case-insensitive set are stored lower-cased).
        @inline(__always)
        package func contains(_ set: SetRecord, _ needle: UnsafeBufferPointer<UInt8>, foldNeedle: Bool) -> Bool {
            if set.count <= 8 {
                // Short sets (most `in` lists): a scan that skips members of another length unread.
                for position in Int(set.start)..<Int(set.start + set.count) {
                    let member = bytes(setMembers[position])
                    if member.count == needle.count, TextMatching.compare(needle, member, foldingLeft: foldNeedle) == 0
                    {
                        return true
                    }
                }
                return false
            }
            var low = Int(set.start)
            var high = Int(set.start + set.count)
            while low < high {
                let middle = (low + high) / 2
                let order = TextMatching.compare(needle, bytes(setMembers[middle]), foldingLeft: foldNeedle)
                if order == 0 { return true }
                if order > 0 { low = middle + 1 } else { high = middle }
            }
            return false
        }

        /// The index of the flag whose key is `key`, or nil.
        @inline(__always)
        package func flagIndex(forKey key: String) -> Int? {
            withUTF8(key) { needle in
                let mask = keySlots.count - 1
                var slot = Int(truncatingIfNeeded: NameHash.hash(needle)) & mask
                while true {
                    let flag = keySlots[slot]
                    if flag < 0 { return nil }
                    if TextMatching.equals(needle, bytes(flags[Int(flag)].key)) { return Int(flag) }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The tables, behind one pointer (so an evaluator copies 8 bytes, not the whole view); valid
    /// while this object is alive.
    package let viewPointer: UnsafePointer<View>

    /// The tables, read in place (no copy of the view).
    package var view: View {
        unsafeAddress { viewPointer }
    }

    /// A buffer holding a copy of `array`, owned by this object.
    private static func own<Element>(_ array: [Element]) -> UnsafeBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: array.count)
        _ = buffer.initialize(from: array)
        return UnsafeBufferPointer(buffer)
    }

    private static func release<Element>(_ buffer: UnsafeBufferPointer<Element>) {
        let mutable = UnsafeMutableBufferPointer(mutating: buffer)
        mutable.deinitialize()
        mutable.deallocate()
    }

    deinit {
        let view = viewPointer.pointee
        Self.release(view.stringBytes)
        Self.release(view.stringStarts)
        Self.release(view.textSlots)
        Self.release(view.texts)
        Self.release(view.attributes)
        Self.release(view.attributeNames)
        Self.release(view.attributeKinds)
        Self.release(view.attributeKeys)
        Self.release(view.flags)
        Self.release(view.saltPrefixes)
        Self.release(view.variants)
        Self.release(view.prerequisites)
        Self.release(view.rules)
        Self.release(view.splits)
        Self.release(view.steps)
        Self.release(view.nodes)
        Self.release(view.segments)
        Self.release(view.setMembers)
        Self.release(view.literalSets)
        Self.release(view.numbers)
        Self.release(view.nodeNumbers)
        Self.release(view.cidrLists)
        Self.release(view.regexes)
        Self.release(view.versions)
        Self.release(view.ranges)
        Self.release(view.objects)
        Self.release(view.keySlots)
        UnsafeMutablePointer(mutating: viewPointer).deallocate()
    }

    /// Decodes and validates a payload (see docs/bundle-format.md). Every count is bounded by the
    /// bytes that remain, every index is checked against what it refers to, prerequisites and
    /// segment references point backwards, nesting is capped: no input can crash, loop or
    /// allocate beyond its size. The payload declares each table's size up front, so every table
    /// is allocated once at its final size and written in place: nothing is grown or copied.
    package init(decoding payload: [UInt8]) throws(DecodingError) {
        // The decoder reads the payload through a pointer, valid only in this closure: what leaves
        // it is the view of the tables, which point only into buffers this object owns.
        let tables = try payload.withUnsafeBufferPointer { input throws(DecodingError) -> View in
            var decoder = TableDecoder(reader: ByteReader(input))
            defer { decoder.deallocateScratch() }
            let keySlots: UnsafeBufferPointer<Int32>
            do throws(DecodingError) {
                try decoder.decode()
                keySlots = try Self.keySlots(decoder.flags.filled, decoder.bytes)
            } catch {
                decoder.deallocate()
                throw error
            }
            return Self.view(of: decoder, keySlots: keySlots)
        }
        let view = UnsafeMutablePointer<View>.allocate(capacity: 1)
        view.initialize(to: tables)
        viewPointer = UnsafePointer(view)
    }

    /// The decoded tables as a view, with the tables derived from them (salt hash states, attribute
    /// names, kinds and keys); the decoder's buffers become this object's.
    private static func view(of decoder: TableDecoder, keySlots: UnsafeBufferPointer<Int32>) -> View {
        let flags = decoder.flags.filled
        let rules = decoder.rules.filled
        let saltPrefixes = UnsafeMutableBufferPointer<Murmur3Hasher>.allocate(capacity: flags.count)
        for (index, flag) in flags.enumerated() {
            var hasher = Murmur3Hasher(seed: 0)
            // Only splits and ramps bucket; other flags never read their salt's hash state.
            let buckets = rules[flag.rules].contains {
                $0.kind != .variant
            }
            if buckets {
                hasher.combine(buffer: decoder.bytes(flag.salt))
                hasher.combine(byte: UInt8(ascii: "."))
            }
            saltPrefixes.initializeElement(at: index, to: hasher)
        }
        let attributeNames = decoder.attributes.map { decoder.text($0) }
        return View(
            stringBytes: decoder.stringBytes.filled,
            stringStarts: decoder.stringStarts.filled,
            textSlots: decoder.textSlots.filled,
            texts: Self.own(decoder.texts),
            attributes: Self.own(decoder.attributes),
            attributeNames: Self.own(attributeNames),
            attributeKinds: Self.own(attributeNames.map(AttributeKind.init(name:))),
            attributeKeys: Self.own(decoder.attributes.map { NameKey(decoder.bytes($0)) }),
            flags: flags,
            saltPrefixes: UnsafeBufferPointer(saltPrefixes),
            variants: decoder.variants.filled,
            prerequisites: decoder.prerequisites.filled,
            rules: rules,
            splits: decoder.splits.filled,
            steps: decoder.steps.filled,
            nodes: decoder.nodes.filled,
            segments: decoder.segments.filled,
            setMembers: decoder.setMembers.filled,
            literalSets: decoder.literalSets.filled,
            numbers: decoder.numbers.filled,
            nodeNumbers: decoder.nodeNumbers.filled,
            regexes: Self.own(decoder.regexes),
            versions: Self.own(decoder.versions),
            ranges: Self.own(decoder.ranges),
            cidrLists: decoder.cidrLists.filled,
            objects: Self.own(decoder.objects),
            keySlots: keySlots
        )
    }

    /// Checks flag keys are unique and builds the key index (see `View.keySlots`).
    private static func keySlots(
        _ flags: UnsafeBufferPointer<FlagRecord>,
        _ bytes: (Int32) -> UnsafeBufferPointer<UInt8>
    ) throws(DecodingError) -> UnsafeBufferPointer<Int32> {
        var capacity = 2
        while capacity < 2 * flags.count { capacity *= 2 }
        let slots = UnsafeMutableBufferPointer<Int32>.allocate(capacity: capacity)
        slots.initialize(repeating: -1)
        let mask = capacity - 1
        for (index, flag) in flags.enumerated() {
            var slot = Int(truncatingIfNeeded: NameHash.hash(bytes(flag.key))) & mask
            while slots[slot] >= 0 {
                // Strings are unique in the table: the same key is the same string index.
                if flags[Int(slots[slot])].key == flag.key {
                    slots.deallocate()
                    throw DecodingError("duplicate flag key")
                }
                slot = (slot + 1) & mask
            }
            slots[slot] = Int32(index)
        }
        return UnsafeBufferPointer(slots)
    }

    /// The value of variant `index` (an absolute index into `variants`) of a flag of `type`.
    package func value(ofVariant index: Int, type: FlagType) -> FlagValue {
        let raw = view.variants[index].raw
        switch type {
        case .boolean: return .bool(raw != 0)
        case .string: return .string(view.text(Int32(truncatingIfNeeded: raw)))
        case .integer: return .integer(Int64(bitPattern: raw))
        case .number: return .number(Double(bitPattern: raw))
        case .object: return .object(view.objects[Int(raw)])
        }
    }
}

/// A table of plain records allocated once at the size the payload declares and filled in order.
/// Appending past the declared size is an error, and so is ending short of it (`checkFilled`).
private struct TableBuffer<Element: BitwiseCopyable> {
    let storage: UnsafeMutableBufferPointer<Element>
    private(set) var count = 0
    /// What the records are, for errors.
    let name: StaticString

    /// An empty table allocates nothing (so replacing a placeholder leaks nothing).
    init(_ name: StaticString, capacity: Int) {
        self.name = name
        storage = capacity > 0 ? .allocate(capacity: capacity) : UnsafeMutableBufferPointer(start: nil, count: 0)
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

    /// The records, once decoding is done (the buffer is then owned by `FlagTables`).
    var filled: UnsafeBufferPointer<Element> { UnsafeBufferPointer(rebasing: storage[..<count]) }

    func deallocate() { storage.deallocate() }  // a no-op for an empty table
}

/// The single decoder of the payload format.
private struct TableDecoder {
    /// The payload, read in place: valid only while `FlagTables.init` decodes.
    var reader: ByteReader<UnsafeBufferPointer<UInt8>>
    // The tables of plain records, allocated at their declared sizes by `readTableSizes`.
    var stringBytes = TableBuffer<UInt8>("string bytes", capacity: 0)
    var stringStarts = TableBuffer<UInt32>("strings", capacity: 0)
    var textSlots = TableBuffer<Int32>("strings", capacity: 0)
    var flags = TableBuffer<FlagTables.FlagRecord>("flags", capacity: 0)
    var variants = TableBuffer<FlagTables.VariantRecord>("variants", capacity: 0)
    var prerequisites = TableBuffer<FlagTables.PrerequisiteRecord>("prerequisites", capacity: 0)
    var rules = TableBuffer<FlagTables.RuleRecord>("rules", capacity: 0)
    var splits = TableBuffer<FlagTables.SplitRecord>("split entries", capacity: 0)
    var steps = TableBuffer<FlagTables.StepRecord>("ramp steps", capacity: 0)
    var nodes = TableBuffer<FlagTables.NodeRecord>("condition nodes", capacity: 0)
    var segments = TableBuffer<FlagTables.SegmentRecord>("segments", capacity: 0)
    var setMembers = TableBuffer<Int32>("set members", capacity: 0)
    var literalSets = TableBuffer<FlagTables.LiteralSetRecord>("in-lists", capacity: 0)
    var numbers = TableBuffer<Double>("in-list numbers", capacity: 0)
    // At most one per node: allocated at the node count, only what is written is touched.
    var nodeNumbers = TableBuffer<Double>("numeric operands", capacity: 0)
    var cidrLists = TableBuffer<FlagTables.PoolRange>("CIDR lists", capacity: 0)
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
    /// The worst-case number of condition nodes one evaluation of each flag or segment visits,
    /// prerequisites and segment references expanded (they are evaluated again at each use).
    /// (Scratch tables, freed when decoding ends.)
    var flagCosts = TableBuffer<Int>("flags", capacity: 0)
    var segmentCosts = TableBuffer<Int>("segments", capacity: 0)
    /// Nodes visited by the condition being read.
    var conditionCost = 0

    var stringCount: Int { stringStarts.count - 1 }

    /// Frees the tables only decoding uses, whatever its outcome.
    func deallocateScratch() {
        flagCosts.deallocate()
        segmentCosts.deallocate()
    }

    /// Frees every table buffer (after a decoding error; on success `FlagTables` owns them).
    func deallocate() {
        stringBytes.deallocate()
        stringStarts.deallocate()
        textSlots.deallocate()
        flags.deallocate()
        variants.deallocate()
        prerequisites.deallocate()
        rules.deallocate()
        splits.deallocate()
        steps.deallocate()
        nodes.deallocate()
        segments.deallocate()
        setMembers.deallocate()
        literalSets.deallocate()
        numbers.deallocate()
        nodeNumbers.deallocate()
        cidrLists.deallocate()
    }

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
        segments = TableBuffer("segments", capacity: segmentCount)
        segmentCosts = TableBuffer("segments", capacity: segmentCount)
        for _ in 0..<segmentCount { try readSegment() }

        let flagCount = try reader.readCount(maximum: 1 << 20, minimumElementSize: 8)
        flags = TableBuffer("flags", capacity: flagCount)
        flagCosts = TableBuffer("flags", capacity: flagCount)
        for _ in 0..<flagCount { try readFlag() }
        guard reader.isAtEnd else { throw DecodingError("trailing bytes after the flags") }
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
        stringBytes = TableBuffer("string bytes", capacity: stringByteCount)
        variants = TableBuffer("variants", capacity: try declared(2))
        prerequisites = TableBuffer("prerequisites", capacity: try declared(2))
        rules = TableBuffer("rules", capacity: try declared(3))
        splits = TableBuffer("split entries", capacity: try declared(2))
        steps = TableBuffer("ramp steps", capacity: try declared(2))
        nodes = TableBuffer("condition nodes", capacity: try declared(2))
        nodeNumbers = TableBuffer("numeric operands", capacity: 2 * nodes.storage.count)  // `rollout` takes two
        cidrLists = TableBuffer("CIDR lists", capacity: nodes.storage.count)
        setMembers = TableBuffer("set members", capacity: try declared(1))
        literalSets = TableBuffer("in-lists", capacity: try declared(5))
        numbers = TableBuffer("in-list numbers", capacity: try declared(1))
    }

    /// The front-coded string table: each entry shares a prefix with the one before it and is
    /// greater than it in byte order (so the table is sorted and unique, which sets rely on).
    mutating func readStringTable() throws(DecodingError) {
        let stringCount = try reader.readCount(maximum: 1 << 24, minimumElementSize: 2)
        stringStarts = TableBuffer("strings", capacity: stringCount + 1)
        try stringStarts.append(0)
        textSlots = TableBuffer("strings", capacity: stringCount)
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
