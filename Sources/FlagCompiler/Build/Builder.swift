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
    /// The policies and approvals every target must pass (see docs/policies.md); nil: none.
    public var policies: PolicyGate?
    /// Whether a warning (a policy of severity warning, say) fails the build as an error does.
    public var failOnWarnings = false
    /// Folders (or files) of code searched for flag references, recorded per flag in the manifest.
    public var sources: [String] = []

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
    ) throws(BuildError) -> Int64 {
        guard let text = environment["SOURCE_DATE_EPOCH"] else { return now }
        // Up to the end of year 9999, so adding a bundle's lifetime can never overflow.
        guard let value = Int64(text), value >= 0, value <= 253_402_300_799 else {
            throw .invalidSourceDateEpoch(text)
        }
        guard value <= now + maximumFutureSkew else { throw .futureSourceDateEpoch(value: value, now: now) }
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
    /// Reads and validates the project, then lowers, gates (with `policies`, at time `now`) and encodes
    /// every target (stages 1–4); problems go to `diagnostics`. With `recipients`, also runs the target
    /// checks `build` runs that need no secret (`recipientKeys`).
    public static func check(
        root: String,
        recipients: Bool = true,
        policies: PolicyGate? = nil,
        now: Int64 = Int64(Date().timeIntervalSince1970),
        diagnostics: DiagnosticCollector
    ) -> FlagProject {
        var project = Pipeline.load(root: root, diagnostics: diagnostics)
        Pipeline.validate(project, diagnostics: diagnostics)
        if let policies {
            project.sources.merge(policies.sources) { first, _ in first }
            policies.checkWaivers(of: project, diagnostics: diagnostics)
        }
        if !diagnostics.hasErrors {
            // Debt in the definitions: warnings (see FlagLint), before the checks that need keys.
            FlagLint(project: project, diagnostics: diagnostics).run()
            let keyStore = KeyStore(directory: resolve("keys", root: root))
            for target in project.targets {
                let content = Pipeline.specialize(
                    Pipeline.lower(project, target: target),
                    for: target,
                    diagnostics: diagnostics
                )
                if let policies {
                    Pipeline.gate(
                        content,
                        of: target,
                        in: project,
                        policies: policies,
                        now: now,
                        diagnostics: diagnostics
                    )
                }
                _ = Pipeline.encode(content, of: target, diagnostics: diagnostics)
                if recipients {
                    _ = recipientKeys(of: target, root: root, keyStore: keyStore, diagnostics: diagnostics)
                }
            }
        }
        return project
    }

    /// `flagc generate`: the Swift code of one target (stages 1–3 and 6; no keys, and no other
    /// target is lowered). nil when the definitions have errors (in `diagnostics`).
    public static func generate(
        root: String,
        target name: String,
        environment: [String: String],
        diagnostics: DiagnosticCollector
    ) throws(BuildError) -> (project: FlagProject, source: String?) {
        let project = Pipeline.load(root: root, diagnostics: diagnostics)
        Pipeline.validate(project, diagnostics: diagnostics)
        if diagnostics.hasErrors { return (project, nil) }
        let issuedAt = try BuildOptions.issueTime(environment: environment)
        let target = try target(name, in: project)
        let content = Pipeline.specialize(
            Pipeline.lower(project, target: target),
            for: target,
            diagnostics: diagnostics
        )
        return (project, Pipeline.generate(project, target: target, content: content, issuedAt: issuedAt))
    }

    /// The target named `name`, or the error naming the closest one.
    static func target(_ name: String, in project: FlagProject) throws(BuildError) -> TargetDefinition {
        guard let target = project.target(name) else {
            throw .unknownTarget(name, suggestion: Suggestion.closest(to: name, among: project.targets.map(\.name)))
        }
        return target
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
                diagnostics.append(BuildMessages.unusableRecipient(at: recipient.location, reason: error.description))
                failed = true
            }
        }
        guard !failed, !recipients.isEmpty else { return nil }
        guard recipients.count <= BundleHeader.maximumRecipients else {
            diagnostics.append(BuildMessages.tooManyRecipients(target, count: recipients.count))
            return nil
        }
        return recipients
    }

    /// The target's content, or nil (with an error) when the runtime would refuse its bundle:
    /// the lower and encode stages.
    package static func checkedContent(
        of project: FlagProject,
        target: TargetDefinition,
        diagnostics: DiagnosticCollector
    ) -> BundleContent? {
        let content = Pipeline.specialize(
            Pipeline.lower(project, target: target),
            for: target,
            diagnostics: diagnostics
        )
        return Pipeline.encode(content, of: target, diagnostics: diagnostics) == nil ? nil : content
    }

    /// Builds every target (or one): bundle, generated Swift and manifest per target. Everything is
    /// computed first, for every target; only then are the `out/<target>/` folders replaced, each in
    /// one atomic step under an exclusive lock (see `OutputStaging`), so a failure replaces nothing.
    public static func build(
        _ project: FlagProject,
        options: BuildOptions,
        diagnostics: DiagnosticCollector
    ) throws(BuildError) -> [TargetOutput] {
        let targets =
            try options.target.map { name throws(BuildError) in [try target(name, in: project)] } ?? project.targets
        guard !targets.isEmpty else { throw .noTargets }
        let keyring: Keyring
        let seed: SecureBytes
        let signingKey: Keyring.SigningKey
        let roots: [RootPublicKey]
        do {
            keyring = try options.keyStore.loadKeyring()
            (seed, signingKey) = try options.keyStore.signingKey(in: keyring, at: options.issuedAt)
            roots = try options.keyStore.trustedRoots()
        } catch {
            throw .keys(error)
        }
        guard keyring.isSigned(byAnyOf: roots) else { throw .untrustedKeyring(roots: roots.map(\.id)) }
        if keyring.expiresAt < max(options.issuedAt, Int64(Date().timeIntervalSince1970)) {
            throw .keyringExpired(at: keyring.expiresAt)
        }

        options.policies?.checkWaivers(of: project, diagnostics: diagnostics)
        // Code references, found once for every target's manifest.
        var references: [String: FlagReferences]?
        if !options.sources.isEmpty {
            do {
                references = try CodeReferences.find(
                    in: project,
                    sources: options.sources,
                    maximumLocations: Manifest.maximumReferences
                )
            } catch {
                throw BuildError.sources(error.description)
            }
        }

        var history = BuildHistory(options: options, keyring: keyring, signingKey: signingKey, seed: seed)
        var pending: [(target: String, directory: String, files: [(String, [UInt8])])] = []
        var outputs: [TargetOutput] = []
        for target in targets {
            let content = Pipeline.specialize(
                Pipeline.lower(project, target: target),
                for: target,
                diagnostics: diagnostics
            )
            // Never write a bundle the runtime would refuse (e.g. a flag too expensive to evaluate).
            guard let payload = Pipeline.encode(content, of: target, diagnostics: diagnostics) else { continue }
            // Policies gate the build: a violation of severity error (or any, with `failOnWarnings`) writes nothing.
            let approvals =
                options.policies.map {
                    Pipeline.gate(
                        content,
                        of: target,
                        in: project,
                        policies: $0,
                        now: options.issuedAt,
                        diagnostics: diagnostics
                    )
                } ?? [:]
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
                diagnostics.append(
                    BuildMessages.keyringExpiresFirst(target, keyring: keyring.expiresAt, bundle: expiresAt)
                )
            }
            let bundle = try Pipeline.seal(
                BundleWriter.Input(
                    payload: payload,
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
            let directory = resolve(options.outputDirectory + "/" + target.name, root: options.root)
            let swift = Pipeline.generate(project, target: target, content: content, issuedAt: options.issuedAt)
            let manifest = Manifest.make(
                project: project,
                target: target,
                content: content,
                bundle: bundle,
                keyring: keyring,
                signingKey: signingKey.id,
                recipients: recipients.map { KeyID(of: $0) },
                issuedAt: options.issuedAt,
                expiresAt: expiresAt,
                approvals: approvals,
                references: references
            )
            var files = [
                ("flags.bundle", bundle), ("\(target.swiftTypeName).swift", Array(swift.utf8)),
                ("manifest.json", Array(manifest.utf8)),
            ]
            files.append(try Pipeline.provenance(of: target, files: files, history: history))
            try Pipeline.prepareAuditEntry(
                project,
                target: target,
                content: content,
                bundle: bundle,
                outputDirectory: options.outputDirectory,
                history: &history,
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
        if diagnostics.hasErrors
            || (options.failOnWarnings && diagnostics.diagnostics.contains { $0.severity == .warning })
        {
            return []
        }
        // Everything is computed: only now is anything replaced, each target folder in one step.
        do {
            try OutputStaging.replace(pending, in: resolve(options.outputDirectory, root: options.root))
        } catch {
            throw .output(error.description)
        }
        // Only once the outputs are switched in: one audit entry per target.
        try Pipeline.recordAudit(history)
        return outputs
    }

    static func resolve(_ path: String, root: String) -> String {
        path.hasPrefix("/") || root == "." ? path : (root as NSString).appendingPathComponent(path)
    }
}

extension Builder {
    /// The bundle content of `target`: selection, environment overrides, resolution to indices.
    package static func content(of project: FlagProject, target: TargetDefinition) -> BundleContent {
        Pipeline.specialize(Pipeline.lower(project, target: target), for: target, diagnostics: DiagnosticCollector())
    }
}

extension Builder {
    /// The generated Swift code of `target`, as `flagc build` writes it; needs no keys.
    /// `issuedAt` decides which flags are past their `expires` date (and so deprecated).
    /// nil when the project has no target of that name.
    public static func swiftSource(of project: FlagProject, target name: String, issuedAt: Int64) -> String? {
        guard let target = project.target(name) else { return nil }
        return Pipeline.generate(
            project,
            target: target,
            content: content(of: project, target: target),
            issuedAt: issuedAt
        )
    }

    /// The names of the project's targets.
    public static func targetNames(of project: FlagProject) -> [String] { project.targets.map(\.name) }
}
