import FlagRuntime

/// A Thompson NFA over bytes, built back to front: each construct is compiled with the state that follows it.
///
/// Its size is bounded by the program it becomes (``program()``, what the runtime simulates when the DFA would be
/// large): at most ``RegexNFAProgram/maximumInstructionCount`` instructions, a split with k targets taking k − 1 of
/// them (at least one). That is the size bound of a pattern, as RE2 bounds its programs, whichever engine runs it.
package struct RegexNFA: Sendable {
    package enum Node: Hashable, Sendable {
        /// Reads one byte in `low...high`.
        case bytes(low: UInt8, high: UInt8, next: Int32)
        /// Goes on to every listed state without reading (none: fails).
        case split([Int32])
        /// Goes on when the assertion holds between the previous and the next byte.
        case assertion(RegexAssertion, next: Int32)
        /// The pattern has matched.
        case match
    }

    package private(set) var nodes: [Node] = [.match]
    package private(set) var start: Int32 = 0
    /// The assertions the pattern uses.
    package private(set) var assertions: Set<RegexAssertion> = []
    /// The instructions of ``program()``.
    package private(set) var programSize = 1

    private var byteNodes: [ByteNodeKey: Int32] = [:]
    private var sequences: [CodePointSet: [[ClosedRange<UInt8>]]] = [:]

    private struct ByteNodeKey: Hashable {
        var low: UInt8
        var high: UInt8
        var next: Int32
    }

    /// The NFA for `node`; with `unanchored`, behind a loop over any byte so that a match may start anywhere.
    package init(_ node: RegexNode, unanchored: Bool) throws(RegexCompileError) {
        let patternStart = try compile(node, next: 0)
        if unanchored {
            let loop = try add(.split([]))
            let anyByte = try add(.bytes(low: 0x00, high: 0xFF, next: loop))
            try patch(loop, [patternStart, anyByte])
            start = loop
        } else {
            start = patternStart
        }
    }

    private mutating func add(_ node: Node) throws(RegexCompileError) -> Int32 {
        try grow(by: Self.instructionCount(of: node))
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    /// Replaces the placeholder split `loop` (one instruction) with a split to `targets`.
    private mutating func patch(_ loop: Int32, _ targets: [Int32]) throws(RegexCompileError) {
        try grow(by: Self.instructionCount(of: .split(targets)) - 1)
        nodes[Int(loop)] = .split(targets)
    }

    private mutating func grow(by instructions: Int) throws(RegexCompileError) {
        let limit = RegexNFAProgram.maximumInstructionCount
        guard programSize + instructions <= limit else { throw .nfaTooLarge(limit: limit) }
        programSize += instructions
    }

    /// The program instructions a node becomes: one, or k − 1 for a split with k ≥ 2 targets.
    private static func instructionCount(of node: Node) -> Int {
        if case .split(let targets) = node { return max(1, targets.count - 1) }
        return 1
    }

    /// A byte state, shared with any identical one so that common UTF-8 suffixes are built once.
    private mutating func byteNode(_ range: ClosedRange<UInt8>, next: Int32) throws(RegexCompileError) -> Int32 {
        let key = ByteNodeKey(low: range.lowerBound, high: range.upperBound, next: next)
        if let existing = byteNodes[key] { return existing }
        let id = try add(.bytes(low: range.lowerBound, high: range.upperBound, next: next))
        byteNodes[key] = id
        return id
    }

    /// Compiles byte-range sequences that agree on their first `depth` ranges as a trie: one state per distinct
    /// range at `depth`, so a large class such as `\pL` fans out over a few dozen lead bytes instead of hundreds of
    /// sequences. The sequences of a set never partly overlap at a position where they share a prefix (the ranges
    /// there are equal or disjoint), so the trie stays deterministic on its first byte; common suffixes are shared
    /// through `byteNode`.
    private mutating func compileTrie(
        _ sequences: ArraySlice<[ClosedRange<UInt8>]>,
        depth: Int,
        next: Int32
    ) throws(RegexCompileError) -> Int32 {
        var order: [ClosedRange<UInt8>] = []
        var groups: [ClosedRange<UInt8>: [[ClosedRange<UInt8>]]] = [:]
        for sequence in sequences {
            let range = sequence[depth]
            if groups[range] == nil { order.append(range) }
            groups[range, default: []].append(sequence)
        }
        var heads: [Int32] = []
        for range in order {
            let group = groups[range]!
            let ending = group.filter { $0.count == depth + 1 }
            let continuing = group.filter { $0.count > depth + 1 }
            if !ending.isEmpty { heads.append(try byteNode(range, next: next)) }
            if !continuing.isEmpty {
                let rest = try compileTrie(continuing[...], depth: depth + 1, next: next)
                heads.append(try byteNode(range, next: rest))
            }
        }
        return heads.count == 1 ? heads[0] : try add(.split(heads))
    }

    /// Compiles `node` so that it continues with `next`; returns its entry state.
    private mutating func compile(_ node: RegexNode, next: Int32) throws(RegexCompileError) -> Int32 {
        switch node {
        case .empty:
            return next
        case .codePoints(let set):
            let sequences: [[ClosedRange<UInt8>]]
            if let cached = self.sequences[set] {
                sequences = cached
            } else {
                sequences = UTF8Ranges.sequences(of: set)
                self.sequences[set] = sequences
            }
            return try compileTrie(sequences[...], depth: 0, next: next)
        case .assertion(let assertion):
            assertions.insert(assertion)
            return try add(.assertion(assertion, next: next))
        case .concatenation(let items):
            var current = next
            for item in items.reversed() { current = try compile(item, next: current) }
            return current
        case .alternation(let branches):
            var heads: [Int32] = []
            for branch in branches { heads.append(try compile(branch, next: next)) }
            return try add(.split(heads))
        case .repetition(let body, let minimum, let maximum):
            var current = next
            var copies = minimum
            if let maximum {
                // x{n,m}: n copies, then m-n nested optional copies: x…x(x(x)?)?
                for _ in 0..<(maximum - minimum) {
                    let head = try compile(body, next: current)
                    current = try add(.split([head, next]))
                }
            } else {
                // x{n,}: n-1 copies then x+, or x* when n is 0.
                let loop = try add(.split([]))
                let head = try compile(body, next: loop)
                try patch(loop, [head, next])
                if minimum > 0 {
                    current = head
                    copies -= 1
                } else {
                    current = loop
                }
            }
            for _ in 0..<copies { current = try compile(body, next: current) }
            return current
        }
    }
}

extension RegexNFA {
    /// The NFA as a runtime program, instruction `i` for node `i`: splits with more than two targets become chains
    /// of two-way splits appended after the nodes, a split with one target a split to it twice, and a split with none
    /// (an empty character class) a split to itself, which leads nowhere. At most
    /// ``RegexNFAProgram/maximumInstructionCount`` instructions (``programSize``).
    ///
    /// - Throws: `DecodingError` if the program breaks an invariant the runtime checks (a bug).
    package func program() throws(DecodingError) -> RegexNFAProgram {
        var instructions: [RegexNFAProgram.Instruction] = []
        instructions.reserveCapacity(programSize)
        var chains: [(index: Int, targets: ArraySlice<Int32>)] = []
        for (index, node) in nodes.enumerated() {
            switch node {
            case .bytes(let low, let high, let next):
                instructions.append(.byteRange(low, high, next: UInt16(next)))
            case .split(let targets):
                switch targets.count {
                case 0: instructions.append(.split(UInt16(index), UInt16(index)))
                case 1: instructions.append(.split(UInt16(targets[0]), UInt16(targets[0])))
                case 2: instructions.append(.split(UInt16(targets[0]), UInt16(targets[1])))
                default:
                    instructions.append(.split(0, 0))  // filled below
                    chains.append((index, targets[...]))
                }
            case .assertion(let assertion, let next):
                instructions.append(.assertion(Self.runtimeAssertion(assertion), next: UInt16(next)))
            case .match:
                instructions.append(.match)
            }
        }
        for (index, targets) in chains {
            // split(t0, s1), s1: split(t1, s2), …, the last: split(t[k-2], t[k-1]).
            var current = index
            var rest = targets
            while rest.count > 2 {
                let link = instructions.count
                instructions.append(.split(0, 0))
                instructions[current] = .split(UInt16(rest.removeFirst()), UInt16(link))
                current = link
            }
            instructions[current] = .split(UInt16(rest[rest.startIndex]), UInt16(rest[rest.startIndex + 1]))
        }
        return try RegexNFAProgram(instructions: instructions, start: UInt16(start))
    }

    private static func runtimeAssertion(_ assertion: RegexAssertion) -> RegexNFAProgram.Assertion {
        switch assertion {
        case .startOfText: .startOfText
        case .startOfLine: .startOfLine
        case .endOfText: .endOfText
        case .endOfLine: .endOfLine
        case .wordBoundary: .wordBoundary
        case .notWordBoundary: .notWordBoundary
        }
    }
}

extension RegexCompileError {
    static func nfaTooLarge(limit: Int) -> Self {
        Self(
            "pattern too large: its program would need more than \(limit) instructions (the size bound of a pattern)",
            offset: 0
        )
    }
}
