import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation
import Testing

// MARK: - The NFA path agrees with the DFA path

@Suite("Regex NFA programs")
struct RegexNFAProgramTests {
    /// A random pattern over a small alphabet: literals (ASCII and multi-byte), classes, `.`, Perl classes,
    /// anchors and word boundaries, groups with flags, alternation and every kind of repetition.
    static func randomPattern(_ generator: inout SplitMix64, depth: Int = 0) -> String {
        let atoms = [
            "a", "b", "c", "x", "1", "\u{E9}", "用", ".", "[ab]", "[^a]", "[a-c\u{E9}]", "\\d", "\\w", "\\s", "\\W",
        ]
        let assertions = ["^", "$", "\\b", "\\B", "\\A", "\\z", "(?m:^)", "(?m:$)"]
        let quantifiers = ["", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,3}", "{2,}", "*?", "??"]
        var branches: [String] = []
        for _ in 0..<Int.random(in: 1...(depth == 0 ? 3 : 2), using: &generator) {
            var branch = ""
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let roll = Int.random(in: 0..<10, using: &generator)
                if roll < 2 {
                    branch += assertions.randomElement(using: &generator)!
                    continue
                }
                var atom = atoms.randomElement(using: &generator)!
                if roll == 9 && depth < 2 {
                    let prefix = ["(", "(?:", "(?i:", "(?s:"].randomElement(using: &generator)!
                    atom = prefix + randomPattern(&generator, depth: depth + 1) + ")"
                }
                branch += atom + quantifiers.randomElement(using: &generator)!
            }
            branches.append(branch)
        }
        return branches.joined(separator: "|")
    }

    static let alphabet = ["a", "b", "c", "x", "1", " ", "\n", "_", "A", "\u{E9}", "\u{C9}", "用"]

    static func randomText(_ generator: inout SplitMix64, maximumLength: Int = 10) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...maximumLength, using: &generator) {
            text += alphabet.randomElement(using: &generator)!
        }
        return text
    }

    /// The DFA path already agrees with RE2; the NFA program must give the same answer on every text.
    @Test(arguments: 0..<4)
    func programsAgreeWithDFAsOnRandomPatterns(seed: Int) throws {
        var generator = SplitMix64(seed: 0xF1A6_0000 + UInt64(seed))
        var compared = 0
        for _ in 0..<40 {
            let pattern = Self.randomPattern(&generator)
            // Patterns whose DFA is large are left to the chosen-pattern tests (their construction is slow here).
            guard let dfa = try? RegexCompiler.compile(pattern, engine: .dfa, maximumStates: 300) else { continue }
            let nfa = try RegexCompiler.compile(pattern, engine: .nfa)
            #expect(nfa.program != nil && dfa.table != nil)
            for _ in 0..<50 {
                let text = Self.randomText(&generator)
                #expect(nfa.matches(text) == dfa.matches(text), "pattern \(pattern) on \(text.debugDescription)")
            }
            compared += 1
        }
        #expect(compared > 25)
    }

    @Test(arguments: [
        "", "abc", "^abc$", "(?i)Straße", "\\bfoo\\b", "(?m)^beta-\\d+$", "^[^a]*$", "x*", "[^\\x00-\\x{10FFFF}]",
        "a|", "(?:^)*a", "(a|b)*a(a|b){3}", "用户", "^\\pL+$", "\\B", "(?m)$", "^$",
    ])
    func programsAgreeWithDFAsOnChosenPatterns(pattern: String) throws {
        let dfa = try RegexCompiler.compile(pattern, engine: .dfa)
        let nfa = try RegexCompiler.compile(pattern, engine: .nfa)
        var generator = SplitMix64(seed: UInt64(pattern.utf8.count))
        var texts = ["", "abc", "foo bar", "beta-12\nbeta-3", "STRASSE straße", "用户", "\n", "aab", "xaaab"]
        for _ in 0..<150 { texts.append(Self.randomText(&generator, maximumLength: 14)) }
        for text in texts {
            #expect(nfa.matches(text) == dfa.matches(text), "pattern \(pattern) on \(text.debugDescription)")
            let viaBytes = Array(text.utf8).withUnsafeBufferPointer { nfa.matches(utf8: $0) }
            #expect(viaBytes == nfa.matches(text))
        }
    }

    // MARK: Patterns only the NFA path can take

    /// Searched anywhere, these need exponentially many DFA states; RE2 runs them in linear time, and so do we.
    @Test(arguments: [
        ("a.{11}", "a" + String(repeating: "b", count: 11), true),
        ("a.{11}", "a" + String(repeating: "b", count: 10), false),
        ("a.{11}", "xxa" + String(repeating: "\u{E9}", count: 11), true),
        ("a.{11}", "a" + String(repeating: "b", count: 10) + "\n", false),
        ("a.{11}", String(repeating: "b", count: 30), false),
        ("(a|b)*a(a|b){20}", "a" + String(repeating: "b", count: 20), true),
        ("(a|b)*a(a|b){20}", "a" + String(repeating: "b", count: 19), false),
        ("(a|b)*a(a|b){20}", "c" + String(repeating: "ab", count: 10) + "a", true),
        ("(a|b)*a(a|b){20}", String(repeating: "b", count: 40), false),
        ("(a|b)*a(a|b){20}", "a" + String(repeating: "b", count: 10) + "c" + String(repeating: "b", count: 10), false),
        ("[a-q][^u-z]{13}x", "a" + String(repeating: "1", count: 13) + "x", true),
        ("[a-q][^u-z]{13}x", "a" + String(repeating: "1", count: 12) + "x", false),
        ("[a-q][^u-z]{13}x", "u" + String(repeating: "1", count: 13) + "x", false),
        ("[a-q][^u-z]{13}x", "a" + String(repeating: "1", count: 12) + "ux", false),
        ("[a-q][^u-z]{13}x", "zzq" + String(repeating: "\u{E9}", count: 13) + "x!", true),
        ("\\ba.{12}\\b", "a" + String(repeating: "c", count: 12) + " ", true),
        ("\\ba.{12}\\b", "ba" + String(repeating: "c", count: 12) + " ", false),
        ("(?m)a.{12}$", "x\na" + String(repeating: "c", count: 12) + "\ny", true),
        ("(?m)a.{12}$", "x\na" + String(repeating: "c", count: 13) + "\ny", false),
    ])
    func patternsOnlyTheNFAPathTakesMatchAsRE2Does(pattern: String, text: String, expected: Bool) throws {
        let automaton = try RegexCompiler.compile(pattern)
        #expect(automaton.program != nil, "\(pattern) should run as an NFA program")
        #expect(automaton.matches(text) == expected)
    }

    @Test(arguments: ["a.{11}", "(a|b)*a(a|b){20}", "[a-q][^u-z]{13}x"])
    func theirDFAsAreTooLarge(pattern: String) {
        #expect(throws: RegexCompileError.self) {
            try RegexCompiler.compile(pattern, engine: .dfa, maximumStates: 2_000)
        }
    }

    /// NFA programs against ICU on random texts (these patterns mean the same in both).
    @Test(arguments: ["a.{11}", "(a|b)*a(a|b){12}\\z", "[a-q][^u-z]{13}x", "b[ab]{9}a", "^(?:a|b)*$", "\\Aa|b\\z"])
    func programsAgreeWithNSRegularExpression(pattern: String) throws {
        let automaton = try RegexCompiler.compile(pattern, engine: .nfa)
        let reference = try NSRegularExpression(pattern: pattern)
        var generator = SplitMix64(seed: 0xACE + UInt64(pattern.utf8.count))
        let letters = ["a", "b", "a", "b", "x", "u", "1", "\u{E9}", "\n"]
        for _ in 0..<400 {
            var text = ""
            for _ in 0..<Int.random(in: 8...24, using: &generator) { text += letters.randomElement(using: &generator)! }
            let expected = reference.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
            #expect(automaton.matches(text) == expected, "pattern \(pattern) on \(text.debugDescription)")
        }
    }

    /// Time is linear in the input: 100 KB through an NFA-only pattern, and no backtracking blow-up.
    @Test(arguments: [
        ("a.{11}", String(repeating: "a", count: 5), false), ("(a|b)*a(a|b){20}c", "", false),
        ("(x+x+)+y.{12}", "xxy" + String(repeating: "z", count: 12), true),
    ])
    func longTextsRunInLinearTime(pattern: String, tail: String, expected: Bool) throws {
        let automaton = try RegexCompiler.compile(pattern, engine: .nfa)
        let text = String(repeating: pattern.hasPrefix("a.") ? "\n" : "a", count: 100_000) + tail
        #expect(automaton.matches(text) == expected)
    }

    /// Programs of every scratch size run (the scratch grows in steps up to 3 × 65535 slots).
    @Test(arguments: [
        ("a.{11}", 20, "a" + String(repeating: "b", count: 11)),
        ("\\w{300}", 1_000, String(repeating: "_", count: 300)),
        ("[a-f]{1000}", 1_000, String(repeating: "f", count: 1000)),
        ("[^\\n]{1000}", 5_000, String(repeating: "\u{E9}", count: 1000)),
        ("[^\\n]{1000}[^\\n]{1000}", 22_000, String(repeating: "\u{10000}", count: 2000)),
    ])
    func largeProgramsRun(pattern: String, minimumSize: Int, text: String) throws {
        let automaton = try RegexCompiler.compile("^" + pattern + "$", engine: .nfa)
        #expect(try #require(automaton.program).instructions.count >= minimumSize)
        #expect(automaton.matches(text))
        #expect(!automaton.matches(String(text.dropLast())))
    }

    // MARK: Encoding

    static let encodedPatterns = ["a.{11}", "(?m)^\\bx\\B.$", "[^\\x00-\\x{10FFFF}]", "(a|b|c|d)*e{2}", ""]

    private func encoded(_ automaton: RegexAutomaton) -> [UInt8] {
        var writer = ByteWriter()
        automaton.encode(into: &writer)
        return writer.bytes
    }

    @Test(arguments: encodedPatterns)
    func programsRoundTripAndRefuseEveryTruncation(pattern: String) throws {
        let automaton = try RegexCompiler.compile(pattern, engine: .nfa)
        let bytes = encoded(automaton)
        #expect(bytes.first == 1)
        var reader = ByteReader(bytes)
        #expect(try RegexAutomaton(decoding: &reader) == automaton)
        #expect(reader.isAtEnd)
        for length in 0..<bytes.count {
            var truncated = ByteReader(Array(bytes[..<length]))
            #expect(throws: DecodingError.self) { try RegexAutomaton(decoding: &truncated) }
        }
    }

    /// Random corruptions either fail to decode or give a program that runs safely (and ends) on any text.
    @Test(arguments: encodedPatterns)
    func corruptedProgramsNeverCrash(pattern: String) throws {
        let original = encoded(try RegexCompiler.compile(pattern, engine: .nfa))
        var generator = SplitMix64(seed: UInt64(original.count))
        for _ in 0..<1500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            var reader = ByteReader(bytes)
            if let automaton = try? RegexAutomaton(decoding: &reader) {
                _ = automaton.matches("abc \u{E9}用\n staff@example.com")
                _ = automaton.matches("")
                _ = [UInt8](arrayLiteral: 0xFF, 0x00, 0xC3).withUnsafeBufferPointer { automaton.matches(utf8: $0) }
            }
        }
    }

    @Test(
        arguments: [
            ([1, 0, 0], "regex program needs at least 1 instruction"),
            ([1, 1, 1, 3], "regex program start out of range"),
            ([1, 1, 0, 9], "unknown regex program operation"),
            ([1, 1, 0, 0, 0x62, 0x61, 0], "regex program byte range empty"),
            ([1, 1, 0, 1, 0, 1], "regex program refers to instruction 1 out of range"),
            ([1, 1, 0, 2, 6, 0], "unknown regex assertion"),
            ([2], "unknown regex engine"),
        ] as [([UInt8], String)]
    )
    func malformedProgramsAreRefusedByName(bytes: [UInt8], message: String) {
        var reader = ByteReader(bytes)
        #expect(throws: DecodingError(message)) { try RegexAutomaton(decoding: &reader) }
    }

    /// A split to itself (an empty class) and epsilon loops end: each instruction is visited once per position.
    @Test func epsilonLoopsEnd() throws {
        let loop = try RegexNFAProgram(instructions: [.split(0, 1), .split(1, 0), .match], start: 0)
        #expect(!RegexAutomaton(loop).matches("abc"))
        let spin = try RegexNFAProgram(
            instructions: [.split(1, 2), .assertion(.wordBoundary, next: 0), .byteRange(0x61, 0x61, next: 3), .match],
            start: 0
        )
        #expect(RegexAutomaton(spin).matches("a"))
        #expect(!RegexAutomaton(spin).matches("bbb"))
    }
}

