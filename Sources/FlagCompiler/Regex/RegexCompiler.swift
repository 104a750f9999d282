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
    package static func compile(
        _ node: RegexNode,
        maximumStates: Int = 10_000
    ) throws(RegexCompileError) -> RegexAutomaton {
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
