import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

// The keys folder's modes whatever the umask, and key files that are too large or not files.

@Suite("key files and the keys folder")
struct KeyFileTests {
    /// Runs flagc under umask 000 through the shell.
    static func runUnderOpenUmask(_ workspace: Workspace, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"umask 000 && exec "$0" "$@""#, Flagc.executable.path] + arguments
        process.currentDirectoryURL = workspace.url
        process.environment = Flagc.baseEnvironment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(
        "under umask 000, keys/ is 0700, secrets 0600 and public files 0644",
        arguments: [["init"], ["keys", "init"]]
    )
    func modesUnderOpenUmask(command: [String]) throws {
        let workspace = try Workspace()
        #expect(try Self.runUnderOpenUmask(workspace, command) == 0)
        #expect(try Self.runUnderOpenUmask(workspace, ["keys", "recipient", "extra"]) == 0)
        #expect(try Self.runUnderOpenUmask(workspace, ["keys", "rotate-root"]) == 0)

        #expect(try workspace.permissions("keys") == 0o700)
        for name in workspace.files(in: "keys") where name != ".flagc-lock" {
            let expected = name.hasSuffix(".key") ? 0o600 : 0o644
            #expect(try workspace.permissions("keys/\(name)") == expected, "keys/\(name)")
        }
    }

    @Test(
        "an oversized key or keyring file is refused from its size, without reading it",
        arguments: [
            ("keys/root.key", ["keys", "renew"], 65_536),
            ("keys/root.pub", ["keys", "list"], 65_536),
            ("keys/keyring", ["keys", "list"], 131_072),
            ("keys/.flagc-keyring-state", ["keys", "renew"], 131_072),
        ]
    )
    func oversizedFilesAreRefused(file: String, command: [String], limit: Int) throws {
        let workspace = try Workspace()
        try workspace.succeed("keys", "init")
        // A 200 MB sparse file: reading it whole took seconds before the bound.
        #expect(truncate(workspace.path(file), 200 << 20) == 0)

        let result = try workspace.run(command)

        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains("refusing \(file): it has 209715200 bytes, more than the limit of \(limit)"),
            "\(result)"
        )
    }

    @Test("a FIFO in place of the root key is refused, not waited on")
    func fifoIsRefused() throws {
        let workspace = try Workspace()
        try workspace.succeed("keys", "init")
        try workspace.remove("keys/root.key")
        #expect(mkfifo(workspace.path("keys/root.key"), 0o600) == 0)

        let result = try workspace.run("keys", "renew")

        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("cannot read keys/root.key: not a regular file"), "\(result)")
    }

    @Test("retire-root says what it did")
    func retireRootReports() throws {
        let workspace = try Workspace()
        try workspace.succeed("keys", "init")
        try workspace.succeed("keys", "rotate-root")
        let retired = try workspace.run("keys", "retire-root")
        #expect(retired.status == 0, "\(retired)")
        #expect(retired.stdout.isEmpty)
        #expect(retired.stderr == "retired the previous root; keyring version 3 is signed by the current root only\n")
    }
}
