/// The subset construction from a ``RegexNFA`` to a ``RegexDFA``.
///
/// A DFA state is the set of NFA states reached without reading (through splits only) — byte, assertion and match
/// states — plus what the previous byte was, as far as that set's assertions care (start of text, `\n`, a word
/// byte or other). On reading byte `b`, assertions are decided with that previous byte and `b` as the next one; if
/// the match state is reached the transition goes to the match state, otherwise the byte states that accept `b`
/// lead to the next set. At the end of the text the same is done with "end of text" as the next byte.
package struct RegexDFABuilder {
    /// What came before the current position, as assertions see it.
    private enum Previous: UInt8, Hashable {
        case textStart, newline, word, other
    }

    /// What comes after the current position, as assertions see it.
    private enum Next {
        case newline, word, other, textEnd
    }

    private struct StateKey: Hashable {
        var leaves: [Int32]
        var previous: Previous
    }

    /// The most node visits the construction may make by default before it gives up.
    package static let workLimit = 50_000_000

    private let nfa: FlatNFA
    private let startNode: Int32
    private let maximumStates: Int
    private let workLimit: Int
    private let byteClasses: [UInt8]
    private let classCount: Int
    /// Per class, how assertions see its bytes (classes never mix `\n`, word and other bytes when it matters).
    private let classKinds: [Previous]
    private let usesAssertions: Bool

    private var keys: [StateKey] = []
    private var stateOfKey: [StateKey: Int32] = [:]
    private var transitions: [Int32] = []
    private var acceptsAtEnd: [Bool] = []
    private var visited: [UInt32]
    private var stamp: UInt32 = 0
    private var stack: [Int32] = []
    /// The NFA node visits made so far: the construction's cost.
    package private(set) var work = 0

    /// A builder for `nfa` that gives up rather than create more than `maximumStates` states (at most 65535) or
    /// visit more than `workLimit` NFA nodes.
    package init(nfa: RegexNFA, maximumStates: Int, workLimit: Int = Self.workLimit) {
        self.nfa = FlatNFA(nfa)
        startNode = nfa.start
        self.maximumStates = min(maximumStates, Int(UInt16.max))
        self.workLimit = workLimit
        usesAssertions = !nfa.assertions.isEmpty
        visited = [UInt32](repeating: 0, count: nfa.nodes.count)

        // Byte classes: cut at every byte range's edges, and at `\n` and word bytes when assertions look at them.
        var cuts = [Bool](repeating: false, count: 257)
        cuts[0] = true
        for node in nfa.nodes {
            if case .bytes(let low, let high, _) = node {
                cuts[Int(low)] = true
                cuts[Int(high) + 1] = true
            }
        }
        if usesAssertions {
            for cut in [0x0A, 0x0B, 0x30, 0x3A, 0x41, 0x5B, 0x5F, 0x60, 0x61, 0x7B] { cuts[cut] = true }
        }
        var classes = [UInt8](repeating: 0, count: 256)
        var kinds: [Previous] = []
        var current = -1
        for byte in 0..<256 {
            if cuts[byte] {
                current += 1
                kinds.append(Self.kind(of: UInt8(byte)))
            }
            classes[byte] = UInt8(current)
        }
        byteClasses = classes
        classCount = current + 1
        classKinds = usesAssertions ? kinds : [Previous](repeating: .other, count: current + 1)
    }

    private static func kind(of byte: UInt8) -> Previous {
        switch byte {
        case 0x0A: .newline
        case 0x30...0x39, 0x41...0x5A, 0x5F, 0x61...0x7A: .word
        default: .other
        }
    }

    /// Runs the construction.
    ///
    /// - Throws: `pattern too complex` when it would need more than `maximumStates` states or more than
    ///   `workLimit` node visits.
    package mutating func build() throws(RegexCompileError) -> RegexDFA {
        // State 0: dead. State 1: matched.
        keys = [StateKey(leaves: [], previous: .other), StateKey(leaves: [-1], previous: .other)]
        stateOfKey = [keys[0]: 0, keys[1]: 1]
        guard maximumStates >= 3 else { throw .tooComplex(maximumStates: maximumStates) }
        let startLeaves = try leaves(from: [startNode])
        let start = try state(for: startLeaves, previous: .textStart)

        var seeds = [[Int32]](repeating: [], count: classCount)
        var matched = [Bool](repeating: false, count: classCount)
        var next = 0
        while next < keys.count {
            defer { next += 1 }
            if next == 0 || next == 1 {
                transitions.append(contentsOf: repeatElement(Int32(next), count: classCount))
                acceptsAtEnd.append(next == 1)
                continue
            }
            let key = keys[next]
            let hasAssertions = key.leaves.contains { nfa.kinds[Int($0)] == .assertion }
            for index in 0..<classCount { seeds[index].removeAll(keepingCapacity: true) }
            let nextKinds: [Next] = hasAssertions ? [.newline, .word, .other] : [.other]
            for nextKind in nextKinds {
                let (byteNodes, didMatch) = try expand(key.leaves, previous: key.previous, next: nextKind)
                func applies(_ byteClass: Int) -> Bool {
                    guard hasAssertions else { return true }
                    switch (classKinds[byteClass], nextKind) {
                    case (.newline, .newline), (.word, .word), (.other, .other): return true
                    default: return false
                    }
                }
                for byteClass in 0..<classCount where applies(byteClass) { matched[byteClass] = didMatch }
                if didMatch { continue }
                for node in byteNodes {
                    let node = Int(node)
                    let target = nfa.nexts[node]
                    for byteClass in Int(byteClasses[Int(nfa.lows[node])])...Int(byteClasses[Int(nfa.highs[node])])
                    where applies(byteClass) {
                        seeds[byteClass].append(target)
                    }
                }
            }
            acceptsAtEnd.append(try expand(key.leaves, previous: key.previous, next: .textEnd).matched)
            for byteClass in 0..<classCount {
                if matched[byteClass] {
                    transitions.append(1)
                } else {
                    let targetLeaves = try leaves(from: seeds[byteClass])
                    transitions.append(try state(for: targetLeaves, previous: classKinds[byteClass]))
                }
            }
        }
        return RegexDFA(
            byteClasses: byteClasses,
            classCount: classCount,
            transitions: transitions,
            acceptsAtEnd: acceptsAtEnd,
            startState: start
        )
    }

    /// The state for a set of leaves after a byte of kind `previous`, created if new.
    private mutating func state(for leaves: [Int32], previous: Previous) throws(RegexCompileError) -> Int32 {
        if leaves.isEmpty { return 0 }
        let key = StateKey(leaves: leaves, previous: try canonical(previous, for: leaves))
        if let existing = stateOfKey[key] { return existing }
        guard keys.count < maximumStates else { throw .tooComplex(maximumStates: maximumStates) }
        let id = Int32(keys.count)
        keys.append(key)
        stateOfKey[key] = id
        return id
    }

    /// Forgets the parts of `previous` that no assertion reachable from `leaves` looks at, so that states differing
    /// only in those are one state.
    private mutating func canonical(_ previous: Previous, for leaves: [Int32]) throws(RegexCompileError) -> Previous {
        if previous == .other { return .other }
        var needsStart = false
        var needsLine = false
        var needsWord = false
        beginVisit()
        for leaf in leaves where nfa.kinds[Int(leaf)] == .assertion { stack.append(leaf) }
        while let node = stack.popLast() {
            guard try firstVisit(node) else { continue }
            let index = Int(node)
            switch nfa.kinds[index] {
            case .assertion:
                switch nfa.assertions[index] {
                case .startOfText: needsStart = true
                case .startOfLine: needsLine = true
                case .wordBoundary, .notWordBoundary: needsWord = true
                case .endOfText, .endOfLine: break
                }
                stack.append(nfa.nexts[index])
            case .split:
                nfa.appendSplitTargets(of: index, to: &stack)
            case .bytes, .match:
                break
            }
        }
        switch previous {
        case .textStart: return needsStart || needsLine ? .textStart : .other
        case .newline: return needsLine ? .newline : .other
        case .word: return needsWord ? .word : .other
        case .other: return .other
        }
    }

    private mutating func beginVisit() {
        stamp &+= 1
        stack.removeAll(keepingCapacity: true)
    }

    private mutating func firstVisit(_ node: Int32) throws(RegexCompileError) -> Bool {
        if visited[Int(node)] == stamp { return false }
        visited[Int(node)] = stamp
        work += 1
        if work > workLimit { throw .tooComplex(maximumStates: maximumStates) }
        return true
    }

    /// The byte, assertion and match states reachable from `seeds` through splits, sorted.
    private mutating func leaves(from seeds: [Int32]) throws(RegexCompileError) -> [Int32] {
        beginVisit()
        stack.append(contentsOf: seeds)
        var result: [Int32] = []
        while let node = stack.popLast() {
            guard try firstVisit(node) else { continue }
            if nfa.kinds[Int(node)] == .split {
                nfa.appendSplitTargets(of: Int(node), to: &stack)
            } else {
                result.append(node)
            }
        }
        Self.sort(&result)
        return result
    }

    /// Heapsort on plain integers: the standard library's generic `sort()` is unspecialized (and allocates) in
    /// debug builds of this module, which made large classes slow to compile there.
    private static func sort(_ values: inout [Int32]) {
        let count = values.count
        guard count > 1 else { return }
        values.withUnsafeMutableBufferPointer { buffer in
            func siftDown(_ start: Int, _ end: Int) {
                var root = start
                while true {
                    var child = 2 * root + 1
                    if child >= end { return }
                    if child + 1 < end && buffer[child] < buffer[child + 1] { child += 1 }
                    if buffer[root] >= buffer[child] { return }
                    buffer.swapAt(root, child)
                    root = child
                }
            }
            for start in stride(from: count / 2 - 1, through: 0, by: -1) { siftDown(start, count) }
            for end in stride(from: count - 1, to: 0, by: -1) {
                buffer.swapAt(0, end)
                siftDown(0, end)
            }
        }
    }

    /// The byte states reachable from `leaves` through splits and the assertions that hold between `previous` and
    /// `next`, and whether the match state is reachable.
    private mutating func expand(
        _ leaves: [Int32],
        previous: Previous,
        next: Next
    ) throws(RegexCompileError) -> (byteNodes: [Int32], matched: Bool) {
        beginVisit()
        stack.append(contentsOf: leaves)
        var byteNodes: [Int32] = []
        while let node = stack.popLast() {
            guard try firstVisit(node) else { continue }
            let index = Int(node)
            switch nfa.kinds[index] {
            case .bytes: byteNodes.append(node)
            case .match: return ([], true)
            case .split: nfa.appendSplitTargets(of: index, to: &stack)
            case .assertion:
                if Self.holds(nfa.assertions[index], previous: previous, next: next) { stack.append(nfa.nexts[index]) }
            }
        }
        return (byteNodes, false)
    }

    private static func holds(_ assertion: RegexAssertion, previous: Previous, next: Next) -> Bool {
        switch assertion {
        case .startOfText: previous == .textStart
        case .startOfLine: previous == .textStart || previous == .newline
        case .endOfText: next == .textEnd
        case .endOfLine: next == .textEnd || next == .newline
        case .wordBoundary: (previous == .word) != (next == .word)
        case .notWordBoundary: (previous == .word) == (next == .word)
        }
    }
}

