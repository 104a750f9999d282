import FlagRuntime

/// The limits on a project's regular expressions taken together. Each pattern is bounded on its own (its program's
/// size, ``RegexNFAProgram/maximumInstructionCount``); the budget bounds what many of them add up to:
///
/// - **memory, per target:** the automata of one target's bundle may take at most ``maximumBytes`` once loaded
///   (``RegexAutomaton/loadedByteCount``), the bound the runtime's decoder enforces
///   (`FlagTables.maximumRegexMemory`), so `flagc check` and `build` never accept a bundle a function would refuse;
/// - **compile time, per project:** compiling every pattern may take at most ``maximumWork`` work units
///   (``RegexCompiler/Compilation/work``, NFA node visits). Once the budget is spent, the remaining patterns are only
///   checked and built as NFA programs (linear in their size), so a check stays quick whatever the input.
///
/// Going over either is an error that names the costliest patterns, each at its `file:line:column`.
package struct RegexBudget: Sendable {
    /// The most memory, in bytes, one target's automata may take once loaded.
    package var maximumBytes: Int
    /// The most compile work, in NFA node visits, all of a project's patterns may take (about 4 s of a `flagc
    /// check` on one core; a pattern whose DFA is too large stops trying after ``RegexCompiler/maximumDFAWork``, so
    /// at least 2,000 such patterns fit).
    package var maximumWork: Int

    /// How many of the costliest patterns an error names.
    package static let namedPatterns = 5

    package init(maximumBytes: Int = FlagTables.maximumRegexMemory, maximumWork: Int = 100_000_000) {
        self.maximumBytes = maximumBytes
        self.maximumWork = maximumWork
    }

    /// The budget `flagc check` and `flagc build` apply.
    package static let standard = RegexBudget()
}

/// A `matches` pattern of a project as it was compiled: where it is written, which engine it got, what it cost.
package struct CompiledPattern: Sendable {
    /// The pattern's scalar in its flags file.
    package var location: SourceLocation
    /// The attribute the predicate tests (its key in the condition): what identifies the predicate in a
    /// `ConditionNode`.
    package var attributeLocation: SourceLocation
    /// ``RegexAutomaton/loadedByteCount``.
    package var loadedBytes: Int
    /// ``RegexCompiler/Compilation/work``.
    package var work: Int
    /// `DFA` or `NFA`.
    package var engine: String
}

/// Compiles the `matches` patterns of a project while it is read, against the project's compile-time budget, and
/// keeps what each cost.
package final class RegexPatternLog {
    package let budget: RegexBudget
    package private(set) var patterns: [CompiledPattern] = []
    package private(set) var work = 0
    /// Each distinct pattern compiled so far, by its text and case sensitivity: a repeated pattern costs nothing.
    private var compiled: [PatternKey: RegexAutomaton] = [:]

    private struct PatternKey: Hashable {
        var pattern: String
        var caseInsensitive: Bool
    }
    /// Where the budget ran out: the pattern whose compilation went over it.
    private var exhaustedAt: SourceLocation?

    package init(budget: RegexBudget = .standard) { self.budget = budget }

    /// Compiles `pattern`, written at `location` under the attribute key at `attributeLocation`: with the automatic
    /// engine choice while the budget lasts, as an NFA program once it is spent.
    package func compile(
        _ pattern: String,
        caseInsensitive: Bool,
        at location: SourceLocation,
        attribute attributeLocation: SourceLocation
    ) throws(RegexCompileError) -> RegexAutomaton {
        let key = PatternKey(pattern: pattern, caseInsensitive: caseInsensitive)
        let compilation: RegexCompiler.Compilation
        if let automaton = compiled[key] {
            compilation = RegexCompiler.Compilation(automaton: automaton, work: 0)
        } else {
            compilation = try RegexCompiler.compilation(
                pattern,
                caseInsensitive: caseInsensitive,
                engine: exhaustedAt == nil ? .automatic : .nfa
            )
            compiled[key] = compilation.automaton
        }
        work += compilation.work
        patterns.append(
            CompiledPattern(
                location: location,
                attributeLocation: attributeLocation,
                loadedBytes: compilation.automaton.loadedByteCount,
                work: compilation.work,
                engine: compilation.automaton.table == nil ? "NFA" : "DFA"
            )
        )
        if exhaustedAt == nil, work > budget.maximumWork { exhaustedAt = location }
        return compilation.automaton
    }

    /// Reports a spent compile-time budget, naming the costliest patterns.
    package func reportBudget(to diagnostics: DiagnosticCollector) {
        guard let exhaustedAt else { return }
        let costliest = patterns.sorted { ($0.work, $1.location) > ($1.work, $0.location) }
            .prefix(RegexBudget.namedPatterns)
            .map { "\($0.location) (\($0.work))" }
        diagnostics.error(
            "regular expressions take too long to compile: \(work) work units, more than the project's budget of "
                + "\(budget.maximumWork) (patterns from here on were built as NFA programs only); the costliest: "
                + costliest.joined(separator: ", ") + "; simplify them or use fewer",
            at: exhaustedAt
        )
    }
}

