import CFlagc
import FlagRuntime
import FlagRuntimeC
import FlagTestSupport
import Testing

/// The C interface's answers equal the Swift runtime's, through each way of giving a context; and
/// bad arguments give statuses, never a trap. (Tests/CABI/test_flagc.c checks the same from C, under
/// AddressSanitizer.)
@Suite("C interface")
struct CInterfaceTests {
    static let flags = """
        segments:
          beta:
            when: { plan: [pro, enterprise], betaOptIn: true }
        flags:
          checkout:
            default: off
            rules:
              - name: staff
                when: { email: { endsWith: "@example.com" } }
                serve: on
              - name: canary
                when: { country: [DE, FR], appVersion: { semverGte: 2.4.0 } }
                serve: { split: { on: 30, off: 70 } }
          color:
            type: string
            variants: { control: grey, green: "#2e7d32" }
            default: control
            rules:
              - name: experiment
                serve: { split: { control: 50, green: 50 } }
            requires:
              - { flag: checkout, variant: on }
          pages:
            type: integer
            variants: { small: 10, large: 50 }
            default: small
            rules:
              - name: beta gets more
                when: { segment: beta }
                serve: large
          timeout:
            type: number
            variants: { normal: 2.5, relaxed: 10.0 }
            default: normal
            rules:
              - name: internal
                when: { ip: { inCidr: [10.0.0.0/8] } }
                serve: relaxed
          ranking:
            type: object
            variants:
              baseline: { model: bm25 }
              neural: { model: ranker-v2, boost: 1.3 }
            default: baseline
            rules:
              - name: split
                serve: { split: { baseline: 50, neural: 50 } }
          kill:
            default: on
        """

    /// A bundle opened through the C interface, and the same bytes loaded by the Swift runtime.
    final class Opened {
        let pointer: OpaquePointer
        let swift: FlagBundle

        init() throws {
            let keys = TestKeys()
            let bytes = keys.bundle(try TestProject.content(Self.flagsText))
            swift = try FlagBundle.load(bytes: bytes, options: keys.options())
            let options = cOptionsNew()
            defer { cOptionsFree(options) }
            #expect(cOptionsAddRootKey(options, keys.root.text, -1, nil) == FLAGC_OK)
            let recipientText = KeyText.encode(.recipientSecret, keys.recipientSecret.withUnsafeBytes { Array($0) })
            #expect(cOptionsSetRecipientKey(options, recipientText, -1, nil) == FLAGC_OK)
            #expect(cOptionsSetVerificationTime(options, TestClock.start) == FLAGC_OK)
            var opened: OpaquePointer?
            let status = bytes.withUnsafeBufferPointer {
                cBundleOpenBytes($0.baseAddress, $0.count, options, &opened, nil)
            }
            #expect(status == FLAGC_OK)
            pointer = try #require(opened)
        }

        static var flagsText: String { CInterfaceTests.flags }

        deinit { cBundleFree(pointer) }
    }

    static let contexts: [String] = (0..<400).map { index in
        let countries = ["DE", "FR", "US"]
        let versions = ["2.3.0", "2.4.0", "3.0.0"]
        return """
            {"targetingKey":"user-\(index)","country":"\(countries[index % 3])","appVersion":"\(versions[index / 3 % 3])",\
            "email":"p\(index)@\(index % 11 == 0 ? "example.com" : "mail.org")","plan":"\(index % 2 == 0 ? "pro" : "free")",\
            "betaOptIn":\(index % 4 < 2),"ip":"\(index % 5 == 0 ? "10.1.2.3" : "192.168.0.1")"}
            """
    }

    /// The result in the terms of the Swift API: value as JSON text, variant, reason, rule.
    static func described(_ result: flagc_result) -> [String?] {
        let value: String? =
            switch result.value.type {
            case FLAGC_TYPE_BOOLEAN: result.value.boolean ? "true" : "false"
            case FLAGC_TYPE_INTEGER: String(result.value.integer)
            case FLAGC_TYPE_NUMBER: FlagValue.number(result.value.number).jsonText
            case FLAGC_TYPE_STRING: JSONValue.string(String(cString: result.value.string)).jsonText
            case FLAGC_TYPE_OBJECT: String(cString: result.value.string)
            default: nil
            }
        return [
            value, result.variant_name.map { String(cString: $0) }, String(cString: cReasonName(result.reason)!),
            result.rule_name.map { String(cString: $0) },
        ]
    }

    static func described(_ detail: EvaluationDetail<FlagValue?>) -> [String?] {
        [detail.value?.jsonText, detail.variant, detail.reason.rawValue, detail.ruleName]
    }

