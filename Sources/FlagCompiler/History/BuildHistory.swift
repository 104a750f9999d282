import FlagRuntime
import Foundation

/// What the history stages of a build share (`Pipeline.provenance`, `Pipeline.prepareAuditEntry`,
/// `Pipeline.recordAudit`): the build's keys, issue time, commit and claimed author, and the audit
/// entries prepared before the outputs are switched in and appended after.
package struct BuildHistory {
    private let root: String
    private let issuedAt: Int64
    private let sourceDateEpoch: Int64?
    private let commit: String?
    private let isDirty: Bool
    private let claimedAuthor: (name: String, from: String)?
    private let keyStore: KeyStore
    private let keyring: Keyring
    private let signingKey: Keyring.SigningKey
    private let seed: SecureBytes
    private var pending: [(target: String, fields: [(String, JSONValue?)])] = []

    package init(
        options: BuildOptions,
        keyring: Keyring,
        signingKey: Keyring.SigningKey,
        seed: SecureBytes,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        root = options.root
        issuedAt = options.issuedAt
        sourceDateEpoch = environment["SOURCE_DATE_EPOCH"].flatMap { Int64($0) }.flatMap {
            $0 == options.issuedAt ? $0 : nil
        }
        keyStore = options.keyStore
        self.keyring = keyring
        self.signingKey = signingKey
        self.seed = seed
        let commit = Git.commit(at: options.root)
        self.commit = commit
        isDirty = commit.map { _ in Git.isDirty(at: options.root) } ?? false
        claimedAuthor = Self.claimedAuthor(
            environment: environment,
            root: options.root,
            commit: commit,
            isDirty: isDirty
        )
    }

    /// The CI variable naming who started the build, else the author of the checked-out commit
    /// (clean tree) or git's configured user (changed tree). A claim: nothing verifies it.
    static func claimedAuthor(
        environment: [String: String],
        root: String,
        commit: String?,
        isDirty: Bool
    ) -> (name: String, from: String)? {
        for variable in [
            "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILDKITE_BUILD_CREATOR", "CIRCLE_USERNAME", "BUILD_REQUESTEDFOR",
        ] {
            if let value = environment[variable], !value.isEmpty { return (value, variable) }
        }
        guard commit != nil else { return nil }
        if !isDirty {
            let author = Git.run(["log", "-1", "--format=%an <%ae>"], in: root)
            if author.status == 0, !author.output.isEmpty { return (author.output, "git commit author") }
        }
        let name = Git.run(["config", "user.name"], in: root)
        let email = Git.run(["config", "user.email"], in: root)
        guard name.status == 0, !name.output.isEmpty else { return nil }
        return (name.output + (email.output.isEmpty ? "" : " <\(email.output)>"), "git config user")
    }

    /// The signed provenance (`provenance.json`) of `target`'s output `files` (bundle, generated
    /// code, manifest).
    package func provenance(of target: TargetDefinition, files: [(String, [UInt8])]) throws(BuildError) -> [UInt8] {
        let keyringPath = Self.relative(keyStore.keyringPath, root: root)
        let inputs = Provenance.inputs(
            root: root,
            recipients: target.recipients.map(\.value),
            keyringPath: keyringPath
        )
        let statement = Provenance.statement(
            target: target.name,
            environment: target.environment,
            subjects: files.map { ($0.0, $0.1) },
            inputs: inputs,
            sourceDateEpoch: sourceDateEpoch,
            issuedAt: issuedAt,
            commit: commit
        )
        do {
            return Array(try Provenance.envelope(statement: statement, keyID: signingKey.id, seed: seed).utf8)
        } catch {
            throw .provenance(target: target.name, reason: error.description)
        }
    }

    /// Checks the target's audit log and prepares its entry for `record`: the build stops here,
    /// before anything is replaced, when the log does not verify.
    package mutating func prepareEntry(
        project: FlagProject,
        target: TargetDefinition,
        content: BundleContent,
        bundle: [UInt8],
        outputDirectory: String,
        diagnostics: DiagnosticCollector
    ) throws(BuildError) {
        let path = AuditLog.path(root: root, target: target.name)
        let existing: AuditLog.Verified
        do {
            existing = try AuditLog.verify(path: path, target: target.name, keyring: keyring, strictKey: false)
        } catch {
            throw .auditLog(target: target.name, reason: error.message)
        }
        if let problem = existing.checkpointKeyProblem {
            diagnostics.append(
                HistoryMessages.checkpointResigned(log: Self.relative(path, root: root), problem, by: signingKey.id)
            )
        }
        let snapshot = SnapshotLoader.snapshot(of: project, target: target, content: content)
        var changes: [(String, JSONValue?)]
        if let last = existing.entries.last {
            let base = last.bundleDigest ?? ""
            switch previousSnapshot(last, target: target.name, outputDirectory: outputDirectory) {
            case .success(let (previous, source)):
                let diff = SemanticDiff(old: previous, new: snapshot, at: Double(issuedAt))
                changes = [("base", .string(base)), ("baseFrom", .string(source))]
                changes += Self.members(of: DiffReport.json(diff, redactCompliance: true), ["flags", "segments"])
            case .failure(let reason):
                changes = [("base", .string(base)), ("unavailable", .string(reason.description))]
            }
        } else {
            let empty = TargetSnapshot(target: target.name, environment: target.environment, flags: [:], segments: [:])
            let diff = SemanticDiff(old: empty, new: snapshot, at: Double(issuedAt))
            // The first entry: every flag and segment added, by name only (the definitions say the rest).
            changes = [("base", .null)]
            changes += Self.members(of: DiffReport.json(diff, details: false), ["flags", "segments"])
        }
        let fields: [(String, JSONValue?)] = [
            ("target", .string(target.name)),
            ("environment", .string(target.environment)),
            ("time", .string(Timestamp.formatRFC3339(issuedAt))),
            ("recordedAt", .string(Timestamp.formatRFC3339(Int64(Date().timeIntervalSince1970)))),
            (
                "bundle",
                .members([
                    ("sha256", .string("sha256:" + SHA256.hex(bundle))),
                    ("version", .integer(issuedAt)),
                    ("bytes", .integer(Int64(bundle.count))),
                ])
            ),
            ("contentDigest", .string("sha256:" + SHA256.hex(Array(snapshot.digestText.utf8)))),
            ("keyringVersion", .integer(Int64(keyring.version))),
            ("signingKeyId", .string(signingKey.id.description)),
            ("source", .members([("commit", commit.map(JSONValue.string) ?? .null), ("dirty", .bool(isDirty))])),
            (
                "claimedAuthor",
                claimedAuthor.map { .members([("name", .string($0.name)), ("claimedBy", .string($0.from))]) } ?? .null
            ),
            ("changes", .members(changes)),
        ]
        pending.append((target.name, fields))
    }

    /// Appends the prepared entries: call once the outputs are switched in.
    package func record() throws(BuildError) {
        for (target, fields) in pending {
            do {
                try AuditLog.append(
                    fields,
                    root: root,
                    target: target,
                    keyring: keyring,
                    signingKey: signingKey,
                    seed: seed
                )
            } catch {
                throw .auditNotRecorded(target: target, reason: error.message)
            }
        }
    }

    // MARK: The previous entry's content

    /// The content the previous entry recorded: from the bundle still in `out/<target>/` when it is
    /// that entry's bundle and a recipient key here opens it, else from the entry's commit when the
    /// tree was clean then and the rebuilt content has the digest the entry recorded.
    private func previousSnapshot(
        _ entry: AuditLog.Entry,
        target: String,
        outputDirectory: String
    ) -> Result<(TargetSnapshot, String), SnapshotLoader.Failure> {
        let bundlePath = Builder.resolve(outputDirectory + "/" + target + "/flags.bundle", root: root)
        var reasons: [String] = []
        if let bytes = try? FileReader.read(path: bundlePath, limit: LoadOptions.defaultMaximumBundleBytes),
            "sha256:" + SHA256.hex(bytes) == entry.bundleDigest
        {
            do {
                let header = try BundleHeader.parseLayout(bytes).header
                var options = LoadOptions(trustedRoots: try keyStore.trustedRoots())
                options.recipientKey = try keyStore.recipientKey(override: nil, recipientIDs: header.recipientIDs)
                options.now = header.issuedAt
                if options.recipientKey != nil {
                    let bundle = try FlagBundle.load(bytes: bytes, options: options)
                    return .success((SnapshotLoader.bundle(bundle, bytes: bytes, path: bundlePath), "bundle"))
                }
                reasons.append("no recipient key here opens the previous bundle")
            } catch {
                reasons.append("the previous bundle cannot be read: \(error)")
            }
        } else {
            reasons.append("out/\(target)/flags.bundle is not the previous entry's bundle")
        }
        if let commit = entry.value[member: "source"]?[member: "commit"]?.stringValue,
            entry.value[member: "source"]?[member: "dirty"] == .bool(false)
        {
            do {
                let snapshot = try SnapshotLoader.revision(commit, root: root, target: target)
                let digest = "sha256:" + SHA256.hex(Array(snapshot.digestText.utf8))
                if digest == entry.value[member: "contentDigest"]?.stringValue { return .success((snapshot, "commit")) }
                reasons.append("commit \(commit.prefix(12)) does not rebuild the previous content")
            } catch {
                reasons.append("commit \(commit.prefix(12)): \(error.description.prefix(200))")
            }
        } else {
            reasons.append("the previous entry names no clean commit")
        }
        return .failure(SnapshotLoader.Failure(reasons.joined(separator: "; ")))
    }

    private static func members(of value: JSONValue, _ names: [String]) -> [(String, JSONValue?)] {
        names.map { ($0, value[member: $0]) }
    }

    private static func relative(_ path: String, root: String) -> String {
        guard root != ".", path.hasPrefix(root) else { return path }
        let rest = path.dropFirst(root.count)
        return rest.hasPrefix("/") ? String(rest.dropFirst()) : String(rest)
    }
}
