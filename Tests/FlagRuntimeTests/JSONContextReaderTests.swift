import FlagRuntime
import Testing

/// `JSONParser.context` reads an object's members straight into the context. It must accept and
/// refuse exactly what the tree parser (`JSONParser.parse`) does, with the same message at the same
/// byte offset, and make the context the tree would have made.
@Suite("JSONParser.context reads straight into the context")
struct JSONContextReaderTests {
    /// The context the tree parser's value makes (how `context` read JSON before it read it directly),
    /// or the parser's failure; `.success(nil)` for a JSON value that is not an object.
    static func referenceContext(_ text: String) -> Result<EvaluationContext?, JSONParser.Failure> {
        let members: [JSONMember]
        switch result({ () throws(JSONParser.Failure) in try JSONParser.parse(text) }) {
        case .failure(let failure): return .failure(failure)
        case .success(.object(let object)): members = object
        case .success: return .success(nil)
        }
        func attribute(_ value: JSONValue) -> AttributeValue {
            switch value {
            case .null: .null
            case .bool(let bool): .bool(bool)
            case .number(let number): .number(number)
            case .integer(let integer): .number(Double(integer))
            case .string(let string): .string(string)
            case .array(let items): .list(items.map(attribute))
            case .object: .object
            }
        }
        var context = EvaluationContext()
        for member in members {
            guard member.key == "targetingKey" else {
                context.attributes.append(newName: member.key, attribute(member.value))
                continue
            }
            switch member.value {
            case .string(let key): context.targetingKey = key
            case .number(let number): context.targetingKey = Bucketing.canonicalNumberText(number)
            case .integer(let integer): context.targetingKey = String(integer)
            case .null: break
            case .bool, .array, .object: context.invalidReason = "'targetingKey' must be a string or a number"
            }
        }
        return .success(context)
    }

    static func result<Value>(_ body: () throws(JSONParser.Failure) -> Value) -> Result<Value, JSONParser.Failure> {
        do throws(JSONParser.Failure) { return .success(try body()) } catch { return .failure(error) }
    }

    /// Both readings of `text`: equal contexts (attributes in the same order) or the same failure.
    static func expectSameReading(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let direct = result { () throws(JSONParser.Failure) in try JSONParser.context(text) }
        switch (direct, referenceContext(text)) {
        case (.success(let context), .success(let reference?)):
            #expect(context == reference, "\(text)", sourceLocation: sourceLocation)
            #expect(context.attributes.map(\.key) == reference.attributes.map(\.key), sourceLocation: sourceLocation)
        case (.failure(let failure), .success(nil)):
            #expect(failure.message == "a context must be a JSON object" && failure.offset == 0, "\(text)")
        case (.failure(let failure), .failure(let reference)):
            #expect(failure == reference, "\(text)", sourceLocation: sourceLocation)
        default:
            Issue.record("\(text): \(direct) where the tree parser gives \(referenceContext(text))")
        }
    }

    // MARK: Malformed input, every class

