import FlagCompiler
import Foundation
import Testing

// Stories of the build step, a batch job and an operator, told through the real `flagc` binary.

@Suite("flagc init, check and build")
struct ProjectCommandTests {
    @Test("init in an empty folder scaffolds a project that checks, builds and evaluates")
    func initScaffoldsAWorkingProject() throws {
        let workspace = try Workspace()

        let initialized = try workspace.run("init")
        #expect(initialized.status == 0, "\(initialized)")
        #expect(workspace.exists("flags/example.yaml"))
        #expect(workspace.exists("targets/dev.yaml"))
        // Editors find the schemas the scaffold names on its first line.
        #expect(
            try workspace.text("flags/example.yaml").hasPrefix(
                "# yaml-language-server: $schema=../schema/flags.schema.json\n"
            )
        )
        #expect(try workspace.text("schema/flags.schema.json") == EditorSchema.flags + "\n")
        #expect(try workspace.text("schema/target.schema.json") == EditorSchema.target + "\n")
        let keys = workspace.files(in: "keys")
        let signingKeys = keys.filter { $0.hasPrefix("signing-") && $0.hasSuffix(".key") }
        #expect(signingKeys.count == 1, "\(keys)")
        for secret in ["root.key", "dev.recipient.key"] + signingKeys {
            #expect(try workspace.permissions("keys/\(secret)") == 0o600, "keys/\(secret)")
        }
        for shared in ["root.pub", "keyring", "dev.recipient.pub"] {
            #expect(try workspace.permissions("keys/\(shared)") == 0o644, "keys/\(shared)")
        }
        #expect(try workspace.text(".gitignore").contains("*.key"))