/// The NFA as flat arrays of trivial values, so the construction's inner loops copy no reference-counted payloads.
private struct FlatNFA {
    enum Kind: UInt8 {
        case bytes, split, assertion, match
    }

    var kinds: [Kind] = []
    var lows: [UInt8] = []
    var highs: [UInt8] = []
    /// The next state of byte and assertion states.
    var nexts: [Int32] = []
    /// The assertion of assertion states (`.startOfText` elsewhere, unused).
    var assertions: [RegexAssertion] = []
    /// Split state `i` goes to `splitTargets[splitStarts[i]..<splitStarts[i + 1]]`.
    var splitStarts: [Int32] = [0]
    var splitTargets: [Int32] = []

    init(_ nfa: RegexNFA) {
        for node in nfa.nodes {
            var kind = Kind.match
            var low: UInt8 = 0
            var high: UInt8 = 0
            var next: Int32 = 0
            var assertion = RegexAssertion.startOfText
            switch node {
            case .bytes(let nodeLow, let nodeHigh, let nodeNext):
                (kind, low, high, next) = (.bytes, nodeLow, nodeHigh, nodeNext)
            case .split(let targets):
                kind = .split
                splitTargets.append(contentsOf: targets)
            case .assertion(let nodeAssertion, let nodeNext):
                (kind, assertion, next) = (.assertion, nodeAssertion, nodeNext)
            case .match:
                break
            }
            kinds.append(kind)
            lows.append(low)
            highs.append(high)
            nexts.append(next)
            assertions.append(assertion)
            splitStarts.append(Int32(splitTargets.count))
        }
    }

    func appendSplitTargets(of node: Int, to stack: inout [Int32]) {
        stack.append(contentsOf: splitTargets[Int(splitStarts[node])..<Int(splitStarts[node + 1])])
    }
}
