// libFuzzer target for everything FlagRuntime reads from a bundle file: the bounded header and
// keyring parse, the whole loader (signature chain, validity, decryption, payload), and the payload
// decompressor and decoder on their own (the decoder also on what the decompressor expands), followed
// by evaluation of whatever it accepted.
//
// Built and run by `.ci/fuzz` (see docs/fuzzing.md); not part of the SwiftPM package. The keys are
// fixed (derived from constant seeds), so the seed bundles in Tests/Fuzz/Corpus/loader/ verify and
// mutations of them reach every loader stage up to the signature check. The payload decompressor
// and decoder sit behind the signature and the AEAD, which a mutation never gets through; both are
// fuzzed directly on the raw input (the `*.compressed` and `*.payload` seeds are real ones), which
// is what an attacker holding a leaked signing key controls. What decodes is then evaluated, since
// evaluation must never crash or hang either.
//
// `FLAGC_FUZZ_WRITE_SEEDS=DIR` makes the binary write the loader seed corpus into DIR and exit
// (`bash .ci/fuzz --write-seeds`): needed again only when the bundle format or these keys change.

import FlagCompiler
import FlagRuntime
import Foundation

/// Fixed keys: the fuzzer trusts this root and decrypts as this recipient.
enum FuzzKeys {
    static func seed(_ label: String) -> SecureBytes {
        SecureBytes(copying: Sodium.hash(Array("flagc-fuzz/\(label)".utf8), outputCount: 32))
    }

    static let rootSeed = seed("root")
    static let rootPublicKey = try! Sodium.signingPublicKey(seed: rootSeed)
    static let signingSeed = seed("signing")
    static let signingPublicKey = try! Sodium.signingPublicKey(seed: signingSeed)
    static let recipientSecret = seed("recipient")
    static let recipient = try! RecipientKey(secret: recipientSecret)

    /// 2026-11-26T00:00:00Z: the verification clock, fixed so that the seeds never expire.
    static let now: Int64 = 1_795_651_200

    static let options: LoadOptions = {
        var options = LoadOptions(
            trustedRoots: [RootPublicKey(bytes: rootPublicKey)],
            recipientKey: recipient,
            now: now
        )
        options.evaluationClock = { Double(now) }
        return options
    }()
}

/// Contexts that give every attribute a value of each kind the operators look at.
enum FuzzContexts {
    static let texts: [AttributeValue] = [
        "user-1", "DE", "2.4.0", "2.4.0-rc.1+build", "10.1.2.3", "2001:db8::1", "2026-12-01T09:00:00Z",
        "1795651200", "ALICE@Example.com", "", "用户-7", "-0.5e3",
    ]

    static func contexts(for attributes: [String]) -> [EvaluationContext] {
        var contexts = [EvaluationContext(), EvaluationContext(targetingKey: "user-1")]
        for round in 0..<4 {
            var values: [String: AttributeValue] = [:]
            for (index, name) in attributes.enumerated() {
                let value: AttributeValue
                switch round {
                case 0: value = texts[index % texts.count]
                case 1: value = texts[(index + 5) % texts.count]
                case 2: value = .number(Double(index) * 1.5 - 2)
                default: value = [texts[index % texts.count], .number(Double(index)), .bool(index % 2 == 0), nil]
                }
                values[name] = value
            }
            contexts.append(
                EvaluationContext(
                    targetingKey: round == 3 ? nil : "user-\(round * 7)",
                    attributes: values,
                    now: round == 2 ? 1_796_000_000 : nil
                )
            )
        }
        return contexts
    }
}

/// Evaluates every flag of `bundle` for a few contexts, through the public API: what a function does
/// with a loaded bundle.
func evaluateEverything(_ bundle: FlagBundle, attributes: [String]) {
    let keys = bundle.flagKeys
    for context in FuzzContexts.contexts(for: attributes) {
        for detail in bundle.evaluateAll(context: context) {
            _ = detail.value
        }
        if let key = keys.first {
            _ = bundle.bool(key, default: false, context: context)
            _ = bundle.string(key, default: "", context: context)
            _ = bundle.evaluate(key, context: context)
        }
    }
}

/// A header for bundles made from a fuzzed payload; its fields do not matter to evaluation.
let placeholderHeader = BundleHeader(
    bundleVersion: 1,
    issuedAt: FuzzKeys.now,
    expiresAt: FuzzKeys.now + 86_400,
    target: "fuzz",
    environment: "fuzz",
    flagCount: 0,
    signingKeyID: KeyID(of: FuzzKeys.signingPublicKey),
    keyring: Keyring(version: 1, issuedAt: 0, expiresAt: 0, signingKeys: [], revokedKeyIDs: []),
    sealedKeys: [],
    nonce: []
)

