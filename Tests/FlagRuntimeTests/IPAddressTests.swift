import FlagRuntime
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("IPAddress and CIDRRange")
struct IPAddressTests {
    struct AddressCase: Sendable, CustomTestStringConvertible {
        let text: String
        let canonical: String
        let family: IPAddress.Family
        var testDescription: String { text }
    }

    static let validAddresses: [AddressCase] = [
        .init(text: "0.0.0.0", canonical: "0.0.0.0", family: .ipv4),
        .init(text: "10.0.0.1", canonical: "10.0.0.1", family: .ipv4),
        .init(text: "192.168.100.200", canonical: "192.168.100.200", family: .ipv4),
        .init(text: "255.255.255.255", canonical: "255.255.255.255", family: .ipv4),
        .init(text: "::", canonical: "::", family: .ipv6),
        .init(text: "::1", canonical: "::1", family: .ipv6),
        .init(text: "1::", canonical: "1::", family: .ipv6),
        .init(text: "2001:db8::1", canonical: "2001:db8::1", family: .ipv6),
        .init(text: "2001:DB8:0:0:8:800:200C:417A", canonical: "2001:db8::8:800:200c:417a", family: .ipv6),
        .init(text: "2001:0db8:0000:0000:0000:ff00:0042:8329", canonical: "2001:db8::ff00:42:8329", family: .ipv6),
        .init(text: "FF01::101", canonical: "ff01::101", family: .ipv6),
        .init(text: "fE80::AbCd", canonical: "fe80::abcd", family: .ipv6),
        .init(text: "1:2:3:4:5:6:7:8", canonical: "1:2:3:4:5:6:7:8", family: .ipv6),
        .init(text: "1:2:3:4:5:6:7::", canonical: "1:2:3:4:5:6:7:0", family: .ipv6),
        .init(text: "::2:3:4:5:6:7:8", canonical: "0:2:3:4:5:6:7:8", family: .ipv6),
        .init(text: "1:0:0:2:0:0:0:3", canonical: "1:0:0:2::3", family: .ipv6),
        .init(text: "1:0:0:2:0:0:3:4", canonical: "1::2:0:0:3:4", family: .ipv6),
        .init(text: "::ffff:129.144.52.38", canonical: "::ffff:129.144.52.38", family: .ipv6),
        .init(text: "::FFFF:1.2.3.4", canonical: "::ffff:1.2.3.4", family: .ipv6),
        .init(text: "0:0:0:0:0:ffff:1.2.3.4", canonical: "::ffff:1.2.3.4", family: .ipv6),
        .init(text: "0:0:0:0:0:0:13.1.68.3", canonical: "::d01:4403", family: .ipv6),
        .init(text: "1:2:3:4:5:6:1.2.3.4", canonical: "1:2:3:4:5:6:102:304", family: .ipv6),
        .init(text: "64:ff9b::192.0.2.33", canonical: "64:ff9b::c000:221", family: .ipv6),
    ]

    @Test("valid addresses parse and print canonically", arguments: validAddresses)
    func validAddressesParse(testCase: AddressCase) throws {
        let address = try #require(IPAddress(testCase.text))
        #expect(address.family == testCase.family)
        #expect(address.description == testCase.canonical)
        #expect(IPAddress.parse(testCase.canonical) == address)
        #expect(Self.systemBytes(testCase.text) == Self.bytes(of: address))
    }

    static let invalidAddresses: [String] = [
        "", " ", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.256", "1.2.3.1000", "01.2.3.4", "1.2.3.04", "1.2.3.00",
        "1..3.4", "1.2.3.", ".1.2.3", " 1.2.3.4", "1.2.3.4 ", "1.2.3.-4", "1.2.3.+4", "0x1.2.3.4", "1.2.3.4a",
        "１.2.3.4",
        "1.2.3.4/8", "localhost", "1", "4294967295",
        ":", ":::", "::::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "::1::", "12345::", "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8", "g::", "::g", "fe80::1%eth0", "fe80::1%1", "[::1]", ":1::", "1::2:",
        ":1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:1.2.3.4", "::1.2.3",
        "::1.2.3.04", "::256.1.1.1", "1.2.3.4::", "::ffff:1.2.3.4:5", "::1.2.3.4.5", "::ffff:1.2.3.4/96", " ::1",
        "::1 ", "::-1", "::+1", "1:2:3:4:5:6:7:８", "::ffff:0x1.2.3.4", "::1:", "1:::2",
    ]

    @Test("invalid addresses are refused", arguments: invalidAddresses)
    func invalidAddressesAreRefused(text: String) {
        #expect(IPAddress(text) == nil)
        #expect(IPAddress.parse(text) == nil)
    }

