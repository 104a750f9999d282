/// Unicode simple case folding, derived from the standard library's Unicode data (so it follows the toolchain's
/// Unicode version and covers every script with case: Latin, Greek, Cyrillic, Armenian, Georgian, Cherokee,
/// Glagolitic, Deseret, Adlam, …).
///
/// Two code points are equivalent when one is the single-scalar lowercase or uppercase mapping of the other, closed
/// transitively; this gives RE2's orbits such as `{k, K, U+212A KELVIN SIGN}`, `{s, S, U+017F LONG S}` and
/// `{σ, ς, Σ}`. As in RE2 (which follows CaseFolding.txt's `C` and `S` entries), the Turkic dotted and dotless i
/// (U+0130, U+0131) fold to nothing, and full foldings such as `ß` → `ss` are not applied.
package struct CaseFolding: Sendable {
    /// Every code point that has at least one case variant, sorted.
    package let codePoints: [UInt32]
    /// For each entry of `codePoints`, the index of its orbit in `orbits`.
    private let orbitIndices: [Int32]
    /// The equivalence classes (two or more members each, sorted).
    private let orbits: [[UInt32]]

    /// The table, computed on first use from the standard library's Unicode properties.
    package static let table = CaseFolding()

    /// The members equivalent to `codePoints[index]`, itself included.
    package func orbit(at index: Int) -> [UInt32] { orbits[Int(orbitIndices[index])] }

    /// The members equivalent to `codePoint`, itself included (just `[codePoint]` when it has no variants).
    package func orbit(of codePoint: UInt32) -> [UInt32] {
        let index = firstIndex(atLeast: codePoint)
        guard index < codePoints.count, codePoints[index] == codePoint else { return [codePoint] }
        return orbit(at: index)
    }

    /// The index of the first entry of `codePoints` that is at least `codePoint`.
    package func firstIndex(atLeast codePoint: UInt32) -> Int {
        var low = 0
        var high = codePoints.count
        while low < high {
            let middle = (low + high) / 2
            if codePoints[middle] < codePoint { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private init() {
        // Union-find over code points; only planes 0 and 1 have cased letters.
        var parent: [UInt32: UInt32] = [:]
        func root(_ codePoint: UInt32) -> UInt32 {
            var current = codePoint
            while let next = parent[current], next != current { current = next }
            return current
        }
        func union(_ first: UInt32, _ second: UInt32) {
            if parent[first] == nil { parent[first] = first }
            if parent[second] == nil { parent[second] = second }
            let (a, b) = (root(first), root(second))
            if a != b { parent[max(a, b)] = min(a, b) }
        }
        let excluded: Set<UInt32> = [0x130, 0x131]
        for value in UInt32(0)..<0x2_0000 {
            guard !excluded.contains(value), let scalar = Unicode.Scalar(value),
                scalar.properties.changesWhenCaseMapped
            else { continue }
            for mapping in [scalar.properties.lowercaseMapping, scalar.properties.uppercaseMapping] {
                let scalars = mapping.unicodeScalars
                guard scalars.count == 1, let other = scalars.first?.value, other != value,
                    !excluded.contains(other)
                else { continue }
                union(value, other)
            }
        }
        var groups: [UInt32: [UInt32]] = [:]
        for codePoint in parent.keys { groups[root(codePoint), default: []].append(codePoint) }
        let sortedOrbits = groups.values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        var entries: [(codePoint: UInt32, orbit: Int32)] = []
        for (index, orbit) in sortedOrbits.enumerated() {
            for member in orbit { entries.append((member, Int32(index))) }
        }
        entries.sort { $0.codePoint < $1.codePoint }
        codePoints = entries.map(\.codePoint)
        orbitIndices = entries.map(\.orbit)
        orbits = sortedOrbits
    }
}
