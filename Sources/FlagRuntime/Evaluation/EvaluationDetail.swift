/// Why a value was served; the OpenFeature reason names.
public enum EvaluationReason: String, Sendable, Hashable, BitwiseCopyable {
    /// The flag has no rules.
    case `static` = "STATIC"
    /// A rule served a fixed variant.
    case targetingMatch = "TARGETING_MATCH"
    /// A split or a progressive ramp decided.
    case split = "SPLIT"
    /// No rule matched.
    case `default` = "DEFAULT"
    /// The flag is switched off (kill switch).
    case disabled = "DISABLED"
    /// A prerequisite flag did not serve the required variant.
    case prerequisiteFailed = "PREREQUISITE_FAILED"
    /// The caller's default was served because of an error; see the error code.
    case error = "ERROR"
    /// The flag's circuit breaker is open: its off variant is served (see `CircuitGuard`).
    case circuitOpen = "CIRCUIT_OPEN"

    /// Every reason, in declaration order (the telemetry's counter layout).
    public static let all: [EvaluationReason] = [
        .static, .targetingMatch, .split, .default, .disabled, .prerequisiteFailed, .error, .circuitOpen,
    ]

    /// The reason's position in `all`.
    @inline(__always)
    package var ordinal: Int {
        switch self {
        case .static: 0
        case .targetingMatch: 1
        case .split: 2
        case .default: 3
        case .disabled: 4
        case .prerequisiteFailed: 5
        case .error: 6
        case .circuitOpen: 7
        }
    }
}

/// What went wrong when the caller's default was served; the OpenFeature error codes.
public enum EvaluationErrorCode: String, Sendable, Hashable {
    case flagNotFound = "FLAG_NOT_FOUND"
    case typeMismatch = "TYPE_MISMATCH"
    case parseError = "PARSE_ERROR"
    case invalidContext = "INVALID_CONTEXT"
    case general = "GENERAL"
    case providerNotReady = "PROVIDER_NOT_READY"

    /// Every error code, in declaration order (the telemetry's counter layout).
    public static let all: [EvaluationErrorCode] = [
        .flagNotFound, .typeMismatch, .parseError, .invalidContext, .general, .providerNotReady,
    ]

    /// The code's position in `all`.
    package var ordinal: Int {
        switch self {
        case .flagNotFound: 0
        case .typeMismatch: 1
        case .parseError: 2
        case .invalidContext: 3
        case .general: 4
        case .providerNotReady: 5
        }
    }
}

/// The full result of one evaluation. Evaluation never throws: on a problem `value` is the caller's
/// default, `reason` is `.error` and `errorCode` says why.
public struct EvaluationDetail<Value: Sendable>: Sendable {
    public var flagKey: String
    public var value: Value
    /// The served variant's name; nil when the caller's default was served.
    public var variant: String?
    public var reason: EvaluationReason
    /// The name of the rule that decided, when it has one.
    public var ruleName: String?
    public var errorCode: EvaluationErrorCode?
    public var errorMessage: String?

    public init(
        flagKey: String,
        value: Value,
        variant: String?,
        reason: EvaluationReason,
        ruleName: String? = nil,
        errorCode: EvaluationErrorCode? = nil,
        errorMessage: String? = nil
    ) {
        self.flagKey = flagKey
        self.value = value
        self.variant = variant
        self.reason = reason
        self.ruleName = ruleName
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }

    /// The caller's default with an error.
    static func failure(
        _ key: String,
        _ value: Value,
        _ code: EvaluationErrorCode,
        _ message: String
    ) -> EvaluationDetail {
        EvaluationDetail(
            flagKey: key,
            value: value,
            variant: nil,
            reason: .error,
            errorCode: code,
            errorMessage: message
        )
    }
}
