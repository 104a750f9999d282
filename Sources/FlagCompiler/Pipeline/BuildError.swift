import FlagRuntime

/// Why `flagc build` (or `generate`) stopped before writing anything: each case names the step that
/// failed. Problems in the definitions are diagnostics, not build errors.
public enum BuildError: Error, Sendable, CustomStringConvertible {
    /// `SOURCE_DATE_EPOCH` is not a whole number of seconds up to the year 9999.
    case invalidSourceDateEpoch(String)
    /// `SOURCE_DATE_EPOCH` lies further ahead of the clock than loaders accept.
    case futureSourceDateEpoch(value: Int64, now: Int64)
    /// `--target` names no target of `targets/`; `suggestion` is the closest name, if any.
    case unknownTarget(String, suggestion: String?)
    /// `targets/` holds no target.
    case noTargets
    /// Reading the keyring, a signing key or a root key failed.
    case keys(KeyStore.Failure)
    /// The keyring carries no signature of any trusted root.
    case untrustedKeyring(roots: [KeyID])
    /// The keyring expired before the build's issue time (or now).
    case keyringExpired(at: Int64)
    /// libsodium refused to seal the bundle of `target`.
    case sealing(target: String, reason: String)
    /// Writing `out/` failed; nothing was replaced.
    case output(String)
    /// A `--source` folder could not be searched for code references.
    case sources(String)

    public var description: String {
        switch self {
        case .invalidSourceDateEpoch(let text):
            "SOURCE_DATE_EPOCH must be a whole number of seconds (up to year 9999), found '\(text)'"
        case .futureSourceDateEpoch(let value, let now):
            "SOURCE_DATE_EPOCH is \(Timestamp.formatRFC3339(value)), \(value - now) seconds in the future; "
                + "loaders refuse a bundle issued more than \(BuildOptions.maximumFutureSkew) seconds ahead of their clock"
        case .unknownTarget(let name, let suggestion):
            "no target '\(name)' in targets/" + Suggestion.didYouMean(suggestion)
        case .noTargets:
            "no targets: add a file to targets/"
        case .keys(let failure):
            failure.description
        case .untrustedKeyring(let roots):
            "the keyring is not signed by any trusted root (\(roots.map(\.description).joined(separator: ", ")))"
        case .keyringExpired(let expiresAt):
            "the keyring expired at \(Timestamp.formatRFC3339(expiresAt)); run 'flagc keys renew'"
        case .sealing(let target, let reason):
            "cannot seal the bundle of target '\(target)': \(reason)"
        case .output(let reason):
            reason
        case .sources(let reason):
            "cannot search --source: \(reason)"
        }
    }

}
