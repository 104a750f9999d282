import FlagRuntime

/// Seals a bundle (the pipeline's seal stage): compresses the encoded payload, encrypts it under a
/// content key, seals that key to every recipient, and signs the whole. Deterministic: the content key, nonce and ephemeral sealing keys
/// are derived from the content under a key derived from the signing key, so the same inputs give
/// the same bytes, and different content never shares a key and nonce.
package struct BundleWriter {
    package struct Input {
        /// The payload, encoded once by the encode stage.
        package var payload: EncodedPayload
        package var target: String
        package var environment: String
        package var bundleVersion: UInt64
        package var issuedAt: Int64
        package var expiresAt: Int64
        package var keyring: Keyring
        package var signingKey: Keyring.SigningKey
        package var signingSeed: SecureBytes
        package var recipients: [[UInt8]]

        package init(
            payload: EncodedPayload,
            target: String,
            environment: String,
            bundleVersion: UInt64,
            issuedAt: Int64,
            expiresAt: Int64,
            keyring: Keyring,
            signingKey: Keyring.SigningKey,
            signingSeed: SecureBytes,
            recipients: [[UInt8]]
        ) {
            self.payload = payload
            self.target = target
            self.environment = environment
            self.bundleVersion = bundleVersion
            self.issuedAt = issuedAt
            self.expiresAt = expiresAt
            self.keyring = keyring
            self.signingKey = signingKey
            self.signingSeed = signingSeed
            self.recipients = recipients
        }

        /// Encodes `content` here: for tests and tools that skip the encode stage's check.
        package init(
            content: BundleContent,
            target: String,
            environment: String,
            bundleVersion: UInt64,
            issuedAt: Int64,
            expiresAt: Int64,
            keyring: Keyring,
            signingKey: Keyring.SigningKey,
            signingSeed: SecureBytes,
            recipients: [[UInt8]]
        ) {
            self.init(
                payload: EncodedPayload(bytes: PayloadCodec.encode(content), flagCount: content.flags.count),
                target: target,
                environment: environment,
                bundleVersion: bundleVersion,
                issuedAt: issuedAt,
                expiresAt: expiresAt,
                keyring: keyring,
                signingKey: signingKey,
                signingSeed: signingSeed,
                recipients: recipients
            )
        }
    }

    package static func write(_ input: Input) throws(Sodium.Failure) -> [UInt8] {
        let payload = PayloadCodec.compress(input.payload.bytes)
        let recipients = input.recipients.sorted { KeyID(of: $0) < KeyID(of: $1) }
        // A key only for derivations, so the signing seed itself never keys anything but Ed25519.
        let derivationKey = SecureBytes(
            copying: Sodium.hash(
                Array("flagc/v1/derive".utf8),
                outputCount: 32,
                key: input.signingSeed
            )
        )
        // Everything the header binds (target, environment, versions, times, keyring, recipients)
        // and the payload: any change to any of them gives another content key and nonce.
        func header(nonce: [UInt8], sealedKeys: [BundleHeader.SealedKey]) -> BundleHeader {
            BundleHeader(
                bundleVersion: input.bundleVersion,
                issuedAt: input.issuedAt,
                expiresAt: input.expiresAt,
                target: input.target,
                environment: input.environment,
                flagCount: input.payload.flagCount,
                signingKeyID: input.signingKey.id,
                keyring: input.keyring,
                sealedKeys: sealedKeys,
                nonce: nonce
            )
        }
        let placeholders = recipients.map {
            BundleHeader.SealedKey(recipientID: KeyID(of: $0), sealedKey: $0 + [UInt8](repeating: 0, count: 48))
        }
        let context = Sodium.hash(
            header(nonce: [UInt8](repeating: 0, count: Sodium.nonceBytes), sealedKeys: placeholders)
                .encodedPrefix(ciphertextCount: payload.count + Sodium.tagBytes)
                + Sodium.hash(payload, outputCount: 32),
            outputCount: 32
        )
        let contentKey = SecureBytes(
            copying: Sodium.hash(
                Array("content-key".utf8) + context,
                outputCount: 32,
                key: derivationKey
            )
        )
        let nonce = Sodium.hash(Array("nonce".utf8) + context, outputCount: Sodium.nonceBytes, key: derivationKey)

        var sealedKeys: [BundleHeader.SealedKey] = []
        for recipient in recipients {
            let seed = SecureBytes(
                copying: contentKey.withUnsafeBytes { key in
                    Sodium.hash(Array("seal".utf8) + Array(key) + recipient, outputCount: 32, key: derivationKey)
                }
            )
            let sealed = try Sodium.sealDeterministically(contentKey, to: recipient, seed: seed)
            sealedKeys.append(BundleHeader.SealedKey(recipientID: KeyID(of: recipient), sealedKey: sealed))
        }
        let header = header(nonce: nonce, sealedKeys: sealedKeys)
        var bytes = header.encodedPrefix(ciphertextCount: payload.count + Sodium.tagBytes)
        bytes += try Sodium.encrypt(payload, additionalData: bytes, nonce: nonce, key: contentKey)
        bytes += try Sodium.sign(BundleLoader.signedMessage(bytes[...]), seed: input.signingSeed)
        return bytes
    }
}
