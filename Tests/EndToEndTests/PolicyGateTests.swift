import FlagCompiler
import Foundation
import Testing

/// Policies and approvals through the real `flagc`: a violation fails `check` and `build` at the
/// flag's line, and a failing build writes nothing; approvals are made, counted, recorded and
/// invalidated by a change; the example CI workflow only runs commands that exist.
@Suite("Policy gate")
struct PolicyGateTests {
    static let stagedRamp = """
        policies:
          pci-needs-a-staged-ramp:
            severity: error
            match: { compliance: [pci], environment: production }
            require:
              - { owner: { exists: true } }
              - { rampSteps: { gte: 3 } }
              - { firstStepPercent: { lte: 5 } }
              - { minStepInterval: { gte: 24h } }
            deny:
              - { servesEveryone: true }
        """

    @Test("A policy violation fails check and build at the flag's line, and the build writes nothing")
    func violationWritesNothing() throws {
        let workspace = try Workspace.example().workspace
        try workspace.write(Self.stagedRamp, to: "policies/pci.yaml")
        var text = try workspace.text("flags/checkout.yaml")
        text = text.replacingOccurrences(of: "percent: 5 }", with: "percent: 25 }")
        try workspace.write(text, to: "flags/checkout.yaml")

        for command in ["check", "build"] {
            let result = try workspace.run(command)
            #expect(result.status == 1, "\(result)")
            #expect(
                result.stderr.contains(
                    """
                    flags/checkout.yaml:12:3: error: policy 'pci-needs-a-staged-ramp': firstStepPercent is 25, must be ≤ 5 (target prod-eu)
                      new-checkout-flow:
                      ^
                    """
                ),
                "\(result)"
            )
            #expect(
                result.stderr.contains(
                    "error: policy 'pci-needs-a-staged-ramp': servesEveryone is true, must not be true"
                ),
                "\(result)"
            )
            // The dev target (environment dev) is not matched.
            #expect(!result.stderr.contains("(target dev)"))
        }
        #expect(!workspace.exists("out/dev") && !workspace.exists("out/prod-eu"))
    }

    @Test("Warnings pass unless --fail-on warning, which fails check and build and writes nothing")
    func failOnWarning() throws {
        let workspace = try Workspace.example().workspace
        try workspace.write(
            "policies:\n  short-ramps:\n    severity: warning\n    require: [{ rampSteps: { lte: 2 } }]\n",
            to: "policies/style.yaml"
        )
        let check = try workspace.run("check")
        #expect(check.status == 0, "\(check)")
        #expect(check.stderr.contains("warning: policy 'short-ramps': rampSteps is 4, must be ≤ 2"))
        #expect(try workspace.run("check", "--fail-on", "warning").status == 1)
        let failed = try workspace.run("build", "--fail-on", "warning")
        #expect(failed.status == 1, "\(failed)")
        #expect(!workspace.exists("out/dev") && !workspace.exists("out/prod-eu"))
        try workspace.succeed("build")
        #expect(workspace.exists("out/prod-eu/flags.bundle"))
    }

    @Test("Approvals: counted when current, named when missing, recorded in the manifest, void after a change")
    func approvals() throws {
        let workspace = try Workspace.example().workspace
        try workspace.write(
            """
            policies:
              pci-two-approvals:
                match: { compliance: [pci], target: prod-eu }
                require:
                  - { approvals: { gte: 2, distinctFromOwner: true } }
            """,
            to: "policies/approvals.yaml"
        )
        for name in ["alice", "bob", "team-payments"] { try workspace.succeed("keys", "approver", name) }
        #expect(try workspace.permissions("keys/approvers/alice.key") == 0o600)
        #expect(try workspace.text("keys/approvers/.gitignore").contains("*.key"))
        #expect(try workspace.text("keys/approvers/alice.pub").hasPrefix("flagc-approver-public:"))

        let missing = try workspace.run("check")
        #expect(missing.status == 1)
        #expect(
            missing.stderr.contains(
                "policy 'pci-two-approvals': approvals is 0, must be ≥ 2; no approval counts; "
                    + "approvers run 'flagc approve new-checkout-flow --target prod-eu --key KEYFILE'"
            ),
            "\(missing)"
        )

        for name in ["alice", "team-payments"] {
            try workspace.succeed(
                "approve",
                "new-checkout-flow",
                "--target",
                "prod-eu",
                "--key",
                "keys/approvers/\(name).key"
            )
        }
        let ownerOnly = try workspace.run("check")
        #expect(ownerOnly.status == 1)
        #expect(
            ownerOnly.stderr.contains(
                "approvals is 1, must be ≥ 2; counted: alice, team-payments (the owner: not counted)"
            ),
            "\(ownerOnly)"
        )
        try workspace.succeed("approve", "new-checkout-flow", "--target", "prod-eu", "--key", "keys/approvers/bob.key")
        try workspace.succeed("check")
        try workspace.succeed("build")
        let manifest = try JSON.object(try workspace.text("out/prod-eu/manifest.json"))
        let flags = try #require(manifest["flags"] as? [[String: Any]])
        let flag = try #require(flags.first { $0["key"] as? String == "new-checkout-flow" })
        let approvals = try #require(flag["approvals"] as? [[String: Any]])
        #expect(approvals.compactMap { $0["approver"] as? String } == ["alice", "bob", "team-payments"])
        #expect(approvals.allSatisfy { ($0["keyId"] as? String)?.count == 16 })

        // A change to the flag's definition for prod-eu voids every approval of it.
        let text = try workspace.text("flags/checkout.yaml")
        try workspace.write(
            text.replacingOccurrences(of: "percent: 50 }", with: "percent: 60 }"),
            to: "flags/checkout.yaml"
        )
        let changed = try workspace.run("build")
        #expect(changed.status == 1)
        #expect(changed.stderr.contains("bob approved an earlier definition of the flag"), "\(changed)")
    }

    @Test("flagc approve refuses a key that is not an approver's, and a flag the target lacks")
    func approveRefusals() throws {
        let workspace = try Workspace.example().workspace
        try workspace.succeed("keys", "approver", "alice")
        let notApprover = try workspace.run(
            "approve",
            "new-checkout-flow",
            "--target",
            "prod-eu",
            "--key",
            "keys/prod-eu.recipient.key"
        )
        #expect(notApprover.status == 1)
        #expect(notApprover.stderr.contains("but got a recipient secret key"), "\(notApprover)")
        let unknown = try workspace.run(
            "approve",
            "no-such-flag",
            "--target",
            "prod-eu",
            "--key",
            "keys/approvers/alice.key"
        )
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("target 'prod-eu' has no flag 'no-such-flag'"))
        #expect(!workspace.exists("approvals"))
    }

    @Test("flagc policy-input prints the facts of each flag of a target as JSON")
    func policyInput() throws {
        let workspace = try Workspace.example().workspace
        let result = try workspace.succeed("policy-input", "--target", "prod-eu")
        let document = try JSON.object(result.stdout)
        #expect(document["formatVersion"] as? Int == 1)
        let flags = try #require(document["flags"] as? [[String: Any]])
        #expect(
            flags.allSatisfy { $0["target"] as? String == "prod-eu" && $0["environment"] as? String == "production" }
        )
        let checkout = try #require(flags.first { $0["key"] as? String == "new-checkout-flow" })
        #expect(checkout["rampSteps"] as? Int == 4)
        #expect(checkout["firstStepPercent"] as? Int == 5)
        #expect(checkout["minStepInterval"] as? Int == 86_400)
        #expect(checkout["servesEveryone"] as? Bool == true)
        #expect(checkout["compliance"] as? [String] == ["pci"])
        #expect(try workspace.run("policy-input", "--target", "prod").status == 1)
    }

    @Test("The example CI workflow parses as YAML and each run step names a flagc command that exists")
    func ciWorkflow() throws {
        let path = Repository.root.appendingPathComponent("Examples/ci/github-actions.yml").path
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let root = try #require(try YAMLReader.read(bytes, file: "Examples/ci/github-actions.yml"))
        let jobs = try #require(root.mappingEntries?.first { $0.key == "jobs" }?.value.mappingEntries)
        var commands: [[String]] = []
        for job in jobs {
            let steps = try #require(job.value.mappingEntries?.first { $0.key == "steps" }?.value.sequenceItems)
            for step in steps {
                guard let run = step.mappingEntries?.first(where: { $0.key == "run" })?.value.string else { continue }
                let words = run.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
                for (index, word) in words.enumerated() where word == "flagc" {
                    // The command and its subcommand, when the next word is not an option or a path.
                    let rest = words[(index + 1)...].prefix {
                        !$0.hasPrefix("-") && !$0.contains("/") && !$0.contains(">")
                    }
                    commands.append(Array(rest.prefix(2)))
                }
            }
        }
        let named = Set(commands.compactMap(\.first))
        #expect(named.isSuperset(of: ["check", "build", "inspect", "eval", "policy-input"]), "\(commands)")
        let workspace = try Workspace()
        for command in commands {
            let result = try workspace.run(command + ["--help"])
            #expect(result.status == 0, "flagc \(command.joined(separator: " ")) is not a command: \(result)")
        }
    }
}
