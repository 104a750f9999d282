/// A strict RFC 8259 JSON parser, bounded in depth, for evaluation contexts arriving as JSON
/// (function events, `flagc eval`). Standard library only.
public enum JSONParser {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let message: String
        /// Byte offset of the problem.
        public let offset: Int
        public var description: String { "\(message) at byte \(offset + 1)" }
    }

    public static let maximumDepth = 64

    public static func parse(_ text: String) throws(Failure) -> JSONValue {
        var text = text
        let result: Result<JSONValue, Failure> = text.withUTF8 { bytes in
            var parser = Parser(bytes: bytes)
            parser.skipWhitespace()
            do {
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.position == bytes.count else {
                    return .failure(parser.failure("unexpected text after the value"))
                }
                return .success(value)
            } catch let failure as Failure {
                return .failure(failure)
            } catch {
                return .failure(Failure(message: "\(error)", offset: 0))
            }
        }
        return try result.get()
    }

    /// An evaluation context from a JSON object: `targetingKey` (a string) plus attributes. Nested
    /// objects are not attributes and are refused.
    public static func context(_ text: String) throws(Failure) -> EvaluationContext {
        guard case .object(let members) = try parse(text) else {
            throw Failure(message: "a context must be a JSON object", offset: 0)
        }
        var context = EvaluationContext()
        for member in members {
            if member.key == "targetingKey" {
                guard case .string(let key) = member.value else {
                    throw Failure(message: "'targetingKey' must be a string", offset: 0)
                }
                context.targetingKey = key
                continue
            }
            guard let value = attribute(member.value) else {
                throw Failure(message: "attribute '\(member.key)' is a nested object; use flat attributes", offset: 0)
            }
            context.attributes[member.key] = value
        }
        return context
    }

    private static func attribute(_ value: JSONValue) -> AttributeValue? {
        switch value {
        case .null: return .null
        case .bool(let bool): return .bool(bool)
        case .number(let number): return .number(number)
        case .integer(let integer): return .number(Double(integer))
        case .string(let string): return .string(string)
        case .array(let items):
            var list: [AttributeValue] = []
            for item in items {
                guard let element = attribute(item) else { return nil }
                list.append(element)
            }
            return .list(list)
        case .object: return nil
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        func failure(_ message: String) -> Failure { Failure(message: message, offset: position) }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ literal: String, _ value: JSONValue) throws(Failure) -> JSONValue {
            for byte in literal.utf8 {
                guard position < bytes.count, bytes[position] == byte else { throw failure("invalid literal") }
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
            case UInt8(ascii: "{"):
                position += 1
                var members: [JSONMember] = []
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                }
                while true {
                    skipWhitespace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                        throw failure("expected a member name")
                    }
                    let key = try string()
                    if members.contains(where: { $0.key == key }) { throw failure("duplicate member '\(key)'") }
                    skipWhitespace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                        throw failure("expected ':'")
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
                        throw failure("expected ',' or '}'")
                    }
                }
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
                        throw failure("expected ',' or ']'")
                    }
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            default: return .number(try number())
            }
        }

        mutating func number() throws(Failure) -> Double {
            let start = position
            while position < bytes.count,
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
                    || [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")]
                        .contains(bytes[position])
            {
                position += 1
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard !text.isEmpty, let value = NumberText.parse(text) else {
                position = start
                throw failure(text.isEmpty ? "unexpected character" : "invalid number '\(text)'")
            }
            return value
        }

        mutating func string() throws(Failure) -> String {
            position += 1  // opening quote
            var output: [UInt8] = []
            while true {
                guard position < bytes.count else { throw failure("unterminated string") }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let string = String(validating: output, as: UTF8.self) else { throw failure("invalid UTF-8") }
                    return string
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { throw failure("unterminated escape") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
                    case UInt8(ascii: "b"): output.append(0x08)
                    case UInt8(ascii: "f"): output.append(0x0C)
                    case UInt8(ascii: "n"): output.append(0x0A)
                    case UInt8(ascii: "r"): output.append(0x0D)
                    case UInt8(ascii: "t"): output.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                                bytes[position + 1] == UInt8(ascii: "u")
                            else { throw failure("unpaired surrogate") }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                        output.append(contentsOf: String(Character(unicode)).utf8)
                    default: throw failure("invalid escape")
                    }
                case 0..<0x20: throw failure("control character in string")
                default: output.append(byte)
                }
            }
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard position + 4 <= bytes.count else { throw failure("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                position += 1
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw failure("invalid \\u escape")
                }
                value = value << 4 | digit
            }
            return value
        }
    }
}
