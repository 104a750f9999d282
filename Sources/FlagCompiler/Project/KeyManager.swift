import FlagRuntime
import Foundation

/// The operator's key lifecycle: create the root and first signing key, rotate and revoke signing
/// keys, add and remove recipients, rotate the root. Every keyring change raises its version by
/// exactly one, renews its expiry and is signed by the root (and, during a root rotation, the
/// previous root too).
///
/// Every command holds the keys lock, first completes or undoes an operation a crash interrupted
/// (`KeyJournal`), and verifies the keyring it reads against the root secrets in use and the last
/// keyring this machine signed (`KeyringVerifier`) before it writes anything. Each change is one
/// journaled operation; secret files are 0600 and the keys folder is created 0700.
public struct KeyManager {
    public struct Policy: Sendable {
        /// How long a keyring is valid after it is signed.
        public var keyringLifetime: Int64 = 90 * 86_400
        /// How long a new signing key may sign.
        public var signingKeyLifetime: Int64 = 365 * 86_400
        public init() {}
    }

    public let store: KeyStore
    public var policy = Policy()
    /// The clock, Unix seconds.
    public var now: Int64

    public init(store: KeyStore, now: Int64 = Int64(Date().timeIntervalSince1970)) {
        self.store = store
        self.now = now
    }

    private var fileManager: FileManager { .default }

    /// Creates the root key, a first signing key and keyring version 1.
    /// Returns the new signing key's id.
    @discardableResult
    public func initialize() throws(KeyStore.Failure) -> KeyID {
        try makeDirectory()
        return try locked { () throws(KeyStore.Failure) in
            guard !fileManager.fileExists(atPath: store.rootSecretPath),
                !fileManager.fileExists(atPath: store.keyringPath)
            else {
                throw KeyStore.Failure("\(store.directory)/ already has a root key or keyring; nothing was changed")
            }
            let root = try generate { () throws(Sodium.Failure) in try Sodium.makeSigningKeyPair() }
            let signing = try generate { () throws(Sodium.Failure) in try Sodium.makeSigningKeyPair() }
            let entry = Keyring.SigningKey(
                publicKey: signing.publicKey,
                notBefore: now,
                notAfter: now + policy.signingKeyLifetime
            )
            var journal = KeyJournal(directory: store.directory)
            try stageSecret(.signingSecret, signing.seed, as: "signing-\(entry.id).key", in: &journal)
            try stageSecret(.rootSecret, root.seed, as: "root.key", in: &journal)
            try journal.stage(
                Array((KeyText.encode(.rootPublic, root.publicKey) + "\n").utf8),
                as: "root.pub",
                mode: 0o644
            )
            let keyring = Keyring(
                version: 1,
                issuedAt: now,
                expiresAt: now + policy.keyringLifetime,
                signingKeys: [entry],
                revokedKeyIDs: []
            )
            try stageSigned(keyring, roots: [root.seed], in: &journal)
            try journal.commit()
            return entry.id
        }
    }

    /// Adds a new signing key; every other unrevoked key may go on signing for `grace` seconds.
    @discardableResult
    public func rotate(grace: Int64 = 7 * 86_400) throws(KeyStore.Failure) -> KeyID {
        try locked { () throws(KeyStore.Failure) in
            // Roots and keyring are read and checked before anything is written, so a refused root or
            // keyring leaves keys/ as it was.
            let roots = try rootSecrets()
            var keyring = try verifiedKeyring(signedBy: roots)
            let signing = try generate { () throws(Sodium.Failure) in try Sodium.makeSigningKeyPair() }
            let entry = Keyring.SigningKey(
                publicKey: signing.publicKey,
                notBefore: now,
                notAfter: now + policy.signingKeyLifetime
            )
            for index in keyring.signingKeys.indices where keyring.signingKeys[index].notAfter > now + grace {
                keyring.signingKeys[index].notAfter = max(keyring.signingKeys[index].notBefore, now + grace)
            }
            keyring.signingKeys.append(entry)
            // Keys long past their window add nothing but size; a key no longer listed cannot sign at
            // all, so its revocation entry goes too.
            keyring.signingKeys.removeAll { $0.notAfter < now - policy.keyringLifetime }
            keyring.revokedKeyIDs.removeAll { id in !keyring.signingKeys.contains { $0.id == id } }
            guard keyring.signingKeys.count <= Keyring.maximumSigningKeys else {
                throw KeyStore.Failure(
                    "the keyring would list more than \(Keyring.maximumSigningKeys) signing keys; wait until older keys pass their window (they are pruned a keyring lifetime after it)"
                )
            }
            var journal = KeyJournal(directory: store.directory)
            try stageSecret(.signingSecret, signing.seed, as: "signing-\(entry.id).key", in: &journal)
            try stageRenewed(keyring, roots: roots.map(\.seed), in: &journal)
            try journal.commit()
            return entry.id
        }
    }

