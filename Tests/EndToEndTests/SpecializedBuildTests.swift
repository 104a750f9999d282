import Foundation
import Testing

/// `assume:` through the real flagc: a specialized copy of the example's prod-eu target builds, says what it
/// assumed, decides as prod-eu does for contexts of its region and platform, and refuses other contexts.
@Suite("flagc build with assume:")
struct SpecializedBuildTests {
    @Test("a specialized target decides as the plain one for its region and refuses another region")
    func specializedTargetEndToEnd() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        let plain = try workspace.text("targets/prod-eu.yaml")
        try workspace.write(
            plain.replacingOccurrences(of: "keys/prod-eu.recipient.pub", with: "keys/prod-eu-ios.recipient.pub")
                + "assume: { region: eu-central-1, platform: ios }\n",
            to: "targets/prod-eu-ios.yaml"
        )
        try workspace.succeed("keys", "recipient", "prod-eu-ios")
        try workspace.succeed("build")

        let manifest = try JSON.object(try workspace.text("out/prod-eu-ios/manifest.json"))
        let assumptions = try #require(manifest["assumptions"] as? [String: Any])
        #expect(assumptions["region"] as? String == "eu-central-1" && assumptions["platform"] as? String == "ios")
        #expect(
            try workspace.text("out/prod-eu-ios/Flags.swift").contains(
                "Specialized (assume:): region = \"eu-central-1\""
            )
        )
        #expect(try JSON.object(try workspace.text("out/prod-eu/manifest.json"))["assumptions"] == nil)

        func eval(_ target: String, _ context: String) throws -> [String] {
            let result = try workspace.run("eval", "out/\(target)/flags.bundle", "--context", context)
            return result.lines
        }
        for context in [
            #"{"targetingKey":"user-1","appVersion":"1.5.0","plan":"pro","betaOptIn":true}"#,
            #"{"targetingKey":"user-7","country":"DE","appVersion":"2.5.0","userId":"user-7"}"#,
            #"{"targetingKey":"user-9","email":"a@example.com","ip":"10.1.2.3"}"#,
        ] {
            let filled = String(context.dropLast()) + #","region":"eu-central-1","platform":"ios"}"#
            let expected = try eval("prod-eu", filled)
            #expect(!expected.isEmpty)
            #expect(try eval("prod-eu-ios", context) == expected, "\(context)")
            #expect(try eval("prod-eu-ios", filled) == expected, "\(context)")
        }
        let elsewhere = try eval("prod-eu-ios", #"{"targetingKey":"user-1","region":"us-east-1"}"#)
        #expect(!elsewhere.isEmpty && elsewhere.allSatisfy { $0.contains("INVALID_CONTEXT") }, "\(elsewhere)")
    }
}
