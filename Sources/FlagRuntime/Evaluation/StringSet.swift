/// A set of strings compared by their UTF-8 bytes (code points), not by Swift's canonical
/// equivalence, so every implementation of the flag language agrees on membership. The compiler's
/// model of segment key lists and `in` lists; evaluation searches the bundle's byte tables instead
/// (`FlagTables.View.contains`).
package struct StringSet: Sendable, Hashable {
    /// The members, unique, in byte order (the order the payload writes them in).
    package private(set) var sorted: [String]

    package init(_ strings: some Sequence<String>) {
        var unique: [String] = []
        for string in strings.sorted(by: Self.precedes)
        where unique.last.map({ !TextMatching.equals($0, string) }) ?? true {
            unique.append(string)
        }
        sorted = unique
    }

    /// Members already unique and in byte order (as the decoder checks); nil otherwise.
    package init?(sortedUnique members: [String]) {
        for index in members.indices.dropFirst() where !Self.precedes(members[index - 1], members[index]) {
            return nil
        }
        sorted = members
    }

    package var count: Int { sorted.count }
    package var isEmpty: Bool { sorted.isEmpty }

    /// Byte order.
    package static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        withUTF8(lhs) { left in withUTF8(rhs) { right in TextMatching.compare(left, right) < 0 } }
    }
}

/// A string whose equality and hash are those of its UTF-8 bytes (a dictionary key that never
/// merges canonically equivalent strings).
package struct CodePointString: Sendable, Hashable {
    package let string: String

    package init(_ string: String) { self.string = string }

    package static func == (lhs: CodePointString, rhs: CodePointString) -> Bool {
        TextMatching.equals(lhs.string, rhs.string)
    }

    package func hash(into hasher: inout Hasher) {
        for byte in string.utf8 { hasher.combine(byte) }
    }
}
