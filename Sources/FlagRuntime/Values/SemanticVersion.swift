/// A version number under Semantic Versioning 2.0.0, the order behind the `semver*` operators.
///
/// Parsing is strict, exactly the grammar of semver.org: `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]` where the three
/// numbers have no leading zeros, pre-release and build identifiers are non-empty runs of `[0-9A-Za-z-]` separated by
/// dots, and numeric pre-release identifiers have no leading zeros. No leading `v`, no whitespace, no missing
/// components. Numbers (the three components and numeric pre-release identifiers) that do not fit in a `UInt64` make
/// the text invalid.
///
/// Equality, hashing and order are precedence (§11): build metadata is ignored, so `1.0.0+a == 1.0.0+b`; it is kept
/// only for ``description``.
package struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// One dot-separated pre-release identifier.
    package enum PrereleaseIdentifier: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// All digits: compared numerically, and lower than every alphanumeric identifier.
        case numeric(UInt64)
        /// At least one letter or hyphen: compared byte by byte in ASCII order.
        case alphanumeric(String)

        package static func < (lhs: Self, rhs: Self) -> Bool {
            switch (lhs, rhs) {
            case let (.numeric(left), .numeric(right)): left < right
            case (.numeric, .alphanumeric): true
            case (.alphanumeric, .numeric): false
            case let (.alphanumeric(left), .alphanumeric(right)): left.utf8.lexicographicallyPrecedes(right.utf8)
            }
        }

        package var description: String {
            switch self {
            case .numeric(let value): String(value)
            case .alphanumeric(let text): text
            }
        }
    }

    package let major: UInt64
    package let minor: UInt64
    package let patch: UInt64
    /// Empty for a release.
    package let prerelease: [PrereleaseIdentifier]
    /// Build metadata identifiers; no part of equality or order.
    package let build: [String]

    /// A version from its parts; identifiers are taken as given (not validated).
    package init(
        major: UInt64,
        minor: UInt64,
        patch: UInt64,
        prerelease: [PrereleaseIdentifier] = [],
        build: [String] = []
    ) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.build = build
    }

    /// Parses `text` strictly (see the type's documentation); `nil` when it is not a valid version.
    package init?(_ text: String) {
        let parsed: SemanticVersion? = withUTF8(text) { bytes in
            guard let layout = Layout(parsing: bytes) else { return nil }
            var prerelease: [PrereleaseIdentifier] = []
            var identifiers = layout.prereleaseIdentifiers(in: bytes)
            while let identifier = identifiers.next() {
                if let number = identifier.number {
                    prerelease.append(.numeric(number))
                } else {
                    prerelease.append(.alphanumeric(String(decoding: bytes[identifier.range], as: UTF8.self)))
                }
            }
            var build: [String] = []
            if !layout.build.isEmpty {
                build = bytes[layout.build].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
                    .map { String(decoding: $0, as: UTF8.self) }
            }
            return SemanticVersion(
                major: layout.major,
                minor: layout.minor,
                patch: layout.patch,
                prerelease: prerelease,
                build: build
            )
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Whether this is a pre-release (has pre-release identifiers).
    package var isPrerelease: Bool { !prerelease.isEmpty }

    /// The canonical text, build metadata included: `1.2.3-rc.1+sha.5114f85`.
    package var description: String {
        var text = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { text += "-" + prerelease.map(\.description).joined(separator: ".") }
        if !build.isEmpty { text += "+" + build.joined(separator: ".") }
        return text
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.major == rhs.major && lhs.minor == rhs.minor && lhs.patch == rhs.patch && lhs.prerelease == rhs.prerelease
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(patch)
        hasher.combine(prerelease)
    }

    package static func < (lhs: Self, rhs: Self) -> Bool {
        if lhs.major != rhs.major { return lhs.major < rhs.major }
        if lhs.minor != rhs.minor { return lhs.minor < rhs.minor }
        if lhs.patch != rhs.patch { return lhs.patch < rhs.patch }
        // A release is higher than any of its pre-releases.
        if lhs.prerelease.isEmpty || rhs.prerelease.isEmpty { return !lhs.prerelease.isEmpty && rhs.prerelease.isEmpty }
        // Identifier by identifier; with an equal prefix, the shorter list is lower.
        return lhs.prerelease.lexicographicallyPrecedes(rhs.prerelease)
    }

    /// The precedence of the version written in `text` relative to `version`: -1 (lower), 0 (same precedence) or 1
    /// (higher), or `nil` when `text` is not a valid version.
    ///
    /// The evaluator's path: `text` is validated and compared on its UTF-8 bytes in place, pre-release identifiers as
    /// byte ranges, so nothing is allocated.
    package static func compare(_ text: String, to version: SemanticVersion) -> Int? {
        withUTF8(text) { compare(utf8: $0, to: version) }
    }

    /// ``compare(_:to:)`` on UTF-8 bytes.
    package static func compare(utf8 bytes: UnsafeBufferPointer<UInt8>, to version: SemanticVersion) -> Int? {
        guard let layout = Layout(parsing: bytes) else { return nil }
        if layout.major != version.major { return layout.major < version.major ? -1 : 1 }
        if layout.minor != version.minor { return layout.minor < version.minor ? -1 : 1 }
        if layout.patch != version.patch { return layout.patch < version.patch ? -1 : 1 }
        let textIsRelease = layout.prerelease.isEmpty
        if textIsRelease || version.prerelease.isEmpty {
            if textIsRelease == version.prerelease.isEmpty { return 0 }
            return textIsRelease ? 1 : -1
        }
        var identifiers = layout.prereleaseIdentifiers(in: bytes)
        var index = 0
        while true {
            let left = identifiers.next()
            let hasRight = index < version.prerelease.count
            guard let left else { return hasRight ? -1 : 0 }
            guard hasRight else { return 1 }
            let order = left.compare(to: version.prerelease[index], in: bytes)
            if order != 0 { return order }
            index += 1
        }
    }
}

extension SemanticVersion {

    /// Where the parts of a valid version lie in its UTF-8 bytes, found in one pass with no allocation.
    fileprivate struct Layout {
        var major: UInt64 = 0
        var minor: UInt64 = 0
        var patch: UInt64 = 0
        /// The pre-release identifiers after `-`, without it; empty for a release.
        var prerelease: Range<Int> = 0..<0
        /// The build identifiers after `+`, without it; empty when there are none.
        var build: Range<Int> = 0..<0

        init?(parsing bytes: UnsafeBufferPointer<UInt8>) {
            var index = 0
            guard let major = Self.number(in: bytes, at: &index), Self.skip(UInt8(ascii: "."), in: bytes, at: &index),
                let minor = Self.number(in: bytes, at: &index), Self.skip(UInt8(ascii: "."), in: bytes, at: &index),
                let patch = Self.number(in: bytes, at: &index)
            else { return nil }
            self.major = major
            self.minor = minor
            self.patch = patch
            if Self.skip(UInt8(ascii: "-"), in: bytes, at: &index) {
                let start = index
                guard Self.identifiers(in: bytes, at: &index, isPrerelease: true) else { return nil }
                prerelease = start..<index
            }
            if Self.skip(UInt8(ascii: "+"), in: bytes, at: &index) {
                let start = index
                guard Self.identifiers(in: bytes, at: &index, isPrerelease: false) else { return nil }
                build = start..<index
            }
            guard index == bytes.count else { return nil }
        }

        func prereleaseIdentifiers(in bytes: UnsafeBufferPointer<UInt8>) -> IdentifierIterator {
            IdentifierIterator(bytes: bytes, position: prerelease.lowerBound, end: prerelease.upperBound)
        }

        private static func skip(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, at index: inout Int) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A numeric identifier: `0` or a non-zero digit followed by digits, fitting in a `UInt64`.
        private static func number(in bytes: UnsafeBufferPointer<UInt8>, at index: inout Int) -> UInt64? {
            let start = index
            var value: UInt64 = 0
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                index += 1
            }
            let length = index - start
            guard length > 0, length == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            return value
        }

        /// Dot-separated non-empty identifiers of `[0-9A-Za-z-]`, up to the first other byte. Pre-release identifiers
        /// that are all digits must also be valid numbers (no leading zero, within `UInt64`).
        private static func identifiers(
            in bytes: UnsafeBufferPointer<UInt8>,
            at index: inout Int,
            isPrerelease: Bool
        ) -> Bool {
            while true {
                let start = index
                var allDigits = true
                while index < bytes.count {
                    let byte = bytes[index]
                    if digitValue(byte) != nil {
                        index += 1
                    } else if isIdentifierLetter(byte) {
                        allDigits = false
                        index += 1
                    } else {
                        break
                    }
                }
                guard index > start else { return false }
                if isPrerelease && allDigits {
                    var numberIndex = start
                    guard number(in: bytes, at: &numberIndex) != nil else { return false }
                }
                guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return true }
                index += 1
            }
        }

        @inline(__always)
        static func digitValue(_ byte: UInt8) -> UInt8? {
            let value = byte &- UInt8(ascii: "0")
            return value < 10 ? value : nil
        }

        @inline(__always)
        static func isIdentifierLetter(_ byte: UInt8) -> Bool {
            let lower = byte | 0x20
            return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || byte == UInt8(ascii: "-")
        }
    }

    /// Steps through the pre-release identifiers of a validated version's bytes.
    fileprivate struct IdentifierIterator {
        struct Identifier {
            var range: Range<Int>
            /// The value of an all-digit identifier; `nil` for an alphanumeric one.
            var number: UInt64?

            /// -1, 0 or 1 as this identifier (in `bytes`) is lower than, equal to or higher than `other`.
            func compare(to other: SemanticVersion.PrereleaseIdentifier, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
                switch (number, other) {
                case let (left?, .numeric(right)):
                    return left == right ? 0 : (left < right ? -1 : 1)
                case (.some, .alphanumeric):
                    return -1
                case (nil, .numeric):
                    return 1
                case let (nil, .alphanumeric(right)):
                    var position = range.lowerBound
                    for rightByte in right.utf8 {
                        guard position < range.upperBound else { return -1 }
                        let leftByte = bytes[position]
                        if leftByte != rightByte { return leftByte < rightByte ? -1 : 1 }
                        position += 1
                    }
                    return position < range.upperBound ? 1 : 0
                }
            }
        }

        let bytes: UnsafeBufferPointer<UInt8>
        var position: Int
        let end: Int

        mutating func next() -> Identifier? {
            guard position < end else { return nil }
            let start = position
            var number: UInt64? = 0
            while position < end, bytes[position] != UInt8(ascii: ".") {
                if let value = number, let digit = Layout.digitValue(bytes[position]) {
                    // Validation already proved all-digit identifiers fit.
                    number = value &* 10 &+ UInt64(digit)
                } else {
                    number = nil
                }
                position += 1
            }
            let identifier = Identifier(range: start..<position, number: number)
            if position < end { position += 1 }  // the dot
            return identifier
        }
    }
}
