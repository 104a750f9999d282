/// What a function trusts and expects when it loads a bundle.
public struct LoadOptions: Sendable {
    /// Root public keys; the bundle's keyring must be signed by one of them. Several during a root
    /// rotation.
    public var trustedRoots: [RootPublicKey]
    /// The key that decrypts the bundle. Without it, only `FlagBundle.verifyHeader` is possible.
    public var recipientKey: RecipientKey?
    /// When set, a bundle built for another target is refused (replay protection).
    public var expectedTarget: String?
    /// When set, a bundle built for another environment is refused.
    public var expectedEnvironment: String?
    /// Bundles with a lower `bundleVersion` are refused (rollback protection).
    public var minimumBundleVersion: UInt64
    /// Bundles carrying a keyring with a lower version are refused (raise it after a key leak).
    public var minimumKeyringVersion: UInt32
    /// The verification clock in Unix seconds; nil means the system clock.
    public var now: Int64?
    /// Tolerated clock skew, in seconds, for expiry and issue-time checks.
    public var leeway: Int64
    /// Inputs larger than this are refused before they are parsed.
    public var maximumBundleBytes: Int
    /// Bundles valid for longer than this (from issue to expiry) are refused, so even a leaked
    /// signing key cannot mint bundles that outlive its validity window by more than this.
    public var maximumBundleLifetime: Int64 = LoadOptions.defaultMaximumBundleLifetime

    /// 90 days.
    public static let defaultMaximumBundleLifetime: Int64 = 90 * 86_400

    /// 64 MiB.
    public static let defaultMaximumBundleBytes = 64 << 20
    /// The clock evaluation uses when a context has no `now`; nil means the system clock.
    public var evaluationClock: (@Sendable () -> Double)? = nil
    /// Whether the bundle counts its evaluations (`FlagBundle.telemetrySnapshot()`): on by default,
    /// no allocation, no lock, a few instructions per evaluation (docs/performance.md).
    /// `FLAGC_TELEMETRY=off` turns it off.
    public var telemetry = true
    /// Receives each circuit breaker transition (one `CircuitTransition.logLine` each, say); nil
    /// writes nothing. Called on the thread that caused it; keep it short.
    public var onCircuitTransition: (@Sendable (CircuitTransition) -> Void)? = nil

    public init(
        trustedRoots: [RootPublicKey],
        recipientKey: RecipientKey? = nil,
        expectedTarget: String? = nil,
        expectedEnvironment: String? = nil,
        minimumBundleVersion: UInt64 = 0,
        minimumKeyringVersion: UInt32 = 0,
        now: Int64? = nil,
        leeway: Int64 = 300,
        maximumBundleBytes: Int = LoadOptions.defaultMaximumBundleBytes
    ) {
        self.trustedRoots = trustedRoots
        self.recipientKey = recipientKey
        self.expectedTarget = expectedTarget
        self.expectedEnvironment = expectedEnvironment
        self.minimumBundleVersion = minimumBundleVersion
        self.minimumKeyringVersion = minimumKeyringVersion
        self.now = now
        self.leeway = leeway
        self.maximumBundleBytes = maximumBundleBytes
    }

    /// The verification time: `now`, or the system clock.
    var verificationTime: Int64 { now ?? SystemClock.unixSeconds() }
}
