import Foundation
import Testing

/// flagc's own flagd suite (Tests/Compatibility/flagd, written by generate.py from flagd's documented
/// semantics): flags.json imported with `flagc import flagd`, built, and every case of cases.json
/// evaluated with `flagc eval --contexts`.
@Suite("flagd operators through flagc import and flagc eval")
struct FlagdCompatibilityTests {
    /// Cases flagc decides differently (`flag#index` within the flag's cases); see docs/compatibility.md.
    static let knownFailures: Set<String> = [
        // "v2.4.0": flagd strips a leading v from the context's version; flagc's semver operators do not.
        "app-version#1"
    ]

    static let folder = CompatibilityHarness.root.appendingPathComponent("flagd")

    @Test("every case decides as flagd: variant, value, and STATIC or DEFAULT where flagd serves the default variant")
    func suite() throws {
        let source = try String(contentsOf: Self.folder.appendingPathComponent("flags.json"), encoding: .utf8)
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("cases.json"))
        let cases = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let results = try CompatibilityHarness.evaluate(
            importing: source,
            with: "flagd",
            contexts: cases.map { $0["flagcContext"] as? [String: Any] ?? [:] }
        )
        var failures: [String: String] = [:]
        var perFlag: [String: Int] = [:]
        var operators: Set<String> = []
        for (index, test) in cases.enumerated() {
            let flag = test["flag"] as? String ?? ""
            let id = "\(flag)#\(perFlag[flag, default: 0])"
            perFlag[flag, default: 0] += 1
            let result = index < results.count ? results[index][flag] : nil
            var matches =
                (result?["variant"] as? String) == (test["variant"] as? String)
                && CompatibilityHarness.equal(result?["value"], test["value"])
            if let reason = test["reason"] as? String { matches = matches && (result?["reason"] as? String) == reason }
            if !matches { failures[id] = "got \(result ?? [:]), expected \(test)" }
            operators.insert(flag)
        }
        let unexpected = failures.filter { !Self.knownFailures.contains($0.key) }
        let fixed = Self.knownFailures.subtracting(failures.keys)
        #expect(
            unexpected.isEmpty,
            "new failures:\n\(unexpected.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n"))"
        )
        #expect(fixed.isEmpty, "now passing: \(fixed.sorted())")
        #expect(cases.count >= 90 && operators.count >= 17)
        #expect(Double(cases.count - failures.count) >= 0.95 * Double(cases.count))
        print("flagd suite: \(cases.count - failures.count) of \(cases.count) cases pass")
    }

    @Test(
        "JsonLogic without a flagc equivalent is refused with its JSON path, and nothing is written",
        arguments: [
            (
                #"{"flags":{"f":{"variants":{"a":1},"defaultVariant":"a","targeting":{"if":[{"merge":[1]},"a"]}}}}"#,
                #"$.flags.f.targeting.if[0].merge: JsonLogic operator 'merge' has no flagc equivalent"#
            ),
            (
                #"{"flags":{"f":{"variants":{"a":1},"defaultVariant":"a","targeting":{"if":[{"==":[{"var":"x"},1]},"b"]}}}}"#,
                #"$.flags.f.targeting.if[1]: targeting returns 'b', which is not a variant of 'f'"#
            ),
            (
                #"{"flags":{"f":{"variants":{"a":1},"defaultVariant":"a","state":"ENABLED","extra":1}}}"#,
                #"$.flags.f.extra: unknown field 'extra' in a flagd flag"#
            ),
            (
                #"{"flags":{"f":{"variants":{"a":1},"defaultVariant":null}}}"#,
                #"$.flags.f: a flag without 'defaultVariant' serves the caller's default"#
            ),
            (
                #"{"flags":{"f":{"variants":{"a":1},"defaultVariant":"a","targeting":{"if":[{"<":[{"var":"x"},"m"]},"a"]}}}}"#,
                #"$.flags.f.targeting.if[0]["<"]: '<' compares numbers"#
            ),
            (
                #"{"flags":{"f":{"variants":{"a":1},"defaultVariant":"a","targeting":{"$ref":"loop"}}},"$evaluators":{"loop":{"$ref":"loop"}}}"#,
                #"evaluators refer to each other in a cycle: loop -> loop"#
            ),
        ]
    )
    func refusals(_ input: String, _ message: String) throws {
        let workspace = try Workspace()
        try workspace.write(input, to: "in.json")
        let result = try workspace.run("import", "flagd", "in.json", "-o", "flags/out.yaml")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
        #expect(!workspace.exists("flags/out.yaml"))
    }
}
