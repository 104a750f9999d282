import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

// Key texts (`KIND:BASE64URL`) parse back to the same bytes, refuse the wrong kind by name, and never
// echo the text they refuse; secrets print as redacted.

@Suite("Key text")
struct KeyTextTests {
    /// Every 8-character window of the base64 part of a key text (the whole text when it has no
    /// kind prefix): no message may contain any of them.
    static func fragments(of text: String, length: Int = 8) -> [String] {
        let body = Array(text.split(separator: ":").last.map(String.init) ?? text)
        guard body.count >= length else { return [] }
        return (0...(body.count - length)).map { String(body[$0..<$0 + length]) }
    }

    /// 32 fresh random bytes.
    static func randomKeyBytes() -> [UInt8] {
        try! Sodium.makeRecipientKeyPair().secretKey.withUnsafeBytes { Array($0) }
    }

    static func secureBytes(_ bytes: [UInt8]) -> SecureBytes { SecureBytes(copying: bytes) }

    // MARK: Round trips

    @Test("every kind of key round-trips through its text", arguments: KeyKind.allCases)
    func roundTrip(kind: KeyKind) throws {
        let bytes = Self.randomKeyBytes()
        let text = KeyText.encode(kind, bytes)
        #expect(text.hasPrefix(kind.rawValue + ":"))
        #expect(text.count == kind.rawValue.count + 1 + 43)
        let decoded = try KeyText.decode(text, as: kind)
        #expect(decoded.count == 32)
        #expect(decoded.isEqual(to: Self.secureBytes(bytes)))
        #expect(KeyText.encode(kind, decoded.withUnsafeBytes { Array($0) }) == text)
    }

    @Test("surrounding white space is ignored", arguments: [" ", "\n", "\t \r\n", "\u{00A0}"])
    func surroundingWhiteSpaceIsIgnored(space: String) throws {
        let bytes = Self.randomKeyBytes()
        let text = space + KeyText.encode(.recipientSecret, bytes) + space
        #expect(try KeyText.decode(text, as: .recipientSecret).isEqual(to: Self.secureBytes(bytes)))
    }

    @Test(
        "white space is trimmed as Character.isWhitespace trims it, byte by byte for ASCII",
        arguments: [
            "", "   ", "k", " k ", "\r\n k:v \r\n", "\t\u{0B}\u{0C}k\u{0C}", "\u{00A0}k\u{2003}", " \u{301}k",
            "k \u{301}", "k\u{301} ", "\u{85}k\u{2028}", " a b ", "\u{00A0}", " \u{1F600} ",
        ]
    )
    func trimmingMatchesCharacterTrimming(text: String) {
        let expected = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        #expect(String(KeyText.trimmingWhitespace(text)) == expected)
    }

    @Test("a root public key round-trips through RootPublicKey and keeps its id")
    func rootPublicKeyRoundTrip() throws {
        let keys = TestKeys()
        let parsed = try RootPublicKey(text: keys.root.text)
        #expect(parsed == keys.root)
        #expect(parsed.id == KeyID(of: keys.rootPublicKey))
        #expect(parsed.text == keys.root.text)
        #expect(KeyID(hex: parsed.id.description) == parsed.id)
    }

    @Test("a recipient secret text gives the key whose id the bundle lists, and it decrypts")
    func recipientKeyRoundTrip() throws {
        let keys = TestKeys()
        let text = KeyText.encode(.recipientSecret, keys.recipientSecret.withUnsafeBytes { Array($0) })
        let parsed = try RecipientKey(text: text)
        #expect(parsed.id == KeyID(of: keys.recipientPublicKey))
        #expect(parsed.publicKey == keys.recipientPublicKey)
        #expect(parsed.secret.isEqual(to: keys.recipientSecret))
        var options = keys.options()
        options.recipientKey = parsed
        let bundle = try FlagBundle.load(bytes: keys.bundle(LoaderFixture.content), options: options)
        #expect(bundle.header.recipientIDs == [parsed.id])
    }

    // MARK: Wrong kind

    struct KindPair: Sendable, CustomTestStringConvertible {
        let given: KeyKind
        let expected: KeyKind
        var testDescription: String { "\(given.rawValue) where \(expected.rawValue) is expected" }
    }

    static let wrongKinds: [KindPair] = KeyKind.allCases.flatMap { given in
        KeyKind.allCases.filter { $0 != given }.map { KindPair(given: given, expected: $0) }
    }

