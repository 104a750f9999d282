internal import CSodium
import FlagRuntime

/// The writing side of `Sodium`: key generation, signing, sealing and encryption, for the compiler
/// only (the runtime verifies, opens and decrypts). Return codes go through `Sodium.check`, the one
/// mapping to `Sodium.Failure`.
extension Sodium {
    /// A new Ed25519 key pair from fresh randomness: (seed, public key).
    package static func makeSigningKeyPair() throws(Failure) -> (seed: SecureBytes, publicKey: [UInt8]) {
        try ensureInitialised()
        let seed = SecureBytes(count: seedBytes) { seed in randombytes_buf(seed, seedBytes) }
        return (seed, try signingPublicKey(seed: seed))
    }

    /// The Ed25519 public key for a 32-byte seed.
    package static func signingPublicKey(seed: SecureBytes) throws(Failure) -> [UInt8] {
        try ensureInitialised()
        guard seed.count == seedBytes else { throw Failure(operation: "seed keypair") }
        var publicKey = [UInt8](repeating: 0, count: publicKeyBytes)
        var code: Int32 = -1
        _ = SecureBytes(count: 64) { secret in
            code = seed.withBytePointer { seed in crypto_sign_ed25519_seed_keypair(&publicKey, secret, seed) }
        }
        try check(code, "seed keypair")
        return publicKey
    }

    /// A detached Ed25519 signature of `message` (deterministic, as Ed25519 is).
    package static func sign(_ message: [UInt8], seed: SecureBytes) throws(Failure) -> [UInt8] {
        try ensureInitialised()
        guard seed.count == seedBytes else { throw Failure(operation: "sign") }
        var publicKey = [UInt8](repeating: 0, count: publicKeyBytes)
        var signature = [UInt8](repeating: 0, count: signatureBytes)
        var code: Int32 = -1
        _ = SecureBytes(count: 64) { secretKey in
            code = seed.withBytePointer { seed in crypto_sign_ed25519_seed_keypair(&publicKey, secretKey, seed) }
            guard code == 0 else { return }
            code = crypto_sign_ed25519_detached(&signature, nil, message, UInt64(message.count), secretKey)
        }
        try check(code, "sign")
        return signature
    }

    /// A new X25519 key pair from fresh randomness: (secret key, public key).
    package static func makeRecipientKeyPair() throws(Failure) -> (secretKey: SecureBytes, publicKey: [UInt8]) {
        try ensureInitialised()
        var publicKey = [UInt8](repeating: 0, count: publicKeyBytes)
        var code: Int32 = -1
        let secretKey = SecureBytes(count: 32) { secret in code = crypto_box_keypair(&publicKey, secret) }
        try check(code, "box keypair")
        return (secretKey, publicKey)
    }

    /// A sealed box of `message` to `recipientPublicKey` whose ephemeral key pair comes from `seed`
    /// instead of fresh randomness, so builds are reproducible. The output is exactly what
    /// `crypto_box_seal` produces (ephemeral public key, then `crypto_box_easy` under the nonce
    /// BLAKE2b(ephemeral pk ‖ recipient pk)), so `crypto_box_seal_open` opens it. `seed` must be
    /// unique per (message, recipient): the compiler derives it from both under a secret key.
    package static func sealDeterministically(
        _ message: SecureBytes,
        to recipientPublicKey: [UInt8],
        seed: SecureBytes
    ) throws(Failure) -> [UInt8] {
        try ensureInitialised()
        guard recipientPublicKey.count == publicKeyBytes, seed.count == 32 else { throw Failure(operation: "seal") }
        var ephemeralPublic = [UInt8](repeating: 0, count: publicKeyBytes)
        var boxed = [UInt8](repeating: 0, count: message.count + 16)
        var code: Int32 = -1
        _ = SecureBytes(count: 32) { secret in
            code = seed.withBytePointer { seed in crypto_box_seed_keypair(&ephemeralPublic, secret, seed) }
            guard code == 0 else { return }
            let nonce = hash(ephemeralPublic + recipientPublicKey, outputCount: nonceBytesOfBox)
            code = message.withBytePointer { bytes in
                crypto_box_easy(&boxed, bytes, UInt64(message.count), nonce, recipientPublicKey, secret)
            }
        }
        try check(code, "seal")
        return ephemeralPublic + boxed
    }

    /// Authenticated encryption with XChaCha20-Poly1305.
    package static func encrypt(
        _ plaintext: [UInt8],
        additionalData: [UInt8],
        nonce: [UInt8],
        key: SecureBytes
    ) throws(Failure) -> [UInt8] {
        try ensureInitialised()
        guard nonce.count == nonceBytes, key.count == contentKeyBytes else { throw Failure(operation: "encrypt") }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var length: UInt64 = 0
        let code = key.withBytePointer { key in
            crypto_aead_xchacha20poly1305_ietf_encrypt(
                &ciphertext,
                &length,
                plaintext,
                UInt64(plaintext.count),
                additionalData,
                UInt64(additionalData.count),
                nil,
                nonce,
                key
            )
        }
        try check(code, "encrypt")
        return ciphertext
    }
}
