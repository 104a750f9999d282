import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation
import Testing

/// Runs the language-neutral evaluation spec in `Tests/Spec/*.json`, in the manner of Unleash's
/// client-specification: any implementation of the bundle format can run the same files.
///
/// A file holds one suite (or a JSON array of suites):
///
///     {"name": "...", "flags": "<YAML text of a flags file>", "environment": "production",
///      "tests": [{"description": "...", "context": {"targetingKey": "user-1", "country": "DE"},
///                 "now": "2026-12-01T09:00:00Z", "flag": "new-checkout-flow",
///                 "expected": {"value": true, "variant": "on", "reason": "SPLIT", "rule": "global ramp"}}]}
///
/// `environment` selects `environments.<name>` overrides (default `test`). `now`, when given, is the evaluation
/// clock; a test without it must not depend on the clock, which is checked by evaluating it under two clocks a
/// century apart. In `expected`, `value`, `variant` and `reason` are required; `rule` and `errorCode` are compared
/// when present (`null` meaning none). Object values compare as JSON (member order does not matter).
@Suite("Language-neutral spec suite")
struct SpecSuiteTests {
    /// One test of one suite of one file.
    struct SpecCase: Sendable, CustomTestStringConvertible {
        let file: String
        let suite: Int
        let description: String
        let context: JSONValue
        let now: String?
        let flag: String
        let expected: [JSONMember]
        var testDescription: String { "\(file): \(description)" }
    }

    /// One suite: its flags compiled twice, with evaluation clocks a century apart.
    struct CompiledSuite: Sendable {
        let name: String
        let early: Result<FlagBundle, SpecError>
        let late: Result<FlagBundle, SpecError>
    }

    struct SpecError: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    struct Loaded: Sendable {
        var files: [String] = []
        var cases: [SpecCase] = []
        var suites: [String: [CompiledSuite]] = [:]
        var errors: [String] = []
    }

