import FlagRuntime
import Foundation

/// Makes ``TargetSnapshot``s from each kind of `flagc diff` side: a source tree, a git revision, a
/// bundle (verified and decrypted by the caller's load options).
package enum SnapshotLoader {
    /// A side that cannot be read: the message says which and why; `isVerificationFailure` when a
    /// bundle failed a check (exit 3), else invalid input (exit 1).
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var description: String
        package var isVerificationFailure = false
        package init(_ description: String, isVerificationFailure: Bool = false) {
            self.description = description
            self.isVerificationFailure = isVerificationFailure
        }
    }

    /// The snapshot of `target` in a loaded, valid project (metadata and overrides included).
    /// `content`, when given, is the target's lowered content (the build has it already).
    package static func snapshot(
        of project: FlagProject,
        target: TargetDefinition,
        content: BundleContent? = nil
    ) -> TargetSnapshot {
        let content = content ?? Builder.content(of: project, target: target)
        var metadata: [String: FlagSnapshot.Metadata] = [:]
        var overrides: [String: [String]] = [:]
        for flag in content.flags {
            guard let definition = project.flag(flag.key) else { continue }
            let data = definition.metadata
            metadata[flag.key] = FlagSnapshot.Metadata(
                description: data.description,
                owner: data.owner,
                tags: data.tags,
                compliance: data.compliance,
                expires: data.expires?.value
            )
            var lines: [String] = []
            if let override = definition.environments[target.environment]?.value {
                if let enabled = override.enabled { lines.append("enabled: \(enabled.value)") }
                if let value = override.defaultVariant { lines.append("default: \(value.value)") }
                if let value = override.offVariant { lines.append("offVariant: \(value.value)") }
                if let rules = override.rules {
                    lines.append("rules: " + (rules.map { $0.name ?? "(unnamed)" }.joined(separator: ", ")))
                }
            }
            overrides[flag.key] = lines
        }
        return TargetSnapshot(
            target: target.name,
            environment: target.environment,
            content: content,
            metadata: metadata,
            overrides: overrides
        )
    }

    /// Loads and checks the project at `root`, then snapshots `target` (or its only target).
    package static func source(root: String, target: String?) throws(Failure) -> TargetSnapshot {
        let diagnostics = DiagnosticCollector()
        let project = Builder.check(root: root, recipients: false, diagnostics: diagnostics)
        if diagnostics.hasErrors {
            var renderer = DiagnosticRenderer()
            for (path, text) in project.sources { renderer.addSource(text, for: path) }
            let errors = diagnostics.sorted.filter { $0.severity == .error }
            throw Failure(
                "\(root): \(errors.count) error\(errors.count == 1 ? "" : "s") in the definitions:\n"
                    + errors.prefix(20).map { renderer.render($0) }.joined(separator: "\n")
            )
        }
        let names = project.targets.map(\.name)
        guard let name = target ?? (names.count == 1 ? names[0] : nil) else {
            throw Failure("\(root) has \(names.count) targets (\(names.joined(separator: ", "))): pass --target")
        }
        guard let definition = project.target(name) else {
            let suggestion = Suggestion.closest(to: name, among: names).map { "; did you mean '\($0)'?" } ?? ""
            throw Failure("\(root): no target '\(name)' in targets/" + suggestion)
        }
        return snapshot(of: project, target: definition)
    }

    /// The source tree of git revision `revision` of the repository holding `root` (its flags/ and
    /// targets/, through `git archive` into a temporary folder), snapshotted like `source`.
    package static func revision(_ revision: String, root: String, target: String?) throws(Failure) -> TargetSnapshot {
        guard !revision.hasPrefix("-") else { throw Failure("--rev '\(revision)': a revision cannot start with '-'") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "flagc-rev-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw Failure("cannot create a temporary folder: \(error.localizedDescription)")
        }
        let archive = folder + "/source.tar"
        let result = Git.run(["archive", "--format=tar", "-o", archive, revision + "^{tree}"], in: root)
        guard result.status == 0 else {
            throw Failure("git revision '\(revision)': \(result.error.isEmpty ? "git archive failed" : result.error)")
        }
        let untar = Git.process("/usr/bin/env", ["tar", "-xf", archive, "-C", folder], in: root)
        guard untar.status == 0 else { throw Failure("cannot unpack revision '\(revision)': \(untar.error)") }
        // `git archive` run in a subfolder of the work tree archives that subfolder only.
        do {
            return try source(root: folder, target: target)
        } catch {
            throw Failure(
                error.description.replacingOccurrences(of: folder + "/", with: "\(revision):").replacingOccurrences(
                    of: folder,
                    with: "revision \(revision)"
                )
            )
        }
    }

    /// The snapshot of a verified, decrypted bundle; metadata from `manifest.json` beside it when
    /// that manifest's digest names these bytes (bundles carry no metadata), else unknown.
    package static func bundle(_ bundle: FlagBundle, bytes: [UInt8], path: String) -> TargetSnapshot {
        let manifestPath = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(
            "manifest.json"
        )
        return TargetSnapshot(
            target: bundle.header.target,
            environment: bundle.header.environment,
            content: bundle.content,
            metadata: manifestMetadata(manifestPath, bundleBytes: bytes),
            overrides: nil
        )
    }

    static func manifestMetadata(_ path: String, bundleBytes: [UInt8]) -> [String: FlagSnapshot.Metadata]? {
        guard let bytes = try? FileReader.read(path: path, limit: FlagProject.maximumFileBytes),
            let manifest = try? JSONParser.parse(utf8: bytes),
            manifest[member: "bundleDigest"]?.stringValue
                == "blake2b-256:" + Sodium.hex(Sodium.hash(bundleBytes, outputCount: 32)),
            let flags = manifest[member: "flags"]?.arrayValue
        else { return nil }
        var metadata: [String: FlagSnapshot.Metadata] = [:]
        for flag in flags {
            guard let key = flag[member: "key"]?.stringValue else { continue }
            func strings(_ name: String) -> [String] { flag[member: name]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            metadata[key] = FlagSnapshot.Metadata(
                description: flag[member: "description"]?.stringValue,
                owner: flag[member: "owner"]?.stringValue,
                tags: strings("tags"),
                compliance: strings("compliance"),
                expires: flag[member: "expires"]?.stringValue
            )
        }
        return metadata
    }
}