        let checked = try workspace.run("check")
        #expect(checked.status == 0, "\(checked)")
        let built = try workspace.run("build")
        #expect(built.status == 0, "\(built)")
        let evaluated = try workspace.run(
            "eval",
            "out/dev/flags.bundle",
            "--context",
            #"{"targetingKey":"someone","email":"ada@example.com"}"#
        )
        #expect(evaluated.status == 0, "\(evaluated)")
        #expect(
            evaluated.lines == [
                #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"staff first"}"#
            ],
            "\(evaluated)"
        )
    }

    @Test("init run twice keeps the existing flags and keys")
    func initKeepsExistingFiles() throws {
        let workspace = try Workspace()
        try workspace.succeed("init")
        try workspace.write("flags:\n  mine:\n    default: off\n", to: "flags/example.yaml")
        let rootKey = try workspace.data("keys/root.key")
        let keyring = try workspace.data("keys/keyring")

        let again = try workspace.run("init")

        #expect(again.status == 0, "\(again)")
        #expect(again.stderr.contains("kept existing flags/example.yaml"), "\(again)")
        #expect(try workspace.text("flags/example.yaml") == "flags:\n  mine:\n    default: off\n")
        #expect(try workspace.data("keys/root.key") == rootKey)
        #expect(try workspace.data("keys/keyring") == keyring)
    }

    @Test("check lists every problem of a run as file:line:column with a fix, and exits 1")
    func checkReportsEveryProblemWithItsPosition() throws {
        let workspace = try Workspace()
        try workspace.write(
            """
            segments:
              beta:
                when: { plan: { startswith: pro } }
            flags:
              checkout:
                default: off
                rules:
                  - name: half
                    serve: { split: { on: 50, off: 40 } }
              search:
                default: off
                rules:
                  - when: { segment: ghosts }
                    serve: on

            """,
            to: "flags/x.yaml"
        )
        try workspace.write(
            """
            flags:
              other:
                default: off
                owner: team-a
                owner: team-b

            """,
            to: "flags/y.yaml"
        )
        try workspace.write("flags:\n  aliased:\n    default: &x off\n    offVariant: *x\n", to: "flags/w.yaml")
        try workspace.write("flags:\n  broken:\n    default: [off\n", to: "flags/z.yaml")
        try workspace.write("environment: development\nrecipients: [keys/dev.recipient.pub]\n", to: "targets/dev.yaml")

        let result = try workspace.run("check")

        #expect(result.status == 1, "\(result)")
        let errors = result.stderr.split(separator: "\n").filter { $0.contains(": error: ") }.map(String.init)
        #expect(
            errors == [
                "flags/w.yaml:3:14: error: anchors and aliases are not supported; remove '&x' and repeat the value where it is used",
                "flags/w.yaml:4:17: error: anchors and aliases are not supported; replace '*x' with a copy of the value",
                "flags/x.yaml:3:21: error: unknown operator 'startswith'; did you mean 'startsWith'?",
                "flags/x.yaml:9:27: error: split weights add up to 90%, not 100%",
                "flags/x.yaml:13:26: error: unknown segment 'ghosts'",
                "flags/y.yaml:5:5: error: duplicate key 'owner' (first defined on line 4)",
                "flags/z.yaml:4:1: error: did not find expected ',' or ']' while parsing a flow sequence (started at line 3, column 14)",
            ],
            "\(result)"
        )
        // Each diagnostic shows its source line and a caret under the column.
        #expect(result.stderr.contains("    when: { plan: { startswith: pro } }\n                    ^"), "\(result)")
        #expect(result.stderr.contains("7 errors"), "\(result)")
        #expect(result.stdout.isEmpty)
        #expect(!workspace.exists("out"))
    }

    @Test("a duplicate key does not hide the other problems of its file")
    func duplicateKeyDoesNotHideOtherProblems() throws {
        let workspace = try Workspace()
        try workspace.write(
            """
            flags:
              checkout:
                default: off
                rules:
                  - serve: { split: { on: 50, off: 40 } }
              search:
                default: off
                owner: team-a
                owner: team-b

            """,
            to: "flags/x.yaml"
        )
        try workspace.write("environment: development\nrecipients: [keys/dev.recipient.pub]\n", to: "targets/dev.yaml")

        let result = try workspace.run("check")

        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains("flags/x.yaml:9:5: error: duplicate key 'owner' (first defined on line 8)"),
            "\(result)"
        )
        #expect(result.stderr.contains("flags/x.yaml:5:27: error: split weights add up to 90%, not 100%"), "\(result)")
    }

    @Test("build writes flags.bundle, the generated Swift type and manifest.json for every target")
    func buildWritesEveryTarget() throws {
        let project = try Workspace.example()
        let workspace = project.workspace

        let result = try workspace.run("build")

        #expect(result.status == 0, "\(result)")
        #expect(workspace.files(in: "out") == ["dev", "prod-eu"])
        for target in ["dev", "prod-eu"] {
            #expect(workspace.files(in: "out/\(target)") == ["Flags.swift", "flags.bundle", "manifest.json"])
            let swift = try workspace.text("out/\(target)/Flags.swift")
            #expect(swift.hasPrefix("// DO NOT EDIT."))
            #expect(swift.contains("public struct Flags"))
            #expect(swift.contains("func newCheckoutFlow("))
            let manifest = try JSON.object(try workspace.text("out/\(target)/manifest.json"))
            #expect(manifest["target"] as? String == target)
            #expect(manifest["flagCount"] as? Int == 7)
            #expect(manifest["signingKeyId"] as? String == project.signingKeyID)
            #expect(manifest["recipients"] as? [String] == [project.recipientIDs[target]!])
            let bundle = try workspace.data("out/\(target)/flags.bundle")
            #expect(manifest["bundleBytes"] as? Int == bundle.count)
            let keys = (manifest["flags"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
            #expect(
                keys == [
                    "checkout-button-color", "new-checkout-flow", "patient-records-export", "payments-kill-switch",
                    "request-timeout-seconds", "search-ranking", "search-results-per-page",
                ]
            )
        }
        #expect(result.stderr.contains("built out/dev/flags.bundle: 7 flags"), "\(result)")
    }

    @Test("build --target writes only that target, and suggests a near name for a typo")
    func buildOneTarget() throws {
        let workspace = try Workspace.example().workspace

        let typo = try workspace.run("build", "--target", "prd-eu")
        #expect(typo.status == 1, "\(typo)")
        #expect(typo.stderr.contains("no target 'prd-eu' in targets/; did you mean 'prod-eu'?"), "\(typo)")
        #expect(!workspace.exists("out"))

        let one = try workspace.run("build", "--target", "prod-eu")
        #expect(one.status == 0, "\(one)")
        #expect(workspace.files(in: "out") == ["prod-eu"])
    }

    @Test("check and build --root work on a repository in another folder")
    func buildWithRoot() throws {
        let project = try Workspace.example()
        let elsewhere = try Workspace()

        let checked = try elsewhere.run("check", "--root", project.workspace.url.path)
        #expect(checked.status == 0, "\(checked)")
        #expect(checked.stderr.contains("ok: 7 flags, 2 segments, 2 targets"), "\(checked)")
        let built = try elsewhere.run("build", "--root", project.workspace.url.path, "--target", "dev")
        #expect(built.status == 0, "\(built)")

        #expect(elsewhere.files(in: ".").isEmpty)
        #expect(project.workspace.files(in: "out/dev") == ["Flags.swift", "flags.bundle", "manifest.json"])
        let evaluated = try elsewhere.run(
            "eval",
            project.devBundle,
            "--keys",
            project.keys,
            "--context",
            "{}",
            "--flag",
            "payments-kill-switch"
        )
        #expect(
            evaluated.lines == [#"{"flag":"payments-kill-switch","value":true,"variant":"on","reason":"STATIC"}"#],
            "\(evaluated)"
        )
    }

    @Test("a build that fails for one target writes no file for any target")
    func failedBuildWritesNothing() throws {
        let workspace = try Workspace.example().workspace
        try workspace.remove("keys/prod-eu.recipient.pub")

        let result = try workspace.run("build")

        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains(
                "targets/prod-eu.yaml:6:14: error: cannot use recipient: cannot read keys/prod-eu.recipient.pub"
            ),
            "\(result)"
        )
        #expect(!workspace.exists("out"))
    }

    @Test("two builds with the same SOURCE_DATE_EPOCH give byte-identical outputs")
    func buildsAreReproducible() throws {
        let workspace = try Workspace.example().workspace
        let epoch = String(Clock.now)

        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epoch])
        let first = try workspace.tree("out").map { ($0, try workspace.data("out/" + $0)) }
        try workspace.remove("out")
        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epoch])
        let second = try workspace.tree("out").map { ($0, try workspace.data("out/" + $0)) }

        #expect(
            first.map(\.0) == [
                "dev/Flags.swift", "dev/flags.bundle", "dev/manifest.json", "prod-eu/Flags.swift",
                "prod-eu/flags.bundle", "prod-eu/manifest.json",
            ]
        )
        for ((name, before), (_, after)) in zip(first, second) {
            #expect(before == after, "out/\(name) differs between two builds with SOURCE_DATE_EPOCH=\(epoch)")
        }
        // The epoch is the issue time: another epoch gives another bundle.
        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": String(Int(epoch)! + 1)])
        #expect(try workspace.data("out/dev/flags.bundle") != first[1].1)
        #expect(try workspace.inspect("out/dev/flags.bundle")["issuedAt"] as? String == Clock.rfc3339(Int(epoch)! + 1))
    }

    @Test("bundles carry no flag key, variant value, targeting key or rule in clear")
    func bundlesRevealNothingInClear() throws {
        let project = try SharedExample.project()
        let secrets = [
            "new-checkout-flow", "checkout-button-color", "payments-kill-switch", "patient-records-export",
            "search-results-per-page", "request-timeout-seconds", "search-ranking",  // flag keys
            "#2e7d32", "#ef6c00", "grey", "ranker-v2", "bm25", "dwell",  // variant values
            "user-13", "user-2", "@example.com", "us-east-1", "healthcare", "10.0.0.0",  // targeting data
            "staff first", "eu canary", "beta-testers", "team-payments", "semverGte", "appVersion",
        ]
        for target in ["dev", "prod-eu"] {
            let bundle = try project.workspace.data("out/\(target)/flags.bundle")
            #expect(bundle.count > 500)
            for text in secrets {
                #expect(!bundle.contains(utf8: text), "out/\(target)/flags.bundle contains '\(text)' in clear")
            }
        }
    }

    @Test("no secret key text appears in any build output")
    func buildOutputsHoldNoSecret() throws {
        let project = try SharedExample.project()
        let workspace = project.workspace
        let secrets = workspace.files(in: "keys").filter { $0.hasSuffix(".key") }
        #expect(secrets.count == 4)  // root, signing, two recipients
        for secret in secrets {
            let text = try workspace.text("keys/" + secret).trimmingCharacters(in: .whitespacesAndNewlines)
            let base64 = String(text.split(separator: ":").last ?? "")
            #expect(base64.count >= 40)
            for output in workspace.tree("out") {
                #expect(
                    !(try workspace.data("out/" + output)).contains(utf8: base64),
                    "out/\(output) holds keys/\(secret)"
                )
            }
        }
    }
}

