import FlagRuntime

/// The diagnostics of the build's target checks (`Builder`, `Pipeline.encode`), one factory per message.
package enum BuildMessages {
    /// A recipient public key file is missing, unreadable or not a key.
    package static func unusableRecipient(at location: SourceLocation, reason: String) -> Diagnostic {
        .error("cannot use recipient: \(reason)", at: location)
    }

    /// More recipients than a bundle header holds.
    package static func tooManyRecipients(_ target: TargetDefinition, count: Int) -> Diagnostic {
        .error(
            "target '\(target.name)' has \(count) recipients; a bundle holds at most \(BundleHeader.maximumRecipients)",
            at: target.location
        )
    }

    /// The runtime would refuse the target's payload (`reason` is the decoder's).
    package static func targetCannotBeBuilt(_ target: TargetDefinition, reason: String) -> Diagnostic {
        .error("target '\(target.name)' cannot be built: \(reason)", at: target.location)
    }

    /// The keyring expires before the bundle does.
    package static func keyringExpiresFirst(_ target: TargetDefinition, keyring: Int64, bundle: Int64) -> Diagnostic {
        .warning(
            "the keyring expires at \(Timestamp.formatRFC3339(keyring)), before this target's "
                + "bundle (\(Timestamp.formatRFC3339(bundle))); functions refuse the bundle from then on "
                + "unless you run 'flagc keys renew' and rebuild",
            at: target.location
        )
    }
}
