import FlagRuntime

/// `out/<target>/manifest.json`: what a bundle holds and how it was sealed, for reviews, audits and
/// deploy tooling. Public facts only — never key material.
enum Manifest {
    static func make(
        project: FlagProject,
        target: TargetDefinition,
        content: BundleContent,
        bundle: [UInt8],
        keyring: Keyring,
        signingKey: KeyID,
        recipients: [KeyID],
        issuedAt: Int64,
        expiresAt: Int64,
        approvals: [String: CountedApprovals] = [:],
        references: [String: FlagReferences]? = nil
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
                ("lifecycle", metadata?.lifecycle.map { .string($0.value.rawValue) }),
                ("created", metadata?.created.map { .string($0.value) }),
                ("codeReferences", references.map { referencesJSON($0[flag.key] ?? FlagReferences()) }),
                // The approvals that counted for this build (see docs/policies.md), by approver key id.
                (
                    "approvals",
                    approvals[flag.key].flatMap { counted in
                        counted.approvers.isEmpty
                            ? nil
                            : .array(
                                counted.approvers.map {
                                    .members([("approver", .string($0.name)), ("keyId", .string($0.keyID.description))])
                                }
                            )
                    }
                ),
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
            (
                "assumptions",
                target.assumptions.isEmpty ? nil : assumptionsJSON(target.assumptions.map { ($0.attribute, $0.value) })
            ),
            ("flags", .array(flags)),
        ])
        return JSONText.pretty(manifest) + "\n"
    }
}

/// `assume:` values as a JSON object (attribute → value), in the target's order: what a specialized
/// bundle was built for (empty for others).
func assumptionsJSON(_ assumptions: [(String, Literal)]) -> JSONValue {
    .object(
        assumptions.map { name, value in
            switch value {
            case .string(let string): JSONMember(name, .string(string))
            case .number(let number): JSONMember(name, .number(number))
            case .bool(let bool): JSONMember(name, .bool(bool))
            }
        }
    )
}

extension Manifest {
    /// Code locations kept per flag in a manifest (the count goes on).
    static let maximumReferences = 20

    /// `{"count": N, "locations": ["file:line:column", …]}`.
    static func referencesJSON(_ references: FlagReferences) -> JSONValue {
        JSONValue.members([
            ("count", .integer(Int64(references.count))),
            ("locations", JSONValue.strings(references.locations.map(\.location))),
        ])
    }
}

/// Reading bundles for `flagc inspect` and `flagc eval`.
public enum BundleInspection {
    /// A bundle file's bytes, read as the runtime reads it: regular files only, never blocking,
    /// refused above the runtime's size limit before anything is read.
    public static func read(_ path: String) throws(BundleLoadError) -> [UInt8] {
        try FileReader.read(path: path, limit: LoadOptions.defaultMaximumBundleBytes)
    }

    /// The recipient ids listed in a bundle's header, before any verification: only to choose which
    /// local recipient key to try. Nothing else may be taken from an unverified header.
    public static func unverifiedRecipientIDs(_ bytes: [UInt8]) throws(BundleLoadError) -> [KeyID] {
        try BundleHeader.parseLayout(bytes).header.recipientIDs
    }

    /// The verified header (and, when decrypted, the content) as `flagc inspect --json` prints it.
    public static func json(_ header: BundleHeader, bundleBytes: Int, content: FlagBundle?) -> String {
        guard case .object(var members) = headerJSON(header, bundleBytes: bundleBytes) else { return "" }
        if let content { members.append(JSONMember("content", contentJSON(content))) }
        return JSONText.pretty(.object(members))
    }

