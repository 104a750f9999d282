/// "Did you mean …?" suggestions for misspelled names (fields, operators, flags, segments).
package enum Suggestion {
    /// The one way a message offers a suggestion: `; did you mean 'NAME'?`, or `otherwise` (often
    /// empty) when there is none.
    package static func didYouMean(_ suggestion: String?, otherwise: String = "") -> String {
        suggestion.map { "; did you mean '\($0)'?" } ?? otherwise
    }

    /// The candidate the user most likely meant by `word`, or `nil` when none is close enough to be a typo.
    ///
    /// Candidates are compared case-insensitively by edit distance, where swapping two adjacent characters
    /// counts as one edit. A candidate qualifies when it differs from `word` only in case, or when its distance
    /// is at most `max(1, word.count / 3)`. The closest wins; ties go to the candidate closer in case, then to the
    /// one that sorts first, so the answer never depends on the candidates' order.
    package static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        guard !word.isEmpty else { return nil }
        let folded = Array(word.lowercased())
        let exact = Array(word)
        let limit = Swift.max(1, word.count / 3)
        var best: (candidate: String, distance: Int, caseDistance: Int)?
        for candidate in candidates where !candidate.isEmpty {
            let candidateFolded = Array(candidate.lowercased())
            // Cheap bound: the distance is at least the difference in length.
            if abs(candidateFolded.count - folded.count) > limit { continue }
            let distance = editDistance(folded, candidateFolded, limit: limit)
            guard distance <= limit else { continue }
            let caseDistance = editDistance(exact, Array(candidate), limit: Int.max)
            if let current = best {
                let isBetter =
                    (distance, caseDistance) < (current.distance, current.caseDistance)
                    || ((distance, caseDistance) == (current.distance, current.caseDistance)
                        && candidate < current.candidate)
                guard isBetter else { continue }
            }
            best = (candidate, distance, caseDistance)
        }
        return best?.candidate
    }

    /// Optimal string alignment distance (insertions, deletions, substitutions, adjacent transpositions).
    /// Returns early with a value above `limit` once no alignment can stay within it.
    static func editDistance(_ lhs: [Character], _ rhs: [Character], limit: Int) -> Int {
        if lhs.isEmpty { return rhs.count }
        if rhs.isEmpty { return lhs.count }
        var previousPrevious = [Int](repeating: 0, count: rhs.count + 1)
        var previous = Array(0...rhs.count)
        var current = [Int](repeating: 0, count: rhs.count + 1)
        var previousMinimum = 0
        for i in 1...lhs.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...rhs.count {
                let cost = lhs[i - 1] == rhs[j - 1] ? 0 : 1
                var value = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, lhs[i - 1] == rhs[j - 2], lhs[i - 2] == rhs[j - 1] {
                    value = Swift.min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = Swift.min(rowMinimum, value)
            }
            // A transposition reaches back two rows, so stop only when two rows in a row are over the limit.
            if rowMinimum > limit && previousMinimum > limit { return rowMinimum }
            previousMinimum = rowMinimum
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[rhs.count]
    }
}
