import FlagRuntime
import Foundation

/// The approvals that count for one flag in one target, and those found that do not (with why).
package struct CountedApprovals: Sendable, Equatable {
    package struct Approver: Sendable, Equatable {
        package var name: String
        package var keyID: KeyID
    }

    package struct Refusal: Sendable, Equatable {
        /// The approval file.
        package var path: String
        package var reason: String
    }

    package var approvers: [Approver] = []
    package var refused: [Refusal] = []

    package init(approvers: [Approver] = [], refused: [Refusal] = []) {
        self.approvers = approvers
        self.refused = refused
    }
}

/// An approver's public key from `keys/approvers/NAME.pub`.
package struct ApproverKey: Sendable {
    package var name: String
    package var publicKey: [UInt8]
    package var id: KeyID

    package init(name: String, publicKey: [UInt8], id: KeyID) {
        self.name = name
        self.publicKey = publicKey
        self.id = id
    }
}

/// One `approvals/TARGET/FLAG/APPROVER.yaml` file: an Ed25519 signature by an approver key over a
/// flag's canonical digest for a target.
package struct ApprovalRecord: Sendable {
    package var path: String
    package var flag: String
    package var target: String
    package var keyID: KeyID
    package var digest: String
    package var signature: [UInt8]

    package init(path: String, flag: String, target: String, keyID: KeyID, digest: String, signature: [UInt8]) {
        self.path = path
        self.flag = flag
        self.target = target
        self.keyID = keyID
        self.digest = digest
        self.signature = signature
    }
}

/// The approver keys and approval files of a repository, and the rules that decide which approvals count.
public struct ApprovalStore: Sendable {
    package var approvers: [ApproverKey] = []
    package var records: [ApprovalRecord] = []
    /// Approval file texts by path, for quoting diagnostics.
    public var sources: [String: String] = [:]

    package init(approvers: [ApproverKey] = [], records: [ApprovalRecord] = []) {
        self.approvers = approvers
        self.records = records
    }

    /// The largest approval or approver key file read.
    static let maximumFileBytes = 64 * 1024

    /// What an approval signs: a domain string, the target, the flag and its digest.
    package static func message(flag: String, target: String, digest: String) -> [UInt8] {
        Array("flagc-approval-v1\n\(target)\n\(flag)\n\(digest)\n".utf8)
    }

    /// The folder of approver public keys, `KEYS/approvers`.
    public static func approversDirectory(keys: String) -> String {
        (keys as NSString).appendingPathComponent("approvers")
    }

