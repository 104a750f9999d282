import FlagRuntime
import Foundation

/// The `keys/` folder: root key, keyring, signing keys and recipients, with the environment
/// variables that override them in CI. Secrets are read into `SecureBytes` and never printed.
public struct KeyStore: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        /// Whether a signature or consistency check failed (exit status 3), rather than the input
        /// being missing or malformed.
        public let isVerificationFailure: Bool
        init(_ description: String, isVerificationFailure: Bool = false) {
            self.description = description
            self.isVerificationFailure = isVerificationFailure
        }
    }

    public let directory: String
    public let environment: [String: String]

    public init(directory: String = "keys", environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.directory = directory
        self.environment = environment
    }

    public func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    public var rootPublicPath: String { path("root.pub") }
    public var rootSecretPath: String { path("root.key") }
    public var previousRootPublicPath: String { path("root-previous.pub") }
    public var previousRootSecretPath: String { path("root-previous.key") }
    public var keyringPath: String { path("keyring") }
    /// The last keyring this machine signed (see `KeyringHistory`); local, git-ignored.
    public var keyringStatePath: String { path(".flagc-keyring-state") }
    /// The journal of an unfinished multi-file key operation (see `KeyJournal`).
    public var journalPath: String { path(".flagc-journal") }
    /// Held (`flock`) while a keys command changes files.
    public var lockPath: String { path(".flagc-lock") }
    public func signingSecretPath(_ id: KeyID) -> String { path("signing-\(id).key") }
    public func recipientPublicPath(_ name: String) -> String { path("\(name).recipient.pub") }
    public func recipientSecretPath(_ name: String) -> String { path("\(name).recipient.key") }

    // MARK: Reading

    /// The pinned roots: `--root-key` values (texts or files), else `FLAGC_ROOT_PUBLIC_KEY`, else
    /// `keys/root.pub` (plus `keys/root-previous.pub` during a root rotation).
    public func trustedRoots(overrides: [String] = []) throws(Failure) -> [RootPublicKey] {
        var texts: [String] = []
        if !overrides.isEmpty {
            for value in overrides {
                if value.hasPrefix(KeyKind.rootPublic.rawValue + ":") {
                    texts.append(value)
                } else if FileManager.default.fileExists(atPath: value) {
                    texts.append(try readText(value))
                } else {
                    // The value may be a secret passed by mistake: never repeat it.
                    throw Failure("--root-key: not a root public key text (flagc-root-public:…) nor an existing file")
                }
            }
        } else if let value = environment[FlagcEnvironment.rootPublicKey] {
            texts = FlagcEnvironment.rootKeyTexts(value)
        } else {
            texts.append(try readText(rootPublicPath))
            if FileManager.default.fileExists(atPath: previousRootPublicPath) {
                texts.append(try readText(previousRootPublicPath))
            }
        }
        var roots: [RootPublicKey] = []
        for text in texts where !text.allSatisfy(\.isWhitespace) {
            do {
                roots.append(try RootPublicKey(text: text))
            } catch {
                throw Failure("invalid root public key: \(error)")
            }
        }
        return roots
    }

    /// Decodes `keys/keyring` without checking its signatures: `KeyManager.verifiedKeyring()`
    /// checks them.
    public func loadKeyring() throws(Failure) -> Keyring {
        let bytes = try readBytes(keyringPath, maximumBytes: Keyring.maximumBytes)
        do {
            return try Keyring.decode(bytes)
        } catch {
            throw Failure("malformed keyring \(keyringPath): \(error)")
        }
    }

    /// A secret key: from the environment variable when set, else from the file (refused when
    /// group- or world-readable).
    package func secret(_ kind: KeyKind, file: String, variable: String?) throws(Failure) -> SecureBytes {
        let text: String
        if let variable, let value = environment[variable] {
            text = value
        } else {
            do {
                text = try SecureFile.readSecret(at: file)
            } catch {
                throw Failure(error.description)
            }
        }
        do {
            return try KeyText.decode(text, as: kind)
        } catch {
            throw Failure("\(variable.flatMap { environment[$0] != nil ? $0 : nil } ?? file): \(error)")
        }
    }

    /// The signing key to sign a bundle issued at `time`: `FLAGC_SIGNING_KEY` when set, else the
    /// newest key of the keyring whose secret file is present. Refuses revoked keys and keys outside
    /// their validity window.
    package func signingKey(in keyring: Keyring, at time: Int64) throws(Failure) -> (SecureBytes, Keyring.SigningKey) {
        if environment[FlagcEnvironment.signingKey] != nil {
            let seed = try secret(.signingSecret, file: "", variable: FlagcEnvironment.signingKey)
            guard let publicKey = try? Sodium.signingPublicKey(seed: seed) else {
                throw Failure("unusable FLAGC_SIGNING_KEY")
            }
            let id = KeyID(of: publicKey)
            guard let entry = keyring.signingKey(id) else {
                throw Failure("the signing key in FLAGC_SIGNING_KEY (\(id)) is not in the keyring")
            }
            try checkUsable(entry, keyring: keyring, at: time)
            return (seed, entry)
        }
        let available = keyring.signingKeys.filter { FileManager.default.fileExists(atPath: signingSecretPath($0.id)) }
        guard !available.isEmpty else {
            throw Failure(
                "no signing key: none of the keyring's keys has a secret file in \(directory)/ and FLAGC_SIGNING_KEY is not set"
            )
        }
        // The newest usable key: latest `notBefore`, and among equals the later one in the keyring
        // (keys are appended as they are made).
        let usable = available.enumerated().filter { !keyring.isRevoked($0.element.id) && $0.element.isValid(at: time) }
        guard
            let entry = usable.max(by: { ($0.element.notBefore, $0.offset) < ($1.element.notBefore, $1.offset) })?
                .element
        else {
            try checkUsable(available.max(by: { $0.notBefore < $1.notBefore })!, keyring: keyring, at: time)
            throw Failure("no usable signing key")
        }
        let seed = try secret(.signingSecret, file: signingSecretPath(entry.id), variable: nil)
        guard (try? Sodium.signingPublicKey(seed: seed)) == entry.publicKey else {
            throw Failure("\(signingSecretPath(entry.id)) does not hold the key \(entry.id)")
        }
        return (seed, entry)
    }

    private func checkUsable(_ key: Keyring.SigningKey, keyring: Keyring, at time: Int64) throws(Failure) {
        if keyring.isRevoked(key.id) {
            throw Failure("signing key \(key.id) is revoked; run 'flagc keys rotate' to make a new one")
        }
        if !key.isValid(at: time) {
            throw Failure(
                "signing key \(key.id) is valid from \(Timestamp.formatRFC3339(key.notBefore)) to \(Timestamp.formatRFC3339(key.notAfter)), not at \(Timestamp.formatRFC3339(time)); run 'flagc keys rotate'"
            )
        }
    }

    /// A recipient public key file named by a target.
    public func recipientPublicKey(at path: String) throws(Failure) -> [UInt8] {
        let text = try readText(path)
        do {
            return try KeyText.decode(text, as: .recipientPublic).withUnsafeBytes { Array($0) }
        } catch {
            throw Failure("\(path): \(error)")
        }
    }

    /// The recipient key for decrypting: `--key` (a file or text), else `FLAGC_RECIPIENT_KEY`, else
    /// the first `keys/*.recipient.key` whose id is among `recipientIDs`.
    public func recipientKey(override: String?, recipientIDs: [KeyID]) throws(Failure) -> RecipientKey? {
        let secret: SecureBytes
        if let override {
            if override.hasPrefix(KeyKind.recipientSecret.rawValue + ":") {
                do { return try RecipientKey(text: override) } catch { throw Failure("--key: \(error)") }
            }
            guard FileManager.default.fileExists(atPath: override) else {
                // The value may be a secret in the wrong form: never repeat it.
                throw Failure("--key: not a recipient secret key text (flagc-recipient-secret:…) nor an existing file")
            }
            secret = try self.secret(.recipientSecret, file: override, variable: nil)
        } else if environment[FlagcEnvironment.recipientKey] != nil {
            secret = try self.secret(.recipientSecret, file: "", variable: FlagcEnvironment.recipientKey)
        } else {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() where name.hasSuffix(".recipient.key") {
                // A key file with unsafe permissions is an error, not a file to skip silently.
                let candidate = try self.secret(.recipientSecret, file: path(name), variable: nil)
                guard let key = try? RecipientKey(secret: candidate), recipientIDs.contains(key.id) else { continue }
                return key
            }
            return nil
        }
        do {
            return try RecipientKey(secret: secret)
        } catch {
            throw Failure("unusable recipient key: \(error)")
        }
    }

    func readText(_ path: String) throws(Failure) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    func readBytes(_ path: String, maximumBytes: Int = SecureFile.maximumKeyFileBytes) throws(Failure) -> [UInt8] {
        do {
            return try SecureFile.read(path, maximumBytes: maximumBytes)
        } catch {
            throw Failure(error.description)
        }
    }
}