    /// `Tests/Spec`, found from this file's real location (it may be reached through a symbolic link).
    static var specDirectory: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Spec")
    }

    static let earlyClock = Timestamp.parseRFC3339("2000-01-01T00:00:00Z")!
    static let lateClock = Timestamp.parseRFC3339("2100-01-01T00:00:00Z")!

    static let loaded: Loaded = load()

    static func load() -> Loaded {
        var loaded = Loaded()
        let directory = specDirectory
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            loaded.errors.append("cannot list \(directory.path): \(error)")
            return loaded
        }
        for name in names {
            loaded.files.append(name)
            do {
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                let root = try JSONParser.parse(text)
                let suites: [JSONValue] = if case .array(let items) = root { items } else { [root] }
                var compiled: [CompiledSuite] = []
                for (suiteIndex, suite) in suites.enumerated() {
                    let (suiteValue, cases) = try parseSuite(suite, file: name, index: suiteIndex)
                    compiled.append(suiteValue)
                    loaded.cases += cases
                }
                loaded.suites[name] = compiled
            } catch {
                loaded.errors.append("\(name): \(error)")
            }
        }
        return loaded
    }

    static func parseSuite(_ suite: JSONValue, file: String, index: Int) throws -> (CompiledSuite, [SpecCase]) {
        guard case .object(let members) = suite else { throw SpecError(description: "a suite must be an object") }
        let name = try string(members, "name")
        let flags = try string(members, "flags")
        let environment = try optionalString(members, "environment") ?? "test"
        guard case .array(let tests)? = member(members, "tests") else {
            throw SpecError(description: "suite '\(name)' needs a 'tests' array")
        }
        func compile(_ clock: Double) -> Result<FlagBundle, SpecError> {
            do {
                return .success(try TestProject.bundle(flags, environment: environment, now: clock))
            } catch {
                return .failure(SpecError(description: "suite '\(name)' does not compile: \(error)"))
            }
        }
        var cases: [SpecCase] = []
        for test in tests {
            guard case .object(let fields) = test else { throw SpecError(description: "a test must be an object") }
            let description = try string(fields, "description")
            guard case .object(let expected)? = member(fields, "expected") else {
                throw SpecError(description: "test '\(description)' needs an 'expected' object")
            }
            let context = member(fields, "context") ?? .object([])
            cases.append(
                SpecCase(
                    file: file,
                    suite: index,
                    description: description,
                    context: context,
                    now: try optionalString(fields, "now"),
                    flag: try string(fields, "flag"),
                    expected: expected
                )
            )
        }
        return (CompiledSuite(name: name, early: compile(earlyClock), late: compile(lateClock)), cases)
    }

    static func member(_ members: [JSONMember], _ key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    static func string(_ members: [JSONMember], _ key: String) throws -> String {
        guard case .string(let value)? = member(members, key) else {
            throw SpecError(description: "'\(key)' must be a string")
        }
        return value
    }

    static func optionalString(_ members: [JSONMember], _ key: String) throws -> String? {
        switch member(members, key) {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw SpecError(description: "'\(key)' must be a string")
        }
    }

    /// JSON equality with objects compared as unordered members and numbers as values.
    static func jsonEqual(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        // An exact integer equals a JSON number only when the double holds it exactly.
        case (.integer(let a), .number(let b)), (.number(let b), .integer(let a)):
            return b.magnitude < 0x1p63 && Double(a) == b && Int64(b) == a
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { jsonEqual($0, $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            return a.allSatisfy { member in
                b.contains { $0.key == member.key && jsonEqual($0.value, member.value) }
            }
        default: return false
        }
    }

    static func json(_ value: FlagValue?) -> JSONValue {
        switch value {
        case nil: .null
        case .bool(let bool)?: .bool(bool)
        case .string(let string)?: .string(string)
        case .integer(let integer)?: .integer(integer)
        case .number(let number)?: .number(number)
        case .object(let object)?: object
        }
    }

    static func json(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    // MARK: - Tests

    @Test("every spec file loads, compiles, and the evaluation spec has at least 40 cases")
    func specFilesLoad() throws {
        let loaded = Self.loaded
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(loaded.files.contains("evaluation.json"))
        #expect(loaded.cases.filter { $0.file == "evaluation.json" }.count >= 40)
        for (file, suites) in loaded.suites {
            for suite in suites {
                #expect(throws: Never.self, "\(file): \(suite.name)") { try suite.early.get() }
            }
        }
    }

    @Test("spec case", arguments: loaded.cases)
    func specCase(_ spec: SpecCase) throws {
        let suite = try #require(Self.loaded.suites[spec.file]?[spec.suite])
        var context = try JSONParser.context(spec.context.jsonText)
        let bundles: [FlagBundle]
        if let now = spec.now {
            let time: Double = try #require(Timestamp.parseRFC3339(now), "'now' is not an RFC 3339 time: \(now)")
            context.now = time
            bundles = [try suite.early.get()]
        } else {
            bundles = [try suite.early.get(), try suite.late.get()]
        }
        let expected = spec.expected
        let expectedValue = try #require(Self.member(expected, "value"), "expected needs 'value'")
        let expectedVariant = try #require(Self.member(expected, "variant"), "expected needs 'variant'")
        let expectedReason = try Self.string(expected, "reason")
        for bundle in bundles {
            let clock = bundles.count == 1 ? "" : " (clock \(bundle === bundles[0] ? "2000" : "2100"))"
            let detail = bundle.evaluate(spec.flag, context: context)
            #expect(
                Self.jsonEqual(Self.json(detail.value), expectedValue),
                "value \(Self.json(detail.value).jsonText), expected \(expectedValue.jsonText)\(clock)"
            )
            #expect(
                Self.jsonEqual(Self.json(detail.variant), expectedVariant),
                "variant \(detail.variant ?? "null"), expected \(expectedVariant.jsonText)\(clock)"
            )
            #expect(detail.reason.rawValue == expectedReason, "\(clock)")
            if let rule = Self.member(expected, "rule") {
                #expect(Self.jsonEqual(Self.json(detail.ruleName), rule), "rule \(detail.ruleName ?? "null")\(clock)")
            }
            if let code = Self.member(expected, "errorCode") {
                #expect(Self.jsonEqual(Self.json(detail.errorCode?.rawValue), code), "\(clock)")
            } else {
                #expect(detail.errorCode == nil, "\(clock)")
            }
        }
    }
}
