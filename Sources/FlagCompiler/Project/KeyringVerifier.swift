import FlagRuntime

/// The checks a keys command runs on `keys/keyring` before it shows, uses or re-signs it.
///
/// `keys/keyring` and `keys/root.pub` are public, committed files: anyone who can change the
/// repository can edit them. The operator's truth is the root secret: a keyring is accepted only
/// when it carries a valid signature by every root secret in use (`root.key`, and
/// `root-previous.key` during a root rotation), each `.pub` must be that secret's public key, and
/// the keyring must not go back on the last keyring this machine signed (`.flagc-keyring-state`).
package enum KeyringVerifier {
    /// A root the keyring must be signed by, named after the file it comes from.
    package struct Root {
        package let file: String
        package let publicKey: RootPublicKey
    }

    /// The failure of check `check` (`keyring-signature`, `root-pin`, `keyring-version`,
    /// `keyring-history`), naming the file and saying that nothing was changed.
    static func failure(_ check: String, _ path: String, _ message: String) -> KeyStore.Failure {
        KeyStore.Failure(
            "\(path) failed verification (\(check)): \(message); nothing was changed. Restore it from a copy you trust (git log -p \(path))",
            isVerificationFailure: true
        )
    }

    /// Every root in `roots` has a valid signature over the keyring's body.
    static func checkSignatures(_ keyring: Keyring, by roots: [Root], path: String) throws(KeyStore.Failure) {
        for root in roots where !keyring.isSigned(byAnyOf: [root.publicKey]) {
            throw failure(
                "keyring-signature",
                path,
                "it has no valid signature by the root in \(root.file) (\(root.publicKey.id))"
            )
        }
    }

    /// The pinned public key text in `file` is the public key of the secret `secretFile`.
    static func checkPin(
        _ text: String?,
        file: String,
        matches root: RootPublicKey,
        secretFile: String
    )
        throws(KeyStore.Failure)
    {
        guard let text else {
            throw KeyStore.Failure(
                "\(file) failed verification (root-pin): it is missing; it must hold the public key of \(secretFile) (\(root.id))",
                isVerificationFailure: true
            )
        }
        let pinned = try? RootPublicKey(text: text)
        guard pinned == root else {
            throw KeyStore.Failure(
                "\(file) failed verification (root-pin): it does not hold the public key of \(secretFile) (\(root.id)); nothing was changed. Restore it from a copy you trust (git log -p \(file))",
                isVerificationFailure: true
            )
        }
    }

    /// `next` may follow `previous`, the last keyring this machine signed: the same bytes, or a later
    /// version (signed by the root on another machine) that extends no window, drops no revocation
    /// and no key except those pruned a keyring lifetime past their window.
    static func checkHistory(
        _ next: Keyring,
        bytes: [UInt8],
        previous: Keyring,
        previousBytes: [UInt8],
        keyringLifetime: Int64,
        path: String,
        statePath: String
    ) throws(KeyStore.Failure) {
        if bytes == previousBytes { return }
        guard next.version > previous.version else {
            throw failure(
                "keyring-version",
                path,
                next.version == previous.version
                    ? "it is not the keyring version \(previous.version) this machine signed last (recorded in \(statePath))"
                    : "its version \(next.version) is older than version \(previous.version), which this machine signed last (recorded in \(statePath))"
            )
        }
        let pruneBefore = next.issuedAt &- keyringLifetime
        for key in previous.signingKeys {
            guard let listed = next.signingKey(key.id) else {
                guard key.notAfter < pruneBefore else {
                    throw failure("keyring-history", path, "signing key \(key.id) was removed before its window ended")
                }
                continue
            }
            guard listed.notBefore == key.notBefore, listed.notAfter <= key.notAfter else {
                throw failure("keyring-history", path, "the window of signing key \(key.id) was changed or extended")
            }
        }
        for id in previous.revokedKeyIDs where !next.isRevoked(id) && next.signingKey(id) != nil {
            throw failure("keyring-history", path, "the revocation of signing key \(id) was dropped")
        }
    }
}
