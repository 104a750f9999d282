import Foundation
import Testing

/// `flagc diff`, `verify-provenance` and `audit` with the real binary, on the repository example.
@Suite struct HistoryEndToEndTests {
    /// A built example (two builds with the same SOURCE_DATE_EPOCH) in its own workspace.
    static func builtTwice() throws -> (ExampleProject, String) {
        let project = try Workspace.example()
        let epoch = String(Clock.now + 60)
        try project.workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epoch])
        try project.workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epoch])
        return (project, epoch)
    }

    @Test("a rebuild with SOURCE_DATE_EPOCH leaves every output byte-identical and appends one audit entry per target")
    func reproducibleRebuild() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        let epoch = String(Clock.now + 60)
        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epoch])
        let first = try ["Flags.swift", "flags.bundle", "manifest.json", "provenance.json"].map {
            try workspace.data("out/dev/\($0)")
        }
        let log = try workspace.text("audit/dev.jsonl")
        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epoch])
        let second = try ["Flags.swift", "flags.bundle", "manifest.json", "provenance.json"].map {
            try workspace.data("out/dev/\($0)")
        }
        #expect(first == second)
        let lines = try workspace.text("audit/dev.jsonl").split(separator: "\n")
        #expect(lines.count == 3)  // two entries and the checkpoint
        #expect(try workspace.text("audit/dev.jsonl").hasPrefix(String(log.split(separator: "\n")[0])))
        #expect(workspace.files(in: "audit") == ["dev.jsonl", "prod-eu.jsonl"])
        #expect(lines[1].contains(#""changes":{"base":"sha256:"#) && lines[1].contains(#""flags":[]"#), "\(lines[1])")
    }

    @Test("audit verify passes on an untouched history, and names the first bad entry after one changed byte")
    func auditVerify() throws {
        let (project, _) = try Self.builtTwice()
        let workspace = project.workspace
        let good = try workspace.run("audit", "verify")
        #expect(good.status == 0, "\(good)")
        #expect(good.stdout.contains("verified: audit/dev.jsonl, 2 entries"), "\(good)")

        var text = try workspace.text("audit/dev.jsonl")
        let range = try #require(text.range(of: #""bytes":"#))
        text.replaceSubrange(range, with: #""bytez":"#)
        try workspace.write(text, to: "audit/dev.jsonl")
        let bad = try workspace.run("audit", "verify", "dev")
        #expect(bad.status == 3, "\(bad)")
        #expect(bad.stderr.contains("entry 1"), "\(bad)")
        #expect(bad.stderr.contains("verification failed (audit log)"), "\(bad)")
        // A build refuses to append to a broken history, and replaces nothing.
        let bundle = try workspace.data("out/dev/flags.bundle")
        let build = try workspace.run("build", "--target", "dev")
        #expect(build.status == 1, "\(build)")
        #expect(build.stderr.contains("the audit log does not verify"), "\(build)")
        #expect(try workspace.data("out/dev/flags.bundle") == bundle)
    }

    @Test("a build killed while appending leaves the old history whole; the next build appends and cleans up")
    func killedAppend() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        try workspace.succeed("build", "--target", "dev")
        let before = try workspace.text("audit/dev.jsonl")
        let killed = try workspace.run(
            ["build", "--target", "dev"],
            environment: ["FLAGC_TEST_CRASH_AT": "audit-staged"]
        )
        #expect(killed.status == SIGKILL, "\(killed)")
        #expect(try workspace.text("audit/dev.jsonl") == before)
        #expect(workspace.files(in: "audit").contains { $0.hasPrefix(".dev.jsonl.tmp-") })
        let verified = try workspace.run("audit", "verify", "dev")
        #expect(verified.status == 0, "\(verified)")
        try workspace.succeed("build", "--target", "dev")
        #expect(workspace.files(in: "audit") == ["dev.jsonl"])
        #expect(try workspace.run("audit", "verify").stdout.contains("2 entries"))  // the killed build left none
    }

    @Test("after a signing key's revocation, audit verify refuses its checkpoint until a build re-signs the history")
    func revokedCheckpointKey() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        try workspace.succeed("build", "--target", "dev")
        try workspace.succeed("keys", "rotate")
        try workspace.succeed("keys", "revoke", project.signingKeyID)
        let refused = try workspace.run("audit", "verify", "dev")
        #expect(refused.status == 3, "\(refused)")
        #expect(refused.stderr.contains("signed by revoked key \(project.signingKeyID)"), "\(refused)")
        let build = try workspace.run("build", "--target", "dev")
        #expect(build.status == 0, "\(build)")
        #expect(build.stderr.contains("key \(project.signingKeyID) is revoked"), "\(build)")
        let verified = try workspace.run("audit", "verify", "dev")
        #expect(verified.status == 0, "\(verified)")
        #expect(!verified.stdout.contains(project.signingKeyID), "\(verified)")
    }

    @Test("audit verify --bundle proves a deployed bundle is in the history, and refuses one that is not")
    func bundleInHistory() throws {
        let (project, _) = try Self.builtTwice()
        let workspace = project.workspace
        let found = try workspace.run("audit", "verify", "--bundle", "out/dev/flags.bundle")
        #expect(found.status == 0, "\(found)")
        #expect(found.stdout.contains("is the bundle of entry 2"), "\(found)")

        // A bundle of the same target built elsewhere never went through this history.
        let other = try Workspace.example()
        try other.workspace.succeed("build", "--target", "dev")
        let missing = try workspace.run(["audit", "verify", "--bundle", other.workspace.path("out/dev/flags.bundle")])
        #expect(missing.status == 3, "\(missing)")
        #expect(missing.stderr.contains("is in no entry of audit/dev.jsonl"), "\(missing)")
    }

    @Test("audit log prints newest first, follows one flag, and keeps a compliance-tagged flag's details out")
    func auditLog() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        try workspace.succeed("build", "--target", "dev")
        var flags = try workspace.text("flags/checkout.yaml")
        flags = flags.replacingOccurrences(of: "split: { on: 5, off: 95 }", with: "split: { on: 25, off: 75 }")
        try workspace.write(flags, to: "flags/checkout.yaml")
        try workspace.succeed("build", "--target", "dev")

        let log = try workspace.run("audit", "log", "dev", "--flag", "new-checkout-flow")
        #expect(log.status == 0, "\(log)")
        #expect(log.stdout.hasPrefix("entry 2 "), "\(log)")
        #expect(log.stdout.contains("~ new-checkout-flow: rule-serve  [compliance: kinds only]"), "\(log)")
        #expect(!log.stdout.contains("25%"), "a compliance-tagged flag's rule contents reached the log: \(log)")
        let entries = try workspace.text("audit/dev.jsonl")
        #expect(!entries.contains("on 25%"))
        let all = try workspace.run("audit", "log", "dev")
        #expect(all.stdout.contains("entry 1 "), "\(all)")
        let json = try workspace.run("audit", "log", "dev", "--json")
        let lines = json.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].contains(#""entry":2"#), "\(json)")
        let unknown = try workspace.run("audit", "verify", "staging")
        #expect(unknown.status == 1, "\(unknown)")
        #expect(unknown.stderr.contains("no history for target 'staging'"), "\(unknown)")
    }

    @Test("verify-provenance accepts a fresh build and names the failed check for each mismatch")
    func provenance() throws {
        let (project, _) = try Self.builtTwice()
        let workspace = project.workspace
        let good = try workspace.run("verify-provenance", "out/dev/")
        #expect(good.status == 0, "\(good)")
        #expect(good.stdout.contains("subjects flags.bundle, Flags.swift, manifest.json match"), "\(good)")

        let envelope = try JSON.object(try workspace.text("out/dev/provenance.json"))
        let payload = try #require(envelope["payload"] as? String)
        let statement = try JSON.object(String(decoding: try #require(Data(base64Encoded: payload)), as: UTF8.self))
        #expect(statement["_type"] as? String == "https://in-toto.io/Statement/v1")
        #expect(statement["predicateType"] as? String == "https://slsa.dev/provenance/v1")
        let signatures = try #require(envelope["signatures"] as? [[String: Any]])
        #expect(signatures.first?["keyid"] as? String == project.signingKeyID)

        // A changed output file beside the statement.
        try workspace.copy("out/dev", to: "changed")
        try workspace.write("{}\n", to: "changed/manifest.json")
        let changed = try workspace.run("verify-provenance", "changed")
        #expect(changed.status == 3, "\(changed)")
        #expect(changed.stderr.contains("verification failed (subject manifest.json)"), "\(changed)")

        // A changed statement: the signature no longer covers it.
        try workspace.copy("out/dev", to: "forged")
        let forged = String(decoding: Data(base64Encoded: payload)!, as: UTF8.self)
            .replacingOccurrences(of: "\"target\":\"dev\"", with: "\"target\":\"dev\",\"x\":1")
        let text = try workspace.text("out/dev/provenance.json").replacingOccurrences(
            of: payload,
            with: Data(forged.utf8).base64EncodedString()
        )
        try workspace.write(text, to: "forged/provenance.json")
        let unsigned = try workspace.run("verify-provenance", "forged")
        #expect(unsigned.status == 3, "\(unsigned)")
        #expect(unsigned.stderr.contains("verification failed (signature)"), "\(unsigned)")

        // Another project's root does not vouch for this keyring.
        let stranger = try Workspace.example()
        let foreign = try workspace.run([
            "verify-provenance", "out/dev", "--root-key", stranger.workspace.path("keys/root.pub"),
        ])
        #expect(foreign.status == 3, "\(foreign)")
        #expect(foreign.stderr.contains("verification failed (keyring)"), "\(foreign)")

        // Outputs of another target beside this statement.
        try workspace.copy("out/dev", to: "swapped")
        try workspace.copy("out/prod-eu/flags.bundle", to: "swapped/flags.bundle")
        let swapped = try workspace.run("verify-provenance", "swapped")
        #expect(swapped.status == 3, "\(swapped)")
        #expect(swapped.stderr.contains("verification failed (target)"), "\(swapped)")

        let missing = try workspace.run("verify-provenance", "nowhere")
        #expect(missing.status == 1, "\(missing)")
    }

    @Test("diff compares a bundle with a source tree, with exact exposure, --json and --exit-code")
    func diffBundleAndSource() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        try workspace.succeed("build", "--target", "dev")
        let same = try workspace.run("diff", "out/dev/flags.bundle", "--source", ".", "--exit-code")
        #expect(same.status == 0, "\(same)")
        #expect(same.stdout.contains("no changes"), "\(same)")

        var flags = try workspace.text("flags/checkout.yaml")
        flags = flags.replacingOccurrences(of: "split: { on: 5, off: 95 }", with: "split: { on: 25, off: 75 }")
        try workspace.write(flags, to: "flags/checkout.yaml")
        let text = try workspace.run("diff", "out/dev/flags.bundle", ".")
        #expect(text.status == 0, "\(text)")
        #expect(text.stdout.contains("on 5% → 25%, off 95% → 75%: +20% gain 'on', 0% reassigned"), "\(text)")
        #expect(!text.stdout.contains("\u{1B}["), "colours in a pipe")

        let json = try workspace.run("diff", "out/dev/flags.bundle", "--source", ".", "--json", "--exit-code")
        #expect(json.status == 1, "\(json)")
        let report = try JSON.object(json.stdout)
        #expect(report["changed"] as? Bool == true)
        let changed = try #require((report["flags"] as? [[String: Any]])?.first)
        #expect(changed["key"] as? String == "new-checkout-flow")
        let change = try #require((changed["changes"] as? [[String: Any]])?.first)
        let exposure = try #require(change["exposure"] as? [String: Any])
        #expect(exposure["movedPercent"] as? String == "20" && exposure["reassignedPercent"] as? String == "0")

        let usage = try workspace.run("diff", "out/dev/flags.bundle")
        #expect(usage.status == 2, "\(usage)")
    }

    @Test("diff --rev reads a git revision, and a build records the commit and the change since the last entry")
    func diffRevision() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        guard Self.git(["init", "-q", "."], in: workspace) else { return }  // no git here: nothing to test
        _ = Self.git(["add", "flags", "targets"], in: workspace)
        _ = Self.git(
            ["-c", "user.name=Ada", "-c", "user.email=ada@example.com", "commit", "-qm", "first"],
            in: workspace
        )
        // No CI variable: the claim comes from git (an empty variable counts as unset).
        let noCI = [
            "GITHUB_ACTOR": "", "GITLAB_USER_LOGIN": "", "BUILDKITE_BUILD_CREATOR": "", "CIRCLE_USERNAME": "",
            "BUILD_REQUESTEDFOR": "",
        ]
        try workspace.succeed("build", "--target", "dev", environment: noCI)

        var flags = try workspace.text("flags/checkout.yaml")
        flags = flags.replacingOccurrences(of: "owner: team-payments", with: "owner: team-web")
        try workspace.write(flags, to: "flags/checkout.yaml")
        let diff = try workspace.run("diff", "--rev", "HEAD", "--source", ".", "--target", "dev")
        #expect(diff.status == 0, "\(diff)")
        #expect(diff.stdout.contains("owner: 'team-payments' → 'team-web'"), "\(diff)")
        let badRevision = try workspace.run("diff", "--rev", "no-such-rev", "--source", ".", "--target", "dev")
        #expect(badRevision.status == 1, "\(badRevision)")

        // The first entry's commit rebuilds its content, so this entry's changes come from it even
        // without the previous bundle.
        try workspace.remove("out")
        try workspace.succeed("build", "--target", "dev", environment: ["GITHUB_ACTOR": "ada-ci"])
        let lines = try workspace.text("audit/dev.jsonl").split(separator: "\n")
        #expect(lines[0].contains(#""claimedAuthor":{"claimedBy":"git commit author","name":"Ada <ada@example.com>"}"#))
        #expect(lines[1].contains(#""baseFrom":"commit""#), "\(lines[1])")
        #expect(lines[1].contains(#""claimedAuthor":{"claimedBy":"GITHUB_ACTOR","name":"ada-ci"}"#), "\(lines[1])")
        #expect(lines[1].contains(#""dirty":true"#))
        #expect(lines[1].contains(#""kinds":["owner"]"#), "\(lines[1])")
    }

    static func git(_ arguments: [String], in workspace: Workspace) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = workspace.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
