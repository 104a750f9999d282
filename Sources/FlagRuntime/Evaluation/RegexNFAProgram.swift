/// A regular expression compiled at build time into a Thompson NFA over UTF-8 bytes, run by simulation: the form of
/// a ``RegexAutomaton`` for patterns whose DFA would be large (`a.{20}` searched anywhere needs 2^20 DFA states,
/// and its program 30 instructions).
///
/// ``matches(_:)`` keeps the set of instructions the pattern can be at after each byte (a Thompson / Pike VM
/// simulation without captures: `matches` only asks whether there is a match anywhere), so its time is
/// O(text length × instruction count) whatever the pattern, with no backtracking. It never allocates: its scratch
/// (6 bytes per instruction) lives on the caller's stack, one per call, so concurrent evaluations share nothing.
///
/// ## Program
///
/// Instructions are numbered from 0 and name their successors by number:
///
/// - `byteRange(low, high, next)`: reads one byte in `low...high` and goes on at `next`;
/// - `split(next, alternative)`: goes on at both, without reading;
/// - `assertion(kind, next)`: goes on at `next`, without reading, when the assertion holds between the previous and
///   the next byte (`^`, `$`, `\A`, `\z`, `\b`, `\B`, with `(?m)` forms);
/// - `match`: the pattern has matched.
///
/// A pattern searched anywhere starts with a loop over any byte (as an RE2 program's unanchored prefix), so a match
/// may start at every position. Values are only made by the compiler or by ``init(decoding:memoryBudget:memoryLimit:)``,
/// and both check that every successor is an instruction, so the simulation can index the program without further
/// checks.
package struct RegexNFAProgram: Sendable, Hashable {
    /// What an instruction does.
    package enum Operation: UInt8, Sendable, BitwiseCopyable {
        case byteRange = 0
        case split = 1
        case assertion = 2
        case match = 3
    }

    /// A zero-width condition on the bytes around the current position. Words are ASCII `[0-9A-Za-z_]`, as in RE2.
    package enum Assertion: UInt8, Sendable, BitwiseCopyable {
        /// `\A`, and `^` without `(?m)`.
        case startOfText = 0
        /// `^` with `(?m)`: at the start of the text or after `\n`.
        case startOfLine = 1
        /// `\z`, and `$` without `(?m)`.
        case endOfText = 2
        /// `$` with `(?m)`: at the end of the text or before `\n`.
        case endOfLine = 3
        /// `\b`: between a word byte and a non-word byte (or an end of the text).
        case wordBoundary = 4
        /// `\B`.
        case notWordBoundary = 5
    }

    /// One instruction: 8 bytes.
    package struct Instruction: Sendable, Hashable, BitwiseCopyable {
        package var operation: Operation
        /// The byte range of `byteRange` (0 elsewhere).
        package var low: UInt8
        package var high: UInt8
        /// The assertion of `assertion` (`startOfText` elsewhere).
        package var assertion: Assertion
        /// The successor (`byteRange`, `split`, `assertion`; 0 for `match`).
        package var next: UInt16
        /// The second successor of `split` (0 elsewhere).
        package var alternative: UInt16

        package static func byteRange(_ low: UInt8, _ high: UInt8, next: UInt16) -> Self {
            Self(operation: .byteRange, low: low, high: high, assertion: .startOfText, next: next, alternative: 0)
        }

        package static func split(_ next: UInt16, _ alternative: UInt16) -> Self {
            Self(operation: .split, low: 0, high: 0, assertion: .startOfText, next: next, alternative: alternative)
        }

        package static func assertion(_ assertion: Assertion, next: UInt16) -> Self {
            Self(operation: .assertion, low: 0, high: 0, assertion: assertion, next: next, alternative: 0)
        }

        package static let match = Self(
            operation: .match,
            low: 0,
            high: 0,
            assertion: .startOfText,
            next: 0,
            alternative: 0
        )
    }

    /// The most instructions a program may have (the size bound of a pattern): instruction numbers are 16-bit, and
    /// the simulation's scratch, 6 bytes per instruction, stays on the stack (at most 384 KiB).
    package static let maximumInstructionCount = Int(UInt16.max)

    /// The instructions; at most ``maximumInstructionCount``.
    package let instructions: [Instruction]
    /// Where the simulation starts.
    package let start: UInt16

    /// A program from its instructions, checked the same way as ``init(decoding:memoryBudget:memoryLimit:)``.
    ///
    /// - Throws: `DecodingError` naming the first broken invariant (no instructions or too many, a successor or the
    ///   start out of range, an empty byte range).
    package init(instructions: [Instruction], start: UInt16) throws(DecodingError) {
        guard (1...Self.maximumInstructionCount).contains(instructions.count) else {
            throw DecodingError(
                "regex program has \(instructions.count) instructions; expected 1 to \(Self.maximumInstructionCount)"
            )
        }
        guard Int(start) < instructions.count else { throw DecodingError("regex program start out of range") }
        for instruction in instructions {
            switch instruction.operation {
            case .byteRange:
                guard instruction.low <= instruction.high else { throw DecodingError("regex program byte range empty") }
            case .split, .assertion, .match:
                break
            }
            guard Int(instruction.next) < instructions.count, Int(instruction.alternative) < instructions.count else {
                throw DecodingError("regex program refers to an instruction out of range")
            }
        }
        self.instructions = instructions
        self.start = start
    }

    /// The bytes the program occupies in memory (8 per instruction). What ``RegexAutomaton/loadedByteCount`` counts
    /// against the bundle's bound.
    package var loadedByteCount: Int { Self.loadedByteCount(instructionCount: instructions.count) }

    /// The memory a program of `instructionCount` instructions occupies (see ``loadedByteCount``).
    package static func loadedByteCount(instructionCount: Int) -> Int {
        instructionCount * MemoryLayout<Instruction>.stride
    }

    // MARK: Matching

    /// Whether the pattern matches anywhere in `text` (RE2 search semantics, as ``RegexDFATable/matches(_:)``).
    ///
    /// Time O(`text.utf8.count` × instruction count), stopping as soon as the answer is known; never allocates.
    package func matches(_ text: String) -> Bool {
        let result = text.utf8.withContiguousStorageIfAvailable { bytes in matches(utf8: bytes) }
        if let result { return result }
        // Strings without contiguous UTF-8 storage (bridged ones); not expected on Linux.
        return instructions.withUnsafeBufferPointer { program in
            Self.withScratch(instructionCount: program.count) { scratch in
                Self.run(program, start: start, text: text.utf8.makeIterator(), scratch: scratch)
            }
        }
    }

    /// Whether the pattern matches anywhere in `bytes`, which must be valid UTF-8 for the result to follow the
    /// pattern's meaning (any bytes are safe to run). Linear in the input, no allocation.
    package func matches(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        instructions.withUnsafeBufferPointer { program in
            Self.withScratch(instructionCount: program.count) { scratch in
                Self.run(program, start: start, text: bytes.makeIterator(), scratch: scratch)
            }
        }
    }

    /// The simulation. `scratch` holds 3 × `program.count` 16-bit slots: the marks (which instructions were reached
    /// at the current position, by position stamp; zero at first), the list of byte-range instructions that are
    /// alive before the current byte, and the list being built for after it. While a list is built, the
    /// instructions still to expand are stacked at the far end of its slots: each instruction is marked once per
    /// position, so the list and the stack together never hold more than `program.count` entries.
    @inline(__always)
    private static func run<Bytes: IteratorProtocol<UInt8>>(
        _ program: UnsafeBufferPointer<Instruction>,
        start: UInt16,
        text: Bytes,
        scratch: UnsafeMutablePointer<UInt16>
    ) -> Bool {
        let count = program.count
        let marks = scratch
        var current = scratch + count
        var following = scratch + 2 * count
        var text = text
        var stamp: UInt16 = 1
        var upcoming = text.next()
        var currentCount = 0
        if expand(
            start,
            program,
            marks: marks,
            stamp: stamp,
            into: current,
            count: &currentCount,
            capacity: count,
            previous: -1,
            next: upcoming.map(Int.init) ?? -1
        ) {
            return true
        }
        while let byte = upcoming, currentCount > 0 {
            upcoming = text.next()
            let next = upcoming.map(Int.init) ?? -1
            if stamp == UInt16.max {
                marks.update(repeating: 0, count: count)
                stamp = 0
            }
            stamp &+= 1
            var followingCount = 0
            for slot in 0..<currentCount {
                let instruction = program[Int(current[slot])]
                guard instruction.low <= byte, byte <= instruction.high else { continue }
                if expand(
                    instruction.next,
                    program,
                    marks: marks,
                    stamp: stamp,
                    into: following,
                    count: &followingCount,
                    capacity: count,
                    previous: Int(byte),
                    next: next
                ) {
                    return true
                }
            }
            swap(&current, &following)
            currentCount = followingCount
        }
        return false
    }

    /// Adds the byte-range instructions reachable from `state` without reading to `list`, following splits and the
    /// assertions that hold between `previous` and `next` (bytes, or -1 for an end of the text); returns true as
    /// soon as `match` is reachable. Instructions already marked with `stamp` are skipped.
    @inline(__always)
    private static func expand(
        _ state: UInt16,
        _ program: UnsafeBufferPointer<Instruction>,
        marks: UnsafeMutablePointer<UInt16>,
        stamp: UInt16,
        into list: UnsafeMutablePointer<UInt16>,
        count listCount: inout Int,
        capacity: Int,
        previous: Int,
        next: Int
    ) -> Bool {
        if marks[Int(state)] == stamp { return false }
        marks[Int(state)] = stamp
        var top = capacity - 1
        list[top] = state
        while top < capacity {
            let instruction = program[Int(list[top])]
            let current = list[top]
            top += 1
            switch instruction.operation {
            case .byteRange:
                list[listCount] = current
                listCount += 1
            case .match:
                return true
            case .split:
                if marks[Int(instruction.alternative)] != stamp {
                    marks[Int(instruction.alternative)] = stamp
                    top -= 1
                    list[top] = instruction.alternative
                }
                if marks[Int(instruction.next)] != stamp {
                    marks[Int(instruction.next)] = stamp
                    top -= 1
                    list[top] = instruction.next
                }
            case .assertion:
                if holds(instruction.assertion, previous: previous, next: next), marks[Int(instruction.next)] != stamp {
                    marks[Int(instruction.next)] = stamp
                    top -= 1
                    list[top] = instruction.next
                }
            }
        }
        return false
    }

    @inline(__always)
    private static func holds(_ assertion: Assertion, previous: Int, next: Int) -> Bool {
        switch assertion {
        case .startOfText: previous < 0
        case .startOfLine: previous < 0 || previous == 0x0A
        case .endOfText: next < 0
        case .endOfLine: next < 0 || next == 0x0A
        case .wordBoundary: isWord(previous) != isWord(next)
        case .notWordBoundary: isWord(previous) == isWord(next)
        }
    }

    /// Whether `byte` (or -1, an end of the text) is an ASCII word byte.
    @inline(__always)
    private static func isWord(_ byte: Int) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x5F, 0x61...0x7A: true
        default: false
        }
    }
}

