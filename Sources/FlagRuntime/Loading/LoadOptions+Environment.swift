extension LoadOptions {
    /// Options from the environment a function is deployed with, so operators change them by
    /// configuration instead of a redeploy:
    /// - `FLAGC_ROOT_PUBLIC_KEY`: one or more root public key texts, separated by commas or new lines;
    /// - `FLAGC_RECIPIENT_KEY`: the recipient secret key text;
    /// - `FLAGC_TARGET`, `FLAGC_ENVIRONMENT`: the expected target and environment;
    /// - `FLAGC_MIN_BUNDLE_VERSION`, `FLAGC_MIN_KEYRING_VERSION`: rollback floors;
    /// - `FLAGC_TELEMETRY`: `off` (or `0`, `false`) turns the evaluation counters off.
    /// - Throws: `LoadOptionsError` naming the variable that is malformed (never its value).
    public static func fromEnvironment() throws(LoadOptionsError) -> LoadOptions {
        try fromEnvironment { Environment.value($0) }
    }

    /// As `fromEnvironment()`, reading variables through `lookup`.
    public static func fromEnvironment(_ lookup: (String) -> String?) throws(LoadOptionsError) -> LoadOptions {
        var roots: [RootPublicKey] = []
        if let text = lookup("FLAGC_ROOT_PUBLIC_KEY") {
            for part in text.split(whereSeparator: { $0 == "," || $0.isNewline }) {
                guard !part.allSatisfy(\.isWhitespace) else { continue }
                do {
                    roots.append(try RootPublicKey(text: String(part)))
                } catch {
                    throw LoadOptionsError(variable: "FLAGC_ROOT_PUBLIC_KEY", problem: error.description)
                }
            }
        }
        guard !roots.isEmpty else {
            throw LoadOptionsError(
                variable: "FLAGC_ROOT_PUBLIC_KEY",
                problem: "not set: a function must pin at least one root key"
            )
        }
        var options = LoadOptions(trustedRoots: roots)
        if let text = lookup("FLAGC_RECIPIENT_KEY") {
            do {
                options.recipientKey = try RecipientKey(text: text)
            } catch {
                throw LoadOptionsError(variable: "FLAGC_RECIPIENT_KEY", problem: error.description)
            }
        }
        options.expectedTarget = lookup("FLAGC_TARGET").flatMap { $0.isEmpty ? nil : $0 }
        options.expectedEnvironment = lookup("FLAGC_ENVIRONMENT").flatMap { $0.isEmpty ? nil : $0 }
        if let text = lookup("FLAGC_MIN_BUNDLE_VERSION") {
            guard let value = UInt64(text) else {
                throw LoadOptionsError(variable: "FLAGC_MIN_BUNDLE_VERSION", problem: "not a whole number")
            }
            options.minimumBundleVersion = value
        }
        if let text = lookup("FLAGC_MIN_KEYRING_VERSION") {
            guard let value = UInt32(text) else {
                throw LoadOptionsError(variable: "FLAGC_MIN_KEYRING_VERSION", problem: "not a whole number")
            }
            options.minimumKeyringVersion = value
        }
        if let text = lookup("FLAGC_TELEMETRY") {
            switch text.lowercased() {
            case "on", "1", "true", "": options.telemetry = true
            case "off", "0", "false": options.telemetry = false
            default: throw LoadOptionsError(variable: "FLAGC_TELEMETRY", problem: "not on or off")
            }
        }
        return options
    }
}

/// A malformed environment variable; names the variable, never its value.
public struct LoadOptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable): \(problem)" }
}
