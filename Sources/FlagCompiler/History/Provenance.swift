import FlagRuntime
import Foundation

/// `out/<target>/provenance.json`: an in-toto Statement (v1) about the build's three files, with an
/// SLSA-provenance-shaped predicate naming every input, in a DSSE envelope signed by the build's
/// signing key (`keyid` = its key id). Anyone with the root public key checks it offline: the
/// keyring in the bundle beside it chains the signing key to the root.
package enum Provenance {
    package static let fileName = "provenance.json"
    package static let payloadType = "application/vnd.in-toto+json"
    package static let statementType = "https://in-toto.io/Statement/v1"
    package static let predicateType = "https://slsa.dev/provenance/v1"
    package static let buildType = "urn:flagc:build:v1"
    package static let builderID = "urn:flagc:builder"

    /// One input file: its path relative to the repository root and its SHA-256 digest.
    package struct Input: Sendable, Equatable {
        package var path: String
        package var sha256: String

        package init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    /// A failed check of `verify`, named as `flagc verify-provenance` prints it.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var check: String
        package var message: String
        package var description: String { "verification failed (\(check)): \(message)" }
    }

    /// DSSE's pre-authentication encoding: `DSSEv1 SP LEN(type) SP type SP LEN(body) SP body`,
    /// lengths as ASCII decimal byte counts. The signature covers exactly these bytes.
    package static func pae(type: String, body: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return Array("DSSEv1 \(typeBytes.count) ".utf8) + typeBytes + Array(" \(body.count) ".utf8) + body
    }

    /// The statement's bytes (compact JSON): `subjects` are the files beside it, by name.
    package static func statement(
        target: String,
        environment: String,
        subjects: [(name: String, bytes: [UInt8])],
        inputs: [Input],
        sourceDateEpoch: Int64?,
        issuedAt: Int64,
        commit: String?
    ) -> [UInt8] {
        var dependencies: [JSONValue] = []
        if let commit {
            dependencies.append(
                .members([("uri", .string("git+source")), ("digest", .members([("gitCommit", .string(commit))]))])
            )
        }
        dependencies += inputs.map { input in
            .members([("name", .string(input.path)), ("digest", .members([("sha256", .string(input.sha256))]))])
        }
        let statement = JSONValue.members([
            ("_type", .string(statementType)),
            (
                "subject",
                .array(
                    subjects.map { subject in
                        .members([
                            ("name", .string(subject.name)),
                            ("digest", .members([("sha256", .string(SHA256.hex(subject.bytes)))])),
                        ])
                    }
                )
            ),
            ("predicateType", .string(predicateType)),
            (
                "predicate",
                .members([
                    (
                        "buildDefinition",
                        .members([
                            ("buildType", .string(buildType)),
                            (
                                "externalParameters",
                                .members([("target", .string(target)), ("environment", .string(environment))])
                            ),
                            (
                                "internalParameters",
                                .members([
                                    ("SOURCE_DATE_EPOCH", sourceDateEpoch.map { .integer($0) }),
                                    ("bundleFormat", .integer(Int64(BundleHeader.currentFormatVersion))),
                                ])
                            ),
                            ("resolvedDependencies", .array(dependencies)),
                        ])
                    ),
                    (
                        "runDetails",
                        .members([
                            ("builder", .members([("id", .string(builderID))])),
                            ("metadata", .members([("startedOn", .string(Timestamp.formatRFC3339(issuedAt)))])),
                        ])
                    ),
                ])
            ),
        ])
        return Array(statement.jsonText.utf8)
    }

    /// The DSSE envelope of `statement`, signed by the signing key (`seed`, id `keyID`), as JSON text.
    package static func envelope(statement: [UInt8], keyID: KeyID, seed: SecureBytes) throws(Sodium.Failure) -> String {
        let signature = try Sodium.sign(pae(type: payloadType, body: statement), seed: seed)
        return JSONText.pretty(
            .members([
                ("payloadType", .string(payloadType)),
                ("payload", .string(Base64.encode(statement))),
                (
                    "signatures",
                    .array([
                        .members([("keyid", .string(keyID.description)), ("sig", .string(Base64.encode(signature)))])
                    ])
                ),
            ])
        ) + "\n"
    }

    /// The input files of a build of `target`: flags/ and targets/ (the YAML files the project
    /// reads), every file under policies/ and approvals/ when they exist, the keyring and the
    /// target's recipient public keys; paths relative to `root`, sorted.
    package static func inputs(root: String, recipients: [String], keyringPath: String) -> [Input] {
        var paths: [String] = []
        let manager = FileManager.default
        for folder in ["flags", "targets"] {
            let names = (try? manager.contentsOfDirectory(atPath: Builder.resolve(folder, root: root))) ?? []
            paths += names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { folder + "/" + $0 }
        }
        for folder in ["policies", "approvals"] {
            guard let walker = manager.enumerator(atPath: Builder.resolve(folder, root: root)) else { continue }
            while let name = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let path = folder + "/" + name
                if manager.fileExists(atPath: Builder.resolve(path, root: root), isDirectory: &isDirectory),
                    !isDirectory.boolValue, !(name as NSString).lastPathComponent.hasPrefix(".")
                {
                    paths.append(path)
                }
            }
        }
        paths.append(keyringPath)
        paths += recipients
        var seen: Set<String> = []
        return paths.filter { seen.insert($0).inserted }.sorted().compactMap { path in
            guard
                let bytes = try? FileReader.read(
                    path: Builder.resolve(path, root: root),
                    limit: FlagProject.maximumFileBytes
                )
            else { return nil }
            return Input(path: path, sha256: SHA256.hex(bytes))
        }
    }

    // MARK: Verifying

    /// What `verify` found good.
    package struct Verified: Sendable {
        package var target: String
        package var keyID: String
        package var subjects: [String]
        package var inputCount: Int
        package var commit: String?
    }

    /// Checks `directory/provenance.json`: the envelope's shape, the keyring in the bundle beside it
    /// (signed by one of `roots`, at the bundle's issue time), the signing key (listed, not revoked),
    /// the signature over the PAE, the statement's shape and target, and that every subject's
    /// SHA-256 matches the file of that name beside it, and that the bundle is a subject.
    package static func verify(directory: String, roots: [RootPublicKey]) throws(Failure) -> Verified {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let envelopeBytes = try? FileReader.read(path: path, limit: 1 << 24) else {
            throw Failure(check: "provenance", message: "cannot read \(path)")
        }
        guard let envelope = try? JSONParser.parse(utf8: envelopeBytes),
            envelope[member: "payloadType"]?.stringValue == payloadType,
            let payloadText = envelope[member: "payload"]?.stringValue,
            let statementBytes = Base64.decode(payloadText),
            let signatures = envelope[member: "signatures"]?.arrayValue, !signatures.isEmpty
        else {
            throw Failure(
                check: "envelope",
                message: "\(path) is not a DSSE envelope of an in-toto statement (payloadType \(payloadType))"
            )
        }
        let bundlePath = (directory as NSString).appendingPathComponent("flags.bundle")
        let header: BundleHeader
        do {
            let bytes = try FileReader.read(path: bundlePath, limit: LoadOptions.defaultMaximumBundleBytes)
            // The keyring as of the bundle's issue time: provenance stays checkable after expiry.
            let issuedAt = try BundleHeader.parseLayout(bytes).header.issuedAt
            var options = LoadOptions(trustedRoots: roots)
            options.now = issuedAt
            header = try FlagBundle.verifyHeader(bytes: bytes, options: options)
        } catch {
            throw Failure(check: "keyring", message: "\(bundlePath) (which carries the keyring): \(error)")
        }
        var signer: String?
        for signature in signatures {
            guard let keyIDText = signature[member: "keyid"]?.stringValue,
                let sigText = signature[member: "sig"]?.stringValue
            else { continue }
            guard let key = header.keyring.signingKeys.first(where: { $0.id.description == keyIDText }) else {
                throw Failure(check: "signing key", message: "key \(keyIDText) is not in the bundle's keyring")
            }
            if header.keyring.isRevoked(key.id) {
                throw Failure(check: "signing key", message: "key \(keyIDText) is revoked")
            }
            guard let signatureBytes = Base64.decode(sigText),
                Sodium.verify(
                    signature: signatureBytes[...],
                    message: pae(type: payloadType, body: statementBytes)[...],
                    publicKey: key.publicKey[...]
                )
            else {
                throw Failure(check: "signature", message: "the signature by \(keyIDText) does not match the statement")
            }
            signer = keyIDText
        }
        guard let signer else { throw Failure(check: "envelope", message: "no signature with a keyid and sig") }
        guard let statement = try? JSONParser.parse(utf8: statementBytes),
            statement[member: "_type"]?.stringValue == statementType,
            statement[member: "predicateType"]?.stringValue == predicateType,
            let subjects = statement[member: "subject"]?.arrayValue,
            let definition = statement[member: "predicate"]?[member: "buildDefinition"]
        else {
            throw Failure(
                check: "statement",
                message: "the payload is not an in-toto Statement v1 with SLSA provenance"
            )
        }
        let target = definition[member: "externalParameters"]?[member: "target"]?.stringValue
        guard target == header.target else {
            throw Failure(
                check: "target",
                message: "the statement names target '\(target ?? "")', the bundle is for '\(header.target)'"
            )
        }
        var names: [String] = []
        for subject in subjects {
            guard let name = subject[member: "name"]?.stringValue, !name.contains("/"), !name.hasPrefix("."),
                let expected = subject[member: "digest"]?[member: "sha256"]?.stringValue
            else { throw Failure(check: "statement", message: "a subject without a plain file name and sha256") }
            let file = (directory as NSString).appendingPathComponent(name)
            guard let bytes = try? FileReader.read(path: file, limit: 1 << 30) else {
                throw Failure(check: "subject \(name)", message: "\(file) is missing")
            }
            let actual = SHA256.hex(bytes)
            guard actual == expected else {  // public digests: no secret to time
                throw Failure(
                    check: "subject \(name)",
                    message: "sha256 of \(file) is \(actual), the statement says \(expected)"
                )
            }
            names.append(name)
        }
        guard names.contains("flags.bundle"), names.contains("manifest.json") else {
            throw Failure(check: "statement", message: "the bundle and the manifest must be subjects")
        }
        let dependencies = definition[member: "resolvedDependencies"]?.arrayValue ?? []
        let commit = dependencies.lazy.compactMap { $0[member: "digest"]?[member: "gitCommit"]?.stringValue }.first
        return Verified(
            target: header.target,
            keyID: signer,
            subjects: names,
            inputCount: dependencies.filter { $0[member: "name"] != nil }.count,
            commit: commit
        )
    }
}
