import Dispatch
import FlagRuntime
import FlagTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A clock tests move by hand: the circuit breakers read it, no test sleeps.
final class ManualClock: Sendable {
    private let time = Mutex<Double>(Double(TestClock.start))
    func now() -> Double { time.withLock { $0 } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

/// Collects circuit transitions as the bundle reports them.
final class TransitionLog: Sendable {
    private let entries = Mutex<[CircuitTransition]>([])
    func append(_ transition: CircuitTransition) { entries.withLock { $0.append(transition) } }
    var all: [CircuitTransition] { entries.withLock { $0 } }
}

/// Fresh threads (their telemetry cache empty), joined before `run` returns.
enum TestThreads {
    private final class Work: @unchecked Sendable {
        let body: @Sendable (Int) -> Void
        let index: Int
        let barrier: UnsafeMutablePointer<pthread_barrier_t>?
        init(
            _ body: @escaping @Sendable (Int) -> Void,
            _ index: Int,
            _ barrier: UnsafeMutablePointer<pthread_barrier_t>?
        ) {
            (self.body, self.index, self.barrier) = (body, index, barrier)
        }
    }

    /// Runs `body(index)` on `count` new threads; with `together`, no thread ends before all have
    /// run their body (so all are alive at once, each with its own thread id).
    static func run(_ count: Int, together: Bool = false, _ body: @escaping @Sendable (Int) -> Void) {
        let barrier = together ? UnsafeMutablePointer<pthread_barrier_t>.allocate(capacity: 1) : nil
        if let barrier { pthread_barrier_init(barrier, nil, UInt32(count)) }
        var threads: [pthread_t] = []
        for index in 0..<count {
            var thread = pthread_t()
            let work = Unmanaged.passRetained(Work(body, index, barrier)).toOpaque()
            let created = pthread_create(
                &thread,
                nil,
                { raw in
                    let work = Unmanaged<Work>.fromOpaque(raw!).takeRetainedValue()
                    work.body(work.index)
                    if let barrier = work.barrier { pthread_barrier_wait(barrier) }
                    return nil
                },
                work
            )
            precondition(created == 0, "pthread_create failed")
            threads.append(thread)
        }
        for thread in threads { pthread_join(thread, nil) }
        if let barrier {
            pthread_barrier_destroy(barrier)
            barrier.deallocate()
        }
    }
}

enum TelemetryFixtures {
    static let flags = """
        flags:
          checkout:
            default: off
            rules:
              - name: beta
                when: { plan: beta }
                serve: on
          guarded:
            default: on
            guard: { failures: 3, window: 60s, minimumCalls: 4, openFor: 30s, probes: 2, maxOpenFor: 100s }
          color:
            type: string
            variants: { red: r, blue: b }
            default: red
        """

    /// The fixture bundle, its breakers on `clock`, transitions into `log`.
    static func bundle(
        clock: ManualClock = ManualClock(),
        log: TransitionLog = TransitionLog(),
        telemetry: Bool = true
    ) throws -> FlagBundle {
        let keys = TestKeys()
        let content = try TestProject.content(flags)
        var options = keys.options()
        options.evaluationClock = { clock.now() }
        options.telemetry = telemetry
        options.onCircuitTransition = { log.append($0) }
        return try FlagBundle.load(bytes: keys.bundle(content), options: options)
    }

    static func count(
        _ snapshot: TelemetrySnapshot,
        _ flag: String,
        _ variant: String,
        _ reason: EvaluationReason
    )
        -> UInt64
    {
        snapshot.evaluations.first { $0.flag == flag && $0.variant == variant && $0.reason == reason }?.count ?? 0
    }
}

@Suite("Evaluation telemetry")
struct TelemetryTests {
    @Test("every evaluation is counted once per flag, served variant and reason; errors per code")
    func countsPerVariantAndReason() throws {
        let bundle = try TelemetryFixtures.bundle()
        let beta = EvaluationContext(targetingKey: "u1", attributes: ["plan": "beta"])
        let free = EvaluationContext(targetingKey: "u2", attributes: ["plan": "free"])
        let checkout = try #require(bundle.handle(for: "checkout"))
        for _ in 0..<5 { _ = bundle.bool(checkout, default: false, context: beta) }
        for _ in 0..<3 { _ = bundle.bool("checkout", default: false, context: free) }
        _ = bundle.detail("checkout", default: false, context: beta)
        _ = bundle.evaluate("color", context: free)
        _ = bundle.bool("missing", default: false, context: free)
        _ = bundle.int(checkout, default: 0, context: free)  // type mismatch: the default, no evaluation
        var invalid = EvaluationContext()
        invalid.invalidReason = "bad"
        _ = bundle.evaluate("checkout", context: invalid)

        let snapshot = bundle.telemetrySnapshot()
        #expect(TelemetryFixtures.count(snapshot, "checkout", "on", .targetingMatch) == 6)
        #expect(TelemetryFixtures.count(snapshot, "checkout", "off", .default) == 3)
        #expect(TelemetryFixtures.count(snapshot, "color", "red", .static) == 1)
        #expect(snapshot.evaluationCount == 10)
        let errors = Dictionary(uniqueKeysWithValues: snapshot.errors.map { ($0.code, $0.count) })
        #expect(errors == [.flagNotFound: 1, .typeMismatch: 1, .invalidContext: 1])
        #expect(snapshot.header.target == "test")
    }

    @Test("a thread's first counted evaluation is timed, then one in the sample interval")
    func sampledLatency() throws {
        let bundle = try TelemetryFixtures.bundle()
        let handle = try #require(bundle.handle(for: "checkout"))
        let context = EvaluationContext(targetingKey: "u1")
        let evaluations = 3 * 1_024 + 1
        TestThreads.run(1) { _ in
            for _ in 0..<evaluations { _ = bundle.bool(handle, default: false, context: context) }
        }
        let latency = bundle.telemetrySnapshot().latency
        #expect(latency.count == 4)
        #expect(latency.counts.count == latency.bounds.count + 1)
        #expect(latency.sum > 0)
        #expect(bundle.telemetrySnapshot().evaluationCount == UInt64(evaluations))
    }

    @Test("one thread alternating two bundles: each counts its own; the sampling countdown is the thread's")
    func alternatingBundles() throws {
        let first = try TelemetryFixtures.bundle()
        let second = try TelemetryFixtures.bundle()
        let context = EvaluationContext(targetingKey: "u1", attributes: ["plan": "beta"])
        TestThreads.run(1) { _ in
            // Evaluations 1, 3, 5, … are the first bundle's: 1, 1025 and 2049 are timed.
            _ = first.bool("checkout", default: false, context: context)
            for _ in 0..<1_024 {
                _ = second.bool("checkout", default: false, context: context)
                _ = first.bool("checkout", default: false, context: context)
            }
        }
        let (one, two) = (first.telemetrySnapshot(), second.telemetrySnapshot())
        #expect(TelemetryFixtures.count(one, "checkout", "on", .targetingMatch) == 1_025)
        #expect(TelemetryFixtures.count(two, "checkout", "on", .targetingMatch) == 1_024)
        #expect(one.latency.count == 3)
        #expect(two.latency.count == 0)
    }

    @Test("a bundle loaded after another was freed counts only its own evaluations (never the freed one's cache)")
    func freedBundle() throws {
        let context = EvaluationContext(targetingKey: "u1", attributes: ["plan": "beta"])
        TestThreads.run(1) { _ in
            for round in 1...20 {
                let bundle = try! TelemetryFixtures.bundle()
                for _ in 0..<round { _ = bundle.bool("checkout", default: false, context: context) }
                let snapshot = bundle.telemetrySnapshot()
                #expect(TelemetryFixtures.count(snapshot, "checkout", "on", .targetingMatch) == UInt64(round))
            }
        }
    }

    @Test("70 threads at once, more than the 64 slots: the rest count in the shared block, totals exact")
    func moreThreadsThanSlots() throws {
        let bundle = try TelemetryFixtures.bundle()
        let handle = try #require(bundle.handle(for: "checkout"))
        let context = EvaluationContext(targetingKey: "u1", attributes: ["plan": "beta"])
        TestThreads.run(70, together: true) { _ in
            for _ in 0..<300 { _ = bundle.bool(handle, default: false, context: context) }
            _ = bundle.bool("missing", default: false, context: context)
        }
        let snapshot = bundle.telemetrySnapshot()
        #expect(TelemetryFixtures.count(snapshot, "checkout", "on", .targetingMatch) == 70 * 300)
        #expect(snapshot.errors.first { $0.code == .flagNotFound }?.count == 70)
        // Only threads with a slot of their own are timed: at most 64 first evaluations, at least 64.
        #expect(snapshot.latency.count == 64)
    }

    @Test("telemetry off counts nothing and serves the same values")
    func off() throws {
        let bundle = try TelemetryFixtures.bundle(telemetry: false)
        #expect(bundle.bool("checkout", default: true, context: EvaluationContext(attributes: ["plan": "beta"])))
        let snapshot = bundle.telemetrySnapshot()
        #expect(!snapshot.enabled)
        #expect(snapshot.evaluations.isEmpty && snapshot.errors.isEmpty && snapshot.latency.count == 0)
    }

    @Test("telemetry is on by default; FLAGC_TELEMETRY=off turns it off; another value is an error naming the variable")
    func environment() throws {
        let root = TestKeys().root.text
        let off = try LoadOptions.fromEnvironment { ["FLAGC_ROOT_PUBLIC_KEY": root, "FLAGC_TELEMETRY": "off"][$0] }
        #expect(!off.telemetry)
        let unset = try LoadOptions.fromEnvironment { ["FLAGC_ROOT_PUBLIC_KEY": root][$0] }
        #expect(unset.telemetry)
        #expect(LoadOptions(trustedRoots: []).telemetry)
        let on = try LoadOptions.fromEnvironment { ["FLAGC_ROOT_PUBLIC_KEY": root, "FLAGC_TELEMETRY": "on"][$0] }
        #expect(on.telemetry)
        #expect(throws: LoadOptionsError.self) {
            try LoadOptions.fromEnvironment { ["FLAGC_ROOT_PUBLIC_KEY": root, "FLAGC_TELEMETRY": "maybe"][$0] }
        }
    }

    @Test("counts stay exact with 8 threads evaluating at once (more threads than cores)")
    func manyThreads() throws {
        let bundle = try TelemetryFixtures.bundle()
        let handle = try #require(bundle.handle(for: "checkout"))
        let contexts = [
            EvaluationContext(targetingKey: "a", attributes: ["plan": "beta"]),
            EvaluationContext(targetingKey: "b", attributes: ["plan": "free"]),
        ]
        let perThread = 20_000
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<perThread {
                _ = bundle.bool(handle, default: false, context: contexts[(index + thread) % 2])
            }
        }
        let snapshot = bundle.telemetrySnapshot()
        #expect(TelemetryFixtures.count(snapshot, "checkout", "on", .targetingMatch) == UInt64(4 * perThread))
        #expect(TelemetryFixtures.count(snapshot, "checkout", "off", .default) == UInt64(4 * perThread))
    }
}

