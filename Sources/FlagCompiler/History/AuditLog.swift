import FlagRuntime
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `audit/<target>.jsonl`: one line per build of the target, each the canonical JSON of an entry
/// holding the SHA-256 of the line before it (`previous`), then one last line
/// `{"checkpoint":NOTE}`: a signed note (tlog-checkpoint style) of the origin, the number of
/// entries and the SHA-256 of the last entry, signed with Ed25519 by the build's signing key.
///
/// A build appends by writing the whole new file beside the old one and renaming it over it
/// (after syncing), under an exclusive lock on `audit/`: a reader or a crash sees the old history
/// or the new one, never a torn line.
package enum AuditLog {
    package static let folder = "audit"

    /// A failed check, naming the first bad entry (1-based) when there is one.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var message: String
        package var entry: Int?
        package var description: String { message }

        package init(message: String, entry: Int? = nil) {
            self.message = message
            self.entry = entry
        }
    }

    /// One verified entry.
    package struct Entry: Sendable {
        package var number: Int
        package var line: String
        package var value: JSONValue
        /// `sha256:<hex>` of `line`.
        package var hash: String

        package var bundleDigest: String? { value[member: "bundle"]?[member: "sha256"]?.stringValue }
    }

    /// A log read and checked.
    package struct Verified: Sendable {
        package var entries: [Entry]
        /// The key that signed the checkpoint, and whether that key is still usable (listed, not
        /// revoked) in the keyring it was checked against.
        package var checkpointKey: String?
        package var checkpointKeyProblem: String?
    }

    package static func path(root: String, target: String) -> String {
        Builder.resolve(folder + "/" + target + ".jsonl", root: root)
    }

    package static func origin(target: String) -> String { "flagc/audit/\(target)" }

    package static func lineHash(_ line: String) -> String { "sha256:" + SHA256.hex(Array(line.utf8)) }

    // MARK: Reading and verifying

    /// Reads and checks the log of `target` at `path`: every entry canonical, numbered in order,
    /// chained to the one before, for this target; the checkpoint's origin, size and root hash
    /// those of the entries, and its signature by a signing key of `keyring`. A missing file is an
    /// empty history. With `strictKey` false, a checkpoint signed by a key the keyring no longer
    /// lists, or revokes, is reported in `checkpointKeyProblem` instead of failing (the build then
    /// re-signs the history with its own key).
    package static func verify(
        path: String,
        target: String,
        keyring: Keyring,
        strictKey: Bool = true
    ) throws(Failure)
        -> Verified
    {
        guard FileManager.default.fileExists(atPath: path) else { return Verified(entries: []) }
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path: path, limit: 1 << 30)
        } catch {
            throw Failure(message: "cannot read \(path): \(error)")
        }
        guard bytes.last == UInt8(ascii: "\n"), let text = String(validating: bytes, as: UTF8.self) else {
            throw Failure(message: "\(path): the file does not end with a complete line (or is not UTF-8)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // after the final newline
        guard let checkpointLine = lines.popLast() else { throw Failure(message: "\(path): empty file") }
        var entries: [Entry] = []
        var previousHash: String?
        for (index, line) in lines.enumerated() {
            let number = index + 1
            func bad(_ reason: String) -> Failure {
                Failure(message: "\(path): entry \(number): \(reason)", entry: number)
            }
            guard let value = try? JSONParser.parse(line), case .object = value else {
                throw bad("not a JSON object (the line was changed, or the checkpoint is not the last line)")
            }
            guard CanonicalJSON.text(value) == line else {
                throw bad("not in canonical form: the line was changed")
            }
            guard value[member: "entry"]?.integerValue == Int64(number) else {
                throw bad(
                    "numbered \(value[member: "entry"]?.integerValue.map(String.init) ?? "?"): entries were removed, inserted or reordered"
                )
            }
            let previous = value[member: "previous"]
            if let previousHash {
                guard previous?.stringValue == previousHash else {
                    // Entry `number` holds another hash of the entry before it: that one was changed.
                    throw Failure(
                        message: "\(path): entry \(number - 1) was changed: entry \(number) holds another hash of it",
                        entry: number - 1
                    )
                }
            } else if previous != .null {
                throw bad("the first entry names a previous entry: entries before it were removed")
            }
            guard value[member: "target"]?.stringValue == target else { throw bad("the entry is for another target") }
            let hash = lineHash(line)
            entries.append(Entry(number: number, line: line, value: value, hash: hash))
            previousHash = hash
        }
        var verified = Verified(entries: entries)
        try checkCheckpoint(
            checkpointLine,
            entries: entries,
            target: target,
            path: path,
            keyring: keyring,
            strictKey: strictKey,
            into: &verified
        )
        return verified
    }

    private static func checkCheckpoint(
        _ line: String,
        entries: [Entry],
        target: String,
        path: String,
        keyring: Keyring,
        strictKey: Bool,
        into verified: inout Verified
    ) throws(Failure) {
        let last = entries.count
        guard let value = try? JSONParser.parse(line), CanonicalJSON.text(value) == line,
            let note = value[member: "checkpoint"]?.stringValue
        else {
            throw Failure(
                message: "\(path): the last line is not the checkpoint (a changed checkpoint, or an entry after it)",
                entry: last + 1
            )
        }
        guard let checkpoint = SignedNote(parsing: note) else {
            throw Failure(message: "\(path): checkpoint: not a signed note")
        }
        let expected = [origin(target: target), String(last), entries.last.map { rootHash($0.hash) } ?? ""]
        guard checkpoint.body == expected else {
            let size = checkpoint.body.count > 1 ? checkpoint.body[1] : "?"
            throw Failure(
                message: size != String(last)
                    ? "\(path): checkpoint: signed for \(size) entries, the log has \(last): entries were removed or added"
                    : "\(path): checkpoint: its origin or root hash does not match entry \(last)",
                entry: last
            )
        }
        guard let key = keyring.signingKeys.first(where: { $0.id.description == checkpoint.keyName }) else {
            if strictKey {
                throw Failure(
                    message: "\(path): checkpoint: signed by key \(checkpoint.keyName), which the keyring does not list"
                )
            }
            verified.checkpointKeyProblem = "key \(checkpoint.keyName) is not in the keyring"
            verified.checkpointKey = checkpoint.keyName
            return
        }
        guard checkpoint.isSigned(by: key.publicKey) else {
            throw Failure(message: "\(path): checkpoint: the signature does not verify", entry: last)
        }
        verified.checkpointKey = checkpoint.keyName
        if keyring.isRevoked(key.id) {
            if strictKey {
                throw Failure(
                    message:
                        "\(path): checkpoint: signed by revoked key \(checkpoint.keyName); a build with the current signing key signs it anew"
                )
            }
            verified.checkpointKeyProblem = "key \(checkpoint.keyName) is revoked"
        }
    }

    /// The checkpoint's root hash: the last entry's SHA-256, base64 (as tlog checkpoints write it).
    static func rootHash(_ hash: String) -> String {
        let hex = hash.dropFirst("sha256:".count)
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return Base64.encode(bytes)
    }

    // MARK: Appending

    /// Appends `entry` (every field but `entry` and `previous`, which this fills in) to the log of
    /// `target`, and signs the new checkpoint with the signing key. Under an exclusive lock on
    /// `audit/`; the old file is replaced in one rename after the new one is synced. Returns the
    /// entry's number.
    @discardableResult
    package static func append(
        _ fields: [(String, JSONValue?)],
        root: String,
        target: String,
        keyring: Keyring,
        signingKey: Keyring.SigningKey,
        seed: SecureBytes
    ) throws(Failure) -> Int {
        let directory = Builder.resolve(folder, root: root)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure(message: "cannot create \(directory): \(error.localizedDescription)")
        }
        let lock = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0 else { throw Failure(message: "cannot open \(directory): \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure(message: "cannot lock \(directory)") }
        }
        let path = path(root: root, target: target)
        removeStale(in: directory, target: target)
        let existing = try verify(path: path, target: target, keyring: keyring, strictKey: false)
        let number = existing.entries.count + 1
        var members = fields
        members.append(("entry", .integer(Int64(number))))
        members.append(("previous", existing.entries.last.map { .string($0.hash) } ?? .null))
        let line = CanonicalJSON.text(.members(members))
        var body = [origin(target: target), String(number), rootHash(lineHash(line))]
        let note: String
        do {
            note = try SignedNote.sign(
                body: body,
                keyName: signingKey.id.description,
                publicKey: signingKey.publicKey,
                seed: seed
            )
        } catch {
            throw Failure(message: "cannot sign the audit checkpoint: \(error)")
        }
        body.removeAll()
        var text = existing.entries.map { $0.line + "\n" }.joined()
        text += line + "\n"
        text += CanonicalJSON.text(.members([("checkpoint", .string(note))])) + "\n"
        let temporary = (directory as NSString).appendingPathComponent(
            ".\(target).jsonl.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        )
        try writeSynced(Array(text.utf8), to: temporary)
        TestHook.step("audit-staged")
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(message: "cannot replace \(path): \(reason)")
        }
        let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
        return number
    }

    /// Removes the temporary files killed appends left (under the lock, so no live build owns one).
    private static func removeStale(in directory: String, target: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasPrefix(".\(target).jsonl.tmp-") {
            unlink((directory as NSString).appendingPathComponent(name))
        }
    }

    private static func writeSynced(_ bytes: [UInt8], to path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Failure(message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        fchmod(descriptor, 0o644)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(path)
                throw Failure(message: "cannot write \(path): \(reason)")
            }
            offset += written
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            unlink(path)
            throw Failure(message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// A signed note in the C2SP signed-note format that transparency-log checkpoints use: body lines,
/// a blank line, then `— <key name> <base64(4-byte key hash ‖ signature)>`. Ed25519 (type 0x01);
/// the key hash is the first 4 bytes of SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key).
package struct SignedNote: Sendable, Equatable {
    package var body: [String]
    package var keyName: String
    package var signature: [UInt8]

    package init?(parsing text: String) {
        guard text.hasSuffix("\n") else { return nil }
        let parts = text.components(separatedBy: "\n\n")
        guard parts.count == 2 else { return nil }
        body = parts[0].components(separatedBy: "\n")
        let signatureLine = parts[1].dropLast()  // the final newline
        let fields = signatureLine.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0] == "—", !fields[1].isEmpty,
            let decoded = Base64.decode(fields[2]), decoded.count == 68
        else { return nil }
        keyName = String(fields[1])
        signature = decoded
    }

    /// The text before the blank line, as signed.
    static func signedText(_ body: [String]) -> [UInt8] { Array((body.joined(separator: "\n") + "\n").utf8) }

    static func keyHash(name: String, publicKey: [UInt8]) -> [UInt8] {
        Array(SHA256.digest(Array(name.utf8) + [0x0A, 0x01] + publicKey).prefix(4))
    }

    package func isSigned(by publicKey: [UInt8]) -> Bool {
        signature.prefix(4).elementsEqual(Self.keyHash(name: keyName, publicKey: publicKey))
            && Sodium.verify(
                signature: signature[4...],
                message: Self.signedText(body)[...],
                publicKey: publicKey[...]
            )
    }

    package static func sign(
        body: [String],
        keyName: String,
        publicKey: [UInt8],
        seed: SecureBytes
    ) throws(Sodium.Failure)
        -> String
    {
        let signature = try Sodium.sign(signedText(body), seed: seed)
        let encoded = Base64.encode(keyHash(name: keyName, publicKey: publicKey) + signature)
        return body.joined(separator: "\n") + "\n\n— \(keyName) \(encoded)\n"
    }
}
