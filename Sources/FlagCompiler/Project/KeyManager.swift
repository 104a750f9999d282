import FlagRuntime
import Foundation

/// The operator's key lifecycle: create the root and first signing key, rotate and revoke signing
/// keys, add and remove recipients, rotate the root. Every keyring change raises its version by
/// exactly one, renews its expiry and is signed by the root (and, during a root rotation, the
/// previous root too). Every write is atomic; secret files are 0600.
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
        guard !fileManager.fileExists(atPath: store.rootSecretPath), !fileManager.fileExists(atPath: store.keyringPath)
        else { throw KeyStore.Failure("\(store.directory)/ already has a root key or keyring; nothing was changed") }
        try makeDirectory()
        let root = try generate { () throws(Sodium.Failure) in try Sodium.makeSigningKeyPair() }
        let signing = try generate { () throws(Sodium.Failure) in try Sodium.makeSigningKeyPair() }
        let entry = Keyring.SigningKey(
            publicKey: signing.publicKey,
            notBefore: now,
            notAfter: now + policy.signingKeyLifetime
        )
        try writeSecret(.signingSecret, signing.seed, to: store.signingSecretPath(entry.id))
        try writeSecret(.rootSecret, root.seed, to: store.rootSecretPath)
        try write(KeyText.encode(.rootPublic, root.publicKey) + "\n", to: store.rootPublicPath)
        let keyring = Keyring(
            version: 1,
            issuedAt: now,
            expiresAt: now + policy.keyringLifetime,
            signingKeys: [entry],
            revokedKeyIDs: []
        )
        try sign(keyring, roots: [root.seed])
        return entry.id
    }

    /// Adds a new signing key; every other unrevoked key may go on signing for `grace` seconds.
    @discardableResult
    public func rotate(grace: Int64 = 7 * 86_400) throws(KeyStore.Failure) -> KeyID {
        var keyring = try store.loadKeyring()
        let roots = try rootSeeds()  // before writing anything, so a refused root leaves keys/ as it was
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
        try writeSecret(.signingSecret, signing.seed, to: store.signingSecretPath(entry.id))
        try resign(keyring, roots: roots)
        return entry.id
    }

    /// Puts signing key `id` on the revocation list: bundles it signed stop loading as soon as
    /// functions see a keyring of this version or newer (raise the minimum keyring version).
    public func revoke(_ id: KeyID) throws(KeyStore.Failure) {
        var keyring = try store.loadKeyring()
        guard keyring.signingKey(id) != nil else { throw KeyStore.Failure("no signing key \(id) in the keyring") }
        guard !keyring.isRevoked(id) else { throw KeyStore.Failure("signing key \(id) is already revoked") }
        keyring.revokedKeyIDs.append(id)
        try resign(keyring)
    }

    /// Re-signs the keyring with a renewed expiry and version + 1 (e.g. before it expires).
    public func renew() throws(KeyStore.Failure) {
        try resign(try store.loadKeyring())
    }

    /// Makes a new root. The next keyring is signed by both the old and the new root, so functions
    /// pinning either keep loading bundles while the new pin is rolled out; the old root is kept as
    /// `root-previous.*` and co-signs until `retirePreviousRoot()`.
    @discardableResult
    public func rotateRoot() throws(KeyStore.Failure) -> KeyID {
        guard !fileManager.fileExists(atPath: store.previousRootSecretPath) else {
            throw KeyStore.Failure(
                "a root rotation is already under way: run 'flagc keys retire-root' once every function pins the new root"
            )
        }
        let keyring = try store.loadKeyring()
        let oldRoot = try store.secret(.rootSecret, file: store.rootSecretPath, variable: nil)
        let newRoot = try generate { () throws(Sodium.Failure) in try Sodium.makeSigningKeyPair() }
        let oldPublic = try store.readText(store.rootPublicPath)
        try writeSecret(.rootSecret, oldRoot, to: store.previousRootSecretPath)
        try write(oldPublic, to: store.previousRootPublicPath)
        try writeSecret(.rootSecret, newRoot.seed, to: store.rootSecretPath)
        try write(KeyText.encode(.rootPublic, newRoot.publicKey) + "\n", to: store.rootPublicPath)
        try resign(keyring)
        return KeyID(of: newRoot.publicKey)
    }

    /// Stops co-signing with the previous root and deletes its files.
    public func retirePreviousRoot() throws(KeyStore.Failure) {
        guard fileManager.fileExists(atPath: store.previousRootSecretPath) else {
            throw KeyStore.Failure("there is no previous root to retire")
        }
        // Re-sign with the current root alone first; only then delete the previous root, so a
        // failure leaves a state the command can be run again from.
        let root = try store.secret(.rootSecret, file: store.rootSecretPath, variable: nil)
        try resign(try store.loadKeyring(), roots: [root])
        for path in [store.previousRootSecretPath, store.previousRootPublicPath]
        where fileManager.fileExists(atPath: path) {
            do {
                try fileManager.removeItem(atPath: path)
            } catch {
                throw KeyStore.Failure("cannot delete \(path): \(error.localizedDescription)")
            }
        }
    }

    /// Creates an X25519 recipient key pair `NAME.recipient.pub` / `NAME.recipient.key`.
    @discardableResult
    public func addRecipient(_ name: String) throws(KeyStore.Failure) -> KeyID {
        guard DefinitionReader.isValidName(name) else {
            throw KeyStore.Failure("invalid recipient name '\(name)': use letters, digits, '_', '.' or '-'")
        }
        guard !fileManager.fileExists(atPath: store.recipientPublicPath(name)) else {
            throw KeyStore.Failure("recipient '\(name)' already exists")
        }
        try makeDirectory()
        let pair = try generate { () throws(Sodium.Failure) in try Sodium.makeRecipientKeyPair() }
        try writeSecret(.recipientSecret, pair.secretKey, to: store.recipientSecretPath(name))
        try write(KeyText.encode(.recipientPublic, pair.publicKey) + "\n", to: store.recipientPublicPath(name))
        return KeyID(of: pair.publicKey)
    }

    /// Deletes recipient `name`; bundles built afterwards are no longer sealed to it (remove it from
    /// the targets' `recipients` too).
    public func removeRecipient(_ name: String) throws(KeyStore.Failure) {
        guard fileManager.fileExists(atPath: store.recipientPublicPath(name)) else {
            throw KeyStore.Failure("no recipient '\(name)'")
        }
        for path in [store.recipientPublicPath(name), store.recipientSecretPath(name)]
        where fileManager.fileExists(atPath: path) {
            do {
                try fileManager.removeItem(atPath: path)
            } catch {
                throw KeyStore.Failure("cannot delete \(path): \(error.localizedDescription)")
            }
        }
    }

    // MARK: Helpers

    /// The root secrets that sign keyrings: the root, and the previous root during a root rotation.
    private func rootSeeds() throws(KeyStore.Failure) -> [SecureBytes] {
        var roots = [try store.secret(.rootSecret, file: store.rootSecretPath, variable: nil)]
        if fileManager.fileExists(atPath: store.previousRootSecretPath) {
            roots.append(try store.secret(.rootSecret, file: store.previousRootSecretPath, variable: nil))
        }
        return roots
    }

    private func resign(_ keyring: Keyring, roots: [SecureBytes]? = nil) throws(KeyStore.Failure) {
        var next = keyring
        next.version = keyring.version &+ 1
        next.issuedAt = now
        next.expiresAt = now + policy.keyringLifetime
        let signers: [SecureBytes]
        if let roots { signers = roots } else { signers = try rootSeeds() }
        try sign(next, roots: signers)
    }

    private func sign(_ keyring: Keyring, roots: [SecureBytes]) throws(KeyStore.Failure) {
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
        try write(signed.encoded, to: store.keyringPath)
    }

    private func generate<Pair>(_ body: () throws(Sodium.Failure) -> Pair) throws(KeyStore.Failure) -> Pair {
        do {
            return try body()
        } catch {
            throw KeyStore.Failure("key generation failed: \(error)")
        }
    }

    private func writeSecret(_ kind: KeyKind, _ secret: SecureBytes, to path: String) throws(KeyStore.Failure) {
        do {
            try SecureFile.writeSecret(secret.withUnsafeBytes { KeyText.encode(kind, $0) } + "\n", to: path)
        } catch {
            throw KeyStore.Failure(error.description)
        }
    }

    private func write(_ text: String, to path: String) throws(KeyStore.Failure) {
        try write(Array(text.utf8), to: path)
    }

    private func write(_ bytes: [UInt8], to path: String) throws(KeyStore.Failure) {
        do {
            try SecureFile.writeAtomically(bytes, to: path)
        } catch {
            throw KeyStore.Failure(error.description)
        }
    }

    private func makeDirectory() throws(KeyStore.Failure) {
        do {
            try fileManager.createDirectory(atPath: store.directory, withIntermediateDirectories: true)
        } catch {
            throw KeyStore.Failure("cannot create \(store.directory)/: \(error.localizedDescription)")
        }
    }
}
