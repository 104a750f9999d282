internal import CSodium

/// Every libsodium call of flagc goes through here: one place that initialises the library once,
/// fixes the primitives, and maps C return codes to Swift errors (`check`). The runtime only
/// verifies, opens, decrypts and hashes; key generation, signing, sealing and encryption are
/// FlagCompiler's (`Sodium+Writing.swift`), through the same helpers.
///
/// Primitives: Ed25519 signatures, X25519 sealed boxes (`crypto_box_seal`) for content keys,
/// XChaCha20-Poly1305 (IETF) for the payload, BLAKE2b for key ids and derivations.
package enum Sodium {
    package static let publicKeyBytes = 32
    package static let signatureBytes = 64
    package static let seedBytes = 32
    package static let contentKeyBytes = 32
    package static let nonceBytes = 24
    package static let tagBytes = 16
    package static let sealedKeyBytes = 32 + 48
    package static let keyIDBytes = 8
    /// `crypto_box_NONCEBYTES` (a macro Swift does not import).
    package static let nonceBytesOfBox = 24

    /// The failing operation, never any key material.
    package struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        package let operation: String
        package init(operation: String) { self.operation = operation }
        package var description: String { "libsodium \(operation) failed" }
    }

    private static let initialised: Bool = sodium_init() >= 0

    /// Calls `sodium_init()` once per process.
    package static func ensureInitialised() throws(Failure) {
        guard initialised else { throw Failure(operation: "sodium_init") }
    }

    /// Calls `body` with a pointer to the bytes of `slice`; never nil, even for an empty slice
    /// (libsodium's pointer parameters are non-null).
    @inline(__always)
    package static func withBytes<Result>(
        _ slice: ArraySlice<UInt8>,
        _ body: (UnsafePointer<UInt8>, Int) -> Result
    ) -> Result {
        slice.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return body(base, buffer.count) }
            var empty: UInt8 = 0
            return withUnsafePointer(to: &empty) { body($0, 0) }
        }
    }

    /// The single mapping from a libsodium return code to a Swift error.
    @inline(__always)
    package static func check(_ code: Int32, _ operation: String) throws(Failure) {
        guard code == 0 else { throw Failure(operation: operation) }
    }

    // MARK: Verification and opening (used at load)

    /// Whether `signature` is a valid Ed25519 signature of `message` by `publicKey`.
    package static func verify(
        signature: ArraySlice<UInt8>,
        message: ArraySlice<UInt8>,
        publicKey: ArraySlice<UInt8>
    ) -> Bool {
        guard (try? ensureInitialised()) != nil,
            signature.count == signatureBytes, publicKey.count == publicKeyBytes
        else { return false }
        return withBytes(signature) { signature, _ in
            withBytes(message) { message, messageCount in
                withBytes(publicKey) { publicKey, _ in
                    crypto_sign_ed25519_verify_detached(signature, message, UInt64(messageCount), publicKey) == 0
                }
            }
        }
    }

    /// Opens a sealed box addressed to the X25519 key pair (`publicKey`, `secretKey`).
    package static func openSealed(
        _ sealed: ArraySlice<UInt8>,
        publicKey: [UInt8],
        secretKey: SecureBytes
    ) throws(Failure) -> SecureBytes {
        try ensureInitialised()
        guard sealed.count > 48, publicKey.count == publicKeyBytes else { throw Failure(operation: "seal open") }
        var code: Int32 = -1
        let opened = SecureBytes(count: sealed.count - 48) { output in
            code = withBytes(sealed) { sealed, sealedCount in
                secretKey.withBytePointer { secret in
                    crypto_box_seal_open(output, sealed, UInt64(sealedCount), publicKey, secret)
                }
            }
        }
        try check(code, "seal open")
        return opened
    }

    /// Authenticated decryption with XChaCha20-Poly1305; `additionalData` must be what was sealed with it.
    package static func decrypt(
        _ ciphertext: ArraySlice<UInt8>,
        additionalData: ArraySlice<UInt8>,
        nonce: ArraySlice<UInt8>,
        key: SecureBytes
    ) throws(Failure) -> [UInt8] {
        try ensureInitialised()
        guard ciphertext.count >= tagBytes, nonce.count == nonceBytes, key.count == contentKeyBytes else {
            throw Failure(operation: "decrypt")
        }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count - tagBytes)
        var plaintextLength: UInt64 = 0
        if plaintext.isEmpty { plaintext.reserveCapacity(1) }
        let code = plaintext.withUnsafeMutableBufferPointer { output in
            withBytes(ciphertext) { input, inputCount in
                withBytes(additionalData) { ad, adCount in
                    withBytes(nonce) { nonce, _ in
                        key.withBytePointer { key in
                            crypto_aead_xchacha20poly1305_ietf_decrypt(
                                output.baseAddress,
                                &plaintextLength,
                                nil,
                                input,
                                UInt64(inputCount),
                                ad,
                                UInt64(adCount),
                                nonce,
                                key
                            )
                        }
                    }
                }
            }
        }
        try check(code, "decrypt")
        return plaintext
    }

    /// The X25519 public key of a secret key.
    package static func x25519PublicKey(of secretKey: SecureBytes) throws(Failure) -> [UInt8] {
        try ensureInitialised()
        var publicKey = [UInt8](repeating: 0, count: publicKeyBytes)
        let code = secretKey.withBytePointer { secret in crypto_scalarmult_curve25519_base(&publicKey, secret) }
        try check(code, "scalarmult")
        return publicKey
    }

    /// For the calls that cannot fail on arguments their caller has checked (BLAKE2b with an output
    /// and key of 16...64 bytes, base64 into a buffer of the encoded length): a failure is a bug, so
    /// it stops the process with the mapped error rather than returning unchecked bytes.
    @inline(__always)
    package static func checkInfallible(_ code: Int32, _ operation: String) {
        do { try check(code, operation) } catch { preconditionFailure(error.description) }
    }

    /// Calls `sodium_init()` for the non-throwing helpers (see `checkInfallible`).
    private static func ensureInitialisedInfallibly() {
        do { try ensureInitialised() } catch { preconditionFailure(error.description) }
    }

    /// BLAKE2b of `input`, `outputCount` bytes (16...64), optionally keyed (a key of 16...64 bytes).
    package static func hash(_ input: some Collection<UInt8>, outputCount: Int, key: SecureBytes? = nil) -> [UInt8] {
        precondition((16...64).contains(outputCount) && (key.map { (16...64).contains($0.count) } ?? true))
        ensureInitialisedInfallibly()
        let input = Array(input)
        var output = [UInt8](repeating: 0, count: outputCount)
        let code = withBytes(input[...]) { input, inputCount in
            if let key {
                key.withBytePointer { keyBytes in
                    crypto_generichash_blake2b(&output, outputCount, input, UInt64(inputCount), keyBytes, key.count)
                }
            } else {
                crypto_generichash_blake2b(&output, outputCount, input, UInt64(inputCount), nil, 0)
            }
        }
        checkInfallible(code, "hash")
        return output
    }

    /// Unkeyed BLAKE2b of `input` read in place (no copy), `outputCount` bytes (16...64).
    package static func hash(contiguous input: ArraySlice<UInt8>, outputCount: Int) -> [UInt8] {
        precondition((16...64).contains(outputCount))
        ensureInitialisedInfallibly()
        var output = [UInt8](repeating: 0, count: outputCount)
        let code = withBytes(input) { input, inputCount in
            crypto_generichash_blake2b(&output, outputCount, input, UInt64(inputCount), nil, 0)
        }
        checkInfallible(code, "hash")
        return output
    }

    /// The 8-byte id of a public key: the first bytes of its BLAKE2b-256 hash.
    package static func keyID(of publicKey: some Collection<UInt8>) -> [UInt8] {
        Array(hash(publicKey, outputCount: 32).prefix(keyIDBytes))
    }

    /// Base64 (URL-safe alphabet, no padding) of `bytes`.
    package static func base64(_ bytes: some Collection<UInt8>) -> String {
        ensureInitialisedInfallibly()
        let input = Array(bytes)
        let variant = Int32(sodium_base64_VARIANT_URLSAFE_NO_PADDING)
        let length = sodium_base64_encoded_len(input.count, variant)
        var output = [CChar](repeating: 0, count: length)
        let written = sodium_bin2base64(&output, length, input, input.count, variant)
        checkInfallible(written == nil ? -1 : 0, "base64")
        return output.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Decodes URL-safe base64 without padding into secure storage; nil on any invalid character.
    package static func decodeBase64(_ text: Substring, maximumBytes: Int) -> SecureBytes? {
        guard (try? ensureInitialised()) != nil else { return nil }
        var decodedLength = 0
        var code: Int32 = -1
        var textBytes = Array(text.utf8)
        defer { textBytes.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) } }
        let buffer = SecureBytes(count: maximumBytes) { output in
            code = textBytes.withUnsafeBufferPointer { input in
                input.withMemoryRebound(to: CChar.self) { input in
                    sodium_base642bin(
                        output,
                        maximumBytes,
                        input.baseAddress,
                        input.count,
                        nil,
                        &decodedLength,
                        nil,
                        Int32(sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                    )
                }
            }
        }
        guard code == 0 else { return nil }
        return buffer.withUnsafeBytes { SecureBytes(copying: $0.prefix(decodedLength)) }
    }

    /// Lower-case hexadecimal.
    package static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Parses lower- or upper-case hexadecimal of exactly `count` bytes.
    package static func bytes(fromHex text: some StringProtocol, count: Int) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == count * 2 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            output.append(high << 4 | low)
            index += 2
        }
        return output
    }
}
