/// What a context attribute's record holds.
package enum AttributeTag: UInt8, Sendable, BitwiseCopyable {
    /// Present but null: evaluated as missing.
    case null = 0
    case string
    case number
    case bool
    case list
    case object
}

/// How ``ContextAttributes`` stores an attribute: one record, back to back with the others in a byte
/// array, read with unaligned loads.
///
/// | offset | bytes | field |
/// |---|---|---|
/// | 0 | 24 | the name's `NameKey`: its length, then its first 16 bytes zero-padded |
/// | 24 | 1 | the value's ``AttributeTag`` (then 3 zero bytes) |
/// | 28 | 4 | a string value's byte count |
/// | 32 | 8 | a number's bit pattern, a bool (0 or 1), a list's index in the context's lists |
/// | 40 | | the name's bytes when it is longer than 16 bytes, then a string value's bytes |
///
/// A value is read in place: a string is its bytes in the record, so reading an attribute copies no
/// `String` and touches no reference count.
package enum ContextRecord {
    static let headerSize = 40
    /// Room reserved per attribute by `ContextAttributes(minimumCapacity:)`: a header and a short string.
    static let typicalSize = 56

    @inline(__always)
    static func writeHeader(
        _ target: UnsafeMutableRawPointer,
        key: NameKey,
        tag: AttributeTag,
        byteCount: Int,
        payload: UInt64
    ) {
        target.storeBytes(of: key.count.littleEndian, toByteOffset: 0, as: UInt64.self)
        target.storeBytes(of: key.head.littleEndian, toByteOffset: 8, as: UInt64.self)
        target.storeBytes(of: key.tail.littleEndian, toByteOffset: 16, as: UInt64.self)
        let word = UInt64(tag.rawValue) | UInt64(UInt32(truncatingIfNeeded: byteCount)) << 32
        target.storeBytes(of: word.littleEndian, toByteOffset: 24, as: UInt64.self)
        target.storeBytes(of: payload.littleEndian, toByteOffset: 32, as: UInt64.self)
    }

    @inline(__always)
    static func end(_ records: UnsafeRawBufferPointer, _ offset: Int) -> Int {
        let base = records.baseAddress.unsafelyUnwrapped
        let nameCount = Int(
            truncatingIfNeeded: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        )
        let byteCount = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset + 28, as: UInt32.self)))
        return offset + headerSize + (nameCount > 16 ? nameCount : 0) + byteCount
    }

    /// The slot of `key` in a buffer's index (``ContextRecordBuffer``): a multiplicative hash of its words.
    @inline(__always)
    static func slot(_ key: NameKey) -> Int {
        let mixed = (key.head ^ key.tail &* 0x9E37_79B9 ^ key.count) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> 59)
    }

    /// The key of the record at `offset`.
    static func key(_ records: UnsafeRawBufferPointer, at offset: Int) -> NameKey {
        let base = records.baseAddress.unsafelyUnwrapped
        return NameKey(
            count: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
            head: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)),
            tail: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
        )
    }

    /// Whether the record at `offset` has key `key` and, for a name longer than a key holds, bytes `name`.
    @inline(__always)
    static func matches(
        _ records: UnsafeRawBufferPointer,
        at offset: Int,
        key: NameKey,
        name: () -> UnsafeBufferPointer<UInt8>
    ) -> Bool {
        let base = records.baseAddress.unsafelyUnwrapped
        guard base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self) == key.head.littleEndian,
            base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) == key.count.littleEndian,
            base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self) == key.tail.littleEndian
        else { return false }
        if key.isExact { return true }
        let stored = UnsafeRawBufferPointer(start: base + offset + headerSize, count: Int(key.count))
        return TextMatching.equals(stored.assumingMemoryBound(to: UInt8.self), name())
    }

    /// The offset of the record whose name has key `key`, or -1: through `index` when there is one,
    /// else by a scan. `name` gives the name's bytes and is called only for names longer than a key
    /// holds (most names are found by key alone).
    @inline(__always)
    static func find(
        _ records: UnsafeRawBufferPointer,
        index: UnsafePointer<UInt16>?,
        key: NameKey,
        name: () -> UnsafeBufferPointer<UInt8>
    ) -> Int {
        guard let index else { return find(records, key: key, name: name) }
        var slot = slot(key)
        while true {
            let entry = Int(index[slot])
            if entry == 0 { return -1 }
            if matches(records, at: entry - 1, key: key, name: name) { return entry - 1 }
            slot = (slot + 1) & (ContextRecordBuffer.indexSlots - 1)
        }
    }

    /// The offset of the record whose name has key `key`, or -1, by a scan; `name` gives the name's
    /// bytes and is called only for names longer than a key holds (most names are found by key alone).
    @inline(__always)
    static func find(
        _ records: UnsafeRawBufferPointer,
        key: NameKey,
        name: () -> UnsafeBufferPointer<UInt8>
    ) -> Int {
        var offset = 0
        while offset < records.count {
            if matches(records, at: offset, key: key, name: name) { return offset }
            offset = end(records, offset)
        }
        return -1
    }

    /// The value of the record at `offset`, in place.
    @inline(__always)
    static func read(_ records: UnsafeRawBufferPointer, at offset: Int) -> AttributeRead {
        let base = records.baseAddress.unsafelyUnwrapped
        let nameCount = Int(
            truncatingIfNeeded: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        )
        let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
        let start = base + offset + headerSize + (nameCount > 16 ? nameCount : 0)
        return AttributeRead(
            tag: unsafeBitCast(UInt8(truncatingIfNeeded: word), to: AttributeTag.self),
            payload: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 32, as: UInt64.self)),
            bytes: UnsafeBufferPointer(
                start: start.assumingMemoryBound(to: UInt8.self),
                count: Int(truncatingIfNeeded: word >> 32)
            )
        )
    }

    /// The name of the record at `offset`.
    static func name(_ records: UnsafeRawBufferPointer, at offset: Int) -> String {
        let base = records.baseAddress.unsafelyUnwrapped
        let count = Int(
            truncatingIfNeeded: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        )
        if count <= 16 {
            let key = NameKey(
                count: UInt64(count),
                head: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)),
                tail: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
            )
            return key.text
        }
        let bytes = UnsafeRawBufferPointer(start: base + offset + headerSize, count: count)
        return String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }
}

