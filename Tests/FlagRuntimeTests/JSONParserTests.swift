import FlagRuntime
import Testing

@Suite("JSONParser")
struct JSONParserTests {
    /// The failure of parsing `bytes` as a context (nil when it parses).
    static func contextFailure(_ bytes: [UInt8]) -> JSONParser.Failure? {
        do {
            _ = try JSONParser.context(utf8: bytes)
            return nil
        } catch {
            return error
        }
    }

    static func contextFailure(_ text: String) -> JSONParser.Failure? { contextFailure(Array(text.utf8)) }

    /// `{"attribute0":0,"attribute1":1,…}` with `count` members, plus the byte offset of each member's
    /// opening quote.
    static func object(members count: Int, then extra: String? = nil) -> (text: String, offsets: [Int]) {
        var text = "{"
        var offsets: [Int] = []
        for index in 0..<count {
            if index > 0 { text += "," }
            offsets.append(text.utf8.count)
            text += "\"attribute\(index)\":\(index)"
        }
        if let extra {
            offsets.append(text.utf8.count + 1)
            text += "," + extra
        }
        return (text + "}", offsets)
    }

    // MARK: Duplicates and bounds

    @Test("a repeated member name is refused at the offset of its second occurrence")
    func duplicateInSmallObject() throws {
        let failure = try #require(Self.contextFailure(#"{"a":1,"b":2,"a":3}"#))
        #expect(failure.message == "duplicate member 'a'")
        #expect(failure.offset == 13)
        #expect(failure.description == "duplicate member 'a' at byte 14")
    }

    @Test(
        "in an object past the scanned size, a duplicate is found by the set of names",
        arguments: [17, 100, 9_999]
    )
    func duplicateInLargeObject(members: Int) throws {
        let (text, offsets) = Self.object(members: members, then: #""attribute\#(members / 2)":true"#)
        let failure = try #require(Self.contextFailure(text))
        #expect(failure.message == "duplicate member 'attribute\(members / 2)'")
        #expect(failure.offset == offsets.last)
    }

    @Test("canonically equivalent names are duplicates, in small and large objects", arguments: [1, 40])
    func canonicallyEquivalentNames(members: Int) throws {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301).
        let (text, offsets) = Self.object(members: members, then: "\"\u{E9}\":1,\"e\u{301}\":2")
        let failure = try #require(Self.contextFailure(text))
        #expect(failure.message.hasPrefix("duplicate member"))
        #expect(failure.offset == offsets.last! + "\"\u{E9}\":1,".utf8.count)
    }

    @Test("a context of 10,000 distinct attributes parses whole")
    func objectAtTheMemberBound() throws {
        let (text, _) = Self.object(members: JSONParser.maximumMembers)
        let context = try JSONParser.context(text)
        #expect(context.attributes.count == 10_000)
        #expect(context.attributes["attribute0"] == 0)
        #expect(context.attributes["attribute9999"] == 9_999)
        #expect(context.attributes["attribute10000"] == nil)
    }

    @Test("an object of 100,000 members is refused at the 10,001st, by parse and by context")
    func objectPastTheMemberBound() throws {
        // Short names, so the context stays under 1 MiB and meets the member bound first.
        var text = "{"
        var tenThousandFirst = 0
        for index in 0..<100_000 {
            if index > 0 { text += "," }
            if index == 10_000 { tenThousandFirst = text.utf8.count }
            text += "\"\(String(index, radix: 36))\":0"
        }
        text += "}"
        #expect(text.utf8.count < JSONParser.maximumContextBytes)
        let failure = try #require(Self.contextFailure(text))
        #expect(failure.message == "more than 10000 members in one object")
        #expect(failure.offset == tenThousandFirst)
        #expect(throws: failure) { try JSONParser.parse(text) }

        // Longer names: over 1 MiB, which context() refuses unread and parse() at the 10,001st member.
        let (long, offsets) = Self.object(members: 100_000)
        #expect(long.utf8.count > JSONParser.maximumContextBytes)
        let tooLong = try #require(Self.contextFailure(long))
        #expect(tooLong.description == "a context is longer than 1048576 bytes at byte 1048577")
        let tooMany = try #require(#expect(throws: JSONParser.Failure.self) { try JSONParser.parse(long) })
        #expect(tooMany.message == "more than 10000 members in one object")
        #expect(tooMany.offset == offsets[10_000])
    }

    @Test("a context longer than 1 MiB is refused before parsing; 1 MiB exactly is read")
    func contextSizeBound() throws {
        let frame = #"{"targetingKey":"user-1","padding":""}"#.utf8.count
        let padding = String(repeating: "x", count: JSONParser.maximumContextBytes - frame)
        let largest = #"{"targetingKey":"user-1","padding":"\#(padding)"}"#
        #expect(largest.utf8.count == 1 << 20)
        let context = try JSONParser.context(largest)
        #expect(context.targetingKey == "user-1")
        #expect(context.attributes["padding"] == .string(padding))

        let failure = try #require(Self.contextFailure(Array(largest.utf8) + [0x20]))
        #expect(failure.message == "a context is longer than 1048576 bytes")
        #expect(failure.offset == 1 << 20)
    }

