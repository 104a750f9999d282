import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation
import Testing

/// Keeps `docs/language.md` true: every complete example on the page compiles, and every evaluation the page
/// claims holds.
///
/// The page's fenced blocks, by info string:
/// - ` ```yaml ` — a whole flags file: compiles without errors or warnings.
/// - ` ```yaml target ` — a whole target file (its first line may be `# targets/NAME.yaml`, naming it): reads
///   without errors or warnings next to a one-flag flags file.
/// - ` ```yaml invalid ` — a flags file that must be refused; each following `<!-- error "TEXT" -->` names text
///   one of its errors contains.
/// - ` ```yaml fragment ` — a piece of a file, not checked.
///
/// An `<!-- eval {…} -->` comment after a ` ```yaml ` block (only blank lines and other such comments between)
/// claims one evaluation of that block: `flag` (required), `context` (a JSON object, default `{}`), `environment`
/// (default `test`), `now` (RFC 3339; without it the claim must hold under clocks a century apart), and the
/// expected `variant` (required; `null` for the caller's default), `value` (JSON, compared as JSON values),
/// `json` (the exact JSON text of the value, for integers beyond 2⁵³), `reason`, `rule` and `errorCode` (compared
/// when given; without `errorCode`, no error is expected).
@Suite("docs/language.md")
struct LanguageReferenceTests {
    enum Kind: String, Sendable {
        case flags
        case target
        case invalid
    }

    /// One checked block of the page.
    struct Block: Sendable, CustomTestStringConvertible {
        let kind: Kind
        let text: String
        /// The line of the opening fence.
        let line: Int
        var expectedErrors: [String] = []
        var testDescription: String { "docs/language.md:\(line) (\(kind.rawValue))" }
    }

    /// One `<!-- eval … -->` claim.
    struct Claim: Sendable, CustomTestStringConvertible {
        let block: Int
        let line: Int
        let json: String
        var testDescription: String { "docs/language.md:\(line): \(json)" }
    }

    struct Page: Sendable {
        var text = ""
        var blocks: [Block] = []
        var claims: [Claim] = []
        var problems: [String] = []
    }

    struct ClaimError: Error, CustomStringConvertible {
        let description: String
    }

