/// One node of a YAML document as read by ``YAMLReader``: a scalar, a list or a mapping, with the place
/// where it starts in the source.
///
/// The tree is plain data: no anchors, aliases or tags survive reading (they are errors), mapping keys are
/// always scalars kept as text, and mapping entries keep their source order.
public struct YAMLNode: Sendable, Hashable {
    /// What a node holds.
    public enum Kind: Sendable, Hashable {
        /// A plain, quoted, literal or folded scalar.
        case scalar(YAMLScalar)
        /// A block (`- a`) or flow (`[a, b]`) sequence, in source order.
        case sequence([YAMLNode])
        /// A block or flow mapping, in source order, without duplicate keys.
        case mapping([YAMLMappingEntry])
    }

    /// What the node holds.
    public var kind: Kind
    /// Where the node starts (1-based line and column).
    public var location: SourceLocation

    /// Creates a node; the reader is the usual source of nodes, tests may build them directly.
    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

/// One `key: value` entry of a YAML mapping.
public struct YAMLMappingEntry: Sendable, Hashable {
    /// The key's text exactly as written (without quotes); `1`, `true` and `"1"` are all kept as text.
    public var key: String
    /// Where the key starts (1-based line and column).
    public var keyLocation: SourceLocation
    /// The value; an absent value (`key:`) is a null scalar.
    public var value: YAMLNode

    /// Creates a mapping entry.
    public init(key: String, keyLocation: SourceLocation, value: YAMLNode) {
        self.key = key
        self.keyLocation = keyLocation
        self.value = value
    }
}

/// A YAML scalar: its text as written and its value resolved with the YAML 1.2 core schema.
public struct YAMLScalar: Sendable, Hashable {
    /// The scalar's content without quotes, escapes resolved, block scalars folded.
    public var text: String
    /// `true` for a plain (unquoted) scalar; `false` for single- or double-quoted, literal (`|`) or folded (`>`).
    public var isPlain: Bool
    /// The value: plain scalars resolved with the YAML 1.2 core schema, all other styles strings.
    public var value: Value

    /// A scalar value resolved with the YAML 1.2 core schema.
    public enum Value: Sendable, Hashable {
        /// `null`, `Null`, `NULL`, `~` or nothing at all.
        case null
        /// `true`, `True`, `TRUE`, `false`, `False` or `FALSE` (never `yes`, `no`, `on`, `off`).
        case bool(Bool)
        /// Decimal (`-12`, `007`), octal (`0o17`) or hexadecimal (`0x1F`), within `Int64`.
        case integer(Int64)
        /// A decimal or exponent number (`1.5`, `.5`, `1e3`), `.inf`, `-.inf` or `.nan`.
        case float(Double)
        /// Anything else, and every quoted or block scalar.
        case string(String)
    }

    /// Creates a scalar; ``YAMLScalar/init(text:isPlain:)`` resolves the value for you.
    public init(text: String, isPlain: Bool, value: Value) {
        self.text = text
        self.isPlain = isPlain
        self.value = value
    }

    /// Creates a scalar and resolves its value: plain scalars by the YAML 1.2 core schema, all others as strings.
    ///
    /// A plain integer outside `Int64` resolves to a string here; ``YAMLReader`` reports it as an error instead.
    public init(text: String, isPlain: Bool) {
        self.text = text
        self.isPlain = isPlain
        if isPlain, case .resolved(let value) = YAMLScalar.resolvePlain(text) {
            self.value = value
        } else {
            self.value = .string(text)
        }
    }
}

// MARK: - Accessors for walking the tree

extension YAMLNode {
    /// The entries when this node is a mapping, otherwise `nil`.
    public var mappingEntries: [YAMLMappingEntry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    /// The items when this node is a sequence, otherwise `nil`.
    public var sequenceItems: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The scalar when this node is a scalar, otherwise `nil`.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = kind { return scalar }
        return nil
    }

    /// `true` for a null scalar (`null`, `~`, or an absent value).
    public var isNull: Bool {
        if case .scalar(let scalar) = kind, case .null = scalar.value { return true }
        return false
    }

    /// The value when this node is a string scalar (any quoted or block scalar, or a plain one that is not a
    /// null, boolean or number), otherwise `nil`.
    public var string: String? {
        if case .scalar(let scalar) = kind, case .string(let string) = scalar.value { return string }
        return nil
    }

    /// The value when this node is a boolean scalar, otherwise `nil`.
    public var bool: Bool? {
        if case .scalar(let scalar) = kind, case .bool(let bool) = scalar.value { return bool }
        return nil
    }

    /// The value when this node is an integer scalar, otherwise `nil`.
    public var integer: Int64? {
        if case .scalar(let scalar) = kind, case .integer(let integer) = scalar.value { return integer }
        return nil
    }

    /// The value when this node is an integer or float scalar, otherwise `nil`.
    public var number: Double? {
        guard case .scalar(let scalar) = kind else { return nil }
        switch scalar.value {
        case .integer(let integer): return Double(integer)
        case .float(let float): return float
        default: return nil
        }
    }

    /// The first entry with this key when this node is a mapping, otherwise `nil`.
    public subscript(key: String) -> YAMLMappingEntry? {
        mappingEntries?.first { $0.key == key }
    }

