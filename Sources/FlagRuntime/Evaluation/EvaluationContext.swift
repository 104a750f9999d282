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
    public var attributes: ContextAttributes
    /// The evaluation clock in Unix seconds (the `now` attribute, and progressive ramps); nil means
    /// the bundle's clock.
    public var now: Double?

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
/// dictionary in behaviour. Stored as a small array with a precomputed hash per name, because a
/// context carries a handful of attributes and evaluation looks each up by the hash the bundle
/// computed at load: a scan of a few words instead of hashing the name again (SipHash) per lookup.
public struct ContextAttributes: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    private struct Entry: Sendable, Hashable {
        let name: String
        let hash: UInt64
        var value: AttributeValue
    }

    private var entries: [Entry] = []

    public init() {}

    public init(_ attributes: [String: AttributeValue]) {
        entries.reserveCapacity(attributes.count)
        for (name, value) in attributes { self[name] = value }
    }

    /// A later repetition of a name replaces the earlier value.
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        entries.reserveCapacity(elements.count)
        for (name, value) in elements { self[name] = value }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// The value of `name`; setting nil removes it.
    public subscript(name: String) -> AttributeValue? {
        get { position(of: name, hash: NameHash.hash(name)).map { entries[$0].value } }
        set {
            let hash = NameHash.hash(name)
            switch (position(of: name, hash: hash), newValue) {
            case (let position?, let value?): entries[position].value = value
            case (let position?, nil): entries.remove(at: position)
            case (nil, let value?): entries.append(Entry(name: name, hash: hash, value: value))
            case (nil, nil): break
            }
        }
    }

    /// The value of the attribute whose name is `name` (UTF-8) and hashes to `hash`.
    @inline(__always)
    package func value(named name: UnsafeBufferPointer<UInt8>, hash: UInt64) -> AttributeValue? {
        var position = 0
        while position < entries.count {
            if entries[position].hash == hash, TextMatching.equals(entries[position].name, name) {
                return entries[position].value
            }
            position += 1
        }
        return nil
    }

    private func position(of name: String, hash: UInt64) -> Int? {
        entries.firstIndex { $0.hash == hash && TextMatching.equals($0.name, name) }
    }

    /// The attributes as (name, value) pairs, in the order they were first set.
    public func makeIterator() -> IndexingIterator<[(key: String, value: AttributeValue)]> {
        entries.map { (key: $0.name, value: $0.value) }.makeIterator()
    }

    public static func == (lhs: ContextAttributes, rhs: ContextAttributes) -> Bool {
        lhs.count == rhs.count && lhs.entries.allSatisfy { rhs.value(of: $0) == $0.value }
    }

    /// Order-independent: the sum of each (name, value) pair's hash.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for entry in entries {
            var pair = Hasher()
            pair.combine(entry.hash)
            pair.combine(entry.value)
            sum &+= pair.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }

    private func value(of entry: Entry) -> AttributeValue? {
        position(of: entry.name, hash: entry.hash).map { entries[$0].value }
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
