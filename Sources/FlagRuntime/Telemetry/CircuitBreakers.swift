import Synchronization

/// A circuit breaker's state.
public enum CircuitState: String, Sendable, Hashable {
    /// Outcomes are counted; the flag evaluates normally.
    case closed
    /// The flag serves its off variant with reason `CIRCUIT_OPEN`.
    case open
    /// `probes` evaluations go through; the next reported outcome closes or reopens the breaker.
    case halfOpen = "half-open"
}

/// One change of a circuit breaker's state, as the bundle's transition sink receives it.
public struct CircuitTransition: Sendable {
    /// The guarded flag.
    public let flag: String
    public let from: CircuitState
    public let to: CircuitState
    /// Unix seconds, on the bundle's evaluation clock.
    public let at: Double
    /// Failed and total outcomes in the window when it opened (zero otherwise).
    public let failures: Int
    public let calls: Int
    /// How long it stays open, when it opened.
    public let openFor: Double?

    /// The transition as one JSON log line (no trailing newline): what the function example writes
    /// to its log, searchable by `"event":"flagc.circuit"`.
    public var logLine: String {
        var line = #"{"event":"flagc.circuit","flag":"# + JSONValue.string(flag).jsonText
        line += #","from":""# + from.rawValue + #"","to":""# + to.rawValue + #"","at":"#
        line += JSONValue.number(at).jsonText
        if to == .open { line += #","failures":\#(failures),"calls":\#(calls)"# }
        if let openFor { line += #","openFor":"# + JSONValue.number(openFor).jsonText }
        return line + "}"
    }
}

/// The circuit breakers of a bundle's guarded flags. The evaluation path reads one word per
/// guarded flag (its gate) and takes no lock: closed costs one load; open reads the clock; the
/// move to half-open and each probe are a compare-and-swap. Reported outcomes take the breaker's
/// lock (they never run on the evaluation path) and publish the gate.
package final class CircuitBreakers: @unchecked Sendable {
    /// A breaker's gate: the state in the top two bits; below, the end of the open period in
    /// milliseconds (open) or the probes left (half-open).
    private enum Gate {
        static let closed: UInt64 = 0
        static let openTag: UInt64 = 1 << 62
        static let halfOpenTag: UInt64 = 2 << 62
        static let payload: UInt64 = (1 << 62) - 1

        static func open(until seconds: Double) -> UInt64 {
            openTag | UInt64(max(0, min(Double(payload), (seconds * 1_000).rounded(.up))))
        }
    }

    /// What a breaker counts, under its lock: outcomes in `bucketCount` buckets that slide with time.
    fileprivate struct Window {
        static let bucketCount = 10
        var epochs = [Int64](repeating: .min, count: bucketCount)
        var calls = [Int](repeating: 0, count: bucketCount)
        var failures = [Int](repeating: 0, count: bucketCount)
        /// Reopenings since it last closed (each doubles the open period).
        var reopens = 0

        mutating func record(_ time: Double, width: Double, failed: Bool) {
            let epoch = Int64((time / width).rounded(.down))
            let bucket = Int(UInt64(bitPattern: epoch) % UInt64(Self.bucketCount))
            if epochs[bucket] != epoch {
                epochs[bucket] = epoch
                calls[bucket] = 0
                failures[bucket] = 0
            }
            calls[bucket] += 1
            if failed { failures[bucket] += 1 }
        }

        /// Calls and failures of the buckets inside the window ending at `time`.
        func totals(_ time: Double, width: Double) -> (calls: Int, failures: Int) {
            let epoch = Int64((time / width).rounded(.down))
            var totals = (calls: 0, failures: 0)
            for bucket in 0..<Self.bucketCount where epochs[bucket] > epoch - Int64(Self.bucketCount) {
                totals.calls += calls[bucket]
                totals.failures += failures[bucket]
            }
            return totals
        }

        mutating func reset() {
            for bucket in 0..<Self.bucketCount {
                epochs[bucket] = .min
                calls[bucket] = 0
                failures[bucket] = 0
            }
        }
    }

    package final class Breaker: Sendable {
        let flag: Int
        let key: String
        let settings: CircuitGuard
        let offVariant: Int
        fileprivate let window = Mutex(Window())

        init(flag: Int, key: String, settings: CircuitGuard, offVariant: Int) {
            self.flag = flag
            self.key = key
            self.settings = settings
            self.offVariant = offVariant
        }
    }

    /// Per flag of the bundle, its breaker's index, or -1.
    private let slots: UnsafeMutablePointer<Int32>
    private let flagCount: Int
    private let gates: UnsafeMutablePointer<Atomic<UInt64>>
    /// Per breaker: transitions to open, to half-open and to closed.
    private let transitions: UnsafeMutablePointer<Atomic<UInt64>>
    package let breakers: [Breaker]
    private let clock: EvaluationClock
    private let sink: (@Sendable (CircuitTransition) -> Void)?

    package init(
        flagCount: Int,
        breakers: [Breaker],
        clock: EvaluationClock,
        sink: (@Sendable (CircuitTransition) -> Void)?
    ) {
        self.flagCount = flagCount
        self.breakers = breakers
        self.clock = clock
        self.sink = sink
        slots = .allocate(capacity: flagCount)
        slots.initialize(repeating: -1, count: flagCount)
        for (index, breaker) in breakers.enumerated() { slots[breaker.flag] = Int32(index) }
        gates = .allocate(capacity: max(1, breakers.count))
        for index in 0..<breakers.count { (gates + index).initialize(to: Atomic(Gate.closed)) }
        transitions = .allocate(capacity: max(1, breakers.count * 3))
        for index in 0..<breakers.count * 3 { (transitions + index).initialize(to: Atomic(0)) }
    }

    /// No breaker: what a bundle without guarded flags refers to instead of nil.
    package static let placeholder = CircuitBreakers(flagCount: 0, breakers: [], clock: EvaluationClock(nil), sink: nil)

    /// The breakers of `tables`' guarded flags, or nil when it has none.
    package static func make(
        _ tables: FlagTables,
        clock: EvaluationClock,
        sink: (@Sendable (CircuitTransition) -> Void)?
    ) -> CircuitBreakers? {
        guard !tables.guards.isEmpty else { return nil }
        let breakers = tables.guards.map { flag, settings in
            Breaker(
                flag: flag,
                key: tables.view.text(tables.view.flags[flag].key),
                settings: settings,
                offVariant: Int(tables.view.flags[flag].offVariant)
            )
        }
        return CircuitBreakers(flagCount: tables.view.flags.count, breakers: breakers, clock: clock, sink: sink)
    }

    deinit {
        slots.deallocate()
        gates.deinitialize(count: breakers.count)
        gates.deallocate()
        transitions.deinitialize(count: breakers.count * 3)
        transitions.deallocate()
    }

    // MARK: Evaluation path

    /// The outcome to serve instead of evaluating flag `index` (its off variant, `CIRCUIT_OPEN`),
    /// or nil to evaluate it.
    @inline(__always)
    package func gate(_ index: Int) -> Outcome? {
        let slot = Int(slots[index])
        guard slot >= 0, gates[slot].load(ordering: .acquiring) != Gate.closed else { return nil }
        return gateSlow(slot)
    }

    /// Whether flag `index`'s breaker is not closed (open, or half-open and probing): what a flag that
    /// requires it sees. A prerequisite check takes no probe, since no outcome is reported for it.
    @inline(__always)
    package func isStopping(_ index: Int) -> Bool {
        let slot = Int(slots[index])
        return slot >= 0 && gates[slot].load(ordering: .acquiring) != Gate.closed
    }

    @inline(never)
    private func gateSlow(_ slot: Int) -> Outcome? {
        let breaker = breakers[slot]
        let refused = Outcome(variant: breaker.offVariant, reason: .circuitOpen, rule: -1)
        var word = gates[slot].load(ordering: .acquiring)
        while true {
            switch word & ~Gate.payload {
            case Gate.closed: return nil
            case Gate.openTag:
                let now = clock.now()
                guard now * 1_000 >= Double(word & Gate.payload) else { return refused }
                let probes = UInt64(breaker.settings.probes)
                let (exchanged, original) = gates[slot].compareExchange(
                    expected: word,
                    desired: Gate.halfOpenTag | probes,
                    ordering: .acquiringAndReleasing
                )
                if exchanged {
                    announce(slot, from: .open, to: .halfOpen, at: now, failures: 0, calls: 0, openFor: nil)
                    word = Gate.halfOpenTag | probes
                } else {
                    word = original
                }
            default:
                let left = word & Gate.payload
                guard left > 0 else { return refused }
                let (exchanged, original) = gates[slot].compareExchange(
                    expected: word,
                    desired: word - 1,
                    ordering: .acquiringAndReleasing
                )
                if exchanged { return nil }
                word = original
            }
        }
    }

    // MARK: Outcomes

    /// The state of flag `index`'s breaker, or nil when it has none.
    package func state(_ index: Int) -> CircuitState? {
        guard index >= 0, index < flagCount, slots[index] >= 0 else { return nil }
        return Self.state(gates[Int(slots[index])].load(ordering: .acquiring))
    }

    private static func state(_ word: UInt64) -> CircuitState {
        switch word & ~Gate.payload {
        case Gate.closed: .closed
        case Gate.openTag: .open
        default: .halfOpen
        }
    }

    /// Feeds one outcome of flag `index` (served `variant`, or unknown) to its breaker; returns its
    /// state after, or nil when the flag has no breaker. Outcomes of the off variant, and any while
    /// it is open (the off variant was served), are not counted.
    @discardableResult
    package func report(_ index: Int, variant: Int?, success: Bool) -> CircuitState? {
        guard index >= 0, index < flagCount, slots[index] >= 0 else { return nil }
        let slot = Int(slots[index])
        let breaker = breakers[slot]
        if variant == breaker.offVariant { return state(index) }
        let settings = breaker.settings
        let now = clock.now()
        let width = settings.window / Double(Window.bucketCount)
        typealias Change = (from: CircuitState, to: CircuitState, failures: Int, calls: Int, openFor: Double?)
        let change = breaker.window.withLock { window -> Change? in
            let word = gates[slot].load(ordering: .acquiring)
            switch Self.state(word) {
            case .open: return nil
            case .closed:
                window.record(now, width: width, failed: !success)
                let totals = window.totals(now, width: width)
                guard totals.calls >= settings.minimumCalls, totals.failures >= settings.failures else { return nil }
                window.reopens = 0
                gates[slot].store(Gate.open(until: now + settings.openFor), ordering: .releasing)
                return (.closed, .open, totals.failures, totals.calls, settings.openFor)
            case .halfOpen:
                if success {
                    window.reset()
                    window.reopens = 0
                    gates[slot].store(Gate.closed, ordering: .releasing)
                    return (.halfOpen, .closed, 0, 0, nil)
                }
                window.reopens = min(window.reopens + 1, 62)
                let period = min(settings.maximumOpenFor, settings.openFor * Double(1 << UInt64(window.reopens)))
                gates[slot].store(Gate.open(until: now + period), ordering: .releasing)
                return (.halfOpen, .open, 1, 1, period)
            }
        }
        if let change {
            announce(
                slot,
                from: change.from,
                to: change.to,
                at: now,
                failures: change.failures,
                calls: change.calls,
                openFor: change.openFor
            )
        }
        return state(index)
    }

    private func announce(
        _ slot: Int,
        from: CircuitState,
        to: CircuitState,
        at time: Double,
        failures: Int,
        calls: Int,
        openFor: Double?
    ) {
        let counter = slot * 3 + (to == .open ? 0 : to == .halfOpen ? 1 : 2)
        transitions[counter].wrappingAdd(1, ordering: .relaxed)
        sink?(
            CircuitTransition(
                flag: breakers[slot].key,
                from: from,
                to: to,
                at: time,
                failures: failures,
                calls: calls,
                openFor: openFor
            )
        )
    }

    /// Per breaker: its flag, state, and transitions to open, half-open and closed so far.
    package func statuses() -> [CircuitStatus] {
        breakers.indices.map { slot in
            CircuitStatus(
                flag: breakers[slot].key,
                state: Self.state(gates[slot].load(ordering: .acquiring)),
                opened: transitions[slot * 3].load(ordering: .relaxed),
                halfOpened: transitions[slot * 3 + 1].load(ordering: .relaxed),
                closed: transitions[slot * 3 + 2].load(ordering: .relaxed)
            )
        }
    }
}

/// A guarded flag's breaker as the telemetry reads it.
public struct CircuitStatus: Sendable, Hashable {
    public let flag: String
    public let state: CircuitState
    /// Transitions so far: to open (first opening or reopening), to half-open, to closed.
    public let opened: UInt64
    public let halfOpened: UInt64
    public let closed: UInt64

    public init(flag: String, state: CircuitState, opened: UInt64, halfOpened: UInt64, closed: UInt64) {
        self.flag = flag
        self.state = state
        self.opened = opened
        self.halfOpened = halfOpened
        self.closed = closed
    }
}
