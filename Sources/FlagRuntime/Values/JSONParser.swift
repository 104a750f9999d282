/// A strict RFC 8259 JSON parser, bounded in depth and in members per object, for evaluation
/// contexts arriving as JSON (function events, `flagc eval`). Standard library only.
///
/// Input is UTF-8 and must be well-formed: an ill-formed byte sequence is refused with its offset
/// (``parse(utf8:)``, ``context(utf8:)``), never repaired, and so is a `\u` escape of an unpaired
/// surrogate. Duplicate member names are refused (names compare as Swift strings: canonically
/// equivalent names are duplicates). Parsing takes time linear in the input.
public enum JSONParser {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        /// Byte offset of the problem (from 0; ``description`` counts from 1).
        public let offset: Int
        public var description: String { "\(message) at byte \(offset + 1)" }
    }

    /// Deepest nesting of arrays and objects.
    public static let maximumDepth = 64

    /// Most members one object may have: a context holds at most this many attributes.
    public static let maximumMembers = 10_000

    /// Longest context text, in bytes (1 MiB): ``context(_:)`` refuses longer input before parsing.
    public static let maximumContextBytes = 1 << 20

    /// The JSON value of `text`.
    public static func parse(_ text: String) throws(Failure) -> JSONValue {
        var text = text
        return try text.withUTF8 { valueResult(utf8: $0) }.get()
    }

    /// The JSON value of UTF-8 `bytes`; ill-formed UTF-8 is refused, not repaired.
    public static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> JSONValue {
        try valueResult(utf8: bytes).get()
    }

    /// The JSON value of UTF-8 `bytes`; ill-formed UTF-8 is refused, not repaired.
    public static func parse(utf8 bytes: [UInt8]) throws(Failure) -> JSONValue {
        try bytes.withUnsafeBufferPointer { valueResult(utf8: $0) }.get()
    }

    private static func valueResult(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, Failure> {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        do throws(Failure) {
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            guard parser.position == bytes.count else { throw parser.unexpected("unexpected text after the value") }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// An evaluation context from any JSON object: `targetingKey` (a string, or a number in its bucketing text;
    /// null is absent) plus attributes of any JSON type (an object value is present and satisfies only
    /// `exists: true`). A `targetingKey` of another type does not refuse the context: it marks it invalid
    /// (``EvaluationContext/invalidReason``), so every flag serves the caller's default with `INVALID_CONTEXT`.
    /// Refused: text that is not one JSON object, ill-formed UTF-8, and texts longer than ``maximumContextBytes``.
    public static func context(_ text: String) throws(Failure) -> EvaluationContext {
        var text = text
        return try text.withUTF8 { contextResult(utf8: $0) }.get()
    }

    /// ``context(_:)`` from UTF-8 bytes, such as a line of a JSON Lines file; ill-formed UTF-8 is
    /// refused with the offset of its first byte, not repaired.
    public static func context(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> EvaluationContext {
        try contextResult(utf8: bytes).get()
    }

    /// ``context(utf8:)`` for an array of bytes.
    public static func context(utf8 bytes: [UInt8]) throws(Failure) -> EvaluationContext {
        try bytes.withUnsafeBufferPointer { contextResult(utf8: $0) }.get()
    }

    private static func contextResult(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Result<EvaluationContext, Failure> {
        guard bytes.count <= maximumContextBytes else {
            return .failure(
                Failure(message: "a context is longer than \(maximumContextBytes) bytes", offset: maximumContextBytes)
            )
        }
        // An object is read straight into the context; anything else is parsed as a value, for its
        // syntax errors, and then refused.
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        if parser.position < bytes.count, bytes[parser.position] == UInt8(ascii: "{") {
            do throws(Failure) {
                var context = EvaluationContext()
                try parser.contextObject(into: &context)
                return .success(context)
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let failure) = valueResult(utf8: bytes) { return .failure(failure) }
        return .failure(Failure(message: "a context must be a JSON object", offset: 0))
    }

    /// A JSON value as an attribute: an object is present and nothing more (only `exists: true` holds for it).
    static func attribute(_ value: JSONValue) -> AttributeValue {
        switch value {
        case .null: .null
        case .bool(let bool): .bool(bool)
        case .number(let number): .number(number)
        case .integer(let integer): .number(Double(integer))
        case .string(let string): .string(string)
        case .array(let items): .list(items.map(attribute))
        case .object: .object
        }
    }

    /// Objects up to this many members find a duplicate name by scanning the names so far; larger
    /// ones keep a set of names, so parsing stays linear without costing small objects a hash set.
    static let scannedMembers = 16

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        /// The bytes of a string with escapes, reused from string to string.
        var scratch: [UInt8] = []

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func failure(_ message: String, at offset: Int? = nil) -> Failure {
            Failure(message: message, offset: offset ?? position)
        }

        /// A syntax error at `position`, or "invalid UTF-8" when an ill-formed sequence starts there.
        func unexpected(_ message: String) -> Failure {
            if position < bytes.count, bytes[position] >= 0x80, Self.sequenceLength(bytes, at: position) == 0 {
                return failure("invalid UTF-8")
            }
            return failure(message)
        }

        /// The length of the well-formed UTF-8 sequence of two to four bytes at `start` (Unicode's
        /// table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or 0.
        static func sequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int {
            @inline(__always)
            func continues(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
                start + offset < bytes.count && bytes[start + offset] >= low && bytes[start + offset] <= high
            }
            switch bytes[start] {
            case 0xC2...0xDF: return continues(1) ? 2 : 0
            case 0xE0: return continues(1, 0xA0) && continues(2) ? 3 : 0
            case 0xE1...0xEC, 0xEE...0xEF: return continues(1) && continues(2) ? 3 : 0
            case 0xED: return continues(1, 0x80, 0x9F) && continues(2) ? 3 : 0
            case 0xF0: return continues(1, 0x90) && continues(2) && continues(3) ? 4 : 0
            case 0xF1...0xF3: return continues(1) && continues(2) && continues(3) ? 4 : 0
            case 0xF4: return continues(1, 0x80, 0x8F) && continues(2) && continues(3) ? 4 : 0
            default: return 0
            }
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func expect(_ literal: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
            for index in 0..<literal.utf8CodeUnitCount {
                guard position < bytes.count, bytes[position] == literal.utf8Start[index] else {
                    throw unexpected("invalid literal")
                }
                position += 1
            }
            return value
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard depth < JSONParser.maximumDepth else {
                throw failure("nested deeper than \(JSONParser.maximumDepth)")
            }
            guard position < bytes.count else { throw failure("unexpected end of input") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["):
                position += 1
                var items: [JSONValue] = []
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    return .array(items)
                }
                while true {
                    skipWhitespace()
                    items.append(try value(depth: depth + 1))
                    skipWhitespace()
                    guard position < bytes.count else { throw failure("unexpected end of input") }
                    if bytes[position] == UInt8(ascii: ",") {
                        position += 1
                    } else if bytes[position] == UInt8(ascii: "]") {
                        position += 1
                        return .array(items)
                    } else {
                        throw unexpected("expected ',' or ']'")
                    }
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            default: return .number(try number())
            }
        }

        mutating func object(depth: Int) throws(Failure) -> JSONValue {
            position += 1
            var members: [JSONMember] = []
            // Filled only once an object outgrows `scannedMembers`.
            var names: Set<String> = []
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw position < bytes.count
                        ? unexpected("expected a member name") : failure("unexpected end of input")
                }
                let nameStart = position
                guard members.count < JSONParser.maximumMembers else {
                    throw failure("more than \(JSONParser.maximumMembers) members in one object")
                }
                let key = try string()
                let isDuplicate: Bool
                if members.count < JSONParser.scannedMembers {
                    isDuplicate = members.contains { $0.key == key }
                } else {
                    if names.isEmpty {
                        names.reserveCapacity(members.count * 2)
                        for member in members { names.insert(member.key) }
                    }
                    isDuplicate = !names.insert(key).inserted
                }
                if isDuplicate { throw failure("duplicate member '\(key)'", at: nameStart) }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw position < bytes.count ? unexpected("expected ':'") : failure("unexpected end of input")
                }
                position += 1
                skipWhitespace()
                members.append(JSONMember(key, try value(depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.count else { throw failure("unexpected end of input") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                } else {
                    throw unexpected("expected ',' or '}'")
                }
            }
        }

        mutating func number() throws(Failure) -> Double {
            let start = position
            scan: while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                    UInt8(ascii: "e"), UInt8(ascii: "E"):
                    position += 1
                default: break scan
                }
            }
            guard position > start else { throw unexpected("unexpected character") }
            if let integer = Self.plainInteger(bytes, start, position) { return integer }
            let text = UnsafeBufferPointer(rebasing: bytes[start..<position])
            guard let value = NumberText.parse(utf8: text) else {
                position = start
                throw failure("invalid number '\(String(decoding: text, as: UTF8.self))'")
            }
            return value
        }

        /// The value of `bytes[start..<end]` when it is a JSON integer of 1 to 15 digits (no leading
        /// zero, an optional `-`): exact as a `Double`, read without the general number parser.
        @inline(__always)
        static func plainInteger(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
            let negative = bytes[start] == UInt8(ascii: "-")
            let first = negative ? start + 1 : start
            let digits = end - first
            guard digits >= 1, digits <= 15, digits == 1 || bytes[first] != UInt8(ascii: "0") else { return nil }
            var value: Int64 = 0
            for index in first..<end {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value &* 10 &+ Int64(digit)
            }
            // -0 stays -0, as the general parser reads it.
            return negative ? -Double(value) : Double(value)
        }

        /// Where a string's bytes are once read: a range of the input (no escapes, the common case) or
        /// `scratch` (escapes decoded).
        enum StringBytes {
            case input(Range<Int>)
            case scratch
        }

        /// A string from its opening quote. Without escapes (the common case) the string is its bytes,
        /// checked once; with escapes it is built in `scratch`.
        mutating func string() throws(Failure) -> String {
            switch try stringBytes() {
            case .input(let range): String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            case .scratch: String(decoding: scratch, as: UTF8.self)
            }
        }

        /// The first position from `start` whose byte ends a plain run: a quote, a backslash, a control
        /// character or a byte past ASCII (or the end of the input). Eight bytes per step while eight
        /// remain (``stops(_:)``), then byte by byte.
        @inline(__always)
        func plainRunEnd(from start: Int) -> Int {
            var index = start
            if let base = bytes.baseAddress {
                while index + 8 <= bytes.count {
                    let stops = Self.stops(
                        UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                    )
                    if stops != 0 { return index + stops.trailingZeroBitCount >> 3 }
                    index += 8
                }
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                index += 1
            }
            return index
        }

        /// The top bit of each byte of `word` (little-endian) that ends a plain run: anything but
        /// printable ASCII other than `"` and `\\`. Each test works on the bytes' low seven bits, where
        /// adding at most 0x7F never carries into the next byte, so every byte is judged on its own.
        @inline(__always)
        static func stops(_ word: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs = ones &* 0x80
            let low = word & ~highs
            let printable = low &+ ones &* 0x60  // top bit set: low seven bits ≥ 0x20
            let notQuote = (low ^ ones &* 0x22) &+ ones &* 0x7F  // top bit set: not 0x22
            let notBackslash = (low ^ ones &* 0x5C) &+ ones &* 0x7F  // top bit set: not 0x5C
            return ~(~word & printable & notQuote & notBackslash) & highs
        }

        /// A string's bytes from its opening quote, checked (UTF-8, no control characters, escapes).
        mutating func stringBytes() throws(Failure) -> StringBytes {
            position += 1  // opening quote
            let start = position
            position = plainRunEnd(from: start)
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return .input(start..<position - 1)
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw failure("control character in string") }
                if byte < 0x80 {
                    position += 1
                } else {
                    let length = Self.sequenceLength(bytes, at: position)
                    guard length > 0 else { throw failure("invalid UTF-8") }
                    position += length
                }
            }
            guard position < bytes.count else { throw failure("unterminated string") }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
            while true {
                guard position < bytes.count else { throw failure("unterminated string") }
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return .scratch
                case UInt8(ascii: "\\"):
                    try escape()
                case 0..<0x20: throw failure("control character in string")
                case 0x20..<0x80:
                    scratch.append(byte)
                    position += 1
                default:
                    let length = Self.sequenceLength(bytes, at: position)
                    guard length > 0 else { throw failure("invalid UTF-8") }
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<position + length]))
                    position += length
                }
            }
        }

        /// One escape from its backslash, appended to `scratch` as UTF-8.
        mutating func escape() throws(Failure) {
            let start = position
            position += 1
            guard position < bytes.count else { throw failure("unterminated escape", at: start) }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(escapeStart: start)
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by an escaped low one; together they are one scalar.
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { throw failure("unpaired surrogate", at: start) }
                    position += 2
                    let low = try hex4(escapeStart: position - 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate", at: start) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw failure("unpaired surrogate", at: start)
                }
                appendUTF8(scalar)
            default: throw failure("invalid escape", at: start)
            }
        }

        /// A scalar value (not a surrogate, at most U+10FFFF) as UTF-8.
        mutating func appendUTF8(_ scalar: UInt32) {
            switch scalar {
            case 0..<0x80:
                scratch.append(UInt8(scalar))
            case 0x80..<0x800:
                scratch.append(UInt8(0xC0 | (scalar >> 6)))
                scratch.append(UInt8(0x80 | (scalar & 0x3F)))
            case 0x800..<0x10000:
                scratch.append(UInt8(0xE0 | (scalar >> 12)))
                scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                scratch.append(UInt8(0x80 | (scalar & 0x3F)))
            default:
                scratch.append(UInt8(0xF0 | (scalar >> 18)))
                scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
                scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                scratch.append(UInt8(0x80 | (scalar & 0x3F)))
            }
        }

        mutating func hex4(escapeStart: Int) throws(Failure) -> UInt32 {
            guard position + 4 <= bytes.count else { throw failure("truncated \\u escape", at: escapeStart) }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                position += 1
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw failure("invalid \\u escape", at: escapeStart)
                }
                value = value << 4 | digit
            }
            return value
        }
    }
}
