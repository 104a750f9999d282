import FlagRuntime
import Foundation
import Testing

// A keys command killed at any moment leaves keys/ wholly as it was or wholly changed, once the
// next command has run. These stories crash at the named points of the journaled operation
// (FLAGC_TEST_CRASH_AT, honoured by debug builds); .ci/kill-keys kills the binary at random moments.

@Suite("keys commands survive a crash")
struct KeyCrashTests {
    /// keys/ after init, a recipient 'extra' and a rotation; with a root rotation under way when
    /// `rotating`. Made once, copied for each story.
    static func setUp(rotating: Bool) throws -> Workspace {
        let base = try (rotating ? rotatingBase : steadyBase).get()
        let workspace = try Workspace()
        for name in base.files(in: "keys") where name != ".flagc-lock" {
            try workspace.write(try base.data("keys/\(name)"), to: "keys/\(name)")
            if name.hasSuffix(".key") { try workspace.setPermissions(0o600, "keys/\(name)") }
        }
        return workspace
    }

    private static let steadyBase = Result { try makeBase(rotating: false) }
    private static let rotatingBase = Result { try makeBase(rotating: true) }

    private static func makeBase(rotating: Bool) throws -> Workspace {
        let workspace = try Workspace()
        try workspace.succeed("keys", "init")
        try workspace.succeed("keys", "recipient", "extra")
        try workspace.succeed("keys", "rotate")
        if rotating { try workspace.succeed("keys", "rotate-root") }
        return workspace
    }

    static let commands: [[String]] = [
        ["keys", "init"], ["keys", "rotate"], ["keys", "revoke", "FIRST"], ["keys", "renew"],
        ["keys", "recipient", "fresh"], ["keys", "remove-recipient", "extra"], ["keys", "rotate-root"],
        ["keys", "retire-root"],
    ]

    /// Before the journal a crash undoes the operation; from the journal on, recovery completes it.
    static let crashPoints = ["staged-1", "journal", "applied-1", "applied"]

    @Test("killed at each step, the next command leaves keys/ wholly old or wholly new", arguments: commands)
    func crashLeavesKeysWhole(command: [String]) throws {
        for point in Self.crashPoints {
            let workspace =
                command == ["keys", "init"] ? try Workspace() : try Self.setUp(rotating: command.last == "retire-root")
            var arguments = command
            if arguments.last == "FIRST" {
                let keyring = try Keyring.decode(Array(try workspace.data("keys/keyring")))
                arguments[2] = keyring.signingKeys[0].id.description
            }
            let before = KeyFolderCheck.snapshot(workspace)

            let crashed = try workspace.run(arguments, environment: ["FLAGC_TEST_CRASH_AT": point])
            let didCrash = crashed.status == 86
            #expect(didCrash || crashed.status == 0, "\(point): \(crashed)")
            // Every operation writes a journal and applies it (a staged-N point may not exist).
            #expect(didCrash || point.hasPrefix("staged"), "\(arguments) did not stop at \(point)")
            // A staged or temporary secret is git-ignored by `*.key` even before recovery.
            for name in workspace.files(in: "keys") where name.hasPrefix(".flagc-tmp.") {
                let isSecret = (try? workspace.text("keys/\(name)"))?.contains("-secret:") == true
                #expect(!isSecret || name.hasSuffix(".key"), "\(point): secret leftover \(name)")
            }

            let next = try workspace.run(
                command == ["keys", "init"] ? ["keys", "recipient", "probe"] : ["keys", "list"]
            )
            #expect(next.status == 0, "after \(arguments) crashed at \(point): \(next)")
            #expect(
                KeyFolderCheck.problems(workspace).isEmpty,
                "\(arguments) at \(point): \(KeyFolderCheck.problems(workspace))"
            )
            var after = KeyFolderCheck.snapshot(workspace)
            if command == ["keys", "init"] {
                after = after.filter { !$0.key.hasPrefix("probe.") }
            }
            if didCrash && point.hasPrefix("staged") {
                #expect(after == before, "\(arguments) at \(point): not wholly old")
            } else {
                #expect(after != before, "\(arguments) at \(point): not done")
            }
        }
    }

    @Test("flagc build completes an interrupted rotation before it signs")
    func buildRecoversFirst() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        let crashed = try workspace.run(["keys", "rotate"], environment: ["FLAGC_TEST_CRASH_AT": "applied-1"])
        #expect(crashed.status == 86, "\(crashed)")
        #expect(workspace.exists("keys/.flagc-journal"))

        let built = try workspace.run("build", "--target", "dev")
        #expect(built.status == 0, "\(built)")
        #expect(!workspace.exists("keys/.flagc-journal"))
        #expect(KeyFolderCheck.problems(workspace).isEmpty, "\(KeyFolderCheck.problems(workspace))")
        let header = try workspace.inspect("out/dev/flags.bundle")
        #expect(header["keyringVersion"] as? Int == 2)
        #expect(header["signingKeyId"] as? String != project.signingKeyID)
    }

    @Test("temporary files left by an older flagc or a killed write are deleted by the next keys command")
    func strayTemporaryFilesAreCleaned() throws {
        let workspace = try Self.setUp(rotating: false)
        let root = try workspace.text("keys/root.key")
        for name in [".root.key.tmp-123-456", ".flagc-tmp.77.88.root.key", ".flagc-tmp.staged.keyring"] {
            try workspace.write(root, to: "keys/\(name)")
        }
        let listed = try workspace.run("keys", "list")
        #expect(listed.status == 0, "\(listed)")
        #expect(KeyFolderCheck.problems(workspace).isEmpty, "\(KeyFolderCheck.problems(workspace))")
        #expect(!workspace.files(in: "keys").contains { $0.contains("tmp") })
    }
}
