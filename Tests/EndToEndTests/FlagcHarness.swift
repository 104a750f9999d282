import Foundation
import Testing

// Helpers for end-to-end stories: find the built `flagc`, give each story its own temporary
// repository, run the real binary there and capture what it prints and how it exits.

/// The repository this test file belongs to: its `flags/` and `targets/` are the example inputs.
enum Repository {
    /// This file's real location (the test folder may be reached through symbolic links).
    static let root = packageRoot(of: URL(fileURLWithPath: #filePath).resolvingSymlinksInPath())
    /// The package that compiled this file, without resolving links: where `.build/` is.
    static let buildRoot = packageRoot(of: URL(fileURLWithPath: #filePath))

    private static func packageRoot(of file: URL) -> URL {
        // <root>/Tests/EndToEndTests/FlagcHarness.swift
        file.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

/// The `flagc` executable under test and the environment it runs in.
enum Flagc {
    /// The built binary: next to the test bundle, else `<package>/.build/debug/flagc`.
    static let executable: URL = locate()

    private static func locate() -> URL {
        var folders: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            folders.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        if let main = Bundle.main.executableURL { folders.append(main.deletingLastPathComponent()) }
        if let first = CommandLine.arguments.first {
            folders.append(URL(fileURLWithPath: first).standardizedFileURL.deletingLastPathComponent())
        }
        for root in [Repository.buildRoot, Repository.root] {
            folders.append(root.appendingPathComponent(".build/debug"))
        }
        for folder in folders {
            let candidate = folder.appendingPathComponent("flagc")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
                !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
        }
        return Repository.buildRoot.appendingPathComponent(".build/debug/flagc")
    }

    /// The test process's environment without anything that would change flagc's behaviour.
    static let baseEnvironment: [String: String] = ProcessInfo.processInfo.environment.filter { name, _ in
        !name.hasPrefix("FLAGC_") && name != "SOURCE_DATE_EPOCH"
    }
}

/// The outcome of one `flagc` run.
struct CommandResult: CustomStringConvertible, Sendable {
    var arguments: [String]
    var status: Int32
    var stdoutData: Data
    var stderr: String
    var timedOut = false

    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }

    /// Standard output split into lines, without the final empty one.
    var lines: [String] {
        var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Both streams, for checks that something appears in neither.
    var allOutput: String { stdout + stderr }

    var description: String {
        "flagc \(arguments.joined(separator: " ")) → exit \(status)\(timedOut ? " (timed out)" : "")\n"
            + "--- stdout:\n\(stdout.prefix(4000))\n--- stderr:\n\(stderr.prefix(4000))"
    }
}

/// A setup step that did not go as planned.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

/// A temporary repository for one story; deleted when released.
final class Workspace: Sendable {
    let url: URL
    private let isShared: Bool

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("flagc-e2e-\(UUID().uuidString)")
        isShared = false
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A workspace that outlives its stories (removed when the test process exits).
    fileprivate init(keptUntilExit: Void) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("flagc-e2e-shared-\(UUID().uuidString)")
        isShared = true
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        SharedWorkspaces.register(url)
    }

    deinit {
        if !isShared { try? FileManager.default.removeItem(at: url) }
    }

    // MARK: Files

    func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    func write(_ text: String, to relative: String) throws {
        try write(Data(text.utf8), to: relative)
    }

    func write(_ data: Data, to relative: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        try data.write(to: file)
    }

    func data(_ relative: String) throws -> Data {
        try Data(contentsOf: url.appendingPathComponent(relative))
    }

    func text(_ relative: String) throws -> String {
        String(decoding: try data(relative), as: UTF8.self)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: path(relative))
    }

    func files(in relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(relative))) ?? []).sorted()
    }

    /// Every regular file below `relative`, as paths relative to it, sorted.
    func tree(_ relative: String) -> [String] {
        let base = url.appendingPathComponent(relative)
        guard let enumerator = FileManager.default.enumerator(atPath: base.path) else { return [] }
        var files: [String] = []
        while let next = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: base.appendingPathComponent(next).path,
                isDirectory: &isDirectory
            ),
                !isDirectory.boolValue
            {
                files.append(next)
            }
        }
        return files.sorted()
    }

    func permissions(_ relative: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path(relative))
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func setPermissions(_ mode: Int, _ relative: String) throws {
        try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: mode)], ofItemAtPath: path(relative))
    }

    func copy(_ relative: String, to destination: String) throws {
        if exists(destination) { try FileManager.default.removeItem(atPath: path(destination)) }
        try FileManager.default.copyItem(atPath: path(relative), toPath: path(destination))
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path(relative))
    }

    // MARK: Running flagc

    /// Runs `flagc` here with a clean environment plus `environment`, and `stdin` (or nothing) as input.
    @discardableResult
    func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        stdin: Data? = nil,
        timeout: TimeInterval = 60
    ) throws -> CommandResult {
        let io = FileManager.default.temporaryDirectory.appendingPathComponent("flagc-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: io, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: io) }
        // Files, not pipes: a large output can never fill a pipe and stall the child.
        let outURL = io.appendingPathComponent("stdout")
        let errURL = io.appendingPathComponent("stderr")
        let inURL = io.appendingPathComponent("stdin")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        try (stdin ?? Data()).write(to: inURL)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let input = try FileHandle(forReadingFrom: inURL)
        defer {
            try? out.close()
            try? err.close()
            try? input.close()
        }

        let process = Process()
        process.executableURL = Flagc.executable
        process.arguments = arguments
        process.currentDirectoryURL = url
        process.environment = Flagc.baseEnvironment.merging(environment) { _, new in new }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                break
            }
            usleep(1_000)
        }
        process.waitUntilExit()
        return CommandResult(
            arguments: arguments,
            status: process.terminationStatus,
            stdoutData: try Data(contentsOf: outURL),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
            timedOut: timedOut
        )
    }

    @discardableResult
    func run(_ arguments: String..., environment: [String: String] = [:], stdin: Data? = nil) throws -> CommandResult {
        try run(arguments, environment: environment, stdin: stdin)
    }

    /// Runs a setup step that must succeed; throws with everything flagc said otherwise.
    @discardableResult
    func succeed(_ arguments: String..., environment: [String: String] = [:]) throws -> CommandResult {
        let result = try run(arguments, environment: environment)
        guard result.status == 0, !result.timedOut else { throw HarnessError(description: "setup failed: \(result)") }
        return result
    }

    // MARK: Projects

    /// A workspace holding the repository's example `flags/` and `targets/` with fresh keys and a
    /// recipient per target; optionally with the global ramp's steps moved to `rampSteps` (RFC 3339).
    static func example(rampSteps: [String]? = nil) throws -> ExampleProject {
        try ExampleProject(workspace: Workspace(), rampSteps: rampSteps)
    }

    /// The keyring as `flagc keys list --json` reports it.
    func keyring() throws -> [String: Any] {
        try JSON.object(try succeed("keys", "list", "--json").stdout)
    }

    /// The header of a bundle as `flagc inspect --json` reports it.
    func inspect(_ bundle: String, _ options: String...) throws -> [String: Any] {
        try JSON.object(try run(["inspect", bundle, "--json"] + options).stdout)
    }
}