/// An attribute's value as evaluation reads it, borrowed from the context: a tag, a word, and a string's
/// bytes in place. Plain bits, so passing one around copies three words and retains nothing.
package struct AttributeRead: BitwiseCopyable {
    /// `.null` also stands for a missing attribute.
    package var tag: AttributeTag
    /// A number's bit pattern, a bool (0 or 1), a list's index.
    package var payload: UInt64
    /// A string's UTF-8 bytes (valid only while the context it was read from is).
    package var bytes: UnsafeBufferPointer<UInt8>

    package static var missing: AttributeRead {
        @inline(__always) get {
            AttributeRead(tag: .null, payload: 0, bytes: UnsafeBufferPointer(start: nil, count: 0))
        }
    }

    @inline(__always)
    package static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> AttributeRead {
        AttributeRead(tag: .string, payload: 0, bytes: bytes)
    }

    @inline(__always)
    package static func number(_ number: Double) -> AttributeRead {
        AttributeRead(tag: .number, payload: number.bitPattern, bytes: UnsafeBufferPointer(start: nil, count: 0))
    }

    @inline(__always)
    package var isMissing: Bool { tag == .null }
    @inline(__always)
    package var number: Double { Double(bitPattern: payload) }

    /// Calls `body` with the read of `value` (a list's element, or a value held as an `AttributeValue`);
    /// a list value reads as missing here (lists do not nest in conditions).
    @inline(__always)
    package static func with<Result>(_ value: AttributeValue, _ body: (AttributeRead) -> Result) -> Result {
        switch value {
        case .string(let string): withUTF8(string) { body(.string($0)) }
        case .number(let number): body(.number(number))
        case .bool(let bool): body(AttributeRead(tag: .bool, payload: bool ? 1 : 0, bytes: missing.bytes))
        case .object: body(AttributeRead(tag: .object, payload: 0, bytes: missing.bytes))
        case .list, .null: body(missing)
        }
    }

    /// Whether this read is `value` (the same type and value; strings by their bytes).
    package func equals(_ value: AttributeValue, lists: UnsafeBufferPointer<[AttributeValue]>) -> Bool {
        switch (tag, value) {
        case (.string, .string(let string)): withUTF8(string) { TextMatching.equals(bytes, $0) }
        case (.number, .number(let number)): self.number == number
        case (.bool, .bool(let bool)): (payload != 0) == bool
        case (.list, .list(let items)): lists[Int(payload)] == items
        case (.object, .object), (.null, .null): true
        default: false
        }
    }
}

