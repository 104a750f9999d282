// swift-tools-version:6.1
import PackageDescription

import class Foundation.ProcessInfo

/// package-benchmark and the FlagBenchmarks target exist only when FLAGC_BENCHMARKS is set
/// (`FLAGC_BENCHMARKS=1 swift package benchmark`), so neither the packages that depend on flagc nor
/// the test run fetch or build them.
let withBenchmarks = ProcessInfo.processInfo.environment["FLAGC_BENCHMARKS"] != nil

let package = Package(
    name: "flagc",
    products: [
        .executable(name: "flagc", targets: ["flagc"]),
        .library(name: "FlagRuntime", targets: ["FlagRuntime"]),
        .library(name: "FlagTelemetry", targets: ["FlagTelemetry"]),
        .library(name: "FlagMetrics", targets: ["FlagMetrics"]),
        .library(name: "FlagCompiler", targets: ["FlagCompiler"]),
        .plugin(name: "FlagcPlugin", targets: ["FlagcPlugin"]),
        // The C interface (include/flagc.h of CFlagc), shared and static: docs/bindings.md.
        .library(name: "flagc-c", type: .dynamic, targets: ["FlagRuntimeC"]),
        .library(name: "flagc-c-static", type: .static, targets: ["FlagRuntimeC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // The runtime linked into functions: the standard library and libsodium only.
        .target(
            name: "FlagRuntime",
            dependencies: ["CSodium", "CFlagThread"]
        ),
        // The telemetry's per-thread cache: one C thread-local the runtime reads inline.
        .target(name: "CFlagThread"),
        // Exporters of the runtime's telemetry, text only: CloudWatch EMF, Prometheus exposition
        // (and its atomic textfile), OpenTelemetry-named events. Standard library only, like the runtime.
        .target(
            name: "FlagTelemetry",
            dependencies: ["FlagRuntime"]
        ),
        // The runtime's counters mirrored into apple/swift-metrics (CoreMetrics only: no Foundation).
        .target(
            name: "FlagMetrics",
            dependencies: ["FlagRuntime", .product(name: "CoreMetrics", package: "swift-metrics")]
        ),
        // flagc.h, the C interface's one public header (its declarations only).
        .target(name: "CFlagc"),
        // The C interface over FlagRuntime (`@_cdecl` functions); like the runtime, no Foundation.
        .target(
            name: "FlagRuntimeC",
            dependencies: ["FlagRuntime", "CFlagc"]
        ),
        // YAML front end, validation, lowering, encoding, signing and code generation.
        .target(
            name: "FlagCompiler",
            dependencies: ["FlagRuntime", "CSodium", "CYAML"]
        ),
        // The command line: a thin layer of commands over FlagCompiler.
        .executableTarget(
            name: "flagc",
            dependencies: [
                "FlagCompiler", "FlagTelemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Runs `flagc generate` at build time for packages that use FlagRuntime.
        .plugin(
            name: "FlagcPlugin",
            capability: .buildTool(),
            dependencies: ["flagc"],
            path: "Sources/FlagcPlugin"
        ),
        // Counts heap allocations (interposes malloc) for the benchmark and allocation tests only.
        .target(name: "CAllocationCounter"),
        // `swift run -c release flagc-bench --json [--quick]`: the figures of docs/performance.md.
        .executableTarget(
            name: "flagc-bench",
            dependencies: ["FlagCompiler", "FlagRuntime", "FlagTestSupport", "CAllocationCounter"],
            exclude: ["Peers"]  // `--peers`: the C harness and scripts it compiles and runs
        ),
        // Fixtures shared by the test targets: in-memory keys, projects and bundles. Not a product.
        .target(
            name: "FlagTestSupport",
            dependencies: ["FlagCompiler", "FlagRuntime"]
        ),
        .testTarget(
            name: "FlagRuntimeTests",
            dependencies: ["FlagRuntime", "FlagCompiler", "FlagTelemetry", "FlagTestSupport"]
        ),
        .testTarget(
            name: "FlagMetricsTests",
            dependencies: [
                "FlagMetrics", "FlagRuntime", "FlagCompiler", "FlagTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "FlagCompilerTests",
            dependencies: ["FlagCompiler", "FlagRuntime", "FlagTestSupport"]
        ),
        // Compiles the checked-in generated code of the example's `dev` target against the runtime.
        .testTarget(
            name: "GeneratedCodeTests",
            dependencies: ["FlagCompiler", "FlagRuntime", "FlagTestSupport"]
        ),
        // Counts heap allocations per evaluation (its process has malloc interposed).
        .testTarget(
            name: "AllocationTests",
            dependencies: ["FlagRuntime", "FlagCompiler", "FlagTestSupport", "CAllocationCounter"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["flagc", "FlagCompiler", "FlagRuntime", "FlagTestSupport"]
        ),
        // The C interface against the Swift runtime (Tests/CABI checks it from C).
        .testTarget(
            name: "FlagRuntimeCTests",
            dependencies: ["FlagRuntimeC", "CFlagc", "FlagRuntime", "FlagTestSupport"]
        ),
        // Random projects and contexts, evaluated by the runtime and by a reference interpreter.
        .testTarget(name: "DifferentialTests", dependencies: ["FlagCompiler", "FlagRuntime", "FlagTestSupport"]),
    ]
)

if withBenchmarks {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"])
    )
    package.targets.append(
        // The load and evaluation figures with package-benchmark: allocation counts and p90
        // thresholds checked in under Sources/Benchmarks/Thresholds. The target's folder must sit
        // in one named Benchmarks.
        .executableTarget(
            name: "FlagBenchmarks",
            dependencies: [
                "FlagCompiler", "FlagRuntime", "FlagTestSupport",
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Sources/Benchmarks/FlagBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        )
    )
}
