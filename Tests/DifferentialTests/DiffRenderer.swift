import Foundation

/// Text forms: JavaScript number text, quoted strings, JSON, and the project as flagc YAML.
enum DiffText {
    /// A double as JavaScript's `Number.prototype.toString` writes it (ECMA-262 Number::toString):
    /// the shortest digits that round-trip, found by trying each precision with printf's `%e` (an
    /// implementation independent of the runtime's), then laid out by the ECMAScript rules.
    static func jsNumber(_ value: Double) -> String {
        precondition(value.isFinite, "no JavaScript text for \(value)")
        if value == 0 { return "0" }
        if value < 0 { return "-" + jsNumber(-value) }
        var scientific = ""
        for precision in 1...17 {
            scientific = String(format: "%.\(precision - 1)e", value)
            if Double(scientific) == value { break }
        }
        // "d.ddde+XX": the digits s (k of them) and n, with value = s × 10^(n−k).
        let parts = scientific.split(separator: "e")
        let digits = Array(parts[0].replacingOccurrences(of: ".", with: "").reversed().drop { $0 == "0" }.reversed())
        let k = digits.count
        let n = Int(parts[1])! + 1
        let text = String(digits)
        if k <= n && n <= 21 { return text + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return String(digits[0..<n]) + "." + String(digits[n...]) }
        if -6 < n && n <= 0 { return "0." + String(repeating: "0", count: -n) + text }
        let exponent = n - 1
        let sign = exponent >= 0 ? "+" : "-"
        let mantissa = k == 1 ? text : String(digits[0]) + "." + String(digits[1...])
        return mantissa + "e" + sign + String(abs(exponent))
    }

    /// A double as a YAML plain scalar that reads back as the same number: the JavaScript text, in
    /// exponent form when the plain integer text would not fit a 64-bit YAML integer.
    static func yamlNumber(_ value: Double) -> String {
        let text = jsNumber(value)
        if !text.contains("."), !text.contains("e"), abs(value) >= 9.0e15 {
            return String(format: "%.17e", value)
        }
        return text
    }

    /// A JSON (and YAML double-quoted) string literal; escapes are per code point.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
                    || scalar.value == 0x2029 || scalar.value == 0xFEFF
                {
                    result += String(format: "\\u%04X", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// JSON text (also valid YAML flow).
    static func json(_ value: DValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let bool): bool ? "true" : "false"
        case .number(let number): yamlNumber(number)
        case .string(let string): quoted(string)
        case .array(let items): "[" + items.map(json).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.map { quoted($0.0) + ": " + json($0.1) }.joined(separator: ", ") + "}"
        }
    }

    static func variantValue(_ value: DVariantValue) -> String {
        switch value {
        case .bool(let bool): bool ? "true" : "false"
        case .string(let string): quoted(string)
        case .integer(let integer): String(integer)
        case .number(let number): yamlNumber(number)
        case .object(let object): json(object)
        }
    }

    static func literal(_ literal: DLiteral) -> String {
        switch literal {
        case .string(let string): quoted(string)
        case .number(let number): yamlNumber(number)
        case .bool(let bool): bool ? "true" : "false"
        }
    }

    static func time(_ time: DTime) -> String {
        switch time {
        case .seconds(let seconds): yamlNumber(seconds)
        case .text(let text): quoted(text)
        }
    }

    static func percent(_ hundredths: Int) -> String {
        let fraction = hundredths % 100
        if fraction == 0 { return String(hundredths / 100) }
        return "\(hundredths / 100)." + (fraction % 10 == 0 ? String(fraction / 10) : String(format: "%02d", fraction))
    }

    static func pattern(_ pattern: DPattern) -> String {
        var text = pattern.anchoredStart ? "^" : ""
        for atom in pattern.atoms {
            switch atom {
            case .literal(let scalar): text.unicodeScalars.append(scalar)
            case .any: text += "."
            case .digit: text += "\\d"
            case .lower: text += "[a-z]"
            }
        }
        return text + (pattern.anchoredEnd ? "$" : "")
    }

    /// The context as a JSON object (`now` is not part of it: it is the evaluation clock).
    static func context(_ context: DContext) -> String {
        var members: [(String, DValue)] = []
        if let key = context.targetingKey { members.append(("targetingKey", key)) }
        members += context.attributes
        let clock = context.usesBundleClock ? "the bundle's evaluation clock" : "evaluation clock"
        return json(.object(members)) + "  (\(clock) \(jsNumber(context.now)))"
    }
}

/// Writes a project as one flagc flags file. Every string is double-quoted, every map written in
/// block style, so the YAML reads back exactly as modelled.
struct DiffYAML {
    private var lines: [String] = []

    static func render(_ project: DProject) -> String {
        var writer = DiffYAML()
        writer.write(project)
        return writer.lines.joined(separator: "\n") + "\n"
    }

    private mutating func line(_ indent: Int, _ text: String) {
        lines.append(String(repeating: " ", count: indent) + text)
    }

    private mutating func write(_ project: DProject) {
        if !project.segments.isEmpty {
            line(0, "segments:")
            for segment in project.segments {
                line(2, DiffText.quoted(segment.name) + ":")
                line(4, "include: [" + segment.include.map(DiffText.quoted).joined(separator: ", ") + "]")
                line(4, "exclude: [" + segment.exclude.map(DiffText.quoted).joined(separator: ", ") + "]")
                if let when = segment.when { condition(when, indent: 4, key: "when: ") }
            }
        }
        line(0, "flags:")
        for flag in project.flags { write(flag) }
    }

