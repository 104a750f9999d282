import FlagRuntime
import Foundation

/// How a build runs.
public struct BuildOptions: Sendable {
    /// The repository root holding flags/, targets/ and keys/.
    public var root: String = "."
    /// Where `out/<target>/` folders go, relative to `root` unless absolute.
    public var outputDirectory: String = "out"
    /// Only this target, when set.
    public var target: String?
    /// The issue time of every bundle: `SOURCE_DATE_EPOCH` for reproducible builds, else now.
    public var issuedAt: Int64
    public var keyStore: KeyStore

    public init(root: String = ".", target: String? = nil, issuedAt: Int64, keyStore: KeyStore) {
        self.root = root
        self.target = target
        self.issuedAt = issuedAt
        self.keyStore = keyStore
    }

    /// How far in the future `SOURCE_DATE_EPOCH` may be: the runtime's default leeway for clock
    /// skew (`LoadOptions.leeway`); a later issue time gives a bundle every loader refuses.
    public static let maximumFutureSkew: Int64 = 300

    /// `SOURCE_DATE_EPOCH` when set and valid, else the current time (`now`, Unix seconds).
    public static func issueTime(
        environment: [String: String],
        now: Int64 = Int64(Date().timeIntervalSince1970)
    ) throws(KeyStore.Failure) -> Int64 {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return now }
        // Up to the end of year 9999, so adding a bundle's lifetime can never overflow.
        guard let value = Int64(text), value >= 0, value <= 253_402_300_799 else {
            throw KeyStore.Failure(
                "SOURCE_DATE_EPOCH must be a whole number of seconds (up to year 9999), found '\(text)'"
            )
        }
        guard value <= now + maximumFutureSkew else {
            throw KeyStore.Failure(
                "SOURCE_DATE_EPOCH is \(Timestamp.formatRFC3339(value)), \(value - now) seconds in the future; "
                    + "loaders refuse a bundle issued more than \(maximumFutureSkew) seconds ahead of their clock"
            )
        }
        return value
    }
}

/// What `flagc build` wrote for one target.
public struct TargetOutput: Sendable {
    public var target: String
    public var directory: String
    public var bundleBytes: Int
    public var flagCount: Int
    public var files: [String]
}

/// `flagc check` and `flagc build`.
public enum Builder {
    /// Reads and validates the project; problems go to `diagnostics`. With `recipients`, also runs
    /// the target checks `build` runs that need no secret (`recipientKeys`): `generate` skips them.
    public static func check(root: String, recipients: Bool = true, diagnostics: DiagnosticCollector) -> FlagProject {
        let project = FlagProject.load(root: root, diagnostics: diagnostics)
        if !diagnostics.hasErrors {
            let keyStore = KeyStore(directory: resolve("keys", root: root))
            for target in project.targets {
                _ = checkedContent(of: project, target: target, diagnostics: diagnostics)
                if recipients {
                    _ = recipientKeys(of: target, root: root, keyStore: keyStore, diagnostics: diagnostics)
                }
            }
        }
        return project
    }

    /// The target checks that need no secret, shared by `check` and `build`: every recipient
    /// public key file readable and valid, at least one recipient and at most a bundle's maximum.
    /// The keys, deduplicated, or nil (with errors in `diagnostics`).
    package static func recipientKeys(
        of target: TargetDefinition,
        root: String,
        keyStore: KeyStore,
        diagnostics: DiagnosticCollector
    ) -> [[UInt8]]? {
        var recipients: [[UInt8]] = []
        var seen: Set<[UInt8]> = []
        var failed = false
        for recipient in target.recipients {
            do {
                let key = try keyStore.recipientPublicKey(at: resolve(recipient.value, root: root))
                if seen.insert(key).inserted { recipients.append(key) }
            } catch {
                diagnostics.error("cannot use recipient: \(error.description)", at: recipient.location)
                failed = true
            }
        }
        guard !failed, !recipients.isEmpty else { return nil }
        guard recipients.count <= BundleHeader.maximumRecipients else {
            diagnostics.error(
                "target '\(target.name)' has \(recipients.count) recipients; a bundle holds at most \(BundleHeader.maximumRecipients)",
                at: target.location
            )
            return nil
        }
        return recipients
    }

    /// The target's content, or nil (with an error) when the runtime would refuse its bundle,
    /// e.g. because a flag is too expensive to evaluate.
    package static func checkedContent(
        of project: FlagProject,
        target: TargetDefinition,
        diagnostics: DiagnosticCollector
    ) -> BundleContent? {
        let content = content(of: project, target: target)
        do {
            _ = try FlagTables(decoding: PayloadCodec.encode(content))
            return content
        } catch {
            diagnostics.error("target '\(target.name)' cannot be built: \(error.reason)", at: target.location)
            return nil
        }
    }