/// The few git commands history needs, run with the repository's own configuration; every
/// failure (no git, not a repository) is an answer, never a crash.
package enum Git {
    package struct Result: Sendable {
        package var status: Int32
        package var output: String
        package var error: String
    }

    package static func run(_ arguments: [String], in directory: String) -> Result {
        process("/usr/bin/env", ["git"] + arguments, in: directory)
    }

    static func process(_ executable: String, _ arguments: [String], in directory: String) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return Result(status: -1, output: "", error: "\(executable): \(error)") }
        // Read both pipes before waiting, so a full pipe cannot block the child.
        let errorData = LockedData()
        let errorRead = DispatchSemaphore(value: 0)
        Thread {
            errorData.set(error.fileHandleForReading.readDataToEndOfFile())
            errorRead.signal()
        }.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorRead.wait()
        return Result(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
            error: String(decoding: errorData.value, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    /// The commit checked out at `root`, when it is in a git work tree.
    package static func commit(at root: String) -> String? {
        let result = run(["rev-parse", "--verify", "--quiet", "HEAD"], in: root)
        guard result.status == 0, result.output.count >= 40, result.output.allSatisfy(\.isHexDigit) else { return nil }
        return result.output
    }

    /// Whether the definitions under `root` differ from the checked-out commit (or are untracked).
    package static func isDirty(at root: String) -> Bool {
        let result = run(
            ["status", "--porcelain", "--untracked-files=all", "--", "flags", "targets", "policies", "approvals"],
            in: root
        )
        return result.status != 0 || !result.output.isEmpty
    }
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var value: Data { lock.withLock { data ?? Data() } }
}
