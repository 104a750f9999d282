import Benchmark
import FlagCompiler
import FlagRuntime
import FlagTestSupport

// The load and evaluation figures of docs/performance.md with package-benchmark: heap allocations
// counted by its malloc interposer as well as wall-clock time, and p90 thresholds recorded on the
// benchmark machine and checked in (Sources/Benchmarks/Thresholds). A check fails on any allocation
// more than recorded, or on a p90 time 25 % above the recorded one. The target exists only when
// FLAGC_BENCHMARKS is set (see Package.swift):
//
//     FLAGC_BENCHMARKS=1 swift package benchmark
//     FLAGC_BENCHMARKS=1 swift package benchmark thresholds check --path "$PWD/Sources/Benchmarks/Thresholds"
//     FLAGC_BENCHMARKS=1 swift package --allow-writing-to-package-directory benchmark thresholds update \
//         --path "$PWD/Sources/Benchmarks/Thresholds"
//
// (Names have no spaces: `thresholds update` writes a space in a name as `_`, which `thresholds
// check` then does not find; and `check` needs the absolute path.) `flagc-bench` remains the
// one-line way to print every figure against its budget. Times depend on how quiet the machine
// is; allocation counts do not.

/// The workloads of `flagc-bench`: 1,000 and 10,000 generated flags, compiled and sealed once.
private struct Workloads: Sendable {
    let keys = TestKeys()
    /// Inside the bundles' validity, at the time the workload's ramps are at 25 %.
    let now: Int64 = 1_796_220_000
    let bundle1000: [UInt8]
    let bundle10000: [UInt8]

    init() {
        bundle1000 = Self.compile(flagCount: 1_000, keys: keys)
        bundle10000 = Self.compile(flagCount: 10_000, keys: keys)
    }

    static func compile(flagCount: Int, keys: TestKeys) -> [UInt8] {
        keys.bundle(try! TestProject.content(Workload.yaml(flagCount: flagCount)), target: "bench")
    }

    var options: LoadOptions { keys.options(now: now) }
}

/// What the per-evaluation figures score: the context of `flagc-bench`'s evaluation figures.
private let context = EvaluationContext(
    targetingKey: "user-42",
    attributes: [
        "country": "FR", "appVersion": "2.5.0", "age": 30, "plan": "pro", "seats": 10, "email": "u42@mail.test",
    ],
    now: 1_796_220_000
)

/// Loads: a time budget per load; a load allocates its tables, and any allocation more than the
/// recorded count is a regression.
private func loadConfiguration() -> Benchmark.Configuration {
    Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 10,
        maxDuration: .seconds(2),
        maxIterations: 2_000,
        thresholds: [
            .wallClock: BenchmarkThresholds(relative: [.p90: 25]),
            .mallocCountTotal: BenchmarkThresholds(absolute: [.p90: 0]),
        ]
    )
}

/// Evaluations: 1,000 per sample (so one sample outlasts the clock's resolution), no allocation.
private func evaluationConfiguration() -> Benchmark.Configuration {
    Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 5_000,
        thresholds: [
            .wallClock: BenchmarkThresholds(relative: [.p90: 25]),
            .mallocCountTotal: BenchmarkThresholds(absolute: [.p90: 0]),
        ]
    )
}

let benchmarks: @Sendable () -> Void = {
    let workloads = Workloads()
    let options = workloads.options

    Benchmark("Load1000Flags", configuration: loadConfiguration()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try FlagBundle.load(bytes: workloads.bundle1000, options: options))
        }
    }

    Benchmark("Load10000Flags", configuration: loadConfiguration()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try FlagBundle.load(bytes: workloads.bundle10000, options: options))
        }
    }

    let bundle = try! FlagBundle.load(bytes: workloads.bundle1000, options: options)
    let rules = bundle.handle(for: Workload.flagKey(1))!  // three conditions and a split
    let fixed = bundle.handle(for: Workload.flagKey(7))!  // no rules
    let rulesKey = Workload.flagKey(1)

    Benchmark("EvaluateRulesByAccessor", configuration: evaluationConfiguration()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(bundle.bool(rules, default: false, context: context))
        }
    }

    Benchmark("EvaluateRulesByKey", configuration: evaluationConfiguration()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(bundle.bool(rulesKey, default: false, context: context))
        }
    }

    Benchmark("EvaluateStaticFlagByAccessor", configuration: evaluationConfiguration()) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(bundle.bool(fixed, default: false, context: context))
        }
    }
}