@Suite("flagc eval")
struct EvalCommandTests {
    /// Contexts and the exact line PRODUCT.md's example gives for one flag.
    struct Case: CustomTestStringConvertible, Sendable {
        var story: String
        var context: String
        var flag: String
        var line: String
        var testDescription: String { story }
    }

    static let cases: [Case] = [
        Case(
            story: "staff by include list",
            context: #"{"targetingKey":"user-1"}"#,
            flag: "new-checkout-flow",
            line:
                #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"staff first"}"#
        ),
        Case(
            story: "staff by e-mail",
            context: #"{"targetingKey":"user-500","email":"grace@example.com"}"#,
            flag: "new-checkout-flow",
            line:
                #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"staff first"}"#
        ),
        Case(
            story: "excluded from staff, outside the EU canary",
            context:
                #"{"targetingKey":"user-13","email":"x@example.com","country":"DE","appVersion":"2.5.0","userId":"user-7"}"#,
            flag: "new-checkout-flow",
            line: #"{"flag":"new-checkout-flow","value":false,"variant":"off","reason":"SPLIT","rule":"eu canary"}"#
        ),
        Case(
            story: "inside the EU canary (bucket 68 by userId)",
            context: #"{"targetingKey":"user-9","country":"NL","appVersion":"2.4.0","userId":"user-27"}"#,
            flag: "new-checkout-flow",
            line: #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"SPLIT","rule":"eu canary"}"#
        ),
        Case(
            story: "button experiment runs where the checkout is on (bucket 4680: green)",
            context: #"{"targetingKey":"user-9","country":"NL","appVersion":"2.4.0","userId":"user-27"}"#,
            flag: "checkout-button-color",
            line:
                ##"{"flag":"checkout-button-color","value":"#2e7d32","variant":"green","reason":"SPLIT","rule":"button experiment"}"##
        ),
        Case(
            story: "button experiment's prerequisite fails where the checkout is off",
            context: #"{"targetingKey":"user-7","country":"DE","appVersion":"2.5.0","userId":"user-7"}"#,
            flag: "checkout-button-color",
            line: #"{"flag":"checkout-button-color","value":"grey","variant":"control","reason":"PREREQUISITE_FAILED"}"#
        ),
        Case(
            story: "compliance-gated export in an allowed region",
            context: #"{"region":"us-east-1","accountType":"healthcare"}"#,
            flag: "patient-records-export",
            line:
                #"{"flag":"patient-records-export","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"allowed regions"}"#
        ),
        Case(
            story: "compliance-gated export elsewhere",
            context: #"{"region":"eu-west-1","accountType":"healthcare"}"#,
            flag: "patient-records-export",
            line: #"{"flag":"patient-records-export","value":false,"variant":"off","reason":"DEFAULT"}"#
        ),
        Case(
            story: "IPv6 internal network",
            context: #"{"ip":"fd00::1"}"#,
            flag: "request-timeout-seconds",
            line:
                #"{"flag":"request-timeout-seconds","value":10,"variant":"relaxed","reason":"TARGETING_MATCH","rule":"internal networks"}"#
        ),
        Case(
            story: "public network",
            context: #"{"ip":"192.168.1.1"}"#,
            flag: "request-timeout-seconds",
            line: #"{"flag":"request-timeout-seconds","value":2.5,"variant":"normal","reason":"DEFAULT"}"#
        ),
        Case(
            story: "beta segment",
            context: #"{"plan":"pro","betaOptIn":true}"#,
            flag: "search-results-per-page",
            line:
                #"{"flag":"search-results-per-page","value":50,"variant":"large","reason":"TARGETING_MATCH","rule":"beta gets more"}"#
        ),
        Case(
            story: "old mobile app",
            context: #"{"platform":"ios","appVersion":"1.9.0"}"#,
            flag: "search-results-per-page",
            line:
                #"{"flag":"search-results-per-page","value":10,"variant":"small","reason":"TARGETING_MATCH","rule":"old mobile apps"}"#
        ),
        Case(
            story: "regex ignoring case",
            context: #"{"targetingKey":"user-1","email":"ADA@EXAMPLE.COM"}"#,
            flag: "search-ranking",
            line:
                #"{"flag":"search-ranking","value":{"model":"ranker-v2","boost":1.3,"features":["clicks","dwell"]},"variant":"neural","reason":"TARGETING_MATCH","rule":"internal dogfood"}"#
        ),
        Case(
            story: "split without its bucketing attribute falls through to the default",
            context: "{}",
            flag: "search-ranking",
            line:
                #"{"flag":"search-ranking","value":{"model":"bm25","boost":1},"variant":"baseline","reason":"DEFAULT"}"#
        ),
        Case(
            story: "kill switch without rules",
            context: "{}",
            flag: "payments-kill-switch",
            line: #"{"flag":"payments-kill-switch","value":true,"variant":"on","reason":"STATIC"}"#
        ),
    ]