// MARK: - Scratch

extension RegexNFAProgram {
    /// The most slots taken from the stack: 8 KiB, so that matching is safe on threads with small stacks
    /// (Dispatch's worker threads have 512 KiB, and a debug build reserves every local of a function at once).
    static let maximumStackSlots = 4_096

    /// Runs `body` with 3 × `instructionCount` zeroed 16-bit slots.
    ///
    /// Programs of up to ``maximumStackSlots`` / 3 instructions (1,365: every pattern the benchmark and typical
    /// targeting use) get the slots on the stack, from a local `InlineArray` of the smallest size that fits, so
    /// matching allocates nothing; `withUnsafeTemporaryAllocation` would take the heap for anything above 1 KiB
    /// on Linux. Larger programs take one heap block per match: a larger stack frame could overflow a small
    /// thread stack, and a buffer kept per bundle or per thread would be shared by concurrent evaluations.
    @inline(__always)
    fileprivate static func withScratch(
        instructionCount: Int,
        _ body: (UnsafeMutablePointer<UInt16>) -> Bool
    ) -> Bool {
        let slots = 3 * instructionCount
        #if compiler(>=6.2)
        if #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *) {
            // One function per size, never inlined, so a frame holds only the storage its size needs.
            if slots <= 256 { return withStackScratch256(body) }
            if slots <= 1_024 { return withStackScratch1024(body) }
            if slots <= maximumStackSlots { return withStackScratch4096(body) }
        }
        #endif
        let buffer = UnsafeMutablePointer<UInt16>.allocate(capacity: slots)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: slots)
        return body(buffer)
    }

    #if compiler(>=6.2)
    @available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *)
    @inline(never)
    private static func withStackScratch256(_ body: (UnsafeMutablePointer<UInt16>) -> Bool) -> Bool {
        var storage = InlineArray<256, UInt16>(repeating: 0)
        return withUnsafeMutableBytes(of: &storage) { body($0.baseAddress!.assumingMemoryBound(to: UInt16.self)) }
    }

    @available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *)
    @inline(never)
    private static func withStackScratch1024(_ body: (UnsafeMutablePointer<UInt16>) -> Bool) -> Bool {
        var storage = InlineArray<1_024, UInt16>(repeating: 0)
        return withUnsafeMutableBytes(of: &storage) { body($0.baseAddress!.assumingMemoryBound(to: UInt16.self)) }
    }

    @available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *)
    @inline(never)
    private static func withStackScratch4096(_ body: (UnsafeMutablePointer<UInt16>) -> Bool) -> Bool {
        var storage = InlineArray<4_096, UInt16>(repeating: 0)
        return withUnsafeMutableBytes(of: &storage) { body($0.baseAddress!.assumingMemoryBound(to: UInt16.self)) }
    }
    #endif
}

