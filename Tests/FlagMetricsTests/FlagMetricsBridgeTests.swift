import FlagCompiler
import FlagMetrics
import FlagRuntime
import FlagTestSupport
import Foundation
import MetricsTestKit
import Testing

@Suite("swift-metrics bridge")
struct FlagMetricsBridgeTests {
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
            guard: { failures: 2, window: 60s, minimumCalls: 2, openFor: 30s, probes: 1 }
        """

    static let beta = EvaluationContext(targetingKey: "u1", attributes: ["plan": "beta"])
    static let free = EvaluationContext(targetingKey: "u2", attributes: ["plan": "free"])

    static func evaluations(_ metrics: TestMetrics, _ flag: String, _ variant: String, _ reason: String) -> Int64 {
        metrics.counterTotal(
            label: "flagc_evaluations_total",
            dimensions: [("service", "checkout"), ("flag", flag), ("variant", variant), ("reason", reason)]
        )
    }

    @Test("update adds exactly what was counted since the last update: no double counting")
    func exactDeltas() throws {
        let bundle = try TestProject.bundle(Self.flags)
        let metrics = TestMetrics()
        let bridge = FlagMetricsBridge(bundle, dimensions: [("service", "checkout")], factory: metrics)
        let checkout = try #require(bundle.handle(for: "checkout"))
        for _ in 0..<5 { _ = bundle.bool(checkout, default: false, context: Self.beta) }
        for _ in 0..<3 { _ = bundle.bool(checkout, default: false, context: Self.free) }
        _ = bundle.bool("missing", default: false, context: Self.free)
        bridge.update()
        #expect(Self.evaluations(metrics, "checkout", "on", "TARGETING_MATCH") == 5)
        #expect(Self.evaluations(metrics, "checkout", "off", "DEFAULT") == 3)
        #expect(
            metrics.counterTotal(
                label: "flagc_evaluation_errors_total",
                dimensions: [("service", "checkout"), ("code", "FLAG_NOT_FOUND")]
            ) == 1
        )

        bridge.update()  // nothing new: nothing added
        #expect(Self.evaluations(metrics, "checkout", "on", "TARGETING_MATCH") == 5)
        for _ in 0..<2 { _ = bundle.bool(checkout, default: false, context: Self.beta) }
        bridge.update()
        let counter = try metrics.expectCounter(
            "flagc_evaluations_total",
            [("service", "checkout"), ("flag", "checkout"), ("variant", "on"), ("reason", "TARGETING_MATCH")]
        )
        #expect(counter.values == [5, 2])
        #expect(counter.totalValue == 7)
    }

    @Test("breaker transitions are counted, the breaker's state and the bundle's version and expiry are gauges")
    func circuitsAndGauges() throws {
        let bundle = try TestProject.bundle(Self.flags, now: Double(TestClock.start))
        let metrics = TestMetrics()
        let bridge = FlagMetricsBridge(bundle, factory: metrics)
        let guarded = try #require(bundle.handle(for: "guarded"))
        _ = bundle.bool(guarded, default: false, context: Self.free)
        bundle.report(guarded, success: false)
        bundle.report(guarded, success: false)
        #expect(bundle.circuitState(guarded) == .open)
        #expect(!bundle.bool(guarded, default: true, context: Self.free))
        bridge.update()
        #expect(
            metrics.counterTotal(
                label: "flagc_circuit_transitions_total",
                dimensions: [("flag", "guarded"), ("to", "open")]
            )
                == 1
        )
        #expect(Self.count(metrics, "guarded", "off", "CIRCUIT_OPEN") == 1)
        #expect(
            try metrics.expectGauge("flagc_circuit_state", [("flag", "guarded"), ("state", "open")]).lastValue == 1
        )
        #expect(
            try metrics.expectGauge("flagc_circuit_state", [("flag", "guarded"), ("state", "closed")]).lastValue == 0
        )
        let labels = [("target", bundle.header.target), ("environment", bundle.header.environment)]
        #expect(
            try metrics.expectGauge("flagc_bundle_version", labels).lastValue == Double(bundle.header.bundleVersion)
        )
        #expect(
            try metrics.expectGauge("flagc_bundle_expiry_timestamp_seconds", labels).lastValue
                == Double(bundle.header.expiresAt)
        )
        #expect(
            try metrics.expectGauge("flagc_keyring_expiry_timestamp_seconds", labels).lastValue
                == Double(bundle.header.keyring.expiresAt)
        )
    }

    static func count(_ metrics: TestMetrics, _ flag: String, _ variant: String, _ reason: String) -> Int64 {
        metrics.counterTotal(
            label: "flagc_evaluations_total",
            dimensions: [("flag", flag), ("variant", variant), ("reason", reason)]
        )
    }

    @Test("a refreshing client's swap: the old bundle's last counts, then the new one's, counters monotonic")
    func followsSwaps() throws {
        let keys = TestKeys()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("flags.bundle").path
        func drop(version: UInt64) throws {
            let bytes = keys.bundle(try TestProject.content(Self.flags), bundleVersion: version)
            try Data(bytes).write(to: URL(fileURLWithPath: path + ".tmp"))
            #expect(rename(path + ".tmp", path) == 0)
        }
        try drop(version: 10)
        let client = RefreshingFlagClient(path: path, options: keys.options())
        let metrics = TestMetrics()
        let bridge = FlagMetricsBridge(client, factory: metrics)
        for _ in 0..<4 { _ = client.bool("checkout", default: false, context: Self.beta) }
        bridge.update()
        #expect(Self.count(metrics, "checkout", "on", "TARGETING_MATCH") == 4)
        for _ in 0..<2 { _ = client.bool("checkout", default: false, context: Self.beta) }  // before the swap
        try drop(version: 11)
        #expect(client.refresh() == .swapped(bundleVersion: 11))
        for _ in 0..<3 { _ = client.bool("checkout", default: false, context: Self.beta) }
        bridge.update()
        #expect(Self.count(metrics, "checkout", "on", "TARGETING_MATCH") == 4 + 2 + 3)
        let labels = [("target", "test"), ("environment", "test")]
        #expect(try metrics.expectGauge("flagc_bundle_version", labels).lastValue == 11)
    }

    @Test("concurrent updates while 4 threads evaluate: the total is exact")
    func concurrentUpdates() throws {
        let bundle = try TestProject.bundle(Self.flags)
        let metrics = TestMetrics()
        let bridge = FlagMetricsBridge(bundle, factory: metrics)
        let checkout = try #require(bundle.handle(for: "checkout"))
        DispatchQueue.concurrentPerform(iterations: 6) { worker in
            if worker >= 4 {
                for _ in 0..<50 { bridge.update() }
            } else {
                for _ in 0..<5_000 { _ = bundle.bool(checkout, default: false, context: Self.beta) }
            }
        }
        bridge.update()
        #expect(Self.count(metrics, "checkout", "on", "TARGETING_MATCH") == 20_000)
    }
}
