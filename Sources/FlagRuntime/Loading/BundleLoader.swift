/// The loader's checks, one function per stage, run in the order docs/trust.md fixes and failing
/// closed with the error that names the check. No byte of the bundle is trusted before its signature
/// verifies; the payload is decrypted only after every header check passed.
package enum BundleLoader {
    /// The checks before decryption: bounded header parse, keyring signature by a pinned root, keyring expiry and
    /// version floor, signing key listed / not revoked / valid at issue time, bundle signature,
    /// bundle expiry / target / environment / version floor.
    package static func verify(_ bytes: [UInt8], options: LoadOptions) throws(BundleLoadError) -> BundleLayout {
        guard bytes.count <= options.maximumBundleBytes else {
            throw .tooLarge(byteCount: bytes.count, limit: options.maximumBundleBytes)
        }
        let layout = try BundleHeader.parseLayout(bytes)
        let now = options.verificationTime
        let signingKey = try checkKeyring(layout, bytes: bytes, options: options, now: now)
        try checkSignature(layout, bytes: bytes, signingKey: signingKey)
        try checkValidity(layout.header, options: options, now: now)
        return layout
    }

    /// Keyring signature, expiry and version; then the signing key. Returns the signing key.
    package static func checkKeyring(
        _ layout: BundleLayout,
        bytes: [UInt8],
        options: LoadOptions,
        now: Int64
    ) throws(BundleLoadError) -> Keyring.SigningKey {
        let header = layout.header
        let keyring = header.keyring
        guard
            Keyring.isSigned(
                body: bytes[layout.keyringBody],
                signatures: keyring.signatures,
                byAnyOf: options.trustedRoots
            )
        else { throw .keyringSignatureInvalid }
        guard now <= keyring.expiresAt.addingClamped(options.leeway) else {
            throw .keyringExpired(expiresAt: keyring.expiresAt)
        }
        guard keyring.version >= options.minimumKeyringVersion else {
            throw .keyringVersionTooOld(version: keyring.version, minimum: options.minimumKeyringVersion)
        }
        guard let signingKey = keyring.signingKey(header.signingKeyID) else {
            throw .signingKeyUnknown(header.signingKeyID)
        }
        guard !keyring.isRevoked(signingKey.id) else { throw .signingKeyRevoked(signingKey.id) }
        guard signingKey.isValid(at: header.issuedAt) else { throw .signingKeyNotValidAtIssueTime(signingKey.id) }
        return signingKey
    }

    /// The Ed25519 signature over everything before it (over `signedMessage` of those bytes).
    package static func checkSignature(
        _ layout: BundleLayout,
        bytes: [UInt8],
        signingKey: Keyring.SigningKey
    ) throws(BundleLoadError) {
        guard
            Sodium.verify(
                signature: bytes[layout.signature],
                message: signedMessage(bytes[layout.signedBytes])[...],
                publicKey: signingKey.publicKey[...]
            )
        else { throw .bundleSignatureInvalid }
    }

    /// What a bundle's Ed25519 signature signs: a domain tag, then the BLAKE2b-512 hash of every
    /// byte before the signature. Hashing with BLAKE2b (~1 µs/KB here) instead of letting Ed25519
    /// hash the whole bundle with SHA-512 (~1.8 µs/KB) halves the signature check's cost per byte;
    /// the tag keeps these signatures from ever verifying as signatures of anything else.
    package static func signedMessage(_ signedBytes: ArraySlice<UInt8>) -> [UInt8] {
        signatureDomain + Sodium.hash(contiguous: signedBytes, outputCount: 64)
    }

    private static let signatureDomain = Array("flagc bundle signature, BLAKE2b-512\u{0}".utf8)

    /// Expiry, issue time, target, environment and version floor.
    package static func checkValidity(
        _ header: BundleHeader,
        options: LoadOptions,
        now: Int64
    ) throws(BundleLoadError) {
        guard now <= header.expiresAt.addingClamped(options.leeway) else {
            throw .bundleExpired(expiresAt: header.expiresAt)
        }
        guard header.issuedAt <= now.addingClamped(options.leeway) else {
            throw .bundleNotYetValid(issuedAt: header.issuedAt)
        }
        let lifetime = header.expiresAt.subtractingReportingOverflow(header.issuedAt)
        guard !lifetime.overflow, lifetime.partialValue >= 0, lifetime.partialValue <= options.maximumBundleLifetime
        else {
            throw .bundleLifetimeTooLong(issuedAt: header.issuedAt, expiresAt: header.expiresAt)
        }
        if let expected = options.expectedTarget, expected != header.target {
            throw .targetMismatch(expected: expected, found: header.target)
        }
        if let expected = options.expectedEnvironment, expected != header.environment {
            throw .environmentMismatch(expected: expected, found: header.environment)
        }
        guard header.bundleVersion >= options.minimumBundleVersion else {
            throw .bundleVersionTooOld(version: header.bundleVersion, minimum: options.minimumBundleVersion)
        }
    }

    /// Decryption, first step: opens the content key sealed to `recipient`.
    package static func unwrapContentKey(
        _ header: BundleHeader,
        recipient: RecipientKey?
    ) throws(BundleLoadError) -> SecureBytes {
        guard let recipient else { throw .notARecipient }
        let id = recipient.id
        guard let sealed = header.sealedKeys.first(where: { $0.recipientID == id }) else { throw .notARecipient }
        guard
            let key = try? Sodium.openSealed(
                sealed.sealedKey[...],
                publicKey: recipient.publicKey,
                secretKey: recipient.secret
            ),
            key.count == Sodium.contentKeyBytes
        else { throw .decryptionFailed }
        return key
    }

    /// Decryption, second step: authenticated decryption, the header as associated data.
    package static func decrypt(
        _ layout: BundleLayout,
        bytes: [UInt8],
        contentKey: SecureBytes
    ) throws(BundleLoadError) -> [UInt8] {
        do {
            return try Sodium.decrypt(
                bytes[layout.ciphertext],
                additionalData: bytes[layout.associatedData],
                nonce: layout.header.nonce[...],
                key: contentKey
            )
        } catch {
            throw .decryptionFailed
        }
    }

    /// The bounded payload parse: decompression (bounded too), then the tables. The plaintext is
    /// consumed: it is freed once decompressed, so the tables reuse its memory (a cold start's
    /// fresh pages are page faults).
    package static func decodePayload(_ plaintext: consuming [UInt8]) throws(BundleLoadError) -> FlagTables {
        let encoded: [UInt8]
        do {
            encoded = try PayloadCodec.decompress(plaintext)
        } catch {
            throw .malformedPayload(error.reason)
        }
        _ = consume plaintext
        return try decodeTables(encoded)
    }

    /// The bounded parse of the decompressed payload.
    package static func decodeTables(_ encoded: [UInt8]) throws(BundleLoadError) -> FlagTables {
        do {
            return try FlagTables(decoding: encoded)
        } catch {
            throw .malformedPayload(error.reason)
        }
    }
}

extension Int64 {
    /// Addition that saturates instead of trapping, for adding leeways to hostile timestamps.
    package func addingClamped(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow { return other > 0 ? .max : .min }
        return sum
    }
}