    @Test("eval --flag prints PRODUCT.md's line for the repository example", arguments: cases)
    func evalPrintsTheExampleLine(_ example: Case) throws {
        let project = try SharedExample.project()

        let result = try project.workspace.run(
            "eval",
            "out/dev/flags.bundle",
            "--context",
            example.context,
            "--flag",
            example.flag
        )

        #expect(result.status == 0, "\(result)")
        #expect(result.lines == [example.line], "\(result)")
    }

    @Test("eval without --flag prints one line per flag, sorted by key")
    func evalPrintsEveryFlagForStaff() throws {
        let project = try SharedExample.project()

        let result = try project.workspace.run(
            "eval",
            "out/dev/flags.bundle",
            "--context",
            #"{"targetingKey":"user-1"}"#
        )

        #expect(result.status == 0, "\(result)")
        // Buckets (PRODUCT.md's murmur3): checkout-button-color.user-1 → 3275 (control), search-ranking.user-1 → 1702.
        #expect(Bucket.of(salt: "checkout-button-color", value: "user-1") == 3275)
        #expect(Bucket.of(salt: "search-ranking", value: "user-1") == 1702)
        #expect(
            result.lines == [
                #"{"flag":"checkout-button-color","value":"grey","variant":"control","reason":"SPLIT","rule":"button experiment"}"#,
                #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"staff first"}"#,
                #"{"flag":"patient-records-export","value":false,"variant":"off","reason":"DEFAULT"}"#,
                #"{"flag":"payments-kill-switch","value":true,"variant":"on","reason":"STATIC"}"#,
                #"{"flag":"request-timeout-seconds","value":2.5,"variant":"normal","reason":"DEFAULT"}"#,
                #"{"flag":"search-ranking","value":{"model":"bm25","boost":1},"variant":"baseline","reason":"SPLIT","rule":"experiment"}"#,
                #"{"flag":"search-results-per-page","value":25,"variant":"medium","reason":"DEFAULT"}"#,
            ],
            "\(result)"
        )
    }

    @Test("eval --at follows the global ramp step by step: 5% → 25% → 50% → 100%")
    func evalFollowsTheGlobalRamp() throws {
        // The example's ramp, moved to start tomorrow so the bundle built today is valid at every step.
        let steps = (1...4).map { Clock.nineOClock(daysFromToday: $0) }
        let project = try Workspace.example(rampSteps: steps.map(Clock.rfc3339))
        let workspace = project.workspace
        try workspace.succeed("build", "--target", "dev")
        // Users by their bucket for salt new-checkout-flow (none is staff, none has a country).
        let users = ["user-27": 68, "user-3": 2463, "user-4": 2833, "user-7": 6615]
        for (user, bucket) in users { #expect(Bucket.of(salt: "new-checkout-flow", value: user) == bucket) }
        let order = ["user-27", "user-3", "user-4", "user-7"]
        try workspace.write(order.map { #"{"targetingKey":"\#($0)"}"# + "\n" }.joined(), to: "users.jsonl")
        let on = #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"SPLIT","rule":"global ramp"}"#
        let off = #"{"flag":"new-checkout-flow","value":false,"variant":"off","reason":"SPLIT","rule":"global ramp"}"#

        for (time, percent) in [(steps[0] - 1, 0), (steps[0], 5), (steps[1], 25), (steps[2], 50), (steps[3], 100)] {
            let result = try workspace.run(
                "eval",
                "out/dev/flags.bundle",
                "--contexts",
                "users.jsonl",
                "--flag",
                "new-checkout-flow",
                "--at",
                Clock.rfc3339(time)
            )
            #expect(result.status == 0, "\(result)")
            #expect(
                result.lines.map(Batch.results) == order.map { users[$0]! < percent * 100 ? on : off },
                "at \(percent)%: \(result)"
            )
        }
        // Where the ramp has reached a user, the button experiment starts for them too.
        let reached = try workspace.run(
            "eval",
            "out/dev/flags.bundle",
            "--context",
            #"{"targetingKey":"user-27"}"#,
            "--flag",
            "checkout-button-color",
            "--at",
            Clock.rfc3339(steps[0])
        )
        let notYet = try workspace.run(
            "eval",
            "out/dev/flags.bundle",
            "--context",
            #"{"targetingKey":"user-7"}"#,
            "--flag",
            "checkout-button-color",
            "--at",
            Clock.rfc3339(steps[0])
        )
        #expect(reached.lines.first?.contains(#""reason":"SPLIT","rule":"button experiment""#) == true, "\(reached)")
        #expect(
            notYet.lines == [
                #"{"flag":"checkout-button-color","value":"grey","variant":"control","reason":"PREREQUISITE_FAILED"}"#
            ],
            "\(notYet)"
        )
    }

    @Test("eval --contexts gives one line per input line, in order, equal to --context results")
    func evalContextsMatchesSingleEvaluations() throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        let countries = ["DE", "FR", "NL", "US", "JP"]
        let versions = ["2.3.9", "2.4.0", "2.5.1", "1.9.0"]
        let contexts = (0..<2_000).map { index in
            let email = index % 7 == 0 ? "u\(index)@example.com" : "u\(index)@mail.test"
            return
                #"{"targetingKey":"user-\#(index)","userId":"user-\#(index)","email":"\#(email)","country":"\#(countries[index % 5])","appVersion":"\#(versions[index % 4])","plan":"\#(index % 3 == 0 ? "pro" : "free")","betaOptIn":\#(index % 2 == 0),"platform":"ios","ip":"10.0.\#(index % 256).1"}"#
        }
        try workspace.write(contexts.joined(separator: "\n") + "\n", to: "contexts.jsonl")
        let now = Clock.rfc3339(Clock.now)

        let batch = try workspace.run(
            "eval",
            project.devBundle,
            "--keys",
            project.keys,
            "--contexts",
            "contexts.jsonl",
            "--at",
            now
        )

        #expect(batch.status == 0, "\(batch.stderr)")
        #expect(batch.lines.count == contexts.count)
        for index in [0, 1, 2, 7, 27, 500, 999, 1_000, 1_234, 1_998, 1_999] {
            let single = try workspace.run(
                "eval",
                project.devBundle,
                "--keys",
                project.keys,
                "--context",
                contexts[index],
                "--at",
                now
            )
            #expect(single.status == 0, "\(single)")
            #expect(
                Batch.results(batch.lines[index]) == single.lines.joined(separator: ","),
                "line \(index + 1)"
            )
        }
        // From stdin, with one flag: one flag object per line.
        let piped = try workspace.run(
            [
                "eval", project.devBundle, "--keys", project.keys, "--contexts", "-", "--flag", "new-checkout-flow",
                "--at", now,
            ],
            stdin: try workspace.data("contexts.jsonl")
        )
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.lines.count == contexts.count)
        let single = try workspace.run(
            "eval",
            project.devBundle,
            "--keys",
            project.keys,
            "--context",
            contexts[1_234],
            "--flag",
            "new-checkout-flow",
            "--at",
            now
        )
        #expect(Batch.results(piped.lines[1_234]) == single.lines.first)
    }

    @Test("a malformed line of --contexts gives an error object for that line and exit 1")
    func evalContextsReportsMalformedLines() throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        try workspace.write(
            """
            {"targetingKey":"user-1"}
            {"targetingKey":
            {"targetingKey":"user-7","country":"DE","appVersion":"2.5.0","userId":"user-7"}
            [1]

            """,
            to: "contexts.jsonl"
        )

        let result = try workspace.run(
            "eval",
            project.devBundle,
            "--keys",
            project.keys,
            "--contexts",
            "contexts.jsonl",
            "--flag",
            "new-checkout-flow"
        )

        #expect(result.status == 1, "\(result)")
        #expect(result.lines.count == 4, "\(result)")
        #expect(
            Batch.results(result.lines[0])
                == #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"staff first"}"#
        )
        #expect(
            Batch.results(result.lines[2])
                == #"{"flag":"new-checkout-flow","value":false,"variant":"off","reason":"SPLIT","rule":"eu canary"}"#
        )
        for (index, line) in [(1, result.lines[1]), (3, result.lines[3])] {
            let error = try JSON.object(line)
            #expect(error["line"] as? Int == index + 1, "\(line)")
            #expect(error["errorCode"] as? String == "PARSE_ERROR", "\(line)")
            #expect((error["message"] as? String)?.isEmpty == false, "\(line)")
        }
        #expect(result.stderr.contains("2 of 4 lines were not valid contexts"), "\(result)")
    }

    @Test("a JSON Lines file with CRLF line ends gives one result per line")
    func evalContextsAcceptsCRLF() throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        try workspace.write(
            #"{"targetingKey":"user-1"}"# + "\r\n" + #"{"targetingKey":"user-2"}"# + "\r\n",
            to: "contexts.jsonl"
        )

        let result = try workspace.run(
            "eval",
            project.devBundle,
            "--keys",
            project.keys,
            "--contexts",
            "contexts.jsonl",
            "--flag",
            "new-checkout-flow"
        )

        #expect(result.status == 0, "\(result)")
        #expect(
            result.lines.map(Batch.results)
                == Array(
                    repeating:
                        #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"staff first"}"#,
                    count: 2
                ),
            "\(result)"
        )
    }

    @Test("eval --flag of a flag the bundle lacks exits 1 naming it")
    func evalUnknownFlag() throws {
        let project = try SharedExample.project()

        let result = try project.workspace.run(
            "eval",
            "out/dev/flags.bundle",
            "--context",
            "{}",
            "--flag",
            "no-such-flag"
        )

        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("no flag 'no-such-flag'"), "\(result)")
        #expect(result.stdout.isEmpty)
    }
}