    /// Builds every target (or one): bundle, generated Swift and manifest per target. Everything is
    /// computed first, for every target; only then are the `out/<target>/` folders replaced, each in
    /// one atomic step under an exclusive lock (see `OutputStaging`), so a failure replaces nothing.
    public static func build(
        _ project: FlagProject,
        options: BuildOptions,
        diagnostics: DiagnosticCollector
    ) throws(KeyStore.Failure) -> [TargetOutput] {
        var targets = project.targets
        if let name = options.target {
            guard let target = project.target(name) else {
                let suggestion = Suggestion.closest(to: name, among: project.targets.map(\.name))
                throw KeyStore.Failure(
                    "no target '\(name)' in targets/" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
                )
            }
            targets = [target]
        }
        guard !targets.isEmpty else { throw KeyStore.Failure("no targets: add a file to targets/") }
        let keyring = try options.keyStore.loadKeyring()
        let (seed, signingKey) = try options.keyStore.signingKey(in: keyring, at: options.issuedAt)
        let roots = try options.keyStore.trustedRoots()
        guard keyring.isSigned(byAnyOf: roots) else {
            throw KeyStore.Failure(
                "the keyring is not signed by any trusted root (\(roots.map(\.id.description).joined(separator: ", ")))"
            )
        }
        if keyring.expiresAt < max(options.issuedAt, Int64(Date().timeIntervalSince1970)) {
            throw KeyStore.Failure(
                "the keyring expired at \(Timestamp.formatRFC3339(keyring.expiresAt)); run 'flagc keys renew'"
            )
        }

        var history = BuildHistory(options: options, keyring: keyring, signingKey: signingKey, seed: seed)
        var pending: [(target: String, directory: String, files: [(String, [UInt8])])] = []
        var outputs: [TargetOutput] = []
        for target in targets {
            // Never write a bundle the runtime would refuse (e.g. a flag too expensive to evaluate).
            guard let content = checkedContent(of: project, target: target, diagnostics: diagnostics) else { continue }
            guard
                let recipients = recipientKeys(
                    of: target,
                    root: options.root,
                    keyStore: options.keyStore,
                    diagnostics: diagnostics
                )
            else { continue }
            let expiresAt = options.issuedAt + target.expiresAfter
            if keyring.expiresAt < expiresAt {
                diagnostics.warning(
                    "the keyring expires at \(Timestamp.formatRFC3339(keyring.expiresAt)), before this target's "
                        + "bundle (\(Timestamp.formatRFC3339(expiresAt))); functions refuse the bundle from then on "
                        + "unless you run 'flagc keys renew' and rebuild",
                    at: target.location
                )
            }
            let bundle: [UInt8]
            do {
                bundle = try BundleWriter.write(
                    BundleWriter.Input(
                        content: content,
                        target: target.name,
                        environment: target.environment,
                        bundleVersion: UInt64(options.issuedAt),
                        issuedAt: options.issuedAt,
                        expiresAt: expiresAt,
                        keyring: keyring,
                        signingKey: signingKey,
                        signingSeed: seed,
                        recipients: recipients
                    )
                )
            } catch {
                throw KeyStore.Failure("cannot seal the bundle of target '\(target.name)': \(error)")
            }
            let directory = resolve(options.outputDirectory + "/" + target.name, root: options.root)
            let swift = SwiftGenerator(project: project, target: target, content: content, issuedAt: options.issuedAt)
                .source()
            let manifest = Manifest.make(
                project: project,
                target: target,
                content: content,
                bundle: bundle,
                keyring: keyring,
                signingKey: signingKey.id,
                recipients: recipients.map { KeyID(of: $0) },
                issuedAt: options.issuedAt,
                expiresAt: expiresAt
            )
            // History stage: signed provenance beside the outputs; the audit entry is prepared here.
            let files = try history.stage(
                project: project,
                target: target,
                content: content,
                files: [
                    ("flags.bundle", bundle), ("\(target.swiftTypeName).swift", Array(swift.utf8)),
                    ("manifest.json", Array(manifest.utf8)),
                ],
                outputDirectory: options.outputDirectory,
                diagnostics: diagnostics
            )
            pending.append((target.name, directory, files))
            outputs.append(
                TargetOutput(
                    target: target.name,
                    directory: directory,
                    bundleBytes: bundle.count,
                    flagCount: content.flags.count,
                    files: files.map { directory + "/" + $0.0 }
                )
            )
        }
        if diagnostics.hasErrors { return [] }
        // Everything is computed: only now is anything replaced, each target folder in one step.
        do {
            try OutputStaging.replace(pending, in: resolve(options.outputDirectory, root: options.root))
        } catch {
            throw KeyStore.Failure(error.description)
        }
        // Only once the outputs are switched in: one audit entry per target.
        try history.record()
        return outputs
    }

    static func resolve(_ path: String, root: String) -> String {
        path.hasPrefix("/") || root == "." ? path : (root as NSString).appendingPathComponent(path)
    }
}

extension Builder {
    /// The bundle content of `target`: selection, environment overrides, resolution to indices.
    package static func content(of project: FlagProject, target: TargetDefinition) -> BundleContent {
        var lowering = TargetLowering(project: project, target: target)
        return lowering.lower()
    }
}

extension Builder {
    /// The generated Swift code of `target`, as `flagc build` writes it; needs no keys.
    /// `issuedAt` decides which flags are past their `expires` date (and so deprecated).
    /// nil when the project has no target of that name.
    public static func swiftSource(of project: FlagProject, target name: String, issuedAt: Int64) -> String? {
        guard let target = project.target(name) else { return nil }
        return SwiftGenerator(
            project: project,
            target: target,
            content: content(of: project, target: target),
            issuedAt: issuedAt
        ).source()
    }

    /// The names of the project's targets.
    public static func targetNames(of project: FlagProject) -> [String] { project.targets.map(\.name) }
}
