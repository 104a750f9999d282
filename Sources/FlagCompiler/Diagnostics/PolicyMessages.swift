import FlagRuntime

/// The diagnostics of policies, waivers and approvals (`PolicySet`, `PolicyGate`, `ApprovalStore`), one
/// factory per message.
package enum PolicyMessages {
    // MARK: The gate

    /// A flag violates a policy in a target: `policy 'p': firstStepPercent is 25, must be ≤ 5 (target t)`.
    /// `details` follows the failed check (what approvals are missing); `expiredWaiver` says that a waiver
    /// would have waived it until its expiry.
    package static func violation(
        _ policy: Policy,
        check text: String,
        details: String = "",
        target: String,
        expiredWaiver: Waiver?,
        at location: SourceLocation?
    ) -> Diagnostic {
        var message = "policy '\(policy.name.value)': \(text)\(details) (target \(target))"
        if let waiver = expiredWaiver {
            message +=
                " (the waiver by \(waiver.owner) at \(waiver.location) expired on \(waiver.expires) "
                + "and no longer waives this)"
        }
        return Diagnostic(policy.severity, message, at: location)
    }

    /// The checks could not be compiled into the runtime's tables.
    package static func uncompilable(reason: String) -> Diagnostic {
        .error("the policies cannot be compiled: \(reason)", at: nil)
    }

    /// A waiver names a flag no flags file defines.
    package static func waiverForNoFlag(_ waiver: Waiver, suggestion: String?) -> Diagnostic {
        .warning(
            "waiver names no flag '\(waiver.flag.value)'" + Suggestion.didYouMean(suggestion),
            at: waiver.flag.location
        )
    }

    // MARK: Policy files

    /// A policies file or approval file could not be read.
    package static func unreadable(_ path: String, reason: String) -> Diagnostic {
        .error("cannot read \(path): \(reason)", at: nil)
    }

    /// Two policies share a name.
    package static func duplicatePolicy(_ name: Located<String>, first: SourceLocation) -> Diagnostic {
        .error("policy '\(name.value)' is defined twice (first at \(first))", at: name.location)
    }

    /// `severity:` is neither error nor warning.
    package static func invalidSeverity(at location: SourceLocation) -> Diagnostic {
        .error("'severity' must be error or warning", at: location)
    }

    /// A policy without `require` or `deny` checks.
    package static func policyWithoutChecks(_ name: String, at location: SourceLocation) -> Diagnostic {
        .error("policy '\(name)' has no 'require' or 'deny' checks", at: location)
    }

    /// A `require`/`deny` entry that is not a mapping.
    package static func checkNotMapping(found kind: String, at location: SourceLocation) -> Diagnostic {
        .error("a check must be a mapping like '{ rampSteps: { gte: 3 } }', found \(kind)", at: location)
    }

    /// A check names no fact.
    package static func unknownFact(_ name: String, suggestion: String?, at location: SourceLocation) -> Diagnostic {
        .error(
            "unknown fact '\(name)'" + Suggestion.didYouMean(suggestion) + " (docs/policies.md lists the facts)",
            at: location
        )
    }

    /// `distinctFromOwner:` is not a boolean.
    package static func distinctFromOwnerNotBool(at location: SourceLocation) -> Diagnostic {
        .error("'distinctFromOwner' must be true or false", at: location)
    }

    /// A duration operand that is neither seconds nor `24h`-like.
    package static func notADuration(_ text: String, at location: SourceLocation) -> Diagnostic {
        .error("'\(text)' is not a duration; write seconds or a duration like 24h, 7d, 90m", at: location)
    }

    // MARK: Waivers

    /// A waiver field that is empty or not text.
    package static func waiverFieldEmpty(_ field: String, at location: SourceLocation) -> Diagnostic {
        .error("'\(field)' must be a non-empty string", at: location)
    }

    /// A waiver without some of its required fields.
    package static func waiverIncomplete(missing: [String], at location: SourceLocation) -> Diagnostic {
        .error(
            "a waiver needs \(missing.map { "'\($0)'" }.joined(separator: ", ")) "
                + "(policy, flag, owner, reason and expires)",
            at: location
        )
    }

    /// A waiver whose `expires` is not a date.
    package static func waiverExpiryNotDate(at location: SourceLocation) -> Diagnostic {
        .error("a waiver's 'expires' must be a date like 2027-03-31", at: location)
    }

    /// A waiver names no policy.
    package static func waiverForNoPolicy(_ waiver: Waiver, suggestion: String?) -> Diagnostic {
        .error(
            "waiver names no policy '\(waiver.policy.value)'" + Suggestion.didYouMean(suggestion),
            at: waiver.policy.location
        )
    }

    // MARK: Approvals

    /// An approver public key file that is unreadable or not an approver key.
    package static func unusableApproverKey(_ path: String, reason: String) -> Diagnostic {
        .error("cannot use approver key \(path): \(reason)", at: nil)
    }

    /// An approval file without its fields.
    package static func approvalIncomplete(at location: SourceLocation) -> Diagnostic {
        .error("an approval file needs flag, target, keyId, digest and signature", at: location)
    }

    /// An approval file whose `keyId` is not a key id.
    package static func approvalKeyIDInvalid(at location: SourceLocation) -> Diagnostic {
        .error("'keyId' must be a key id (16 hex digits)", at: location)
    }

    /// An approval file whose `signature` is not an Ed25519 signature.
    package static func approvalSignatureInvalid(at location: SourceLocation) -> Diagnostic {
        .error("'signature' must be an Ed25519 signature in URL-safe base64", at: location)
    }
}
