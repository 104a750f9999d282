/// The type of a flag's variants.
public enum FlagType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible, BitwiseCopyable {
    case boolean = 0
    case string = 1
    case integer = 2
    case number = 3
    case object = 4

    /// The name used in YAML and JSON output: `boolean`, `string`, `integer`, `number`, `object`.
    public var description: String {
        switch self {
        case .boolean: "boolean"
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .object: "object"
        }
    }

    public init?(name: String) {
        guard let type = FlagType.allCases.first(where: { $0.description == name }) else { return nil }
        self = type
    }
}

/// A JSON value: what `object` flags serve.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    /// An integer kept exactly (a YAML integer in an `object` variant): JSON numbers are doubles in most
    /// readers, but this one never rounds, even beyond 2⁵³.
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    /// Members in their defined order.
    case object([JSONMember])
}

/// One member of a JSON object.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// The value of one variant of a flag.
public enum FlagValue: Sendable, Hashable {
    case bool(Bool)
    case string(String)
    case integer(Int64)
    case number(Double)
    case object(JSONValue)

    /// The type this value belongs to.
    public var type: FlagType {
        switch self {
        case .bool: .boolean
        case .string: .string
        case .integer: .integer
        case .number: .number
        case .object: .object
        }
    }
}

extension JSONValue {
    /// Compact JSON text (no whitespace), members in order; numbers in their shortest form.
    public var jsonText: String {
        var text = ""
        appendJSON(to: &text)
        return text
    }

    func appendJSON(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .number(let value): text += Bucketing.canonicalNumberText(value)
        case .integer(let value): text += String(value)
        case .string(let value): JSONValue.appendQuoted(value, to: &text)
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.appendJSON(to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { text += "," }
                JSONValue.appendQuoted(member.key, to: &text)
                text += ":"
                member.value.appendJSON(to: &text)
            }
            text += "}"
        }
    }

    /// Appends `value` as a JSON string literal.
    package static func appendQuoted(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}

extension FlagValue {
    /// The value as compact JSON text.
    public var jsonText: String {
        switch self {
        case .bool(let value): value ? "true" : "false"
        case .string(let value): JSONValue.string(value).jsonText
        case .integer(let value): String(value)
        case .number(let value): Bucketing.canonicalNumberText(value)
        case .object(let value): value.jsonText
        }
    }
}