    // MARK: UTF-8

    struct InvalidUTF8: Sendable, CustomTestStringConvertible {
        let story: String
        let bytes: [UInt8]
        /// Where the ill-formed sequence starts: right after `before`.
        let offset: Int
        var testDescription: String { story }

        init(_ story: String, _ before: String, _ bad: [UInt8], _ after: String) {
            self.story = story
            bytes = Array(before.utf8) + bad + Array(after.utf8)
            offset = before.utf8.count
        }
    }

    static let invalidUTF8: [InvalidUTF8] = [
        .init("a stray continuation byte in a value", #"{"a":"x"#, [0x80], #""}"#),
        .init("0xFF in a value", #"{"a":"x"#, [0xFF, 0x79], #""}"#),
        .init("a truncated two-byte sequence", #"{"a":""#, [0xC3], #""}"#),
        .init("an overlong NUL", #"{"a":""#, [0xC0, 0x80], #""}"#),
        .init("an overlong three-byte form", #"{"a":""#, [0xE0, 0x80, 0xAF], #""}"#),
        .init("an encoded surrogate", #"{"a":""#, [0xED, 0xA0, 0x80], #""}"#),
        .init("past U+10FFFF", #"{"a":""#, [0xF4, 0x90, 0x80, 0x80], #""}"#),
        .init("a truncated four-byte sequence", #"{"a":""#, [0xF0, 0x9F, 0x98], #""}"#),
        .init("in a member name", #"{""#, [0xFE], #"":1}"#),
        .init("after an escape", #"{"a":"\n"#, [0xFF], #""}"#),
        .init("in a list", #"{"a":["ok",""#, [0xC3, 0x28], #""]}"#),
        .init("after the value", #"{"a":1}"#, [0xFF], ""),
        .init("where a member name belongs", #"{"a":1,"#, [0xFE], "}"),
        .init("alone", "", [0xFF], ""),
    ]

    @Test("ill-formed UTF-8 is refused at the offset of its first byte, never repaired", arguments: invalidUTF8)
    func invalidUTF8IsRefused(_ example: InvalidUTF8) throws {
        let failure = try #require(Self.contextFailure(example.bytes))
        #expect(failure.message == "invalid UTF-8")
        #expect(failure.offset == example.offset)
        #expect(failure.description == "invalid UTF-8 at byte \(example.offset + 1)")
        #expect(throws: failure) { try JSONParser.parse(utf8: example.bytes) }
    }

    @Test("well-formed UTF-8 and escapes read the same scalars, raw or escaped, by bytes or by string")
    func wellFormedText() throws {
        let raw = #"{"targetingKey":"é€𝄞","naïve":["日本","\u00e9\u20ac\ud834\udd1e","a\"\\\/\b\f\n\r\t"]}"#
        let context = try JSONParser.context(raw)
        #expect(try JSONParser.context(utf8: Array(raw.utf8)) == context)
        #expect(context.targetingKey == "é€𝄞")
        #expect(
            context.attributes["naïve"] == .list(["日本", "é€𝄞", "a\"\\/\u{8}\u{C}\n\r\t"])
        )
        #expect(try JSONParser.parse(#""\u0041\u00DF""#) == .string("Aß"))
    }

    @Test(
        "a \\u escape of an unpaired surrogate is refused at the escape",
        arguments: [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800x""#, #""\udbff\ud800""#]
    )
    func unpairedSurrogates(text: String) throws {
        let document = #"{"a":"# + text + "}"
        let failure = try #require(Self.contextFailure(document))
        #expect(failure.message == "unpaired surrogate")
        #expect(failure.offset == 6)
    }

    // MARK: Other syntax errors keep their offsets

    @Test(
        "syntax errors name the byte where they are found",
        arguments: [
            ("", "unexpected end of input", 0),
            ("{", "unexpected end of input", 1),
            (#"{"a" 1}"#, "expected ':'", 5),
            (#"{"a":1 "b":2}"#, "expected ',' or '}'", 7),
            (#"{"a":tru}"#, "invalid literal", 8),
            (#"{"a":"x"#, "unterminated string", 7),
            ("{\"a\":\"\u{1}\"}", "control character in string", 6),
            (#"{"a":"\x"}"#, "invalid escape", 6),
            (#"{"a":01}"#, "invalid number '01'", 5),
            (#"{"a":1} x"#, "unexpected text after the value", 8),
            ("[1]", "a context must be a JSON object", 0),
        ]
    )
    func syntaxErrors(text: String, message: String, offset: Int) throws {
        let failure = try #require(Self.contextFailure(text))
        #expect(failure.message == message)
        #expect(failure.offset == offset)
    }

    @Test("nesting deeper than 64 levels is refused")
    func depthBound() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(deep) }
        let shallow = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(shallow)
    }
}
