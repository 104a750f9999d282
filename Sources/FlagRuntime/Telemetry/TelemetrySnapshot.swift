/// What a bundle's telemetry has counted since it was loaded: what exporters write. Counts only
/// grow; an exporter that writes deltas (EMF) subtracts the previous snapshot.
public struct TelemetrySnapshot: Sendable {
    /// Evaluations of one flag that served one variant for one reason.
    public struct Evaluations: Sendable, Hashable {
        public let flag: String
        public let variant: String
        public let reason: EvaluationReason
        public let count: UInt64
    }

    /// Sampled evaluation latency: one evaluation in `sampleInterval` per thread is timed.
    public struct Latency: Sendable, Hashable {
        /// Bucket upper bounds in seconds; `counts` has one more entry (above the last bound).
        public let bounds: [Double]
        /// Timed evaluations per bucket (not cumulative).
        public let counts: [UInt64]
        /// The timed evaluations' total, in seconds.
        public let sum: Double
        public let sampleInterval: UInt64

        public var count: UInt64 { counts.reduce(0, &+) }
    }

    /// Whether the bundle counts at all (`LoadOptions.telemetry`).
    public let enabled: Bool
    /// Every non-zero (flag, variant, reason) count, flags in the bundle's order.
    public let evaluations: [Evaluations]
    /// Errors served as the caller's default, per error code (non-zero only).
    public let errors: [(code: EvaluationErrorCode, count: UInt64)]
    public let latency: Latency
    /// The guarded flags' breakers.
    public let circuits: [CircuitStatus]
    /// The bundle's header: version, target, environment, expiry, keyring.
    public let header: BundleHeader

    /// Evaluations in total.
    public var evaluationCount: UInt64 { evaluations.reduce(0) { $0 &+ $1.count } }
}

extension FlagBundle {
    /// What the telemetry has counted so far (all zero when it is off). Sums every thread's
    /// counters: call it per invocation or per scrape, not per evaluation.
    public func telemetrySnapshot() -> TelemetrySnapshot {
        let totals = telemetry?.totals()
        var evaluations: [TelemetrySnapshot.Evaluations] = []
        var errors: [(code: EvaluationErrorCode, count: UInt64)] = []
        var latencyCounts = [UInt64](repeating: 0, count: EvaluationTelemetry.latencyBounds.count + 1)
        var latencySum: UInt64 = 0
        if let telemetry, let totals {
            for flag in tables.view.flags {
                let key = tables.view.text(flag.key)
                for variant in flag.variants {
                    for reason in EvaluationReason.all {
                        let count = totals[variant * EvaluationReason.all.count + reason.ordinal]
                        guard count > 0 else { continue }
                        evaluations.append(
                            .init(
                                flag: key,
                                variant: tables.view.text(tables.view.variants[variant].name),
                                reason: reason,
                                count: count
                            )
                        )
                    }
                }
            }
            for code in EvaluationErrorCode.all where totals[telemetry.errorStart + code.ordinal] > 0 {
                errors.append((code, totals[telemetry.errorStart + code.ordinal]))
            }
            for bucket in latencyCounts.indices { latencyCounts[bucket] = totals[telemetry.latencyStart + bucket] }
            latencySum = totals[telemetry.latencySumIndex]
        }
        return TelemetrySnapshot(
            enabled: telemetry != nil,
            evaluations: evaluations,
            errors: errors,
            latency: .init(
                bounds: EvaluationTelemetry.latencyBounds.map { Double($0) / 1e9 },
                counts: latencyCounts,
                sum: Double(latencySum) / 1e9,
                sampleInterval: EvaluationTelemetry.sampleInterval
            ),
            circuits: circuits?.statuses() ?? [],
            header: header
        )
    }

    // MARK: Circuit breakers

    /// Reports the outcome of what flag `handle` served (allocation-free): feeds its circuit
    /// breaker, when it has one. Reports while the breaker is open are not counted (the off variant
    /// was served). Returns the breaker's state after, or nil for an unguarded flag or another
    /// bundle's handle.
    @discardableResult
    public func report(_ handle: FlagHandle, success: Bool) -> CircuitState? {
        guard owns(handle) else { return nil }
        return circuits?.report(handle.index, variant: nil, success: success)
    }

    /// Reports the outcome of serving variant `variant` (its index, as `variantIndex` returns it):
    /// outcomes of the flag's off variant are not counted.
    @discardableResult
    public func report(_ handle: FlagHandle, variant: Int, success: Bool) -> CircuitState? {
        guard owns(handle) else { return nil }
        return circuits?.report(handle.index, variant: variant, success: success)
    }

    /// The state of flag `handle`'s circuit breaker, or nil for an unguarded flag.
    public func circuitState(_ handle: FlagHandle) -> CircuitState? {
        guard owns(handle) else { return nil }
        return circuits?.state(handle.index)
    }

    /// The circuit breaker settings of flag `key`, or nil when it has none.
    public func circuitGuard(of key: String) -> CircuitGuard? {
        guard let index = tables.view.flagIndex(forKey: key) else { return nil }
        return tables.guards.first { $0.flag == index }?.settings
    }
}
