/// A regular expression compiled at build time into a deterministic finite automaton over UTF-8 bytes: the form of
/// a ``RegexAutomaton`` for patterns whose DFA is small.
///
/// The compiler (`RegexCompiler` in FlagCompiler) parses an RE2 pattern, builds a byte-level NFA and turns it into
/// this table; the runtime only runs it. ``matches(_:)`` does one table lookup per input byte, never backtracks and
/// never allocates, so its time is linear in the input whatever the pattern.
///
/// ## Layout
///
/// - The 256 byte values are mapped to `classCount` *byte classes*: bytes no transition tells apart share a
///   class, so a row of the table has one entry per class instead of one per byte.
/// - `transitions[state * classCount + class]` is the next state.
/// - State 0 is the *dead* state (no match is possible any more) and state 1 the *match* state (a match has been
///   seen); both loop to themselves, so the matcher stops as soon as it reaches either.
/// - `acceptsAtEnd[state]` says whether the text matches when it ends in `state`. Assertions that look at the next
///   byte (`$`, `\z`, `\b`, `\B`) are decided on the transition that reads that byte, or by this set at the end of
///   the text; assertions that look at the previous byte (`^`, `\A`, `\b`) are folded into the states.
///
/// Values are only made by the compiler or by ``init(decoding:)``, and both check every invariant above, so the
/// matcher can index the tables without further checks.
package struct RegexDFATable: Sendable, Hashable {
    /// The state from which no match is reachable any more; loops to itself on every byte.
    package static let deadState: UInt16 = 0
    /// The state entered once a match has been seen; loops to itself on every byte and accepts at the end.
    package static let matchState: UInt16 = 1
    /// The most states an automaton may have: state numbers are stored in 16 bits.
    package static let maximumStateCount = Int(UInt16.max)

    /// How many states the automaton has, ``deadState`` and ``matchState`` included.
    package let stateCount: Int
    /// How many byte classes the 256 byte values are partitioned into (1...256).
    package let classCount: Int
    /// The state before the first byte of the text.
    package let startState: UInt16
    /// The class of each byte value; 256 entries, each below ``classCount``.
    package let byteClasses: [UInt8]
    /// The next state for each state and class, row by row: `stateCount * classCount` entries (computed from the
    /// stored row offsets; for encoding and inspection, not for matching).
    package var transitions: [UInt16] { rowOffsets.map { UInt16($0 / UInt32(classCount)) } }
    /// Whether the text matches when it ends in each state; `stateCount` entries.
    package let acceptsAtEnd: [Bool]
    /// The transition table as stored: every target state pre-multiplied by `classCount` (the offset of its row),
    /// so the matcher's per-byte dependency chain is one add and one load.
    private let rowOffsets: [UInt32]

    /// The bytes the table occupies in memory: the row offsets (4 bytes per state and class), the byte class map
    /// and the acceptance flags. What ``RegexAutomaton/loadedByteCount`` counts against the bundle's bound.
    package var loadedByteCount: Int { Self.loadedByteCount(stateCount: stateCount, classCount: classCount) }

    /// The memory a table of `stateCount` states and `classCount` classes occupies (see ``loadedByteCount``).
    package static func loadedByteCount(stateCount: Int, classCount: Int) -> Int {
        stateCount * classCount * MemoryLayout<UInt32>.stride + stateCount + 256
    }

    /// An automaton from its tables, checked the same way as ``init(decoding:)``.
    ///
    /// - Throws: `DecodingError` naming the first broken invariant (a table of the wrong size, a state or class out
    ///   of range, a dead or match state that does not behave as one).
    package init(
        startState: UInt16,
        byteClasses: [UInt8],
        classCount: Int,
        transitions: [UInt16],
        acceptsAtEnd: [Bool]
    ) throws(DecodingError) {
        let stateCount = acceptsAtEnd.count
        guard (2...Self.maximumStateCount).contains(stateCount) else {
            throw DecodingError("regex automaton has \(stateCount) states; expected 2 to \(Self.maximumStateCount)")
        }
        guard (1...256).contains(classCount) else {
            throw DecodingError("regex automaton has \(classCount) byte classes; expected 1 to 256")
        }
        guard byteClasses.count == 256 else { throw DecodingError("regex byte class map needs 256 entries") }
        guard transitions.count == stateCount * classCount else {
            throw DecodingError("regex transition table has the wrong size")
        }
        guard Int(startState) < stateCount else { throw DecodingError("regex start state out of range") }
        for byteClass in byteClasses where Int(byteClass) >= classCount {
            throw DecodingError("regex byte class \(byteClass) out of range")
        }
        for target in transitions where Int(target) >= stateCount {
            throw DecodingError("regex transition to state \(target) out of range")
        }
        try self.init(
            checking: startState,
            byteClasses: byteClasses,
            classCount: classCount,
            rowOffsets: transitions.map { UInt32($0) &* UInt32(classCount) },
            acceptsAtEnd: acceptsAtEnd
        )
    }

    /// An automaton from tables whose sizes, classes and targets are already checked: checks the dead and match
    /// states.
    private init(
        checking startState: UInt16,
        byteClasses: [UInt8],
        classCount: Int,
        rowOffsets: [UInt32],
        acceptsAtEnd: [Bool]
    ) throws(DecodingError) {
        let matchRow = UInt32(classCount)
        for byteClass in 0..<classCount {
            guard rowOffsets[Int(Self.deadState) * classCount + byteClass] == 0,
                rowOffsets[Int(Self.matchState) * classCount + byteClass] == matchRow
            else { throw DecodingError("regex dead or match state does not loop to itself") }
        }
        guard !acceptsAtEnd[Int(Self.deadState)], acceptsAtEnd[Int(Self.matchState)] else {
            throw DecodingError("regex dead state accepts or match state does not")
        }
        self.stateCount = acceptsAtEnd.count
        self.classCount = classCount
        self.startState = startState
        self.byteClasses = byteClasses
        self.acceptsAtEnd = acceptsAtEnd
        self.rowOffsets = rowOffsets
    }

    /// Whether the pattern matches anywhere in `text` (RE2 search semantics: `^` and `\A` anchor to the start of
    /// the text, `$` and `\z` to its end, and with `(?m)` `^`/`$` also match at line boundaries).
    ///
    /// Runs in time linear in `text.utf8.count` — one table lookup per byte, stopping early once the answer is
    /// known — and never allocates.
    package func matches(_ text: String) -> Bool {
        let result = text.utf8.withContiguousStorageIfAvailable { bytes in matches(utf8: bytes) }
        if let result { return result }
        // Strings without contiguous UTF-8 storage (bridged ones); not expected on Linux.
        let matchRow = UInt32(classCount)
        var row = UInt32(startState) &* matchRow
        if row <= matchRow { return row == matchRow }
        for byte in text.utf8 {
            row = rowOffsets[Int(row &+ UInt32(byteClasses[Int(byte)]))]
            if row <= matchRow { return row == matchRow }
        }
        return acceptsAtEnd[Int(row / matchRow)]
    }

    /// Whether the pattern matches anywhere in `bytes`, which must be valid UTF-8 for the result to follow the
    /// pattern's meaning (any bytes are safe to run). Linear time, no allocation.
    package func matches(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        byteClasses.withUnsafeBufferPointer { classes in
            rowOffsets.withUnsafeBufferPointer { table in
                run(bytes, classes: classes, table: table)
            }
        }
    }

    /// The inner loop, over row offsets (state × classCount). The invariants checked at construction (every class
    /// below `classCount`, every target below `stateCount`, 256 class entries) keep every index in bounds.
    @inline(__always)
    private func run(
        _ bytes: UnsafeBufferPointer<UInt8>,
        classes: UnsafeBufferPointer<UInt8>,
        table: UnsafeBufferPointer<UInt32>
    ) -> Bool {
        let matchRow = UInt32(classCount)  // the row of state 1; the dead state's row is 0
        var row = UInt32(startState) &* matchRow
        if row <= matchRow { return row == matchRow }
        for byte in bytes {
            row = table[Int(row &+ UInt32(classes[Int(byte)]))]
            if row <= matchRow { return row == matchRow }
        }
        return acceptsAtEnd[Int(row / matchRow)]
    }
}

