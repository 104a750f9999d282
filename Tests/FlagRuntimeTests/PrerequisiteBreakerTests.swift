import FlagRuntime
import FlagTestSupport
import Testing

@Suite("Prerequisites and circuit breakers")
struct PrerequisiteBreakerTests {
    static let flags = """
        flags:
          payments:
            default: on
            guard: { failures: 2, window: 60s, minimumCalls: 2, openFor: 30s, probes: 1 }
          express:
            default: on
            requires:
              - { flag: payments, variant: on }
        """

    static func bundle(clock: ManualClock) throws -> FlagBundle {
        let keys = TestKeys()
        var options = keys.options()
        options.evaluationClock = { clock.now() }
        return try FlagBundle.load(bytes: keys.bundle(TestProject.content(flags)), options: options)
    }

    @Test("a flag whose prerequisite's breaker is open or half-open fails its prerequisite; closed again, it passes")
    func prerequisiteFollowsBreaker() throws {
        let clock = ManualClock()
        let bundle = try Self.bundle(clock: clock)
        let payments = try #require(bundle.handle(for: "payments"))
        let express = try #require(bundle.handle(for: "express"))
        let context = EvaluationContext(targetingKey: "u")
        #expect(bundle.detail(express, default: false, context: context).reason == .static)
        for _ in 0..<2 { _ = bundle.report(payments, success: false) }
        #expect(bundle.circuitState(payments) == .open)
        let stopped = bundle.detail(express, default: true, context: context)
        #expect(stopped.value == false && stopped.reason == .prerequisiteFailed)
        // Half-open: the prerequisite check takes no probe, and still fails.
        clock.advance(31)
        let halfOpen = bundle.detail(express, default: true, context: context)
        #expect(halfOpen.reason == .prerequisiteFailed)
        // The one probe is still there for the guarded flag itself; its success closes the breaker.
        #expect(bundle.detail(payments, default: false, context: context).reason == .static)
        #expect(bundle.circuitState(payments) == .halfOpen)
        #expect(bundle.report(payments, success: true) == .closed)
        #expect(bundle.detail(express, default: false, context: context).value == true)
    }
}
