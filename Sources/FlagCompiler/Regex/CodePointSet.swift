/// A set of Unicode code points, kept as sorted, disjoint, non-adjacent closed ranges: the value of a character
/// class, a literal (a set of one, or of its case variants) or `.`.
///
/// Code points, not scalars: `\x{D800}` is a valid RE2 escape for a surrogate, which no UTF-8 text contains; such
/// members simply never match (the UTF-8 compiler skips them).
package struct CodePointSet: Hashable, Sendable {
    /// The largest code point.
    package static let maximum: UInt32 = 0x10_FFFF

    /// The members as sorted, disjoint, non-adjacent ranges.
    package private(set) var ranges: [ClosedRange<UInt32>]

    /// The empty set.
    package init() { ranges = [] }

    /// The union of `ranges`, in any order and overlapping or not; ranges above ``maximum`` are clipped.
    package init(_ ranges: some Sequence<ClosedRange<UInt32>>) {
        self.ranges = []
        insert(contentsOf: ranges)
    }

    /// A set of one code point.
    package init(_ codePoint: UInt32) { self.init([codePoint...codePoint]) }

    /// Every code point.
    package static let all = CodePointSet([0...maximum])

    package var isEmpty: Bool { ranges.isEmpty }

    /// Whether `codePoint` is a member (binary search).
    package func contains(_ codePoint: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < codePoint {
                low = middle + 1
            } else if ranges[middle].lowerBound > codePoint {
                high = middle
            } else {
                return true
            }
        }
        return false
    }

    /// Adds `range` (clipped to ``maximum``).
    package mutating func insert(_ range: ClosedRange<UInt32>) {
        insert(contentsOf: CollectionOfOne(range))
    }

    /// Adds every range of `other`.
    package mutating func formUnion(_ other: CodePointSet) {
        insert(contentsOf: other.ranges)
    }

    /// Adds `newRanges` and restores the sorted, merged form.
    package mutating func insert(contentsOf newRanges: some Sequence<ClosedRange<UInt32>>) {
        var all = ranges
        for range in newRanges where range.lowerBound <= Self.maximum {
            all.append(range.lowerBound...min(range.upperBound, Self.maximum))
        }
        all.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        merged.reserveCapacity(all.count)
        for range in all {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                if range.upperBound > last.upperBound {
                    merged[merged.count - 1] = last.lowerBound...range.upperBound
                }
            } else {
                merged.append(range)
            }
        }
        ranges = merged
    }

    /// Every code point not in the set.
    package func inverted() -> CodePointSet {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = range.upperBound + 1
        }
        if next <= Self.maximum { result.append(next...Self.maximum) }
        var set = CodePointSet()
        set.ranges = result
        return set
    }

    /// The set plus every code point that is equivalent to a member under Unicode simple case folding
    /// (see ``CaseFolding``).
    package func caseFolded() -> CodePointSet {
        let folding = CaseFolding.table
        var extra: [ClosedRange<UInt32>] = []
        for range in ranges {
            var index = folding.firstIndex(atLeast: range.lowerBound)
            while index < folding.codePoints.count, folding.codePoints[index] <= range.upperBound {
                for member in folding.orbit(at: index) { extra.append(member...member) }
                index += 1
            }
        }
        var result = self
        result.insert(contentsOf: extra)
        return result
    }
}

// MARK: - Named classes

