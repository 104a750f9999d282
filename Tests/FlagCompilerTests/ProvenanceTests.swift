import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation
import Testing

/// The provenance statement's inputs and shape (the envelope's checks run end to end).
@Suite struct ProvenanceTests {
    @Test("inputs are the YAML files, policies/ and approvals/ when present, the keyring and recipients, sorted")
    func inputs() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("flagc-prov-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = [
            "flags/a.yaml": "flags: {}\n", "flags/notes.txt": "not an input\n", "targets/dev.yml": "recipients: []\n",
            "policies/gate.rego": "package x\n", "policies/nested/waiver.yaml": "w\n", "policies/.hidden": "x\n",
            "approvals/new-flow.json": "{}\n", "keys/keyring": "k", "keys/dev.recipient.pub": "r",
        ]
        for (path, text) in files {
            let full = (root as NSString).appendingPathComponent(path)
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try text.write(toFile: full, atomically: false, encoding: .utf8)
        }
        let inputs = Provenance.inputs(root: root, recipients: ["keys/dev.recipient.pub"], keyringPath: "keys/keyring")
        #expect(
            inputs.map(\.path) == [
                "approvals/new-flow.json", "flags/a.yaml", "keys/dev.recipient.pub", "keys/keyring",
                "policies/gate.rego", "policies/nested/waiver.yaml", "targets/dev.yml",
            ]
        )
        #expect(inputs.first { $0.path == "flags/a.yaml" }?.sha256 == SHA256.hex(Array("flags: {}\n".utf8)))
    }

    @Test("the statement is an in-toto Statement v1 with SLSA provenance, the same bytes for the same build")
    func statement() throws {
        func make() -> [UInt8] {
            Provenance.statement(
                target: "dev",
                environment: "development",
                subjects: [("flags.bundle", [1, 2, 3]), ("manifest.json", Array("{}".utf8))],
                inputs: [Provenance.Input(path: "flags/a.yaml", sha256: "ab")],
                sourceDateEpoch: 1_795_651_200,
                issuedAt: 1_795_651_200,
                commit: "0123456789abcdef0123456789abcdef01234567"
            )
        }
        let bytes = make()
        #expect(bytes == make())
        let statement = try JSONParser.parse(utf8: bytes)
        #expect(statement[member: "_type"]?.stringValue == "https://in-toto.io/Statement/v1")
        #expect(statement[member: "predicateType"]?.stringValue == "https://slsa.dev/provenance/v1")
        let subject = statement[member: "subject"]?.arrayValue?.first
        #expect(subject?[member: "digest"]?[member: "sha256"]?.stringValue == SHA256.hex([1, 2, 3]))
        let definition = statement[member: "predicate"]?[member: "buildDefinition"]
        #expect(definition?[member: "internalParameters"]?[member: "SOURCE_DATE_EPOCH"]?.integerValue == 1_795_651_200)
        let dependencies = definition?[member: "resolvedDependencies"]?.arrayValue ?? []
        #expect(dependencies.first?[member: "digest"]?[member: "gitCommit"]?.stringValue?.count == 40)
        #expect(dependencies.last?[member: "name"]?.stringValue == "flags/a.yaml")
    }

    @Test("the envelope's signature is the signing key's over the PAE of the statement")
    func envelopeSignature() throws {
        let keys = TestKeys()
        let statement = Array(#"{"_type":"x"}"#.utf8)
        let text = try Provenance.envelope(statement: statement, keyID: keys.signingKeyID, seed: keys.signingSeed)
        let envelope = try JSONParser.parse(text)
        let signature = try #require(envelope[member: "signatures"]?.arrayValue?.first)
        #expect(signature[member: "keyid"]?.stringValue == keys.signingKeyID.description)
        let sigText = try #require(signature[member: "sig"]?.stringValue)
        let sig = try #require(Base64.decode(sigText))
        let pae = Provenance.pae(type: Provenance.payloadType, body: statement)
        #expect(Sodium.verify(signature: sig[...], message: pae[...], publicKey: keys.signingPublicKey[...]))
        #expect(!Sodium.verify(signature: sig[...], message: statement[...], publicKey: keys.signingPublicKey[...]))
        let payload = try #require(envelope[member: "payload"]?.stringValue)
        #expect(Base64.decode(payload) == statement)
    }
}
