import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation
import Testing

/// The audit log's chain and checkpoint: every kind of tampering is found and names the first bad
/// entry; appends are whole-file replacements.
@Suite struct AuditLogTests {
    /// A root with a three-entry log of target `dev`, signed by `keys`.
    struct History {
        let keys = TestKeys()
        let root: String
        var keyring: Keyring { keys.keyring() }
        var path: String { AuditLog.path(root: root, target: "dev") }

        init(entries: Int = 3) throws {
            root =
                FileManager.default.temporaryDirectory.appendingPathComponent("flagc-audit-\(UUID().uuidString)").path
            for index in 1...entries { try append(index) }
        }

        func append(_ index: Int) throws {
            let keyring = self.keyring
            try AuditLog.append(
                [
                    ("target", .string("dev")),
                    (
                        "bundle",
                        .members([("sha256", .string("sha256:\(String(repeating: "\(index % 10)", count: 64))"))])
                    ),
                    ("time", .string("2026-12-0\(index)T00:00:00Z")),
                ],
                root: root,
                target: "dev",
                keyring: keyring,
                signingKey: keyring.signingKey(keys.signingKeyID)!,
                seed: keys.signingSeed
            )
        }

        var lines: [String] {
            get throws { try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init) }
        }

        func write(_ lines: [String]) throws {
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        }

        func verify(keyring: Keyring? = nil) throws -> AuditLog.Verified {
            try AuditLog.verify(path: path, target: "dev", keyring: keyring ?? self.keyring)
        }

