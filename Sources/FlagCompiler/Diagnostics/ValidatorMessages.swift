/// The diagnostics of the validate stage (`ProjectValidator`), one factory per message.
package enum ValidatorMessages {
    /// A segment name defined twice.
    package static func duplicateSegment(_ name: Located<String>, first: SourceLocation) -> Diagnostic {
        .error("duplicate segment '\(name.value)' (first defined at \(first))", at: name.location)
    }

    /// A flag key defined twice.
    package static func duplicateFlag(_ key: Located<String>, first: SourceLocation) -> Diagnostic {
        .error("duplicate flag '\(key.value)' (first defined at \(first))", at: key.location)
    }

    /// A variant name defined twice in one flag.
    package static func duplicateVariant(_ name: Located<String>) -> Diagnostic {
        .error("duplicate variant '\(name.value)'", at: name.location)
    }

    /// More variants, prerequisites or rules than a bundle counts (16 bits).
    package static func tooMany(
        _ what: String,
        count: Int,
        flag: Located<String>,
        environment: String?,
        maximum: Int
    ) -> Diagnostic {
        .error(
            "flag '\(flag.value)' has \(count) \(what)\(environment.map { " in environment '\($0)'" } ?? ""); "
                + "a flag has at most \(maximum)",
            at: flag.location
        )
    }

    /// A variant name that is not one of the flag's; without a suggestion, lists the variants
    /// (the first 10).
    package static func unknownVariant(
        _ name: Located<String>,
        role: String,
        flag: String,
        variants: [String],
        suggestion: String?
    ) -> Diagnostic {
        let listed =
            variants.prefix(10).map { "'\($0)'" } + (variants.count > 10 ? ["… (\(variants.count) in all)"] : [])
        return .error(
            "unknown variant '\(name.value)' in \(role) of flag '\(flag)'"
                + Suggestion.didYouMean(suggestion, otherwise: "; variants are " + listed.joined(separator: ", ")),
            at: name.location
        )
    }

    /// A variant listed twice in one `split`.
    package static func splitVariantTwice(_ variant: Located<String>) -> Diagnostic {
        .error("variant '\(variant.value)' is listed twice in 'split'", at: variant.location)
    }

    /// `split` weights (in hundredths of a percent) that do not add up to 100%.
    package static func splitTotal(_ hundredths: Int, at location: SourceLocation) -> Diagnostic {
        .error("split weights add up to \(ProjectValidator.percentText(hundredths))%, not 100%", at: location)
    }

    /// A ramp step not after the one before it.
    package static func rampOutOfOrder(at location: SourceLocation) -> Diagnostic {
        .error("ramp steps must be in time order, each 'at' after the previous", at: location)
    }

    /// A reference to a segment no file defines.
    package static func unknownSegment(_ name: Located<String>, suggestion: String?) -> Diagnostic {
        .error("unknown segment '\(name.value)'" + Suggestion.didYouMean(suggestion), at: name.location)
    }

    /// A prerequisite naming a flag no file defines.
    package static func unknownPrerequisite(_ flag: Located<String>, suggestion: String?) -> Diagnostic {
        .error("unknown prerequisite flag '\(flag.value)'" + Suggestion.didYouMean(suggestion), at: flag.location)
    }

    /// A cycle among segments or prerequisites (`noun` is "segment" or "flag"); `path` is the
    /// cycle, abbreviated, ending where it starts.
    package static func cycle(noun: String, length: Int, path: String, at location: SourceLocation?) -> Diagnostic {
        let what = noun == "segment" ? "segments refer to each other in a cycle" : "prerequisites form a cycle"
        return .error("\(what)\(length > 11 ? " of \(length) \(noun)s" : ""): " + path, at: location)
    }

    /// The cycles beyond those listed, counted.
    package static func moreCycles(_ count: Int, noun: String, at location: SourceLocation?) -> Diagnostic {
        .error("\(count) more cycle\(count == 1 ? "" : "s") among \(noun)s not listed", at: location)
    }

    /// A chain of segment references or prerequisites deeper than the runtime evaluates;
    /// `others` counts the other names too deep.
    package static func chainTooDeep(
        noun: String,
        chain: [String],
        path: String,
        maximum: Int,
        others: Int,
        at location: SourceLocation?
    ) -> Diagnostic {
        let relation = noun == "segment" ? "refers to segments" : "requires flags"
        return .error(
            "\(noun) '\(chain[0])' \(relation) \(chain.count - 1) levels deep (" + path + "); at most \(maximum) levels"
                + (others > 0 ? " (\(others) more \(noun)\(others == 1 ? "" : "s") too deep)" : ""),
            at: location
        )
    }

    /// A target whose patterns select no flag.
    package static func emptySelection(_ target: TargetDefinition) -> Diagnostic {
        .warning("target '\(target.name)' selects no flags", at: target.location)
    }

    /// A selected flag requires a flag the target leaves out.
    package static func prerequisiteLeftOut(
        flag: String,
        prerequisite: Located<String>,
        target: String
    ) -> Diagnostic {
        .error(
            "flag '\(flag)' requires '\(prerequisite.value)', which target '\(target)' leaves out",
            at: prerequisite.location
        )
    }
}
