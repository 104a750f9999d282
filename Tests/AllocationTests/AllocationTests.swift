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
