/// The value of one context attribute.
public enum AttributeValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([AttributeValue])
    /// A JSON object: present, so it satisfies `exists: true`, and no other operator (flat attributes are
    /// what conditions read).
    case object
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
    public var attributes: ContextAttributes
    /// The evaluation clock in Unix seconds (the `now` attribute, and progressive ramps); nil means
    /// the bundle's clock.
    public var now: Double?
    /// Why this context cannot be evaluated, or nil: set by ``JSONParser/context(_:)`` for a `targetingKey`
    /// that is neither a string, a number nor null. Every flag then serves the caller's default with error code
    /// `INVALID_CONTEXT` and this text as its message.
    public var invalidReason: String?

    public init(targetingKey: String? = nil, attributes: ContextAttributes = [:], now: Double? = nil) {
        self.targetingKey = targetingKey
        self.attributes = attributes
        self.now = now
    }

    public init(targetingKey: String? = nil, attributes: [String: AttributeValue], now: Double? = nil) {
        self.init(targetingKey: targetingKey, attributes: ContextAttributes(attributes), now: now)
    }

    /// An attribute by name; `targetingKey` is an attribute too.
    public subscript(attribute name: String) -> AttributeValue? {
        if name == AttributeKind.targetingKeyName { return targetingKey.map(AttributeValue.string) }
        return attributes[name]
    }
}

/// A context's attributes by name. Names are compared by their UTF-8 bytes (as everything in the flag
/// language is), setting a name again replaces its value, and order does not count for equality: a
/// dictionary in behaviour. Stored as a small array with a `NameKey` per name (its length and first
/// 16 bytes), because a context carries a handful of attributes and evaluation looks each up by the
/// key the bundle computed at load: a scan comparing three words per attribute, instead of hashing
/// the name (SipHash) or reading its `String` per lookup.
public struct ContextAttributes: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    // Parallel arrays: a lookup scans the keys alone.
    private var keys: [NameKey] = []
    private var names: [String] = []
    private var values: [AttributeValue] = []

    public init() {}

    public init(_ attributes: [String: AttributeValue]) {
        reserveCapacity(attributes.count)
        for (name, value) in attributes { self[name] = value }
    }

    /// A later repetition of a name replaces the earlier value.
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        reserveCapacity(elements.count)
        for (name, value) in elements { self[name] = value }
    }

    package mutating func reserveCapacity(_ count: Int) {
        keys.reserveCapacity(count)
        names.reserveCapacity(count)
        values.reserveCapacity(count)
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The value of `name`; setting nil removes it.
    public subscript(name: String) -> AttributeValue? {
        get { position(of: name, key: NameKey(name)).map { values[$0] } }
        set {
            let key = NameKey(name)
            switch (position(of: name, key: key), newValue) {
            case (let position?, let value?): values[position] = value
            case (let position?, nil):
                keys.remove(at: position)
                names.remove(at: position)
                values.remove(at: position)
            case (nil, let value?):
                keys.append(key)
                names.append(name)
                values.append(value)
            case (nil, nil): break
            }
        }
    }

    /// Adds `name`, which the caller knows is not set (the JSON parser refuses duplicate members):
    /// building n attributes this way takes linear time, where setting each by subscript is quadratic.
    package mutating func append(newName name: String, _ value: AttributeValue) {
        keys.append(NameKey(name))
        names.append(name)
        values.append(value)
    }

    /// The value of the attribute whose name has key `key`; `name` gives the name's UTF-8 bytes,
    /// and is called only for names longer than a key holds (most names are found by key alone).
    @inline(__always)
    package func value(key: NameKey, name: () -> UnsafeBufferPointer<UInt8>) -> AttributeValue? {
        keys.withUnsafeBufferPointer { keys in
            var position = 0
            while position < keys.count {
                if keys[position] == key, key.isExact || TextMatching.equals(names[position], name()) {
                    return values[position]
                }
                position += 1
            }
            return nil
        }
    }

    private func position(of name: String, key: NameKey) -> Int? {
        keys.indices.first { keys[$0] == key && (key.isExact || TextMatching.equals(names[$0], name)) }
    }

    /// The attributes as (name, value) pairs, in the order they were first set.
    public func makeIterator() -> IndexingIterator<[(key: String, value: AttributeValue)]> {
        names.indices.map { (key: names[$0], value: values[$0]) }.makeIterator()
    }

    public static func == (lhs: ContextAttributes, rhs: ContextAttributes) -> Bool {
        lhs.count == rhs.count
            && lhs.names.indices.allSatisfy { index in
                rhs.position(of: lhs.names[index], key: lhs.keys[index]).map { rhs.values[$0] } == lhs.values[index]
            }
    }

    /// Order-independent: the sum of each (name, value) pair's hash.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for index in names.indices {
            var pair = Hasher()
            pair.combine(keys[index])
            pair.combine(values[index])
            sum &+= pair.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}

/// A context resolved against one bundle's attribute table: evaluation with it does no string
/// lookups at all. Make one with `FlagBundle.prepare(_:)` when a context is evaluated many times
/// (batch jobs, all flags for one request).
public struct PreparedContext: Sendable {
    package let values: [AttributeValue?]
    package let targetingKey: String?
    package let now: Double?
    package let invalidReason: String?
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
