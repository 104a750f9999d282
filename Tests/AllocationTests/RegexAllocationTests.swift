import CAllocationCounter
import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation
import Testing

/// `matches` allocates nothing on either engine for programs whose NFA scratch fits the stack bound (every stack
/// size is exercised), and one block per match for larger NFA programs; and matching runs on a thread with a small
/// stack.
@Suite("Allocation-free regex matching")
struct RegexAllocationTests {
    static let bundle: FlagBundle = {
        var yaml = "flags:\n"
        for (index, pattern) in (smallPatterns + largePatterns).enumerated() {
            yaml +=
                "  r\(index):\n    default: off\n    rules: [{ when: { email: { matches: \"\(pattern)\" } }, serve: on }]\n"
        }
        let keys = TestKeys()
        let content = try! TestProject.content(yaml)
        return try! FlagBundle.load(bytes: keys.bundle(content), options: keys.options())
    }()

    /// A DFA, and NFA programs whose scratch takes each stack size.
    static let smallPatterns = ["@example\\\\.com$", "a.{11}", "(a|b)*a(a|b){20}", "x.{40}y", "^[a-f]{300}$"]
    /// NFA programs too large for the stack bound.
    static let largePatterns = ["^\\\\w{300}$", "^[^\\\\n]{1000}$", "^[^\\\\n]{1000}[^\\\\n]{1000}$"]

    static let contexts = [
        "u1@example.com", "a" + String(repeating: "b", count: 30), String(repeating: "f", count: 1000),
    ]
    .map { EvaluationContext(targetingKey: "user-1", attributes: ["email": .string($0)]) }

    @Test func matchingAllocatesNothingWithinTheStackBound() {
        let bundle = Self.bundle
        let contexts = Self.contexts
        var sink = 0
        for (index, _) in (Self.smallPatterns + Self.largePatterns).enumerated() {
            let handle = bundle.handle(for: "r\(index)")!
            let count = AllocationTests.allocations {
                for index in contexts.indices {
                    sink &+= bundle.bool(handle, default: false, context: contexts[index]) ? 1 : 0
                }
            }
            if index < Self.smallPatterns.count {
                #expect(count == 0, "evaluating r\(index) allocated \(count) times")
            } else {
                #expect(count <= Self.contexts.count, "r\(index): at most one scratch block per match, \(count)")
            }
        }
        #expect(sink > 0)
    }

    @Test func largeProgramsMatchOnASmallStack() {
        let bundle = Self.bundle
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answers: [Bool] = []
        let thread = Thread {
            for index in (Self.smallPatterns + Self.largePatterns).indices {
                answers.append(bundle.bool("r\(index)", default: false, context: Self.contexts[2]))
            }
            done.signal()
        }
        thread.stackSize = 128 * 1024
        thread.start()
        done.wait()
        // 1,000 'f's: only ^[^\n]{1000}$ matches.
        #expect(answers == [false, false, false, false, false, false, true, false])
    }
}