@Suite("flagc inspect")
struct InspectCommandTests {
    @Test("inspect --json shows the verified header without any recipient key")
    func inspectWithoutRecipientKey() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        let epoch = Clock.now
        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": String(epoch)])
        let keyring = try workspace.keyring()
        for file in workspace.files(in: "keys") where file.hasSuffix(".recipient.key") {
            try workspace.remove("keys/" + file)
        }

        let result = try workspace.run("inspect", "out/dev/flags.bundle", "--json")

        #expect(result.status == 0, "\(result)")
        let header = try JSON.object(result.stdout)
        #expect(header["target"] as? String == "dev")
        #expect(header["environment"] as? String == "development")
        #expect(header["bundleVersion"] as? Int == epoch)
        #expect(header["issuedAt"] as? String == Clock.rfc3339(epoch))
        #expect(header["expiresAt"] as? String == Clock.rfc3339(epoch + 30 * 86_400))
        #expect(header["keyringVersion"] as? Int == 1)
        #expect(header["keyringExpiresAt"] as? String == keyring["expiresAt"] as? String)
        #expect(header["signingKeyId"] as? String == project.signingKeyID)
        #expect(header["recipients"] as? [String] == [project.recipientIDs["dev"]!])
        #expect(header["flagCount"] as? Int == 7)
        #expect(header["content"] == nil, "decoded content without a recipient key")
        #expect(!result.stdout.contains("new-checkout-flow"))

