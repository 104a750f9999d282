import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

@Suite("Payload tables: strings as bytes, sets, the key index")
struct PayloadTablesTests {
    static func refusal(_ payload: [UInt8]) -> String? {
        do {
            _ = try FlagTables(decoding: payload)
            return nil
        } catch {
            return error.reason
        }
    }

    /// The payload's table sizes (docs/bundle-format.md): string bytes, then the record counts of
    /// variants, prerequisites, rules, splits, steps, nodes, set members, in-lists and their numbers.
    static func sizes(stringBytes: UInt8, setMembers: UInt8 = 0) -> [UInt8] {
        [stringBytes, 0, 0, 0, 0, 0, 0, setMembers, 0, 0]
    }

    @Test("every tag byte decodes to the case init(rawValue:) gives, and no other byte decodes")
    func tagsDecodeLikeRawValues() {
        func check<E: RawRepresentable<UInt8> & Equatable>(_ first: E, _ last: E) {
            for byte in UInt8.min...UInt8.max {
                #expect(consecutiveCase(byte, first: first, last: last) == E(rawValue: byte), "\(E.self) \(byte)")
            }
        }
        check(FlagType.boolean, .object)
        check(ServeTag.variant, .hashedSplit)
        check(ConditionTag.all, .predicate)
        check(OperatorCode.equals, .rollout)
        check(LiteralTag.string, .bool)
        check(SemverComparison.equal, .lessThanOrEqual)
    }

    @Test("the records keep their sizes: what a load writes and an evaluation reads")
    func recordSizes() {
        #expect(MemoryLayout<FlagTables.FlagRecord>.stride == 32)
        #expect(MemoryLayout<FlagTables.RuleRecord>.stride == 24)
        #expect(MemoryLayout<FlagTables.VariantRecord>.stride == 12)
        #expect(MemoryLayout<FlagTables.NodeRecord>.stride == 16)
    }

    @Test("an empty payload of empty tables decodes")
    func emptyTables() throws {
        let tables = try FlagTables(decoding: Self.sizes(stringBytes: 0) + [0, 0, 0, 0])
        #expect(tables.view.flags.isEmpty)
        #expect(tables.view.stringCount == 0)
    }

    @Test(
        "a string table out of byte order, or with a repeated entry, is refused",
        arguments: [
            sizes(stringBytes: 2) + [2, 0, 1, 0x62, 0, 1, 0x61, 0, 0, 0],  // "b", "a"
            sizes(stringBytes: 2) + [2, 0, 1, 0x61, 1, 0, 0, 0, 0],  // "a", "a" (shares all, adds nothing)
            sizes(stringBytes: 4) + [2, 0, 2, 0x61, 0x62, 1, 1, 0x61, 0, 0, 0],  // "ab", "aa"
            sizes(stringBytes: 1) + [2, 0, 1, 0x61, 0, 0, 0, 0, 0],  // "a", ""
        ] as [[UInt8]]
    )
    func unsortedStringTable(payload: [UInt8]) {
        #expect(Self.refusal(payload) == "string table not in byte order")
    }

    @Test("a flag with more variants than 16 bits count is refused before anything is read for them")
    func tooManyVariants() {
        // String "k"; no attributes or segments; one flag "k" of type boolean declaring 65,536
        // variants (varint 0x80 0x80 0x04), then padding so the flag count fits the payload.
        let payload: [UInt8] =
            Self.sizes(stringBytes: 1) + [1, 0, 1, 0x6B, 0, 0, 1, 0, 0, 0x80, 0x80, 0x04]
            + Array(repeating: 0, count: 8)
        #expect(Self.refusal(payload) == "count 65536 above limit 65535")
    }

    @Test("a sorted front-coded table decodes to its strings, kept as bytes")
    func sortedStringTable() throws {
        // "", "a", "ab", "b"
        let tables = try FlagTables(
            decoding: Self.sizes(stringBytes: 4) + [4, 0, 0, 0, 1, 0x61, 1, 1, 0x62, 0, 1, 0x62, 0, 0, 0]
        )
        let strings = withExtendedLifetime(tables) { (0..<tables.view.stringCount).map { tables.view.text(Int32($0)) } }
        #expect(strings == ["", "a", "ab", "b"])
    }

    @Test(
        "a segment's key set must list string indices increasing and in range",
        arguments: [
            ([2, 1, 0], "string set index out of range or not increasing"),  // gap 0: a repeated member
            ([1, 3], "string set index out of range or not increasing"),  // index 2 of 2 strings
            ([1, 0x80, 0x80, 0x80, 0x80, 0x10], "string set index out of range or not increasing"),  // huge gap
        ] as [([UInt8], String)]
    )
    func badSets(set: [UInt8], reason: String) {
        // Strings "a", "b"; no attributes; one segment named "a" with `set` as its included keys.
        let payload: [UInt8] =
            Self.sizes(stringBytes: 2, setMembers: set[0]) + [2, 0, 1, 0x61, 0, 1, 0x62, 0, 1, 0] + set + [0, 0, 0]
        #expect(Self.refusal(payload) == reason)
    }

