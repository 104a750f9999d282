/// The one-line text form of every flagc key: `KIND:BASE64URL`, for example
/// `flagc-root-public:3q2-7w...`. The kind prefix makes it impossible to pass a recipient key where a
/// root key is expected. Secret texts are decoded straight into `SecureBytes`.
package enum KeyKind: String, Sendable, CaseIterable {
    case rootPublic = "flagc-root-public"
    case rootSecret = "flagc-root-secret"
    case signingSecret = "flagc-signing-secret"
    case recipientPublic = "flagc-recipient-public"
    case recipientSecret = "flagc-recipient-secret"
    /// An approver's Ed25519 key (`flagc keys approver`): approvals of flag changes, never bundles.
    case approverPublic = "flagc-approver-public"
    case approverSecret = "flagc-approver-secret"

    package var isSecret: Bool {
        switch self {
        case .rootSecret, .signingSecret, .recipientSecret, .approverSecret: true
        case .rootPublic, .recipientPublic, .approverPublic: false
        }
    }

    /// What the key is, for messages: "root public key", ...
    package var displayName: String {
        switch self {
        case .rootPublic: "root public key"
        case .rootSecret: "root secret key"
        case .signingSecret: "signing secret key"
        case .recipientPublic: "recipient public key"
        case .recipientSecret: "recipient secret key"
        case .approverPublic: "approver public key"
        case .approverSecret: "approver secret key"
        }
    }
}

/// Why a key text was refused. Never contains any part of the text.
public struct KeyTextError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    package init(_ description: String) { self.description = description }
}

package enum KeyText {
    /// `KIND:BASE64URL` for 32 key bytes.
    package static func encode(_ kind: KeyKind, _ bytes: some Collection<UInt8>) -> String {
        "\(kind.rawValue):\(Sodium.base64(bytes))"
    }

    /// The 32 key bytes of a key text of `kind`; surrounding white space is ignored.
    package static func decode(_ text: String, as kind: KeyKind) throws(KeyTextError) -> SecureBytes {
        let body = trimmingWhitespace(text)
        guard let colon = body.firstIndex(of: ":") else {
            throw KeyTextError("not a flagc \(kind.displayName): expected '\(kind.rawValue):…'")
        }
        let prefix = body[..<colon]
        guard prefix == kind.rawValue else {
            if let other = KeyKind(rawValue: String(prefix)) {
                throw KeyTextError("expected a \(kind.displayName) but got a \(other.displayName)")
            }
            throw KeyTextError("not a flagc \(kind.displayName): expected '\(kind.rawValue):…'")
        }
        guard let bytes = Sodium.decodeBase64(body[body.index(after: colon)...], maximumBytes: 64),
            bytes.count == 32
        else {
            throw KeyTextError("malformed \(kind.displayName): expected 32 bytes of URL-safe base64")
        }
        return bytes
    }

    /// `text` without surrounding white space (`Character.isWhitespace`). A key text is ASCII, so ASCII white
    /// space is trimmed byte by byte; only when a non-ASCII byte borders what remains does it trim by
    /// `Character`, with the same result. Trimming by `Character` alone (grapheme breaking, reversed views) cost
    /// about 0.3 ms of a function's cold start for its two keys.
    package static func trimmingWhitespace(_ text: String) -> Substring {
        let utf8 = text.utf8
        func isASCIIWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        var start = utf8.startIndex
        while start != utf8.endIndex, isASCIIWhitespace(utf8[start]) { start = utf8.index(after: start) }
        var end = utf8.endIndex
        while end != start, isASCIIWhitespace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        guard start != end else { return text[text.endIndex...] }
        if utf8[start] < 0x80 && utf8[utf8.index(before: end)] < 0x80 {
            return text[start..<end]
        }
        let trimmed = text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        return Substring(trimmed)
    }
}

/// A root public key that a function pins: bundles load only when their keyring is signed by one of
/// the pinned roots.
public struct RootPublicKey: Sendable, Hashable {
    package let bytes: [UInt8]

    /// Parses `flagc-root-public:…` text, as in `keys/root.pub` or `FLAGC_ROOT_PUBLIC_KEY`.
    public init(text: String) throws(KeyTextError) {
        let decoded = try KeyText.decode(text, as: .rootPublic)
        self.bytes = decoded.withUnsafeBytes { Array($0) }
    }

    package init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The key's id.
    public var id: KeyID { KeyID(of: bytes) }

    /// The `flagc-root-public:…` text.
    public var text: String { KeyText.encode(.rootPublic, bytes) }
}

/// A recipient's X25519 secret key: what a function needs to decrypt the bundles sealed to it.
/// The secret is kept in zeroed-on-release storage and never printed.
public struct RecipientKey: Sendable, CustomStringConvertible {
    package let secret: SecureBytes
    package let publicKey: [UInt8]

    /// Parses `flagc-recipient-secret:…` text, as in `keys/NAME.recipient.key` or `FLAGC_RECIPIENT_KEY`.
    public init(text: String) throws(KeyTextError) {
        try self.init(secret: try KeyText.decode(text, as: .recipientSecret))
    }

    package init(secret: SecureBytes) throws(KeyTextError) {
        self.secret = secret
        do {
            self.publicKey = try Sodium.x25519PublicKey(of: secret)
        } catch {
            throw KeyTextError("unusable recipient secret key")
        }
    }

    /// The id of the matching public key, as listed in bundles.
    public var id: KeyID { KeyID(of: publicKey) }

    public var description: String { "RecipientKey(\(id), secret redacted)" }
}
