import FlagRuntime

/// The diagnostics of the load stage's readers (`DefinitionReader` for flag files and target
/// files), one factory per message. `what` names the thing being read, quoted as the user wrote
/// it: `'salt'`, `a recipient`, `flag 'checkout'`.
package enum ReaderMessages {
    // MARK: Shapes

    /// A node of the wrong kind where a string is expected.
    package static func notString(_ what: String, found kind: String, at location: SourceLocation) -> Diagnostic {
        .error("\(what) must be a string, found \(kind)", at: location)
    }

    /// A node of the wrong kind where any scalar is expected.
    package static func notScalar(_ what: String, found kind: String, at location: SourceLocation) -> Diagnostic {
        .error("\(what) must be a scalar, found \(kind)", at: location)
    }

    /// A node of the wrong kind where a mapping is expected.
    package static func notMapping(_ what: String, found kind: String, at location: SourceLocation) -> Diagnostic {
        .error("\(what) must be a mapping, found \(kind)", at: location)
    }

    /// A node of the wrong kind where a list is expected.
    package static func notList(_ what: String, found kind: String, at location: SourceLocation) -> Diagnostic {
        .error("\(what) must be a list, found \(kind)", at: location)
    }

    /// A list element that is not a string.
    package static func elementNotString(_ what: String, found kind: String, at location: SourceLocation) -> Diagnostic
    {
        .error("elements of \(what) must be strings, found \(kind)", at: location)
    }

    /// A key not among the fields of `what`, with the closest field as a suggestion.
    package static func unknownField(
        _ key: String,
        in what: String,
        suggestion: String?,
        at location: SourceLocation
    ) -> Diagnostic {
        .error("unknown field '\(key)' in \(what)" + Suggestion.didYouMean(suggestion), at: location)
    }

    /// A flag key, segment or target name outside the allowed characters.
    package static func invalidName(_ what: String, _ name: String, at location: SourceLocation) -> Diagnostic {
        .error(
            "invalid \(what) '\(name)': use a letter, then letters, digits, '_', '.' or '-' (at most 128)",
            at: location
        )
    }

    // MARK: Flags and variants

    /// A `type` that is not a flag type; without a suggestion, lists the types.
    package static func unknownType(_ name: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        .error(
            "unknown type '\(name)'"
                + Suggestion.didYouMean(suggestion, otherwise: "; expected boolean, string, integer, number or object"),
            at: location
        )
    }

    /// A flag with no `default`.
    package static func missingDefault(flag key: String, at location: SourceLocation) -> Diagnostic {
        .error("flag '\(key)' has no 'default' variant; add 'default: VARIANT'", at: location)
    }

    /// An `expires` that is not a date.
    package static func invalidExpires(at location: SourceLocation) -> Diagnostic {
        .error("'expires' must be a date like 2027-03-31", at: location)
    }

    /// An `enabled` that is not a boolean.
    package static func enabledNotBoolean(found kind: String, at location: SourceLocation) -> Diagnostic {
        .error("'enabled' must be true or false, found \(kind)", at: location)
    }

    /// A flag with a declared type and no variants.
    package static func missingVariants(flag key: String, type: FlagType, at location: SourceLocation) -> Diagnostic {
        .error("flag '\(key)' of type \(type) needs 'variants'", at: location)
    }

    /// An empty `variants` mapping.
    package static func emptyVariants(at location: SourceLocation) -> Diagnostic {
        .error("'variants' must list at least one variant", at: location)
    }

    /// A variant value of the wrong kind for the flag's type.
    package static func variantTypeMismatch(
        _ type: FlagType,
        found kind: String,
        isScalar: Bool,
        at location: SourceLocation
    ) -> Diagnostic {
        let expected = type == .integer ? "an integer" : type == .number ? "a finite number" : "a \(type)"
        var message = "variant value must be \(expected), found \(kind)"
        if type == .string, isScalar { message += "; quote it to make it a string" }
        return .error(message, at: location)
    }

    /// An object variant holding an infinite or NaN number.
    package static func nonFiniteJSON(at location: SourceLocation) -> Diagnostic {
        .error("JSON has no infinity or NaN", at: location)
    }

    /// A node where a variant name is expected that is not a string.
    package static func notVariantName(
        _ what: String,
        found kind: String,
        isBoolean: Bool,
        at location: SourceLocation
    ) -> Diagnostic {
        var message = "\(what) must be a variant name, found \(kind)"
        if isBoolean { message += "; variant names are strings (on/off are fine, true/false are not)" }
        return .error(message, at: location)
    }

    /// A prerequisite missing `flag` or `variant`.
    package static func incompletePrerequisite(at location: SourceLocation) -> Diagnostic {
        .error("a prerequisite needs both 'flag' and 'variant'", at: location)
    }

    // MARK: Rules and serving

    /// A rule `name` that is empty.
    package static func emptyRuleName(at location: SourceLocation) -> Diagnostic {
        .error("a rule's 'name' must not be empty; leave it out for an unnamed rule", at: location)
    }

    /// A rule without `serve`.
    package static func ruleWithoutServe(at location: SourceLocation) -> Diagnostic {
        .error("rule has no 'serve'", at: location)
    }

    /// An empty `split`.
    package static func emptySplit(at location: SourceLocation) -> Diagnostic {
        .error("'split' must list at least one variant", at: location)
    }

    /// A `serve` mapping with neither `split` nor `progressive`.
    package static func serveNeedsChoice(at location: SourceLocation) -> Diagnostic {
        .error("'serve' needs a variant name, 'split' or 'progressive'", at: location)
    }

    /// A `serve` with both `split` and `progressive`.
    package static func serveBoth(at location: SourceLocation) -> Diagnostic {
        .error("'serve' takes either 'split' or 'progressive', not both", at: location)
    }

    /// A ramp step missing `at` or `percent`.
    package static func incompleteRampStep(at location: SourceLocation) -> Diagnostic {
        .error("a ramp step needs 'at' and 'percent'", at: location)
    }

    /// An empty `steps` list.
    package static func emptySteps(at location: SourceLocation) -> Diagnostic {
        .error("'steps' must list at least one step", at: location)
    }

    /// A `progressive` missing one of its fields.
    package static func incompleteProgressive(at location: SourceLocation) -> Diagnostic {
        .error("'progressive' needs 'variant', 'others' and 'steps'", at: location)
    }

    /// A percentage that is not a scalar.
    package static func percentageNotNumber(found kind: String, at location: SourceLocation) -> Diagnostic {
        .error("a percentage must be a number from 0 to 100, found \(kind)", at: location)
    }

    /// A percentage with 3 or more decimals.
    package static func percentageTooPrecise(_ text: String, at location: SourceLocation) -> Diagnostic {
        .error("percentage '\(text)' has more than 2 decimals", at: location)
    }

    /// A percentage that is not a plain decimal number.
    package static func invalidPercentage(_ text: String, at location: SourceLocation) -> Diagnostic {
        .error("a percentage must be a number from 0 to 100 with at most 2 decimals, found '\(text)'", at: location)
    }

    /// A percentage over 100.
    package static func percentageAbove100(_ text: String, at location: SourceLocation) -> Diagnostic {
        .error("percentage '\(text)' is above 100", at: location)
    }

    // MARK: Conditions

    /// An `ignoreCase` that is not a boolean.
    package static func ignoreCaseNotBoolean(at location: SourceLocation) -> Diagnostic {
        .error("'ignoreCase' must be true or false", at: location)
    }

    /// A key in a condition that is no operator, with the closest operator as a suggestion.
    package static func unknownOperator(_ name: String, suggestion: String?, at location: SourceLocation) -> Diagnostic
    {
        .error("unknown operator '\(name)'" + Suggestion.didYouMean(suggestion), at: location)
    }

    /// A condition on an attribute with no operator.
    package static func conditionWithoutOperator(attribute: String, at location: SourceLocation) -> Diagnostic {
        .error("condition on '\(attribute)' has no operator", at: location)
    }

    /// A `matches` pattern the regex compiler refuses.
    package static func invalidRegex(_ message: String, at location: SourceLocation) -> Diagnostic {
        .error("invalid regular expression: \(message)", at: location)
    }

    /// A comparison operand that is not a finite number.
    package static func comparisonNotNumber(
        _ name: String,
        found kind: String,
        at location: SourceLocation
    )
        -> Diagnostic
    {
        .error("\(name) needs a finite number, found \(kind)", at: location)
    }

    /// A `semver*` operand that is not MAJOR.MINOR.PATCH.
    package static func invalidSemver(_ text: String, at location: SourceLocation) -> Diagnostic {
        .error("invalid semantic version '\(text)'; expected MAJOR.MINOR.PATCH like 2.4.0", at: location)
    }

    /// An `inCidr` range that does not parse.
    package static func invalidCIDR(_ text: String, at location: SourceLocation) -> Diagnostic {
        .error("invalid CIDR range '\(text)'; expected e.g. 10.0.0.0/8 or 2001:db8::/32", at: location)
    }

    /// An `inCidr` range with host bits set (a warning: it still means `range`).
    package static func cidrHostBits(_ text: String, means range: String, at location: SourceLocation) -> Diagnostic {
        .warning("CIDR range '\(text)' has host bits set; it means \(range)", at: location)
    }

    /// An `exists` that is not a boolean.
    package static func existsNotBoolean(at location: SourceLocation) -> Diagnostic {
        .error("'exists' must be true or false", at: location)
    }

    /// An operand that is not a scalar.
    package static func operandNotScalar(_ what: String, found kind: String, at location: SourceLocation) -> Diagnostic
    {
        .error("\(what) must be a string, number or boolean, found \(kind)", at: location)
    }

    /// A numeric operand that is infinite or NaN.
    package static func operandNotFinite(_ what: String, found kind: String, at location: SourceLocation) -> Diagnostic
    {
        .error("\(what) must be a finite number, found \(kind)", at: location)
    }

    /// A null operand.
    package static func operandNull(_ what: String, at location: SourceLocation) -> Diagnostic {
        .error("\(what) must not be null; use 'exists: false' to test for a missing attribute", at: location)
    }

    /// A time given as a non-finite number.
    package static func timeNotFinite(_ what: String, found kind: String, at location: SourceLocation) -> Diagnostic {
        .error("\(what) must be a finite number of Unix seconds, found \(kind)", at: location)
    }

    /// A time string that is not RFC 3339.
    package static func invalidTime(_ what: String, _ text: String, at location: SourceLocation) -> Diagnostic {
        .error("\(what) must be an RFC 3339 time like 2026-12-01T09:00:00Z, found '\(text)'", at: location)
    }

    /// A time of the wrong kind.
    package static func timeWrongKind(_ what: String, found kind: String, at location: SourceLocation) -> Diagnostic {
        .error("\(what) must be an RFC 3339 time or Unix seconds, found \(kind)", at: location)
    }

    // MARK: Targets

    /// A target file whose name is not a valid target name.
    package static func invalidTargetName(_ name: String, at location: SourceLocation) -> Diagnostic {
        .error("invalid target name '\(name)': rename the file (letters, digits, '_', '.', '-')", at: location)
    }

    /// An empty target file, or one that is not a mapping.
    package static func targetNeedsRecipients(_ name: String, at location: SourceLocation) -> Diagnostic {
        .error("target '\(name)' needs at least 'recipients'", at: location)
    }

    /// An `environment` that is not a valid name.
    package static func invalidEnvironment(_ name: String, at location: SourceLocation) -> Diagnostic {
        .error("invalid environment name '\(name)'", at: location)
    }

    /// An `assume:` entry for `targetingKey` or `now`, which differ per context by nature.
    package static func assumptionOnReservedAttribute(_ name: String, at location: SourceLocation) -> Diagnostic {
        .error("'assume' cannot fix '\(name)': it differs from one context to the next", at: location)
    }

    /// An `assume:` value that is not a string, a finite number or a boolean.
    package static func assumptionNotScalar(
        _ name: String,
        found kind: String,
        at location: SourceLocation
    )
        -> Diagnostic
    {
        .error("the assumed value of '\(name)' must be a string, a number or a boolean, found \(kind)", at: location)
    }

    /// An `expiresAfter` that is not a positive duration.
    package static func invalidExpiresAfter(at location: SourceLocation) -> Diagnostic {
        .error("'expiresAfter' must be a duration like 30d, 12h or 90m", at: location)
    }

    /// An `expiresAfter` above what loaders accept.
    package static func expiresAfterTooLong(at location: SourceLocation) -> Diagnostic {
        .error("'expiresAfter' is at most 90d: functions refuse bundles valid for longer", at: location)
    }

    /// A target with no recipient.
    package static func noRecipient(target name: String, at location: SourceLocation) -> Diagnostic {
        .error(
            "target '\(name)' needs at least one recipient, e.g. 'recipients: [keys/\(name).recipient.pub]'",
            at: location
        )
    }

    /// A `codegen.swift.typeName` that is not a Swift type name.
    package static func invalidTypeName(at location: SourceLocation) -> Diagnostic {
        .error("'typeName' must be a Swift type name like Flags", at: location)
    }

    /// A `codegen.swift.accessLevel` that is not one Swift offers for the generated type.
    package static func invalidAccessLevel(at location: SourceLocation) -> Diagnostic {
        .error("'accessLevel' must be public, package or internal", at: location)
    }
}
