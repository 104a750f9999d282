import FlagRuntime

extension DefinitionReader {
    static let targetFields = ["environment", "flags", "exclude", "recipients", "expiresAfter", "codegen"]

    /// Reads `targets/NAME.yaml`; the target's name is the file's base name.
    func readTarget(_ root: YAMLNode?, name: String, path: String) -> TargetDefinition? {
        let start = SourceLocation(file: path, line: 1, column: 1)
        var target = TargetDefinition(
            name: name,
            path: path,
            environment: name,
            flagPatterns: ["*"],
            excludePatterns: [],
            recipients: [],
            expiresAfter: 30 * 86_400,
            swiftTypeName: "Flags",
            swiftAccessLevel: "public",
            location: root?.location ?? start
        )
        if !Self.isValidName(name) {
            diagnostics.append(ReaderMessages.invalidTargetName(name, at: start))
        }
        guard let root, let entries = mapping(root, "a target file") else {
            diagnostics.append(ReaderMessages.targetNeedsRecipients(name, at: start))
            return nil
        }
        for entry in checkFields(entries, allowed: Self.targetFields, in: "a target") {
            switch entry.key {
            case "environment":
                if let environment = string(entry.value, "'environment'") {
                    if Self.isValidName(environment) {
                        target.environment = environment
                    } else {
                        diagnostics.append(ReaderMessages.invalidEnvironment(environment, at: entry.value.location))
                    }
                }
            case "flags": target.flagPatterns = stringList(entry.value, "'flags'")
            case "exclude": target.excludePatterns = stringList(entry.value, "'exclude'")
            case "recipients":
                guard let items = sequence(entry.value, "'recipients'") else { continue }
                target.recipients = items.compactMap { item in
                    string(item, "a recipient").map { Located($0, at: item.location) }
                }
            case "expiresAfter":
                guard let text = entry.value.scalar?.text, let seconds = Timestamp.parseDuration(text), seconds > 0
                else {
                    diagnostics.append(ReaderMessages.invalidExpiresAfter(at: entry.value.location))
                    continue
                }
                guard seconds <= LoadOptions.defaultMaximumBundleLifetime else {
                    diagnostics.append(ReaderMessages.expiresAfterTooLong(at: entry.value.location))
                    continue
                }
                target.expiresAfter = seconds
            case "codegen": readCodegen(entry.value, into: &target)
            default: break
            }
        }
        if target.recipients.isEmpty {
            diagnostics.append(ReaderMessages.noRecipient(target: name, at: target.location))
        }
        return target
    }

    private func readCodegen(_ node: YAMLNode, into target: inout TargetDefinition) {
        guard let entries = mapping(node, "'codegen'") else { return }
        for entry in checkFields(entries, allowed: ["swift"], in: "'codegen'") {
            guard let fields = mapping(entry.value, "'swift'") else { continue }
            for field in checkFields(fields, allowed: ["typeName", "accessLevel"], in: "'codegen.swift'") {
                guard let value = string(field.value, "'\(field.key)'") else { continue }
                if field.key == "typeName" {
                    if SwiftNames.isIdentifier(value) {
                        target.swiftTypeName = value
                    } else {
                        diagnostics.append(ReaderMessages.invalidTypeName(at: field.value.location))
                    }
                } else if ["public", "package", "internal"].contains(value) {
                    target.swiftAccessLevel = value
                } else {
                    diagnostics.append(ReaderMessages.invalidAccessLevel(at: field.value.location))
                }
            }
        }
    }
}

/// Swift identifier rules the code generator relies on.
enum SwiftNames {
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default",
        "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch",
        "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true",
        "try", "package", "some", "any", "Type", "Protocol",
    ]

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.properties.isXIDStart || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { $0.properties.isXIDContinue } && !keywords.contains(text)
    }
}
