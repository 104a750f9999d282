/// The versioned, expiring list of signing keys that a root key vouches for. Every bundle carries the
/// keyring it was signed under, so a function learns about new signing keys from the bundle itself
/// and needs to pin only the root. See docs/trust.md.
public struct Keyring: Sendable, Hashable {
    /// A signing key and the window in which it may sign bundles (Unix seconds, inclusive).
    public struct SigningKey: Sendable, Hashable {
        public let id: KeyID
        package let publicKey: [UInt8]
        public var notBefore: Int64
        public var notAfter: Int64

        package init(publicKey: [UInt8], notBefore: Int64, notAfter: Int64) {
            self.id = KeyID(of: publicKey)
            self.publicKey = publicKey
            self.notBefore = notBefore
            self.notAfter = notAfter
        }

        /// Whether the key may sign at `time`.
        public func isValid(at time: Int64) -> Bool { notBefore <= time && time <= notAfter }
    }

    /// A root's signature over the keyring's body.
    public struct Signature: Sendable, Hashable {
        public let rootID: KeyID
        package let bytes: [UInt8]

        package init(rootID: KeyID, bytes: [UInt8]) {
            self.rootID = rootID
            self.bytes = bytes
        }
    }

    package static let magic: [UInt8] = Array("FLKR".utf8)
    package static let formatVersion: UInt16 = 1
    package static let maximumSigningKeys = 64
    package static let maximumRevokedKeys = 4096
    package static let maximumSignatures = 8
    package static let maximumBytes = 1 << 17

    /// Starts at 1 and goes up by exactly 1 per change.
    public var version: UInt32
    public var issuedAt: Int64
    public var expiresAt: Int64
    public var signingKeys: [SigningKey]
    public var revokedKeyIDs: [KeyID]
    public var signatures: [Signature]

    package init(
        version: UInt32,
        issuedAt: Int64,
        expiresAt: Int64,
        signingKeys: [SigningKey],
        revokedKeyIDs: [KeyID],
        signatures: [Signature] = []
    ) {
        self.version = version
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.signingKeys = signingKeys
        self.revokedKeyIDs = revokedKeyIDs
        self.signatures = signatures
    }

    /// The signing key with `id`, if listed.
    public func signingKey(_ id: KeyID) -> SigningKey? { signingKeys.first { $0.id == id } }

    /// Whether `id` is on the revocation list.
    public func isRevoked(_ id: KeyID) -> Bool { revokedKeyIDs.contains(id) }

    /// Whether a signature by one of `roots` over `body` verifies.
    package static func isSigned(
        body: ArraySlice<UInt8>,
        signatures: [Signature],
        byAnyOf roots: [RootPublicKey]
    ) -> Bool {
        for signature in signatures {
            for root in roots where root.id == signature.rootID {
                if Sodium.verify(signature: signature.bytes[...], message: body, publicKey: root.bytes[...]) {
                    return true
                }
            }
        }
        return false
    }

    /// Reads a keyring from `reader`, bounded, and returns it with the range of its signed body.
    package static func decode(from reader: inout ByteReader<[UInt8]>) throws(DecodingError) -> (Keyring, Range<Int>) {
        let start = reader.offset
        guard Array(try reader.readBytes(4)) == magic else { throw DecodingError("not a keyring") }
        let format = try reader.readUInt16()
        guard format == formatVersion else { throw DecodingError("unsupported keyring format \(format)") }
        let version = try reader.readUInt32()
        let issuedAt = try reader.readInt64()
        let expiresAt = try reader.readInt64()
        let keyCount = Int(try reader.readUInt8())
        guard keyCount <= maximumSigningKeys else { throw DecodingError("too many signing keys") }
        var keys: [SigningKey] = []
        for _ in 0..<keyCount {
            let id = Array(try reader.readBytes(Sodium.keyIDBytes))
            let publicKey = Array(try reader.readBytes(Sodium.publicKeyBytes))
            let key = SigningKey(
                publicKey: publicKey,
                notBefore: try reader.readInt64(),
                notAfter: try reader.readInt64()
            )
            guard key.id.bytes == id else { throw DecodingError("signing key id does not match its key") }
            keys.append(key)
        }
        let revokedCount = Int(try reader.readUInt16())
        guard revokedCount <= maximumRevokedKeys, revokedCount * Sodium.keyIDBytes <= reader.remaining else {
            throw DecodingError("revocation list too long")
        }
        var revoked: [KeyID] = []
        for _ in 0..<revokedCount { revoked.append(KeyID(bytes: Array(try reader.readBytes(Sodium.keyIDBytes)))) }
        let bodyRange = start..<reader.offset
        let signatureCount = Int(try reader.readUInt8())
        guard signatureCount <= maximumSignatures else { throw DecodingError("too many keyring signatures") }
        var signatures: [Signature] = []
        for _ in 0..<signatureCount {
            let rootID = KeyID(bytes: Array(try reader.readBytes(Sodium.keyIDBytes)))
            signatures.append(Signature(rootID: rootID, bytes: Array(try reader.readBytes(Sodium.signatureBytes))))
        }
        let keyring = Keyring(
            version: version,
            issuedAt: issuedAt,
            expiresAt: expiresAt,
            signingKeys: keys,
            revokedKeyIDs: revoked,
            signatures: signatures
        )
        return (keyring, bodyRange)
    }

    /// Decodes a whole keyring file; trailing bytes are refused.
    package static func decode(_ bytes: [UInt8]) throws(DecodingError) -> Keyring {
        guard bytes.count <= maximumBytes else { throw DecodingError("keyring larger than \(maximumBytes) bytes") }
        var reader = ByteReader(bytes)
        let (keyring, _) = try decode(from: &reader)
        guard reader.isAtEnd else { throw DecodingError("trailing bytes after the keyring") }
        return keyring
    }
}