    /// What the node is, with an article, for messages such as `expected a list, found a mapping`:
    /// "a mapping", "a list", "a string", "an integer", "a number", "a boolean" or "null".
    public var kindName: String {
        switch kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar): return scalar.value.kindName
        }
    }
}

extension YAMLScalar.Value {
    /// What the value is, with an article: "a string", "an integer", "a number", "a boolean" or "null";
    /// `.nan`, `.inf` or `-.inf` for a number that is not finite.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .float(let value): return value.isFinite ? "a number" : value.isNaN ? ".nan" : value < 0 ? "-.inf" : ".inf"
        case .string: return "a string"
        }
    }
}

// MARK: - YAML 1.2 core schema

extension YAMLScalar {
    /// The outcome of resolving a plain scalar.
    enum Resolution: Equatable {
        case resolved(Value)
        /// An integer literal outside `Int64`.
        case integerOverflow
        /// A float literal whose magnitude is too large for `Double` (it would become infinity).
        case floatOverflow
    }

    /// Resolves a plain scalar by the YAML 1.2 core schema.
    static func resolvePlain(_ text: String) -> Resolution {
        var contiguous = text
        return contiguous.withUTF8 { resolvePlain(bytes: $0, text: text) }
    }

    /// Resolves a plain scalar from its UTF-8 bytes; `text` is the same content, used for the string value.
    static func resolvePlain(bytes: UnsafeBufferPointer<UInt8>, text: @autoclosure () -> String) -> Resolution {
        guard let first = bytes.first else { return .resolved(.null) }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            if let number = resolveNumber(bytes) { return number }
        case UInt8(ascii: "~"):
            if bytes.count == 1 { return .resolved(.null) }
        case UInt8(ascii: "n"), UInt8(ascii: "N"):
            if matches(bytes, "null", "Null", "NULL") { return .resolved(.null) }
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            if matches(bytes, "true", "True", "TRUE") { return .resolved(.bool(true)) }
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            if matches(bytes, "false", "False", "FALSE") { return .resolved(.bool(false)) }
        default:
            break
        }
        return .resolved(.string(text()))
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ spellings: StaticString...) -> Bool {
        spellings.contains { spelling in
            spelling.utf8CodeUnitCount == bytes.count
                && spelling.withUTF8Buffer { $0.elementsEqual(bytes) }
        }
    }

    /// Integers, floats, infinities and NaN; `nil` when the text is none of them (so it is a string).
    private static func resolveNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Resolution? {
        if matches(bytes, ".nan", ".NaN", ".NAN") { return .resolved(.float(.nan)) }
        var index = 0
        var isNegative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            isNegative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        let unsigned = UnsafeBufferPointer(rebasing: bytes[index...])
        if matches(unsigned, ".inf", ".Inf", ".INF") {
            return .resolved(.float(isNegative ? -.infinity : .infinity))
        }
        // 0o17 and 0x1F take no sign in the core schema.
        if index == 0, bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
            if bytes[1] == UInt8(ascii: "o") {
                return resolveInteger(UnsafeBufferPointer(rebasing: bytes[2...]), radix: 8, isNegative: false)
            }
            if bytes[1] == UInt8(ascii: "x") {
                return resolveInteger(UnsafeBufferPointer(rebasing: bytes[2...]), radix: 16, isNegative: false)
            }
        }
        if !unsigned.isEmpty, unsigned.allSatisfy(isDecimalDigit) {
            return resolveInteger(unsigned, radix: 10, isNegative: isNegative)
        }
        guard isCoreFloat(unsigned) else { return nil }
        guard let value = Double(String(decoding: bytes, as: UTF8.self)) else { return nil }
        return value.isFinite ? .resolved(.float(value)) : .floatOverflow
    }

    /// Digits in `radix`, accumulated with overflow checks; `nil` when a character is not a digit.
    private static func resolveInteger(
        _ digits: UnsafeBufferPointer<UInt8>,
        radix: Int64,
        isNegative: Bool
    ) -> Resolution? {
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        var overflowed = false
        for byte in digits {
            guard let digit = digitValue(byte), digit < radix else { return nil }
            // Accumulate negatively so that Int64.min is representable.
            if !overflowed {
                let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
                let (next, overflow2) = shifted.subtractingReportingOverflow(digit)
                if overflow1 || overflow2 { overflowed = true } else { value = next }
            }
        }
        if overflowed { return .integerOverflow }
        if isNegative { return .resolved(.integer(value)) }
        guard value != .min else { return .integerOverflow }
        return .resolved(.integer(-value))
    }

    private static func digitValue(_ byte: UInt8) -> Int64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int64(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int64(byte &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int64(byte &- UInt8(ascii: "A") &+ 10)
        default: return nil
        }
    }

    private static func isDecimalDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (the sign is already removed).
    private static func isCoreFloat(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func skipDigits() -> Int {
            let start = index
            while index < bytes.count, isDecimalDigit(bytes[index]) { index += 1 }
            return index - start
        }
        let integerDigits = skipDigits()
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionDigits = skipDigits()
            if integerDigits == 0, fractionDigits == 0 { return false }
        } else if integerDigits == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            if skipDigits() == 0 { return false }
        }
        return index == bytes.count
    }
}
