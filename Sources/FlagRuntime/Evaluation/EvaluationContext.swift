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
/// dictionary in behaviour. Stored as one small array of entries, each with a `NameKey` for its name
/// (its length and first 16 bytes), because a context carries a handful of attributes and evaluation
/// looks each up by the key the bundle computed at load: a scan comparing three words per attribute,
/// instead of hashing the name (SipHash) or reading its `String` per lookup. Building one costs a
/// single allocation (none for the names and values of up to 15 bytes, which are stored inline).
///
/// To build a context in code without a dictionary, reserve room and set each attribute:
///
///     var attributes = ContextAttributes(minimumCapacity: 4)
///     attributes.set("region", "eu")
///     attributes.set("age", 42)
///     let context = EvaluationContext(targetingKey: "user-1", attributes: attributes)
public struct ContextAttributes: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    package struct Entry: Sendable {
        package let key: NameKey
        /// The name, or nil when the key holds it whole (at most 16 bytes) and no `String` of it was at
        /// hand: the JSON reader makes no string for such a name.
        package let storedName: String?
        package var value: AttributeValue

        package var name: String { storedName ?? key.text }
    }

    private var entries: [Entry] = []

    public init() {}

    /// Empty, with room for `minimumCapacity` attributes: setting that many allocates once.
    public init(minimumCapacity: Int) {
        entries.reserveCapacity(minimumCapacity)
    }

    public init(_ attributes: [String: AttributeValue]) {
        entries.reserveCapacity(attributes.count)
        for (name, value) in attributes { self[name] = value }
    }

    /// A later repetition of a name replaces the earlier value.
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        entries.reserveCapacity(elements.count)
        for (name, value) in elements { set(name, value) }
    }

    package mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// The value of `name`; setting nil removes it.
    public subscript(name: String) -> AttributeValue? {
        get { position(of: name, key: NameKey(name)).map { entries[$0].value } }
        set {
            guard let newValue else {
                if let position = position(of: name, key: NameKey(name)) { entries.remove(at: position) }
                return
            }
            set(name, newValue)
        }
    }

    /// Sets attribute `name` to `value`, replacing the value it had.
    public mutating func set(_ name: String, _ value: AttributeValue) {
        let key = NameKey(name)
        if let position = position(of: name, key: key) {
            entries[position].value = value
        } else {
            entries.append(Entry(key: key, storedName: name, value: value))
        }
    }

    /// Adds `name`, which the caller knows is not set (the JSON parser refuses duplicate members):
    /// building n attributes this way takes linear time, where setting each by subscript is quadratic.
    /// `name` may be nil when `key` holds the name whole (``NameKey/isExact``).
    package mutating func append(newName name: String?, key: NameKey, _ value: AttributeValue) {
        entries.append(Entry(key: key, storedName: name, value: value))
    }

    /// ``append(newName:key:_:)`` computing the key.
    package mutating func append(newName name: String, _ value: AttributeValue) {
        append(newName: name, key: NameKey(name), value)
    }

    /// The value of the attribute whose name has key `key`; `name` gives the name's UTF-8 bytes,
    /// and is called only for names longer than a key holds (most names are found by key alone).
    @inline(__always)
    package func value(key: NameKey, name: () -> UnsafeBufferPointer<UInt8>) -> AttributeValue? {
        // A plain loop over the array, no closure: the value is the one copy made.
        var position = 0
        let count = entries.count
        while position < count {
            if entries[position].key == key, key.isExact || TextMatching.equals(entries[position].name, name()) {
                return entries[position].value
            }
            position += 1
        }
        return nil
    }

    /// Whether a name equal to `name` as a Swift string (canonically equivalent) is set: the JSON
    /// parser's duplicate check for names past ASCII.
    package func containsName(_ name: String) -> Bool { entries.contains { $0.name == name } }

    /// Whether a name whose key is the exact `key` is set.
    package func contains(key: NameKey) -> Bool { entries.contains { $0.key == key } }

    /// Whether `name`, whose key is `key`, is set (names compared by their bytes).
    package func contains(_ name: String, key: NameKey) -> Bool { position(of: name, key: key) != nil }

    private func position(of name: String, key: NameKey) -> Int? {
        entries.indices.first {
            entries[$0].key == key && (key.isExact || TextMatching.equals(entries[$0].name, name))
        }
    }

    /// The attributes as (name, value) pairs, in the order they were first set.
    public func makeIterator() -> IndexingIterator<[(key: String, value: AttributeValue)]> {
        entries.map { (key: $0.name, value: $0.value) }.makeIterator()
    }

    public static func == (lhs: ContextAttributes, rhs: ContextAttributes) -> Bool {
        lhs.count == rhs.count
            && lhs.entries.allSatisfy { entry in
                rhs.position(of: entry.name, key: entry.key).map { rhs.entries[$0].value } == entry.value
            }
    }

    /// Order-independent: the sum of each (name, value) pair's hash.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for entry in entries {
            var pair = Hasher()
            pair.combine(entry.key)
            pair.combine(entry.value)
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