    /// Reads `KEYS/approvers/*.pub` and `ROOT/approvals/**/*.yaml`; missing folders are empty.
    /// Malformed files are errors in `diagnostics`.
    public static func load(root: String, keysDirectory: String, diagnostics: DiagnosticCollector) -> ApprovalStore {
        var store = ApprovalStore()
        let fileManager = FileManager.default
        let keyFolder = approversDirectory(keys: keysDirectory)
        for name in ((try? fileManager.contentsOfDirectory(atPath: keyFolder)) ?? []).sorted()
        where name.hasSuffix(".pub") {
            let path = (keyFolder as NSString).appendingPathComponent(name)
            do {
                let text = String(decoding: try SecureFile.read(path, maximumBytes: maximumFileBytes), as: UTF8.self)
                let key = try KeyText.decode(text, as: .approverPublic).withUnsafeBytes { Array($0) }
                store.approvers.append(ApproverKey(name: String(name.dropLast(4)), publicKey: key, id: KeyID(of: key)))
            } catch {
                diagnostics.append(PolicyMessages.unusableApproverKey(path, reason: "\(error)"))
            }
        }
        let folder = (root as NSString).appendingPathComponent("approvals")
        let paths = ((fileManager.enumerator(atPath: folder)?.allObjects as? [String]) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
        for relative in paths {
            let path = "approvals/" + relative
            do {
                let bytes = try SecureFile.read(
                    (folder as NSString).appendingPathComponent(relative),
                    maximumBytes: maximumFileBytes
                )
                store.sources[path] = String(decoding: bytes, as: UTF8.self)
                if let record = read(bytes, path: path, diagnostics: diagnostics) { store.records.append(record) }
            } catch {
                diagnostics.append(PolicyMessages.unreadable(path, reason: "\(error)"))
            }
        }
        return store
    }

    /// Parses one approval file.
    package static func read(_ bytes: [UInt8], path: String, diagnostics: DiagnosticCollector) -> ApprovalRecord? {
        let (root, problems) = YAMLReader.readRecovering(bytes, file: path)
        problems.forEach(diagnostics.append)
        let reader = DefinitionReader(diagnostics: diagnostics)
        guard let root, let entries = reader.mapping(root, "an approval file") else { return nil }
        let fields = ["flag", "target", "approver", "keyId", "digest", "signature"]
        var values: [String: String] = [:]
        for entry in reader.checkFields(entries, allowed: fields, in: "an approval file") {
            values[entry.key] = reader.string(entry.value, "'\(entry.key)'")
        }
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard let flag = values["flag"], let target = values["target"], let keyText = values["keyId"],
            let digest = values["digest"], let signatureText = values["signature"]
        else {
            diagnostics.append(PolicyMessages.approvalIncomplete(at: start))
            return nil
        }
        guard let keyID = KeyID(hex: keyText) else {
            diagnostics.append(PolicyMessages.approvalKeyIDInvalid(at: start))
            return nil
        }
        guard let signature = Sodium.decodeBase64(Substring(signatureText), maximumBytes: 128),
            signature.count == Sodium.signatureBytes
        else {
            diagnostics.append(PolicyMessages.approvalSignatureInvalid(at: start))
            return nil
        }
        return ApprovalRecord(
            path: path,
            flag: flag,
            target: target,
            keyID: keyID,
            digest: digest,
            signature: signature.withUnsafeBytes { Array($0) }
        )
    }

    /// The approvals of `flag` in `target` that count for its current `digest`. An approval counts when
    /// its key is a known approver key, its signature verifies, it signs the current digest, and its
    /// approver has not been counted already.
    package func count(flag: String, target: String, digest: String) -> CountedApprovals {
        var result = CountedApprovals()
        for record in records where record.flag == flag && record.target == target {
            guard let approver = approvers.first(where: { $0.id == record.keyID }) else {
                result.refused.append(.init(path: record.path, reason: "signed by unknown key \(record.keyID)"))
                continue
            }
            let message = Self.message(flag: flag, target: target, digest: record.digest)
            guard
                Sodium.verify(
                    signature: record.signature[...],
                    message: message[...],
                    publicKey: approver.publicKey[...]
                )
            else {
                result.refused.append(.init(path: record.path, reason: "\(approver.name)'s signature does not verify"))
                continue
            }
            guard record.digest == digest else {
                result.refused.append(
                    .init(path: record.path, reason: "\(approver.name) approved an earlier definition of the flag")
                )
                continue
            }
            guard !result.approvers.contains(where: { $0.keyID == approver.id || $0.name == approver.name }) else {
                result.refused.append(.init(path: record.path, reason: "\(approver.name) is counted once"))
                continue
            }
            result.approvers.append(.init(name: approver.name, keyID: approver.id))
        }
        return result
    }

    /// The relative path of the approval of `flag` in `target` by `approver`.
    package static func path(flag: String, target: String, approver: String) -> String {
        "approvals/\(target)/\(flag)/\(approver).yaml"
    }

    /// The text of an approval file.
    package static func text(_ record: ApprovalRecord, approver: String) -> String {
        """
        # flagc approval: \(approver) approves flag '\(record.flag)' as compiled for target '\(record.target)'.
        # Any change to the flag's definition for this target changes its digest, and this approval stops counting.
        flag: \(record.flag)
        target: \(record.target)
        approver: \(approver)
        keyId: "\(record.keyID)"
        digest: \(record.digest)
        signature: \(Sodium.base64(record.signature))

        """
    }
}

/// `flagc keys approver` and `flagc approve`.
public enum Approvals {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Creates `KEYS/approvers/NAME.pub` (commit it) and `KEYS/approvers/NAME.key` (0600, git-ignored:
    /// the folder gets a `.gitignore` for `*.key`). Returns the new key's id.
    public static func createApprover(_ name: String, keysDirectory: String) throws(Failure) -> KeyID {
        guard DefinitionReader.isValidName(name) else {
            throw Failure("invalid approver name '\(name)': use a letter, then letters, digits, '_', '.' or '-'")
        }
        let folder = ApprovalStore.approversDirectory(keys: keysDirectory)
        let publicPath = (folder as NSString).appendingPathComponent(name + ".pub")
        let secretPath = (folder as NSString).appendingPathComponent(name + ".key")
        let fileManager = FileManager.default
        guard !fileManager.fileExists(atPath: publicPath), !fileManager.fileExists(atPath: secretPath) else {
            throw Failure("approver '\(name)' already exists in \(folder)/")
        }
        do {
            try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw Failure("cannot create \(folder)/: \(error.localizedDescription)")
        }
        let pair: (seed: SecureBytes, publicKey: [UInt8])
        do {
            pair = try Sodium.makeSigningKeyPair()
        } catch {
            throw Failure("key generation failed: \(error)")
        }
        do {
            let ignore = (folder as NSString).appendingPathComponent(".gitignore")
            if !fileManager.fileExists(atPath: ignore) {
                try SecureFile.writeAtomically(
                    Array("# approver secret keys never go into git\n*.key\n".utf8),
                    to: ignore
                )
            }
            var secret = Array((pair.seed.withUnsafeBytes { KeyText.encode(.approverSecret, $0) } + "\n").utf8)
            defer { sodiumZero(&secret) }
            try SecureFile.writeAtomically(secret, to: secretPath, mode: 0o600)
            try SecureFile.writeAtomically(
                Array((KeyText.encode(.approverPublic, pair.publicKey) + "\n").utf8),
                to: publicPath
            )
        } catch {
            throw Failure(error.description)
        }
        return KeyID(of: pair.publicKey)
    }

    /// Signs the current digest of `flag` in `target` with the approver secret key in `keyFile` and
    /// writes `approvals/TARGET/FLAG/APPROVER.yaml` under `root`. Returns the file's relative path.
    public static func approve(
        flag key: String,
        target name: String,
        keyFile: String,
        project: FlagProject,
        keysDirectory: String
    ) throws(Failure) -> String {
        guard let target = project.target(name) else {
            let suggestion = Suggestion.closest(to: name, among: project.targets.map(\.name))
            throw Failure("no target '\(name)' in targets/" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
        }
        let content = Builder.content(of: project, target: target)
        guard let flag = content.flags.first(where: { $0.key == key }) else {
            let suggestion = Suggestion.closest(to: key, among: content.flags.map(\.key))
            throw Failure(
                "target '\(name)' has no flag '\(key)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
            )
        }
        let seed: SecureBytes
        do {
            seed = try KeyText.decode(try SecureFile.readSecret(at: keyFile), as: .approverSecret)
        } catch let error as SecureFile.Failure {
            throw Failure(error.description)
        } catch {
            throw Failure("\(keyFile): \(error)")
        }
        let publicKey: [UInt8]
        do {
            publicKey = try Sodium.signingPublicKey(seed: seed)
        } catch {
            throw Failure("unusable approver key \(keyFile)")
        }
        let diagnostics = DiagnosticCollector()
        let store = ApprovalStore.load(root: project.root, keysDirectory: keysDirectory, diagnostics: diagnostics)
        guard let approver = store.approvers.first(where: { $0.publicKey == publicKey }) else {
            throw Failure(
                "the key in \(keyFile) (\(KeyID(of: publicKey))) is not an approver key in "
                    + "\(ApprovalStore.approversDirectory(keys: keysDirectory))/; its .pub file must be there"
            )
        }
        let digest = FlagDigest.digest(of: flag, in: content)
        let signature: [UInt8]
        do {
            signature = try Sodium.sign(ApprovalStore.message(flag: key, target: name, digest: digest), seed: seed)
        } catch {
            throw Failure("cannot sign: \(error)")
        }
        let record = ApprovalRecord(
            path: ApprovalStore.path(flag: key, target: name, approver: approver.name),
            flag: key,
            target: name,
            keyID: approver.id,
            digest: digest,
            signature: signature
        )
        let fullPath = Builder.resolve(record.path, root: project.root)
        do {
            try FileManager.default.createDirectory(
                atPath: (fullPath as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try SecureFile.writeAtomically(
                Array(ApprovalStore.text(record, approver: approver.name).utf8),
                to: fullPath
            )
        } catch let error as SecureFile.Failure {
            throw Failure(error.description)
        } catch {
            throw Failure("cannot write \(record.path): \(error.localizedDescription)")
        }
        return record.path
    }
}