        let text = try workspace.run("inspect", "out/dev/flags.bundle")
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.contains("verified"))
        #expect(text.stdout.contains("signing key:     \(project.signingKeyID)"), "\(text)")
    }

    @Test("inspect --json with a recipient key adds the decoded flags")
    func inspectWithRecipientKey() throws {
        let project = try SharedExample.project()

        let result = try project.workspace.run("inspect", "out/prod-eu/flags.bundle", "--json")

        #expect(result.status == 0, "\(result)")
        let header = try JSON.object(result.stdout)
        #expect(header["target"] as? String == "prod-eu")
        #expect(header["environment"] as? String == "production")
        let flags = ((header["content"] as? [String: Any])?["flags"] as? [[String: Any]]) ?? []
        #expect(flags.count == 7)
        #expect(flags.contains { $0["key"] as? String == "new-checkout-flow" && $0["offVariant"] as? String == "off" })
    }
}

@Suite("flagc exit codes")
struct ExitCodeTests {
    /// Command lines that are wrong as command lines, with what the message says.
    static let usageErrors: [(arguments: [String], message: String)] = [
        (["build", "--frobnicate"], "Unknown option '--frobnicate'"),
        (["frobnicate"], "Unexpected argument 'frobnicate'"),
        (["inspect"], "Missing expected argument '<bundle>'"),
        (
            ["eval", "BUNDLE", "--context", "{}", "--contexts", "contexts.jsonl"],
            "give exactly one of --context or --contexts"
        ),
        (["eval", "BUNDLE"], "give exactly one of --context or --contexts"),
        (
            ["eval", "BUNDLE", "--context", "{}", "--now", "tomorrow", "--keys", "KEYS"],
            "--now must be an RFC 3339 time"
        ),
        (
            ["eval", "BUNDLE", "--context", "{}", "--leeway", "a while", "--keys", "KEYS"],
            "--leeway must be a duration"
        ),
        (["keys", "revoke", "not-a-key-id"], "'not-a-key-id' is not a key id"),
        (["keys", "rotate", "--grace", "forever"], "--grace must be a duration"),
        // A value the subcommand refuses shows the subcommand's usage, not flagc's.
        (["keys", "revoke", "zzz"], "Usage: flagc keys revoke <id>"),
        (["keys", "rotate", "--grace", "7days"], "See 'flagc keys rotate --help'"),
    ]

    @Test("--at moves only the evaluation clock: a ramp previews past the bundle's expiry, which --now refuses")
    func atIsTheEvaluationClock() throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        let base = ["eval", project.devBundle, "--keys", project.keys, "--context", #"{"targetingKey":"user-7"}"#]
        let later = try workspace.run(base + ["--flag", "new-checkout-flow", "--at", "2040-01-01T00:00:00Z"])
        #expect(later.status == 0, "\(later)")
        #expect(later.lines.first?.contains(#""variant":"on""#) == true, "the ramp is at 100% in 2040: \(later)")
        let expired = try workspace.run(base + ["--now", "2040-01-01T00:00:00Z"])
        #expect(expired.status == 3, "\(expired)")
        #expect(expired.stderr.contains("verification failed"), "\(expired)")
    }

