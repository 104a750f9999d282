/// "Load or serve defaults": a client that always answers. When the bundle could not be loaded,
/// every evaluation serves the caller's default with reason `ERROR` and error code
/// `PROVIDER_NOT_READY`, and `loadError` says why.
public struct FlagClient: Sendable {
    /// The loaded bundle, or nil when loading failed.
    public let bundle: FlagBundle?
    /// Why the bundle could not be loaded.
    public let loadError: BundleLoadError?

    public init(bundle: FlagBundle) {
        self.bundle = bundle
        self.loadError = nil
    }

    public init(loadError: BundleLoadError) {
        self.bundle = nil
        self.loadError = loadError
    }

    /// Loads the bundle at `path`; never throws.
    public static func loadOrServeDefaults(path: String, options: LoadOptions) -> FlagClient {
        do {
            return FlagClient(bundle: try FlagBundle.load(path: path, options: options))
        } catch {
            return FlagClient(loadError: error)
        }
    }

    /// Loads the bundle in `bytes`; never throws.
    public static func loadOrServeDefaults(bytes: [UInt8], options: LoadOptions) -> FlagClient {
        do {
            return FlagClient(bundle: try FlagBundle.load(bytes: bytes, options: options))
        } catch {
            return FlagClient(loadError: error)
        }
    }

    public func bool(_ key: String, default defaultValue: Bool, context: EvaluationContext) -> Bool {
        bundle?.bool(key, default: defaultValue, context: context) ?? defaultValue
    }

    public func string(_ key: String, default defaultValue: String, context: EvaluationContext) -> String {
        bundle?.string(key, default: defaultValue, context: context) ?? defaultValue
    }

    public func int(_ key: String, default defaultValue: Int, context: EvaluationContext) -> Int {
        bundle?.int(key, default: defaultValue, context: context) ?? defaultValue
    }

    public func double(_ key: String, default defaultValue: Double, context: EvaluationContext) -> Double {
        bundle?.double(key, default: defaultValue, context: context) ?? defaultValue
    }

    public func object(_ key: String, default defaultValue: JSONValue, context: EvaluationContext) -> JSONValue {
        bundle?.object(key, default: defaultValue, context: context) ?? defaultValue
    }

    /// Value, variant, reason, rule and error code; `PROVIDER_NOT_READY` when nothing was loaded.
    public func detail<Value: FlagValueRepresentable>(
        _ key: String,
        default defaultValue: Value,
        context: EvaluationContext
    ) -> EvaluationDetail<Value> {
        guard let bundle else {
            return .failure(
                key,
                defaultValue,
                .providerNotReady,
                "no bundle loaded: \(loadError.map(String.init(describing:)) ?? "unknown error")"
            )
        }
        return bundle.detail(key, default: defaultValue, context: context)
    }
}
