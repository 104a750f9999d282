import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

/// Every loader option, so operators check a bundle exactly as a function would.
struct LoaderOptions: ParsableArguments {
    @Option(name: .customLong("root-key"), help: "A pinned root public key (text or file); repeat for several.")
    var rootKeys: [String] = []

    @Option(
        name: .customLong("key"),
        help: "The recipient secret key (file or text); default: FLAGC_RECIPIENT_KEY or keys/*.recipient.key."
    )
    var recipientKey: String?

    @Option(help: "Refuse a bundle built for another target.")
    var target: String?

    @Option(help: "Refuse a bundle built for another environment.")
    var environment: String?

    @Option(name: .customLong("min-bundle-version"), help: "Refuse older bundles (default: FLAGC_MIN_BUNDLE_VERSION).")
    var minimumBundleVersion: UInt64?

    @Option(
        name: .customLong("min-keyring-version"),
        help: "Refuse older keyrings (default: FLAGC_MIN_KEYRING_VERSION)."
    )
    var minimumKeyringVersion: UInt32?

    @Option(help: "The verification clock, RFC 3339: expiry and key windows are checked at this time (default: now).")
    var now: String?

    @Option(
        help:
            "The evaluation clock, RFC 3339: ramps and before/after see this time (default: now), e.g. to preview a ramp."
    )
    var at: String?

    @Option(help: "Tolerated clock skew, e.g. 5m.")
    var leeway = "5m"

    @OptionGroup var keys: KeyOptions

    /// The evaluation clock as Unix seconds, when `--at` is given.
    func evaluationTime() throws -> Double? {
        try Self.time(at, option: "--at")
    }

    /// The verification clock as Unix seconds, when `--now` is given.
    func verificationTime() throws -> Double? {
        try Self.time(now, option: "--now")
    }

    private static func time(_ text: String?, option: String) throws -> Double? {
        guard let text else { return nil }
        guard let time = Timestamp.parseRFC3339(text) else {
            throw ValidationError("\(option) must be an RFC 3339 time like 2026-12-01T09:00:00Z")
        }
        return time
    }

    func loadOptions(recipientIDs: [KeyID]) throws -> LoadOptions {
        let store = keys.store
        let environmentValues = ProcessInfo.processInfo.environment
        guard let leewaySeconds = Timestamp.parseDuration(leeway) else {
            throw ValidationError("--leeway must be a duration like 5m or 30s")
        }
        do {
            var options = LoadOptions(trustedRoots: try store.trustedRoots(overrides: rootKeys))
            options.recipientKey = try store.recipientKey(override: recipientKey, recipientIDs: recipientIDs)
            options.expectedTarget = target
            options.expectedEnvironment = environment
            options.leeway = leewaySeconds
            options.minimumBundleVersion =
                try minimumBundleVersion ?? Self.floor(FlagcEnvironment.minimumBundleVersion, environmentValues) ?? 0
            options.minimumKeyringVersion =
                try minimumKeyringVersion ?? Self.floor(FlagcEnvironment.minimumKeyringVersion, environmentValues) ?? 0
            guard !options.trustedRoots.isEmpty else {
                throw Output.fail(
                    "no trusted root key: pass --root-key, set FLAGC_ROOT_PUBLIC_KEY or add keys/root.pub",
                    status: ExitStatus.invalidInput
                )
            }
            if let time = try verificationTime() { options.now = Int64(time.rounded(.down)) }
            if let time = try evaluationTime() { options.evaluationClock = { time } }
            return options
        } catch let failure as KeyStore.Failure {
            throw Output.fail(failure.description, status: ExitStatus.invalidInput)
        }
    }

    /// A floor from the environment, read by the runtime's parser; a malformed value is an error,
    /// never silently no floor.
    static func floor<Value: FixedWidthInteger>(_ name: String, _ environment: [String: String]) throws -> Value? {
        do {
            return try FlagcEnvironment.floor(name) { environment[$0] }
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
    }

    /// Reads the bundle and the recipient ids in its (not yet verified) header, to pick a key.
    func readBundle(_ path: String) throws -> ([UInt8], [KeyID]) {
        let bytes: [UInt8]
        do {
            bytes = try BundleInspection.read(path)
        } catch {
            // A file that cannot be read is invalid input; only a failed check is a verification failure.
            if case .unreadable = error { throw Output.fail("\(error)", status: ExitStatus.invalidInput) }
            throw Output.fail(
                "\(path): verification failed (\(error.check)): \(error)",
                status: ExitStatus.verificationFailure
            )
        }
        do {
            return (bytes, try BundleInspection.unverifiedRecipientIDs(bytes))
        } catch {
            throw Output.fail(
                "\(path): verification failed (\(error.check)): \(error)",
                status: ExitStatus.verificationFailure
            )
        }
    }
}