    /// Puts signing key `id` on the revocation list: bundles it signed stop loading as soon as
    /// functions see a keyring of this version or newer (raise the minimum keyring version).
    public func revoke(_ id: KeyID) throws(KeyStore.Failure) {
        try locked { () throws(KeyStore.Failure) in
            let roots = try rootSecrets()
            var keyring = try verifiedKeyring(signedBy: roots)
            guard keyring.signingKey(id) != nil else { throw KeyStore.Failure("no signing key \(id) in the keyring") }
            guard !keyring.isRevoked(id) else { throw KeyStore.Failure("signing key \(id) is already revoked") }
            keyring.revokedKeyIDs.append(id)
            var journal = KeyJournal(directory: store.directory)
            try stageRenewed(keyring, roots: roots.map(\.seed), in: &journal)
            try journal.commit()
        }
    }

    /// Re-signs the keyring with a renewed expiry and version + 1 (e.g. before it expires).
    public func renew() throws(KeyStore.Failure) {
        try locked { () throws(KeyStore.Failure) in
            let roots = try rootSecrets()
            let keyring = try verifiedKeyring(signedBy: roots)
            var journal = KeyJournal(directory: store.directory)
            try stageRenewed(keyring, roots: roots.map(\.seed), in: &journal)
            try journal.commit()
        }
    }

    /// Makes a new root. The next keyring is signed by both the old and the new root, so functions
    /// pinning either keep loading bundles while the new pin is rolled out; the old root is kept as
    /// `root-previous.*` and co-signs until `retirePreviousRoot()`. All six files change in one
    /// journaled operation.
    @discardableResult
    public func rotateRoot() throws(KeyStore.Failure) -> KeyID {
        try locked { () throws(KeyStore.Failure) in
            guard !fileManager.fileExists(atPath: store.previousRootSecretPath) else {
                throw KeyStore.Failure(
                    "a root rotation is already under way: run 'flagc keys retire-root' once every function pins the new root"
                )
            }
            let roots = try rootSecrets()
            let keyring = try verifiedKeyring(signedBy: roots)
            let oldRoot = roots[0]
            let newRoot = try generate { () throws(Sodium.Failure) in try Sodium.makeSigningKeyPair() }
            var journal = KeyJournal(directory: store.directory)
            try stageSecret(.rootSecret, oldRoot.seed, as: "root-previous.key", in: &journal)
            try journal.stage(Array((oldRoot.publicKey.text + "\n").utf8), as: "root-previous.pub", mode: 0o644)
            try stageSecret(.rootSecret, newRoot.seed, as: "root.key", in: &journal)
            try journal.stage(
                Array((KeyText.encode(.rootPublic, newRoot.publicKey) + "\n").utf8),
                as: "root.pub",
                mode: 0o644
            )
            try stageRenewed(keyring, roots: [newRoot.seed, oldRoot.seed], in: &journal)
            try journal.commit()
            return KeyID(of: newRoot.publicKey)
        }
    }

    /// Stops co-signing with the previous root: the keyring is re-signed by the current root alone
    /// and `root-previous.*` are deleted, in one journaled operation.
    public func retirePreviousRoot() throws(KeyStore.Failure) {
        try locked { () throws(KeyStore.Failure) in
            guard fileManager.fileExists(atPath: store.previousRootSecretPath) else {
                throw KeyStore.Failure("there is no previous root to retire")
            }
            let roots = try rootSecrets()
            let keyring = try verifiedKeyring(signedBy: roots)
            var journal = KeyJournal(directory: store.directory)
            try stageRenewed(keyring, roots: [roots[0].seed], in: &journal)
            journal.delete("root-previous.key")
            journal.delete("root-previous.pub")
            try journal.commit()
        }
    }

    /// Creates an X25519 recipient key pair `NAME.recipient.pub` / `NAME.recipient.key`.
    @discardableResult
    public func addRecipient(_ name: String) throws(KeyStore.Failure) -> KeyID {
        guard DefinitionReader.isValidName(name) else {
            throw KeyStore.Failure("invalid recipient name '\(name)': use letters, digits, '_', '.' or '-'")
        }
        try makeDirectory()
        return try locked { () throws(KeyStore.Failure) in
            guard !fileManager.fileExists(atPath: store.recipientPublicPath(name)) else {
                throw KeyStore.Failure("recipient '\(name)' already exists")
            }
            let pair = try generate { () throws(Sodium.Failure) in try Sodium.makeRecipientKeyPair() }
            var journal = KeyJournal(directory: store.directory)
            try stageSecret(.recipientSecret, pair.secretKey, as: "\(name).recipient.key", in: &journal)
            try journal.stage(
                Array((KeyText.encode(.recipientPublic, pair.publicKey) + "\n").utf8),
                as: "\(name).recipient.pub",
                mode: 0o644
            )
            try journal.commit()
            return KeyID(of: pair.publicKey)
        }
    }

