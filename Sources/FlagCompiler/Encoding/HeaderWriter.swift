import FlagRuntime

// The writers of the bundle's header and of the keyring: the mirror of the runtime's bounded
// parsers (`BundleHeader.parseLayout`, `Keyring.decode`), see docs/bundle-format.md.

extension BundleHeader {
    /// Writes the header and ciphertext-length prefix; the caller appends ciphertext and signature.
    package func encodedPrefix(ciphertextCount: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: BundleHeader.magic)
        writer.write(formatVersion)
        writer.write(UInt16(0))
        let keyringBytes = keyring.encoded
        writer.write(UInt32(keyringBytes.count))
        writer.write(bytes: keyringBytes)
        writer.write(bundleVersion)
        writer.write(issuedAt)
        writer.write(expiresAt)
        writer.write(UInt8(target.utf8.count))
        writer.write(bytes: target.utf8)
        writer.write(UInt8(environment.utf8.count))
        writer.write(bytes: environment.utf8)
        writer.write(UInt32(flagCount))
        writer.write(bytes: signingKeyID.bytes)
        writer.write(UInt8(sealedKeys.count))
        for sealed in sealedKeys {
            writer.write(bytes: sealed.recipientID.bytes)
            writer.write(bytes: sealed.sealedKey)
        }
        writer.write(bytes: nonce)
        writer.write(UInt32(ciphertextCount))
        return writer.bytes
    }
}

extension Keyring {
    /// The bytes a root signs: everything but the signatures.
    package var body: [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: Keyring.magic)
        writer.write(Keyring.formatVersion)
        writer.write(version)
        writer.write(issuedAt)
        writer.write(expiresAt)
        writer.write(UInt8(signingKeys.count))
        for key in signingKeys {
            writer.write(bytes: key.id.bytes)
            writer.write(bytes: key.publicKey)
            writer.write(key.notBefore)
            writer.write(key.notAfter)
        }
        writer.write(UInt16(revokedKeyIDs.count))
        for id in revokedKeyIDs { writer.write(bytes: id.bytes) }
        return writer.bytes
    }

    /// The body followed by the signatures: the form stored in `keys/keyring` and in bundles.
    package var encoded: [UInt8] {
        var writer = ByteWriter()
        writer.write(bytes: body)
        writer.write(UInt8(signatures.count))
        for signature in signatures {
            writer.write(bytes: signature.rootID.bytes)
            writer.write(bytes: signature.bytes)
        }
        return writer.bytes
    }

    /// Whether a signature by one of `roots` verifies over this keyring's body.
    public func isSigned(byAnyOf roots: [RootPublicKey]) -> Bool {
        Keyring.isSigned(body: body[...], signatures: signatures, byAnyOf: roots)
    }
}
