/// Reading `context:` schemas and `lifecycle:` fields.
extension DefinitionReader {
    /// `context: { NAME: { type: TYPE, description: TEXT }, … }`; `NAME: TYPE` is short for `{ type: TYPE }`.
    func readContext(_ node: YAMLNode) -> [ContextAttributeDefinition] {
        guard let entries = mapping(node, "'context'") else { return [] }
        var result: [ContextAttributeDefinition] = []
        for entry in entries {
            if entry.key.isEmpty || ["all", "any", "not", "segment"].contains(entry.key) {
                diagnostics.append(DebtMessages.reservedAttributeName(entry.key, at: entry.keyLocation))
                continue
            }
            var typeNode: YAMLNode?
            var description: String?
            if entry.value.scalar != nil && !entry.value.isNull {
                typeNode = entry.value
            } else {
                guard let fields = mapping(entry.value, "attribute '\(entry.key)'") else { continue }
                for field in checkFields(fields, allowed: ["type", "description"], in: "a context attribute") {
                    if field.key == "type" { typeNode = field.value }
                    if field.key == "description" { description = string(field.value, "'description'") }
                }
            }
            guard let typeNode else {
                diagnostics.append(DebtMessages.attributeWithoutType(entry.key, at: entry.keyLocation))
                continue
            }
            guard let type = attributeType(typeNode) else { continue }
            result.append(
                ContextAttributeDefinition(
                    name: Located(entry.key, at: entry.keyLocation),
                    type: type,
                    description: description
                )
            )
        }
        return result
    }

    private func attributeType(_ node: YAMLNode) -> ContextAttributeType? {
        guard let name = string(node, "'type'") else { return nil }
        if let type = ContextAttributeType(rawValue: name) { return type }
        let suggestion = Suggestion.closest(to: name, among: ContextAttributeType.allCases.map(\.rawValue))
        diagnostics.append(DebtMessages.unknownAttributeType(name, suggestion: suggestion, at: node.location))
        return nil
    }

    /// `lifecycle: release | experiment | operational | kill-switch | permission | permanent`.
    func readLifecycle(_ node: YAMLNode) -> Located<FlagLifecycle>? {
        guard let name = string(node, "'lifecycle'") else { return nil }
        if let lifecycle = FlagLifecycle(rawValue: name) { return Located(lifecycle, at: node.location) }
        let suggestion = Suggestion.closest(to: name, among: FlagLifecycle.allCases.map(\.rawValue))
        diagnostics.append(DebtMessages.unknownLifecycle(name, suggestion: suggestion, at: node.location))
        return nil
    }
}