    /// Deletes recipient `name`; bundles built afterwards are no longer sealed to it (remove it from
    /// the targets' `recipients` too).
    public func removeRecipient(_ name: String) throws(KeyStore.Failure) {
        guard DefinitionReader.isValidName(name), fileManager.fileExists(atPath: store.recipientPublicPath(name)) else {
            throw KeyStore.Failure("no recipient '\(name)'")
        }
        try locked { () throws(KeyStore.Failure) in
            guard fileManager.fileExists(atPath: store.recipientPublicPath(name)) else {
                throw KeyStore.Failure("no recipient '\(name)'")
            }
            var journal = KeyJournal(directory: store.directory)
            journal.delete("\(name).recipient.pub")
            journal.delete("\(name).recipient.key")
            try journal.commit()
        }
    }

    /// The keyring after the checks every keys command runs (see `KeyringVerifier`), with the roots
    /// whose signatures verified. The roots are those pinned (`FLAGC_ROOT_PUBLIC_KEY`, else
    /// `root.pub` and `root-previous.pub`); where a root secret is present it is the truth: the
    /// keyring must be signed by it and the `.pub` next to it must match it. For `keys list`.
    public func verifiedKeyring() throws(KeyStore.Failure) -> (keyring: Keyring, verifiedRoots: [RootPublicKey]) {
        try KeyJournal.recover(in: store.directory)
        let secrets = try presentRootSecrets()
        let pinned = try store.trustedRoots()
        var verified: [RootPublicKey] = []
        let keyring = try verifiedKeyring(signedBy: secrets) { keyring throws(KeyStore.Failure) in
            var roots = pinned
            for root in secrets.map(\.publicKey) where !roots.contains(root) { roots.append(root) }
            verified = roots.filter { keyring.isSigned(byAnyOf: [$0]) }
            guard !verified.isEmpty else {
                throw KeyringVerifier.failure(
                    "keyring-signature",
                    store.keyringPath,
                    "it has no valid signature by a pinned root (\(pinned.map(\.id.description).joined(separator: ", ")))"
                )
            }
        }
        return (keyring, verified)
    }

    /// Completes or undoes a key operation a crash interrupted; run before builds.
    @discardableResult
    public func recover() throws(KeyStore.Failure) -> Bool {
        try KeyJournal.recover(in: store.directory) != .clean
    }

    // MARK: Helpers

    /// A root secret in use, with its public key and the files it came from.
    private struct RootSecret {
        let seed: SecureBytes
        let publicKey: RootPublicKey
        let file: String

        var verifierRoot: KeyringVerifier.Root { KeyringVerifier.Root(file: file, publicKey: publicKey) }
    }

    /// Runs `body` holding the keys lock, after recovering from an interrupted operation.
    private func locked<Result>(_ body: () throws(KeyStore.Failure) -> Result) throws(KeyStore.Failure) -> Result {
        guard fileManager.fileExists(atPath: store.directory) else {
            throw KeyStore.Failure("no \(store.directory)/ folder: run 'flagc keys init' first")
        }
        return try KeyJournal.withLock(store.directory) { () throws(KeyStore.Failure) in
            _ = try KeyJournal.recoverLocked(in: store.directory)
            return try body()
        }
    }

    /// The root secrets that sign keyrings: `root.key`, and `root-previous.key` during a root
    /// rotation; each `.pub` must hold its public key.
    private func rootSecrets() throws(KeyStore.Failure) -> [RootSecret] {
        guard fileManager.fileExists(atPath: store.rootSecretPath) else {
            throw KeyStore.Failure(
                "cannot read \(store.rootSecretPath): no such file (keyring changes need the root secret key)"
            )
        }
        return try presentRootSecrets()
    }

    /// The root secrets present (none on a machine without the root), checked against their `.pub`.
    private func presentRootSecrets() throws(KeyStore.Failure) -> [RootSecret] {
        var secrets: [RootSecret] = []
        for (file, publicFile) in [
            (store.rootSecretPath, store.rootPublicPath), (store.previousRootSecretPath, store.previousRootPublicPath),
        ] where fileManager.fileExists(atPath: file) {
            let seed = try store.secret(.rootSecret, file: file, variable: nil)
            let publicKey: RootPublicKey
            do {
                publicKey = RootPublicKey(bytes: try Sodium.signingPublicKey(seed: seed))
            } catch {
                throw KeyStore.Failure("\(file): unusable root secret key")
            }
            let text = fileManager.fileExists(atPath: publicFile) ? try store.readText(publicFile) : nil
            try KeyringVerifier.checkPin(text, file: publicFile, matches: publicKey, secretFile: file)
            secrets.append(RootSecret(seed: seed, publicKey: publicKey, file: file))
        }
        return secrets
    }