    @Test("every flag, every context: prepared, JSON and JSON Lines answers equal the Swift runtime's")
    func answersEqualTheSwiftRuntime() throws {
        let opened = try Opened()
        let lines = Self.contexts.joined(separator: "\n")
        for key in opened.swift.flagKeys {
            var flag: UInt64 = 0
            #expect(cBundleFlag(opened.pointer, key, -1, &flag) == FLAGC_OK)
            var variants = [Int32](repeating: -2, count: Self.contexts.count)
            var rules = [Int32](repeating: -2, count: Self.contexts.count)
            let status = variants.withUnsafeMutableBufferPointer { variants in
                rules.withUnsafeMutableBufferPointer { rules in
                    cEvaluateManyJSON(
                        opened.pointer,
                        flag,
                        lines,
                        lines.utf8.count,
                        Self.contexts.count,
                        variants.baseAddress,
                        nil,
                        nil,
                        rules.baseAddress
                    )
                }
            }
            #expect(status == FLAGC_OK)
            for (row, text) in Self.contexts.enumerated() {
                let expected = Self.described(opened.swift.evaluate(key, context: try JSONParser.context(text)))
                var parsed: OpaquePointer?
                #expect(cContextParseJSON(text, -1, &parsed, nil) == FLAGC_OK)
                defer { cContextFree(parsed) }
                var prepared = flagc_result()
                var fromJSON = flagc_result()
                #expect(cEvaluate(opened.pointer, flag, parsed, &prepared) == FLAGC_OK)
                #expect(cEvaluateJSON(opened.pointer, flag, text, -1, &fromJSON) == FLAGC_OK)
                #expect(Self.described(prepared) == expected, "\(key) \(text)")
                #expect(Self.described(fromJSON) == expected, "\(key) \(text)")
                #expect(variants[row] == prepared.variant && rules[row] == prepared.rule, "\(key) \(text)")
            }
        }
    }

    @Test("a context built attribute by attribute answers as its JSON form")
    func builtContextEqualsJSON() throws {
        let opened = try Opened()
        let context = cContextNew()
        defer { cContextFree(context) }
        #expect(cContextSetTargetingKey(context, "user-7", -1) == FLAGC_OK)
        #expect(cContextSetString(context, "plan", -1, "pro", -1) == FLAGC_OK)
        #expect(cContextSetBool(context, "betaOptIn", -1, true) == FLAGC_OK)
        #expect(cContextSetString(context, "ip", -1, "10.9.9.9", -1) == FLAGC_OK)
        #expect(cContextSetNumber(context, "age", -1, 41) == FLAGC_OK)
        let json = #"{"targetingKey":"user-7","plan":"pro","betaOptIn":true,"ip":"10.9.9.9","age":41}"#
        for key in opened.swift.flagKeys {
            var result = flagc_result()
            #expect(cEvaluateKey(opened.pointer, key, -1, context, &result) == FLAGC_OK)
            let expected = Self.described(opened.swift.evaluate(key, context: try JSONParser.context(json)))
            #expect(Self.described(result) == expected, "\(key)")
        }
    }

    @Test(
        "text arguments that are not text are refused with a status",
        arguments: [
            ("ill-formed UTF-8", [UInt8]([0xC3, 0x28])), ("a lone continuation byte", [0x80]),
            ("a surrogate", [0xED, 0xA0, 0x80]),
        ]
    )
    func illFormedTextIsRefused(_ label: String, _ bytes: [UInt8]) throws {
        let opened = try Opened()
        let context = cContextNew()
        defer { cContextFree(context) }
        var result = flagc_result()
        var flag: UInt64 = 0
        bytes.withUnsafeBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { text in
                let (pointer, count) = (text.baseAddress, text.count)
                #expect(cBundleFlag(opened.pointer, pointer, count, &flag) == FLAGC_INVALID_ARGUMENT, "\(label)")
                #expect(cEvaluateKey(opened.pointer, pointer, count, context, &result) == FLAGC_INVALID_ARGUMENT)
                #expect(cContextSetString(context, pointer, count, "x", 1) == FLAGC_INVALID_ARGUMENT)
                #expect(cContextSetString(context, "x", 1, pointer, count) == FLAGC_INVALID_ARGUMENT)
                #expect(cContextSetTargetingKey(context, pointer, count) == FLAGC_INVALID_ARGUMENT)
            }
        }
    }

    @Test("NULL objects and out-of-range lengths give statuses")
    func nullsAndLengths() throws {
        var result = flagc_result()
        #expect(cEvaluate(nil, 1, nil, &result) == FLAGC_INVALID_ARGUMENT)
        #expect(cEvaluateJSON(nil, 1, "{}", 2, &result) == FLAGC_INVALID_ARGUMENT)
        #expect(cEvaluateManyJSON(nil, 1, "{}", 2, 1, nil, nil, nil, nil) == FLAGC_INVALID_ARGUMENT)
        #expect(cBundleFlagCount(nil) == 0)
        #expect(cFlagType(nil, 1) == FLAGC_TYPE_NONE)
        let opened = try Opened()
        #expect(cEvaluateJSON(opened.pointer, 1, "{}", -2, &result) == FLAGC_INVALID_ARGUMENT)
        #expect(cEvaluateJSON(opened.pointer, 1, "{}", Int.max, &result) == FLAGC_INVALID_ARGUMENT)
        #expect(cEvaluateJSON(opened.pointer, 1, nil, 0, &result) == FLAGC_OK)
        #expect(result.error_code == FLAGC_ERROR_FLAG_NOT_FOUND)
        #expect(cContextSetStringList(cContextNew(), "x", 1, nil, nil, -1) == FLAGC_INVALID_ARGUMENT)
    }
}