    static let malformed: [String] = [
        "", " ", "{", "{ ", "{\"", "{\"a", "{\"a\"", "{\"a\" ", "{\"a\":", "{\"a\": ", "{\"a\":1", "{\"a\":1,",
        "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{\"a\":1]", "{a:1}", "{1:1}", "{\"a\":}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":falsy}", "{\"a\":True}", "{\"a\":-}", "{\"a\":01}", "{\"a\":1.}",
        "{\"a\":1e}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":0x10}", "{\"a\":\"x}", "{\"a\":\"\u{1}\"}",
        "{\"\u{1F}\":1}", "{\"a\":\"\\x\"}", "{\"a\\q\":1}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"\\uD800\"}", "{\"a\":\"\\uDC00\"}", "{\"a\":\"\\uD800\\u0041\"}", "{\"\\uD83D\":1}",
        "{\"a\":\"\\", "{\"a\":[1,]}", "{\"a\":[1 2]}", "{\"a\":{\"b\":}}", "{\"a\":{\"b\":1,\"b\":2}}",
        "{\"a\":1}x", "{\"a\":1} {}", "{\"a\":1,\"a\":2}", "{\"a\":1,\"b\":2,\"a\":3}",
        "{\"a-name-longer-than-16\":1,\"a-name-longer-than-16\":2}",
        "{\"a-name-longer-than-16-x\":1,\"a-name-longer-than-16-y\":2,\"a-name-longer-than-16-x\":3}",
        "{\"targetingKey\":\"a\",\"targetingKey\":\"b\"}", "{\"targetingKey\":\"a\",\"targeting\u{212A}ey\":\"b\"}",
        "{\"caf\u{E9}\":1,\"cafe\u{301}\":2}", "{\"\u{212A}\":1,\"K\":2}", "{\"K\":1,\"\u{212A}\":2}",
        "{\"a\":" + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}",
        "{\"a\":1,\"a\\u0062\":2,\"ab\":3}", "{\"targetingKey\":[1,}", "{\"targetingKey\":{\"x\":1,\"x\":2}}",
        "[1]", "\"text\"", "42", "null", "true", "[", "{\"a\":1}\u{0}",
    ]

    @Test("malformed input is refused with the tree parser's message at the same byte offset", arguments: malformed)
    func malformedInput(_ text: String) {
        Self.expectSameReading(text)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.context(text) }
    }

    @Test("ill-formed UTF-8 anywhere is refused at its offset, as the tree parser refuses it")
    func illFormedUTF8() {
        let bytes: [[UInt8]] = [[0x80], [0xFF], [0xC3], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]
        let places: [(String, String)] = [
            (#"{""#, #"":1}"#), (#"{"a":""#, #""}"#), (#"{"a":["#, "]}"), (#"{"a":1,"#, "}"), (#"{"a":1}"#, ""),
            (#"{"targetingKey":""#, #""}"#), (#"{"#, #":1}"#),
        ]
        for bad in bytes {
            for (before, after) in places {
                let input = Array(before.utf8) + bad + Array(after.utf8)
                let direct = Self.result { () throws(JSONParser.Failure) in try JSONParser.context(utf8: input) }
                let tree = Self.result { () throws(JSONParser.Failure) in try JSONParser.parse(utf8: input) }
                guard case .failure(let failure) = direct, case .failure(let reference) = tree else {
                    Issue.record("\(input) was accepted")
                    continue
                }
                #expect(failure == reference, "\(input)")
                #expect(failure.message == "invalid UTF-8")
            }
        }
    }

    // MARK: Well-formed input

    @Test(
        "names and values of every kind read as the tree reads them",
        arguments: [
            "{}", " { } ", "{\"targetingKey\":\"user-1\"}", "{\"targetingKey\":42}", "{\"targetingKey\":1.5e3}",
            "{\"targetingKey\":null,\"a\":1}", "{\"targetingKey\":true}", "{\"targetingKey\":[\"a\"]}",
            "{\"targetingKey\":{}}", "{\"targeting\u{212A}ey\":\"kelvin\"}",
            "{\"a\":\"\",\"b\":-0.0,\"c\":1E+2,\"d\":true,\"e\":false,\"f\":null,\"g\":[],\"h\":{},\"i\":[1,[\"x\"],{}]}",
            "{\"exactly-16-bytes\":1,\"exactly-17-bytes!\":2,\"a-much-longer-attribute-name\":\"v\"}",
            "{\"esc\\u0061ped\":\"\\u00e9\\n\\\"\",\"\\ud83d\\ude00\":\"\u{1F600}\",\"na\u{EF}ve\":\"\u{65E5}\u{672C}\"}",
            "{\"region\":\"eu\",\"REGION\":\"us\",\"age\":18,\"plan\":\"pro\",\"userId\":\"user-123\"}",
            "{\"a\":\"a string longer than fifteen bytes, stored out of line\"}",
            "{\"K\":1,\"k\":2}", "\t{\n\"a\"\r:\n1\t}\n",
        ]
    )
    func wellFormed(_ text: String) throws {
        Self.expectSameReading(text)
        _ = try JSONParser.context(text)
    }

    @Test("a name the key holds whole reads back as the same string and finds its value")
    func namesFromKeys() throws {
        let context = try JSONParser.context(#"{"a":1,"sixteen-bytes-ok":2,"caf\u00e9":3,"seventeen-bytes-x":4}"#)
        #expect(context.attributes.map(\.key) == ["a", "sixteen-bytes-ok", "caf\u{E9}", "seventeen-bytes-x"])
        #expect(context.attributes["sixteen-bytes-ok"] == 2)
        #expect(context.attributes["caf\u{E9}"] == 3)
        #expect(context.attributes["seventeen-bytes-x"] == 4)
        #expect(
            context
                == EvaluationContext(attributes: [
                    "a": 1, "sixteen-bytes-ok": 2, "caf\u{E9}": 3,
                    "seventeen-bytes-x": 4,
                ])
        )
    }

    // MARK: Property: generated objects

    /// A small deterministic generator (SplitMix64), so a failure reproduces from its seed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    /// A JSON string literal: plain ASCII, escapes, non-ASCII, names around the 16-byte key bound.
    static func stringLiteral(_ generator: inout Generator) -> String {
        let pieces = [
            "a", "region", "userId", "x", "K", "\u{212A}", "\u{E9}", "e\u{301}", "\\u0041", "\\n", "\\\"", "\\/",
            "\\ud83d\\ude00", "\u{65E5}", "-", "0123456789", "sixteen-bytes-ok", "targetingKey", " ", "\\\\",
        ]
        var text = ""
        for _ in 0..<(1 + generator.next(4)) { text += pieces[generator.next(pieces.count)] }
        return "\"" + text + "\""
    }

    static func valueText(_ generator: inout Generator, depth: Int) -> String {
        switch generator.next(depth > 2 ? 6 : 8) {
        case 0: return stringLiteral(&generator)
        case 1: return ["0", "-1", "42", "1.5", "-0.0", "1e3", "2E-2", "123456789012"][generator.next(8)]
        case 2: return ["true", "false"][generator.next(2)]
        case 3: return "null"
        case 4, 5: return stringLiteral(&generator)
        case 6:
            let items = (0..<generator.next(4)).map { _ in valueText(&generator, depth: depth + 1) }
            return "[" + items.joined(separator: ",") + "]"
        default:
            return objectText(&generator, depth: depth + 1)
        }
    }

    static func objectText(_ generator: inout Generator, depth: Int) -> String {
        let members = (0..<generator.next(depth == 0 ? 24 : 4)).map { _ in
            stringLiteral(&generator) + [":", " : ", ":\n"][generator.next(3)] + valueText(&generator, depth: depth)
        }
        return "{" + members.joined(separator: [",", ", "][generator.next(2)]) + "}"
    }

    @Test("on 3,000 generated objects the context equals the tree parser's, or both refuse at one offset")
    func generatedObjects() {
        var generator = Generator(state: 21)
        var parsed = 0
        for _ in 0..<3_000 {
            var text = Self.objectText(&generator, depth: 0)
            // Now and then a corruption: a byte dropped or changed.
            if generator.next(4) == 0, !text.isEmpty {
                var bytes = Array(text.utf8)
                let position = generator.next(bytes.count)
                if generator.next(2) == 0 { bytes.remove(at: position) } else { bytes[position] = UInt8(ascii: ",") }
                text = String(decoding: bytes, as: UTF8.self)
            }
            Self.expectSameReading(text)
            if (try? JSONParser.context(text)) != nil { parsed += 1 }
        }
        #expect(parsed > 1_000)
    }

    // MARK: Building in code

    @Test("a context built attribute by attribute equals the one from a dictionary; a later set replaces")
    func builder() {
        var attributes = ContextAttributes(minimumCapacity: 4)
        attributes.set("region", "eu")
        attributes.set("age", 42)
        attributes.set("plan", "free")
        attributes.set("plan", "pro")
        attributes.set("a-name-longer-than-sixteen-bytes", true)
        #expect(attributes.count == 4)
        #expect(attributes.map(\.key) == ["region", "age", "plan", "a-name-longer-than-sixteen-bytes"])
        let dictionary: [String: AttributeValue] = [
            "region": "eu", "age": 42, "plan": "pro", "a-name-longer-than-sixteen-bytes": true,
        ]
        #expect(attributes == ContextAttributes(dictionary))
        #expect(
            EvaluationContext(targetingKey: "u", attributes: attributes)
                == (try? JSONParser.context(
                    #"{"targetingKey":"u","region":"eu","age":42,"plan":"pro","a-name-longer-than-sixteen-bytes":true}"#
                ))
        )
        attributes["age"] = nil
        #expect(attributes["age"] == nil && attributes.count == 3)
    }
}
