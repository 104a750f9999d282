import CAllocationCounter
import FlagRuntime
import FlagTestSupport
import Testing

/// `matches` allocates nothing on either engine, whatever the program's size: the NFA simulation's scratch lives on
/// the stack (every scratch size, up to the largest program, is exercised).
@Suite("Allocation-free regex matching")
struct RegexAllocationTests {
    static let bundle: FlagBundle = {
        var yaml = "flags:\n"
        for (index, pattern) in [
            "@example\\\\.com$", "a.{11}", "(a|b)*a(a|b){20}", "^\\\\w{300}$", "^[a-f]{1000}$", "^[^\\\\n]{1000}$",
            "^[^\\\\n]{1000}[^\\\\n]{1000}$",
        ].enumerated() {
            yaml +=
                "  r\(index):\n    default: off\n    rules: [{ when: { email: { matches: \"\(pattern)\" } }, serve: on }]\n"
        }
        let keys = TestKeys()
        let content = try! TestProject.content(yaml)
        return try! FlagBundle.load(bytes: keys.bundle(content), options: keys.options())
    }()

    @Test func matchingAllocatesNothingOnEitherEngine() {
        let bundle = Self.bundle
        let contexts = ["u1@example.com", "a" + String(repeating: "b", count: 30), String(repeating: "f", count: 1000)]
            .map { EvaluationContext(targetingKey: "user-1", attributes: ["email": .string($0)]) }
        var sink = 0
        for key in bundle.flagKeys {
            guard let handle = bundle.handle(for: key) else { continue }
            let count = AllocationTests.allocations {
                for index in contexts.indices {
                    sink &+= bundle.bool(handle, default: false, context: contexts[index]) ? 1 : 0
                }
            }
            #expect(count == 0, "evaluating '\(key)' allocated \(count) times")
        }
        #expect(sink > 0)
    }
}