@Suite("Circuit breakers")
struct CircuitBreakerTests {
    @Test("failures past the threshold open it: the off variant with CIRCUIT_OPEN until openFor has passed")
    func opens() throws {
        let clock = ManualClock()
        let log = TransitionLog()
        let bundle = try TelemetryFixtures.bundle(clock: clock, log: log)
        let guarded = try #require(bundle.handle(for: "guarded"))
        let context = EvaluationContext(targetingKey: "u")
        #expect(bundle.circuitState(guarded) == .closed)
        // 3 failures, but fewer than minimumCalls (4) outcomes: still closed.
        for _ in 0..<3 { #expect(bundle.report(guarded, success: false) == .closed) }
        #expect(bundle.report(guarded, success: false) == .open)
        let detail = bundle.detail(guarded, default: true, context: context)
        #expect(detail.value == false && detail.variant == "off" && detail.reason == .circuitOpen)
        // Reports while open are not counted (the off variant was served).
        #expect(bundle.report(guarded, success: true) == .open)
        clock.advance(29)
        #expect(bundle.detail(guarded, default: true, context: context).reason == .circuitOpen)
        #expect(log.all.map(\.to) == [.open])
        #expect(log.all[0].logLine.hasPrefix(#"{"event":"flagc.circuit","flag":"guarded","from":"closed","to":"open""#))
        #expect(log.all[0].failures == 4 && log.all[0].calls == 4 && log.all[0].openFor == 30)
        let snapshot = bundle.telemetrySnapshot()
        #expect(TelemetryFixtures.count(snapshot, "guarded", "off", .circuitOpen) == 2)
        #expect(
            snapshot.circuits == [CircuitStatus(flag: "guarded", state: .open, opened: 1, halfOpened: 0, closed: 0)]
        )
    }