    @Test("a missing bundle or recipient key is invalid input (exit 1), not a failed verification")
    func missingFilesExit1() throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        let missing = try workspace.run("eval", "nofile.bundle", "--keys", project.keys, "--context", "{}")
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.contains("nofile.bundle"), "\(missing)")
        try workspace.write("", to: "keys/.keep")
        let noKey = try workspace.run(
            "eval",
            project.devBundle,
            "--root-key",
            project.keys + "/root.pub",
            "--keys",
            "keys",
            "--context",
            "{}"
        )
        #expect(noKey.status == 1, "\(noKey)")
        #expect(noKey.stderr.contains("no recipient key for this bundle"), "\(noKey)")
    }

    @Test("an unknown flag in eval suggests the closest key")
    func unknownFlagSuggestion() throws {
        let project = try SharedExample.project()
        let result = try Workspace().run(
            "eval",
            project.devBundle,
            "--keys",
            project.keys,
            "--context",
            "{}",
            "--flag",
            "new-checkout-flw"
        )
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("did you mean 'new-checkout-flow'?"), "\(result)")
    }

    @Test("batch lines carry the input's id, one shape with and without --flag")
    func batchLinesCarryIDs() throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        try workspace.write(#"{"id":"req-1","targetingKey":"user-1"}"# + "\n" + #"{"id":7}"# + "\n", to: "in.jsonl")
        for flag in [[], ["--flag", "new-checkout-flow"]] {
            let result = try workspace.run(
                ["eval", project.devBundle, "--keys", project.keys, "--contexts", "in.jsonl"] + flag
            )
            #expect(result.status == 0, "\(result)")
            #expect(result.lines.count == 2, "\(result)")
            #expect(result.lines.first?.hasPrefix(#"{"line":1,"id":"req-1","results":[{"flag":"#) == true, "\(result)")
            #expect(result.lines.last?.hasPrefix(#"{"line":2,"id":7,"results":[{"flag":"#) == true, "\(result)")
        }
    }

    @Test("--version names the release and the bundle format it writes")
    func versionFlag() throws {
        let result = try Workspace().run("--version")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("0."), "\(result)")
        #expect(result.stdout.contains("(bundle format 5)"), "\(result)")
    }

    @Test("usage errors exit 2 with the problem on stderr", arguments: usageErrors)
    func usageErrorsExit2(_ arguments: [String], _ message: String) throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        let resolved = arguments.map { $0 == "BUNDLE" ? project.devBundle : $0 == "KEYS" ? project.keys : $0 }

        let result = try workspace.run(resolved)

        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(workspace.files(in: ".").isEmpty, "a usage error wrote files")
    }

    @Test("every tampered byte of a bundle is refused with exit 3 and no output")
    func tamperedBundlesExit3() throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        let original = [UInt8](try project.workspace.data("out/dev/flags.bundle"))
        var positions = Array(stride(from: 0, to: original.count, by: max(1, original.count / 40)))
        positions.append(original.count - 1)

        for position in positions {
            var bytes = original
            bytes[position] ^= 0x20
            try workspace.write(Data(bytes), to: "tampered.bundle")
            let result = try workspace.run("eval", "tampered.bundle", "--keys", project.keys, "--context", "{}")
            #expect(result.status == 3, "byte \(position): \(result)")
            #expect(result.stdout.isEmpty, "byte \(position): \(result)")
        }
        for (name, bytes) in [("truncated", Array(original.prefix(original.count / 2))), ("extended", original + [0])] {
            try workspace.write(Data(bytes), to: "\(name).bundle")
            let result = try workspace.run("eval", "\(name).bundle", "--keys", project.keys, "--context", "{}")
            #expect(result.status == 3, "\(name): \(result)")
        }
    }

    @Test("a bundle broken before its signature is refused naming the failed check, not a missing key")
    func brokenHeaderNamesTheCheck() throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        let original = [UInt8](try project.workspace.data("out/dev/flags.bundle"))
        var badMagic = original
        badMagic[0] ^= 0x20
        try workspace.write(Data(badMagic), to: "magic.bundle")
        try workspace.write(Data(original.prefix(original.count / 2)), to: "truncated.bundle")

        for name in ["magic.bundle", "truncated.bundle"] {
            let result = try workspace.run("eval", name, "--keys", project.keys, "--context", "{}")
            #expect(result.status == 3, "\(result)")
            #expect(result.stderr.contains("malformed bundle header"), "\(result)")
            #expect(!result.stderr.contains("no recipient key"), "\(result)")
        }
    }

    @Test("a bundle checked against another root, target, environment or version floor exits 3 naming the check")
    func verificationFailuresExit3() throws {
        let project = try SharedExample.project()
        let stranger = try Workspace()
        try stranger.succeed("keys", "init")
        let version = try project.workspace.inspect("out/dev/flags.bundle")["bundleVersion"] as? Int ?? 0
        let refusals: [([String], String)] = [
            (["--root-key", stranger.path("keys/root.pub")], "verification failed (keyring-signature)"),
            (["--target", "other"], "bundle is for target 'dev', expected 'other'"),
            (["--environment", "production"], "bundle is for environment 'development', expected 'production'"),
            (["--min-bundle-version", String(version + 1)], "verification failed (bundle-version)"),
        ]

        for (options, message) in refusals {
            let result = try project.workspace.run(["eval", "out/dev/flags.bundle", "--context", "{}"] + options)
            #expect(result.status == 3, "\(result)")
            #expect(result.stderr.contains(message), "\(result)")
            #expect(result.stdout.isEmpty)
        }
        // The same checks pass when they hold.
        let matching = try project.workspace.run(
            "eval",
            "out/dev/flags.bundle",
            "--context",
            "{}",
            "--flag",
            "payments-kill-switch",
            "--target",
            "dev",
            "--environment",
            "development",
            "--min-bundle-version",
            String(version)
        )
        #expect(matching.status == 0, "\(matching)")
    }
}