extension RegexBudget {
    /// Checks that the automata of each target's bundle fit ``maximumBytes``, naming the costliest patterns when they
    /// do not. Counts what lowering writes: the rules of the selected flags, as the target's environment sets them,
    /// and each segment they use, once.
    package func checkTargets(of project: FlagProject, diagnostics: DiagnosticCollector) {
        var patternAt: [SourceLocation: CompiledPattern] = [:]
        for pattern in project.patterns where patternAt[pattern.attributeLocation] == nil {
            patternAt[pattern.attributeLocation] = pattern
        }
        var segments: [String: SegmentDefinition] = [:]
        for segment in project.segments where segments[segment.name.value] == nil {
            segments[segment.name.value] = segment
        }
        for target in project.targets {
            var bytesAt: [SourceLocation: (bytes: Int, uses: Int, engine: String)] = [:]
            var total = 0
            var visited: Set<String> = []
            // An explicit stack, not recursion: segment chains are as long as the input makes them.
            func visit(_ root: ConditionNode) {
                var pending = [root]
                while let condition = pending.popLast() {
                    switch condition {
                    case .all(let items), .any(let items): pending.append(contentsOf: items)
                    case .not(let inner): pending.append(inner)
                    case .segment(let name):
                        guard visited.insert(name.value).inserted, let inner = segments[name.value]?.condition else {
                            continue
                        }
                        pending.append(inner)
                    case .predicate(let attribute, .matches(let automaton)):
                        let pattern = patternAt[attribute.location]
                        let bytes = automaton.loadedByteCount
                        total += bytes
                        let engine = automaton.table == nil ? "NFA" : "DFA"
                        bytesAt[pattern?.location ?? attribute.location, default: (0, 0, engine)].bytes += bytes
                        bytesAt[pattern?.location ?? attribute.location]?.uses += 1
                    case .predicate:
                        break
                    }
                }
            }
            let lowering = TargetLowering(project: project, target: target)
            for flag in TargetSelection(target: target, project: project).flags {
                for rule in lowering.effectiveSettings(flag).rules ?? [] {
                    if let condition = rule.condition { visit(condition) }
                }
            }
            guard total > maximumBytes else { continue }
            let costliest = bytesAt.sorted { ($0.value.bytes, $1.key) > ($1.value.bytes, $0.key) }
                .prefix(Self.namedPatterns)
                .map { location, cost in
                    "\(location) (\(cost.bytes) bytes, \(cost.engine)\(cost.uses > 1 ? ", \(cost.uses) uses" : ""))"
                }
            diagnostics.error(
                "the regular expressions of target '\(target.name)' would take \(total) bytes of memory once "
                    + "loaded, more than the \(maximumBytes) a bundle may use; the costliest: "
                    + costliest.joined(separator: ", ") + "; simplify them or split the flags between targets",
                at: target.location
            )
        }
    }
}