    @Test("half-open lets `probes` evaluations through; a success closes it")
    func halfOpenCloses() throws {
        let clock = ManualClock()
        let log = TransitionLog()
        let bundle = try TelemetryFixtures.bundle(clock: clock, log: log)
        let guarded = try #require(bundle.handle(for: "guarded"))
        let context = EvaluationContext(targetingKey: "u")
        for _ in 0..<4 { bundle.report(guarded, success: false) }
        clock.advance(30)
        let reasons = (0..<4).map { _ in bundle.detail(guarded, default: false, context: context).reason }
        #expect(reasons == [.static, .static, .circuitOpen, .circuitOpen])
        #expect(bundle.circuitState(guarded) == .halfOpen)
        #expect(bundle.report(guarded, success: true) == .closed)
        #expect(bundle.detail(guarded, default: false, context: context).reason == .static)
        #expect(log.all.map(\.to) == [.open, .halfOpen, .closed])
        // Closing forgets the window: three more failures are below minimumCalls again.
        for _ in 0..<3 { #expect(bundle.report(guarded, success: false) == .closed) }
    }

    @Test("a failure while half-open reopens it for twice as long each time, up to maxOpenFor")
    func reopensLonger() throws {
        let clock = ManualClock()
        let log = TransitionLog()
        let bundle = try TelemetryFixtures.bundle(clock: clock, log: log)
        let guarded = try #require(bundle.handle(for: "guarded"))
        let context = EvaluationContext(targetingKey: "u")
        for _ in 0..<4 { bundle.report(guarded, success: false) }
        var periods: [Double] = [30]
        for _ in 0..<3 {
            clock.advance(periods.last!)  // the open period has passed
            #expect(bundle.detail(guarded, default: false, context: context).reason == .static)  // a probe
            #expect(bundle.report(guarded, success: false) == .open)
            periods.append(log.all.last!.openFor!)
            clock.advance(periods.last! - 1)
            #expect(bundle.detail(guarded, default: false, context: context).reason == .circuitOpen)
            clock.advance(-(periods.last! - 1))  // back to the reopening
        }
        #expect(periods == [30, 60, 100, 100])
    }

    @Test("outcomes of the off variant are not counted; unguarded flags and foreign handles have no breaker")
    func offVariantAndUnguarded() throws {
        let bundle = try TelemetryFixtures.bundle()
        let guarded = try #require(bundle.handle(for: "guarded"))
        let off = try #require(bundle.variantNames(of: "guarded")?.firstIndex(of: "off"))
        let on = try #require(bundle.variantNames(of: "guarded")?.firstIndex(of: "on"))
        for _ in 0..<10 { #expect(bundle.report(guarded, variant: off, success: false) == .closed) }
        for _ in 0..<3 { bundle.report(guarded, variant: on, success: false) }
        #expect(bundle.report(guarded, variant: on, success: false) == .open)
        let checkout = try #require(bundle.handle(for: "checkout"))
        #expect(bundle.report(checkout, success: false) == nil)
        #expect(bundle.circuitState(checkout) == nil)
        let other = try TelemetryFixtures.bundle()
        #expect(other.report(guarded, success: false) == nil)
        #expect(bundle.circuitGuard(of: "guarded")?.probes == 2)
    }

    @Test("outcomes older than the window drop out of it")
    func slidingWindow() throws {
        let clock = ManualClock()
        let bundle = try TelemetryFixtures.bundle(clock: clock)
        let guarded = try #require(bundle.handle(for: "guarded"))
        for _ in 0..<3 { bundle.report(guarded, success: false) }
        clock.advance(61)
        #expect(bundle.report(guarded, success: false) == .closed)
        for _ in 0..<2 { bundle.report(guarded, success: true) }
        #expect(bundle.report(guarded, success: false) == .closed)
        #expect(bundle.report(guarded, success: false) == .open)
    }

    @Test("8 threads evaluating and reporting at once: counts exact, every evaluation served on or off")
    func concurrentEvaluationAndReports() throws {
        let clock = ManualClock()
        let log = TransitionLog()
        let bundle = try TelemetryFixtures.bundle(clock: clock, log: log)
        let guarded = try #require(bundle.handle(for: "guarded"))
        let context = EvaluationContext(targetingKey: "u")
        let perThread = 5_000
        let wrong = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<perThread {
                let detail = bundle.detail(guarded, default: true, context: context)
                let expected: Bool = detail.reason == .circuitOpen ? false : true
                if detail.value != expected || (detail.reason != .static && detail.reason != .circuitOpen) {
                    wrong.add(1, ordering: .relaxed)
                }
                if thread % 2 == 0 { bundle.report(guarded, success: index % 3 != 0) }
                if thread == 1 && index % 500 == 0 { clock.advance(31) }
            }
        }
        #expect(wrong.load(ordering: .relaxed) == 0)
        let snapshot = bundle.telemetrySnapshot()
        #expect(snapshot.evaluationCount == UInt64(8 * perThread))
        let status = try #require(snapshot.circuits.first)
        #expect(status.opened >= 1)
        #expect(UInt64(log.all.count) == status.opened + status.halfOpened + status.closed)
    }
}
