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

    @Test("an empty payload of empty tables decodes")
    func emptyTables() throws {
        let tables = try FlagTables(decoding: [0, 0, 0, 0])
        #expect(tables.view.flags.isEmpty)
        #expect(tables.view.stringCount == 0)
    }

    @Test(
        "a string table out of byte order, or with a repeated entry, is refused",
        arguments: [
            [2, 0, 1, 0x62, 0, 1, 0x61, 0, 0, 0],  // "b", "a"
            [2, 0, 1, 0x61, 1, 0, 0, 0, 0],  // "a", "a" (shares all, adds nothing)
            [2, 0, 2, 0x61, 0x62, 1, 1, 0x61, 0, 0, 0],  // "ab", "aa"
            [2, 0, 1, 0x61, 0, 0, 0, 0, 0],  // "a", ""
        ] as [[UInt8]]
    )
    func unsortedStringTable(payload: [UInt8]) {
        #expect(Self.refusal(payload) == "string table not in byte order")
    }

    @Test("a sorted front-coded table decodes to its strings, kept as bytes")
    func sortedStringTable() throws {
        // "", "a", "ab", "b"
        let tables = try FlagTables(decoding: [4, 0, 0, 0, 1, 0x61, 1, 1, 0x62, 0, 1, 0x62, 0, 0, 0])
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
        let payload: [UInt8] = [2, 0, 1, 0x61, 0, 1, 0x62, 0, 1, 0] + set + [0, 0, 0]
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
        func on(_ key: String, _ context: EvaluationContext) -> Bool { bundle.bool(key, default: false, context: context) }
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

    @Test("flags are found by key through the byte index, and only exact keys match")
    func keyIndex() throws {
        let keys = (0..<300).map { "team-\($0 % 7).feature-\($0)" }
        let bundle = try TestProject.bundle("flags:\n" + keys.map { "  \($0):\n    default: on\n" }.joined())
        for key in keys { #expect(bundle.key(of: try #require(bundle.handle(for: key))) == key) }
        #expect(bundle.handle(for: "team-0.feature-") == nil)
        #expect(bundle.handle(for: "") == nil)
        #expect(Set(bundle.flagKeys) == Set(keys))
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

    @Test("names are compared by code points, like everything in the flag language")
    func codePointNames() {
        let attributes: ContextAttributes = ["caf\u{e9}": 1]
        #expect(attributes["caf\u{e9}"] == 1)
        #expect(attributes["cafe\u{301}"] == nil)
    }
}