    @Test("a key of another kind is refused by name, without echoing it", arguments: wrongKinds)
    func wrongKindIsRefused(_ pair: KindPair) {
        let text = KeyText.encode(pair.given, Self.randomKeyBytes())
        #expect(throws: KeyTextError("expected a \(pair.expected.displayName) but got a \(pair.given.displayName)")) {
            try KeyText.decode(text, as: pair.expected)
        }
        do {
            _ = try KeyText.decode(text, as: pair.expected)
        } catch {
            for fragment in Self.fragments(of: text) { #expect(!error.description.contains(fragment)) }
        }
    }

    @Test("a recipient key where a root key is expected gives a clear error")
    func recipientKeyWhereRootExpected() {
        let keys = TestKeys()
        let recipientPublic = KeyText.encode(.recipientPublic, keys.recipientPublicKey)
        #expect(throws: KeyTextError("expected a root public key but got a recipient public key")) {
            try RootPublicKey(text: recipientPublic)
        }
        let recipientSecret = KeyText.encode(.recipientSecret, keys.recipientSecret.withUnsafeBytes { Array($0) })
        #expect(throws: KeyTextError("expected a root public key but got a recipient secret key")) {
            try RootPublicKey(text: recipientSecret)
        }
        #expect(throws: KeyTextError("expected a recipient secret key but got a root public key")) {
            try RecipientKey(text: keys.root.text)
        }
        #expect(throws: KeyTextError("expected a recipient secret key but got a recipient public key")) {
            try RecipientKey(text: recipientPublic)
        }
    }

    // MARK: Malformed text

    struct MalformedText: Sendable, CustomTestStringConvertible {
        let label: String
        /// Makes the malformed text from a valid recipient secret text.
        let make: @Sendable (String) -> String
        let message: String
        var testDescription: String { label }
    }

    static let notAKey = "not a flagc recipient secret key: expected 'flagc-recipient-secret:…'"
    static let malformedKey = "malformed recipient secret key: expected 32 bytes of URL-safe base64"

    static func body(_ text: String) -> String { String(text.split(separator: ":")[1]) }

    static let malformedTexts: [MalformedText] = [
        MalformedText(label: "empty", make: { _ in "" }, message: notAKey),
        MalformedText(label: "only white space", make: { _ in " \n " }, message: notAKey),
        MalformedText(label: "no kind prefix", make: { body($0) }, message: notAKey),
        MalformedText(label: "unknown kind prefix", make: { "flagc-recipient-private:" + body($0) }, message: notAKey),
        MalformedText(
            label: "kind prefix in upper case",
            make: { "FLAGC-RECIPIENT-SECRET:" + body($0) },
            message: notAKey
        ),
        MalformedText(
            label: "space before the colon",
            make: { "flagc-recipient-secret :" + body($0) },
            message: notAKey
        ),
        MalformedText(label: "empty body", make: { _ in "flagc-recipient-secret:" }, message: malformedKey),
        MalformedText(
            label: "one character missing (31.5 bytes)",
            make: { String($0.dropLast()) },
            message: malformedKey
        ),
        MalformedText(
            label: "four characters missing (30 bytes)",
            make: { String($0.dropLast(4)) },
            message: malformedKey
        ),
        MalformedText(label: "four characters more (35 bytes)", make: { $0 + "AAAA" }, message: malformedKey),
        MalformedText(label: "the body twice (over 64 bytes)", make: { $0 + body($0) + "A" }, message: malformedKey),
        MalformedText(
            label: "far too long (over the 64-byte buffer)",
            make: { $0 + String(repeating: "A", count: 200) },
            message: malformedKey
        ),
        MalformedText(label: "with base64 padding", make: { $0 + "=" }, message: malformedKey),
        MalformedText(label: "an invalid character", make: { String($0.dropLast()) + "!" }, message: malformedKey),
        MalformedText(
            label: "the standard alphabet's '+'",
            make: { String($0.dropLast()) + "+" },
            message: malformedKey
        ),
        MalformedText(
            label: "the standard alphabet's '/'",
            make: { String($0.dropLast()) + "/" },
            message: malformedKey
        ),
        MalformedText(
            label: "white space inside the body",
            make: { text in String(text.prefix(40)) + " " + String(text.dropFirst(40)) },
            message: malformedKey
        ),
        MalformedText(label: "a second colon", make: { $0 + ":" + body($0) }, message: malformedKey),
        MalformedText(label: "a non-ASCII character", make: { String($0.dropLast()) + "é" }, message: malformedKey),
        MalformedText(label: "a NUL character", make: { String($0.dropLast()) + "\u{0}" }, message: malformedKey),
    ]

    @Test("malformed text is refused with a message that never contains the secret", arguments: malformedTexts)
    func malformedTextIsRefused(_ malformed: MalformedText) {
        let secret = KeyText.encode(.recipientSecret, Self.randomKeyBytes())
        let text = malformed.make(secret)
        do {
            let key = try RecipientKey(text: text)
            Issue.record("accepted \(malformed.label) as \(key)")
        } catch {
            #expect(error.description == malformed.message)
            #expect(!error.description.contains(Self.body(secret)))
            for fragment in Self.fragments(of: secret) {
                #expect(!error.description.contains(fragment), "leaks '\(fragment)'")
            }
        }
    }

    @Test("a body whose unused trailing bits are set is refused: one key has one text")
    func nonCanonicalTrailingBitsAreRefused() {
        // 32 bytes are 256 bits; 43 base64 characters carry 258, so the last character's low 2 bits are
        // unused. "A" (000000) and "D" (000011) differ only there.
        let canonical = "flagc-root-public:" + String(repeating: "A", count: 43)
        let nonCanonical = "flagc-root-public:" + String(repeating: "A", count: 42) + "D"
        #expect(throws: Never.self) { try RootPublicKey(text: canonical) }
        #expect(throws: KeyTextError.self) { try RootPublicKey(text: nonCanonical) }
    }

    // MARK: Redaction

    @Test("a recipient key's description is redacted")
    func recipientKeyDescriptionIsRedacted() throws {
        let keys = TestKeys()
        let secretBytes = keys.recipientSecret.withUnsafeBytes { Array($0) }
        let text = KeyText.encode(.recipientSecret, secretBytes)
        let key = try RecipientKey(text: text)
        #expect(key.description == "RecipientKey(\(key.id), secret redacted)")

        var dumped = ""
        dump(key, to: &dumped)
        var options = keys.options()
        options.recipientKey = key
        let renderings = [
            key.description, String(describing: key), String(reflecting: key), "\(key)", dumped,
            String(describing: options), String(reflecting: options), String(describing: key.secret),
        ]
        for rendering in renderings {
            #expect(!rendering.contains(Self.body(text)))
            for fragment in Self.fragments(of: text) { #expect(!rendering.contains(fragment), "leaks '\(fragment)'") }
            #expect(!rendering.contains(secretBytes.description), "prints the secret bytes")
            #expect(!rendering.contains(Sodium.hex(secretBytes)), "prints the secret in hex")
        }
    }

    @Test("SecureBytes prints its length only")
    func secureBytesDescription() {
        let bytes = Self.randomKeyBytes()
        let secure = Self.secureBytes(bytes)
        #expect(secure.description == "SecureBytes(32 bytes, redacted)")
        #expect(String(describing: secure) == "SecureBytes(32 bytes, redacted)")
        #expect(SecureBytes(count: 0).description == "SecureBytes(0 bytes, redacted)")
        #expect(!String(reflecting: secure).contains(Sodium.hex(bytes)))
        #expect(!String(reflecting: secure).contains(bytes.description))
    }

    struct Comparison: Sendable, CustomTestStringConvertible {
        let label: String
        let left: [UInt8]
        let right: [UInt8]
        let isEqual: Bool
        var testDescription: String { label }
    }

    static let comparisons: [Comparison] = {
        let bytes = randomKeyBytes()
        var lastFlipped = bytes
        lastFlipped[31] ^= 0x80
        var firstFlipped = bytes
        firstFlipped[0] ^= 0x01
        return [
            Comparison(label: "the same bytes", left: bytes, right: bytes, isEqual: true),
            Comparison(label: "the first byte differs", left: bytes, right: firstFlipped, isEqual: false),
            Comparison(label: "the last byte differs", left: bytes, right: lastFlipped, isEqual: false),
            Comparison(label: "a prefix of the other", left: bytes, right: Array(bytes.prefix(31)), isEqual: false),
            Comparison(label: "longer than the other", left: bytes + [0], right: bytes, isEqual: false),
            Comparison(label: "both empty", left: [], right: [], isEqual: true),
            Comparison(label: "empty and zero byte", left: [], right: [0], isEqual: false),
            Comparison(
                label: "all zeros",
                left: [UInt8](repeating: 0, count: 32),
                right: [UInt8](repeating: 0, count: 32),
                isEqual: true
            ),
        ]
    }()

    @Test("SecureBytes compares by content and length", arguments: comparisons)
    func secureBytesEquality(_ comparison: Comparison) {
        let left = Self.secureBytes(comparison.left)
        let right = Self.secureBytes(comparison.right)
        #expect(left.isEqual(to: right) == comparison.isEqual)
        #expect(right.isEqual(to: left) == comparison.isEqual)
        #expect(left.isEqual(to: left))
        #expect(left.withUnsafeBytes { Array($0) } == comparison.left)
    }
}