/// The repository example, set up in a workspace: keys made, not built yet (unless shared).
struct ExampleProject: Sendable {
    let workspace: Workspace
    /// The first signing key, made by `flagc keys init`.
    let signingKeyID: String
    /// Target name → the id of its recipient key.
    let recipientIDs: [String: String]

    fileprivate init(workspace: Workspace, rampSteps: [String]?) throws {
        self.workspace = workspace
        for folder in ["flags", "targets"] {
            try FileManager.default.copyItem(
                at: Repository.root.appendingPathComponent(folder),
                to: workspace.url.appendingPathComponent(folder)
            )
        }
        if let rampSteps {
            let file = "flags/checkout.yaml"
            var text = try workspace.text(file)
            let pattern = try NSRegularExpression(pattern: #"at: ([0-9][0-9T:.Z+-]*)"#)
            let matches = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text))
            guard matches.count == rampSteps.count else {
                throw HarnessError(description: "\(file) has \(matches.count) ramp steps, expected \(rampSteps.count)")
            }
            for (match, step) in zip(matches, rampSteps).reversed() {
                text.replaceSubrange(Range(match.range(at: 1), in: text)!, with: step)
            }
            try workspace.write(text, to: file)
        }
        signingKeyID = try KeyIdentifier.last(in: workspace.succeed("keys", "init").stderr)
        var recipients: [String: String] = [:]
        for file in workspace.files(in: "targets") where file.hasSuffix(".yaml") {
            let target = String(file.dropLast(".yaml".count))
            recipients[target] = try KeyIdentifier.last(in: workspace.succeed("keys", "recipient", target).stderr)
        }
        recipientIDs = recipients
    }

    /// `out/dev/flags.bundle`, absolute, for commands run in other workspaces.
    var devBundle: String { workspace.path("out/dev/flags.bundle") }
    /// The `keys/` folder, absolute.
    var keys: String { workspace.path("keys") }
}

