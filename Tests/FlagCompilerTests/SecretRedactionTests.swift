import FlagCompiler
import Testing

@Suite("secret redaction")
struct SecretRedactionTests {
    static let secret = "flagc-root-secret:q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80"

    @Test(
        "messages lose every secret key text, whole or inside another word",
        arguments: [
            ("Error: Unexpected argument '\(secret)'", "Error: Unexpected argument '<secret key text>'"),
            ("'x\(secret)y' is not a key id", "'<secret key text>' is not a key id"),
            ("a FLAGC-SIGNING-SECRET:abc_-= b", "a <secret key text> b"),
            ("flagc-recipient-secret:", "<secret key text>"),
            ("flagc-root-public:abc stays", "flagc-root-public:abc stays"),
        ]
    )
    func redacts(message: String, expected: String) {
        #expect(SecretRedaction.redact(message, arguments: ["x\(Self.secret)y"]) == expected)
    }

    @Test("only --key's value may hold a secret")
    func misplacedSecrets() {
        #expect(SecretRedaction.misplacedSecret(in: ["eval", "b", "--key", Self.secret]) == nil)
        #expect(SecretRedaction.misplacedSecret(in: ["eval", "b", "--key=\(Self.secret)"]) == nil)
        #expect(SecretRedaction.misplacedSecret(in: ["eval", "b", "--root-key", Self.secret]) == 3)
        #expect(SecretRedaction.misplacedSecret(in: ["keys", "revoke", Self.secret]) == 2)
        #expect(SecretRedaction.misplacedSecret(in: ["eval", "flagc-root-public:abc"]) == nil)
    }
}
