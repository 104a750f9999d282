import FlagRuntime

/// `out/<target>/manifest.json`: what a bundle holds and how it was sealed, for reviews, audits and
/// deploy tooling. Public facts only — never key material.
enum Manifest {
    static func make(
        project: FlagProject, target: TargetDefinition, content: BundleContent, bundle: [UInt8], keyring: Keyring,
        signingKey: KeyID, recipients: [KeyID], issuedAt: Int64, expiresAt: Int64
    ) -> String {
        let flags = content.flags.sorted { $0.key < $1.key }.map { flag -> JSONValue in
            let definition = project.flag(flag.key)
            let metadata = definition?.metadata
            return .members([
                ("key", .string(flag.key)),
                ("type", .string(flag.type.description)),
                ("variants", .strings(flag.variants.map(\.name))),
                ("enabled", .bool(flag.isEnabled)),
                ("description", metadata?.description.map(JSONValue.string)),
                ("owner", metadata?.owner.map(JSONValue.string)),
                ("tags", metadata.map { .strings($0.tags) }),
                ("compliance", metadata.map { .strings($0.compliance) }),
                ("expires", metadata?.expires.map { .string($0.value) }),
                ("source", definition.map { .string($0.key.location.description) }),
            ])
        }
        let manifest = JSONValue.members([
            ("target", .string(target.name)),
            ("environment", .string(target.environment)),
            ("bundle", .string("flags.bundle")),
            ("bundleBytes", .number(Double(bundle.count))),
            ("bundleDigest", .string("blake2b-256:" + Sodium.hex(Sodium.hash(bundle, outputCount: 32)))),
            ("bundleVersion", .number(Double(issuedAt))),
            ("formatVersion", .number(Double(BundleHeader.currentFormatVersion))),
            ("issuedAt", .string(Timestamp.formatRFC3339(issuedAt))),
            ("expiresAt", .string(Timestamp.formatRFC3339(expiresAt))),
            ("keyringVersion", .number(Double(keyring.version))),
            ("keyringExpiresAt", .string(Timestamp.formatRFC3339(keyring.expiresAt))),
            ("signingKeyId", .string(signingKey.description)),
            ("recipients", .strings(recipients.map(\.description))),
            ("flagCount", .number(Double(content.flags.count))),
            ("flags", .array(flags)),
        ])
        return JSONText.pretty(manifest) + "\n"
    }
}