    private mutating func write(_ flag: DFlag) {
        line(2, DiffText.quoted(flag.key) + ":")
        if flag.declaresType { line(4, "type: " + flag.type.rawValue) }
        if let variants = flag.variants {
            line(4, "variants:")
            for variant in variants {
                line(6, DiffText.quoted(variant.name) + ": " + DiffText.variantValue(variant.value))
            }
        }
        settings(flag.settings, indent: 4)
        if !flag.requires.isEmpty {
            line(4, "requires:")
            for prerequisite in flag.requires {
                line(
                    6,
                    "- { flag: \(DiffText.quoted(prerequisite.flag)), variant: \(DiffText.quoted(prerequisite.variant)) }"
                )
            }
        }
        if let salt = flag.salt { line(4, "salt: " + DiffText.quoted(salt)) }
        if !flag.environments.isEmpty {
            line(4, "environments:")
            for (name, settings) in flag.environments {
                line(6, DiffText.quoted(name) + ":")
                if settings.enabled == nil && settings.defaultVariant == nil && settings.offVariant == nil
                    && settings.rules == nil
                {
                    lines[lines.count - 1] += " {}"
                }
                self.settings(settings, indent: 8)
            }
        }
    }

    private mutating func settings(_ settings: DSettings, indent: Int) {
        if let enabled = settings.enabled { line(indent, "enabled: \(enabled)") }
        if let name = settings.defaultVariant { line(indent, "default: " + DiffText.quoted(name)) }
        if let name = settings.offVariant { line(indent, "offVariant: " + DiffText.quoted(name)) }
        if let rules = settings.rules {
            if rules.isEmpty {
                line(indent, "rules: []")
                return
            }
            line(indent, "rules:")
            for rule in rules {
                line(indent + 2, "-")
                let inner = indent + 4
                if let name = rule.name { line(inner, "name: " + DiffText.quoted(name)) }
                if let when = rule.when { condition(when, indent: inner, key: "when: ") }
                serve(rule.serve, indent: inner)
            }
        }
    }

    private mutating func serve(_ serve: DServe, indent: Int) {
        switch serve {
        case .variant(let name): line(indent, "serve: " + DiffText.quoted(name))
        case .split(let weights, let by):
            line(indent, "serve:")
            line(indent + 2, "split:")
            for weight in weights {
                line(indent + 4, DiffText.quoted(weight.variant) + ": " + DiffText.percent(weight.hundredths))
            }
            if let by { line(indent + 2, "by: " + DiffText.quoted(by)) }
        case .progressive(let variant, let others, let steps, let by):
            line(indent, "serve:")
            line(indent + 2, "progressive:")
            line(indent + 4, "variant: " + DiffText.quoted(variant))
            line(indent + 4, "others: " + DiffText.quoted(others))
            line(indent + 4, "steps:")
            for step in steps {
                line(indent + 6, "- { at: \(DiffText.time(step.at)), percent: \(DiffText.percent(step.hundredths)) }")
            }
            if let by { line(indent + 2, "by: " + DiffText.quoted(by)) }
        }
    }

    /// A condition map under `key` (e.g. "when: " or "- " or "not: ").
    private mutating func condition(_ condition: DCondition, indent: Int, key: String) {
        if condition.entries.isEmpty {
            line(indent, key + "{}")
            return
        }
        line(indent, key.trimmingCharacters(in: .whitespaces))
        for entry in condition.entries { self.entry(entry, indent: indent + 2) }
    }

    private mutating func conditionList(_ name: String, _ items: [DCondition], indent: Int) {
        if items.isEmpty {
            line(indent, name + ": []")
            return
        }
        line(indent, name + ":")
        for item in items {
            if item.entries.isEmpty {
                line(indent + 2, "- {}")
                continue
            }
            line(indent + 2, "-")
            for entry in item.entries { self.entry(entry, indent: indent + 4) }
        }
    }

    private mutating func entry(_ entry: DEntry, indent: Int) {
        switch entry {
        case .all(let items): conditionList("all", items, indent: indent)
        case .any(let items): conditionList("any", items, indent: indent)
        case .not(let inner): condition(inner, indent: indent, key: "not: ")
        case .segment(let name): line(indent, "segment: " + DiffText.quoted(name))
        case .predicate(let attribute, let predicate):
            let key = DiffText.quoted(attribute) + ": "
            switch predicate {
            case .scalar(let literal): line(indent, key + DiffText.literal(literal))
            case .list(let literals):
                line(indent, key + "[" + literals.map(DiffText.literal).joined(separator: ", ") + "]")
            case .operators(let operators, let ignoreCase):
                line(indent, key.trimmingCharacters(in: .whitespaces))
                if let ignoreCase { line(indent + 2, "ignoreCase: \(ignoreCase)") }
                for op in operators { line(indent + 2, op.name + ": " + operand(op)) }
            }
        }
    }

    private func operand(_ op: DOperator) -> String {
        switch op {
        case .eq(let literal), .ne(let literal): DiffText.literal(literal)
        case .isIn(let literals), .notIn(let literals):
            "[" + literals.map(DiffText.literal).joined(separator: ", ") + "]"
        case .contains(let text), .notContains(let text), .startsWith(let text), .endsWith(let text):
            DiffText.quoted(text)
        case .matches(let pattern): DiffText.quoted(DiffText.pattern(pattern))
        case .gt(let number), .gte(let number), .lt(let number), .lte(let number): DiffText.yamlNumber(number)
        case .semver(_, let version): DiffText.quoted(version)
        case .before(let time), .after(let time): DiffText.time(time)
        case .inCidr(let ranges): "[" + ranges.map(DiffText.quoted).joined(separator: ", ") + "]"
        case .exists(let exists): exists ? "true" : "false"
        }
    }
}
