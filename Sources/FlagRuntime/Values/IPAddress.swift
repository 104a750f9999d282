/// An IPv4 or IPv6 address, the value side of the `inCidr` operator.
///
/// Stored as 128 bits plus the family it was written in. An IPv4 address `a.b.c.d` is stored as its IPv4-mapped
/// IPv6 form `::ffff:a.b.c.d`, so IPv4 ranges also match IPv4-mapped IPv6 addresses and the other way round (see
/// ``CIDRRange/contains(_:)``). Equality includes the family: `1.2.3.4` and `::ffff:1.2.3.4` are different values
/// that match the same ranges.
package struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// How an address was written.
    package enum Family: Sendable, Hashable {
        case ipv4
        case ipv6
    }

    package let family: Family
    /// The first eight bytes of the 128-bit address (for IPv4, of its IPv4-mapped form), as a big-endian integer.
    package let high: UInt64
    /// The last eight bytes of the 128-bit address, as a big-endian integer; an IPv4 address is its low 32 bits.
    package let low: UInt64

    /// The upper 96 bits shared by all IPv4-mapped addresses: `::ffff:0:0/96`.
    static let mappedPrefixLow: UInt64 = 0x0000_ffff_0000_0000

    /// An address from its 128 bits.
    package init(family: Family, high: UInt64, low: UInt64) {
        self.family = family
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its 32 bits.
    package init(ipv4 value: UInt32) {
        self.init(family: .ipv4, high: 0, low: Self.mappedPrefixLow | UInt64(value))
    }

    /// Parses an address; `nil` when `text` is not one. See ``parse(_:)`` for the accepted forms.
    package init?(_ text: String) {
        guard let address = Self.parse(text) else { return nil }
        self = address
    }

    /// Parses an address on its UTF-8 bytes without allocating; `nil` when `text` is not one.
    ///
    /// - IPv4: a strict dotted quad, four decimal parts of 0–255 without leading zeros (`10.0.0.1`, not `010.0.0.1`,
    ///   `10.1` or `10.0.0.1.`).
    /// - IPv6: the text forms of RFC 4291 §2.2: eight groups of one to four hex digits in either case, one `::`
    ///   standing for one or more zero groups, and an IPv4 dotted quad in place of the last two groups
    ///   (`::ffff:192.0.2.1`). Zone identifiers (`fe80::1%eth0`), brackets and surrounding whitespace are refused.
    package static func parse(_ text: String) -> IPAddress? {
        withUTF8(text) { parse(utf8: $0) }
    }

    /// ``parse(_:)`` on UTF-8 bytes.
    package static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        if bytes.contains(UInt8(ascii: ":")) {
            guard let (high, low) = parseIPv6(bytes) else { return nil }
            return IPAddress(family: .ipv6, high: high, low: low)
        }
        guard let value = parseIPv4(bytes, from: 0) else { return nil }
        return IPAddress(ipv4: value)
    }

    /// Whether the 128 bits are an IPv4-mapped address (`::ffff:0:0/96`); always true for ``Family/ipv4``.
    package var isIPv4Mapped: Bool {
        high == 0 && low >> 32 == 0xffff
    }

    /// The canonical text: dotted quad for IPv4, RFC 5952 for IPv6 (lower case, the longest run of two or more zero
    /// groups as `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`).
    package var description: String {
        if family == .ipv4 { return Self.dottedQuad(UInt32(truncatingIfNeeded: low)) }
        if isIPv4Mapped { return "::ffff:" + Self.dottedQuad(UInt32(truncatingIfNeeded: low)) }
        let groups = (0..<8).map { group(at: $0) }
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            let start = index
            while index < 8 && groups[index] == 0 { index += 1 }
            if index - start > bestLength {
                bestStart = start
                bestLength = index - start
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    /// The 16-bit group at `index` (0 is the most significant).
    func group(at index: Int) -> UInt16 {
        let word = index < 4 ? high : low
        return UInt16(truncatingIfNeeded: word >> (48 - 16 * UInt64(index % 4)))
    }

    private static func dottedQuad(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    /// A strict dotted quad filling `bytes[start...]` exactly.
    private static func parseIPv4(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt32? {
        var index = start
        var value: UInt32 = 0
        for part in 0..<4 {
            if part > 0 {
                guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return nil }
                index += 1
            }
            let partStart = index
            var number: UInt32 = 0
            while index < bytes.count, index - partStart < 3 {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                number = number * 10 + UInt32(digit)
                index += 1
            }
            let length = index - partStart
            guard length > 0, number <= 255, length == 1 || bytes[partStart] != UInt8(ascii: "0") else { return nil }
            value = value << 8 | number
        }
        guard index == bytes.count else { return nil }
        return value
    }

    /// RFC 4291 text filling `bytes` exactly, as two 64-bit halves.
    private static func parseIPv6(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        let count = bytes.count
        // Groups before `::` (or all of them, without one) and after it, each packed right-aligned.
        var head = Bits128()
        var tail = Bits128()
        var headGroups = 0
        var tailGroups = 0
        var compressed = false
        var index = 0
        if count >= 2 && bytes[0] == UInt8(ascii: ":") && bytes[1] == UInt8(ascii: ":") {
            compressed = true
            index = 2
            if index == count { return (0, 0) }
        }
        while true {
            // One group: hex digits, or a trailing dotted quad worth two groups.
            let groupStart = index
            var group: UInt64 = 0
            while index < count, index - groupStart < 5, let digit = hexValue(bytes[index]) {
                group = group << 4 | UInt64(digit)
                index += 1
            }
            if index < count && bytes[index] == UInt8(ascii: ".") {
                guard let ipv4 = parseIPv4(bytes, from: groupStart) else { return nil }
                if compressed {
                    tail.append(UInt64(ipv4 >> 16))
                    tail.append(UInt64(ipv4 & 0xffff))
                    tailGroups += 2
                } else {
                    head.append(UInt64(ipv4 >> 16))
                    head.append(UInt64(ipv4 & 0xffff))
                    headGroups += 2
                }
                index = count
                break
            }
            let digits = index - groupStart
            guard digits >= 1 && digits <= 4 else { return nil }
            if compressed {
                tail.append(group)
                tailGroups += 1
            } else {
                head.append(group)
                headGroups += 1
            }
            guard headGroups + tailGroups <= 8 else { return nil }
            if index == count { break }
            guard bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < count && bytes[index] == UInt8(ascii: ":") {
                guard !compressed else { return nil }
                compressed = true
                index += 1
                if index == count { break }
            }
        }
        let groups = headGroups + tailGroups
        if compressed {
            // `::` stands for at least one zero group.
            guard groups <= 7 else { return nil }
            head.shiftLeft(groups: 8 - headGroups)
            return (head.high | tail.high, head.low | tail.low)
        }
        guard groups == 8 else { return nil }
        return (head.high, head.low)
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        let digit = byte &- UInt8(ascii: "0")
        if digit < 10 { return digit }
        let letter = (byte | 0x20) &- UInt8(ascii: "a")
        return letter < 6 ? letter + 10 : nil
    }

    /// A 128-bit accumulator of 16-bit groups.
    private struct Bits128 {
        var high: UInt64 = 0
        var low: UInt64 = 0

        /// Shifts in one group at the right.
        mutating func append(_ group: UInt64) {
            high = high << 16 | low >> 48
            low = low << 16 | group
        }

        mutating func shiftLeft(groups: Int) {
            for _ in 0..<groups { append(0) }
        }
    }
}

/// An IPv4 or IPv6 network in CIDR notation, `address/prefixLength`, for the `inCidr` operator.
///
/// Matching happens in the 128-bit IPv4-mapped space: an IPv4 range `a.b.c.d/n` is the IPv6 range
/// `::ffff:a.b.c.d/(96+n)`. So an IPv4 range contains IPv4 addresses and their IPv4-mapped IPv6 forms, an IPv6 range
/// that covers `::ffff:0:0/96` (such as `::/0`) also contains IPv4 addresses, and other IPv6 ranges never do.
package struct CIDRRange: Sendable, Hashable, CustomStringConvertible {
    /// The network address, host bits cleared, in the family the range was written in.
    package let network: IPAddress
    /// The prefix length as written: 0…32 for IPv4, 0…128 for IPv6.
    package let prefixLength: Int
    /// Whether the text had bits set after the prefix (`10.1.2.3/8`); they are cleared in ``network``. The compiler
    /// warns about it, as the writer probably meant something else.
    package let hadHostBits: Bool

    private let maskHigh: UInt64
    private let maskLow: UInt64

    /// A range from an address (host bits are cleared) and a prefix length within its family's width.
    package init?(address: IPAddress, prefixLength: Int) {
        let width = address.family == .ipv4 ? 32 : 128
        guard prefixLength >= 0 && prefixLength <= width else { return nil }
        let bits = prefixLength + (128 - width)  // in 128-bit space
        maskHigh = bits >= 64 ? ~0 : (bits == 0 ? 0 : ~0 << UInt64(64 - bits))
        maskLow = bits <= 64 ? 0 : (bits == 128 ? ~0 : ~0 << UInt64(128 - bits))
        let high = address.high & maskHigh
        let low = address.low & maskLow
        hadHostBits = high != address.high || low != address.low
        network = IPAddress(family: address.family, high: high, low: low)
        self.prefixLength = prefixLength
    }

    /// Parses `address/prefixLength` (the prefix length in decimal without leading zeros), or a bare address as a
    /// single-address range (`/32` or `/128`); `nil` when `text` is neither. Addresses as in ``IPAddress/parse(_:)``.
    package init?(_ text: String) {
        let parsed: CIDRRange? = withUTF8(text) { bytes in
            guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else {
                guard let address = IPAddress.parse(utf8: bytes) else { return nil }
                return CIDRRange(address: address, prefixLength: address.family == .ipv4 ? 32 : 128)
            }
            guard let address = IPAddress.parse(utf8: UnsafeBufferPointer(rebasing: bytes[..<slash])) else {
                return nil
            }
            let digits = bytes[(slash + 1)...]
            guard !digits.isEmpty, digits.count <= 3, digits.count == 1 || digits.first != UInt8(ascii: "0") else {
                return nil
            }
            var length = 0
            for byte in digits {
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                length = length * 10 + Int(digit)
            }
            return CIDRRange(address: address, prefixLength: length)
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Whether `address` lies in this range, compared in the IPv4-mapped 128-bit space (see the type's
    /// documentation). Two ANDs and two compares.
    @inline(__always)
    package func contains(_ address: IPAddress) -> Bool {
        address.high & maskHigh == network.high && address.low & maskLow == network.low
    }

    /// `network/prefixLength`, the network in canonical form.
    package var description: String {
        "\(network)/\(prefixLength)"
    }
}
