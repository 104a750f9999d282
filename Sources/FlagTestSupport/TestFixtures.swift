import FlagCompiler
import FlagRuntime

/// In-memory keys, keyrings, projects and bundles for tests: everything a loader or evaluator test
/// needs without touching the disk. Not a product.
package struct TestKeys: Sendable {
    package let rootSeed: SecureBytes
    package let rootPublicKey: [UInt8]
    package let signingSeed: SecureBytes
    package let signingPublicKey: [UInt8]
    package let recipientSecret: SecureBytes
    package let recipientPublicKey: [UInt8]

    /// Fresh random keys.
    package init() {
        let root = try! Sodium.makeSigningKeyPair()
        let signing = try! Sodium.makeSigningKeyPair()
        let recipient = try! Sodium.makeRecipientKeyPair()
        rootSeed = root.seed
        rootPublicKey = root.publicKey
        signingSeed = signing.seed
        signingPublicKey = signing.publicKey
        recipientSecret = recipient.secretKey
        recipientPublicKey = recipient.publicKey
    }

    package var root: RootPublicKey { RootPublicKey(bytes: rootPublicKey) }
    package var recipient: RecipientKey { try! RecipientKey(secret: recipientSecret) }
    package var signingKeyID: KeyID { KeyID(of: signingPublicKey) }

    /// A keyring listing this signing key (valid `notBefore...notAfter`), signed by `signers`
    /// (default: this root).
    package func keyring(
        version: UInt32 = 1,
        issuedAt: Int64 = TestClock.start,
        expiresAt: Int64 = TestClock.start + 90 * 86_400,
        notBefore: Int64 = TestClock.start - 86_400,
        notAfter: Int64 = TestClock.start + 365 * 86_400,
        revoked: [KeyID] = [],
        extraKeys: [Keyring.SigningKey] = [],
        signers: [SecureBytes]? = nil
    ) -> Keyring {
        var keyring = Keyring(
            version: version,
            issuedAt: issuedAt,
            expiresAt: expiresAt,
            signingKeys: [Keyring.SigningKey(publicKey: signingPublicKey, notBefore: notBefore, notAfter: notAfter)]
                + extraKeys,
            revokedKeyIDs: revoked
        )
        let body = keyring.body
        keyring.signatures = (signers ?? [rootSeed]).map { seed in
            Keyring.Signature(
                rootID: KeyID(of: try! Sodium.signingPublicKey(seed: seed)),
                bytes: try! Sodium.sign(body, seed: seed)
            )
        }
        return keyring
    }

    /// Load options trusting this root, decrypting with this recipient, at `now`.
    package func options(now: Int64 = TestClock.start, target: String? = nil) -> LoadOptions {
        LoadOptions(trustedRoots: [root], recipientKey: recipient, expectedTarget: target, now: now)
    }

    /// A sealed, signed bundle of `content`.
    package func bundle(
        _ content: BundleContent,
        target: String = "test",
        environment: String = "test",
        bundleVersion: UInt64? = nil,
        issuedAt: Int64 = TestClock.start,
        expiresAt: Int64? = nil,
        keyring: Keyring? = nil,
        extraRecipients: [[UInt8]] = []
    ) -> [UInt8] {
        let keyring = keyring ?? self.keyring()
        let signingKey =
            keyring.signingKey(signingKeyID)
            ?? Keyring.SigningKey(publicKey: signingPublicKey, notBefore: 0, notAfter: .max)
        return try! BundleWriter.write(
            BundleWriter.Input(
                content: content,
                target: target,
                environment: environment,
                bundleVersion: bundleVersion ?? UInt64(issuedAt),
                issuedAt: issuedAt,
                expiresAt: expiresAt ?? issuedAt + 30 * 86_400,
                keyring: keyring,
                signingKey: signingKey,
                signingSeed: signingSeed,
                recipients: [recipientPublicKey] + extraRecipients
            )
        )
    }
}

/// A fixed clock for tests: 2026-11-26T00:00:00Z.
package enum TestClock {
    package static let start: Int64 = 1_795_651_200
}

/// Compiles YAML flag definitions in memory.
package enum TestProject {
    /// The project of one flags file (and optionally a target file), with its diagnostics.
    package static func load(
        _ flags: String,
        target: String = "recipients: [keys/test.recipient.pub]\n",
        targetName: String = "test"
    ) -> (FlagProject, [Diagnostic]) {
        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(
            flagFiles: [("flags/test.yaml", Array(flags.utf8))],
            targetFiles: [("targets/\(targetName).yaml", Array(target.utf8))],
            diagnostics: diagnostics
        )
        return (project, diagnostics.sorted)
    }

    /// The errors (and warnings) `flagc check` reports for `flags`, as rendered lines.
    package static func diagnostics(_ flags: String) -> [String] {
        load(flags).1.map(\.description)
    }

    /// Compiles `flags` for a target (environment `environment`); fails the test run on errors.
    package static func content(
        _ flags: String,
        environment: String = "test",
        target: String? = nil
    ) throws -> BundleContent {
        let (project, diagnostics) = load(
            flags,
            target: target ?? "environment: \(environment)\nrecipients: [keys/test.recipient.pub]\n"
        )
        let errors = diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { throw DiagnosticList(errors) }
        return Builder.content(of: project, target: project.targets[0])
    }

    /// A loaded bundle of `flags`, sealed and verified with fresh keys.
    package static func bundle(_ flags: String, environment: String = "test", now: Double? = nil) throws -> FlagBundle {
        let keys = TestKeys()
        let content = try content(flags, environment: environment)
        var options = keys.options()
        if let now { options.evaluationClock = { now } }
        return try FlagBundle.load(bytes: keys.bundle(content, environment: environment), options: options)
    }
}
