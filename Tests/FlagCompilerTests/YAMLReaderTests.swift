import Testing

@testable import FlagCompiler

/// Reads `text` as `t.yaml`; fails the test on errors.
private func read(_ text: String, limits: YAMLReader.Limits = .init()) throws -> YAMLNode? {
    try YAMLReader.read(Array(text.utf8), file: "t.yaml", limits: limits)
}

/// The rendered diagnostics (`t.yaml:L:C: error: message`) of reading `bytes`, or `[]` when it reads cleanly.
private func diagnostics(_ bytes: [UInt8], limits: YAMLReader.Limits = .init()) -> [String] {
    do {
        _ = try YAMLReader.read(bytes, file: "t.yaml", limits: limits)
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

private func diagnostics(_ text: String, limits: YAMLReader.Limits = .init()) -> [String] {
    diagnostics(Array(text.utf8), limits: limits)
}

/// The value of the single entry `v` in `text`.
private func valueOfV(_ text: String) throws -> YAMLNode {
    let root = try read(text)
    let entry = try #require(root?["v"])
    return entry.value
}

/// Deterministic pseudo-random numbers (SplitMix64) so fuzz failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let billionLaughs = """
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]

    """

/// A flags file shaped like real ones, `count` flags long.
private func realisticFlags(count: Int) -> String {
    var text = "flags:\n"
    for index in 0..<count {
        text += """
              flag-\(index):
                description: "Flag number \(index) for the checkout team"
                owner: team-payments
                tags: [checkout, web]
                expires: 2027-03-31
                default: off
                rules:
                  - name: staff first
                    when: { segment: staff, country: [DE, FR, NL] }
                    serve: on
                  - name: ramp
                    serve: { split: { on: 5, off: 95 }, by: userId }

            """
    }
    return text
}

@Suite("YAML reader")
struct YAMLReaderTests {
    // MARK: Core schema

    @Test(
        "plain scalars resolve by the YAML 1.2 core schema",
        arguments: [
            ("null", .null), ("Null", .null), ("NULL", .null), ("~", .null), ("", .null),
            ("true", .bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)),
            ("false", .bool(false)), ("False", .bool(false)), ("FALSE", .bool(false)),
            ("0", .integer(0)), ("-0", .integer(0)), ("+12", .integer(12)), ("007", .integer(7)),
            ("-42", .integer(-42)), ("0o17", .integer(15)), ("0x1F", .integer(31)), ("0xff", .integer(255)),
            ("9223372036854775807", .integer(.max)), ("-9223372036854775808", .integer(.min)),
            ("0x7FFFFFFFFFFFFFFF", .integer(.max)),
            ("1.5", .float(1.5)), ("-1.5", .float(-1.5)), ("1.", .float(1)), ("+.5", .float(0.5)),
            (".5", .float(0.5)), ("1e3", .float(1000)), ("1E-3", .float(0.001)), ("-2.5e+10", .float(-2.5e10)),
            ("0.1", .float(0.1)), (".inf", .float(.infinity)), ("-.Inf", .float(-.infinity)),
            ("+.INF", .float(.infinity)),
        ] as [(String, YAMLScalar.Value)]
    )
    func plainScalarResolves(text: String, expected: YAMLScalar.Value) throws {
        let node = try valueOfV("v: \(text)\n")
        let scalar = try #require(node.scalar)
        #expect(scalar.value == expected)
        #expect(scalar.text == text)
        #expect(scalar.isPlain)
        #expect(YAMLScalar(text: text, isPlain: true).value == expected)
    }

    @Test(
        "plain scalars outside the core schema stay strings",
        arguments: [
            "on", "off", "yes", "no", "y", "n", "Yes", "ON", "tRUE", "nULL", "nil", "none",
            "2027-03-31", "2026-12-01T09:00:00Z", "2.4.0", "1_000", "0b101", "-0x10", "+0o7", "0o8", "0xG", "0X1F",
            "1e", "e5", "1e+", "1.2.3", "0x", "0o", "+", "-5-", "..5", ".inf.", "inf", "nan", "NaN", "infinity",
            "12abc", "2e7d32x", "user-1", "a@example.com", "1,000", "１２", "<<",
        ]
    )
    func plainScalarStaysString(text: String) throws {
        let node = try valueOfV("v: \(text)\n")
        #expect(node.scalar?.value == .string(text))
        #expect(node.string == text)
    }

    @Test("NaN spellings resolve to a float NaN", arguments: [".nan", ".NaN", ".NAN"])
    func nanResolves(text: String) throws {
        let node = try valueOfV("v: \(text)\n")
        guard case .float(let value) = node.scalar?.value else {
            Issue.record("expected a float, got \(String(describing: node.scalar))")
            return
        }
        #expect(value.isNaN)
    }

    @Test(
        "quoted and block scalars are always strings",
        arguments: [
            ("v: \"true\"\n", "true"), ("v: 'null'\n", "null"), ("v: \"12\"\n", "12"), ("v: ''\n", ""),
            ("v: \"a\\tb\"\n", "a\tb"), ("v: 'it''s'\n", "it's"), ("v: |\n  123\n", "123\n"),
            ("v: >\n  1.5\n  2\n", "1.5 2\n"), ("v: |-\n  on\n", "on"),
        ]
    )
    func nonPlainScalarIsString(input: String, expected: String) throws {
        let scalar = try #require(try valueOfV(input).scalar)
        #expect(scalar.value == .string(expected))
        #expect(scalar.text == expected)
        #expect(!scalar.isPlain)
    }

    @Test(
        "numbers too large for their type are errors at their position",
        arguments: [
            (
                "v: 9223372036854775808\n",
                "t.yaml:1:4: error: integer '9223372036854775808' is too large "
                    + "(the range is -9223372036854775808 to 9223372036854775807); quote it to keep it a string"
            ),
            (
                "v: -9223372036854775809\n",
                "t.yaml:1:4: error: integer '-9223372036854775809' is too large "
                    + "(the range is -9223372036854775808 to 9223372036854775807); quote it to keep it a string"
            ),
            (
                "x: 1\nv: [0x10000000000000000]\n",
                "t.yaml:2:5: error: integer '0x10000000000000000' is too large "
                    + "(the range is -9223372036854775808 to 9223372036854775807); quote it to keep it a string"
            ),
            (
                "v: 1e400\n",
                "t.yaml:1:4: error: number '1e400' is too large; "
                    + "write '.inf' for infinity or quote it to keep it a string"
            ),
        ]
    )
    func oversizedNumberIsError(input: String, expected: String) {
        #expect(diagnostics(input) == [expected])
    }

    @Test("quoted large numbers are fine")
    func quotedLargeNumberIsString() throws {
        #expect(try valueOfV("v: \"99999999999999999999\"\n").string == "99999999999999999999")
    }

    // MARK: Structure and locations

    @Test("mappings keep their order and every node knows where it starts")
    func structureAndLocations() throws {
        let text = """
            flags:
              zeta: { default: off, tags: [a, "b"] }
              alpha:
                rules:
                  - name: first
                  - serve: on
            empty:
            """
        let root = try #require(try read(text))
        #expect(root.location == SourceLocation(file: "t.yaml", line: 1, column: 1))
        let entries = try #require(root.mappingEntries)
        #expect(entries.map(\.key) == ["flags", "empty"])
        #expect(entries[1].value.isNull)
        #expect(entries[1].keyLocation == SourceLocation(file: "t.yaml", line: 7, column: 1))

        let flags = try #require(root["flags"]?.value)
        #expect(flags.mappingEntries?.map(\.key) == ["zeta", "alpha"])
        #expect(flags.location == SourceLocation(file: "t.yaml", line: 2, column: 3))

        let zeta = try #require(flags["zeta"])
        #expect(zeta.keyLocation == SourceLocation(file: "t.yaml", line: 2, column: 3))
        #expect(zeta.value.location == SourceLocation(file: "t.yaml", line: 2, column: 9))
        #expect(zeta.value["default"]?.value.string == "off")
        let tags = try #require(zeta.value["tags"]?.value.sequenceItems)
        #expect(tags.map(\.string) == ["a", "b"])
        #expect(tags.map(\.location.column) == [32, 35])

        let rules = try #require(flags["alpha"]?.value["rules"]?.value)
        #expect(rules.kindName == "a list")
        let items = try #require(rules.sequenceItems)
        #expect(items.count == 2)
        #expect(items[0].location == SourceLocation(file: "t.yaml", line: 5, column: 9))
        #expect(items[1]["serve"]?.value.string == "on")
        #expect(items[1]["serve"]?.value.location == SourceLocation(file: "t.yaml", line: 6, column: 16))
    }

    @Test(
        "kind names read well in messages",
        arguments: [
            ("v: {a: 1}", "a mapping"), ("v: [1]", "a list"), ("v: x", "a string"), ("v: '1'", "a string"),
            ("v: 1", "an integer"), ("v: 1.5", "a number"), ("v: true", "a boolean"), ("v: ~", "null"),
        ]
    )
    func kindName(input: String, expected: String) throws {
        #expect(try valueOfV(input).kindName == expected)
    }

    @Test("typed accessors answer only for their own kind")
    func typedAccessors() throws {
        let root = try #require(try read("i: 3\nf: 2.5\nb: false\ns: x\nl: [1]\n"))
        #expect(root["i"]?.value.integer == 3)
        #expect(root["i"]?.value.number == 3)
        #expect(root["f"]?.value.number == 2.5)
        #expect(root["f"]?.value.integer == nil)
        #expect(root["b"]?.value.bool == false)
        #expect(root["s"]?.value.bool == nil)
        #expect(root["l"]?.value.scalar == nil)
        #expect(root["l"]?.value.mappingEntries == nil)
        #expect(root["missing"] == nil)
        #expect(root.sequenceItems == nil)
    }

    @Test("a scalar document is its own root")
    func scalarDocument() throws {
        #expect(try read("hello\n")?.string == "hello")
        #expect(try read("--- 12\n")?.integer == 12)
    }

    @Test("files without a document read as nil", arguments: ["", "\n\n  \n", "# just a comment\n", "\u{FEFF}"])
    func emptyDocumentIsNil(text: String) throws {
        #expect(try read(text) == nil)
    }

    @Test("a UTF-8 byte-order mark is allowed and does not shift columns")
    func byteOrderMark() {
        #expect(
            diagnostics("\u{FEFF}a: [1, }\n") == [
                "t.yaml:1:8: error: did not find expected node content while parsing a flow node"
            ]
        )
    }

    @Test("columns count characters, not bytes; CRLF line ends count once")
    func columnsAndLineEnds() throws {
        let root = try #require(try read("é: 1\r\nü: { ß: 2 }\r\n"))
        #expect(root["ü"]?.value["ß"]?.value.location == SourceLocation(file: "t.yaml", line: 2, column: 9))
        #expect(
            diagnostics("a: 1\r\nb: 2\r\nc: \u{1}\r\n") == [
                "t.yaml:3:4: error: control character U+0001 is not allowed; remove it"
            ]
        )
    }

    // MARK: Errors

    @Test(
        "forbidden YAML features are reported with exact text and position",
        arguments: [
            (
                "base: &base { a: 1 }\n",
                [
                    "t.yaml:1:7: error: anchors and aliases are not supported; remove '&base' and repeat the value "
                        + "where it is used"
                ]
            ),
            (
                "a: 1\nb: *base\n",
                [
                    "t.yaml:2:4: error: anchors and aliases are not supported; replace '*base' with a copy of the value"
                ]
            ),
            (
                "a: !!str 5\nb: !foo x\nc: !!map {}\nd: ! y\n",
                [
                    "t.yaml:1:4: error: tags are not supported; remove '!!str' (quote a value to keep it a string)",
                    "t.yaml:2:4: error: tags are not supported; remove '!foo'",
                    "t.yaml:3:4: error: tags are not supported; remove '!!map'",
                    "t.yaml:4:4: error: tags are not supported; remove '!'",
                ]
            ),
            (
                "rules: 1\nowner: a\nrules: 2\nowner: b\nrules: 3\n",
                [
                    "t.yaml:3:1: error: duplicate key 'rules' (first defined on line 1)",
                    "t.yaml:4:1: error: duplicate key 'owner' (first defined on line 2)",
                    "t.yaml:5:1: error: duplicate key 'rules' (first defined on line 1)",
                ]
            ),
            (
                "a:\n  x: 1\n  \"x\": 2\nb: {y: 1, 'y': 2}\n",
                [
                    "t.yaml:3:3: error: duplicate key 'x' (first defined on line 2)",
                    "t.yaml:4:11: error: duplicate key 'y' (first defined on line 4)",
                ]
            ),
            (
                "? [a, b]\n: 1\n{c: 1}: 2\nd: 3\n",
                [
                    "t.yaml:1:3: error: a list cannot be a mapping key; use a string",
                    "t.yaml:3:1: error: a mapping cannot be a mapping key; use a string",
                ]
            ),
            (
                "a: 1\n---\nb: 2\n",
                ["t.yaml:2:1: error: file has more than one document; put each document in its own file"]
            ),
        ] as [(String, [String])]
    )
    func forbiddenFeatureIsReported(input: String, expected: [String]) {
        #expect(diagnostics(input) == expected)
    }

    @Test("after an invalid key the rest of the mapping still reads in step")
    func invalidKeyKeepsReadingInStep() {
        // If the dropped key's value were taken for a key, 'd' and 'd' would not be reported as duplicates.
        #expect(
            diagnostics("[k]: {x: 1}\nd: 1\nd: 2\n") == [
                "t.yaml:1:1: error: a list cannot be a mapping key; use a string",
                "t.yaml:3:1: error: duplicate key 'd' (first defined on line 2)",
            ]
        )
    }

    @Test("duplicate keys are found in large mappings too")
    func duplicateKeyInLargeMapping() {
        var text = ""
        for index in 0..<200 { text += "k\(index): \(index)\n" }
        text += "k150: again\n"
        #expect(diagnostics(text) == ["t.yaml:201:1: error: duplicate key 'k150' (first defined on line 151)"])
    }

    @Test(
        "syntax errors give libyaml's problem, its context and a fix where one is known",
        arguments: [
            (
                "a: [1, 2\nb: 3\n",
                "t.yaml:2:2: error: did not find expected ',' or ']' while parsing a flow sequence "
                    + "(started at line 1, column 4)"
            ),
            (
                "a: 1\nb:\n\t- x\n",
                "t.yaml:3:1: error: found character that cannot start any token while scanning for the next token; "
                    + "indent with spaces, not tabs"
            ),
            (
                "a: @x\n",
                "t.yaml:1:4: error: found character that cannot start any token while scanning for the next token; "
                    + "quote the value"
            ),
            (
                "a: b: c\n",
                "t.yaml:1:5: error: mapping values are not allowed in this context; quote the value if it contains ': '"
            ),
            (
                "a: \"open\n",
                "t.yaml:2:1: error: found unexpected end of stream while scanning a quoted scalar "
                    + "(started at line 1, column 4)"
            ),
            (
                "a:\n  b: 1\n c: 2\n",
                "t.yaml:3:2: error: did not find expected key while parsing a block mapping "
                    + "(started at line 1, column 1)"
            ),
        ]
    )
    func syntaxErrorIsReported(input: String, expected: String) {
        #expect(diagnostics(input) == [expected])
    }

    @Test(
        "undecodable bytes are reported before parsing, with their position",
        arguments: [
            (
                Array("a: b\nc: d\u{0}e\n".utf8),
                "t.yaml:2:5: error: file contains a NUL byte; save it as UTF-8 text "
                    + "(binary and UTF-16 files are not supported)"
            ),
            (
                Array("a: 1\nb: caf".utf8) + [0xC3, 0x28, 0x0A],
                "t.yaml:2:7: error: invalid UTF-8 (byte 0xC3); save the file as UTF-8"
            ),
            (Array("é: ".utf8) + [0xFF], "t.yaml:1:4: error: invalid UTF-8 (byte 0xFF); save the file as UTF-8"),
            (Array("a: ".utf8) + [0xE2, 0x82], "t.yaml:1:4: error: invalid UTF-8 (byte 0xE2); save the file as UTF-8"),
            (Array("a: ".utf8) + [0xC0, 0xAF], "t.yaml:1:4: error: invalid UTF-8 (byte 0xC0); save the file as UTF-8"),
            (
                Array("a: ".utf8) + [0xED, 0xA0, 0x80],
                "t.yaml:1:4: error: invalid UTF-8 (byte 0xED); save the file as UTF-8"
            ),
            ([0xFF, 0xFE, 0x61, 0x00], "t.yaml:1:1: error: file is UTF-16 or UTF-32 encoded; save it as UTF-8"),
            (Array("a: \u{7F}\n".utf8), "t.yaml:1:4: error: control character U+007F is not allowed; remove it"),
            (Array("a: \u{85}\u{9F}\n".utf8), "t.yaml:1:5: error: control character U+009F is not allowed; remove it"),
            (Array("a: \u{FFFF}\n".utf8), "t.yaml:1:4: error: control character U+FFFF is not allowed; remove it"),
        ] as [([UInt8], String)]
    )
    func undecodableInputIsReported(bytes: [UInt8], expected: String) {
        #expect(diagnostics(bytes) == [expected])
    }

    @Test("allowed characters pass the encoding check", arguments: ["\t", "\u{A0}", "\u{FEFF}", "😀", "用户"])
    func allowedCharacterReads(character: String) throws {
        #expect(try valueOfV("v: \"x\(character)y\"\n").string == "x\(character)y")
    }

    // MARK: Limits

    @Test("nesting up to the depth limit reads; one level more is an error at the offending level")
    func depthLimit() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try read(deepest)?.sequenceItems?.count == 1)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(
            diagnostics(tooDeep) == [
                "t.yaml:1:65: error: nesting is too deep (more than 64 levels); flatten the structure"
            ]
        )
        let limits = YAMLReader.Limits(maximumDepth: 2)
        #expect(try read("a: {b: 1}\n", limits: limits) != nil)
        #expect(
            diagnostics("a:\n  b:\n    c: 1\n", limits: limits) == [
                "t.yaml:3:5: error: nesting is too deep (more than 2 levels); flatten the structure"
            ]
        )
    }

    @Test("the node limit stops reading")
    func nodeLimit() throws {
        let limits = YAMLReader.Limits(maximumNodes: 4)
        #expect(try read("[1, 2, 3]", limits: limits)?.sequenceItems?.count == 3)
        #expect(
            diagnostics("[1, 2, 3, 4]", limits: limits) == [
                "t.yaml:1:11: error: file has too many values (more than 4); split it into several files"
            ]
        )
    }

    @Test("the size limit is checked before parsing")
    func sizeLimit() throws {
        let limits = YAMLReader.Limits(maximumInputBytes: 8)
        #expect(try read("a: 1234\n", limits: limits) != nil)
        #expect(
            diagnostics("a: [12345\n", limits: limits) == [
                "t.yaml:1:1: error: file is too large (10 bytes; the limit is 8 bytes); split it into several files"
            ]
        )
    }

    @Test("reading stops after the diagnostic limit")
    func diagnosticLimit() {
        let limits = YAMLReader.Limits(maximumDiagnostics: 2)
        #expect(
            diagnostics("a: !x 1\nb: !x 2\nc: !x 3\nd: !x 4\n", limits: limits) == [
                "t.yaml:1:4: error: tags are not supported; remove '!x'",
                "t.yaml:2:4: error: tags are not supported; remove '!x'",
                "t.yaml:3:4: error: too many errors (more than 2); stopping here",
            ]
        )
    }

    // MARK: Hostile input

    /// Hostile inputs, built when a test case runs (Swift Testing describes its arguments, which would be slow
    /// for megabytes of bytes).
    enum HostileInput: String, CaseIterable, CustomTestStringConvertible {
        case nestedFlowLists10k, nestedFlowLists100k, nestedFlowMappings10k, nestedBlockLists10k
        case billionLaughs, file50MB, nul16MB

        var testDescription: String { rawValue }

        var bytes: [UInt8] {
            switch self {
            case .nestedFlowLists10k: return Array(repeating: UInt8(ascii: "["), count: 10_000)
            case .nestedFlowLists100k: return Array(repeating: UInt8(ascii: "["), count: 100_000)
            case .nestedFlowMappings10k: return Array(String(repeating: "{a: ", count: 10_000).utf8)
            case .nestedBlockLists10k: return Array(String(repeating: "- ", count: 10_000).utf8)
            case .billionLaughs: return Array(FlagCompilerTests.billionLaughs.utf8)
            case .file50MB: return Array(repeating: UInt8(ascii: "a"), count: 50 * 1024 * 1024)
            case .nul16MB: return Array(repeating: 0, count: 16 * 1024 * 1024)
            }
        }

        var expectedFirstDiagnostic: String {
            let tooDeep = "error: nesting is too deep (more than 64 levels); flatten the structure"
            switch self {
            case .nestedFlowLists10k, .nestedFlowLists100k: return "t.yaml:1:65: " + tooDeep
            case .nestedFlowMappings10k: return "t.yaml:1:257: " + tooDeep
            case .nestedBlockLists10k: return "t.yaml:1:129: " + tooDeep
            case .billionLaughs:
                return "t.yaml:1:4: error: anchors and aliases are not supported; remove '&a' and repeat the value "
                    + "where it is used"
            case .file50MB:
                return "t.yaml:1:1: error: file is too large (52428800 bytes; the limit is 16777216 bytes); "
                    + "split it into several files"
            case .nul16MB:
                return "t.yaml:1:1: error: file contains a NUL byte; save it as UTF-8 text "
                    + "(binary and UTF-16 files are not supported)"
            }
        }
    }

    @Test("hostile input fails fast with a clear first error", arguments: HostileInput.allCases)
    func hostileInputFailsFast(input: HostileInput) {
        let bytes = input.bytes
        let clock = ContinuousClock()
        var found: [String] = []
        let elapsed = clock.measure { found = diagnostics(bytes) }
        #expect(found.first == input.expectedFirstDiagnostic)
        #expect(elapsed < .seconds(1), "took \(elapsed)")
    }

    @Test("an alias bomb reports every anchor and alias but never expands one")
    func aliasBombReportsEveryAlias() {
        let found = diagnostics(billionLaughs)
        #expect(found.count == 9 + 8 * 9)
        #expect(found.allSatisfy { $0.contains("anchors and aliases are not supported") })
    }

    @Test("a large realistic flags file reads completely")
    func largeRealisticFile() throws {
        let text = realisticFlags(count: 2_000)
        let clock = ContinuousClock()
        var root: YAMLNode?
        let elapsed = try clock.measure { root = try read(text) }
        let flags = try #require(root?["flags"]?.value.mappingEntries)
        #expect(flags.count == 2_000)
        #expect(flags.last?.key == "flag-1999")
        #expect(flags.last?.value["default"]?.value.string == "off")
        #expect(flags.last?.value["rules"]?.value.sequenceItems?.count == 2)
        // Generous: this also runs in debug builds on a busy machine; the release figure is far lower.
        #expect(elapsed < .seconds(5))
    }

    @Test("mutated and random input never crashes")
    func fuzzedInputNeverCrashes() {
        var generator = SplitMix64(state: 0x5EED)
        let seed = Array(realisticFlags(count: 3).utf8) + Array("x: [1, {a: 'b'}, \"c\\u00e9\", |\n  d\n]\n".utf8)
        let alphabet = Array("[]{}:-?,&*!|>'\"#% \n\t\\.0ex".utf8) + [0x00, 0xC3, 0xFF, 0x80]
        for _ in 0..<1_500 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                let byte = alphabet.randomElement(using: &generator) ?? 0
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = byte
                case 1: bytes.insert(byte, at: position)
                default: if bytes.count > 1 { bytes.remove(at: position) }
                }
            }
            // Either outcome is fine; every diagnostic must carry a location inside the file.
            do {
                _ = try YAMLReader.read(bytes, file: "t.yaml")
            } catch {
                #expect(!error.diagnostics.isEmpty)
                #expect(
                    error.diagnostics.allSatisfy { ($0.location?.line ?? 0) >= 1 && ($0.location?.column ?? 0) >= 1 }
                )
            }
        }
        for length in [1, 7, 64, 1_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? YAMLReader.read(bytes, file: "t.yaml")
        }
    }
}