/// A context as evaluation reads it: pointers to its records and lists, its targeting key's bytes and
/// its clock, valid for the duration of one evaluation (see ``AttributeSource/withReader(_:)``).
package struct ContextReader {
    package let records: UnsafeRawBufferPointer
    /// The records' index by name, or nil (see ``ContextRecordBuffer``).
    package let index: UnsafePointer<UInt16>?
    package let lists: UnsafeBufferPointer<[AttributeValue]>
    /// A prepared context's record offset per attribute of the bundle (-1: missing); nil for a context
    /// whose attributes are found by name.
    package let offsets: UnsafePointer<Int32>?
    /// The targeting key's bytes, or nil when there is none.
    package let targetingKey: UnsafeBufferPointer<UInt8>?
    package let now: Double?

    /// The value of named attribute `index` of the bundle (never `targetingKey` or `now`); `.missing`
    /// when absent or null.
    @inline(__always)
    package func named(_ index: Int, _ tables: UnsafePointer<FlagTables.View>) -> AttributeRead {
        let offset: Int
        if let offsets {
            offset = Int(offsets[index])
        } else {
            offset = ContextRecord.find(records, index: self.index, key: tables.pointee.attributeKeys[index]) {
                tables.pointee.bytes(tables.pointee.attributes[index])
            }
        }
        return offset >= 0 ? ContextRecord.read(records, at: offset) : .missing
    }
}

/// Where the evaluator reads attribute values from: a context, or a context prepared for one bundle.
package protocol AttributeSource {
    /// Why the context cannot be evaluated (every flag serves the caller's default), or nil.
    var invalidReason: String? { get }
    /// Calls `body` with a reader of this context, valid only during the call.
    func withReader<Result>(_ body: (ContextReader) -> Result) -> Result
    /// Whether the context was prepared for a bundle (and checked against its assumptions then).
    var isPrepared: Bool { get }
}

extension EvaluationContext: AttributeSource {
    package var isPrepared: Bool { false }

    @inline(__always)
    package func withReader<Result>(_ body: (ContextReader) -> Result) -> Result {
        Self.withReader(attributes, offsets: nil, targetingKey: targetingKey, now: now, body)
    }

    @inline(__always)
    static func withReader<Result>(
        _ attributes: ContextAttributes,
        offsets: UnsafePointer<Int32>?,
        targetingKey: String?,
        now: Double?,
        _ body: (ContextReader) -> Result
    ) -> Result {
        attributes.withStorage { records, index in
            attributes.lists.withUnsafeBufferPointer { lists in
                guard let targetingKey else {
                    return body(
                        ContextReader(
                            records: records,
                            index: index,
                            lists: lists,
                            offsets: offsets,
                            targetingKey: nil,
                            now: now
                        )
                    )
                }
                return withUTF8(targetingKey) { key in
                    body(
                        ContextReader(
                            records: records,
                            index: index,
                            lists: lists,
                            offsets: offsets,
                            targetingKey: key,
                            now: now
                        )
                    )
                }
            }
        }
    }
}

extension PreparedContext: AttributeSource {
    package var isPrepared: Bool { true }

    @inline(__always)
    package func withReader<Result>(_ body: (ContextReader) -> Result) -> Result {
        offsets.withUnsafeBufferPointer { offsets in
            EvaluationContext.withReader(
                attributes,
                offsets: offsets.baseAddress,
                targetingKey: targetingKey,
                now: now,
                body
            )
        }
    }
}

/// The bytes of a context's records, with their header: one allocation, shared between copies of a
/// ``ContextAttributes`` until one of them changes (copy on write).
final class ContextRecordBuffer: ManagedBuffer<ContextRecordBuffer.Header, UInt8> {
    /// The elements: an index of `indexSlots` 16-bit slots (a record's offset + 1, or 0 for an empty
    /// slot; open addressing from ``ContextRecord/slot(_:)``), then the records.
    static let indexSlots = 32
    static let indexBytes = indexSlots * 2
    /// Past this many attributes (or a record offset past 16 bits) the index is dropped and lookups scan.
    static let indexLimit = 24

    struct Header {
        /// Bytes of records written.
        var used: Int
        /// Bytes of records the buffer holds.
        var capacity: Int
        /// Whether every record is in the index.
        var indexed: Bool
    }

    static func make(capacity: Int) -> ContextRecordBuffer {
        let buffer = create(minimumCapacity: indexBytes + capacity) { _ in
            Header(used: 0, capacity: capacity, indexed: true)
        }
        buffer.withUnsafeMutablePointerToElements { $0.initialize(repeating: 0, count: indexBytes) }
        return unsafeDowncast(buffer, to: ContextRecordBuffer.self)
    }
}