    @Test("parsing agrees with the C library's inet_pton on random and mutated text", arguments: 0..<10)
    func parsingAgreesWithInetPton(round: Int) {
        var generator = SeededValueGenerator(seed: 9000 + UInt64(round))
        var validCount = 0
        for _ in 0..<400 {
            var text = Self.randomAddressText(using: &generator)
            for _ in 0..<Int.random(in: 0...2, using: &generator) { Self.mutate(&text, using: &generator) }
            let expected = Self.systemBytes(text)
            let parsed = IPAddress.parse(text)
            #expect(parsed.map(Self.bytes(of:)) == expected, "\(text)")
            if expected != nil { validCount += 1 }
        }
        // Both outcomes are well represented, so the comparison means something.
        #expect((100...300).contains(validCount))
    }

    struct RangeCase: Sendable, CustomTestStringConvertible {
        let range: String
        let address: String
        let contains: Bool
        var testDescription: String { "\(range) \(contains ? "∋" : "∌") \(address)" }
    }

    static let rangeCases: [RangeCase] = [
        .init(range: "10.0.0.0/8", address: "10.0.0.0", contains: true),
        .init(range: "10.0.0.0/8", address: "10.255.255.255", contains: true),
        .init(range: "10.0.0.0/8", address: "11.0.0.0", contains: false),
        .init(range: "10.0.0.0/8", address: "9.255.255.255", contains: false),
        .init(range: "10.0.0.0/8", address: "::ffff:10.1.2.3", contains: true),
        .init(range: "10.0.0.0/8", address: "::10.1.2.3", contains: false),
        .init(range: "10.0.0.0/8", address: "2001:db8::1", contains: false),
        .init(range: "192.168.1.128/25", address: "192.168.1.200", contains: true),
        .init(range: "192.168.1.128/25", address: "192.168.1.127", contains: false),
        .init(range: "1.2.3.4/32", address: "1.2.3.4", contains: true),
        .init(range: "1.2.3.4/32", address: "1.2.3.5", contains: false),
        .init(range: "1.2.3.4", address: "1.2.3.4", contains: true),
        .init(range: "1.2.3.4", address: "1.2.3.5", contains: false),
        .init(range: "0.0.0.0/0", address: "255.255.255.255", contains: true),
        .init(range: "0.0.0.0/0", address: "::ffff:8.8.8.8", contains: true),
        .init(range: "0.0.0.0/0", address: "2001:db8::1", contains: false),
        .init(range: "0.0.0.0/0", address: "::", contains: false),
        .init(range: "::/0", address: "2001:db8::1", contains: true),
        .init(range: "::/0", address: "1.2.3.4", contains: true),
        .init(range: "::ffff:0:0/96", address: "1.2.3.4", contains: true),
        .init(range: "::ffff:10.0.0.0/104", address: "10.9.9.9", contains: true),
        .init(range: "::ffff:10.0.0.0/104", address: "11.0.0.0", contains: false),
        .init(range: "2001:db8::/32", address: "2001:db8:ffff:ffff::1", contains: true),
        .init(range: "2001:db8::/32", address: "2001:db9::", contains: false),
        .init(range: "2001:db8::/32", address: "1.2.3.4", contains: false),
        .init(range: "2001:db8:0:1::/64", address: "2001:db8:0:1:ffff:ffff:ffff:ffff", contains: true),
        .init(range: "2001:db8:0:1::/64", address: "2001:db8:0:2::", contains: false),
        .init(range: "2001:db8::/63", address: "2001:db8:0:1::", contains: true),
        .init(range: "2001:db8::/63", address: "2001:db8:0:2::", contains: false),
        .init(range: "2001:db8::/65", address: "2001:db8::7fff:ffff:ffff:ffff", contains: true),
        .init(range: "2001:db8::/65", address: "2001:db8::8000:0:0:0", contains: false),
        .init(range: "::1/128", address: "::1", contains: true),
        .init(range: "::/128", address: "::1", contains: false),
        .init(range: "::/128", address: "::", contains: true),
        .init(range: "fe80::/10", address: "febf::1", contains: true),
        .init(range: "fe80::/10", address: "fec0::1", contains: false),
    ]

    @Test("ranges contain exactly the addresses under their prefix", arguments: rangeCases)
    func rangesContainAddressesUnderPrefix(testCase: RangeCase) throws {
        let range = try #require(CIDRRange(testCase.range))
        let address = try #require(IPAddress(testCase.address))
        #expect(range.contains(address) == testCase.contains)
    }

    @Test(
        "host bits are cleared and reported",
        arguments: [
            ("10.1.2.3/8", "10.0.0.0/8", true), ("10.0.0.0/8", "10.0.0.0/8", false),
            ("192.168.1.77/24", "192.168.1.0/24", true), ("1.2.3.4", "1.2.3.4/32", false),
            ("1.2.3.4/0", "0.0.0.0/0", true), ("2001:db8::1/32", "2001:db8::/32", true),
            ("2001:db8::/32", "2001:db8::/32", false), ("::/0", "::/0", false), ("::1", "::1/128", false),
            ("::ffff:10.1.2.3/104", "::ffff:10.0.0.0/104", true),
        ]
    )
    func hostBitsAreClearedAndReported(text: String, canonical: String, hadHostBits: Bool) throws {
        let range = try #require(CIDRRange(text))
        #expect(range.description == canonical)
        #expect(range.hadHostBits == hadHostBits)
        #expect(CIDRRange(canonical)?.hadHostBits == false)
    }

