import CoreMetrics
import FlagRuntime
import Synchronization

/// Mirrors a bundle's telemetry (or a `RefreshingFlagClient`'s, across its swaps) into
/// swift-metrics, so a service that already bootstraps a metrics backend (Prometheus, StatsD,
/// OpenTelemetry) gets the flag counts without new code. Call ``update()`` periodically (say every
/// 10 s, or before each scrape): each call adds to the counters what was counted since the last one.
///
/// Metrics (names as `PrometheusExposition` writes them; `dimensions` are added to each):
/// - counters `flagc_evaluations_total` {flag, variant, reason}, `flagc_evaluation_errors_total`
///   {code}, `flagc_circuit_transitions_total` {flag, to};
/// - gauges `flagc_circuit_state` {flag, state} (1 for the state the breaker is in, else 0), and
///   `flagc_bundle_version`, `flagc_bundle_issued_timestamp_seconds`,
///   `flagc_bundle_expiry_timestamp_seconds`, `flagc_keyring_version`,
///   `flagc_keyring_expiry_timestamp_seconds` {target, environment}.
///
/// Thread-safe: concurrent `update()` calls are serialized, and evaluations never wait for one.
public final class FlagMetricsBridge: Sendable {
    private enum Source: Sendable {
        case bundle(FlagBundle)
        case client(RefreshingFlagClient)
    }

    /// One counter of the bundle's telemetry.
    private enum Key: Hashable, Sendable {
        case evaluation(flag: String, variant: String, reason: EvaluationReason)
        case error(EvaluationErrorCode)
        case transition(flag: String, to: CircuitState)
    }

    private struct State: Sendable {
        /// The bundle last read: after a client's swap, its last counts are read once more.
        var bundle: FlagBundle?
        /// What was already added to the counters, for `bundle`.
        var mirrored: [Key: UInt64] = [:]
        var counters: [Key: Counter] = [:]
        var gauges: [String: Gauge] = [:]
    }

    private let source: Source
    private let dimensions: [(String, String)]
    private let factory: any MetricsFactory
    private let state = Mutex(State())

    /// Mirrors `bundle`'s telemetry (load it with `LoadOptions.telemetry` on, the default).
    /// - Parameters:
    ///   - dimensions: added to every metric (say `("service", "checkout")`).
    ///   - factory: the backend; by default the one `MetricsSystem.bootstrap` installed.
    public init(
        _ bundle: FlagBundle,
        dimensions: [(String, String)] = [],
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        source = .bundle(bundle)
        self.dimensions = dimensions
        self.factory = factory
    }

    /// Mirrors the telemetry of whichever bundle `client` serves: after a swap, the old bundle's
    /// last counts are added, then the new one's from zero, so counters stay monotonic.
    public init(
        _ client: RefreshingFlagClient,
        dimensions: [(String, String)] = [],
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        source = .client(client)
        self.dimensions = dimensions
        self.factory = factory
    }

    /// Adds to the counters what the bundle counted since the last call, and sets the gauges.
    public func update() {
        let current: FlagBundle? =
            switch source {
            case .bundle(let bundle): bundle
            case .client(let client): client.bundle
            }
        state.withLock { state in
            if let previous = state.bundle, previous !== current {
                mirror(previous.telemetrySnapshot(), into: &state)
                state.mirrored = [:]
            }
            state.bundle = current
            guard let current else { return }
            let snapshot = current.telemetrySnapshot()
            mirror(snapshot, into: &state)
            setGauges(snapshot, into: &state)
        }
    }

    private func mirror(_ snapshot: TelemetrySnapshot, into state: inout State) {
        for entry in snapshot.evaluations {
            add(.evaluation(flag: entry.flag, variant: entry.variant, reason: entry.reason), entry.count, &state)
        }
        for entry in snapshot.errors { add(.error(entry.code), entry.count, &state) }
        for circuit in snapshot.circuits {
            add(.transition(flag: circuit.flag, to: .open), circuit.opened, &state)
            add(.transition(flag: circuit.flag, to: .halfOpen), circuit.halfOpened, &state)
            add(.transition(flag: circuit.flag, to: .closed), circuit.closed, &state)
        }
    }

    /// Increments the counter of `key` by what `total` adds to what was mirrored.
    private func add(_ key: Key, _ total: UInt64, _ state: inout State) {
        let mirrored = state.mirrored[key] ?? 0
        guard total > mirrored else { return }
        state.mirrored[key] = total
        let counter: Counter
        if let existing = state.counters[key] {
            counter = existing
        } else {
            let (label, own) = Self.metric(key)
            counter = Counter(label: label, dimensions: dimensions + own, factory: factory)
            state.counters[key] = counter
        }
        counter.increment(by: Int64(clamping: total - mirrored))
    }

    private static func metric(_ key: Key) -> (label: String, dimensions: [(String, String)]) {
        switch key {
        case .evaluation(let flag, let variant, let reason):
            ("flagc_evaluations_total", [("flag", flag), ("variant", variant), ("reason", reason.rawValue)])
        case .error(let code):
            ("flagc_evaluation_errors_total", [("code", code.rawValue)])
        case .transition(let flag, let state):
            ("flagc_circuit_transitions_total", [("flag", flag), ("to", state.rawValue)])
        }
    }

    private func setGauges(_ snapshot: TelemetrySnapshot, into state: inout State) {
        func gauge(_ label: String, _ own: [(String, String)], _ value: Double) {
            let id = ([label] + own.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{0}")
            let gauge: Gauge
            if let existing = state.gauges[id] {
                gauge = existing
            } else {
                gauge = Gauge(label: label, dimensions: dimensions + own, factory: factory)
                state.gauges[id] = gauge
            }
            gauge.record(value)
        }
        for circuit in snapshot.circuits {
            for circuitState in [CircuitState.closed, .open, .halfOpen] {
                gauge(
                    "flagc_circuit_state",
                    [("flag", circuit.flag), ("state", circuitState.rawValue)],
                    circuit.state == circuitState ? 1 : 0
                )
            }
        }
        let header = snapshot.header
        let bundle = [("target", header.target), ("environment", header.environment)]
        gauge("flagc_bundle_version", bundle, Double(header.bundleVersion))
        gauge("flagc_bundle_issued_timestamp_seconds", bundle, Double(header.issuedAt))
        gauge("flagc_bundle_expiry_timestamp_seconds", bundle, Double(header.expiresAt))
        gauge("flagc_keyring_version", bundle, Double(header.keyring.version))
        gauge("flagc_keyring_expiry_timestamp_seconds", bundle, Double(header.keyring.expiresAt))
    }
}