@_cdecl("LLVMFuzzerTestOneInput")
public func loaderFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))

    // The layout parse and the keyring on their own (what `flagc inspect` shows).
    if let layout = try? BundleHeader.parseLayout(bytes) {
        precondition(layout.signature.upperBound == bytes.count, "layout does not cover the input")
        _ = layout.header.recipientIDs
    }
    _ = try? Keyring.decode(bytes)

    // The whole loader with the fixed keys: a mutated seed bundle gets as far as its bytes verify.
    do {
        let bundle = try FlagBundle.load(bytes: bytes, options: FuzzKeys.options)
        evaluateEverything(bundle, attributes: bundle.content.attributes)
    } catch {
        _ = String(describing: error)
    }

    // The `payload` stage (12 in docs/trust.md) without crypto in the way: the payload as if signed
    // with a leaked key. The tables decoder on the raw input as if already decompressed; the
    // decompressor on it, and the decoder again on what that expands to (so mutations of the
    // `*.compressed` seeds reach the decoder too, as a decrypted bundle's plaintext does).
    decodeAndEvaluate(bytes)
    if let expanded = try? PayloadCodec.decompress(bytes) { decodeAndEvaluate(expanded) }
    return 0
}

/// Decodes `payload` as the loader does after decompression; what decodes becomes a bundle as in
/// `FlagBundle.load` (which refuses duplicate keys) and is evaluated, and the compiler's model of it
/// (`PayloadCodec.decode`), encoded again, must decode and encode to the same bytes.
func decodeAndEvaluate(_ payload: [UInt8]) {
    guard let tables = try? BundleLoader.decodeTables(payload) else { return }
    let bundle = FlagBundle(header: placeholderHeader, tables: tables, clock: { Double(FuzzKeys.now) })
    let keys = bundle.flagKeys
    guard Set(keys).count == keys.count else { return }
    let content = bundle.content
    evaluateEverything(bundle, attributes: content.attributes)
    let encoded = PayloadCodec.encode(content)
    guard let again = try? PayloadCodec.decode(encoded) else {
        fatalError("a decoded payload, encoded again, does not decode")
    }
    precondition(PayloadCodec.encode(again) == encoded, "payload encoding is not stable under decode")
}

// MARK: - Seed corpus

@_cdecl("LLVMFuzzerInitialize")
public func loaderFuzzerInitialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    if let directory = ProcessInfo.processInfo.environment["FLAGC_FUZZ_WRITE_SEEDS"] {
        let sources = ProcessInfo.processInfo.environment["FLAGC_FUZZ_SEED_SOURCES"] ?? "Tests/Fuzz/Corpus/yaml"
        exit(SeedWriter.write(to: directory, from: sources) ? 0 : 1)
    }
    return 0
}