// MARK: - Memory and compile-time budgets

@Suite("Regex budgets")
struct RegexBudgetTests {
    /// `count` flags, each with its own pattern whose search DFA is large (so it runs as an NFA program), or small.
    static func flags(_ count: Int, pattern: (Int) -> String) -> String {
        var yaml = "flags:\n"
        for index in 0..<count {
            yaml += "  f\(index):\n    default: off\n    rules:\n"
            yaml += "      - when: { email: { matches: \"\(pattern(index))\" } }\n        serve: on\n"
        }
        return yaml
    }

    @Test func aTargetOverItsMemoryBudgetIsAnErrorNamingTheCostliestPatterns() throws {
        let yaml = Self.flags(8) { index in index == 3 ? "^[a-z]{\(100 + index)}$" : "^x{\(10 * (index + 1))}$" }
        let (project, diagnostics) = TestProject.load(yaml)
        #expect(diagnostics.isEmpty)
        let costs = project.patterns.map(\.loadedBytes)
        let collector = DiagnosticCollector()
        RegexBudget(maximumBytes: costs.reduce(0, +) - 1).checkTargets(of: project, diagnostics: collector)
        let error = try #require(collector.diagnostics.first)
        #expect(collector.diagnostics.count == 1)
        #expect(error.location == SourceLocation(file: "targets/test.yaml", line: 1, column: 1))
        let ranked = project.patterns.sorted { $0.loadedBytes > $1.loadedBytes }.prefix(5)
        let named = ranked.map { "\($0.location) (\($0.loadedBytes) bytes, \($0.engine))" }
        #expect(
            error.message
                == "the regular expressions of target 'test' would take \(costs.reduce(0, +)) bytes of memory once "
                + "loaded, more than the \(costs.reduce(0, +) - 1) a bundle may use; the costliest: "
                + named.joined(separator: ", ") + "; simplify them or split the flags between targets"
        )
        // The costliest is flag f3's pattern, at its line and column (its first character, inside the quotes).
        #expect(error.message.contains("the costliest: flags/test.yaml:20:36 (1210 bytes, DFA), "))
        // Within budget: no error.
        let fits = DiagnosticCollector()
        RegexBudget(maximumBytes: costs.reduce(0, +)).checkTargets(of: project, diagnostics: fits)
        #expect(fits.diagnostics.isEmpty)
    }

    /// Only what the target's bundle holds counts: its environment's rules and each segment once.
    @Test func theMemoryBudgetCountsWhatTheBundleHolds() throws {
        let yaml = """
            segments:
              big: { when: { email: { matches: "^[a-z]{50}$" } } }
            flags:
              a:
                default: off
                rules: [{ when: { segment: big }, serve: on }, { when: { segment: big }, serve: on }]
                environments:
                  other: { rules: [{ when: { email: { matches: "^[a-z]{400}$" } }, serve: on }] }

            """
        let (project, diagnostics) = TestProject.load(yaml)
        #expect(diagnostics.isEmpty)
        let segmentCost = try #require(project.patterns.first).loadedBytes
        let collector = DiagnosticCollector()
        RegexBudget(maximumBytes: segmentCost).checkTargets(of: project, diagnostics: collector)
        #expect(collector.diagnostics.isEmpty)
        RegexBudget(maximumBytes: segmentCost - 1).checkTargets(of: project, diagnostics: collector)
        #expect(collector.diagnostics.count == 1)
    }

    @Test func aProjectOverItsCompileBudgetIsAnErrorNamingTheCostliestPatterns() throws {
        let log = RegexPatternLog(budget: RegexBudget(maximumWork: 5_000))
        let patterns = ["abc", "(a|b)*a(a|b){12}$", "x+", "[a-q][^u-z]{13}x", "a.{11}", "b"]
        var compiled: [RegexAutomaton] = []
        for (line, pattern) in patterns.enumerated() {
            let location = SourceLocation(file: "flags/a.yaml", line: line + 1, column: 30)
            let attribute = SourceLocation(file: "flags/a.yaml", line: line + 1, column: 10)
            compiled.append(try log.compile(pattern, caseInsensitive: false, at: location, attribute: attribute))
        }
        // Once the budget is spent, the rest are NFA programs only (cheap to build), and still correct.
        #expect(compiled[5].program != nil)
        #expect(compiled[5].matches("abc") && !compiled[5].matches("xyz"))
        let diagnostics = DiagnosticCollector()
        log.reportBudget(to: diagnostics)
        let error = try #require(diagnostics.diagnostics.first)
        let exhausted = log.patterns.indices.first { index in
            log.patterns[...index].map(\.work).reduce(0, +) > 5_000
        }!
        #expect(error.location == log.patterns[exhausted].location)
        let costliest = log.patterns.sorted { ($0.work, $1.location) > ($1.work, $0.location) }.prefix(5)
        #expect(
            error.message
                == "regular expressions take too long to compile: \(log.work) work units, more than the project's "
                + "budget of 5000 (patterns from here on were built as NFA programs only); the costliest: "
                + costliest.map { "\($0.location) (\($0.work))" }.joined(separator: ", ")
                + "; simplify them or use fewer"
        )
    }

    @Test func theStandardBudgetsAcceptOrdinaryProjects() throws {
        let (_, diagnostics) = TestProject.load(Self.flags(200) { "(x|y)*x(x|y){\($0 % 12)}$" })
        #expect(diagnostics.isEmpty)
    }

    /// A bundle whose automata would take more than `FlagTables.maximumRegexMemory` once loaded is refused by the
    /// decoder, before the automaton past the bound is allocated.
    @Test func aPayloadOverTheLoadBoundIsRefusedByTheDecoder() throws {
        var content = try TestProject.content(Self.flags(1) { _ in "abc" })
        let big = RegexAutomaton(
            try RegexNFAProgram(
                instructions: Array(repeating: .match, count: RegexNFAProgram.maximumInstructionCount),
                start: 0
            )
        )
        let each = big.loadedByteCount
        let fitting = FlagTables.maximumRegexMemory / each
        func rules(_ count: Int) -> [Rule] {
            [
                Rule(
                    name: nil,
                    condition: .any((0..<count).map { _ in .predicate(attribute: 0, .matches(big)) }),
                    serve: .variant(1)
                )
            ]
        }
        // `fitting` programs fit (the unit tests of `RegexAutomaton(decoding:)` load up to the bound); one more does not.
        #expect(fitting * each <= FlagTables.maximumRegexMemory && (fitting + 1) * each > FlagTables.maximumRegexMemory)
        content.flags[0].rules = rules(fitting + 1)
        #expect(throws: DecodingError.regexMemoryExceeded(limit: FlagTables.maximumRegexMemory)) {
            try FlagTables(decoding: PayloadCodec.encode(content))
        }
        #expect(
            DecodingError.regexMemoryExceeded(limit: FlagTables.maximumRegexMemory).reason
                == "regular expressions would take more than 16777216 bytes of memory (the limit for one bundle)"
        )
    }

    /// The budget is exact: automata up to it load, one byte more does not.
    @Test func theDecoderBudgetIsExact() throws {
        var writer = ByteWriter()
        let automaton = try RegexCompiler.compile("a.{11}")
        automaton.encode(into: &writer)
        let cost = automaton.loadedByteCount
        var budget = cost
        var reader = ByteReader(writer.bytes)
        #expect(try RegexAutomaton(decoding: &reader, memoryBudget: &budget, memoryLimit: cost) == automaton)
        #expect(budget == 0)
        budget = cost - 1
        reader = ByteReader(writer.bytes)
        #expect(throws: DecodingError.regexMemoryExceeded(limit: cost - 1)) {
            try RegexAutomaton(decoding: &reader, memoryBudget: &budget, memoryLimit: cost - 1)
        }
    }

    /// A DFA header that promises a table past the bound is refused from its sizes alone.
    @Test func aTableHeaderOverTheLoadBoundIsRefusedBeforeAllocating() {
        // 65535 states × 256 classes: 67 MB once loaded (the bytes that follow are enough for the counts).
        var reader = ByteReader([0x00, 0xFF, 0xFF, 0x03, 0x80, 0x02, 0x00] + [UInt8](repeating: 0, count: 70_000))
        #expect(throws: DecodingError.regexMemoryExceeded(limit: FlagTables.maximumRegexMemory)) {
            try RegexAutomaton(decoding: &reader)
        }
    }
}
