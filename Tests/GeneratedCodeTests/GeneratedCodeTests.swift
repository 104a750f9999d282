import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation
import Testing

/// The generated code of the repository's `dev` target, checked in as `Reference/Flags.swift`, is
/// compiled into this test target against the real runtime. These tests prove it is what the
/// generator writes today, and that its typed accessors decide exactly as evaluation by key (what
/// `flagc eval` prints). Update the reference with:
/// `FLAGC_UPDATE_REFERENCE=1 swift test --filter GeneratedCodeTests`.
@Suite("Generated Swift code")
struct GeneratedCodeTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let referencePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Reference/Flags.swift").path

    static func project() throws -> FlagProject {
        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(root: packageRoot.path, diagnostics: diagnostics)
        guard !diagnostics.hasErrors else { throw DiagnosticList(diagnostics.sorted) }
        return project
    }

    static let bundle: FlagBundle = {
        let keys = TestKeys()
        let project = try! Self.project()
        let content = Builder.content(of: project, target: project.target("dev")!)
        return try! FlagBundle.load(bytes: keys.bundle(content, target: "dev"), options: keys.options())
    }()

    @Test func generatedCodeMatchesTheCheckedInReference() throws {
        let source = try #require(Builder.swiftSource(of: Self.project(), target: "dev", issuedAt: TestClock.start))
        if ProcessInfo.processInfo.environment["FLAGC_UPDATE_REFERENCE"] == "1" {
            try source.write(toFile: Self.referencePath, atomically: true, encoding: .utf8)
        }
        let reference = try String(contentsOfFile: Self.referencePath, encoding: .utf8)
        #expect(source == reference, "regenerate with FLAGC_UPDATE_REFERENCE=1 swift test --filter GeneratedCodeTests")
    }

    @Test func generatingTwiceGivesTheSameText() throws {
        let project = try Self.project()
        #expect(
            Builder.swiftSource(of: project, target: "dev", issuedAt: TestClock.start)
                == Builder.swiftSource(of: project, target: "dev", issuedAt: TestClock.start)
        )
    }

    static let contexts: [EvaluationContext] = {
        var contexts: [EvaluationContext] = [
            EvaluationContext(targetingKey: "user-1"),
            EvaluationContext(targetingKey: "user-13", attributes: ["email": "x@example.com"]),
            EvaluationContext(
                targetingKey: "user-42",
                attributes: ["country": "DE", "appVersion": "2.4.0", "userId": "u-42", "email": "Ada@Example.com"]
            ),
            EvaluationContext(
                targetingKey: "user-7",
                attributes: ["plan": "pro", "betaOptIn": true, "ip": "10.1.2.3"]
            ),
            EvaluationContext(
                targetingKey: "user-8",
                attributes: ["platform": "ios", "appVersion": "1.9.9", "ip": "fd00::1"]
            ),
            EvaluationContext(attributes: ["region": "us-east-1", "accountType": "healthcare"]),
            EvaluationContext(),
        ]
        let countries: [AttributeValue] = ["DE", "FR", "NL", "US", "GB"]
        for index in 0..<60 {
            let now = Double(TestClock.start + Int64(index) * 3 * 3_600)
            contexts.append(
                EvaluationContext(
                    targetingKey: "user-\(index * 7919 % 1000)",
                    attributes: [
                        "country": countries[index % countries.count], "appVersion": .string("2.\(index % 7).0"),
                        "userId": .string("u-\(index)"),
                    ],
                    now: now
                )
            )
        }
        return contexts
    }()

    @Test(arguments: contexts)
    func accessorsDecideAsEvaluationByKey(context: EvaluationContext) throws {
        let bundle = Self.bundle
        let flags = try Flags(bundle: bundle)
        let prepared = flags.prepare(context)
        #expect(flags.newCheckoutFlow(context) == bundle.bool("new-checkout-flow", default: false, context: context))
        #expect(flags.newCheckoutFlow(prepared) == flags.newCheckoutFlow(context))
        let color = flags.checkoutButtonColor(context)
        #expect(color.rawValue == bundle.evaluate("checkout-button-color", context: context).variant)
        #expect(color.value == bundle.string("checkout-button-color", default: "", context: context))
        #expect(flags.checkoutButtonColor(prepared) == color)
        #expect(
            flags.paymentsKillSwitch(context) == bundle.bool("payments-kill-switch", default: false, context: context)
        )
        #expect(
            flags.patientRecordsExport(context)
                == bundle.bool("patient-records-export", default: true, context: context)
        )
        #expect(
            flags.searchResultsPerPage(context) == bundle.int("search-results-per-page", default: -1, context: context)
        )
        #expect(
            flags.requestTimeoutSeconds(context)
                == bundle.double("request-timeout-seconds", default: -1, context: context)
        )
        #expect(flags.searchRanking(context) == bundle.object("search-ranking", default: .null, context: context))
    }

    @Test func aBundleWithoutAFlagOrWithAnotherTypeIsRefusedNamingEachFlag() throws {
        let keys = TestKeys()
        let content = try TestProject.content(
            """
            flags:
              new-checkout-flow: { default: off }
              checkout-button-color:
                variants: { control: grey, green: "#2e7d32" }
                default: control
              search-results-per-page:
                variants: { small: "10" }
                default: small
            """
        )
        let bundle = try FlagBundle.load(bytes: keys.bundle(content), options: keys.options())
        let error = try #require(throws: SchemaMismatch.self) { try Flags(bundle: bundle) }
        let text = error.problems.joined(separator: "\n")
        #expect(text.contains("flag 'payments-kill-switch' is missing"))
        #expect(text.contains("flag 'search-results-per-page' is string, expected integer"))
        #expect(
            text.contains(
                "flag 'checkout-button-color' has variants [control, green], expected [control, green, orange]"
            )
        )
        #expect(!text.contains("new-checkout-flow"))
    }

    /// `Flags.Context` has one typed property per attribute of `flags/context.yaml`: the same decisions
    /// as a context built with attribute names as strings.
    @Test func theTypedContextBuilderGivesTheSameDecisionsAsAttributesByName() throws {
        let flags = try Flags(bundle: Self.bundle)
        let typed = Flags.Context(
            targetingKey: "user-42",
            email: "ada@example.com",
            country: "DE",
            appVersion: "2.5.0",
            userId: "u-3",
            plan: "pro",
            betaOptIn: true,
            ip: "10.1.2.3"
        )
        let byName = EvaluationContext(
            targetingKey: "user-42",
            attributes: [
                "email": "ada@example.com", "country": "DE", "appVersion": "2.5.0", "userId": "u-3", "plan": "pro",
                "betaOptIn": true, "ip": "10.1.2.3",
            ]
        )
        #expect(typed.evaluationContext == byName)
        let prepared = flags.prepare(typed)
        #expect(flags.newCheckoutFlow(prepared) == flags.newCheckoutFlow(byName))
        #expect(flags.searchResultsPerPage(prepared) == 50)  // beta-testers: plan pro and betaOptIn
        #expect(flags.requestTimeoutSeconds(prepared) == 10.0)  // internal network
    }

    @Test func stringFlagsBecomeEnumsWithOneCasePerVariant() {
        #expect(Flags.CheckoutButtonColor.allCases.map(\.rawValue) == ["control", "green", "orange"])
        #expect(Flags.CheckoutButtonColor.green.value == "#2e7d32")
    }
}
