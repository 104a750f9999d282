/// A flag's circuit breaker, `guard:` in YAML: when the application reports `failures` failed
/// outcomes of the flag's served (non-off) variants within `window` seconds, out of at least
/// `minimumCalls` reported outcomes, the flag serves its off variant with reason `CIRCUIT_OPEN`
/// for `openFor` seconds; then `probes` evaluations go through again (half-open), and the first
/// reported outcome closes it (success) or reopens it for twice as long as the last time, at most
/// `maximumOpenFor`. See docs/telemetry.md.
public struct CircuitGuard: Sendable, Hashable {
    /// Failed outcomes within the window that open the breaker.
    public var failures: Int
    /// The sliding window, in seconds, outcomes are counted over.
    public var window: Double
    /// Outcomes (failed or not) the window must hold before the breaker may open.
    public var minimumCalls: Int
    /// Seconds the breaker stays open the first time.
    public var openFor: Double
    /// Evaluations let through while half-open.
    public var probes: Int
    /// The longest open period, however often it reopens.
    public var maximumOpenFor: Double

    /// 5 failures out of at least 20 outcomes in 60 s open it for 60 s, then 3 probes; reopening
    /// doubles the open period up to an hour.
    public static let defaults = CircuitGuard(
        failures: 5,
        window: 60,
        minimumCalls: 20,
        openFor: 60,
        probes: 3,
        maximumOpenFor: 3_600
    )

    public init(failures: Int, window: Double, minimumCalls: Int, openFor: Double, probes: Int, maximumOpenFor: Double)
    {
        self.failures = failures
        self.window = window
        self.minimumCalls = minimumCalls
        self.openFor = openFor
        self.probes = probes
        self.maximumOpenFor = maximumOpenFor
    }

    /// Why these settings cannot work, or nil: every count at least 1 (and below 2^31), every
    /// duration positive and finite, `minimumCalls` at least `failures`, `maximumOpenFor` at least
    /// `openFor`. The compiler reports these at the YAML; the loader refuses them in a payload.
    package var problem: String? {
        let countLimit = Int(Int32.max)
        for (name, value) in [("failures", failures), ("minimumCalls", minimumCalls), ("probes", probes)]
        where value < 1 || value > countLimit {
            return "'\(name)' must be between 1 and \(countLimit)"
        }
        for (name, value) in [("window", window), ("openFor", openFor), ("maxOpenFor", maximumOpenFor)]
        where !(value > 0 && value <= 31_536_000) {
            return "'\(name)' must be a duration between 1s and 365d"
        }
        if minimumCalls < failures {
            return "'minimumCalls' (\(minimumCalls)) must be at least 'failures' (\(failures))"
        }
        if maximumOpenFor < openFor { return "'maxOpenFor' must be at least 'openFor'" }
        return nil
    }
}
