/// The typed context builder of the generated Swift code: a `Context` struct with one property per
/// attribute declared in `context:`, so user code never writes an attribute name as a string.
struct SwiftContextBuilder {
    let attributes: [ContextAttributeDefinition]
    let access: String
    /// The nested type's name (`Context`, or `Context2`… when a flag's enum took it).
    let typeName: String

    private static func swiftType(_ type: ContextAttributeType) -> (type: String, value: (String) -> String) {
        switch type {
        case .string, .version, .ip: ("Swift.String", { ".string(\($0))" })
        case .number: ("Swift.Double", { ".number(\($0))" })
        case .timestamp: ("Swift.Double", { ".number(\($0))" })
        case .boolean: ("Swift.Bool", { ".bool(\($0))" })
        case .list: ("[Swift.String]", { ".list(\($0).map(FlagRuntime.AttributeValue.string))" })
        }
    }

    func source() -> String {
        // Declared once each; the targeting key is a property of its own, `now` is the clock.
        var seen: Set<String> = []
        let declared = attributes.filter {
            !ContextCheck.builtIn.keys.contains($0.name.value) && seen.insert($0.name.value).inserted
        }
        var used: Set<String> = ["targetingKey", "now", "evaluationContext", "init", "self", "Type"]
        let properties = declared.map {
            (
                attribute: $0,
                name: SwiftGenerator.unique(
                    SwiftGenerator.lowerCamel($0.name.value),
                    in: &used
                )
            )
        }

        var out = "\n    /// A context with one typed property per attribute declared in `context:`; evaluate with\n"
        out += "    /// `prepare(_:)` or `evaluationContext`.\n"
        out += "    \(access) struct \(typeName): Sendable {\n"
        out += "        /// The targeting key: segments list it; splits and ramps bucket by it unless `by:` names\n"
        out += "        /// another attribute.\n"
        out += "        \(access) var targetingKey: Swift.String?\n"
        for (attribute, name) in properties {
            let doc = attribute.description.map { SwiftGenerator.comment($0) } ?? "Attribute `\(attribute.name.value)`."
            out +=
                "        /// \(doc) (\(attribute.type.rawValue)\(attribute.type == .timestamp ? ", Unix seconds" : ""))\n"
            out += "        \(access) var \(SwiftGenerator.escaped(name)): \(Self.swiftType(attribute.type).type)?\n"
        }
        out += "        /// The evaluation clock (Unix seconds); nil: the system clock.\n"
        out += "        \(access) var now: Swift.Double?\n\n"
        let parameters =
            ["targetingKey: Swift.String? = nil"]
            + properties.map { "\(SwiftGenerator.escaped($0.name)): \(Self.swiftType($0.attribute.type).type)? = nil" }
            + ["now: Swift.Double? = nil"]
        out += "        \(access) init(\n"
        out += parameters.map { "            \($0)" }.joined(separator: ",\n") + "\n"
        out += "        ) {\n"
        out += "            self.targetingKey = targetingKey\n"
        for (_, name) in properties { out += "            self.\(name) = \(SwiftGenerator.escaped(name))\n" }
        out += "            self.now = now\n"
        out += "        }\n\n"
        out += "        /// The context as the runtime takes it.\n"
        out += "        \(access) var evaluationContext: FlagRuntime.EvaluationContext {\n"
        // Room for every declared attribute: one allocation, no dictionary.
        out += "            var attributes = FlagRuntime.ContextAttributes(minimumCapacity: \(properties.count))\n"
        for (attribute, name) in properties {
            let value = Self.swiftType(attribute.type).value("value")
            out +=
                "            if let value = self.\(name) { attributes.set(\(SwiftGenerator.literal(attribute.name.value)), \(value)) }\n"
        }
        out +=
            "            return FlagRuntime.EvaluationContext(targetingKey: targetingKey, attributes: attributes, now: now)\n"
        out += "        }\n"
        out += "    }\n\n"
        out += "    /// Resolves a typed `context` once, for evaluating many flags without lookups by name.\n"
        out += "    \(access) func prepare(_ context: \(typeName)) -> FlagRuntime.PreparedContext {\n"
        out += "        bundle.prepare(context.evaluationContext)\n"
        out += "    }\n"
        return out
    }
}
