import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `flagc build` replaces each `out/<target>/` folder in one step, under a lock, and only after
/// every target was computed: killed, failing or concurrent builds never leave a folder that mixes
/// two builds, and the next build removes what a killed one left.
@Suite("Build outputs")
struct BuildOutputTests {
    static let targets = ["dev", "prod-eu"]

    /// Every file of each target folder (name → bytes).
    typealias Snapshot = [String: [String: Data]]

    static func snapshot(_ workspace: Workspace) throws -> Snapshot {
        var result: Snapshot = [:]
        for target in targets where workspace.exists("out/\(target)") {
            var files: [String: Data] = [:]
            for name in workspace.files(in: "out/\(target)") {
                files[name] = try workspace.data("out/\(target)/\(name)")
            }
            result[target] = files
        }
        return result
    }

    /// Two reference builds of the example with different issue times, and the workspace left
    /// with the first one built.
    static func twoBuilds() throws -> (workspace: Workspace, old: Snapshot, new: Snapshot, epochs: (String, String)) {
        let workspace = try Workspace.example().workspace
        // After the keys' creation (a signing key is valid from then on), within the future skew allowed.
        let epochs = (String(Clock.now + 60), String(Clock.now + 120))
        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epochs.1])
        let new = try snapshot(workspace)
        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epochs.0])
        let old = try snapshot(workspace)
        #expect(old.count == 2 && new.count == 2 && old != new)
        return (workspace, old, new, epochs)
    }

    /// Each target folder is wholly one of the reference builds' (or absent when neither wrote it).
    static func expectConsistent(_ state: Snapshot, old: Snapshot, new: Snapshot, _ comment: String) {
        for target in targets {
            #expect(
                state[target] == old[target] || state[target] == new[target],
                "out/\(target) mixes two builds after \(comment): \(state[target]?.keys.sorted() ?? [])"
            )
        }
    }

    /// Nothing but the target folders and their four files.
    static func expectNoStrayFiles(_ workspace: Workspace) {
        #expect(workspace.files(in: "out") == targets)
        for target in targets {
            #expect(
                workspace.files(in: "out/\(target)") == [
                    "Flags.swift", "flags.bundle", "manifest.json", "provenance.json",
                ]
            )
        }
    }

    @Test(
        "a build killed at any step of writing leaves each target folder wholly old or wholly new",
        arguments: ["locked", "staging", "staged", "switch", "switched"]
    )
    func killedAtAStep(step: String) throws {
        let (workspace, old, new, epochs) = try Self.twoBuilds()

        let killed = try workspace.run(
            ["build"],
            environment: ["SOURCE_DATE_EPOCH": epochs.1, "FLAGC_TEST_CRASH_AT": step]
        )
        #expect(killed.status == SIGKILL, "\(killed)")
        let state = try Self.snapshot(workspace)
        Self.expectConsistent(state, old: old, new: new, "a kill at '\(step)'")
        switch step {
        case "locked", "staging", "staged": #expect(state == old, "a kill before the first switch replaced a folder")
        case "switch": #expect(state["dev"] == new["dev"] && state["prod-eu"] == old["prod-eu"])
        default: #expect(state == new)
        }

        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epochs.1])
        #expect(try Self.snapshot(workspace) == new)
        Self.expectNoStrayFiles(workspace)
    }

    @Test("builds killed at random moments leave consistent folders, and the next build cleans up")
    func killedAtRandom() throws {
        let (workspace, old, new, epochs) = try Self.twoBuilds()
        let start = Date()
        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epochs.1])
        let duration = Date().timeIntervalSince(start)
        for round in 0..<4 {
            let process = Process()
            process.executableURL = Flagc.executable
            process.arguments = ["build"]
            process.currentDirectoryURL = workspace.url
            let epoch = ["SOURCE_DATE_EPOCH": round % 2 == 0 ? epochs.0 : epochs.1]
            process.environment = Flagc.baseEnvironment.merging(epoch) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(Double.random(in: 0.3...1.0) * duration * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Self.expectConsistent(try Self.snapshot(workspace), old: old, new: new, "a random kill")
        }
        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epochs.0])
        #expect(try Self.snapshot(workspace) == old)
        Self.expectNoStrayFiles(workspace)
    }

    @Test("two builds at once each write whole folders: the result is one build's or the other's")
    func concurrentBuilds() throws {
        let (workspace, old, new, epochs) = try Self.twoBuilds()
        for _ in 0..<2 {
            let results = Locked<[CommandResult]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                let result = try? workspace.run(
                    ["build"],
                    environment: ["SOURCE_DATE_EPOCH": index == 0 ? epochs.0 : epochs.1]
                )
                if let result { results.withLock { $0.append(result) } }
            }
            for result in results.withLock({ $0 }) { #expect(result.status == 0, "\(result)") }
            let state = try Self.snapshot(workspace)
            #expect(state == old || state == new, "two concurrent builds left a mix of both")
            Self.expectNoStrayFiles(workspace)
        }
    }

    @Test("staging folders and temporary files left by killed builds are removed by the next build")
    func staleFilesAreRemoved() throws {
        let (workspace, old, _, epochs) = try Self.twoBuilds()
        try workspace.write("partial", to: "out/.staging-dev-12345-678/flags.bundle")
        try workspace.write("partial", to: "out/dev/.flags.bundle.tmp-12345-678")
        try workspace.write("partial", to: "out/prod-eu/.manifest.json.tmp-1-2")

        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": epochs.0])

        #expect(try Self.snapshot(workspace) == old)
        Self.expectNoStrayFiles(workspace)
    }

    @Test("a failure while switching a later target puts the earlier ones back: nothing is replaced")
    func failureInALaterTarget() throws {
        let (workspace, old, _, epochs) = try Self.twoBuilds()

        let result = try workspace.run(
            ["build"],
            environment: ["SOURCE_DATE_EPOCH": epochs.1, "FLAGC_TEST_FAIL_AT": "switch-prod-eu"]
        )

        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("FLAGC_TEST_FAIL_AT=switch-prod-eu"), "\(result)")
        #expect(try Self.snapshot(workspace) == old, "out/dev was replaced although out/prod-eu failed")
        Self.expectNoStrayFiles(workspace)
    }

    @Test("a failure while switching a later target, on a first build, leaves no target folder")
    func failureOnAFirstBuild() throws {
        let workspace = try Workspace.example().workspace

        let result = try workspace.run(["build"], environment: ["FLAGC_TEST_FAIL_AT": "switch-prod-eu"])

        #expect(result.status == 1, "\(result)")
        #expect(workspace.files(in: "out").isEmpty, "\(workspace.files(in: "out"))")
    }

    @Test("without RENAME_EXCHANGE, the fallback of three renames replaces the folders")
    func withoutExchange() throws {
        let (workspace, _, new, epochs) = try Self.twoBuilds()

        try workspace.succeed(
            "build",
            environment: ["SOURCE_DATE_EPOCH": epochs.1, "FLAGC_TEST_FAIL_AT": "no-exchange"]
        )
        #expect(try Self.snapshot(workspace) == new)
        Self.expectNoStrayFiles(workspace)
    }

    @Test("an invalid later target stops the build before any folder is replaced")
    func invalidLaterTarget() throws {
        let (workspace, old, _, epochs) = try Self.twoBuilds()
        try workspace.write("not a key\n", to: "keys/prod-eu.recipient.pub")

        let result = try workspace.run(["build"], environment: ["SOURCE_DATE_EPOCH": epochs.1])

        #expect(result.status == 1, "\(result)")
        #expect(try Self.snapshot(workspace) == old)
    }
}