    /// `docs/language.md`, found from this file's real location (it may be reached through a symbolic link).
    static var pageURL: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs").appendingPathComponent("language.md")
    }

    static let page: Page = parse()

    static let earlyClock = Timestamp.parseRFC3339("2000-01-01T00:00:00Z")!
    static let lateClock = Timestamp.parseRFC3339("2100-01-01T00:00:00Z")!

    /// Every operator of the language; each needs a row in the operator table and a tested example.
    static let operators = [
        "eq", "ne", "in", "notIn", "contains", "notContains", "startsWith", "endsWith", "matches", "gt", "gte", "lt",
        "lte", "semverEq", "semverGt", "semverGte", "semverLt", "semverLte", "before", "after", "inCidr", "exists",
    ]

    // MARK: Reading the page

    static func parse() -> Page {
        var page = Page()
        do {
            page.text = try String(contentsOf: pageURL, encoding: .utf8)
        } catch {
            page.problems.append("cannot read \(pageURL.path): \(error)")
            return page
        }
        let lines = page.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        // The block that comments attach to: the last one, while only blank lines and comments followed it.
        var attachable: Int?
        while index < lines.count {
            let line = lines[index]
            let number = index + 1
            index += 1
            if line.hasPrefix("```") {
                let info = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                var body: [String] = []
                while index < lines.count, lines[index].trimmingCharacters(in: .whitespaces) != "```" {
                    body.append(lines[index])
                    index += 1
                }
                if index == lines.count { page.problems.append("line \(number): unterminated code block") }
                index += 1
                let text = body.joined(separator: "\n") + "\n"
                attachable = nil
                switch info {
                case "yaml": page.blocks.append(Block(kind: .flags, text: text, line: number))
                case "yaml target": page.blocks.append(Block(kind: .target, text: text, line: number))
                case "yaml invalid": page.blocks.append(Block(kind: .invalid, text: text, line: number))
                case "yaml fragment": continue
                default:
                    if info.hasPrefix("yaml") { page.problems.append("line \(number): unknown info string '\(info)'") }
                    continue
                }
                attachable = page.blocks.count - 1
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard trimmed.hasPrefix("<!--"), trimmed.hasSuffix("-->") else {
                attachable = nil
                continue
            }
            let content = trimmed.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
            if content.hasPrefix("eval ") {
                guard let block = attachable, page.blocks[block].kind == .flags else {
                    page.problems.append("line \(number): an eval comment must follow a ```yaml block")
                    continue
                }
                page.claims.append(Claim(block: block, line: number, json: String(content.dropFirst(5))))
            } else if content.hasPrefix("error ") {
                guard let block = attachable, page.blocks[block].kind == .invalid,
                    case .string(let expected)? = try? JSONParser.parse(String(content.dropFirst(6)))
                else {
                    page.problems.append(
                        "line \(number): an error comment is a JSON string after a ```yaml invalid block"
                    )
                    continue
                }
                page.blocks[block].expectedErrors.append(expected)
            }
        }
        return page
    }

    static func blocks(_ kind: Kind) -> [Block] { page.blocks.filter { $0.kind == kind } }

    /// The names of a block's diagnostics, for failure messages: rendered, with the page line of the block.
    static func describe(_ diagnostics: [Diagnostic], of block: Block) -> String {
        "block at docs/language.md:\(block.line) (its line 1 is the page's line \(block.line + 1)):\n"
            + diagnostics.map(\.description).joined(separator: "\n")
    }

    // MARK: The page

    @Test("the page reads, has examples of every kind, and claims at least 150 evaluations")
    func pageReads() {
        let page = Self.page
        #expect(page.problems.isEmpty, "\(page.problems)")
        #expect(Self.blocks(.flags).count >= 10)
        #expect(Self.blocks(.target).count >= 1)
        #expect(Self.blocks(.invalid).count >= 5)
        #expect(page.claims.count >= 150)
    }

    @Test("every operator has a row in the operator table and an example whose evaluation is tested")
    func everyOperatorIsDocumentedAndTested() {
        let page = Self.page
        let tableRows = page.text.split(separator: "\n").filter { $0.hasPrefix("| `") }
        let testedBlocks = Set(page.claims.map(\.block)).map { page.blocks[$0].text }
        for name in Self.operators {
            let inTable = tableRows.contains { row in
                row.split(separator: "|").first.map { $0.contains("`\(name)`") } ?? false
            }
            #expect(inTable, "operator '\(name)' has no row in the operator table")
            let tested = testedBlocks.contains { text in
                ["{ \(name):", ", \(name):", " \(name): "].contains { text.contains($0) }
            }
            #expect(tested, "operator '\(name)' has no example with a tested evaluation")
        }
    }

    // MARK: Examples

    @Test("flags example compiles without errors or warnings", arguments: blocks(.flags))
    func flagsExampleCompiles(_ block: Block) {
        let (project, diagnostics) = TestProject.load(block.text)
        #expect(diagnostics.isEmpty, "\(Self.describe(diagnostics, of: block))")
        #expect(!project.flags.isEmpty, "a flags example defines at least one flag")
    }

    @Test("target example reads without errors or warnings", arguments: blocks(.target))
    func targetExampleReads(_ block: Block) throws {
        // `# targets/NAME.yaml` on the first line names the target; the name matters (it is the default environment).
        let firstLine = block.text.split(separator: "\n").first.map(String.init) ?? ""
        var name = "example"
        if let range = firstLine.range(of: "targets/"), let end = firstLine.range(of: ".yaml") {
            name = String(firstLine[range.upperBound..<end.lowerBound])
        }
        let diagnostics = DiagnosticCollector()
        // Reading a target checks that it names recipients; their files are read only by `flagc build`.
        let project = FlagProject.load(
            flagFiles: [("flags/example.yaml", Array("flags:\n  example: {}\n".utf8))],
            targetFiles: [("targets/\(name).yaml", Array(block.text.utf8))],
            diagnostics: diagnostics
        )
        #expect(diagnostics.sorted.isEmpty, "\(Self.describe(diagnostics.sorted, of: block))")
        #expect(project.targets.count == 1)
    }

    @Test("invalid example is refused with the error the page names", arguments: blocks(.invalid))
    func invalidExampleIsRefused(_ block: Block) {
        let (_, diagnostics) = TestProject.load(block.text)
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(!errors.isEmpty, "the example at docs/language.md:\(block.line) compiles")
        #expect(!block.expectedErrors.isEmpty, "add <!-- error \"…\" --> after docs/language.md:\(block.line)")
        for expected in block.expectedErrors {
            #expect(
                errors.contains { $0.message.contains(expected) },
                "no error contains '\(expected)'; \(Self.describe(errors, of: block))"
            )
        }
    }

    // MARK: Claims

    @Test("evaluation claimed by the page", arguments: page.claims)
    func claimHolds(_ claim: Claim) throws {
        guard case .object(let fields) = try JSONParser.parse(claim.json) else {
            throw ClaimError(description: "an eval comment holds a JSON object")
        }
        let known: Set = [
            "context", "flag", "environment", "now", "variant", "value", "json", "reason", "rule", "errorCode",
        ]
        for field in fields where !known.contains(field.key) {
            throw ClaimError(description: "unknown field '\(field.key)' in an eval comment")
        }
        func member(_ key: String) -> JSONValue? { fields.first { $0.key == key }?.value }
        func string(_ key: String) throws -> String? {
            switch member(key) {
            case nil: return nil
            case .string(let value)?: return value
            default: throw ClaimError(description: "'\(key)' must be a string")
            }
        }
        guard let flag = try string("flag") else { throw ClaimError(description: "an eval comment names its 'flag'") }
        guard let expectedVariant = member("variant") else {
            throw ClaimError(description: "an eval comment states the 'variant' (null for the caller's default)")
        }
        let environment = try string("environment") ?? "test"
        var context = try Self.context(member("context") ?? .object([]))
        let clocks: [Double]
        if let now = try string("now") {
            guard let time = Timestamp.parseRFC3339(now) else {
                throw ClaimError(description: "'now' is not an RFC 3339 time: \(now)")
            }
            context.now = time
            clocks = [Self.earlyClock]
        } else {
            clocks = [Self.earlyClock, Self.lateClock]
        }
        for clock in clocks {
            let bundle = try Self.bundles.bundle(block: claim.block, environment: environment, clock: clock)
            let detail = bundle.evaluate(flag, context: context)
            let label = clocks.count == 1 ? "" : " (clock \(Timestamp.formatRFC3339(Int64(clock))))"
            #expect(
                Self.jsonEqual(detail.variant.map(JSONValue.string) ?? .null, expectedVariant),
                "variant \(detail.variant ?? "null"), expected \(expectedVariant.jsonText)\(label)"
            )
            let value = Self.json(detail.value)
            if let expected = member("value") {
                #expect(
                    Self.jsonEqual(value, expected),
                    "value \(value.jsonText), expected \(expected.jsonText)\(label)"
                )
            }
            if let expected = try string("json") {
                #expect(value.jsonText == expected, "value \(value.jsonText)\(label)")
            }
            if let expected = try string("reason") {
                #expect(detail.reason.rawValue == expected, "\(label)")
            }
            if let expected = member("rule") {
                let rule = detail.ruleName.map(JSONValue.string) ?? .null
                #expect(Self.jsonEqual(rule, expected), "rule \(rule.jsonText), expected \(expected.jsonText)\(label)")
            }
            if let expected = member("errorCode") {
                let code = detail.errorCode.map { JSONValue.string($0.rawValue) } ?? .null
                #expect(Self.jsonEqual(code, expected), "error code \(code.jsonText)\(label)")
            } else {
                #expect(detail.errorCode == nil, "unexpected error \(detail.errorMessage ?? "")\(label)")
            }
        }
    }

    /// The bundles of the page's blocks, compiled once per block, environment and clock (claims run in parallel).
    final class BundleCache: @unchecked Sendable {
        private let lock = NSLock()
        private var bundles: [String: FlagBundle] = [:]

        func bundle(block: Int, environment: String, clock: Double) throws -> FlagBundle {
            let key = "\(block) \(environment) \(clock)"
            lock.lock()
            defer { lock.unlock() }
            if let bundle = bundles[key] { return bundle }
            let bundle = try TestProject.bundle(page.blocks[block].text, environment: environment, now: clock)
            bundles[key] = bundle
            return bundle
        }
    }

    static let bundles = BundleCache()

    /// A context from JSON, read as a function reads one: through `JSONParser.context`.
    static func context(_ value: JSONValue) throws -> EvaluationContext {
        guard case .object = value else { throw ClaimError(description: "'context' must be an object") }
        return try JSONParser.context(value.jsonText)
    }

    static func json(_ value: FlagValue?) -> JSONValue { SpecSuiteTests.json(value) }

    /// JSON equality as the spec suite compares (objects as unordered members, numbers as values).
    static func jsonEqual(_ left: JSONValue, _ right: JSONValue) -> Bool { SpecSuiteTests.jsonEqual(left, right) }
}