    static func headerJSON(_ header: BundleHeader, bundleBytes: Int) -> JSONValue {
        JSONValue.members([
            ("target", .string(header.target)),
            ("environment", .string(header.environment)),
            ("formatVersion", .number(Double(header.formatVersion))),
            ("bundleVersion", .number(Double(header.bundleVersion))),
            ("issuedAt", .string(Timestamp.formatRFC3339(header.issuedAt))),
            ("expiresAt", .string(Timestamp.formatRFC3339(header.expiresAt))),
            ("keyringVersion", .number(Double(header.keyring.version))),
            ("keyringExpiresAt", .string(Timestamp.formatRFC3339(header.keyring.expiresAt))),
            ("signingKeyId", .string(header.signingKeyID.description)),
            ("recipients", .strings(header.recipientIDs.map(\.description))),
            ("flagCount", .number(Double(header.flagCount))),
            ("bundleBytes", .number(Double(bundleBytes))),
        ])
    }

    /// The decrypted flags as JSON text.
    public static func contentText(_ bundle: FlagBundle) -> String { JSONText.pretty(contentJSON(bundle)) }

    /// The decrypted flags: key, type, enabled, variants, default, off variant, rules.
    static func contentJSON(_ bundle: FlagBundle) -> JSONValue {
        let content = bundle.content  // built once: it is rebuilt from the tables on each access
        let flags = content.flags.map { flag -> JSONValue in
            .members([
                ("key", .string(flag.key)),
                ("type", .string(flag.type.description)),
                ("enabled", .bool(flag.isEnabled)),
                ("variants", .object(flag.variants.map { JSONMember($0.name, jsonValue($0.value)) })),
                ("default", .string(flag.variants[flag.defaultVariant].name)),
                ("offVariant", .string(flag.variants[flag.offVariant].name)),
                ("salt", .string(flag.salt)),
                (
                    "guard",
                    flag.circuitGuard.map { settings in
                        .members([
                            ("failures", .number(Double(settings.failures))),
                            ("window", .number(settings.window)),
                            ("minimumCalls", .number(Double(settings.minimumCalls))),
                            ("openFor", .number(settings.openFor)),
                            ("probes", .number(Double(settings.probes))),
                            ("maxOpenFor", .number(settings.maximumOpenFor)),
                        ])
                    }
                ),
                (
                    "prerequisites",
                    .array(
                        flag.prerequisites.map { prerequisite in
                            let required = content.flags[prerequisite.flag]
                            return .members([
                                ("flag", .string(required.key)),
                                ("variant", .string(required.variants[prerequisite.variant].name)),
                            ])
                        }
                    )
                ),
                (
                    "rules",
                    .array(
                        flag.rules.map { rule in
                            .members([
                                ("name", rule.name.map(JSONValue.string)),
                                ("conditional", .bool(rule.condition != nil)),
                                ("serve", .string(serveSummary(rule.serve, flag))),
                            ])
                        }
                    )
                ),
            ])
        }
        return .members([
            ("attributes", .strings(content.attributes)),
            (
                "segments",
                .array(
                    content.segments.map { segment in
                        .members([
                            ("name", .string(segment.name)),
                            ("included", .number(Double(segment.included.count))),
                            ("excluded", .number(Double(segment.excluded.count))),
                        ])
                    }
                )
            ),
            (
                "assumptions",
                content.assumptions.isEmpty
                    ? nil : assumptionsJSON(content.assumptions.map { (content.attributes[$0.attribute], $0.value) })
            ),
            ("flags", .array(flags)),
        ])
    }

    static func jsonValue(_ value: FlagValue) -> JSONValue {
        switch value {
        case .bool(let bool): .bool(bool)
        case .string(let string): .string(string)
        case .integer(let integer): .integer(integer)
        case .number(let number): .number(number)
        case .object(let object): object
        }
    }

    static func serveSummary(_ serve: Serve, _ flag: CompiledFlag) -> String {
        switch serve {
        case .variant(let index): return flag.variants[index].name
        case .split(_, let variants, let thresholds):
            var previous = 0
            return "split "
                + zip(variants, thresholds).map { variant, threshold in
                    defer { previous = threshold }
                    return "\(flag.variants[variant].name) \(ProjectValidator.percentText(threshold - previous))%"
                }.joined(separator: ", ")
        case .hashedSplit(_, let scheme, _, let variants, let thresholds):
            var previous = 0
            return "split (hash \(scheme.name)) "
                + zip(variants, thresholds).map { variant, threshold in
                    defer { previous = threshold }
                    return "\(flag.variants[variant].name) \(threshold - previous)/\(thresholds.last ?? 0)"
                }.joined(separator: ", ")
        case .progressive(_, let variant, let others, let steps):
            return "ramp \(flag.variants[variant].name) over \(flag.variants[others].name): "
                + steps.map {
                    "\(ProjectValidator.percentText($0.threshold))% from \(Timestamp.formatRFC3339(fractional: $0.startsAt))"
                }
                .joined(separator: ", ")
        }
    }
}

