/// The value of one context attribute.
public enum AttributeValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([AttributeValue])
    /// Present but null: treated as missing.
    case null
}

extension AttributeValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: AttributeValue...) { self = .list(elements) }
    public init(nilLiteral: ()) { self = .null }
}

/// Who and what a flag is evaluated for: a targeting key plus attributes, as in OpenFeature.
public struct EvaluationContext: Sendable, Hashable {
    /// The default bucketing attribute and what segments' `include`/`exclude` lists name.
    public var targetingKey: String?
    public var attributes: [String: AttributeValue]
    /// The evaluation clock in Unix seconds (the `now` attribute, and progressive ramps); nil means
    /// the bundle's clock.
    public var now: Double?

    public init(targetingKey: String? = nil, attributes: [String: AttributeValue] = [:], now: Double? = nil) {
        self.targetingKey = targetingKey
        self.attributes = attributes
        self.now = now
    }

    /// An attribute by name; `targetingKey` is an attribute too.
    public subscript(attribute name: String) -> AttributeValue? {
        if name == AttributeKind.targetingKeyName { return targetingKey.map(AttributeValue.string) }
        return attributes[name]
    }
}

/// A context resolved against one bundle's attribute table: evaluation with it does no string
/// lookups at all. Make one with `FlagBundle.prepare(_:)` when a context is evaluated many times
/// (batch jobs, all flags for one request).
public struct PreparedContext: Sendable {
    package let values: [AttributeValue?]
    package let targetingKey: String?
    package let now: Double?
    package let bundleID: ObjectIdentifier
}

/// How the evaluator finds an attribute's value: a plain code, so reading it copies no string.
package enum AttributeKind: UInt8, Sendable, Hashable {
    case targetingKey
    case now
    /// Looked up by name in the context.
    case named

    package static let targetingKeyName = "targetingKey"
    package static let nowName = "now"

    package init(name: String) {
        switch name {
        case AttributeKind.targetingKeyName: self = .targetingKey
        case AttributeKind.nowName: self = .now
        default: self = .named
        }
    }
}
