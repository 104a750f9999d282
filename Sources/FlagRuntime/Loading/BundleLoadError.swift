/// Why a bundle was refused. Each case names the loader check that failed (in the order the loader
/// runs them, see docs/trust.md); none carries key material or says which byte was wrong.
public enum BundleLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The input is larger than `LoadOptions.maximumBundleBytes`.
    case tooLarge(byteCount: Int, limit: Int)
    /// The bounded header parse failed: wrong magic, truncated, lengths that do not add up.
    case malformedHeader(String)
    /// Written by a newer flagc than this runtime understands.
    case unsupportedFormatVersion(UInt16)
    /// No pinned root's signature over the keyring verifies.
    case keyringSignatureInvalid
    /// The keyring's `expiresAt` (plus leeway) has passed.
    case keyringExpired(expiresAt: Int64)
    /// The keyring is older than the caller's minimum keyring version.
    case keyringVersionTooOld(version: UInt32, minimum: UInt32)
    /// The bundle's signing key is not in its keyring.
    case signingKeyUnknown(KeyID)
    /// The bundle's signing key is on the keyring's revocation list.
    case signingKeyRevoked(KeyID)
    /// The bundle was issued outside its signing key's validity window.
    case signingKeyNotValidAtIssueTime(KeyID)
    /// The signature over the bundle does not verify.
    case bundleSignatureInvalid
    /// The bundle's `expiresAt` (plus leeway) has passed.
    case bundleExpired(expiresAt: Int64)
    /// The bundle claims an issue time in the future (beyond the leeway).
    case bundleNotYetValid(issuedAt: Int64)
    /// The bundle is valid for longer than `LoadOptions.maximumBundleLifetime`.
    case bundleLifetimeTooLong(issuedAt: Int64, expiresAt: Int64)
    /// The bundle was built for another target.
    case targetMismatch(expected: String, found: String)
    /// The bundle was built for another environment.
    case environmentMismatch(expected: String, found: String)
    /// The bundle is older than the caller's minimum bundle version.
    case bundleVersionTooOld(version: UInt64, minimum: UInt64)
    /// No recipient key was given, or the bundle is not sealed to it.
    case notARecipient
    /// Authenticated decryption failed.
    case decryptionFailed
    /// The decrypted payload is malformed.
    case malformedPayload(String)

    /// A stable, machine-readable name of the failed check.
    public var check: String {
        switch self {
        case .unreadable: "read"
        case .tooLarge: "size"
        case .malformedHeader, .unsupportedFormatVersion: "header"
        case .keyringSignatureInvalid: "keyring-signature"
        case .keyringExpired: "keyring-expiry"
        case .keyringVersionTooOld: "keyring-version"
        case .signingKeyUnknown, .signingKeyRevoked, .signingKeyNotValidAtIssueTime: "signing-key"
        case .bundleSignatureInvalid: "bundle-signature"
        case .bundleExpired, .bundleNotYetValid, .bundleLifetimeTooLong: "bundle-expiry"
        case .targetMismatch, .environmentMismatch: "target"
        case .bundleVersionTooOld: "bundle-version"
        case .notARecipient, .decryptionFailed: "decryption"
        case .malformedPayload: "payload"
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read bundle '\(path)': \(reason)"
        case .tooLarge(let count, let limit): "bundle is \(count) bytes, above the limit of \(limit)"
        case .malformedHeader(let detail): "malformed bundle header: \(detail)"
        case .unsupportedFormatVersion(let version):
            "bundle format version \(version) is not supported by this runtime (it reads version \(BundleHeader.currentFormatVersion) only)"
        case .keyringSignatureInvalid: "keyring is not signed by a trusted root key"
        case .keyringExpired(let at): "keyring expired at \(Timestamp.formatRFC3339(at))"
        case .keyringVersionTooOld(let version, let minimum):
            "keyring version \(version) is below the minimum \(minimum)"
        case .signingKeyUnknown(let id): "signing key \(id) is not in the bundle's keyring"
        case .signingKeyRevoked(let id): "signing key \(id) is revoked"
        case .signingKeyNotValidAtIssueTime(let id):
            "signing key \(id) was not valid when the bundle was issued"
        case .bundleSignatureInvalid: "bundle signature is invalid"
        case .bundleExpired(let at): "bundle expired at \(Timestamp.formatRFC3339(at))"
        case .bundleNotYetValid(let at): "bundle is issued in the future (\(Timestamp.formatRFC3339(at)))"
        case .bundleLifetimeTooLong(let issued, let expires):
            expires < issued
                ? "bundle expires (\(Timestamp.formatRFC3339(expires))) before it is issued (\(Timestamp.formatRFC3339(issued)))"
                : "bundle is valid from \(Timestamp.formatRFC3339(issued)) to \(Timestamp.formatRFC3339(expires)), longer than the allowed lifetime"
        case .targetMismatch(let expected, let found): "bundle is for target '\(found)', expected '\(expected)'"
        case .environmentMismatch(let expected, let found):
            "bundle is for environment '\(found)', expected '\(expected)'"
        case .bundleVersionTooOld(let version, let minimum): "bundle version \(version) is below the minimum \(minimum)"
        case .notARecipient: "the recipient key is not among the bundle's recipients"
        case .decryptionFailed: "bundle decryption failed"
        case .malformedPayload(let detail): "malformed bundle payload: \(detail)"
        }
    }
}