/// The JSON lines `flagc eval` prints.
public enum EvaluationOutput {
    /// `{"flag":K,"value":V,"variant":N,"reason":R}` plus `rule` and `errorCode` when present,
    /// for every flag (sorted by key) or one.
    public static func lines(_ bundle: FlagBundle, _ context: EvaluationContext, flag: String?) -> [String] {
        evaluations(bundle, context, flag: flag).map(\.line)
    }

    /// `lines`, each with the detail it was made from (`flagc eval --events` writes events of them).
    public static func evaluations(
        _ bundle: FlagBundle,
        _ context: EvaluationContext,
        flag: String?
    ) -> [(line: String, detail: EvaluationDetail<FlagValue?>)] {
        let keys = flag.map { [$0] } ?? bundle.flagKeys.sorted()
        return keys.map { key in
            let detail = bundle.evaluate(key, context: context)
            let line = JSONValue.members([
                ("flag", .string(key)),
                ("value", detail.value.map(BundleInspection.jsonValue) ?? .null),
                ("variant", detail.variant.map(JSONValue.string)),
                ("reason", .string(detail.reason.rawValue)),
                ("rule", detail.ruleName.map(JSONValue.string)),
                ("errorCode", detail.errorCode.map { .string($0.rawValue) }),
            ]).jsonText
            return (line, detail)
        }
    }
}

/// `flagc keys list`.
public enum KeyringReport {
    public static func json(_ keyring: Keyring, roots: [RootPublicKey]) -> String {
        JSONText.pretty(
            .members([
                ("version", .number(Double(keyring.version))),
                ("issuedAt", .string(Timestamp.formatRFC3339(keyring.issuedAt))),
                ("expiresAt", .string(Timestamp.formatRFC3339(keyring.expiresAt))),
                ("signedBy", .strings(keyring.signatures.map(\.rootID.description))),
                ("roots", .strings(roots.map(\.id.description))),
                (
                    "signingKeys",
                    .array(
                        keyring.signingKeys.map { key in
                            .members([
                                ("id", .string(key.id.description)),
                                ("role", .string("signing")),
                                ("notBefore", .string(Timestamp.formatRFC3339(key.notBefore))),
                                ("notAfter", .string(Timestamp.formatRFC3339(key.notAfter))),
                                ("revoked", .bool(keyring.isRevoked(key.id))),
                            ])
                        }
                    )
                ),
                ("revoked", .strings(keyring.revokedKeyIDs.map(\.description))),
            ])
        )
    }

    public static func text(_ keyring: Keyring, roots: [RootPublicKey]) -> String {
        var lines = [
            "keyring version \(keyring.version), issued \(Timestamp.formatRFC3339(keyring.issuedAt)), expires \(Timestamp.formatRFC3339(keyring.expiresAt))",
            "signed by root \(keyring.signatures.map(\.rootID.description).joined(separator: ", "))",
        ]
        for root in roots { lines.append("root      \(root.id)  (pinned in keys/)") }
        for key in keyring.signingKeys {
            lines.append(
                "signing   \(key.id)  \(Timestamp.formatRFC3339(key.notBefore)) .. \(Timestamp.formatRFC3339(key.notAfter))"
                    + (keyring.isRevoked(key.id) ? "  REVOKED" : "")
            )
        }
        for id in keyring.revokedKeyIDs where keyring.signingKey(id) == nil { lines.append("revoked   \(id)") }
        return lines.joined(separator: "\n")
    }
}
