extension LoadOptions {
    /// Options from the environment a function is deployed with, so operators change them by
    /// configuration instead of a redeploy:
    /// - `FLAGC_ROOT_PUBLIC_KEY`: one or more root public key texts, separated by commas or new lines;
    /// - `FLAGC_RECIPIENT_KEY`: the recipient secret key text;
    /// - `FLAGC_TARGET`, `FLAGC_ENVIRONMENT`: the expected target and environment;
    /// - `FLAGC_MIN_BUNDLE_VERSION`, `FLAGC_MIN_KEYRING_VERSION`: rollback floors.
    /// - Throws: `LoadOptionsError` naming the variable that is malformed (never its value).
    public static func fromEnvironment() throws(LoadOptionsError) -> LoadOptions {
        try fromEnvironment { Environment.value($0) }
    }

    /// As `fromEnvironment()`, reading variables through `lookup`.
    public static func fromEnvironment(_ lookup: (String) -> String?) throws(LoadOptionsError) -> LoadOptions {
        let roots = try FlagcEnvironment.rootKeys(lookup) ?? []
        guard !roots.isEmpty else {
            throw LoadOptionsError(
                variable: FlagcEnvironment.rootPublicKey,
                problem: "not set: a function must pin at least one root key"
            )
        }
        var options = LoadOptions(trustedRoots: roots)
        options.recipientKey = try FlagcEnvironment.recipientKey(lookup)
        options.expectedTarget = lookup(FlagcEnvironment.target).flatMap { $0.isEmpty ? nil : $0 }
        options.expectedEnvironment = lookup(FlagcEnvironment.environment).flatMap { $0.isEmpty ? nil : $0 }
        if let floor: UInt64 = try FlagcEnvironment.floor(FlagcEnvironment.minimumBundleVersion, lookup) {
            options.minimumBundleVersion = floor
        }
        if let floor: UInt32 = try FlagcEnvironment.floor(FlagcEnvironment.minimumKeyringVersion, lookup) {
            options.minimumKeyringVersion = floor
        }
        return options
    }
}

/// The one parser of the `FLAGC_*` environment: the runtime's `LoadOptions.fromEnvironment`, the
/// compiler's `KeyStore` and the command line read the variables through it.
package enum FlagcEnvironment {
    package static let rootPublicKey = "FLAGC_ROOT_PUBLIC_KEY"
    package static let recipientKey = "FLAGC_RECIPIENT_KEY"
    package static let signingKey = "FLAGC_SIGNING_KEY"
    package static let target = "FLAGC_TARGET"
    package static let environment = "FLAGC_ENVIRONMENT"
    package static let minimumBundleVersion = "FLAGC_MIN_BUNDLE_VERSION"
    package static let minimumKeyringVersion = "FLAGC_MIN_KEYRING_VERSION"

    /// The key texts of a `FLAGC_ROOT_PUBLIC_KEY` value: separated by commas or new lines, blank
    /// parts skipped.
    package static func rootKeyTexts(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == "," || $0.isNewline })
            .filter { !$0.allSatisfy(\.isWhitespace) }
            .map(String.init)
    }

    /// The pinned roots of `FLAGC_ROOT_PUBLIC_KEY`; nil when the variable is unset.
    package static func rootKeys(_ lookup: (String) -> String?) throws(LoadOptionsError) -> [RootPublicKey]? {
        guard let value = lookup(rootPublicKey) else { return nil }
        var roots: [RootPublicKey] = []
        for text in rootKeyTexts(value) {
            do {
                roots.append(try RootPublicKey(text: text))
            } catch {
                throw LoadOptionsError(variable: rootPublicKey, problem: error.description)
            }
        }
        return roots
    }

    /// The recipient key of `FLAGC_RECIPIENT_KEY`; nil when the variable is unset.
    package static func recipientKey(_ lookup: (String) -> String?) throws(LoadOptionsError) -> RecipientKey? {
        guard let text = lookup(recipientKey) else { return nil }
        do {
            return try RecipientKey(text: text)
        } catch {
            throw LoadOptionsError(variable: recipientKey, problem: error.description)
        }
    }

    /// A rollback floor (`FLAGC_MIN_BUNDLE_VERSION`, `FLAGC_MIN_KEYRING_VERSION`); nil when unset,
    /// an error when not a whole number (never silently no floor).
    package static func floor<Value: FixedWidthInteger>(
        _ variable: String,
        _ lookup: (String) -> String?
    ) throws(LoadOptionsError) -> Value? {
        guard let text = lookup(variable) else { return nil }
        guard let value = Value(text) else { throw LoadOptionsError(variable: variable, problem: "not a whole number") }
        return value
    }
}

/// A malformed environment variable; names the variable, never its value.
public struct LoadOptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable): \(problem)" }
}