/// Writes `*.bundle` (signed with the fixed keys), `*.payload` (the encoded content, what
/// `BundleLoader.decodeTables` reads) and `*.compressed` (`PayloadCodec.compress` of that payload,
/// the plaintext a bundle encrypts) seeds compiled from the valid YAML seeds (files named
/// `valid-*.yaml`), plus bundles that exercise the other loader stages: several recipients and
/// signatures, a revoked key, expiry.
enum SeedWriter {
    static func write(to directory: String, from sources: String) -> Bool {
        let files = FileManager.default
        try? files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = ((try? files.contentsOfDirectory(atPath: sources)) ?? []).sorted()
            .filter { $0.hasPrefix("valid-") && $0.hasSuffix(".yaml") }
        guard !names.isEmpty else {
            print("no valid-*.yaml files in \(sources)")
            return false
        }
        for name in names {
            guard let data = files.contents(atPath: sources + "/" + name) else { return false }
            let stem = String(name.dropFirst("valid-".count).dropLast(".yaml".count))
            var previous: BundleContent?
            for environment in ["production", "staging"] {
                guard let content = compile(Array(data), environment: environment, file: name) else { return false }
                guard content != previous else { continue }
                previous = content
                let suffix = environment == "production" ? "" : "-\(environment)"
                let payload = PayloadCodec.encode(content)
                save(payload, to: "\(directory)/\(stem)\(suffix).payload")
                save(PayloadCodec.compress(payload), to: "\(directory)/\(stem)\(suffix).compressed")
                save(bundle(content, environment: environment), to: "\(directory)/\(stem)\(suffix).bundle")
            }
        }
        // One small content in every loader situation the seeds should cover.
        guard let data = files.contents(atPath: sources + "/" + names[0]),
            let content = compile(Array(data), environment: "production", file: names[0])
        else { return false }
        let extraSigning = seed("signing-2")
        let extraSigningPublic = try! Sodium.signingPublicKey(seed: extraSigning)
        let otherRoot = seed("root-2")
        let otherRecipient = try! Sodium.x25519PublicKey(of: seed("recipient-2"))
        let variants: [(String, [UInt8])] = [
            ("multi-recipient", bundle(content, extraRecipients: [otherRecipient])),
            (
                "keyring-rich",
                bundle(
                    content,
                    keyring: keyring(
                        version: 7,
                        extraKeys: [Keyring.SigningKey(publicKey: extraSigningPublic, notBefore: 0, notAfter: 1)],
                        revoked: [KeyID(of: extraSigningPublic)],
                        signers: [otherRoot, FuzzKeys.rootSeed]
                    )
                )
            ),
            ("revoked-signing-key", bundle(content, keyring: keyring(revoked: [KeyID(of: FuzzKeys.signingPublicKey)]))),
            ("expired", bundle(content, issuedAt: FuzzKeys.now - 40 * 86_400)),
            ("untrusted-root", bundle(content, keyring: keyring(signers: [otherRoot]))),
            ("not-a-recipient", bundle(content, recipients: [otherRecipient])),
        ]
        for (name, bytes) in variants { save(bytes, to: "\(directory)/\(name).bundle") }
        save(keyring().encoded, to: "\(directory)/keyring.keyring")
        let count = (try? files.contentsOfDirectory(atPath: directory).count) ?? 0
        print("\(directory) holds \(count) seeds")
        return true
    }

    static func seed(_ label: String) -> SecureBytes { FuzzKeys.seed(label) }

    static func compile(_ yaml: [UInt8], environment: String, file: String) -> BundleContent? {
        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(
            flagFiles: [("flags/\(file)", yaml)],
            targetFiles: [("targets/seed.yaml", Array("environment: \(environment)\nrecipients: [k.pub]\n".utf8))],
            diagnostics: diagnostics
        )
        guard !diagnostics.hasErrors, let target = project.targets.first else {
            print("\(file): does not compile:\n\(DiagnosticList(diagnostics.sorted))")
            return nil
        }
        return Builder.content(of: project, target: target)
    }

    static func keyring(
        version: UInt32 = 1,
        extraKeys: [Keyring.SigningKey] = [],
        revoked: [KeyID] = [],
        signers: [SecureBytes] = [FuzzKeys.rootSeed]
    ) -> Keyring {
        var keyring = Keyring(
            version: version,
            issuedAt: FuzzKeys.now - 86_400,
            expiresAt: FuzzKeys.now + 365 * 86_400,
            signingKeys: [
                Keyring.SigningKey(
                    publicKey: FuzzKeys.signingPublicKey,
                    notBefore: FuzzKeys.now - 400 * 86_400,
                    notAfter: FuzzKeys.now + 365 * 86_400
                )
            ] + extraKeys,
            revokedKeyIDs: revoked
        )
        let body = keyring.body
        keyring.signatures = signers.map { seed in
            Keyring.Signature(
                rootID: KeyID(of: try! Sodium.signingPublicKey(seed: seed)),
                bytes: try! Sodium.sign(body, seed: seed)
            )
        }
        return keyring
    }

    static func bundle(
        _ content: BundleContent,
        environment: String = "production",
        issuedAt: Int64 = FuzzKeys.now - 3_600,
        keyring: Keyring? = nil,
        recipients: [[UInt8]]? = nil,
        extraRecipients: [[UInt8]] = []
    ) -> [UInt8] {
        let keyring = keyring ?? self.keyring()
        let signingKey = keyring.signingKey(KeyID(of: FuzzKeys.signingPublicKey))!
        return try! BundleWriter.write(
            BundleWriter.Input(
                content: content,
                target: "fuzz",
                environment: environment,
                bundleVersion: UInt64(issuedAt),
                issuedAt: issuedAt,
                expiresAt: issuedAt + 30 * 86_400,
                keyring: keyring,
                signingKey: signingKey,
                signingSeed: FuzzKeys.signingSeed,
                recipients: (recipients ?? [FuzzKeys.recipient.publicKey]) + extraRecipients
            )
        )
    }

    static func save(_ bytes: [UInt8], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }
}
