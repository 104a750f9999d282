import Foundation
import Testing

/// `flagc stale`, `flagc refs`, `flagc check`'s debt warnings and `flagc build --source`, run as a
/// user would, on a project holding every kind of flag debt and on a clean one.
@Suite("Flag debt, end to end")
struct FlagDebtEndToEndTests {
    /// A project with one flag per kind of debt (and some that are fine), plus code using some.
    static func debtProject() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.write(
            """
            context:
              email: { type: string, description: Sign-in address }
              country: string
              age: number
            segments:
              staff: { when: { email: { endsWith: "@example.com" } } }
              forgotten: { when: { country: DE } }
            flags:
              old-expired:
                expires: 2025-01-01
                rules: [ { when: { segment: staff }, serve: on } ]
              soon:
                expires: 2026-12-10
                rules: [ { when: { country: [DE] }, serve: on } ]
              old-release:
                lifecycle: release
                created: 2026-09-01
                rules: [ { when: { country: [FR] }, serve: on } ]
              done:
                rules:
                  - { name: everyone, serve: on }
                  - { name: dead, when: { emial: x }, serve: off }
              ramped:
                rules:
                  - serve:
                      progressive:
                        variant: on
                        others: off
                        steps: [ { at: 2026-10-01T00:00:00Z, percent: 50 }, { at: 2026-11-01T00:00:00Z, percent: 100 } ]
              ramping:
                rules:
                  - serve:
                      progressive:
                        variant: on
                        others: off
                        steps: [ { at: 2026-11-30T00:00:00Z, percent: 100 } ]
              dark:
                enabled: false
                rules: [ { when: { country: [NL] }, serve: on } ]
              orphan:
                rules: [ { when: { age: { gte: 18 } }, serve: on } ]
              kill: { lifecycle: kill-switch, default: on }
              keep-me: { lifecycle: permanent, expires: 2020-01-01 }
            """,
            to: "flags/debt.yaml"
        )
        try workspace.write(
            "environment: development\nflags: ['*']\nrecipients: [keys/dev.recipient.pub]\n",
            to: "targets/dev.yaml"
        )
        try workspace.write(
            """
            import FlagRuntime

            func render(flags: Flags, context: EvaluationContext) {
                if flags.oldExpired(context) { print("staff") }
                let soon = flags.soon(context), release = bundle.bool("old-release", context: context)
                if flags.done(context) && flags.ramped(context) && flags.ramping(context) { print(soon, release) }
                _ = flags.dark(context); _ = flags.kill(context); _ = flags.keepMe(context)
            }
            """,
            to: "Sources/App/App.swift"
        )
        return workspace
    }

    static let expectedPairs = [
        "dark never-on", "done fully-rolled-out", "old-expired expired", "old-release lifetime-exceeded",
        "orphan unreferenced", "ramped fully-rolled-out", "soon expiring",
    ]

    @Test func staleReportsExactlyTheExpectedFlagsAndReasonsAsJSON() throws {
        let workspace = try Self.debtProject()
        let result = try workspace.run("stale", "--now", "2026-12-03", "--source", "Sources", "--json")
        #expect(result.status == 0, "\(result)")
        let findings = try #require(try JSON.object(result.stdout)["findings"] as? [[String: Any]])
        let pairs = findings.map { "\($0["flag"] as? String ?? "") \($0["reason"] as? String ?? "")" }
        #expect(pairs == Self.expectedPairs)
        let expired = try #require(findings.first { $0["flag"] as? String == "old-expired" })
        #expect(expired["line"] as? Int == 9 && expired["file"] as? String == "flags/debt.yaml")
        let references = expired["references"] as? [[String: Any]] ?? []
        #expect(references.map { "\($0["file"] ?? ""):\($0["line"] ?? "")" } == ["Sources/App/App.swift:4"])
    }

    @Test func staleWritesASARIFLogWithResultsAtTheYAMLAndCodeLines() throws {
        let workspace = try Self.debtProject()
        try workspace.succeed("stale", "--now", "2026-12-03", "--source", "Sources", "--sarif", "stale.sarif")
        let log = try JSON.object(try workspace.text("stale.sarif"))
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "flagc")
        let ruleIDs = (driver["rules"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == Self.expectedPairs.count)
        for result in results {
            #expect(ruleIDs.contains(result["ruleId"] as? String ?? ""))
            #expect(((result["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            let locations = try #require(result["locations"] as? [[String: Any]])
            let uris = locations.compactMap {
                (($0["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])?["uri"] as? String
            }
            #expect(uris.first == "flags/debt.yaml")
            for location in locations {
                let region = (location["physicalLocation"] as? [String: Any])?["region"] as? [String: Any]
                #expect((region?["startLine"] as? Int ?? 0) >= 1)
            }
        }
        let expired = try #require(results.first { $0["ruleId"] as? String == "expired" })
        #expect((expired["locations"] as? [Any])?.count == 2)  // the YAML line and the one code line
    }

    @Test func failOnSetsTheExitCodeAndPlanListsWhatToRemove() throws {
        let workspace = try Self.debtProject()
        let failing = try workspace.run("stale", "--now", "2026-12-03", "--fail-on", "expired,never-on")
        #expect(failing.status == 1, "\(failing)")
        let passing = try workspace.run("stale", "--now", "2026-12-03", "--fail-on", "unreferenced")
        #expect(passing.status == 0, "\(passing)")
        let typo = try workspace.run("stale", "--fail-on", "expird")
        #expect(typo.status == 2 && typo.stderr.contains("did you mean 'expired'?"), "\(typo)")
        let plan = try workspace.run("stale", "--now", "2026-12-03", "--source", "Sources", "--plan")
        #expect(
            plan.stdout.contains("flag 'done' (fully-rolled-out)\n  delete flags/debt.yaml lines 19-22:"),
            "\(plan)"
        )
        #expect(
            plan.stdout.contains(
                "every context gets 'on' (true) today\n  replace with true at 1 code reference:\n    Sources/App/App.swift:6:14 (done)"
            )
        )
    }

    @Test func aCleanProjectReportsNothing() throws {
        let workspace = try Workspace()
        try workspace.write(
            "flags:\n  beta: { rules: [ { when: { plan: beta }, serve: on } ] }\n",
            to: "flags/f.yaml"
        )
        try workspace.write("environment: production\nflags: ['*']\nrecipients: [k]\n", to: "targets/prod.yaml")
        try workspace.write("if flags.beta(context) {}\n", to: "Sources/main.swift")
        let result = try workspace.run("stale", "--now", "2026-12-03", "--source", "Sources", "--json")
        #expect(result.status == 0)
        #expect((try JSON.object(result.stdout)["findings"] as? [Any])?.isEmpty == true, "\(result)")
        #expect(result.stderr.contains("no stale flags among 1"))
    }

    @Test func checkWarnsAboutDeadRulesUnusedSegmentsAndUndeclaredAttributes() throws {
        let workspace = try Self.debtProject()
        try workspace.succeed("keys", "init")
        try workspace.succeed("keys", "recipient", "dev")
        let result = try workspace.run("check")
        #expect(result.status == 0, "\(result)")
        for warning in [
            "flags/debt.yaml:7:3: warning: segment 'forgotten' is not used by any flag",
            "flags/debt.yaml:22:9: warning: rule 'dead' of flag 'done' is never reached: the rule at 21:9 matches every context",
            "flags/debt.yaml:22:31: warning: attribute 'emial' is not declared in 'context'; did you mean 'email'?",
        ] {
            #expect(result.stderr.contains(warning), "\(result)")
        }
        let strict = try workspace.run("check", "--fail-on", "warning")
        #expect(strict.status == 1 && strict.stderr.contains("3 warnings"), "\(strict)")
    }

    @Test func refsPrintsTheCodeLocationsAndBuildRecordsThemInTheManifest() throws {
        let workspace = try Self.debtProject()
        let refs = try workspace.run("refs", "done", "--source", "Sources")
        #expect(refs.status == 0 && refs.stdout == "Sources/App/App.swift:6:14: done\n", "\(refs)")
        let unknown = try workspace.run("refs", "dnoe", "--source", "Sources")
        #expect(unknown.status == 1 && unknown.stderr.contains("did you mean 'done'?"), "\(unknown)")
        try workspace.succeed("keys", "init")
        try workspace.succeed("keys", "recipient", "dev")
        try workspace.succeed("build", "--source", "Sources")
        let manifest = try JSON.object(try workspace.text("out/dev/manifest.json"))
        let flags = try #require(manifest["flags"] as? [[String: Any]])
        let done = try #require(flags.first { $0["key"] as? String == "done" })
        let references = try #require(done["codeReferences"] as? [String: Any])
        #expect(references["count"] as? Int == 1)
        #expect(references["locations"] as? [String] == ["Sources/App/App.swift:6:14"])
    }

    /// Without `created:`, a lifecycle's lifetime counts from the first commit that adds the key.
    @Test(.enabled(if: Git.isAvailable))
    func lifetimeCountsFromTheFirstCommitAddingTheFlag() throws {
        let workspace = try Workspace()
        try workspace.write(
            "flags:\n  old-experiment: { lifecycle: experiment, rules: [ { when: { a: 1 }, serve: on } ] }\n",
            to: "flags/f.yaml"
        )
        try workspace.write("environment: production\nflags: ['*']\nrecipients: [k]\n", to: "targets/prod.yaml")
        try Git.run(["init", "-q"], in: workspace)
        try Git.run(["add", "flags"], in: workspace)
        try Git.run(["commit", "-q", "-m", "flags"], in: workspace, date: "2026-09-01T12:00:00Z")
        try workspace.write(
            "flags:\n  old-experiment: { lifecycle: experiment, rules: [ { when: { a: 1 }, serve: on } ] }\n"
                + "  new-experiment: { lifecycle: experiment, rules: [ { when: { a: 2 }, serve: on } ] }\n",
            to: "flags/f.yaml"
        )
        try Git.run(["commit", "-q", "-am", "more"], in: workspace, date: "2026-11-25T12:00:00Z")
        let result = try workspace.run("stale", "--now", "2026-12-03")
        #expect(
            result.stdout
                == "flags/f.yaml:2:3: old-experiment: lifetime-exceeded: experiment flag first committed on "
                + "2026-09-01, 92 days ago; experiment flags live 40 days [prod]\n",
            "\(result)"
        )
    }

    @Test func theBundledExampleIsCleanUnderCheck() throws {
        let workspace = try SharedExample.project().workspace
        let result = try workspace.run("check", "--fail-on", "warning")
        #expect(result.status == 0 && !result.stderr.contains("warning"), "\(result)")
        let stale = try workspace.run("stale", "--now", "2026-12-03", "--fail-on", "any")
        #expect(stale.status == 0 && stale.stdout.isEmpty, "\(stale)")
    }
}

/// git, for the stories that need history.
enum Git {
    static let isAvailable = (try? run(["--version"], in: nil)) != nil

    static func run(_ arguments: [String], in workspace: Workspace?, date: String? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["git"] + (workspace.map { ["-C", $0.url.path] } ?? []) + [
                "-c", "user.name=Flag Tester", "-c", "user.email=tester@example.com", "-c", "commit.gpgsign=false",
            ] + arguments
        var environment = ProcessInfo.processInfo.environment
        if let date {
            environment["GIT_AUTHOR_DATE"] = date
            environment["GIT_COMMITTER_DATE"] = date
        }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw HarnessError(description: "git \(arguments.joined(separator: " ")) failed")
        }
    }
}