        /// The failure of `verify`, or nil when it passes.
        func failure(keyring: Keyring? = nil) -> AuditLog.Failure? {
            do {
                _ = try verify(keyring: keyring)
                return nil
            } catch let failure as AuditLog.Failure {
                return failure
            } catch {
                return AuditLog.Failure(message: "\(error)", entry: nil)
            }
        }
    }

    @Test("an untouched log verifies: entries chained, numbered, checkpoint signed")
    func untouched() throws {
        let history = try History()
        let verified = try history.verify()
        #expect(verified.entries.count == 3)
        #expect(verified.checkpointKey == history.keys.signingKeyID.description)
        let lines = try history.lines
        #expect(lines.count == 4)
        #expect(lines[3].hasPrefix(#"{"checkpoint":"flagc/audit/dev\n3\n"#))
        #expect(lines[1].contains(#""previous":"\#(AuditLog.lineHash(lines[0]))""#))
    }

    struct Tampering: CustomStringConvertible, Sendable {
        var description: String
        /// Changes the lines (three entries and the checkpoint).
        var edit: @Sendable ([String]) -> [String]
        var entry: Int?
        var message: String
    }

    static let tamperings: [Tampering] = [
        Tampering(
            description: "a changed byte keeping the JSON canonical",
            edit: { lines in
                var lines = lines
                lines[1] = lines[1].replacingOccurrences(of: "2026-12-02", with: "2026-12-09")
                return lines
            },
            entry: 2,
            message: "entry 2 was changed: entry 3 holds another hash of it"
        ),
        Tampering(
            description: "a changed byte in the last entry",
            edit: { lines in
                var lines = lines
                lines[2] = lines[2].replacingOccurrences(of: "2026-12-03", with: "2026-12-04")
                return lines
            },
            entry: 3,
            message: "checkpoint: its origin or root hash does not match entry 3"
        ),
        Tampering(
            description: "a space added (not canonical)",
            edit: { lines in
                var lines = lines
                lines[0] = lines[0].replacingOccurrences(of: #"{"bundle""#, with: #"{ "bundle""#)
                return lines
            },
            entry: 1,
            message: "entry 1: not in canonical form: the line was changed"
        ),
        Tampering(
            description: "an entry removed",
            edit: { lines in [lines[0], lines[2], lines[3]] },
            entry: 2,
            message: "entry 2: numbered 3: entries were removed, inserted or reordered"
        ),
        Tampering(
            description: "an entry inserted",
            edit: { lines in [lines[0], lines[1], lines[1], lines[2], lines[3]] },
            entry: 3,
            message: "entry 3: numbered 2: entries were removed, inserted or reordered"
        ),
        Tampering(
            description: "entries reordered",
            edit: { lines in [lines[0], lines[2], lines[1], lines[3]] },
            entry: 2,
            message: "entry 2: numbered 3: entries were removed, inserted or reordered"
        ),
        Tampering(
            description: "the last entry removed",
            edit: { lines in [lines[0], lines[1], lines[3]] },
            entry: 2,
            message: "checkpoint: signed for 3 entries, the log has 2: entries were removed or added"
        ),
        Tampering(
            description: "the first entry removed",
            edit: { lines in [lines[1], lines[2], lines[3]] },
            entry: 1,
            message: "entry 1: numbered 2: entries were removed, inserted or reordered"
        ),
        Tampering(
            description: "the checkpoint's signature changed",
            edit: { lines in
                var lines = lines
                let signature = lines[3].range(of: " ", options: .backwards)!.upperBound
                let first = lines[3][signature]
                lines[3].replaceSubrange(signature...signature, with: first == "A" ? "B" : "A")
                return lines
            },
            entry: 3,
            message: "checkpoint: the signature does not verify"
        ),
        Tampering(
            description: "the checkpoint removed",
            edit: { lines in Array(lines.prefix(3)) },
            entry: 3,
            message: "the last line is not the checkpoint (a changed checkpoint, or an entry after it)"
        ),
    ]

    @Test("tampering is found and names the first bad entry", arguments: tamperings)
    func tampering(_ tampering: Tampering) throws {
        let history = try History()
        try history.write(tampering.edit(try history.lines))
        let failure = try #require(history.failure())
        #expect(failure.entry == tampering.entry, "\(failure)")
        #expect(failure.message == "\(history.path): \(tampering.message)")
    }

    @Test("a checkpoint signed by another key, or another key's whole history, is refused")
    func foreignCheckpoint() throws {
        let history = try History()
        let other = try History()  // the same entries, signed by another key
        var lines = try history.lines
        lines[3] = try other.lines[3]
        try history.write(lines)
        #expect(history.failure()?.message.contains("which the keyring does not list") == true)
        try history.write(try other.lines)
        #expect(history.failure()?.message.contains("which the keyring does not list") == true)
    }

    @Test("a checkpoint signed by a key the keyring revokes fails verification, and the next append re-signs it")
    func revokedKey() throws {
        let history = try History()
        let revoked = history.keys.keyring(revoked: [history.keys.signingKeyID])
        #expect(history.failure(keyring: revoked)?.message.contains("signed by revoked key") == true)
        // A build with a lenient check still appends (re-signing with the current key).
        let lenient = try AuditLog.verify(path: history.path, target: "dev", keyring: revoked, strictKey: false)
        #expect(lenient.checkpointKeyProblem == "key \(history.keys.signingKeyID) is revoked")
    }

    @Test("appending keeps the old lines byte for byte and moves the checkpoint")
    func appendKeepsHistory() throws {
        let history = try History(entries: 2)
        let before = try history.lines
        try history.append(3)
        let after = try history.lines
        #expect(Array(after.prefix(2)) == Array(before.prefix(2)))
        #expect(after.count == 4)
        #expect(try history.verify().entries.count == 3)
        // No temporary file is left beside the log.
        let folder = (history.path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["dev.jsonl"])
    }

    @Test("appending to a tampered log is refused")
    func appendToTampered() throws {
        let history = try History()
        var lines = try history.lines
        lines.remove(at: 1)
        try history.write(lines)
        #expect(throws: AuditLog.Failure.self) { try history.append(4) }
    }

    @Test("a signed note round-trips and is bound to its key name")
    func signedNote() throws {
        let keys = TestKeys()
        let text = try SignedNote.sign(
            body: ["origin", "1", "aGFzaA=="],
            keyName: "k1",
            publicKey: keys.signingPublicKey,
            seed: keys.signingSeed
        )
        let note = try #require(SignedNote(parsing: text))
        #expect(note.body == ["origin", "1", "aGFzaA=="])
        #expect(note.isSigned(by: keys.signingPublicKey))
        var renamed = note
        renamed.keyName = "k2"
        #expect(!renamed.isSigned(by: keys.signingPublicKey))
    }

    @Test("DSSE's pre-authentication encoding is exact")
    func pae() {
        // The DSSE protocol's own example: type "http://example.com/HelloWorld", body "hello world".
        #expect(
            String(
                decoding: Provenance.pae(type: "http://example.com/HelloWorld", body: Array("hello world".utf8)),
                as: UTF8.self
            )
                == "DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        )
        #expect(Provenance.pae(type: "", body: []) == Array("DSSEv1 0  0 ".utf8))
    }

    @Test("canonical JSON sorts members by their bytes and has no whitespace")
    func canonicalJSON() throws {
        let value = try JSONParser.parse(#"{ "b": [1, {"z": null, "a": "é"}], "a": true, "B": 2 }"#)
        #expect(CanonicalJSON.text(value) == #"{"B":2,"a":true,"b":[1,{"a":"é","z":null}]}"#)
    }
}