@Suite("Build preconditions")
struct BuildPreconditionTests {
    @Test("a SOURCE_DATE_EPOCH more than 5 minutes ahead is refused; a small skew is accepted")
    func futureEpoch() throws {
        let workspace = try Workspace.example().workspace

        let refused = try workspace.run(["build"], environment: ["SOURCE_DATE_EPOCH": String(Clock.now + 3_600)])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("seconds in the future"), "\(refused)")
        #expect(refused.stderr.contains("300 seconds"), "\(refused)")
        #expect(!workspace.exists("out"))

        try workspace.succeed("build", environment: ["SOURCE_DATE_EPOCH": String(Clock.now + 60)])
        #expect(workspace.exists("out/dev/flags.bundle"))
    }

    @Test(
        "check refuses the recipient files build refuses",
        arguments: [
            ("missing", "cannot use recipient: cannot read keys/prod-eu.recipient.pub"),
            ("invalid", "cannot use recipient: keys/prod-eu.recipient.pub"),
        ]
    )
    func checkRunsTheRecipientChecks(problem: String, message: String) throws {
        let workspace = try Workspace.example().workspace
        if problem == "missing" {
            try workspace.remove("keys/prod-eu.recipient.pub")
        } else {
            try workspace.write("flagc-recipient-public:not-base64\n", to: "keys/prod-eu.recipient.pub")
        }

        let checked = try workspace.run("check")
        let built = try workspace.run("build")

        #expect(checked.status == 1, "\(checked)")
        #expect(built.status == 1, "\(built)")
        for result in [checked, built] {
            #expect(result.stderr.contains("targets/prod-eu.yaml:6:14: error: " + message), "\(result)")
        }
    }

    @Test("a YAML file larger than the per-file limit is refused by name before it is read")
    func fileTooLarge() throws {
        let workspace = try Workspace.example().workspace
        let path = workspace.path("flags/huge.yaml")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, 16 * 1024 * 1024 + 1) == 0)  // sparse: nothing to read if it were read

        let result = try workspace.run("check")

        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains(
                "flags/huge.yaml:1:1: error: file is too large (16777217 bytes; the limit is 16777216 bytes per file)"
            ),
            "\(result)"
        )
    }

    @Test("YAML files larger than the limit together are refused, naming the file that passes it")
    func filesTooLargeTogether() throws {
        let workspace = try Workspace.example().workspace
        for name in ["a", "b", "c"] {
            let path = workspace.path("flags/\(name)-big.yaml")
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            #expect(truncate(path, 12 * 1024 * 1024) == 0)
        }

        let result = try workspace.run("check")

        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains(
                "flags/c-big.yaml:1:1: error: flags/ and targets/ are too large together: reading flags/c-big.yaml "
                    + "(12582912 bytes) passes the limit of 33554432 bytes for all YAML files of a project"
            ),
            "\(result)"
        )
    }

    @Test("a FIFO named like a YAML file is refused, not waited on")
    func fifoIsRefused() throws {
        let workspace = try Workspace.example().workspace
        #expect(mkfifo(workspace.path("flags/pipe.yaml"), 0o644) == 0)

        let result = try workspace.run("check")

        #expect(!result.timedOut)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("cannot read flags/pipe.yaml: not a regular file"), "\(result)")
    }
}

/// A value behind a lock, for results gathered from several threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.withLock { body(&value) }
    }
}
