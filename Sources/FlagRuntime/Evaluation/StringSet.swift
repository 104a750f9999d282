/// A set of strings compared by their UTF-8 bytes (code points), not by Swift's canonical
/// equivalence, so every implementation of the flag language agrees on membership. Stored as a
/// sorted array: building it at load hashes nothing (the compiler writes members already sorted),
/// and a lookup is a binary search of byte comparisons (a linear scan for a few members).
package struct StringSet: Sendable, Hashable {
    /// The members, unique; in byte order when there are more than `linearLimit` of them (a small
    /// set is scanned, so building it sorts nothing).
    private var members: [String]

    private static let linearLimit = 8

    package init(_ strings: some Sequence<String>) {
        let all = Array(strings)
        var unique: [String] = []
        unique.reserveCapacity(all.count)
        if all.count <= Self.linearLimit {
            for string in all where !unique.contains(where: { TextMatching.equals($0, string) }) {
                unique.append(string)
            }
        } else {
            for string in all.sorted(by: Self.precedes)
            where unique.last.map({ !TextMatching.equals($0, string) }) ?? true {
                unique.append(string)
            }
        }
        members = unique
    }

    /// Members already unique and in byte order (as the decoder checks); nil otherwise.
    package init?(sortedUnique members: [String]) {
        for index in members.indices.dropFirst() where !Self.precedes(members[index - 1], members[index]) {
            return nil
        }
        self.members = members
    }

    package var count: Int { members.count }
    package var isEmpty: Bool { members.isEmpty }

    /// The members in byte order, for encoding.
    package var sorted: [String] {
        members.count > Self.linearLimit ? members : members.sorted(by: Self.precedes)
    }

    package static func == (lhs: StringSet, rhs: StringSet) -> Bool { lhs.sorted == rhs.sorted }
    package func hash(into hasher: inout Hasher) { hasher.combine(sorted) }

    package func contains(_ string: String) -> Bool {
        if members.count <= Self.linearLimit {
            // Index loops, not `for in`: unoptimized builds would box each element of the iterator.
            var index = 0
            while index < members.count {
                if TextMatching.equals(members[index], string) { return true }
                index += 1
            }
            return false
        }
        // The needle's bytes are fetched once; each probe compares buffers directly.
        return withUTF8(string) { needle in
            var low = 0
            var high = members.count
            while low < high {
                let middle = (low + high) / 2
                switch withUTF8(members[middle], { Self.compare($0, needle) }) {
                case 0: return true
                case ..<0: low = middle + 1
                default: high = middle
                }
            }
            return false
        }
    }

    /// -1, 0 or 1 by bytes.
    @inline(__always)
    private static func compare(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let common = Swift.min(left.count, right.count)
        var index = 0
        while index < common {
            if left[index] != right[index] { return left[index] < right[index] ? -1 : 1 }
            index += 1
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }

    package mutating func insert(_ string: String) {
        guard !contains(string) else { return }
        members.append(string)
        if members.count > Self.linearLimit { members.sort(by: Self.precedes) }
    }

    /// Byte order.
    package static func precedes(_ lhs: String, _ rhs: String) -> Bool { compare(lhs, rhs) < 0 }

    /// -1, 0 or 1 by UTF-8 bytes.
    package static func compare(_ lhs: String, _ rhs: String) -> Int {
        let fast = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right -> Int in
                let common = Swift.min(left.count, right.count)
                var index = 0
                while index < common {
                    if left[index] != right[index] { return left[index] < right[index] ? -1 : 1 }
                    index += 1
                }
                return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
            }
        }
        if let result = fast ?? nil { return result }
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let a?, let b?): if a != b { return a < b ? -1 : 1 }
            }
        }
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
