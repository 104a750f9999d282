import CAllocationCounter
import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// Evaluation of non-object flags allocates nothing on the heap: counted with the allocation
/// counter (it interposes malloc and friends for this test process), never timed.
@Suite("Allocation-free evaluation")
struct AllocationTests {
    static let bundle: FlagBundle = {
        let keys = TestKeys()
        let content = try! TestProject.content(Workload.yaml(flagCount: 200, segmentCount: 4, segmentSize: 50))
        return try! FlagBundle.load(bytes: keys.bundle(content), options: keys.options())
    }()

    /// Allocations made by `body`, after one warm-up call.
    static func allocations(_ body: () -> Void) -> Int {
        body()
        let before = flagc_allocation_count()
        body()
        return flagc_allocation_count() - before
    }

    @Test func typedEvaluationOfEveryNonObjectFlagAllocatesNothing() {
        let bundle = Self.bundle
        let contexts = Workload.contexts(40)
        let prepared = contexts.map(bundle.prepare)
        var sink = 0
        for key in bundle.flagKeys {
            guard let handle = bundle.handle(for: key), handle.type != .object else { continue }
            let count = Self.allocations {
                // An index loop: iterating a zip would itself allocate in an unoptimized build.
                for index in contexts.indices {
                    let context = contexts[index]
                    let preparedContext = prepared[index]
                    switch handle.type {
                    case .boolean:
                        sink &+= bundle.bool(handle, default: false, context: context) ? 1 : 0
                        sink &+= bundle.bool(handle, default: false, context: preparedContext) ? 1 : 0
                    case .string:
                        sink &+= bundle.string(handle, default: "", context: context).utf8.count
                        sink &+= bundle.string(handle, default: "", context: preparedContext).utf8.count
                    case .integer:
                        sink &+= bundle.int(handle, default: 0, context: context)
                        sink &+= bundle.int(handle, default: 0, context: preparedContext)
                    case .number:
                        sink &+= Int(bundle.double(handle, default: 0, context: context))
                    case .object: break
                    }
                }
            }
            #expect(count == 0, "evaluating '\(key)' allocated \(count) times")
        }
        #expect(sink != -1)
    }

    @Test func evaluationByKeyAllocatesNothing() {
        let bundle = Self.bundle
        let context = Workload.contexts(1)[0]
        let key = Workload.flagKey(1)
        var sink = 0
        let count = Self.allocations {
            for _ in 0..<100 { sink &+= bundle.bool(key, default: false, context: context) ? 1 : 0 }
        }
        #expect(count == 0)
        #expect(sink != -1)
    }
}

/// The circuit breaker's evaluation path and `report` allocate nothing either, in every state.
@Suite("Allocation-free circuit breakers")
struct CircuitBreakerAllocationTests {
    @Test func guardedEvaluationAndReportsAllocateNothing() throws {
        let keys = TestKeys()
        let content = try TestProject.content(
            "flags:\n  guarded:\n    default: on\n    guard: { failures: 2, minimumCalls: 2, openFor: 10s, probes: 1 }\n"
        )
        let time = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        defer { time.deallocate() }
        time.pointee = Double(TestClock.start)
        let clock = UnsafeSendablePointer(pointer: time)
        var options = keys.options()
        options.evaluationClock = { clock.pointer.pointee }
        let bundle = try FlagBundle.load(bytes: keys.bundle(content), options: options)
        let handle = try #require(bundle.handle(for: "guarded"))
        let context = EvaluationContext(targetingKey: "u")
        var sink = 0
        // closed, then open (two failures), then half-open (10 s later), then closed again (a success)
        let count = AllocationTests.allocations {
            time.pointee = Double(TestClock.start)
            for _ in 0..<3 { sink &+= bundle.bool(handle, default: false, context: context) ? 1 : 0 }
            bundle.report(handle, success: false)
            bundle.report(handle, success: false)
            sink &+= bundle.bool(handle, default: false, context: context) ? 1 : 0
            time.pointee += 10
            sink &+= bundle.bool(handle, default: false, context: context) ? 1 : 0
            bundle.report(handle, variant: 0, success: true)
        }
        #expect(count == 0, "guarded evaluation and reports allocated \(count) times")
        #expect(bundle.circuitState(handle) == .closed)
        #expect(sink != -1)
    }
}

/// A pointer the test's clock closure reads (the test changes the time between calls).
struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
}
