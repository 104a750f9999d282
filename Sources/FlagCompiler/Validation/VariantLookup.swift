/// Variant indices by name, built once per flag: `FlagDefinition.variantIndex(_:)` scans the
/// variants, and a flag may have 65,535 variants named by as many rules (a quadratic check).
final class VariantLookup {
    private var tables: [String: [String: Int]] = [:]

    /// The index of the first variant of `flag` named `name`.
    func index(of name: String, in flag: FlagDefinition) -> Int? {
        guard flag.variants.count > 8 else { return flag.variantIndex(name) }
        // By where the flag is defined: a duplicated key (an error already) has its own variants.
        let id = flag.key.location.description
        if let table = tables[id] { return table[name] }
        var table: [String: Int] = [:]
        for (index, variant) in flag.variants.enumerated() where table[variant.name.value] == nil {
            table[variant.name.value] = index
        }
        tables[id] = table
        return table[name]
    }
}

/// At most `count` "did you mean" searches: each compares a name with every candidate, so a
/// project with thousands of unknown names would otherwise take (names × candidates).
final class SuggestionBudget {
    private var left: Int

    init(_ count: Int) { left = count }

    /// `Suggestion.closest(to:among:)` while the budget lasts, then nil.
    func closest<Candidates: Sequence<String>>(to word: String, among candidates: () -> Candidates) -> String? {
        guard left > 0 else { return nil }
        left -= 1
        return Suggestion.closest(to: word, among: candidates())
    }
}