// MARK: - Binary encoding

extension RegexNFAProgram {
    /// Reads a program written by ``encode(into:)``, checking every field before trusting it: the instruction count
    /// is bounded by the bytes that remain (each instruction takes at least one) and by
    /// ``maximumInstructionCount``, and every successor must be an instruction. A program that passes can run on
    /// any text without trapping, and in time linear in it.
    ///
    /// - Parameter memoryBudget: the bytes the bundle's automata may still occupy; the program's
    ///   ``loadedByteCount`` is taken from it, from the instruction count, before anything is allocated.
    /// - Throws: `DecodingError` naming the first problem.
    package init(
        decoding reader: inout ByteReader<some RandomAccessCollection<UInt8>>,
        memoryBudget: inout Int,
        memoryLimit: Int
    ) throws(DecodingError) {
        let count = try reader.readCount(maximum: Self.maximumInstructionCount, minimumElementSize: 1)
        guard count >= 1 else { throw DecodingError("regex program needs at least 1 instruction") }
        let start = try reader.readVarUInt()
        guard start < UInt64(count) else { throw DecodingError("regex program start out of range") }
        memoryBudget -= Self.loadedByteCount(instructionCount: count)
        guard memoryBudget >= 0 else { throw .regexMemoryExceeded(limit: memoryLimit) }
        func successor() throws(DecodingError) -> UInt16 {
            let target = try reader.readVarUInt()
            guard target < UInt64(count) else {
                throw DecodingError("regex program refers to instruction \(target) out of range")
            }
            return UInt16(target)
        }
        var instructions: [Instruction] = []
        instructions.reserveCapacity(count)
        for _ in 0..<count {
            guard let operation = consecutiveCase(try reader.readUInt8(), first: Operation.byteRange, last: .match)
            else { throw DecodingError("unknown regex program operation") }
            switch operation {
            case .byteRange:
                let low = try reader.readUInt8()
                let high = try reader.readUInt8()
                guard low <= high else { throw DecodingError("regex program byte range empty") }
                instructions.append(.byteRange(low, high, next: try successor()))
            case .split:
                let next = try successor()
                instructions.append(.split(next, try successor()))
            case .assertion:
                guard
                    let assertion = consecutiveCase(
                        try reader.readUInt8(),
                        first: Assertion.startOfText,
                        last: .notWordBoundary
                    )
                else { throw DecodingError("unknown regex assertion") }
                instructions.append(.assertion(assertion, next: try successor()))
            case .match:
                instructions.append(.match)
            }
        }
        try self.init(instructions: instructions, start: UInt16(start))
    }
}