@Suite("secret key files")
struct SecretKeyTests {
    /// The base64 part of every secret key file, which must never be printed.
    static func secretTexts(_ workspace: Workspace) throws -> [String] {
        try workspace.files(in: "keys").filter { $0.hasSuffix(".key") }.map {
            String(
                try workspace.text("keys/" + $0).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":")
                    .last!
            )
        }
    }

    @Test("a world- or group-readable secret key file is refused, naming the file and printing no secret")
    func readableSecretKeyIsRefused() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        try workspace.succeed("build", "--target", "dev")
        let secrets = try Self.secretTexts(workspace)
        let signing = "keys/signing-\(project.signingKeyID).key"
        let stories: [(file: String, mode: Int, command: [String])] = [
            (signing, 0o644, ["build"]),
            (signing, 0o640, ["build"]),
            ("keys/root.key", 0o644, ["keys", "rotate"]),
            (
                "keys/dev.recipient.key", 0o644,
                ["eval", "out/dev/flags.bundle", "--context", "{}", "--key", "keys/dev.recipient.key"]
            ),
        ]
        let keyringBefore = try workspace.data("keys/keyring")
        let bundleBefore = try workspace.data("out/dev/flags.bundle")

        for story in stories {
            try workspace.setPermissions(story.mode, story.file)
            let result = try workspace.run(story.command)
            try workspace.setPermissions(0o600, story.file)
            #expect(result.status == 1, "\(result)")
            #expect(result.stderr.contains("refusing secret key file \(story.file)"), "\(result)")
            #expect(result.stderr.contains("chmod 600 \(story.file)"), "\(result)")
            for secret in secrets { #expect(!result.allOutput.contains(secret), "\(story.command) printed a secret") }
        }
        #expect(try workspace.data("keys/keyring") == keyringBefore, "a refused rotation changed the keyring")
        #expect(try workspace.data("out/dev/flags.bundle") == bundleBefore, "a refused build changed the bundle")
        #expect(!workspace.exists("out/prod-eu"))
    }

    @Test("a world-readable recipient key found in keys/ is refused by name, not skipped")
    func discoveredReadableRecipientKeyIsNamed() throws {
        let project = try SharedExample.project()
        let workspace = try Workspace()
        try workspace.write(try project.workspace.data("keys/dev.recipient.key"), to: "keys/dev.recipient.key")
        try workspace.setPermissions(0o644, "keys/dev.recipient.key")

        let result = try workspace.run(
            "eval",
            project.devBundle,
            "--root-key",
            project.workspace.path("keys/root.pub"),
            "--context",
            "{}"
        )

        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("keys/dev.recipient.key"), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a secret key text given to the wrong option is never echoed")
    func misplacedSecretIsNotEchoed() throws {
        let project = try SharedExample.project()
        let workspace = project.workspace
        let secrets = try Self.secretTexts(workspace)
        let signing = try workspace.text("keys/signing-\(project.signingKeyID).key").trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let root = try workspace.text("keys/root.key").trimmingCharacters(in: .whitespacesAndNewlines)
        let recipient = try workspace.text("keys/dev.recipient.key").trimmingCharacters(in: .whitespacesAndNewlines)
        let recipientBase64 = String(recipient.split(separator: ":").last!)
        let attempts: [[String]] = [
            ["--key", signing],
            ["--key", recipientBase64],
            ["--root-key", root],
        ]

        for options in attempts {
            let result = try workspace.run(["eval", "out/dev/flags.bundle", "--context", "{}"] + options)
            #expect(result.status != 0, "\(result)")
            for secret in secrets {
                #expect(!result.allOutput.contains(secret), "flagc eval \(options[0]) echoed a secret key")
            }
        }
    }

    @Test("secrets from FLAGC_* environment variables replace the key files in CI")
    func secretsFromEnvironment() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        let signingFile = "keys/signing-\(project.signingKeyID).key"
        let signing = try workspace.text(signingFile)
        let recipient = try workspace.text("keys/dev.recipient.key")
        let root = try workspace.text("keys/root.pub")
        try workspace.remove(signingFile)
        try workspace.remove("keys/dev.recipient.key")

        let withoutKey = try workspace.run("build", "--target", "dev")
        #expect(withoutKey.status == 1, "\(withoutKey)")
        #expect(withoutKey.stderr.contains("FLAGC_SIGNING_KEY is not set"), "\(withoutKey)")

        let built = try workspace.run(["build", "--target", "dev"], environment: ["FLAGC_SIGNING_KEY": signing])
        #expect(built.status == 0, "\(built)")
        let evaluated = try workspace.run(
            [
                "eval", "out/dev/flags.bundle", "--keys", "/nonexistent", "--context", #"{"targetingKey":"user-1"}"#,
                "--flag", "new-checkout-flow",
            ],
            environment: ["FLAGC_RECIPIENT_KEY": recipient, "FLAGC_ROOT_PUBLIC_KEY": root]
        )
        #expect(evaluated.status == 0, "\(evaluated)")
        #expect(
            evaluated.lines == [
                #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"staff first"}"#
            ]
        )

        let garbage = try workspace.run(
            ["build", "--target", "dev"],
            environment: ["FLAGC_SIGNING_KEY": "flagc-signing-secret:not-a-real-secret-value"]
        )
        #expect(garbage.status == 1, "\(garbage)")
        #expect(garbage.stderr.contains("FLAGC_SIGNING_KEY"), "\(garbage)")
        #expect(!garbage.allOutput.contains("not-a-real-secret-value"))
    }
}