/// The built repository example shared by read-only stories (set up once per test run).
enum SharedExample {
    private static let built: Result<ExampleProject, HarnessError> = {
        do {
            let project = try ExampleProject(workspace: Workspace(keptUntilExit: ()), rampSteps: nil)
            try project.workspace.succeed("build")
            return .success(project)
        } catch let error as HarnessError {
            return .failure(error)
        } catch {
            return .failure(HarnessError(description: "\(error)"))
        }
    }()

    static func project() throws -> ExampleProject { try built.get() }
}

/// Key ids as flagc prints them: 16 hex digits.
enum KeyIdentifier {
    static func all(in text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "\\b[0-9a-f]{16}\\b")
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map {
            String(text[Range($0.range, in: text)!])
        }
    }

    static func last(in text: String) throws -> String {
        guard let id = all(in: text).last else { throw HarnessError(description: "no key id in: \(text)") }
        return id
    }
}

/// Workspaces removed when the test process exits, not when released.
enum SharedWorkspaces {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var urls: [URL] = []

    static func register(_ url: URL) {
        lock.withLock {
            if urls.isEmpty { atexit { SharedWorkspaces.removeAll() } }
            urls.append(url)
        }
    }

    private static func removeAll() {
        for url in lock.withLock({ urls }) { try? FileManager.default.removeItem(at: url) }
    }
}

/// JSON read back from flagc's output.
enum JSON {
    static func object(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw HarnessError(description: "not a JSON object: \(text.prefix(500))")
        }
        return object
    }

    static func objects(lines: [String]) throws -> [[String: Any]] {
        try lines.map(object)
    }
}

/// Times as flagc reads and prints them.
enum Clock {
    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// Sleeps until the Unix second changes.
    static func waitForNextSecond() {
        let start = now
        while now == start { usleep(20_000) }
    }

    static func rfc3339(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// 09:00:00Z on the day `days` after today (UTC).
    static func nineOClock(daysFromToday days: Int) -> Int {
        let day = now / 86_400
        return (day + days) * 86_400 + 9 * 3_600
    }
}

/// A bucketing check independent of flagc: MurmurHash3 x86 32-bit, seed 0, as PRODUCT.md defines.
enum Bucket {
    static func of(salt: String, value: String) -> Int {
        Int(murmur3(Array((salt + "." + value).utf8)) % 10_000)
    }

    static func murmur3(_ bytes: [UInt8]) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51
        let c2: UInt32 = 0x1b87_3593
        var hash: UInt32 = 0
        let blocks = bytes.count / 4
        for block in 0..<blocks {
            var k =
                UInt32(bytes[block * 4]) | UInt32(bytes[block * 4 + 1]) << 8 | UInt32(bytes[block * 4 + 2]) << 16
                | UInt32(bytes[block * 4 + 3]) << 24
            k = (k &* c1).rotatedLeft(15) &* c2
            hash = (hash ^ k).rotatedLeft(13) &* 5 &+ 0xe654_6b64
        }
        var k: UInt32 = 0
        let tail = bytes[(blocks * 4)...]
        let start = tail.startIndex
        if tail.count >= 3 { k ^= UInt32(tail[start + 2]) << 16 }
        if tail.count >= 2 { k ^= UInt32(tail[start + 1]) << 8 }
        if tail.count >= 1 {
            k ^= UInt32(tail[start])
            hash ^= (k &* c1).rotatedLeft(15) &* c2
        }
        hash ^= UInt32(truncatingIfNeeded: bytes.count)
        hash ^= hash >> 16
        hash = hash &* 0x85eb_ca6b
        hash ^= hash >> 13
        hash = hash &* 0xc2b2_ae35
        hash ^= hash >> 16
        return hash
    }
}

extension UInt32 {
    fileprivate func rotatedLeft(_ count: UInt32) -> UInt32 { self << count | self >> (32 - count) }
}

extension Data {
    /// Whether `text`'s UTF-8 bytes occur anywhere in these bytes.
    func contains(utf8 text: String) -> Bool {
        range(of: Data(text.utf8)) != nil
    }
}

/// Lines of `flagc eval --contexts`: `{"line":N[,"id":I],"results":[R,…]}`.
enum Batch {
    /// The results of one output line as their text `R,…` (one flag's object with `--flag`); nil for another shape.
    static func results(_ line: String) -> String? {
        guard line.hasPrefix(#"{"line":"#), line.hasSuffix("]}"), let start = line.range(of: #","results":["#) else {
            return nil
        }
        return String(line[start.upperBound..<line.index(line.endIndex, offsetBy: -2)])
    }
}
