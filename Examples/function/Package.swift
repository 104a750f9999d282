// swift-tools-version:6.1
// A Lambda-style function as a flagc user writes it: it links only FlagRuntime (and FlagTelemetry's
// text exporters), and the flagc build plugin generates its typed `Flags` from the repository's
// flags/ at build time.
import PackageDescription

let package = Package(
    name: "checkout-function",
    dependencies: [
        .package(name: "flagc", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "CheckoutFunction",
            dependencies: [
                .product(name: "FlagRuntime", package: "flagc"),
                .product(name: "FlagTelemetry", package: "flagc"),
            ],
            exclude: ["flagc.json"],
            plugins: [.plugin(name: "FlagcPlugin", package: "flagc")]
        )
    ]
)
