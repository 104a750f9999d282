import FlagRuntime

/// Why an import was refused: what, and where in the source JSON (`$.features[3].strategies[0]`).
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(_ message: String, at path: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Something the import decided that the user should know (an exact mapping that looks surprising,
/// or behaviour of the source engine that flagc makes deterministic).
public struct ImportWarning: Sendable, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String

    public var description: String { "\(path): \(message)" }
}

/// What an importer produces: flagc YAML and the warnings met on the way.
public struct ImportResult: Sendable {
    /// The text of one `flags/*.yaml` file.
    public let yaml: String
    public let warnings: [ImportWarning]
    /// Source flag name → flagc flag key, for names that are not valid flag keys as they are.
    public let renamed: [(source: String, key: String)]
}

/// A condition of the flag language, built by an importer and written as YAML flow text.
indirect enum ImportedCondition: Equatable, Sendable {
    case all([ImportedCondition])
    case any([ImportedCondition])
    case not(ImportedCondition)
    case segment(String)
    /// `ATTRIBUTE: { OPERATOR: OPERAND, … }`: every operator holds.
    case predicate(String, [(String, JSONValue)])

    /// Holds for every context.
    static let always = ImportedCondition.all([])
    /// Holds for no context.
    static let never = ImportedCondition.any([])

    var isAlways: Bool { self == .always }
    var isNever: Bool { self == .never }

    static func == (lhs: ImportedCondition, rhs: ImportedCondition) -> Bool {
        switch (lhs, rhs) {
        case (.all(let a), .all(let b)), (.any(let a), .any(let b)): a == b
        case (.not(let a), .not(let b)): a == b
        case (.segment(let a), .segment(let b)): a == b
        case (.predicate(let a, let x), .predicate(let b, let y)):
            a == b && x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// One operator on one attribute.
    static func on(_ attribute: String, _ op: String, _ operand: JSONValue) -> ImportedCondition {
        .predicate(attribute, [(op, operand)])
    }

    /// The conjunction, simplified: `always` parts dropped, nested `all`s flattened, `never` absorbs.
    static func and(_ parts: [ImportedCondition]) -> ImportedCondition {
        var flat: [ImportedCondition] = []
        for part in parts {
            if part.isNever { return .never }
            if case .all(let inner) = part { flat += inner } else { flat.append(part) }
        }
        return flat.count == 1 ? flat[0] : .all(flat)
    }

    /// The disjunction, simplified: `never` parts dropped, `always` absorbs.
    static func or(_ parts: [ImportedCondition]) -> ImportedCondition {
        var flat: [ImportedCondition] = []
        for part in parts {
            if part.isAlways { return .always }
            if case .any(let inner) = part { flat += inner } else { flat.append(part) }
        }
        return flat.count == 1 ? flat[0] : .any(flat)
    }

    static func negate(_ condition: ImportedCondition) -> ImportedCondition {
        if condition.isAlways { return .never }
        if condition.isNever { return .always }
        if case .not(let inner) = condition { return inner }
        return .not(condition)
    }

    /// The condition as a YAML flow mapping.
    var yaml: String {
        switch self {
        case .all(let parts): "{ all: [" + parts.map(\.yaml).joined(separator: ", ") + "] }"
        case .any(let parts): "{ any: [" + parts.map(\.yaml).joined(separator: ", ") + "] }"
        case .not(let inner): "{ not: \(inner.yaml) }"
        case .segment(let name): "{ segment: \(YAMLText.quoted(name)) }"
        case .predicate(let attribute, let operators):
            "{ \(YAMLText.quoted(attribute)): { "
                + operators.map { "\($0.0): \(YAMLText.flow($0.1))" }.joined(separator: ", ") + " } }"
        }
    }
}

/// What a rule serves.
enum ImportedServe {
    case variant(String)
    case split(weights: [(variant: String, weight: Int)], by: String, hash: BucketingScheme, salt: String)
}

struct ImportedRule {
    var name: String
    var condition: ImportedCondition
    var serve: ImportedServe
    /// YAML comments written above the rule.
    var notes: [String] = []
}

struct ImportedSegment {
    var name: String
    var description: String?
    var condition: ImportedCondition
}

struct ImportedFlag {
    var key: String
    var comments: [String] = []
    var description: String?
    /// nil: a boolean flag with the implicit `on`/`off`.
    var type: String?
    var variants: [(name: String, value: JSONValue)] = []
    var defaultVariant: String
    var offVariant: String?
    var enabled = true
    var rules: [ImportedRule] = []
    var requires: [(flag: String, variant: String)] = []
}

/// Writes imported segments and flags as one flags file.
enum ImportedProjectWriter {
    static func yaml(header: [String], segments: [ImportedSegment], flags: [ImportedFlag]) -> String {
        var lines = header.map { "# " + $0 }
        if !segments.isEmpty {
            lines.append("segments:")
            for segment in segments {
                lines.append("  \(YAMLText.quoted(segment.name)):")
                if let description = segment.description {
                    lines.append("    description: \(YAMLText.quoted(description))")
                }
                lines.append("    when: \(segment.condition.yaml)")
            }
        }
        lines.append(flags.isEmpty ? "flags: {}" : "flags:")
        for flag in flags {
            lines += flag.comments.map { "  # " + $0 }
            lines.append("  \(YAMLText.quoted(flag.key)):")
            if let description = flag.description, !description.isEmpty {
                lines.append("    description: \(YAMLText.quoted(description))")
            }
            if let type = flag.type { lines.append("    type: \(type)") }
            if !flag.variants.isEmpty {
                lines.append("    variants:")
                for variant in flag.variants {
                    lines.append("      \(YAMLText.quoted(variant.name)): \(YAMLText.flow(variant.value))")
                }
            }
            lines.append("    default: \(YAMLText.quoted(flag.defaultVariant))")
            if let off = flag.offVariant { lines.append("    offVariant: \(YAMLText.quoted(off))") }
            if !flag.enabled { lines.append("    enabled: false") }
            if !flag.requires.isEmpty {
                lines.append("    requires:")
                for requirement in flag.requires {
                    lines.append(
                        "      - { flag: \(YAMLText.quoted(requirement.flag)), variant: \(YAMLText.quoted(requirement.variant)) }"
                    )
                }
            }
            if !flag.rules.isEmpty {
                lines.append("    rules:")
                for rule in flag.rules {
                    lines += rule.notes.map { "      # " + $0 }
                    lines.append("      - name: \(YAMLText.quoted(rule.name))")
                    if !rule.condition.isAlways { lines.append("        when: \(rule.condition.yaml)") }
                    switch rule.serve {
                    case .variant(let name): lines.append("        serve: \(YAMLText.quoted(name))")
                    case .split(let weights, let by, let hash, let salt):
                        lines.append("        serve:")
                        lines.append(
                            "          split: { "
                                + weights.map { "\(YAMLText.quoted($0.variant)): \($0.weight)" }.joined(separator: ", ")
                                + " }"
                        )
                        lines.append("          by: \(YAMLText.quoted(by))")
                        lines.append("          hash: \(hash.name)")
                        lines.append("          salt: \(YAMLText.quoted(salt))")
                    }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// YAML text for imported values: strings double-quoted with JSON escapes (valid YAML), values as JSON
/// flow (JSON is YAML).
enum YAMLText {
    static func quoted(_ text: String) -> String { JSONValue.string(text).jsonText }

    static func flow(_ value: JSONValue) -> String { value.jsonText }

    /// A comment-safe single line.
    static func comment(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}

/// Helpers for reading parsed JSON with paths.
struct JSONReader {
    let path: String
    let value: JSONValue

    init(_ value: JSONValue, at path: String) {
        self.value = value
        self.path = path
    }

    func error(_ message: String) -> ImportError { ImportError(message, at: path) }

    var members: [JSONMember]? {
        if case .object(let members) = value { return members }
        return nil
    }

    var isNull: Bool { value == .null }

    /// The object's members; refuses another type and any member not in `known`.
    func object(known: Set<String>, what: String) throws(ImportError) -> [String: JSONReader] {
        guard let members else { throw error("\(what) must be an object, found \(Self.kind(value))") }
        var result: [String: JSONReader] = [:]
        for member in members {
            guard known.contains(member.key) else {
                let suggestion = Suggestion.closest(to: member.key, among: Array(known))
                throw ImportError(
                    "unknown field '\(member.key)' in \(what)" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""),
                    at: path + Self.memberPath(member.key)
                )
            }
            result[member.key] = JSONReader(member.value, at: path + Self.memberPath(member.key))
        }
        return result
    }

    func array(_ what: String) throws(ImportError) -> [JSONReader] {
        guard case .array(let items) = value else {
            throw error("\(what) must be an array, found \(Self.kind(value))")
        }
        return items.enumerated().map { JSONReader($1, at: "\(path)[\($0)]") }
    }

    func string(_ what: String) throws(ImportError) -> String {
        guard case .string(let text) = value else { throw error("\(what) must be a string, found \(Self.kind(value))") }
        return text
    }

    func bool(_ what: String) throws(ImportError) -> Bool {
        guard case .bool(let flag) = value else {
            throw error("\(what) must be true or false, found \(Self.kind(value))")
        }
        return flag
    }

    func number(_ what: String) throws(ImportError) -> Double {
        switch value {
        case .number(let number): return number
        case .integer(let integer): return Double(integer)
        default: throw error("\(what) must be a number, found \(Self.kind(value))")
        }
    }

    static func memberPath(_ key: String) -> String {
        let simple =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy {
                $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
            }
        return simple ? "." + key : "[" + JSONValue.string(key).jsonText + "]"
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number, .integer: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Flag keys from other systems' names: kept when valid, else made valid and made unique with a
/// short hash of the original name (so the same name always gets the same key).
enum ImportedNames {
    static func isValidKey(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 128,
            first.isASCII, first.properties.isAlphabetic
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0))
        }
    }

    /// `name` itself when it is a valid flag key or segment name; else its valid characters (others as
    /// `_`), prefixed with `f` when it does not start with a letter, cut to 119 characters, then `-`
    /// and the 8 hex digits of murmur3(name).
    static func key(for name: String) -> String {
        if isValidKey(name) { return name }
        var text = String(
            String.UnicodeScalarView(
                name.unicodeScalars.map {
                    $0.isASCII
                        && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0))
                        ? $0 : "_"
                }
            )
        )
        if !(text.unicodeScalars.first.map { $0.isASCII && $0.properties.isAlphabetic } ?? false) { text = "f" + text }
        let hash = String(Murmur3.hash32(Array(name.utf8)), radix: 16)
        return String(text.prefix(119)) + "-" + String(repeating: "0", count: 8 - hash.count) + hash
    }
}
