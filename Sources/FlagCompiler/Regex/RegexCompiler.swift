import FlagRuntime

/// Compiles RE2 patterns into ``RegexAutomaton``s, what the runtime runs for `matches`: a DFA table when it is
/// small, the NFA program otherwise (as RE2 runs its DFA, and falls back to its NFA when the DFA would need too much
/// memory).
///
/// The pipeline: ``RegexSyntax`` parses the pattern (flags applied, so `(?i)` literals are already sets of case
/// variants); ``RegexNFA`` turns it into a Thompson NFA over UTF-8 bytes, every character set becoming the byte-range
/// sequences of its UTF-8 encodings (as RE2 and Rust's regex do), behind an any-byte loop unless the pattern is
/// anchored with `^`/`\A`. Its program must stay within ``RegexNFAProgram/maximumInstructionCount`` instructions:
/// that is the size bound of a pattern. Then ``RegexDFABuilder`` tries the subset construction — assertions that
/// look at the previous byte are folded into the states, those that look at the next byte are decided on the
/// transition that reads it or at the end of the text — and minimizes the DFA (Hopcroft) and merges byte classes
/// that no state tells apart. When the construction gives up (more than ``maximumDFAStates`` states or
/// ``maximumDFAWork`` node visits; an unanchored `a.{n}` needs 2^n states before minimization) or the minimal table
/// would take more than ``maximumDFABytes``, the pattern runs as its NFA program.
package enum RegexCompiler {
    /// Which engine a pattern gets.
    package enum EngineChoice: Sendable {
        /// The DFA when it is small, else the NFA program.
        case automatic
        /// The DFA, or `pattern too complex` (for tests comparing the engines).
        case dfa
        /// The NFA program.
        case nfa
    }

    /// A compiled pattern and what compiling it cost.
    package struct Compilation: Sendable {
        package var automaton: RegexAutomaton
        /// The compile work, in NFA node visits (NFA instructions built, subset construction visits, DFA table
        /// entries): a deterministic measure of compile time, counted against a project's budget.
        package var work: Int
    }

    /// The most states the subset construction may create before the pattern runs as its NFA program (dead and
    /// match states included, counted before minimization).
    package static let maximumDFAStates = 10_000
    /// The most NFA node visits the subset construction may make before the pattern runs as its NFA program (a few
    /// milliseconds; the DFAs of typical patterns take a few thousand).
    package static let maximumDFAWork = 50_000
    /// The most memory the minimal DFA may take once loaded (``RegexDFATable/loadedByteCount``) for the pattern to
    /// run as a DFA: 64 KiB.
    package static let maximumDFABytes = 64 << 10

    /// Compiles `pattern` (RE2 syntax) for search: the automaton matches a text when the pattern matches anywhere
    /// in it.
    ///
    /// - Parameters:
    ///   - caseInsensitive: start as if the pattern began with `(?i)`.
    ///   - engine: which engine to build; by default the DFA when it is small, else the NFA program.
    ///   - maximumStates: the most DFA states the subset construction may create (dead and match states included,
    ///     counted before minimization); at most 65535.
    /// - Throws: ``RegexCompileError`` for a syntax error, a feature RE2 lacks (backreferences, lookaround),
    ///   `pattern too large` past the size bound, or (with `engine: .dfa` only) `pattern too complex` when the DFA
    ///   would be too large.
    package static func compile(
        _ pattern: String,
        caseInsensitive: Bool = false,
        engine: EngineChoice = .automatic,
        maximumStates: Int = maximumDFAStates
    ) throws(RegexCompileError) -> RegexAutomaton {
        try compilation(pattern, caseInsensitive: caseInsensitive, engine: engine, maximumStates: maximumStates)
            .automaton
    }

    /// Compiles `pattern` as ``compile(_:caseInsensitive:engine:maximumStates:)`` does, with the work it took.
    package static func compilation(
        _ pattern: String,
        caseInsensitive: Bool = false,
        engine: EngineChoice = .automatic,
        maximumStates: Int = maximumDFAStates
    ) throws(RegexCompileError) -> Compilation {
        let node = try RegexSyntax.parse(pattern, caseInsensitive: caseInsensitive)
        return try compilation(node, engine: engine, maximumStates: maximumStates)
    }

    /// Compiles an already parsed pattern; see ``compile(_:caseInsensitive:engine:maximumStates:)``.
    package static func compile(
        _ node: RegexNode,
        engine: EngineChoice = .automatic,
        maximumStates: Int = maximumDFAStates
    ) throws(RegexCompileError) -> RegexAutomaton {
        try compilation(node, engine: engine, maximumStates: maximumStates).automaton
    }

    static func compilation(
        _ node: RegexNode,
        engine: EngineChoice,
        maximumStates: Int
    ) throws(RegexCompileError) -> Compilation {
        let nfa = try RegexNFA(node, unanchored: !node.isAnchoredAtStart)
        var work = nfa.programSize
        if engine != .nfa {
            var builder = RegexDFABuilder(
                nfa: nfa,
                maximumStates: maximumStates,
                workLimit: engine == .dfa ? RegexDFABuilder.workLimit : maximumDFAWork
            )
            do {
                let dfa = try builder.build()
                work += builder.work + dfa.stateCount * dfa.classCount
                let minimal = dfa.minimized().mergingByteClasses()
                let bytes = RegexDFATable.loadedByteCount(
                    stateCount: minimal.stateCount,
                    classCount: minimal.classCount
                )
                if engine == .dfa || bytes <= maximumDFABytes {
                    return Compilation(automaton: RegexAutomaton(try table(minimal)), work: work)
                }
            } catch {
                if engine == .dfa { throw error }
                work += builder.work
            }
        }
        do {
            return Compilation(automaton: RegexAutomaton(try nfa.program()), work: work)
        } catch {
            throw RegexCompileError("internal error compiling pattern: \(error.reason)", offset: 0)
        }
    }

    private static func table(_ minimal: RegexDFA) throws(RegexCompileError) -> RegexDFATable {
        do {
            return try RegexDFATable(
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