    /// Reads the keyring and checks it: signed by every root in `roots` (then `moreChecks`), and not
    /// going back on the last keyring this machine signed.
    private func verifiedKeyring(
        signedBy roots: [RootSecret],
        moreChecks: (Keyring) throws(KeyStore.Failure) -> Void = { _ in }
    ) throws(KeyStore.Failure) -> Keyring {
        let bytes = try store.readBytes(store.keyringPath, maximumBytes: Keyring.maximumBytes)
        let keyring: Keyring
        do {
            keyring = try Keyring.decode(bytes)
        } catch {
            throw KeyStore.Failure("malformed keyring \(store.keyringPath): \(error)", isVerificationFailure: true)
        }
        try KeyringVerifier.checkSignatures(keyring, by: roots.map(\.verifierRoot), path: store.keyringPath)
        try moreChecks(keyring)
        if fileManager.fileExists(atPath: store.keyringStatePath) {
            let previousBytes = try store.readBytes(store.keyringStatePath, maximumBytes: Keyring.maximumBytes)
            guard let previous = try? Keyring.decode(previousBytes) else {
                throw KeyStore.Failure(
                    "\(store.keyringStatePath) is malformed; delete it to accept \(store.keyringPath) on its root signature alone"
                )
            }
            try KeyringVerifier.checkHistory(
                keyring,
                bytes: bytes,
                previous: previous,
                previousBytes: previousBytes,
                keyringLifetime: policy.keyringLifetime,
                path: store.keyringPath,
                statePath: store.keyringStatePath
            )
        }
        return keyring
    }

    /// Stages `keyring` with version + 1 and a renewed expiry, signed by `roots`.
    private func stageRenewed(
        _ keyring: Keyring,
        roots: [SecureBytes],
        in journal: inout KeyJournal
    )
        throws(KeyStore.Failure)
    {
        var next = keyring
        next.version = keyring.version &+ 1
        next.issuedAt = now
        next.expiresAt = now + policy.keyringLifetime
        try stageSigned(next, roots: roots, in: &journal)
    }

    /// Stages the keyring signed by `roots`, and the same bytes as this machine's keyring state.
    private func stageSigned(
        _ keyring: Keyring,
        roots: [SecureBytes],
        in journal: inout KeyJournal
    )
        throws(KeyStore.Failure)
    {
        var signed = keyring
        let body = keyring.body
        signed.signatures = []
        for root in roots {
            do {
                let publicKey = try Sodium.signingPublicKey(seed: root)
                signed.signatures.append(
                    Keyring.Signature(rootID: KeyID(of: publicKey), bytes: try Sodium.sign(body, seed: root))
                )
            } catch {
                throw KeyStore.Failure("cannot sign the keyring: \(error)")
            }
        }
        let bytes = signed.encoded
        try journal.stage(bytes, as: "keyring", mode: 0o644)
        try journal.stage(bytes, as: ".flagc-keyring-state", mode: 0o644)
    }

    private func generate<Pair>(_ body: () throws(Sodium.Failure) -> Pair) throws(KeyStore.Failure) -> Pair {
        do {
            return try body()
        } catch {
            throw KeyStore.Failure("key generation failed: \(error)")
        }
    }

    private func stageSecret(
        _ kind: KeyKind,
        _ secret: SecureBytes,
        as name: String,
        in journal: inout KeyJournal
    )
        throws(KeyStore.Failure)
    {
        var bytes = Array((secret.withUnsafeBytes { KeyText.encode(kind, $0) } + "\n").utf8)
        defer { sodiumZero(&bytes) }
        try journal.stage(bytes, as: name, mode: 0o600)
    }

    /// Creates the keys folder 0700 whatever the umask (it holds secrets; the public files in it are
    /// 0644). An existing folder is left as it is.
    private func makeDirectory() throws(KeyStore.Failure) {
        guard !fileManager.fileExists(atPath: store.directory) else { return }
        let parent = (store.directory as NSString).deletingLastPathComponent
        do {
            if !parent.isEmpty { try fileManager.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        } catch {
            throw KeyStore.Failure("cannot create \(parent)/: \(error.localizedDescription)")
        }
        if mkdir(store.directory, 0o700) == 0 {
            // mkdir's mode is masked by the umask; 0700 is never wider than asked, but set it exactly.
            guard chmod(store.directory, 0o700) == 0 else {
                throw KeyStore.Failure("cannot set the mode of \(store.directory)/: \(SecureFile.errnoText())")
            }
        } else if errno != EEXIST {
            throw KeyStore.Failure("cannot create \(store.directory)/: \(SecureFile.errnoText())")
        }
    }
}
