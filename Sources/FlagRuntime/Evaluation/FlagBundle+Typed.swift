/// A Swift type a flag can be read as.
public protocol FlagValueRepresentable: Sendable {
    /// Whether flags of `type` can be read as this Swift type.
    static func accepts(_ type: FlagType) -> Bool
    /// The value, or nil when it has another type.
    init?(flagValue: FlagValue)
}

extension Bool: FlagValueRepresentable {
    public static func accepts(_ type: FlagType) -> Bool { type == .boolean }
    public init?(flagValue: FlagValue) {
        guard case .bool(let value) = flagValue else { return nil }
        self = value
    }
}

extension String: FlagValueRepresentable {
    public static func accepts(_ type: FlagType) -> Bool { type == .string }
    public init?(flagValue: FlagValue) {
        guard case .string(let value) = flagValue else { return nil }
        self = value
    }
}

extension Int: FlagValueRepresentable {
    public static func accepts(_ type: FlagType) -> Bool { type == .integer }
    public init?(flagValue: FlagValue) {
        guard case .integer(let value) = flagValue, let int = Int(exactly: value) else { return nil }
        self = int
    }
}

extension Double: FlagValueRepresentable {
    /// Integer flags widen to `Double`.
    public static func accepts(_ type: FlagType) -> Bool { type == .number || type == .integer }
    public init?(flagValue: FlagValue) {
        switch flagValue {
        case .number(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension JSONValue: FlagValueRepresentable {
    public static func accepts(_ type: FlagType) -> Bool { type == .object }
    public init?(flagValue: FlagValue) {
        guard case .object(let value) = flagValue else { return nil }
        self = value
    }
}

extension FlagBundle {
    // MARK: Generic core

    @inline(__always)
    func value<Value: FlagValueRepresentable>(
        _ handle: FlagHandle,
        _ defaultValue: Value,
        _ source: some AttributeSource
    ) -> Value {
        guard owns(handle), invalidReason(source) == nil else {
            telemetry?.count(owns(handle) ? .invalidContext : .flagNotFound)
            return defaultValue
        }
        let flag = tables.view.flags[handle.index]
        guard Value.accepts(flag.type) else {
            telemetry?.count(.typeMismatch)
            return defaultValue
        }
        let variant = Int(flag.variantStart) + outcome(handle.index, source).variant
        return Value(flagValue: tables.value(ofVariant: variant, type: flag.type)) ?? defaultValue
    }

    func detail<Value: FlagValueRepresentable>(
        _ handle: FlagHandle?,
        key: String,
        _ defaultValue: Value,
        _ source: some AttributeSource
    ) -> EvaluationDetail<Value> {
        guard let handle, owns(handle) else {
            telemetry?.count(.flagNotFound)
            return .failure(key, defaultValue, .flagNotFound, "flag '\(key)' is not in the bundle")
        }
        let flag = tables.view.flags[handle.index]
        guard Value.accepts(flag.type) else {
            telemetry?.count(.typeMismatch)
            return .failure(
                key,
                defaultValue,
                .typeMismatch,
                "flag '\(key)' is of type \(flag.type), not \(Value.self)"
            )
        }
        if let reason = invalidReason(source) {
            telemetry?.count(.invalidContext)
            return .failure(key, defaultValue, .invalidContext, reason)
        }
        let full = detail(handle.index, outcome(handle.index, source), key: key)
        guard let value = Value(flagValue: full.value) else {
            return .failure(key, defaultValue, .typeMismatch, "flag '\(key)' value does not fit \(Value.self)")
        }
        return full.map { _ in value }
    }

    func prepared(_ context: PreparedContext) -> Bool { context.bundleID == ObjectIdentifier(self) }

    /// The caller's default for a key the bundle lacks, counted as `FLAG_NOT_FOUND`.
    private func missing<Value>(_ defaultValue: Value) -> Value {
        telemetry?.count(.flagNotFound)
        return defaultValue
    }

    // MARK: By key

    /// The boolean value of `key`, or `defaultValue` when it is missing or of another type.
    public func bool(_ key: String, default defaultValue: Bool, context: EvaluationContext) -> Bool {
        guard let handle = handle(for: key) else { return missing(defaultValue) }
        return value(handle, defaultValue, context)
    }

    /// The string value of `key`, or `defaultValue` when it is missing or of another type.
    public func string(_ key: String, default defaultValue: String, context: EvaluationContext) -> String {
        guard let handle = handle(for: key) else { return missing(defaultValue) }
        return value(handle, defaultValue, context)
    }

    /// The integer value of `key`, or `defaultValue` when it is missing or of another type.
    public func int(_ key: String, default defaultValue: Int, context: EvaluationContext) -> Int {
        guard let handle = handle(for: key) else { return missing(defaultValue) }
        return value(handle, defaultValue, context)
    }

    /// The number value of `key` (integer flags widen), or `defaultValue`.
    public func double(_ key: String, default defaultValue: Double, context: EvaluationContext) -> Double {
        guard let handle = handle(for: key) else { return missing(defaultValue) }
        return value(handle, defaultValue, context)
    }

    /// The object value of `key`, or `defaultValue` when it is missing or of another type.
    public func object(_ key: String, default defaultValue: JSONValue, context: EvaluationContext) -> JSONValue {
        guard let handle = handle(for: key) else { return missing(defaultValue) }
        return value(handle, defaultValue, context)
    }

    /// Value, variant, reason, rule and error code of `key` read as `Value`.
    public func detail<Value: FlagValueRepresentable>(
        _ key: String,
        default defaultValue: Value,
        context: EvaluationContext
    ) -> EvaluationDetail<Value> {
        detail(handle(for: key), key: key, defaultValue, context)
    }

    // MARK: By handle (no lookup by name; what generated code uses)

    public func bool(_ handle: FlagHandle, default defaultValue: Bool, context: EvaluationContext) -> Bool {
        value(handle, defaultValue, context)
    }
    public func string(_ handle: FlagHandle, default defaultValue: String, context: EvaluationContext) -> String {
        value(handle, defaultValue, context)
    }
    public func int(_ handle: FlagHandle, default defaultValue: Int, context: EvaluationContext) -> Int {
        value(handle, defaultValue, context)
    }
    public func double(_ handle: FlagHandle, default defaultValue: Double, context: EvaluationContext) -> Double {
        value(handle, defaultValue, context)
    }
    public func object(_ handle: FlagHandle, default defaultValue: JSONValue, context: EvaluationContext) -> JSONValue {
        value(handle, defaultValue, context)
    }
    public func detail<Value: FlagValueRepresentable>(
        _ handle: FlagHandle,
        default defaultValue: Value,
        context: EvaluationContext
    ) -> EvaluationDetail<Value> {
        detail(handle, key: key(of: handle) ?? "", defaultValue, context)
    }

    // MARK: By handle with a prepared context (no lookups at all)

    public func bool(_ handle: FlagHandle, default defaultValue: Bool, context: PreparedContext) -> Bool {
        prepared(context) ? value(handle, defaultValue, context) : defaultValue
    }
    public func string(_ handle: FlagHandle, default defaultValue: String, context: PreparedContext) -> String {
        prepared(context) ? value(handle, defaultValue, context) : defaultValue
    }
    public func int(_ handle: FlagHandle, default defaultValue: Int, context: PreparedContext) -> Int {
        prepared(context) ? value(handle, defaultValue, context) : defaultValue
    }
    public func double(_ handle: FlagHandle, default defaultValue: Double, context: PreparedContext) -> Double {
        prepared(context) ? value(handle, defaultValue, context) : defaultValue
    }
    public func object(_ handle: FlagHandle, default defaultValue: JSONValue, context: PreparedContext) -> JSONValue {
        prepared(context) ? value(handle, defaultValue, context) : defaultValue
    }
    public func detail<Value: FlagValueRepresentable>(
        _ handle: FlagHandle,
        default defaultValue: Value,
        context: PreparedContext
    ) -> EvaluationDetail<Value> {
        guard prepared(context) else {
            return .failure(
                key(of: handle) ?? "",
                defaultValue,
                .invalidContext,
                "the context was prepared for another bundle"
            )
        }
        return detail(handle, key: key(of: handle) ?? "", defaultValue, context)
    }
}
