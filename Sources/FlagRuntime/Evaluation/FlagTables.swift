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
/// The tables live in buffers of one arena (`TableArena`), allocated once while decoding and freed
/// together on release; they are never written after `init`, which makes sharing them between threads safe. A buffer is valid only
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
            guard let base = stringBytes.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
            return UnsafeBufferPointer(start: base + start, count: end - start)
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
            withUnsafePointer(to: self) { Self.contains($0, set, needle, foldNeedle: foldNeedle) }
        }

        /// ``contains(_:_:foldNeedle:)`` through a pointer to the view: what the evaluator calls, so that
        /// when the call is not inlined the 400-byte view is not copied for it.
        package static func contains(
            _ view: UnsafePointer<View>,
            _ set: SetRecord,
            _ needle: UnsafeBufferPointer<UInt8>,
            foldNeedle: Bool
        ) -> Bool {
            let setMembers = view.pointee.setMembers
            func bytes(_ index: Int32) -> UnsafeBufferPointer<UInt8> { view.pointee.bytes(index) }
            if set.count <= 8 {
                // Short sets (most `in` lists): a scan that skips members of another length unread,
                // comparing up to 16 bytes as two words.
                if !foldNeedle && needle.count <= 16 {
                    let key = NameKey(needle)
                    for position in Int(set.start)..<Int(set.start + set.count) {
                        let member = bytes(setMembers[position])
                        if member.count == needle.count, NameKey(member) == key { return true }
                    }
                    return false
                }
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
    /// The guarded flags and their circuit breakers' settings, by increasing flag index.
    package let guards: [(flag: Int, settings: CircuitGuard)]

    /// The tables, read in place (no copy of the view).
    package var view: View {
        unsafeAddress { viewPointer }
    }

    /// Every buffer the view points into: freed together when this object is released.
    private let arena: TableArena

    /// A specialized bundle's assumed attribute values (empty for others); see `FlagBundle.contradiction`.
    package let assumptions: [Assumption]

    /// One `assume:` of the target: a named attribute (an index into the attribute table) and its value.
    package struct Assumption: Sendable, Hashable {
        package var attribute: Int
        package var value: AttributeValue
    }

    deinit {
        arena.release()
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
        var guards: [(flag: Int, settings: CircuitGuard)] = []
        let (tables, arena, assumptions) = try payload.withUnsafeBufferPointer {
            input throws(DecodingError) -> (View, TableArena, [Assumption]) in
            var decoder = TableDecoder(reader: ByteReader(input))
            defer { decoder.scratch.release() }
            let keySlots: UnsafeBufferPointer<Int32>
            do throws(DecodingError) {
                try decoder.decode()
                keySlots = try Self.keySlots(decoder.flags.filled, decoder.bytes, in: &decoder.arena)
            } catch {
                decoder.arena.release()
                throw error
            }
            guards = decoder.guards
            let view = Self.view(of: &decoder, keySlots: keySlots)
            return (view, decoder.arena, decoder.assumptions)
        }
        let view = UnsafeMutablePointer<View>.allocate(capacity: 1)
        view.initialize(to: tables)
        viewPointer = UnsafePointer(view)
        self.arena = arena
        self.assumptions = assumptions
        self.guards = guards
    }

    /// The decoded tables as a view, with the tables derived from them (salt hash states, attribute
    /// names, kinds and keys), allocated in the decoder's arena, which becomes this object's.
    private static func view(of decoder: inout TableDecoder, keySlots: UnsafeBufferPointer<Int32>) -> View {
        let flags = decoder.flags.filled
        let rules = decoder.rules.filled
        let saltPrefixes = decoder.arena.allocate(Murmur3Hasher.self, capacity: flags.count)
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
        let attributeKeys = decoder.attributes.map { NameKey(decoder.bytes($0)) }
        return View(
            stringBytes: decoder.stringBytes.filled,
            stringStarts: decoder.stringStarts.filled,
            textSlots: decoder.textSlots.filled,
            texts: decoder.arena.copy(decoder.texts),
            attributes: decoder.arena.copy(decoder.attributes),
            attributeNames: decoder.arena.copy(attributeNames),
            attributeKinds: decoder.arena.copy(attributeNames.map(AttributeKind.init(name:))),
            attributeKeys: decoder.arena.copy(attributeKeys),
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
            regexes: decoder.arena.copy(decoder.regexes),
            versions: decoder.arena.copy(decoder.versions),
            ranges: decoder.arena.copy(decoder.ranges),
            cidrLists: decoder.cidrLists.filled,
            objects: decoder.arena.copy(decoder.objects),
            keySlots: keySlots
        )
    }

    /// Checks flag keys are unique and builds the key index (see `View.keySlots`).
    private static func keySlots(
        _ flags: UnsafeBufferPointer<FlagRecord>,
        _ bytes: (Int32) -> UnsafeBufferPointer<UInt8>,
        in arena: inout TableArena
    ) throws(DecodingError) -> UnsafeBufferPointer<Int32> {
        var capacity = 2
        while capacity < 2 * flags.count { capacity *= 2 }
        let slots = arena.allocate(Int32.self, capacity: capacity)
        slots.initialize(repeating: -1)
        let mask = capacity - 1
        for (index, flag) in flags.enumerated() {
            var slot = Int(truncatingIfNeeded: NameHash.hash(bytes(flag.key))) & mask
            while slots[slot] >= 0 {
                // Strings are unique in the table: the same key is the same string index.
                if flags[Int(slots[slot])].key == flag.key {
                    throw DecodingError("duplicate flag key")  // the arena frees `slots`
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
