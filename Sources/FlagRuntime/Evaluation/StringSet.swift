/// A set of strings compared by their UTF-8 bytes (code points), not by Swift's canonical
/// equivalence, so every implementation of the flag language agrees on membership.
package struct StringSet: Sendable, Hashable {
    private var members: Set<CodePointString>

    package init(_ strings: some Sequence<String>) {
        members = Set(strings.map(CodePointString.init))
    }

    package var count: Int { members.count }
    package var isEmpty: Bool { members.isEmpty }

    package func contains(_ string: String) -> Bool { members.contains(CodePointString(string)) }

    package mutating func insert(_ string: String) { members.insert(CodePointString(string)) }

    /// The members in byte order, for encoding.
    package var sorted: [String] {
        members.map(\.string).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// A string whose equality and hash are those of its UTF-8 bytes.
package struct CodePointString: Sendable, Hashable {
    package let string: String

    package init(_ string: String) { self.string = string }

    package static func == (lhs: CodePointString, rhs: CodePointString) -> Bool {
        TextMatching.equals(lhs.string, rhs.string)
    }

    package func hash(into hasher: inout Hasher) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
        hasher.combine(string.utf8.count)
    }
}
