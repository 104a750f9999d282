import FlagRuntime

/// What `flagc --version` prints: the tool's version and the bundle format it writes.
enum FlagcVersion {
    /// The release of this flagc (semantic versioning; raised with every released change).
    static let release = "0.5.0"

    static var current: String { "\(release) (bundle format \(BundleHeader.currentFormatVersion))" }
}
