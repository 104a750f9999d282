/// The cleartext part of a bundle: who issued it for which target, until when, under which keyring
/// and signing key, and to whom its content key is sealed. Readable without a recipient key, trusted
/// only after the loader's signature checks. See docs/bundle-format.md.
public struct BundleHeader: Sendable, Hashable {
    /// A recipient's id and its sealed copy of the content key.
    package struct SealedKey: Sendable, Hashable {
        package let recipientID: KeyID
        package let sealedKey: [UInt8]

        package init(recipientID: KeyID, sealedKey: [UInt8]) {
            self.recipientID = recipientID
            self.sealedKey = sealedKey
        }
    }

    package static let magic: [UInt8] = Array("FLGB".utf8)
    /// The only format this runtime writes; it reads this one and refuses newer ones by name.
    package static let currentFormatVersion: UInt16 = 5
    package static let maximumRecipients = 64
    package static let maximumNameBytes = 255

    public let formatVersion: UInt16
    /// Monotonic per target: the build's issue time unless a version is given. See `LoadOptions`.
    public let bundleVersion: UInt64
    /// Unix seconds.
    public let issuedAt: Int64
    /// Unix seconds; the bundle is refused after this (plus the leeway).
    public let expiresAt: Int64
    public let target: String
    public let environment: String
    /// How many flags the encrypted payload holds (checked against it after decryption).
    public let flagCount: Int
    public let signingKeyID: KeyID
    public let keyring: Keyring
    package let sealedKeys: [SealedKey]
    package let nonce: [UInt8]

    /// The ids of the recipients that can decrypt the bundle.
    public var recipientIDs: [KeyID] { sealedKeys.map(\.recipientID) }

    package init(
        formatVersion: UInt16 = BundleHeader.currentFormatVersion,
        bundleVersion: UInt64,
        issuedAt: Int64,
        expiresAt: Int64,
        target: String,
        environment: String,
        flagCount: Int,
        signingKeyID: KeyID,
        keyring: Keyring,
        sealedKeys: [SealedKey],
        nonce: [UInt8]
    ) {
        self.formatVersion = formatVersion
        self.bundleVersion = bundleVersion
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.target = target
        self.environment = environment
        self.flagCount = flagCount
        self.signingKeyID = signingKeyID
        self.keyring = keyring
        self.sealedKeys = sealedKeys
        self.nonce = nonce
    }
}

/// Where the parts of a bundle lie, after the bounded header parse.
package struct BundleLayout: Sendable {
    package let header: BundleHeader
    /// The keyring's signed body inside the bundle.
    package let keyringBody: Range<Int>
    /// The bytes the AEAD authenticates as associated data: everything before the ciphertext.
    package let associatedData: Range<Int>
    package let ciphertext: Range<Int>
    /// Everything the bundle signature covers: all bytes before the signature.
    package let signedBytes: Range<Int>
    package let signature: Range<Int>
}

extension BundleHeader {
    /// The bounded parse of a whole bundle's layout. Reads only fixed-size fields and bounded
    /// counts; checks that the sizes add up to exactly the input's length. Verifies nothing.
    package static func parseLayout(_ bytes: [UInt8]) throws(BundleLoadError) -> BundleLayout {
        do {
            return try parseLayoutOrThrow(bytes)
        } catch let error as BundleLoadError {
            throw error
        } catch {
            throw .malformedHeader(String(describing: error))
        }
    }

    private static func parseLayoutOrThrow(_ bytes: [UInt8]) throws -> BundleLayout {
        var reader = ByteReader(bytes)
        guard bytes.count >= 4, Array(try reader.readBytes(4)) == magic else {
            throw BundleLoadError.malformedHeader(bytes.isEmpty ? "empty input" : "not a flagc bundle (bad magic)")
        }
        let formatVersion = try reader.readUInt16()
        guard formatVersion >= 1 else { throw DecodingError("format version 0 does not exist") }
        // Versions 1 (before the compressed payload and the pre-hashed signature) and 2 (before the
        // payload declared its table sizes) were never released; version 3 (before regex NFA programs)
        // is refused too: its automata lack the engine tag.
        guard formatVersion == currentFormatVersion else {
            throw BundleLoadError.unsupportedFormatVersion(formatVersion)
        }
        guard try reader.readUInt16() == 0 else { throw DecodingError("reserved field is not zero") }
        let keyringLength = Int(try reader.readUInt32())
        guard keyringLength <= Keyring.maximumBytes, keyringLength <= reader.remaining else {
            throw DecodingError("keyring length out of bounds")
        }
        let keyringStart = reader.offset
        var keyringReader = ByteReader(bytes, from: keyringStart, to: keyringStart + keyringLength)
        let (keyring, keyringBody) = try Keyring.decode(from: &keyringReader)
        guard keyringReader.isAtEnd else { throw DecodingError("keyring length does not match its content") }
        try reader.skip(keyringLength)

        let bundleVersion = try reader.readUInt64()
        let issuedAt = try reader.readInt64()
        let expiresAt = try reader.readInt64()
        let target = try readShortString(&reader)
        let environment = try readShortString(&reader)
        let flagCount = Int(try reader.readUInt32())
        let signingKeyID = KeyID(bytes: Array(try reader.readBytes(Sodium.keyIDBytes)))
        let recipientCount = Int(try reader.readUInt8())
        guard recipientCount >= 1, recipientCount <= maximumRecipients else {
            throw DecodingError("recipient count \(recipientCount) out of range")
        }
        var sealedKeys: [SealedKey] = []
        for _ in 0..<recipientCount {
            let id = KeyID(bytes: Array(try reader.readBytes(Sodium.keyIDBytes)))
            sealedKeys.append(SealedKey(recipientID: id, sealedKey: Array(try reader.readBytes(Sodium.sealedKeyBytes))))
        }
        let nonce = Array(try reader.readBytes(Sodium.nonceBytes))
        let ciphertextCount = Int(try reader.readUInt32())
        let associatedData = 0..<reader.offset
        guard ciphertextCount >= Sodium.tagBytes,
            reader.remaining == ciphertextCount + Sodium.signatureBytes
        else {
            throw DecodingError(
                reader.remaining < ciphertextCount + Sodium.signatureBytes
                    ? "truncated: ciphertext or signature missing" : "length fields do not add up to the input size"
            )
        }
        let ciphertext = reader.offset..<reader.offset + ciphertextCount
        let signature = ciphertext.upperBound..<bytes.count
        let header = BundleHeader(
            formatVersion: formatVersion,
            bundleVersion: bundleVersion,
            issuedAt: issuedAt,
            expiresAt: expiresAt,
            target: target,
            environment: environment,
            flagCount: flagCount,
            signingKeyID: signingKeyID,
            keyring: keyring,
            sealedKeys: sealedKeys,
            nonce: nonce
        )
        return BundleLayout(
            header: header,
            keyringBody: keyringBody,
            associatedData: associatedData,
            ciphertext: ciphertext,
            signedBytes: 0..<signature.lowerBound,
            signature: signature
        )
    }

    private static func readShortString(_ reader: inout ByteReader<[UInt8]>) throws(DecodingError) -> String {
        let length = Int(try reader.readUInt8())
        guard let string = String(validating: try reader.readBytes(length), as: UTF8.self) else {
            throw DecodingError("invalid UTF-8 in header")
        }
        return string
    }
}