extension CodePointSet {
    /// `\d`: ASCII digits.
    static let perlDigit = CodePointSet([0x30...0x39])
    /// `\s`: `[\t\n\f\r ]`, as RE2 (no `\v`).
    static let perlSpace = CodePointSet([0x09...0x0A, 0x0C...0x0D, 0x20...0x20])
    /// `\w`: `[0-9A-Za-z_]`.
    static let perlWord = CodePointSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])

    /// The POSIX classes RE2 knows, by name (`alpha` for `[[:alpha:]]`); all ASCII.
    static let posixClasses: [String: CodePointSet] = [
        "alnum": CodePointSet([0x30...0x39, 0x41...0x5A, 0x61...0x7A]),
        "alpha": CodePointSet([0x41...0x5A, 0x61...0x7A]),
        "ascii": CodePointSet([0x00...0x7F]),
        "blank": CodePointSet([0x09...0x09, 0x20...0x20]),
        "cntrl": CodePointSet([0x00...0x1F, 0x7F...0x7F]),
        "digit": CodePointSet([0x30...0x39]),
        "graph": CodePointSet([0x21...0x7E]),
        "lower": CodePointSet([0x61...0x7A]),
        "print": CodePointSet([0x20...0x7E]),
        "punct": CodePointSet([0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E]),
        "space": CodePointSet([0x09...0x0D, 0x20...0x20]),
        "upper": CodePointSet([0x41...0x5A]),
        "word": CodePointSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]),
        "xdigit": CodePointSet([0x30...0x39, 0x41...0x46, 0x61...0x66]),
    ]

    /// The Unicode class for `\p{name}`: `Any`, or a general category (`L`, `Lu`, `Ll`, `Lt`, `Lm`, `Lo`, `M`, `Mn`,
    /// `Mc`, `Me`, `N`, `Nd`, `Nl`, `No`, `P`, `Pc`, `Pd`, `Ps`, `Pe`, `Pi`, `Pf`, `Po`, `S`, `Sm`, `Sc`, `Sk`, `So`,
    /// `Z`, `Zs`, `Zl`, `Zp`, `C`, `Cc`, `Cf`, `Co`, `Cs`) from the standard library's Unicode data; `nil` for any
    /// other name (scripts such as `Greek` are not supported). As in RE2, `C` covers `Cc`, `Cf`, `Co` and `Cs`, not
    /// `Cn`.
    static func unicodeClass(named name: String) -> CodePointSet? {
        if name == "Any" { return .all }
        return GeneralCategoryTable.table.sets[name]
    }
}

/// The code points of each general category, computed on first use by scanning every scalar's properties once.
private struct GeneralCategoryTable: Sendable {
    let sets: [String: CodePointSet]

    static let table = GeneralCategoryTable()

    private init() {
        func name(of category: Unicode.GeneralCategory) -> String? {
            switch category {
            case .uppercaseLetter: "Lu"
            case .lowercaseLetter: "Ll"
            case .titlecaseLetter: "Lt"
            case .modifierLetter: "Lm"
            case .otherLetter: "Lo"
            case .nonspacingMark: "Mn"
            case .spacingMark: "Mc"
            case .enclosingMark: "Me"
            case .decimalNumber: "Nd"
            case .letterNumber: "Nl"
            case .otherNumber: "No"
            case .connectorPunctuation: "Pc"
            case .dashPunctuation: "Pd"
            case .openPunctuation: "Ps"
            case .closePunctuation: "Pe"
            case .initialPunctuation: "Pi"
            case .finalPunctuation: "Pf"
            case .otherPunctuation: "Po"
            case .mathSymbol: "Sm"
            case .currencySymbol: "Sc"
            case .modifierSymbol: "Sk"
            case .otherSymbol: "So"
            case .spaceSeparator: "Zs"
            case .lineSeparator: "Zl"
            case .paragraphSeparator: "Zp"
            case .control: "Cc"
            case .format: "Cf"
            case .privateUse: "Co"
            case .surrogate, .unassigned: nil
            @unknown default: nil
            }
        }
        var ranges: [String: [ClosedRange<UInt32>]] = [:]
        var current: Unicode.GeneralCategory?
        var currentStart: UInt32 = 0
        func close(at end: UInt32) {
            if let current, let name = name(of: current), end >= currentStart {
                ranges[name, default: []].append(currentStart...end)
            }
        }
        for value in UInt32(0)...CodePointSet.maximum {
            let category = Unicode.Scalar(value)?.properties.generalCategory
            if category != current {
                close(at: value &- 1)
                current = category
                currentStart = value
            }
        }
        close(at: CodePointSet.maximum)

        var sets: [String: CodePointSet] = [:]
        for (name, list) in ranges { sets[name] = CodePointSet(list) }
        for major in ["L", "M", "N", "P", "S", "Z", "C"] {
            var union = CodePointSet()
            for (name, set) in sets where name.count == 2 && name.hasPrefix(major) { union.formUnion(set) }
            sets[major] = union
        }
        // RE2's C includes the surrogates (Cs), which never match UTF-8 text anyway.
        sets["Cs"] = CodePointSet([0xD800...0xDFFF])
        sets["C"]?.insert(0xD800...0xDFFF)
        self.sets = sets
    }
}
