/// The diagnostics of the debt lint of `flagc check` (`FlagLint`, `ContextCheck`), one factory per message.
package enum DebtMessages {
    /// A rule after one that matches every context and serves one variant.
    package static func ruleAfterCatchAll(_ rule: RuleDefinition, flag: String, catchAll: SourceLocation) -> Diagnostic
    {
        .warning(
            "\(ruleName(rule)) of flag '\(flag)' is never reached: the rule at \(catchAll.line):\(catchAll.column) "
                + "matches every context",
            at: rule.location
        )
    }

    /// A rule with the same condition as an earlier rule that serves one variant.
    package static func shadowedRule(_ rule: RuleDefinition, flag: String, by earlier: SourceLocation) -> Diagnostic {
        .warning(
            "\(ruleName(rule)) of flag '\(flag)' is never reached: the rule at \(earlier.line):\(earlier.column) "
                + "has the same condition",
            at: rule.location
        )
    }

    private static func ruleName(_ rule: RuleDefinition) -> String { rule.name.map { "rule '\($0)'" } ?? "this rule" }

    /// A segment no flag refers to, directly or through other segments.
    package static func unusedSegment(_ name: Located<String>) -> Diagnostic {
        .warning("segment '\(name.value)' is not used by any flag", at: name.location)
    }

    /// A variant no reachable path serves (neither a rule, nor the default, nor the off variant).
    package static func unservedVariant(_ variant: Located<String>, flag: String) -> Diagnostic {
        .warning(
            "variant '\(variant.value)' of flag '\(flag)' is never served: no rule serves it and it is not the default",
            at: variant.location
        )
    }

    /// A prerequisite on a variant the required flag never serves (in `environments`, or anywhere when empty).
    package static func unsatisfiablePrerequisite(
        _ prerequisite: PrerequisiteDefinition,
        flag: String,
        environments: [String]
    ) -> Diagnostic {
        let place =
            environments.isEmpty ? "" : " in environment " + environments.map { "'\($0)'" }.joined(separator: ", ")
        return .warning(
            "flag '\(flag)' requires '\(prerequisite.flag.value)' to serve '\(prerequisite.variant.value)', "
                + "which it never serves\(place); '\(flag)' always serves its off variant"
                + (place.isEmpty ? "" : " there"),
            at: prerequisite.variant.location
        )
    }

    /// An attribute used in a rule (or to bucket by) that the declared context does not list.
    package static func undeclaredAttribute(_ attribute: Located<String>, suggestion: String?) -> Diagnostic {
        .warning(
            "attribute '\(attribute.value)' is not declared in 'context'"
                + Suggestion.didYouMean(suggestion, otherwise: "; declare it or fix its name"),
            at: attribute.location
        )
    }

    /// An operator that does not apply to the attribute's declared type.
    package static func operatorTypeMismatch(
        _ operatorName: String,
        attribute: Located<String>,
        declared: ContextAttributeType,
        accepted: [ContextAttributeType]
    ) -> Diagnostic {
        .warning(
            "operator '\(operatorName)' does not apply to attribute '\(attribute.value)', declared \(declared); "
                + "it expects \(accepted.map(\.rawValue).joined(separator: " or "))",
            at: attribute.location
        )
    }

    /// An attribute declared twice in `context:`.
    package static func duplicateAttribute(_ name: Located<String>, first: SourceLocation) -> Diagnostic {
        .error("attribute '\(name.value)' is declared twice (first at \(first))", at: name.location)
    }

    // MARK: Reading `context:`, `lifecycle:` and `created:`

    /// `created` is not a calendar date.
    package static func invalidCreated(at location: SourceLocation) -> Diagnostic {
        .error("'created' must be a date like 2026-11-30", at: location)
    }

    /// A `lifecycle` that is not one of the known kinds.
    package static func unknownLifecycle(_ name: String, suggestion: String?, at location: SourceLocation) -> Diagnostic
    {
        .error(
            "unknown lifecycle '\(name)'; expected \(FlagLifecycle.allCases.map(\.rawValue).joined(separator: ", "))"
                + (suggestion.map { " (did you mean '\($0)'?)" } ?? ""),
            at: location
        )
    }

    /// An attribute type that is not one of the known types.
    package static func unknownAttributeType(
        _ name: String,
        suggestion: String?,
        at location: SourceLocation
    ) -> Diagnostic {
        .error(
            "unknown attribute type '\(name)'; expected "
                + ContextAttributeType.allCases.map(\.rawValue).joined(separator: ", ")
                + (suggestion.map { " (did you mean '\($0)'?)" } ?? ""),
            at: location
        )
    }

    /// A declared attribute without `type`.
    package static func attributeWithoutType(_ name: String, at location: SourceLocation) -> Diagnostic {
        .error("attribute '\(name)' needs a 'type'", at: location)
    }

    /// A declared attribute named like a reserved condition key (or empty).
    package static func reservedAttributeName(_ name: String, at location: SourceLocation) -> Diagnostic {
        .error("'\(name)' cannot be an attribute name (reserved in conditions)", at: location)
    }
}