    static let invalidRanges: [String] = [
        "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
        "10.0.0.0/ 8", "10.0.0.0 /8", "10.0.0.0/1000", "10.0.0.0/8 ", "::/129", "::/0128", "::/", "10.0.0/8",
        "fe80::/10%eth0", "fe80::%eth0/10", "10.0.0.0/a", "10.0.0.0\\8",
    ]

    @Test("invalid ranges are refused", arguments: invalidRanges)
    func invalidRangesAreRefused(text: String) {
        #expect(CIDRRange(text) == nil)
    }

    @Test("containment agrees with a bit-by-bit prefix comparison on random ranges", arguments: 0..<6)
    func containmentAgreesWithBitwiseOracle(round: Int) throws {
        var generator = SeededValueGenerator(seed: 31 + UInt64(round))
        for _ in 0..<300 {
            let isIPv4 = Bool.random(using: &generator)
            let address =
                isIPv4
                ? IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &generator))
                : IPAddress(
                    family: .ipv6,
                    high: UInt64.random(in: 0...UInt64.max, using: &generator),
                    low: UInt64.random(in: 0...UInt64.max, using: &generator)
                )
            let width = isIPv4 ? 32 : 128
            let prefixLength = Int.random(in: 0...width, using: &generator)
            let range = try #require(CIDRRange(address: address, prefixLength: prefixLength))
            #expect(range.contains(address))
            // Flip one random bit of the 128-bit form; only flips inside the (mapped) prefix leave the range.
            let bit = Int.random(in: 0..<128, using: &generator)
            let flipped = IPAddress(
                family: .ipv6,
                high: bit < 64 ? address.high ^ (1 << UInt64(63 - bit)) : address.high,
                low: bit >= 64 ? address.low ^ (1 << UInt64(127 - bit)) : address.low
            )
            let prefixBits = prefixLength + (128 - width)
            #expect(range.contains(flipped) == (bit >= prefixBits), "\(range) \(flipped)")
            #expect(CIDRRange("\(address)/\(prefixLength)") == range)
        }
    }

    // MARK: - Helpers

    /// The 16 bytes of an address, IPv4 as IPv4-mapped.
    static func bytes(of address: IPAddress) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: address.high >> UInt64(56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: address.low >> UInt64(56 - 8 * $0)) }
    }

    /// What the C library's `inet_pton` makes of `text` (IPv6 if it has a colon), as the same 16 bytes.
    static func systemBytes(_ text: String) -> [UInt8]? {
        if text.contains(":") {
            var storage = [UInt8](repeating: 0, count: 16)
            guard inet_pton(AF_INET6, text, &storage) == 1 else { return nil }
            return storage
        }
        var storage = [UInt8](repeating: 0, count: 4)
        guard inet_pton(AF_INET, text, &storage) == 1 else { return nil }
        return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + storage
    }

    /// A valid address in one of many textual shapes: IPv4, full IPv6, compressed, mixed case, with an IPv4 tail.
    static func randomAddressText(using generator: inout SeededValueGenerator) -> String {
        func octet() -> String { String(Int.random(in: 0...255, using: &generator)) }
        if Int.random(in: 0..<4, using: &generator) == 0 {
            return (0..<4).map { _ in octet() }.joined(separator: ".")
        }
        var groups = (0..<8).map { _ -> String in
            let value =
                Int.random(in: 0..<4, using: &generator) == 0 ? 0 : Int.random(in: 0...0xFFFF, using: &generator)
            var hex = String(value, radix: 16, uppercase: Bool.random(using: &generator))
            if Int.random(in: 0..<5, using: &generator) == 0 {
                hex = String(repeating: "0", count: 4 - hex.count) + hex
            }
            return hex
        }
        let hasIPv4Tail = Int.random(in: 0..<4, using: &generator) == 0
        if hasIPv4Tail { groups.replaceSubrange(6..<8, with: ["\(octet()).\(octet()).\(octet()).\(octet())"]) }
        guard Bool.random(using: &generator) else { return groups.joined(separator: ":") }
        // Compress a random run of groups (possibly a non-zero run, which changes the value; that is fine).
        let start = Int.random(in: 0..<groups.count, using: &generator)
        let end = Int.random(in: (start + 1)...groups.count, using: &generator)
        return groups[..<start].joined(separator: ":") + "::" + groups[end...].joined(separator: ":")
    }

    /// Deletes, duplicates or replaces one character.
    static func mutate(_ text: inout String, using generator: inout SeededValueGenerator) {
        var characters = Array(text)
        let alphabet = Array("0123456789abcdefABCDEFg:.%/ -")
        let position = Int.random(in: 0...characters.count, using: &generator)
        switch Int.random(in: 0..<3, using: &generator) {
        case 0 where position < characters.count: characters.remove(at: position)
        case 1: characters.insert(alphabet.randomElement(using: &generator)!, at: position)
        default:
            if position < characters.count { characters[position] = alphabet.randomElement(using: &generator)! }
        }
        text = String(characters)
    }
}
