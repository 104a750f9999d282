import FlagRuntime

/// Pretty JSON text (two-space indent, members in their given order) for manifests and `inspect`.
enum JSONText {
    static func pretty(_ value: JSONValue, indent: String = "") -> String {
        switch value {
        case .array(let items) where !items.isEmpty:
            let inner = indent + "  "
            return "[\n" + items.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let members) where !members.isEmpty:
            let inner = indent + "  "
            return "{\n"
                + members.map { inner + JSONValue.string($0.key).jsonText + ": " + pretty($0.value, indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        default:
            return value.jsonText
        }
    }
}

extension JSONValue {
    /// Builds an object from ordered pairs, leaving out nil values.
    package static func members(_ pairs: [(String, JSONValue?)]) -> JSONValue {
        .object(pairs.compactMap { key, value in value.map { JSONMember(key, $0) } })
    }

    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
}