    @Test("segment membership and in-lists compare bytes, with and without case")
    func membershipByBytes() throws {
        let bundle = try TestProject.bundle(
            """
            segments:
              staff:
                include: [alice, bob, "caf\\u00e9", zoe]
            flags:
              by-segment:
                default: off
                rules:
                  - when: { segment: staff }
                    serve: on
              by-country:
                default: off
                rules:
                  - when: { country: { in: [de, FR, "7"], ignoreCase: true } }
                    serve: on
            """
        )
        func on(_ key: String, _ context: EvaluationContext) -> Bool {
            bundle.bool(key, default: false, context: context)
        }
        #expect(on("by-segment", EvaluationContext(targetingKey: "bob")))
        #expect(on("by-segment", EvaluationContext(targetingKey: "caf\u{e9}")))
        // Canonically equivalent, different code points: not a member.
        #expect(!on("by-segment", EvaluationContext(targetingKey: "cafe\u{301}")))
        #expect(!on("by-segment", EvaluationContext(targetingKey: "bo")))
        #expect(!on("by-segment", EvaluationContext(targetingKey: "bobby")))
        #expect(on("by-country", EvaluationContext(attributes: ["country": "De"])))
        #expect(on("by-country", EvaluationContext(attributes: ["country": "fr"])))
        #expect(on("by-country", EvaluationContext(attributes: ["country": 7])))
        #expect(!on("by-country", EvaluationContext(attributes: ["country": "NL"])))
    }

    /// A payload with every kind of table, each small enough that its declared size is one byte.
    static func payloadOfEveryTable() throws -> [UInt8] {
        let content = try TestProject.content(
            """
            segments:
              staff: { include: [alice, bob] }
            flags:
              gate:
                default: off
              checkout:
                variants: { a: "A", b: "B" }
                default: a
                requires: [{ flag: gate, variant: on }]
                rules:
                  - when: { all: [{ segment: staff }, { country: { in: [de, 7] } }] }
                    serve: { split: { a: 50, b: 50 } }
                  - serve:
                      progressive: { variant: b, others: a, steps: [{ at: "2026-01-01T00:00:00Z", percent: 5 }] }
            """
        )
        return PayloadCodec.encode(content)
    }

    /// The payload with its declared size number `table` (0: string bytes, 1: variants, …) changed by `delta`.
    static func resized(_ payload: [UInt8], table: Int, by delta: Int) -> [UInt8] {
        var payload = payload
        var offset = 0
        for _ in 0..<table {
            while payload[offset] & 0x80 != 0 { offset += 1 }
            offset += 1
        }
        precondition(payload[offset] < 0x7F && Int(payload[offset]) + delta >= 0, "one-byte size expected")
        payload[offset] = UInt8(Int(payload[offset]) + delta)
        return payload
    }

    @Test("the empty payload and its compressed form are the bytes docs/bundle-format.md shows")
    func emptyPayloadExample() throws {
        let payload = PayloadCodec.encode(BundleContent(attributes: [], segments: [], flags: []))
        #expect(payload == [UInt8](repeating: 0, count: 14))
        #expect(PayloadCodec.compress(payload) == [0x0E, 0x14, 0x00, 0x01, 0x00, 0x50, 0, 0, 0, 0, 0])
    }

