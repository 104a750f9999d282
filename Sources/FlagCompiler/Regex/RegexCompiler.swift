import FlagRuntime

/// Compiles RE2 patterns into ``RegexAutomaton``s, the byte-level DFAs the runtime runs for `matches`.
///
/// The pipeline: ``RegexSyntax`` parses the pattern (flags applied, so `(?i)` literals are already sets of case
/// variants); ``RegexNFA`` turns it into a Thompson NFA over UTF-8 bytes, every character set becoming the byte-range
/// sequences of its UTF-8 encodings (as RE2 and Rust's regex do), behind an any-byte loop unless the pattern is
/// anchored with `^`/`\A`; ``RegexDFABuilder`` runs the subset construction — assertions that look at the previous
/// byte are folded into the states, those that look at the next byte are decided on the transition that reads it or
/// at the end of the text — then minimizes the DFA (Hopcroft) and merges byte classes that no state tells apart.
package enum RegexCompiler {
    /// The most NFA states a pattern may compile to before it is refused as too complex.
    package static let maximumNFAStates = 100_000

    /// Compiles `pattern` (RE2 syntax) for search: the automaton matches a text when the pattern matches anywhere
    /// in it.
    ///
    /// - Parameters:
    ///   - caseInsensitive: start as if the pattern began with `(?i)`.
    ///   - maximumStates: the most DFA states the subset construction may create (dead and match states included,
    ///     counted before minimization); at most 65535.
    /// - Throws: ``RegexCompileError`` for a syntax error, a feature RE2 lacks (backreferences, lookaround), or
    ///   `pattern too complex` when the automaton would be too large.
    package static func compile(
        _ pattern: String,
        caseInsensitive: Bool = false,
        maximumStates: Int = 10_000
    ) throws(RegexCompileError) -> RegexAutomaton {
        let node = try RegexSyntax.parse(pattern, caseInsensitive: caseInsensitive)
        return try compile(node, maximumStates: maximumStates)
    }

    /// Compiles an already parsed pattern; see ``compile(_:caseInsensitive:maximumStates:)``.
    package static func compile(_ node: RegexNode, maximumStates: Int = 10_000) throws(RegexCompileError)
        -> RegexAutomaton
    {
        let nfa = try RegexNFA(node, unanchored: !node.isAnchoredAtStart)
        var builder = RegexDFABuilder(nfa: nfa, maximumStates: maximumStates)
        let dfa = try builder.build()
        let minimal = dfa.minimized().mergingByteClasses()
        do {
            return try RegexAutomaton(
                startState: UInt16(minimal.startState),
                byteClasses: minimal.byteClasses,
                classCount: minimal.classCount,
                transitions: minimal.transitions.map { UInt16($0) },
                acceptsAtEnd: minimal.acceptsAtEnd
            )
        } catch {
            throw RegexCompileError("internal error compiling pattern: \(error.reason)", offset: 0)
        }
    }
}

extension RegexCompileError {
    static func nfaTooLarge(limit: Int) -> Self {
        Self("pattern too complex: it compiles to more than \(limit) NFA states", offset: 0)
    }
}

// MARK: - NFA

/// A Thompson NFA over bytes, built back to front: each construct is compiled with the state that follows it.
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
            nodes[Int(loop)] = .split([patternStart, anyByte])
            start = loop
        } else {
            start = patternStart
        }
    }

    private mutating func add(_ node: Node) throws(RegexCompileError) -> Int32 {
        guard nodes.count < RegexCompiler.maximumNFAStates else {
            throw .nfaTooLarge(limit: RegexCompiler.maximumNFAStates)
        }
        nodes.append(node)
        return Int32(nodes.count - 1)
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
                nodes[Int(loop)] = .split([head, next])
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

// MARK: - UTF-8 ranges

/// Code point ranges as sequences of byte ranges over their UTF-8 encodings, the way RE2 and Rust's `utf8-ranges`
/// compile character classes: every code point of a range is matched by exactly one sequence, every sequence reads a
/// whole, valid UTF-8 character, and surrogates are left out.
package enum UTF8Ranges {
    /// The byte-range sequences for `set`.
    package static func sequences(of set: CodePointSet) -> [[ClosedRange<UInt8>]] {
        var result: [[ClosedRange<UInt8>]] = []
        for range in set.ranges {
            let low = range.lowerBound
            let high = range.upperBound
            if high < 0xD800 || low > 0xDFFF {
                append(low, high, to: &result)
            } else {
                if low < 0xD800 { append(low, 0xD7FF, to: &result) }
                if high > 0xDFFF { append(0xE000, high, to: &result) }
            }
        }
        return result
    }

    private static func append(_ low: UInt32, _ high: UInt32, to result: inout [[ClosedRange<UInt8>]]) {
        var stack = [(low, high)]
        while let (start, initialEnd) = stack.popLast() {
            var end = initialEnd
            split: while true {
                // Split where the encoded length changes.
                for boundary: UInt32 in [0x7F, 0x7FF, 0xFFFF] where start <= boundary && boundary < end {
                    stack.append((boundary + 1, end))
                    end = boundary
                    continue split
                }
                if end <= 0x7F {
                    result.append([UInt8(start)...UInt8(end)])
                    break
                }
                // Split until every continuation byte spans its whole range or a single prefix.
                for index in 1...3 {
                    let mask: UInt32 = (1 << (6 * UInt32(index))) - 1
                    if start & ~mask != end & ~mask {
                        if start & mask != 0 {
                            stack.append(((start | mask) + 1, end))
                            end = start | mask
                            continue split
                        }
                        if end & mask != mask {
                            stack.append((end & ~mask, end))
                            end = (end & ~mask) - 1
                            continue split
                        }
                    }
                }
                let first = encode(start)
                let last = encode(end)
                result.append(zip(first, last).map { $0...$1 })
                break
            }
        }
    }

    /// The UTF-8 encoding of a non-surrogate code point.
    package static func encode(_ codePoint: UInt32) -> [UInt8] {
        switch codePoint {
        case 0..<0x80:
            return [UInt8(codePoint)]
        case 0x80..<0x800:
            return [UInt8(0xC0 | codePoint >> 6), UInt8(0x80 | codePoint & 0x3F)]
        case 0x800..<0x1_0000:
            return [
                UInt8(0xE0 | codePoint >> 12), UInt8(0x80 | codePoint >> 6 & 0x3F), UInt8(0x80 | codePoint & 0x3F),
            ]
        default:
            return [
                UInt8(0xF0 | codePoint >> 18), UInt8(0x80 | codePoint >> 12 & 0x3F),
                UInt8(0x80 | codePoint >> 6 & 0x3F), UInt8(0x80 | codePoint & 0x3F),
            ]
        }
    }
}
