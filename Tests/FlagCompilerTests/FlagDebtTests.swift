import FlagRuntime
import Foundation
import Testing

@testable import FlagCompiler

/// Reachability, the lint warnings of `flagc check`, the declared context, the code-reference
/// scanner and the staleness judgement, on projects that never touch the disk.
@Suite("Flag debt")
struct FlagDebtTests {
    static func load(_ yaml: String, targets: [(String, String)] = []) -> (FlagProject, DiagnosticCollector) {
        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(
            flagFiles: [("flags/f.yaml", Array(yaml.utf8))],
            targetFiles: targets.map { ($0.0, Array($0.1.utf8)) },
            diagnostics: diagnostics
        )
        return (project, diagnostics)
    }

    /// The lint's warnings as `line: message` (after a project without errors).
    static func lint(_ yaml: String) throws -> [String] {
        let (project, diagnostics) = load(yaml)
        try diagnostics.throwIfErrors()
        let lint = DiagnosticCollector()
        FlagLint(project: project, diagnostics: lint).run()
        return lint.sorted.map { "\($0.location?.line ?? 0): \($0.severity.rawValue): \($0.message)" }
    }

    // MARK: Reachability

    @Test func rulesAfterACatchAllAndRulesShadowedByTheSameConditionAreUnreachable() throws {
        let warnings = try Self.lint(
            """
            flags:
              f:
                rules:
                  - { when: { country: DE, plan: pro }, serve: on }
                  - { when: { plan: pro, country: DE }, serve: off }
                  - { name: all, serve: on }
                  - { name: late, when: { country: FR }, serve: off }
            """
        )
        #expect(
            warnings == [
                "5: warning: this rule of flag 'f' is never reached: the rule at 4:9 has the same condition",
                "7: warning: rule 'late' of flag 'f' is never reached: the rule at 6:9 matches every context",
            ]
        )
    }

    @Test func anUnconditionalSplitIsNoCatchAllForContextsWithoutABucketingValue() throws {
        let warnings = try Self.lint(
            """
            flags:
              f:
                rules:
                  - { serve: { split: { on: 50, off: 50 } } }
                  - { when: { country: FR }, serve: on }
            """
        )
        #expect(warnings.isEmpty)
    }

    @Test func servedVariantsFollowRampsAtATimeAndTheirGracePeriod() throws {
        let (project, diagnostics) = Self.load(
            """
            flags:
              r:
                rules:
                  - serve:
                      progressive:
                        variant: on
                        others: off
                        steps: [ { at: 2026-11-01T00:00:00Z, percent: 50 }, { at: 2026-11-10T00:00:00Z, percent: 100 } ]
            """
        )
        try diagnostics.throwIfErrors()
        var analysis = ReachabilityAnalysis(project: project, rampGrace: 7 * 86_400)
        let flag = try #require(project.flag("r"))
        func served(_ date: String, _ population: ReachabilityAnalysis.Population) -> Set<String> {
            analysis.servedVariants(
                flag,
                environment: nil,
                at: Double(Timestamp.parseDate(date)!),
                population: population
            ).names
        }
        #expect(served("2026-10-01", .identifiedContexts) == ["off"])
        #expect(served("2026-11-05", .identifiedContexts) == ["on", "off"])
        #expect(served("2026-11-12", .identifiedContexts) == ["on", "off"])  // within the grace period
        #expect(served("2026-11-20", .identifiedContexts) == ["on"])
        // Counting contexts without a targeting key, the default is still served.
        #expect(served("2026-11-20", .everyContext) == ["on", "off"])
    }

    // MARK: Lint

    @Test func unusedSegmentsUnservedVariantsAndImpossiblePrerequisitesAreWarnings() throws {
        let warnings = try Self.lint(
            """
            segments:
              used: { when: { segment: inner } }
              inner: { include: [a] }
              unused: { include: [b] }
            flags:
              gate: { enabled: false }
              color:
                variants: { grey: g, green: x, red: r }
                default: grey
                rules: [ { when: { segment: used }, serve: green } ]
                requires: [ { flag: gate, variant: on } ]
            """
        )
        #expect(
            warnings == [
                "4: warning: segment 'unused' is not used by any flag",
                // `gate` is never on, so `color` always serves its off variant (`grey`).
                "8: warning: variant 'green' of flag 'color' is never served: no rule serves it and it is not the default",
                "8: warning: variant 'red' of flag 'color' is never served: no rule serves it and it is not the default",
                "11: warning: flag 'color' requires 'gate' to serve 'on', which it never serves; 'color' always serves its off variant",
            ]
        )
    }

    @Test func attributesAreCheckedAgainstTheDeclaredContext() throws {
        let warnings = try Self.lint(
            """
            context:
              email: { type: string, description: Sign-in address }
              age: number
              appVersion: version
            flags:
              f:
                rules:
                  - { when: { emial: { endsWith: "@example.com" } }, serve: on }
                  - { when: { age: { startsWith: "1" } }, serve: on }
                  - { when: { appVersion: { semverGte: 2.0.0 }, targetingKey: a }, serve: on }
                  - { when: { email: x }, serve: { split: { on: 50, off: 50 }, by: userId } }
            """
        )
        #expect(
            warnings == [
                "8: warning: attribute 'emial' is not declared in 'context'; did you mean 'email'?",
                "9: warning: operator 'startsWith' does not apply to attribute 'age', declared number; "
                    + "it expects string or version or ip or timestamp",
                "11: warning: attribute 'userId' is not declared in 'context'; declare it or fix its name",
            ]
        )
    }

    @Test func withoutADeclaredContextAttributesAreNotChecked() throws {
        #expect(try Self.lint("flags: { f: { rules: [ { when: { emial: x }, serve: on } ] } }").isEmpty)
    }

    @Test(arguments: [
        ("context: { a: { type: text } }", "unknown attribute type 'text'"),
        ("context: { a: { description: x } }", "attribute 'a' needs a 'type'"),
        ("flags: { f: { lifecycle: relase } }", "unknown lifecycle 'relase'"),
        ("flags: { f: { created: yesterday } }", "'created' must be a date like 2026-11-30"),
    ])
    func badDeclarationsAreErrors(yaml: String, message: String) {
        let (_, diagnostics) = Self.load(yaml)
        #expect(diagnostics.diagnostics.contains { $0.severity == .error && $0.message.hasPrefix(message) })
    }

    // MARK: Code references

    @Test func theScannerFindsKeysAndAccessorsAsWholeWords() {
        let scanner = CodeReferenceScanner(keys: ["new-checkout", "dark", "search.v2"])
        var found = [FlagReferences](repeating: FlagReferences(), count: 3)
        let code = """
            let a = flags.newCheckout(context)
            let b = client.bool("new-checkout-v2")  // another flag
            let c = "dark"; let d = darkness
            if flags.isOn("search.v2") {}
            // see --new-checkout.
            """
        scanner.scan(Array(code.utf8), file: "App.swift", into: &found)
        #expect(found[0].locations.map(\.location) == ["App.swift:1:15", "App.swift:5:10"])
        #expect(found[1].locations.map(\.location) == ["App.swift:3:10"])
        #expect(found[2].locations.map(\.location) == ["App.swift:4:16"])
    }

    @Test func theScannerFollowsNoSymbolicLinkAndSkipsGeneratedCode() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flagc-scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("App"),
            withIntermediateDirectories: true
        )
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("if flags.darkMode(context) {}\n".utf8).write(to: folder.appendingPathComponent("App/a.swift"))
        try Data("// DO NOT EDIT. Generated by flagc\nfunc darkMode() {}\n".utf8)
            .write(to: folder.appendingPathComponent("App/Flags.swift"))
        // A link back to the folder itself: following it would never end.
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("App/loop").path,
            withDestinationPath: folder.path
        )
        let found = try CodeReferenceScanner(keys: ["dark-mode"]).scan([folder.path])
        #expect(found["dark-mode"]?.locations.map(\.location) == [folder.path + "/App/a.swift:1:10"])
    }

    @Test func gitHistoryGivesTheFirstCommitThatAddsEachKey() {
        let log =
            "\0100\n\ndiff --git a/flags/a.yaml b/flags/a.yaml\n+++ b/flags/a.yaml\n@@ -0,0 +1,2 @@\n"
            + "+flags:\n+  old-one:\n\0200\n+  \"new-one\": {}\n+  old-one: {}\n-  gone:\n"
        #expect(
            GitHistory.parse(Array(log.utf8), keys: ["old-one", "new-one", "gone"]) == ["old-one": 100, "new-one": 200]
        )
    }

    // MARK: Staleness

    @Test func aProjectWithEveryKindOfDebtGivesExactlyTheExpectedReasons() throws {
        let (project, diagnostics) = Self.load(
            """
            flags:
              expired-one: { expires: 2026-01-01, rules: [ { when: { a: 1 }, serve: on } ] }
              expiring-one: { expires: 2026-12-10, rules: [ { when: { a: 1 }, serve: on } ] }
              later-one: { expires: 2027-06-01, rules: [ { when: { a: 1 }, serve: on } ] }
              old-release: { lifecycle: release, created: 2026-09-01, rules: [ { when: { a: 1 }, serve: on } ] }
              young-release: { lifecycle: release, created: 2026-11-20, rules: [ { when: { a: 1 }, serve: on } ] }
              static-on: { default: on }
              kill: { lifecycle: kill-switch, default: on }
              off-everywhere: { enabled: false, rules: [ { when: { a: 1 }, serve: on } ] }
              off-in-production:
                rules: [ { when: { a: 1 }, serve: on } ]
                environments: { production: { enabled: false } }
              forever: { lifecycle: permanent, expires: 2020-01-01 }
            """,
            targets: [
                ("targets/dev.yaml", "environment: development\nflags: ['*']\nrecipients: [k]\n"),
                ("targets/prod.yaml", "environment: production\nflags: ['*']\nrecipients: [k]\n"),
            ]
        )
        try diagnostics.throwIfErrors()
        let report = try StaleAnalysis.run(project, options: StaleOptions(now: Timestamp.parseDate("2026-12-03")!))
        let pairs = report.findings.map { "\($0.flag) \($0.reason.rawValue)" }
        #expect(
            pairs == [
                "expired-one expired", "expiring-one expiring", "off-everywhere never-on",
                "old-release lifetime-exceeded", "static-on fully-rolled-out",
            ]
        )
        #expect(report.findings.allSatisfy { $0.targets == ["dev", "prod"] })
        let plan = try #require(report.plans.first { $0.flag == "static-on" })
        #expect(plan.variant == "on" && plan.value == "true" && plan.yaml == "  static-on: { default: on }")
    }

    @Test func theSARIFLogHasEveryRequiredProperty() throws {
        let (project, diagnostics) = Self.load("flags:\n  gone: { expires: 2026-01-01 }\n")
        try diagnostics.throwIfErrors()
        let report = try StaleAnalysis.run(project, options: StaleOptions(now: Timestamp.parseDate("2026-12-03")!))
        let log = try JSONParser.parse(report.sarif(toolVersion: "1.0.0"))
        #expect(log["version"] == .string("2.1.0"))
        let run = try #require(log["runs"]?.arrayItems?.first)
        #expect(run["tool"]?["driver"]?["name"] == .string("flagc"))
        let ruleIDs = run["tool"]?["driver"]?["rules"]?.arrayItems?.compactMap { $0["id"] } ?? []
        #expect(ruleIDs.count == StaleReason.allCases.count)
        let results = try #require(run["results"]?.arrayItems)
        // `gone` is expired and, with no rules, never on.
        #expect(results.map { $0["ruleId"] } == [.string("expired"), .string("never-on")])
        for result in results {
            #expect(result["message"]?["text"] != nil)
            let location = result["locations"]?.arrayItems?.first?["physicalLocation"]
            #expect(location?["artifactLocation"]?["uri"] == .string("flags/f.yaml"))
            #expect(location?["region"]?["startLine"] == .number(2))
        }
    }
}

extension JSONValue {
    fileprivate subscript(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    fileprivate var arrayItems: [JSONValue]? {
        guard case .array(let items) = self else { return nil }
        return items
    }
}
