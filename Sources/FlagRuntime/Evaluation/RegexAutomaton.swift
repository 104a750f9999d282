/// A regular expression compiled at build time: the runtime side of the `matches` operator.
///
/// The compiler (`RegexCompiler` in FlagCompiler) parses an RE2 pattern into a Thompson NFA over UTF-8 bytes and
/// picks one of two engines, as RE2 does between its DFA and its NFA:
///
/// - ``RegexDFATable``, a precompiled DFA, when its table is small: one table lookup per input byte;
/// - ``RegexNFAProgram``, the NFA itself, when the DFA would be large (`a.{20}` searched anywhere needs 2^20 DFA
///   states): a simulation that keeps the set of live instructions, O(input × program size).
///
/// Either way ``matches(_:)`` never backtracks and never allocates, and its time is linear in the input; the answer
/// is the same (RE2 search semantics).
package struct RegexAutomaton: Sendable, Hashable {
    /// How the pattern runs.
    package enum Engine: Sendable, Hashable {
        case dfa(RegexDFATable)
        case nfa(RegexNFAProgram)
    }

    package let engine: Engine

    package init(_ table: RegexDFATable) { engine = .dfa(table) }
    package init(_ program: RegexNFAProgram) { engine = .nfa(program) }

    /// The DFA, when the pattern runs as one.
    package var table: RegexDFATable? {
        if case .dfa(let table) = engine { return table }
        return nil
    }

    /// The NFA program, when the pattern runs as one.
    package var program: RegexNFAProgram? {
        if case .nfa(let program) = engine { return program }
        return nil
    }

    /// The bytes the automaton occupies once loaded: what the per-bundle bound
    /// (`FlagTables.maximumRegexMemory`) and the compiler's per-target budget count.
    package var loadedByteCount: Int {
        switch engine {
        case .dfa(let table): table.loadedByteCount
        case .nfa(let program): program.loadedByteCount
        }
    }

    /// Whether the pattern matches anywhere in `text` (RE2 search semantics: `^` and `\A` anchor to the start of
    /// the text, `$` and `\z` to its end, and with `(?m)` `^`/`$` also match at line boundaries).
    ///
    /// Time linear in `text.utf8.count`; never allocates.
    @inline(__always)
    package func matches(_ text: String) -> Bool {
        switch engine {
        case .dfa(let table): table.matches(text)
        case .nfa(let program): program.matches(text)
        }
    }

    /// Whether the pattern matches anywhere in `bytes`, which must be valid UTF-8 for the result to follow the
    /// pattern's meaning (any bytes are safe to run). Linear time, no allocation.
    package func matches(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch engine {
        case .dfa(let table): table.matches(utf8: bytes)
        case .nfa(let program): program.matches(utf8: bytes)
        }
    }
}

// MARK: - Binary encoding

extension RegexAutomaton {
    /// The engine tag that starts an encoded automaton.
    package enum EngineTag: UInt8 {
        case dfa = 0
        case nfa = 1
    }

    /// Reads an automaton written by ``encode(into:)``, checking everything before trusting it (see
    /// ``RegexDFATable/init(decoding:memoryBudget:memoryLimit:)`` and
    /// ``RegexNFAProgram/init(decoding:memoryBudget:memoryLimit:)``).
    ///
    /// - Parameters:
    ///   - memoryBudget: the bytes the bundle's automata may still occupy once loaded; this automaton's
    ///     ``loadedByteCount`` is taken from it before its tables are allocated.
    ///   - memoryLimit: the whole budget, named in the error.
    /// - Throws: `DecodingError`: ``DecodingError/regexMemoryExceeded(limit:)`` when the budget runs out, otherwise
    ///   the first problem found.
    package init(
        decoding reader: inout ByteReader<some RandomAccessCollection<UInt8>>,
        memoryBudget: inout Int,
        memoryLimit: Int
    ) throws(DecodingError) {
        guard let tag = consecutiveCase(try reader.readUInt8(), first: EngineTag.dfa, last: .nfa) else {
            throw DecodingError("unknown regex engine")
        }
        switch tag {
        case .dfa:
            engine = .dfa(try RegexDFATable(decoding: &reader, memoryBudget: &memoryBudget, memoryLimit: memoryLimit))
        case .nfa:
            engine = .nfa(
                try RegexNFAProgram(decoding: &reader, memoryBudget: &memoryBudget, memoryLimit: memoryLimit)
            )
        }
    }

    /// Reads one automaton on its own, with the whole per-bundle bound as its budget.
    package init(decoding reader: inout ByteReader<some RandomAccessCollection<UInt8>>) throws(DecodingError) {
        var budget = FlagTables.maximumRegexMemory
        try self.init(decoding: &reader, memoryBudget: &budget, memoryLimit: FlagTables.maximumRegexMemory)
    }
}

extension DecodingError {
    /// The bundle's regular expressions would take more than `limit` bytes of memory once loaded.
    package static func regexMemoryExceeded(limit: Int) -> DecodingError {
        DecodingError(
            "regular expressions would take more than \(limit) bytes of memory (the limit for one bundle)"
        )
    }
}