    @Test("the payload's declared table sizes must match its records exactly")
    func declaredTableSizes() throws {
        let payload = try Self.payloadOfEveryTable()
        #expect(Self.refusal(payload) == nil)
        let tables: [(Int, String)] = [
            (1, "variants"), (2, "prerequisites"), (3, "rules"), (4, "split entries"), (5, "ramp steps"),
            (6, "condition nodes"), (7, "set members"), (8, "in-lists"), (9, "in-list numbers"),
        ]
        for (table, name) in tables {
            #expect(
                Self.refusal(Self.resized(payload, table: table, by: 1)) == "fewer \(name) than the payload declares"
            )
            #expect(
                Self.refusal(Self.resized(payload, table: table, by: -1)) == "more \(name) than the payload declares"
            )
        }
    }

    @Test("declared string bytes must match the string table exactly")
    func declaredStringBytes() throws {
        // "", "a", "ab", "b": 4 bytes.
        let table: [UInt8] = [4, 0, 0, 0, 1, 0x61, 1, 1, 0x62, 0, 1, 0x62, 0, 0, 0]
        #expect(Self.refusal(Self.sizes(stringBytes: 4) + table) == nil)
        #expect(Self.refusal(Self.sizes(stringBytes: 5) + table) == "fewer string bytes than the payload declares")
        #expect(Self.refusal(Self.sizes(stringBytes: 3) + table) == "more string bytes than the payload declares")
    }

    @Test("a front-coded entry longer than 1 MiB is refused")
    func longEntry() {
        func varint(_ value: Int) -> [UInt8] {
            var writer = ByteWriter()
            writer.writeVarUInt(value)
            return writer.bytes
        }
        let oneMiB = 1 << 20
        // "aaa…a" (1 MiB), then the same plus "b": 1 MiB + 1 byte once the prefix is copied.
        let table = [2, 0] + varint(oneMiB) + [UInt8](repeating: 0x61, count: oneMiB) + varint(oneMiB) + [1, 0x62]
        let sizes = varint(2 * oneMiB + 1) + [0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(Self.refusal(sizes + table + [0, 0, 0]) == "string table entry longer than 1 MiB")
    }

    @Test("declared sizes beyond what the payload's bytes can hold are refused before any allocation")
    func hostileTableSizes() {
        // 30 condition nodes (≥ 2 bytes each) declared in a 40-byte payload.
        let nodes: [UInt8] = [0, 0, 0, 0, 0, 0, 30, 0, 0, 0] + [UInt8](repeating: 0, count: 30)
        #expect(Self.refusal(nodes) == "table sizes exceed the payload")
        // A string-byte count far above what front coding could expand the rest to.
        let strings: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x01] + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(Self.refusal(strings)?.hasPrefix("count 268435456 above limit") == true)
    }

    @Test("flags are found by key through the byte index, and only exact keys match")
    func keyIndex() throws {
        let keys = (0..<300).map { "team-\($0 % 7).feature-\($0)" }
        let bundle = try TestProject.bundle("flags:\n" + keys.map { "  \($0):\n    default: on\n" }.joined())
        for key in keys { #expect(bundle.key(of: try #require(bundle.handle(for: key))) == key) }
        #expect(bundle.handle(for: "team-0.feature-") == nil)
        #expect(bundle.handle(for: "") == nil)
        #expect(Set(bundle.flagKeys) == Set(keys))
    }

    @Test("keys of every length up to three words are found, and their prefixes are not")
    func keyIndexAtEveryLength() throws {
        // Lengths 1–3, 4–7, 8 and over 8 take different paths through the name hash.
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let keys = (1...26).map { String(alphabet[0..<$0]) }.filter { $0.count % 2 == 1 }
        let bundle = try TestProject.bundle("flags:\n" + keys.map { "  \($0):\n    default: on\n" }.joined())
        for key in keys { #expect(bundle.key(of: try #require(bundle.handle(for: key))) == key) }
        for length in stride(from: 2, through: 26, by: 2) {
            #expect(bundle.handle(for: String(alphabet[0..<length])) == nil)
        }
        // Names that differ in one byte, at every position, hash apart.
        for length in 1...26 {
            let name = Array(String(alphabet[0..<length]).utf8)
            let hashes = Set(
                (0..<length).map { position in
                    var changed = name
                    changed[position] ^= 0x20
                    return changed.withUnsafeBufferPointer(NameHash.hash)
                }
            )
            #expect(hashes.count == length)
            #expect(!hashes.contains(name.withUnsafeBufferPointer(NameHash.hash)))
        }
    }
}

@Suite("Context attributes")
struct ContextAttributesTests {
    @Test("behave as a dictionary: set replaces, nil removes, order does not count")
    func dictionaryBehaviour() {
        var attributes: ContextAttributes = ["plan": "pro", "seats": 3]
        attributes["plan"] = "team"
        #expect(attributes["plan"] == "team")
        #expect(attributes.count == 2)
        attributes["seats"] = nil
        #expect(attributes["seats"] == nil)
        #expect(attributes.count == 1)
        let one: ContextAttributes = ["a": 1, "b": "x"]
        let other: ContextAttributes = ["b": "x", "a": 1]
        #expect(one == other)
        #expect(one.hashValue == other.hashValue)
        #expect(one != ["a": 1, "b": "y"])
        #expect(ContextAttributes(["a": 1, "b": "x"]) == one)
        #expect(Dictionary(uniqueKeysWithValues: one.map { ($0.key, $0.value) }) == ["a": 1, "b": "x"])
    }

    @Test("names longer than 16 bytes that share their length and first 16 bytes stay distinct")
    func longNamesWithEqualKeys() throws {
        let first = "subscription.tier.a"
        let second = "subscription.tier.b"
        #expect(NameKey(first) == NameKey(second))
        var attributes: ContextAttributes = [first: 1, second: 2]
        #expect(attributes.count == 2)
        #expect(attributes[first] == 1)
        #expect(attributes[second] == 2)
        attributes[first] = nil
        #expect(attributes[second] == 2)
        #expect(attributes[first] == nil)

        let bundle = try TestProject.bundle(
            """
            flags:
              by-tier:
                default: off
                rules:
                  - when: { subscription.tier.b: 2 }
                    serve: on
            """
        )
        func on(_ attributes: ContextAttributes) -> Bool {
            bundle.bool("by-tier", default: false, context: EvaluationContext(attributes: attributes))
        }
        #expect(on([second: 2]))
        #expect(!on([first: 2, second: 1]))
        #expect(on([first: 1, second: 2]))
        #expect(!on([first: 2]))
    }

    @Test("names are compared by code points, like everything in the flag language")
    func codePointNames() {
        let attributes: ContextAttributes = ["caf\u{e9}": 1]
        #expect(attributes["caf\u{e9}"] == 1)
        #expect(attributes["cafe\u{301}"] == nil)
    }
}