// MARK: - Binary encoding

extension RegexDFATable {
    /// Reads an automaton written by ``encode(into:)``, checking everything before trusting it.
    ///
    /// Every count is checked against the bytes that remain before anything is allocated for it, every state and
    /// class index is range-checked, and the dead and match states must behave as such; so hostile input can
    /// neither crash the reader nor make it allocate more than a small multiple of the input's size. An automaton
    /// that passes can run on any text without trapping.
    ///
    /// - Parameter memoryBudget: the bytes the bundle's automata may still occupy; the table's
    ///   ``loadedByteCount`` is taken from it, from the sizes in the header, before anything is allocated.
    /// - Throws: `DecodingError` naming the first problem (`truncated` when the input ends early, `memoryBudget`
    ///   exhausted as ``DecodingError/regexMemoryExceeded(limit:)`` with `memoryLimit`).
    package init(
        decoding reader: inout ByteReader<some RandomAccessCollection<UInt8>>,
        memoryBudget: inout Int,
        memoryLimit: Int
    ) throws(DecodingError) {
        let stateCount = try reader.readCount(maximum: Self.maximumStateCount)
        guard stateCount >= 2 else { throw DecodingError("regex automaton needs at least 2 states") }
        let classCount = try reader.readCount(maximum: 256)
        guard classCount >= 1 else { throw DecodingError("regex automaton needs at least 1 byte class") }
        let startState = try reader.readVarUInt()
        guard startState < UInt64(stateCount) else { throw DecodingError("regex start state out of range") }
        memoryBudget -= Self.loadedByteCount(stateCount: stateCount, classCount: classCount)
        guard memoryBudget >= 0 else { throw .regexMemoryExceeded(limit: memoryLimit) }

        let runCount = try reader.readCount(maximum: 256, minimumElementSize: 2)
        var byteClasses: [UInt8] = []
        byteClasses.reserveCapacity(256)
        for _ in 0..<runCount {
            let byteClass = try reader.readUInt8()
            let length = Int(try reader.readUInt8()) + 1
            guard Int(byteClass) < classCount else { throw DecodingError("regex byte class \(byteClass) out of range") }
            guard byteClasses.count + length <= 256 else { throw DecodingError("regex byte class map too long") }
            byteClasses.append(contentsOf: repeatElement(byteClass, count: length))
        }
        guard byteClasses.count == 256 else { throw DecodingError("regex byte class map does not cover all bytes") }

        let entryCount = stateCount * classCount  // at most 65535 × 256: no overflow
        let entryWidth = stateCount <= 256 ? 1 : 2
        guard entryCount * entryWidth <= reader.remaining else { throw .truncated }
        let rowLength = UInt32(classCount)
        var rowOffsets: [UInt32] = []
        rowOffsets.reserveCapacity(entryCount)
        for _ in 0..<entryCount {
            let target = entryWidth == 1 ? UInt16(try reader.readUInt8()) : try reader.readUInt16()
            guard Int(target) < stateCount else {
                throw DecodingError("regex transition to state \(target) out of range")
            }
            rowOffsets.append(UInt32(target) &* rowLength)
        }

        let bitmapLength = (stateCount + 7) / 8
        let bitmap = try reader.readBytes(bitmapLength)
        var acceptsAtEnd: [Bool] = []
        acceptsAtEnd.reserveCapacity(stateCount)
        for state in 0..<stateCount {
            acceptsAtEnd.append(bitmap[bitmap.startIndex + state / 8] & (1 << UInt8(state % 8)) != 0)
        }
        if stateCount % 8 != 0, bitmap[bitmap.endIndex - 1] >> UInt8(stateCount % 8) != 0 {
            throw DecodingError("regex acceptance bitmap has bits set past the last state")
        }

        try self.init(
            checking: UInt16(startState),
            byteClasses: byteClasses,
            classCount: classCount,
            rowOffsets: rowOffsets,
            acceptsAtEnd: acceptsAtEnd
        )
    }
}
