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
/// dictionary in behaviour. Stored as records back to back in one byte array (``ContextRecord``), each
/// with its name's `NameKey` (its length and first 16 bytes), its value's bits and a string value's
/// bytes, because a context carries a handful of attributes and evaluation looks each up by the key the
/// bundle computed at load: a scan comparing three words per attribute that reads the value in place,
/// with no `String` made, copied or retained. Building one costs a single allocation (a second only
/// for list values).
///
/// To build a context in code without a dictionary, reserve room and set each attribute:
///
///     var attributes = ContextAttributes(minimumCapacity: 4)
///     attributes.set("region", "eu")
///     attributes.set("age", 42)
///     let context = EvaluationContext(targetingKey: "user-1", attributes: attributes)
public struct ContextAttributes: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    /// The records (``ContextRecord``), in the order their names were first set; nil while empty.
    // Shared between threads only while no copy changes it (copy on write), so it is Sendable in use.
    nonisolated(unsafe) private var buffer: ContextRecordBuffer?
    /// The elements of list values, by a record's payload.
    package private(set) var lists: [[AttributeValue]] = []
    public private(set) var count = 0

    public init() {}

    /// Empty, with room for `minimumCapacity` attributes: setting that many (with string values of
    /// typical length) allocates once.
    public init(minimumCapacity: Int) {
        if minimumCapacity > 0 { buffer = .make(capacity: minimumCapacity * ContextRecord.typicalSize) }
    }

    public init(_ attributes: [String: AttributeValue]) {
        self.init(minimumCapacity: attributes.count)
        for (name, value) in attributes { set(name, value) }
    }

    /// A later repetition of a name replaces the earlier value.
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        self.init(minimumCapacity: elements.count)
        for (name, value) in elements { set(name, value) }
    }

    package mutating func reserveCapacity(_ count: Int) {
        reserveBytes(count * ContextRecord.typicalSize)
    }

    /// Makes room for `byteCount` more bytes of records.
    package mutating func reserveBytes(_ byteCount: Int) {
        _ = room(for: byteCount)
    }

    public var isEmpty: Bool { count == 0 }

    /// Calls `body` with the records' bytes.
    @inline(__always)
    package func withRecords<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        withStorage { records, _ in body(records) }
    }

    /// Calls `body` with the records' bytes and their index by name (nil when not every record is in it).
    @inline(__always)
    package func withStorage<Result>(_ body: (UnsafeRawBufferPointer, UnsafePointer<UInt16>?) -> Result) -> Result {
        guard let buffer else { return body(UnsafeRawBufferPointer(start: nil, count: 0), nil) }
        return buffer.withUnsafeMutablePointers { header, bytes in
            body(
                UnsafeRawBufferPointer(start: bytes + ContextRecordBuffer.indexBytes, count: header.pointee.used),
                header.pointee.indexed ? UnsafeRawPointer(bytes).assumingMemoryBound(to: UInt16.self) : nil
            )
        }
    }

    /// The offset of the record of `name`, or nil.
    private func offset(of name: UnsafeBufferPointer<UInt8>, key: NameKey) -> Int? {
        withStorage { records, index in
            let offset = ContextRecord.find(records, index: index, key: key) { name }
            return offset >= 0 ? offset : nil
        }
    }

    /// The value of `name`; setting nil removes it.
    public subscript(name: String) -> AttributeValue? {
        get {
            withUTF8(name) { name in offset(of: name, key: NameKey(name)).map(value(at:)) }
        }
        set {
            guard let newValue else {
                withUTF8(name) { name in
                    guard let offset = offset(of: name, key: NameKey(name)) else { return }
                    replaceRecord(at: offset, with: ContextAttributes())
                }
                return
            }
            set(name, newValue)
        }
    }

    /// Sets attribute `name` to `value`, replacing the value it had.
    public mutating func set(_ name: String, _ value: AttributeValue) {
        withUTF8(name) { name in
            let key = NameKey(name)
            guard let offset = offset(of: name, key: key) else {
                append(key: key, name: name, value)
                return
            }
            // Rare: the new record replaces the old one in place, so the order stays that of first setting.
            var replacement = ContextAttributes()
            replacement.lists = lists
            replacement.append(key: key, name: name, value)
            lists = replacement.lists
            replaceRecord(at: offset, with: replacement)
        }
    }

    /// Replaces the record at `offset` with the records of `other` (none, to remove it), rebuilding the
    /// buffer and its index.
    private mutating func replaceRecord(at offset: Int, with other: ContextAttributes) {
        var rebuilt: [UInt8] = []
        withRecords { records in
            let end = ContextRecord.end(records, offset)
            rebuilt.append(contentsOf: UnsafeRawBufferPointer(rebasing: records[..<offset]))
            other.withRecords { rebuilt.append(contentsOf: $0) }
            rebuilt.append(contentsOf: UnsafeRawBufferPointer(rebasing: records[end...]))
        }
        buffer = .make(capacity: rebuilt.count)
        count = 0
        rebuilt.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let end = ContextRecord.end(bytes, offset)
                let target = room(for: end - offset)
                target.copyMemory(from: bytes.baseAddress.unsafelyUnwrapped + offset, byteCount: end - offset)
                recordAppended(at: offset, size: end - offset, key: ContextRecord.key(bytes, at: offset))
                offset = end
            }
        }
    }

    /// Where `size` more bytes go: makes the buffer this value's own, with room for them. The caller
    /// writes them, then calls `recordAppended`.
    @inline(__always)
    private mutating func room(for size: Int) -> UnsafeMutableRawPointer {
        if isKnownUniquelyReferenced(&buffer) {
            let target: UnsafeMutableRawPointer? = buffer.unsafelyUnwrapped.withUnsafeMutablePointers { header, bytes in
                header.pointee.used + size <= header.pointee.capacity
                    ? UnsafeMutableRawPointer(bytes + ContextRecordBuffer.indexBytes + header.pointee.used) : nil
            }
            if let target { return target }
        }
        return grow(for: size)
    }

    @inline(never)
    private mutating func grow(for size: Int) -> UnsafeMutableRawPointer {
        let old = buffer
        let used = old?.withUnsafeMutablePointerToHeader { $0.pointee.used } ?? 0
        let oldCapacity = old?.withUnsafeMutablePointerToHeader { $0.pointee.capacity } ?? 0
        let capacity = Swift.max(used + size, oldCapacity * 2, ContextRecord.typicalSize * 4)
        let grown = ContextRecordBuffer.make(capacity: capacity)
        if let old {
            old.withUnsafeMutablePointers { oldHeader, oldBytes in
                grown.withUnsafeMutablePointers { header, bytes in
                    UnsafeMutableRawPointer(bytes).copyMemory(
                        from: oldBytes,
                        byteCount: ContextRecordBuffer.indexBytes + used
                    )
                    header.pointee.used = used
                    header.pointee.indexed = oldHeader.pointee.indexed
                }
            }
        }
        buffer = grown
        return grown.withUnsafeMutablePointers { _, bytes in
            UnsafeMutableRawPointer(bytes + ContextRecordBuffer.indexBytes + used)
        }
    }

    /// Counts the record of `size` bytes just written at `offset` (the end of the records) and indexes
    /// it by `key`.
    @inline(__always)
    private mutating func recordAppended(at offset: Int, size: Int, key: NameKey) {
        // Through the pointers: a class's stored property would cost a dynamic exclusivity check.
        buffer.unsafelyUnwrapped.withUnsafeMutablePointers { header, bytes in
            header.pointee.used += size
            guard header.pointee.indexed else { return }
            guard count < ContextRecordBuffer.indexLimit, offset < Int(UInt16.max) else {
                header.pointee.indexed = false
                return
            }
            let slots = UnsafeMutableRawPointer(bytes).assumingMemoryBound(to: UInt16.self)
            var slot = ContextRecord.slot(key)
            while slots[slot] != 0 { slot = (slot + 1) & (ContextRecordBuffer.indexSlots - 1) }
            slots[slot] = UInt16(offset + 1)
        }
        count += 1
    }

    /// Adds `name`, which the caller knows is not set (the JSON parser refuses duplicate members):
    /// building n attributes this way takes linear time, where setting each by subscript is quadratic.
    package mutating func append(newName name: String, _ value: AttributeValue) {
        withUTF8(name) { append(key: NameKey($0), name: $0, value) }
    }

    /// Appends a record for `name` (whose key is `key`): the caller has checked it is not set.
    package mutating func append(key: NameKey, name: UnsafeBufferPointer<UInt8>, _ value: AttributeValue) {
        switch value {
        case .string(let string):
            withUTF8(string) { appendString(key: key, name: name, $0) }
        case .number(let number): appendScalar(key: key, name: name, .number, number.bitPattern)
        case .bool(let bool): appendScalar(key: key, name: name, .bool, bool ? 1 : 0)
        case .list(let items):
            lists.append(items)
            appendScalar(key: key, name: name, .list, UInt64(lists.count - 1))
        case .object: appendScalar(key: key, name: name, .object, 0)
        case .null: appendScalar(key: key, name: name, .null, 0)
        }
    }

    /// Appends a record of a string value given as UTF-8 bytes.
    @inline(__always)
    package mutating func appendString(
        key: NameKey,
        name: UnsafeBufferPointer<UInt8>,
        _ string: UnsafeBufferPointer<UInt8>
    ) {
        appendRecord(key: key, name: name, .string, string: string, payload: 0)
    }

    /// Appends a record of a value without bytes (a number, a bool, a list's index, an object, null).
    @inline(__always)
    package mutating func appendScalar(
        key: NameKey,
        name: UnsafeBufferPointer<UInt8>,
        _ tag: AttributeTag,
        _ payload: UInt64
    ) {
        appendRecord(key: key, name: name, tag, string: UnsafeBufferPointer(start: nil, count: 0), payload: payload)
    }

    @inline(__always)
    private mutating func appendRecord(
        key: NameKey,
        name: UnsafeBufferPointer<UInt8>,
        _ tag: AttributeTag,
        string: UnsafeBufferPointer<UInt8>,
        payload: UInt64
    ) {
        let nameBytes = key.isExact ? 0 : name.count
        let size = ContextRecord.headerSize + nameBytes + string.count
        // A string of at most 16 bytes is stored as two words (zero-padded, so room for 16), not by memcpy.
        let short = string.count <= 16
        let target = room(for: short ? ContextRecord.headerSize + nameBytes + 16 : size)
        ContextRecord.writeHeader(target, key: key, tag: tag, byteCount: string.count, payload: payload)
        if nameBytes > 0 {
            (target + ContextRecord.headerSize).copyMemory(from: name.baseAddress!, byteCount: nameBytes)
        }
        let stringTarget = target + ContextRecord.headerSize + nameBytes
        if short {
            let words = NameKey(string)
            stringTarget.storeBytes(of: words.head.littleEndian, as: UInt64.self)
            stringTarget.storeBytes(of: words.tail.littleEndian, toByteOffset: 8, as: UInt64.self)
        } else if let bytes = string.baseAddress {
            stringTarget.copyMemory(from: bytes, byteCount: string.count)
        }
        let offset = buffer.unsafelyUnwrapped.withUnsafeMutablePointerToHeader { $0.pointee.used }
        recordAppended(at: offset, size: size, key: key)
    }

    /// Whether a name equal to `name` as a Swift string (canonically equivalent) is set: the JSON
    /// parser's duplicate check for names past ASCII.
    package func containsName(_ name: String) -> Bool { contains { $0.key == name } }

    /// Whether `name`, whose key is `key`, is set (names compared by their bytes).
    package func contains(key: NameKey, name: UnsafeBufferPointer<UInt8>) -> Bool {
        offset(of: name, key: key) != nil
    }

    /// The value of the record at `offset`.
    private func value(at offset: Int) -> AttributeValue {
        withRecords { records in
            let read = ContextRecord.read(records, at: offset)
            switch read.tag {
            case .string: return .string(String(decoding: read.bytes, as: UTF8.self))
            case .number: return .number(read.number)
            case .bool: return .bool(read.payload != 0)
            case .list: return .list(lists[Int(read.payload)])
            case .object: return .object
            case .null: return .null
            }
        }
    }

    /// The attributes as (name, value) pairs, in the order they were first set.
    public func makeIterator() -> IndexingIterator<[(key: String, value: AttributeValue)]> {
        var pairs: [(key: String, value: AttributeValue)] = []
        pairs.reserveCapacity(count)
        withRecords { records in
            var offset = 0
            while offset < records.count {
                pairs.append((key: ContextRecord.name(records, at: offset), value: value(at: offset)))
                offset = ContextRecord.end(records, offset)
            }
        }
        return pairs.makeIterator()
    }

    public static func == (lhs: ContextAttributes, rhs: ContextAttributes) -> Bool {
        lhs.count == rhs.count && lhs.allSatisfy { rhs[$0.key] == $0.value }
    }

    /// Order-independent: the sum of each (name, value) pair's hash.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for (name, value) in self {
            var pair = Hasher()
            pair.combine(NameKey(name))
            pair.combine(value)
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
    /// The context's attributes, read through `offsets`.
    package let attributes: ContextAttributes
    /// Per attribute of the bundle, the offset of its record in `attributes`, or -1 when missing.
    package let offsets: [Int32]
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
