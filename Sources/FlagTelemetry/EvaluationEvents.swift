import FlagRuntime

/// Evaluation events as JSON Lines, named after OpenTelemetry's feature-flag semantic conventions
/// (event `feature_flag.evaluation`; attributes `feature_flag.key`, `feature_flag.result.variant`,
/// `feature_flag.result.reason`, `feature_flag.provider.name`, `feature_flag.version`,
/// `error.type`, and `feature_flag.context.id` only when asked for), sampled at a fixed rate: an
/// OpenTelemetry collector's file log receiver (or any log shipper) forwards them. No context
/// attribute's value is ever written; the targeting key only with `includeTargetingKey`.
public struct EvaluationEvents: Sendable {
    /// The fraction of evaluations written, 0…1.
    public let rate: Double
    public let providerName: String
    /// Whether events carry the context's targeting key (`feature_flag.context.id`).
    public let includeTargetingKey: Bool
    /// Accumulates `rate` per evaluation; an event is written each time it reaches 1, so exactly
    /// `rate` of the evaluations are written, evenly spread.
    private var credit: Double

    /// - Parameter rate: clamped to 0…1 (NaN is 0).
    public init(rate: Double, providerName: String = "flagc", includeTargetingKey: Bool = false) {
        self.rate = rate.isNaN ? 0 : min(1, max(0, rate))
        self.providerName = providerName
        self.includeTargetingKey = includeTargetingKey
        // The first evaluation is written whatever the rate (when not 0), then one in 1/rate.
        credit = self.rate > 0 ? 1 - self.rate : 0
    }

    /// The event line for one evaluation, or nil when sampling skips it. `version` is the
    /// bundle's (say `String(bundle.header.bundleVersion)`); `timestamp` in Unix nanoseconds.
    public mutating func line<Value>(
        for detail: EvaluationDetail<Value>,
        version: String,
        targetingKey: String? = nil,
        timestamp: Int64
    ) -> String? {
        guard rate > 0 else { return nil }
        credit += rate
        guard credit >= 1 else { return nil }
        credit -= 1
        var attributes: [JSONMember] = [
            JSONMember("feature_flag.key", .string(detail.flagKey)),
            JSONMember("feature_flag.provider.name", .string(providerName)),
            JSONMember("feature_flag.result.reason", .string(detail.reason.rawValue.lowercased())),
            JSONMember("feature_flag.version", .string(version)),
        ]
        if let variant = detail.variant {
            attributes.append(JSONMember("feature_flag.result.variant", .string(variant)))
        }
        if let code = detail.errorCode {
            attributes.append(JSONMember("error.type", .string(code.rawValue.lowercased())))
        }
        if includeTargetingKey, let targetingKey {
            attributes.append(JSONMember("feature_flag.context.id", .string(targetingKey)))
        }
        return JSONValue.object([
            JSONMember("name", .string("feature_flag.evaluation")),
            JSONMember("timeUnixNano", .string(String(timestamp))),
            JSONMember("attributes", .object(attributes)),
        ]).jsonText
    }
}
