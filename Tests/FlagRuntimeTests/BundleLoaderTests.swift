import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Proves that the bundle loader fails closed: for every check in docs/trust.md, a bundle that fails
// exactly that check (every earlier check passes) is refused with the typed error naming it, and the
// boundary just on the accepting side loads.

// MARK: - Shared fixture (also used by BundleTamperTests)

/// A small, realistic project and the helpers that build bundles failing one check at a time.
enum LoaderFixture {
    /// A few flags of every kind that matters for "in clear" searches: segments with targeting keys,
    /// string variants, named rules, attribute names and operands.
    static let yaml = """
        segments:
          staff-members:
            description: Employees and contractors
            include: [user-alice-0001, user-bob-0002]
            exclude: [user-carol-0013]
            when: { email: { endsWith: "@example.com" } }

        flags:
          new-checkout-flow:
            description: Redesigned checkout
            owner: team-payments
            default: off
            rules:
              - name: staff first
                when: { segment: staff-members }
                serve: on
              - name: eu canary
                when:
                  country: [DE, FR, NL]
                  appVersion: { semverGte: 2.4.0 }
                serve:
                  split: { on: 5, off: 95 }
                  by: userId

          checkout-button-color:
            description: Button colour experiment on the new checkout
            owner: team-growth
            type: string
            variants: { control: grey, green: "#2e7d32", orange: "#ef6c00" }
            default: control
            rules:
              - name: button experiment
                serve: { split: { control: 34, green: 33, orange: 33 } }
            requires:
              - { flag: new-checkout-flow, variant: on }

          search-results-per-page:
            description: How many results a search page shows
            owner: team-search
            type: integer
            variants: { small: 10, medium: 25, large: 50 }
            default: medium
        """

    static let flagKeys: Set<String> = ["new-checkout-flow", "checkout-button-color", "search-results-per-page"]

    /// The compiled content of `yaml`, compiled once per process.
    static let content: BundleContent = {
        do {
            return try TestProject.content(yaml)
        } catch {
            fatalError("the loader test fixture does not compile: \(error)")
        }
    }()

    /// The payload bytes of `content`.
    static var payload: [UInt8] { PayloadCodec.encode(content) }

    /// `bytes` with its bundle signature replaced by a fresh one by `seed`: what a holder of a valid
    /// signing key can do after changing any byte.
    static func resigned(_ bytes: [UInt8], seed: SecureBytes) -> [UInt8] {
        let body = Array(bytes.dropLast(Sodium.signatureBytes))
        return body + (try! Sodium.sign(BundleLoader.signedMessage(body[...]), seed: seed))
    }

    /// A bundle with an arbitrary payload, encrypted to `keys`' recipient and signed by `keys`' signing
    /// key under `keys`' keyring: everything valid except what the payload and `flagCount` say.
    static func forged(payload: [UInt8], flagCount: Int, keys: TestKeys) -> [UInt8] {
        forged(plaintext: PayloadCodec.compress(payload), flagCount: flagCount, keys: keys)
    }

    /// `forged(payload:…)` with `plaintext` encrypted as is (not compressed first).
    static func forged(plaintext payload: [UInt8], flagCount: Int, keys: TestKeys) -> [UInt8] {
        let label = Array("flagc-tests/forge".utf8) + payload
        let contentKey = SecureBytes(copying: Sodium.hash(label + [1], outputCount: Sodium.contentKeyBytes))
        let nonce = Sodium.hash(label + [2], outputCount: Sodium.nonceBytes)
        let sealSeed = SecureBytes(copying: Sodium.hash(label + [3], outputCount: 32))
        let sealed = try! Sodium.sealDeterministically(contentKey, to: keys.recipientPublicKey, seed: sealSeed)
        let header = BundleHeader(
            bundleVersion: UInt64(TestClock.start),
            issuedAt: TestClock.start,
            expiresAt: TestClock.start + 86_400,
            target: "test",
            environment: "test",
            flagCount: flagCount,
            signingKeyID: keys.signingKeyID,
            keyring: keys.keyring(),
            sealedKeys: [.init(recipientID: KeyID(of: keys.recipientPublicKey), sealedKey: sealed)],
            nonce: nonce
        )
        var bytes = header.encodedPrefix(ciphertextCount: payload.count + Sodium.tagBytes)
        bytes += try! Sodium.encrypt(payload, additionalData: bytes, nonce: nonce, key: contentKey)
        bytes += try! Sodium.sign(BundleLoader.signedMessage(bytes[...]), seed: keys.signingSeed)
        return bytes
    }

    /// A bundle signed with `signingSeed` although its header names `keys`' signing key, which `keyring`
    /// lists (bypasses `TestKeys.bundle`, which always signs with the matching seed).
    static func signedByAnotherKey(_ keys: TestKeys, seed: SecureBytes, keyring: Keyring) -> [UInt8] {
        try! BundleWriter.write(
            BundleWriter.Input(
                content: content,
                target: "test",
                environment: "test",
                bundleVersion: UInt64(TestClock.start),
                issuedAt: TestClock.start,
                expiresAt: TestClock.start + 30 * 86_400,
                keyring: keyring,
                signingKey: keyring.signingKey(keys.signingKeyID)!,
                signingSeed: seed,
                recipients: [keys.recipientPublicKey]
            )
        )
    }

    /// The load error of `bytes`, or nil when it loads.
    static func loadError(_ bytes: [UInt8], _ options: LoadOptions) -> BundleLoadError? {
        do {
            _ = try FlagBundle.load(bytes: bytes, options: options)
            return nil
        } catch {
            return error
        }
    }

    /// The `verifyHeader` error of `bytes`, or nil when it verifies.
    static func verifyError(_ bytes: [UInt8], _ options: LoadOptions) -> BundleLoadError? {
        do {
            _ = try FlagBundle.verifyHeader(bytes: bytes, options: options)
            return nil
        } catch {
            return error
        }
    }

    /// The secret key texts of `keys`, which no error or description may contain.
    static func secretTexts(of keys: TestKeys) -> [String] {
        [
            KeyText.encode(.rootSecret, keys.rootSeed.withUnsafeBytes { Array($0) }),
            KeyText.encode(.signingSecret, keys.signingSeed.withUnsafeBytes { Array($0) }),
            KeyText.encode(.recipientSecret, keys.recipientSecret.withUnsafeBytes { Array($0) }),
        ].map { String($0.split(separator: ":")[1]) }
    }
}

/// Where the fields of a bundle lie, computed from the length fields with the formulas of
/// docs/bundle-format.md (not from `BundleHeader.parseLayout`, which a test compares it with).
struct BundleOffsets {
    let count: Int
    /// K, T, E, R.
    let keyringLength: Int
    let targetLength: Int
    let environmentLength: Int
    let recipientCount: Int
    /// N and V inside the keyring.
    let signingKeyCount: Int
    let revokedCount: Int

    init(_ bytes: [UInt8]) {
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        count = bytes.count
        keyringLength = u32(8)
        targetLength = Int(bytes[36 + keyringLength])
        environmentLength = Int(bytes[37 + keyringLength + targetLength])
        recipientCount = Int(bytes[50 + keyringLength + targetLength + environmentLength])
        signingKeyCount = Int(bytes[12 + 26])
        let revokedAt = 12 + 27 + 56 * signingKeyCount
        revokedCount = Int(bytes[revokedAt]) | Int(bytes[revokedAt + 1]) << 8
    }

    static let keyringLengthField = 8
    static let keyring = 12
    var keyringSigningKeyCount: Int { 12 + 26 }
    var keyringRevokedCount: Int { 12 + 27 + 56 * signingKeyCount }
    var keyringSignatureCount: Int { 12 + 29 + 56 * signingKeyCount + 8 * revokedCount }
    var keyringBodyEnd: Int { keyringSignatureCount }
    private var kte: Int { keyringLength + targetLength + environmentLength }
    var bundleVersion: Int { 12 + keyringLength }
    var issuedAt: Int { 20 + keyringLength }
    var expiresAt: Int { 28 + keyringLength }
    var targetLengthField: Int { 36 + keyringLength }
    var environmentLengthField: Int { 37 + keyringLength + targetLength }
    var flagCount: Int { 38 + kte }
    var signingKeyID: Int { 42 + kte }
    var recipientCountField: Int { 50 + kte }
    func sealedEntry(_ index: Int) -> Int { 51 + kte + 88 * index }
    var nonce: Int { 51 + kte + 88 * recipientCount }
    var ciphertextLengthField: Int { 75 + kte + 88 * recipientCount }
    var ciphertext: Int { 79 + kte + 88 * recipientCount }
    var signature: Int { count - 64 }
}

/// `bytes` with `width` little-endian bytes of `value` written at `offset`.
func patched(_ bytes: [UInt8], at offset: Int, littleEndian value: UInt64, width: Int) -> [UInt8] {
    var copy = bytes
    for index in 0..<width { copy[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    return copy
}

/// `bytes` with one byte XORed with `mask`.
func flipped(_ bytes: [UInt8], at offset: Int, mask: UInt8 = 0x01) -> [UInt8] {
    var copy = bytes
    copy[offset] ^= mask
    return copy
}

// MARK: - Loader checks

@Suite("Bundle loader")
struct BundleLoaderTests {
    typealias Build = @Sendable (TestKeys) -> (bytes: [UInt8], options: LoadOptions)

    /// A bundle (and options) failing exactly one check, and the error the loader must give.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let behaviour: String
        let check: String
        let build: Build
        /// The exact error; nil when only `check` is pinned.
        let expected: @Sendable (TestKeys) -> BundleLoadError?
        var testDescription: String { "\(check): \(behaviour)" }

        /// A refusal with exactly `expected`.
        init(_ behaviour: String, expecting expected: BundleLoadError, build: @escaping Build) {
            self.behaviour = behaviour
            self.check = expected.check
            self.build = build
            self.expected = { _ in expected }
        }

        /// A refusal whose error names the fixture's keys.
        init(
            _ behaviour: String,
            check: String,
            expecting expected: @escaping @Sendable (TestKeys) -> BundleLoadError,
            build: @escaping Build
        ) {
            self.behaviour = behaviour
            self.check = check
            self.build = build
            self.expected = expected
        }

        /// A refusal pinned by its check only (the detail is the payload decoder's own words).
        init(_ behaviour: String, check: String, build: @escaping Build) {
            self.behaviour = behaviour
            self.check = check
            self.build = build
            self.expected = { _ in nil }
        }
    }

    static let start = TestClock.start
    static let maximumLifetime = LoadOptions.defaultMaximumBundleLifetime
    static var content: BundleContent { LoaderFixture.content }

    /// The checks `verifyHeader` runs (everything before decryption).
    static let headerChecks: Set<String> = [
        "size", "header", "keyring-signature", "keyring-expiry", "keyring-version", "signing-key",
        "bundle-signature", "bundle-expiry", "target", "bundle-version",
    ]

    static let refusals: [Refusal] = [
        // size
        Refusal("a bundle one byte above maximumBundleBytes is refused before parsing", check: "size") { keys in
            let bytes = keys.bundle(content)
            var options = keys.options()
            options.maximumBundleBytes = bytes.count - 1
            return (bytes, options)
        },

        // header
        Refusal("empty input", expecting: .malformedHeader("empty input")) { keys in
            ([], keys.options())
        },
        Refusal("bad magic", expecting: .malformedHeader("not a flagc bundle (bad magic)")) { keys in
            (patched(keys.bundle(content), at: 3, littleEndian: UInt64(UInt8(ascii: "X")), width: 1), keys.options())
        },
        Refusal("input shorter than the magic", expecting: .malformedHeader("not a flagc bundle (bad magic)")) { keys in
            (Array(keys.bundle(content).prefix(3)), keys.options())
        },
        Refusal(
            "truncated by one byte",
            expecting: .malformedHeader("truncated: ciphertext or signature missing")
        ) { keys in
            (Array(keys.bundle(content).dropLast()), keys.options())
        },
        Refusal("truncated inside the keyring", expecting: .malformedHeader("keyring length out of bounds")) { keys in
            (Array(keys.bundle(content).prefix(40)), keys.options())
        },
        Refusal(
            "one trailing byte",
            expecting: .malformedHeader("length fields do not add up to the input size")
        ) { keys in
            (keys.bundle(content) + [0], keys.options())
        },
        Refusal("newer format version", expecting: .unsupportedFormatVersion(6)) { keys in
            (patched(keys.bundle(content), at: 4, littleEndian: 6, width: 2), keys.options())
        },
        Refusal(
            "format version 4, without the hash: splits and rollout conditions",
            expecting: .unsupportedFormatVersion(4)
        ) {
            keys in
            (patched(keys.bundle(content), at: 4, littleEndian: 4, width: 2), keys.options())
        },
        Refusal("format version 1, unreleased and not read", expecting: .unsupportedFormatVersion(1)) { keys in
            (patched(keys.bundle(content), at: 4, littleEndian: 1, width: 2), keys.options())
        },
        Refusal("format version 2, unreleased and not read", expecting: .unsupportedFormatVersion(2)) { keys in
            (patched(keys.bundle(content), at: 4, littleEndian: 2, width: 2), keys.options())
        },
        Refusal(
            "format version 3, whose ramp steps, in-lists and JSON integers differ",
            expecting: .unsupportedFormatVersion(3)
        ) { keys in
            (patched(keys.bundle(content), at: 4, littleEndian: 3, width: 2), keys.options())
        },
        Refusal("format version 0xFFFF", expecting: .unsupportedFormatVersion(0xFFFF)) { keys in
            (patched(keys.bundle(content), at: 4, littleEndian: 0xFFFF, width: 2), keys.options())
        },
        Refusal(
            "format version 0, which never existed",
            expecting: .malformedHeader("format version 0 does not exist")
        ) { keys in
            (patched(keys.bundle(content), at: 4, littleEndian: 0, width: 2), keys.options())
        },
        Refusal(
            "a newer format version is named even when nothing after it parses",
            expecting: .unsupportedFormatVersion(6)
        ) { keys in
            (Array("FLGB".utf8) + [6, 0], keys.options())
        },
        Refusal("nonzero reserved field", expecting: .malformedHeader("reserved field is not zero")) { keys in
            (patched(keys.bundle(content), at: 6, littleEndian: 1, width: 2), keys.options())
        },

        // keyring-signature
        Refusal("the function pins another root", expecting: .keyringSignatureInvalid) { keys in
            var options = keys.options()
            options.trustedRoots = [TestKeys().root]
            return (keys.bundle(content), options)
        },
        Refusal("the function pins no root at all", expecting: .keyringSignatureInvalid) { keys in
            var options = keys.options()
            options.trustedRoots = []
            return (keys.bundle(content), options)
        },
        Refusal("the keyring carries no signature", expecting: .keyringSignatureInvalid) { keys in
            (keys.bundle(content, keyring: keys.keyring(signers: [])), keys.options())
        },
        Refusal("the keyring is signed only by an unknown root", expecting: .keyringSignatureInvalid) { keys in
            (keys.bundle(content, keyring: keys.keyring(signers: [TestKeys().rootSeed])), keys.options())
        },
        Refusal(
            "a keyring signature claims the pinned root's id but another root made it",
            expecting: .keyringSignatureInvalid
        ) { keys in
            var keyring = keys.keyring(signers: [TestKeys().rootSeed])
            keyring.signatures = [Keyring.Signature(rootID: keys.root.id, bytes: keyring.signatures[0].bytes)]
            return (keys.bundle(content, keyring: keyring), keys.options())
        },
        Refusal(
            "a signing key added to the keyring after the root signed it",
            expecting: .keyringSignatureInvalid
        ) { keys in
            let attacker = TestKeys()
            var keyring = keys.keyring()
            keyring.signingKeys.append(
                Keyring.SigningKey(publicKey: attacker.signingPublicKey, notBefore: 0, notAfter: .max)
            )
            return (
                attacker.bundle(content, keyring: keyring, extraRecipients: [keys.recipientPublicKey]), keys.options()
            )
        },
        Refusal("a revocation removed after the root signed the keyring", expecting: .keyringSignatureInvalid) { keys in
            var keyring = keys.keyring(revoked: [keys.signingKeyID])
            keyring.revokedKeyIDs = []
            return (keys.bundle(content, keyring: keyring), keys.options())
        },
        Refusal("a keyring version raised after the root signed it", expecting: .keyringSignatureInvalid) { keys in
            var keyring = keys.keyring(version: 1)
            keyring.version = 9
            var options = keys.options()
            options.minimumKeyringVersion = 9
            return (keys.bundle(content, keyring: keyring), options)
        },
        Refusal("a keyring expiry extended after the root signed it", expecting: .keyringSignatureInvalid) { keys in
            var keyring = keys.keyring(expiresAt: start - 86_400)
            keyring.expiresAt = start + 86_400
            return (keys.bundle(content, keyring: keyring), keys.options())
        },

        // keyring-expiry
        Refusal(
            "the keyring expired one second beyond the leeway",
            expecting: .keyringExpired(expiresAt: start - 301)
        ) { keys in
            (keys.bundle(content, keyring: keys.keyring(expiresAt: start - 301)), keys.options())
        },
        Refusal(
            "the keyring expired and the leeway is zero",
            expecting: .keyringExpired(expiresAt: start - 1)
        ) { keys in
            var options = keys.options()
            options.leeway = 0
            return (keys.bundle(content, keyring: keys.keyring(expiresAt: start - 1)), options)
        },
        Refusal("a keyring that expired at Int64.min", expecting: .keyringExpired(expiresAt: .min)) { keys in
            (keys.bundle(content, keyring: keys.keyring(expiresAt: .min)), keys.options())
        },

        // keyring-version
        Refusal(
            "the keyring version is below the caller's minimum",
            expecting: .keyringVersionTooOld(version: 3, minimum: 4)
        ) { keys in
            var options = keys.options()
            options.minimumKeyringVersion = 4
            return (keys.bundle(content, keyring: keys.keyring(version: 3)), options)
        },

        // signing-key
        Refusal(
            "the signing key is not in the keyring",
            check: "signing-key",
            expecting: { keys in .signingKeyUnknown(keys.signingKeyID) },
            build: { keys in
                let keyring = TestKeys().keyring(signers: [keys.rootSeed])
                return (keys.bundle(content, keyring: keyring), keys.options())
            }
        ),
        Refusal(
            "the signing key is revoked",
            check: "signing-key",
            expecting: { keys in .signingKeyRevoked(keys.signingKeyID) },
            build: { keys in
                (keys.bundle(content, keyring: keys.keyring(revoked: [keys.signingKeyID])), keys.options())
            }
        ),
        Refusal(
            "a revoked key stays revoked inside its validity window",
            check: "signing-key",
            expecting: { keys in .signingKeyRevoked(keys.signingKeyID) },
            build: { keys in
                let keyring = keys.keyring(
                    notBefore: 0,
                    notAfter: .max,
                    revoked: [TestKeys().signingKeyID, keys.signingKeyID]
                )
                return (keys.bundle(content, keyring: keyring), keys.options())
            }
        ),
        Refusal(
            "issued one second after the key's notAfter (no leeway on the window)",
            check: "signing-key",
            expecting: { keys in .signingKeyNotValidAtIssueTime(keys.signingKeyID) },
            build: { keys in
                (keys.bundle(content, keyring: keys.keyring(notAfter: start - 1)), keys.options())
            }
        ),
        Refusal(
            "issued one second before the key's notBefore",
            check: "signing-key",
            expecting: { keys in .signingKeyNotValidAtIssueTime(keys.signingKeyID) },
            build: { keys in
                (keys.bundle(content, keyring: keys.keyring(notBefore: start + 1)), keys.options())
            }
        ),

        // bundle-signature
        Refusal("the last signature byte is flipped", expecting: .bundleSignatureInvalid) { keys in
            let bytes = keys.bundle(content)
            return (flipped(bytes, at: bytes.count - 1), keys.options())
        },
        Refusal("the signature is all zeros", expecting: .bundleSignatureInvalid) { keys in
            let bytes = keys.bundle(content)
            return (Array(bytes.dropLast(64)) + [UInt8](repeating: 0, count: 64), keys.options())
        },
        Refusal(
            "signed by another key of the same keyring, not the one the header names",
            expecting: .bundleSignatureInvalid
        ) { keys in
            let other = TestKeys()
            let keyring = keys.keyring(
                extraKeys: [Keyring.SigningKey(publicKey: other.signingPublicKey, notBefore: 0, notAfter: .max)])
            return (LoaderFixture.signedByAnotherKey(keys, seed: other.signingSeed, keyring: keyring), keys.options())
        },
        Refusal("the signature of another valid bundle transplanted", expecting: .bundleSignatureInvalid) { keys in
            let bytes = keys.bundle(content, bundleVersion: 1)
            let donor = keys.bundle(content, bundleVersion: 2)
            return (Array(bytes.dropLast(64)) + donor.suffix(64), keys.options())
        },
        Refusal("a ciphertext byte flipped without re-signing", expecting: .bundleSignatureInvalid) { keys in
            let bytes = keys.bundle(content)
            return (flipped(bytes, at: BundleOffsets(bytes).ciphertext + 3), keys.options())
        },
        Refusal("the expiry extended without re-signing", expecting: .bundleSignatureInvalid) { keys in
            let bytes = keys.bundle(content)
            return (
                patched(
                    bytes,
                    at: BundleOffsets(bytes).expiresAt,
                    littleEndian: UInt64(start + 999 * 86_400),
                    width: 8
                ),
                keys.options()
            )
        },

        // bundle-expiry
        Refusal(
            "the bundle expired one second beyond the leeway",
            expecting: .bundleExpired(expiresAt: start - 301)
        ) { keys in
            (keys.bundle(content, issuedAt: start - 3_600, expiresAt: start - 301), keys.options())
        },
        Refusal(
            "issued one second beyond the leeway in the future",
            expecting: .bundleNotYetValid(issuedAt: start + 301)
        ) { keys in
            (keys.bundle(content, issuedAt: start + 301), keys.options())
        },
        Refusal("a bundle that expired at Int64.min", expecting: .bundleExpired(expiresAt: .min)) { keys in
            (keys.bundle(content, expiresAt: .min), keys.options())
        },
        Refusal(
            "issued at Int64.max, one second after now, with zero leeway",
            expecting: .bundleNotYetValid(issuedAt: .max)
        ) { keys in
            var options = keys.options(now: .max - 1)
            options.leeway = 0
            let keyring = keys.keyring(expiresAt: .max, notBefore: 0, notAfter: .max)
            return (keys.bundle(content, issuedAt: .max, expiresAt: .max, keyring: keyring), options)
        },
        Refusal(
            "valid one second longer than the default maximum lifetime",
            expecting: .bundleLifetimeTooLong(issuedAt: start, expiresAt: start + maximumLifetime + 1)
        ) { keys in
            (keys.bundle(content, expiresAt: start + maximumLifetime + 1), keys.options())
        },
        Refusal(
            "valid longer than the caller's maximum lifetime",
            expecting: .bundleLifetimeTooLong(issuedAt: start, expiresAt: start + 3_601)
        ) { keys in
            var options = keys.options()
            options.maximumBundleLifetime = 3_600
            return (keys.bundle(content, expiresAt: start + 3_601), options)
        },
        Refusal(
            "expiring before it is issued",
            expecting: .bundleLifetimeTooLong(issuedAt: start, expiresAt: start - 1)
        ) { keys in
            (keys.bundle(content, expiresAt: start - 1), keys.options())
        },

        // target
        Refusal(
            "a replayed bundle of another target is refused when the caller names its target",
            expecting: .targetMismatch(expected: "prod-eu", found: "prod-us")
        ) { keys in
            (keys.bundle(content, target: "prod-us"), keys.options(target: "prod-eu"))
        },
        Refusal(
            "target names compare exactly, case included",
            expecting: .targetMismatch(expected: "prod-eu", found: "Prod-EU")
        ) { keys in
            (keys.bundle(content, target: "Prod-EU"), keys.options(target: "prod-eu"))
        },
        Refusal(
            "a bundle of another environment",
            expecting: .environmentMismatch(expected: "production", found: "staging")
        ) { keys in
            var options = keys.options()
            options.expectedEnvironment = "production"
            return (keys.bundle(content, environment: "staging"), options)
        },

        // bundle-version
        Refusal(
            "the bundle version is below the caller's minimum",
            expecting: .bundleVersionTooOld(version: 100, minimum: 101)
        ) { keys in
            var options = keys.options()
            options.minimumBundleVersion = 101
            return (keys.bundle(content, bundleVersion: 100), options)
        },

        // decryption
        Refusal("the function's recipient key is not among the recipients", expecting: .notARecipient) { keys in
            var options = keys.options()
            options.recipientKey = TestKeys().recipient
            return (keys.bundle(content), options)
        },
        Refusal("no recipient key is given", expecting: .notARecipient) { keys in
            var options = keys.options()
            options.recipientKey = nil
            return (keys.bundle(content), options)
        },
        Refusal("a ciphertext byte changed and re-signed by the signing key", expecting: .decryptionFailed) { keys in
            let bytes = keys.bundle(content)
            let tampered = flipped(bytes, at: BundleOffsets(bytes).ciphertext + 3)
            return (LoaderFixture.resigned(tampered, seed: keys.signingSeed), keys.options())
        },
        Refusal("the authentication tag changed and re-signed", expecting: .decryptionFailed) { keys in
            let bytes = keys.bundle(content)
            let tampered = flipped(bytes, at: BundleOffsets(bytes).signature - 1)
            return (LoaderFixture.resigned(tampered, seed: keys.signingSeed), keys.options())
        },
        Refusal("the sealed content key changed and re-signed", expecting: .decryptionFailed) { keys in
            let bytes = keys.bundle(content)
            let tampered = flipped(bytes, at: BundleOffsets(bytes).sealedEntry(0) + 8 + 40)
            return (LoaderFixture.resigned(tampered, seed: keys.signingSeed), keys.options())
        },
        Refusal("the nonce changed and re-signed", expecting: .decryptionFailed) { keys in
            let bytes = keys.bundle(content)
            return (
                LoaderFixture.resigned(flipped(bytes, at: BundleOffsets(bytes).nonce), seed: keys.signingSeed),
                keys.options()
            )
        },
        Refusal(
            "a header field changed and re-signed: the header is the AEAD's associated data",
            expecting: .decryptionFailed
        ) { keys in
            let bytes = keys.bundle(content, bundleVersion: 1_000)
            let tampered = patched(bytes, at: BundleOffsets(bytes).bundleVersion, littleEndian: 1_001, width: 8)
            return (LoaderFixture.resigned(tampered, seed: keys.signingSeed), keys.options())
        },
        Refusal(
            "the recipient ids of two sealed keys swapped and re-signed (a box sealed to another key)",
            expecting: .decryptionFailed
        ) { keys in
            let bytes = keys.bundle(content, extraRecipients: [TestKeys().recipientPublicKey])
            let offsets = BundleOffsets(bytes)
            var tampered = bytes
            let first = offsets.sealedEntry(0)
            let second = offsets.sealedEntry(1)
            for index in 0..<8 { tampered.swapAt(first + index, second + index) }
            return (LoaderFixture.resigned(tampered, seed: keys.signingSeed), keys.options())
        },

        // payload
        Refusal("a validly sealed and signed payload of garbage", check: "payload") { keys in
            (
                LoaderFixture.forged(payload: Array("not a payload at all".utf8), flagCount: 3, keys: keys),
                keys.options()
            )
        },
        Refusal(
            "a validly sealed and signed payload that is not a compressed block",
            expecting: .malformedPayload("compressed block: literal run past end of input")
        ) { keys in
            (LoaderFixture.forged(plaintext: [1] + Array("xyz".utf8), flagCount: 3, keys: keys), keys.options())
        },
        Refusal(
            "a validly sealed and signed payload claiming to expand beyond the limit",
            expecting: .malformedPayload("decompressed size 268435457 above the limit 268435456")
        ) { keys in
            (
                LoaderFixture.forged(plaintext: [0x81, 0x80, 0x80, 0x80, 0x01, 0], flagCount: 3, keys: keys),
                keys.options()
            )
        },
        Refusal("a validly sealed and signed empty payload", expecting: .malformedPayload("truncated")) { keys in
            (LoaderFixture.forged(payload: [], flagCount: 0, keys: keys), keys.options())
        },
        Refusal("a payload with trailing bytes after the last flag", check: "payload") { keys in
            (LoaderFixture.forged(payload: LoaderFixture.payload + [0], flagCount: 3, keys: keys), keys.options())
        },
        Refusal(
            "the header's flag count disagrees with the payload",
            expecting: .malformedPayload("holds 3 flags, the header says 4")
        ) { keys in
            (LoaderFixture.forged(payload: LoaderFixture.payload, flagCount: 4, keys: keys), keys.options())
        },
        Refusal("two flags with the same key", expecting: .malformedPayload("duplicate flag key")) { keys in
            var duplicated = content
            let plain = duplicated.flags.firstIndex { $0.prerequisites.isEmpty }!
            duplicated.flags.append(duplicated.flags[plain])
            return (keys.bundle(duplicated), keys.options())
        },
    ]

    @Test("each loader check refuses a bundle that fails only that check", arguments: refusals)
    func refusesBundleFailingOneCheck(_ refusal: Refusal) throws {
        let keys = TestKeys()
        let (bytes, options) = refusal.build(keys)
        let outcome = LoaderFixture.loadError(bytes, options)
        let error = try #require(outcome, "the bundle loaded")
        #expect(error.check == refusal.check)
        if let expected = refusal.expected(keys) {
            #expect(error == expected)
        }
        // verifyHeader runs the same checks up to decryption, and nothing after.
        let verifyError = LoaderFixture.verifyError(bytes, options)
        if Self.headerChecks.contains(refusal.check) {
            #expect(verifyError == error)
        } else {
            #expect(verifyError == nil)
        }
        // Errors name checks, ids and times, never key material.
        for secret in LoaderFixture.secretTexts(of: keys) {
            #expect(!error.description.contains(secret))
        }
    }

    @Test("every check is covered by a refusal")
    func everyCheckIsCovered() {
        let covered = Set(Self.refusals.map(\.check))
        #expect(covered == Self.headerChecks.union(["decryption", "payload"]))
    }

    /// A bundle and options that sit on the accepting side of a boundary.
    struct Acceptance: Sendable, CustomTestStringConvertible {
        let behaviour: String
        let build: Build
        var testDescription: String { behaviour }
        init(_ behaviour: String, build: @escaping Build) {
            self.behaviour = behaviour
            self.build = build
        }
    }

    static let acceptances: [Acceptance] = [
        Acceptance("the unmodified bundle loads") { keys in (keys.bundle(content), keys.options()) },
        Acceptance("a bundle of exactly maximumBundleBytes loads") { keys in
            let bytes = keys.bundle(content)
            var options = keys.options()
            options.maximumBundleBytes = bytes.count
            return (bytes, options)
        },
        Acceptance("a keyring that expired just inside the leeway loads") { keys in
            (keys.bundle(content, keyring: keys.keyring(expiresAt: start - 300)), keys.options())
        },
        Acceptance("a keyring expiring exactly now loads with zero leeway") { keys in
            var options = keys.options()
            options.leeway = 0
            return (keys.bundle(content, keyring: keys.keyring(expiresAt: start)), options)
        },
        Acceptance("a keyring at exactly the minimum version loads") { keys in
            var options = keys.options()
            options.minimumKeyringVersion = 4
            return (keys.bundle(content, keyring: keys.keyring(version: 4)), options)
        },
        Acceptance("issued exactly at the signing key's notBefore loads") { keys in
            (keys.bundle(content, keyring: keys.keyring(notBefore: start)), keys.options())
        },
        Acceptance("issued exactly at the signing key's notAfter loads") { keys in
            (keys.bundle(content, keyring: keys.keyring(notAfter: start)), keys.options())
        },
        Acceptance("a revocation of another key does not affect this one") { keys in
            (keys.bundle(content, keyring: keys.keyring(revoked: [TestKeys().signingKeyID])), keys.options())
        },
        Acceptance("a bundle that expired just inside the leeway loads") { keys in
            (keys.bundle(content, issuedAt: start - 3_600, expiresAt: start - 300), keys.options())
        },
        Acceptance("a bundle issued just inside the leeway in the future loads") { keys in
            (keys.bundle(content, issuedAt: start + 300), keys.options())
        },
        Acceptance("a bundle valid for exactly the maximum lifetime loads") { keys in
            (keys.bundle(content, expiresAt: start + maximumLifetime), keys.options())
        },
        Acceptance("a bundle expiring the second it is issued loads (until it expires)") { keys in
            (keys.bundle(content, expiresAt: start), keys.options())
        },
        Acceptance("the expected target and environment match") { keys in
            var options = keys.options(target: "prod-eu")
            options.expectedEnvironment = "production"
            return (keys.bundle(content, target: "prod-eu", environment: "production"), options)
        },
        Acceptance("without an expected target, any target loads") { keys in
            (keys.bundle(content, target: "prod-us", environment: "production"), keys.options())
        },
        Acceptance("a bundle at exactly the minimum bundle version loads") { keys in
            var options = keys.options()
            options.minimumBundleVersion = 100
            return (keys.bundle(content, bundleVersion: 100), options)
        },
        Acceptance("the test's forged bundle with the real payload loads (the forge is faithful)") { keys in
            (LoaderFixture.forged(payload: LoaderFixture.payload, flagCount: 3, keys: keys), keys.options())
        },
    ]

    @Test("a bundle on the accepting side of each boundary loads", arguments: acceptances)
    func loadsAtBoundary(_ acceptance: Acceptance) throws {
        let keys = TestKeys()
        let (bytes, options) = acceptance.build(keys)
        let bundle = try FlagBundle.load(bytes: bytes, options: options)
        #expect(Set(bundle.flagKeys) == LoaderFixture.flagKeys)
        let header = try FlagBundle.verifyHeader(bytes: bytes, options: options)
        #expect(header == bundle.header)
    }

    // MARK: Order

    struct OrderCase: Sendable, CustomTestStringConvertible {
        let failures: String
        let firstCheck: String
        let build: Build
        var testDescription: String { "\(failures) → \(firstCheck)" }
    }

    static let orderCases: [OrderCase] = [
        OrderCase(failures: "wrong root, expired keyring, wrong target", firstCheck: "keyring-signature") { keys in
            var options = keys.options(target: "other")
            options.trustedRoots = [TestKeys().root]
            return (keys.bundle(content, keyring: keys.keyring(expiresAt: start - 86_400)), options)
        },
        OrderCase(failures: "expired keyring, revoked key, expired bundle", firstCheck: "keyring-expiry") { keys in
            let keyring = keys.keyring(expiresAt: start - 86_400, revoked: [keys.signingKeyID])
            return (
                keys.bundle(content, issuedAt: start - 7_200, expiresAt: start - 3_600, keyring: keyring),
                keys.options()
            )
        },
        OrderCase(failures: "old keyring, revoked key", firstCheck: "keyring-version") { keys in
            var options = keys.options()
            options.minimumKeyringVersion = 2
            return (keys.bundle(content, keyring: keys.keyring(version: 1, revoked: [keys.signingKeyID])), options)
        },
        OrderCase(failures: "revoked key, bad signature, expired bundle", firstCheck: "signing-key") { keys in
            let bytes = keys.bundle(
                content,
                issuedAt: start - 7_200,
                expiresAt: start - 3_600,
                keyring: keys.keyring(revoked: [keys.signingKeyID])
            )
            return (flipped(bytes, at: bytes.count - 1), keys.options())
        },
        OrderCase(failures: "bad signature, expired bundle, not a recipient", firstCheck: "bundle-signature") { keys in
            let bytes = keys.bundle(content, issuedAt: start - 7_200, expiresAt: start - 3_600)
            var options = keys.options()
            options.recipientKey = nil
            return (flipped(bytes, at: bytes.count - 1), options)
        },
        OrderCase(failures: "expired bundle, wrong target, old version", firstCheck: "bundle-expiry") { keys in
            var options = keys.options(target: "other")
            options.minimumBundleVersion = .max
            return (keys.bundle(content, issuedAt: start - 7_200, expiresAt: start - 3_600), options)
        },
        OrderCase(failures: "lifetime too long, wrong target, old version", firstCheck: "bundle-expiry") { keys in
            var options = keys.options(target: "other")
            options.minimumBundleVersion = .max
            return (keys.bundle(content, expiresAt: start + 10 * maximumLifetime), options)
        },
        OrderCase(failures: "wrong target, old version, not a recipient", firstCheck: "target") { keys in
            var options = keys.options(target: "other")
            options.minimumBundleVersion = .max
            options.recipientKey = TestKeys().recipient
            return (keys.bundle(content), options)
        },
        OrderCase(failures: "old version, not a recipient", firstCheck: "bundle-version") { keys in
            var options = keys.options()
            options.minimumBundleVersion = .max
            options.recipientKey = nil
            return (keys.bundle(content), options)
        },
    ]

    @Test("a bundle failing several checks reports the first in the documented order", arguments: orderCases)
    func reportsFirstFailedCheck(_ orderCase: OrderCase) throws {
        let keys = TestKeys()
        let (bytes, options) = orderCase.build(keys)
        let outcome = LoaderFixture.loadError(bytes, options)
        let error = try #require(outcome, "the bundle loaded")
        #expect(error.check == orderCase.firstCheck)
    }

    // MARK: Root rotation and recipients

    @Test(
        "a keyring signed by the old and the new root loads for a function pinning either or both",
        arguments: ["old", "new", "both"]
    )
    func rootRotationLoadsForEitherRoot(pinned: String) throws {
        let old = TestKeys()
        let new = TestKeys()
        let keyring = old.keyring(signers: [old.rootSeed, new.rootSeed])
        let bytes = old.bundle(LoaderFixture.content, keyring: keyring)
        var options = old.options()
        options.trustedRoots = ["old": [old.root], "new": [new.root], "both": [new.root, old.root]][pinned]!
        let bundle = try FlagBundle.load(bytes: bytes, options: options)
        #expect(Set(bundle.flagKeys) == LoaderFixture.flagKeys)
        #expect(Set(bundle.header.keyring.signatures.map(\.rootID)) == [old.root.id, new.root.id])
    }

    @Test("after the old root is retired, its keyrings are refused by a function pinning only the new root")
    func retiredRootIsRefused() {
        let old = TestKeys()
        let new = TestKeys()
        let bytes = old.bundle(LoaderFixture.content, keyring: old.keyring(signers: [old.rootSeed]))
        var options = old.options()
        options.trustedRoots = [new.root]
        #expect(LoaderFixture.loadError(bytes, options) == .keyringSignatureInvalid)
    }

    @Test("with several pinned roots, the one that signed the keyring is enough", arguments: 0..<3)
    func severalPinnedRootsOneMatches(position: Int) throws {
        let keys = TestKeys()
        var roots = [TestKeys().root, TestKeys().root]
        roots.insert(keys.root, at: position)
        var options = keys.options()
        options.trustedRoots = roots
        let bundle = try FlagBundle.load(bytes: keys.bundle(LoaderFixture.content), options: options)
        #expect(Set(bundle.flagKeys) == LoaderFixture.flagKeys)
    }

    @Test("a keyring co-signed by an unknown root and a pinned root loads, in either signature order")
    func coSignedByUnknownRootLoads() throws {
        let keys = TestKeys()
        let stranger = TestKeys()
        for signers in [[stranger.rootSeed, keys.rootSeed], [keys.rootSeed, stranger.rootSeed]] {
            let bytes = keys.bundle(LoaderFixture.content, keyring: keys.keyring(signers: signers))
            #expect(LoaderFixture.loadError(bytes, keys.options()) == nil)
        }
    }

    @Test("every recipient of a bundle decrypts the same content; others cannot")
    func multipleRecipientsEachDecrypt() throws {
        let keys = TestKeys()
        let others = [TestKeys(), TestKeys(), TestKeys()]
        let bytes = keys.bundle(LoaderFixture.content, extraRecipients: others.map(\.recipientPublicKey))
        let recipients = [keys.recipient] + others.map(\.recipient)
        let header = try FlagBundle.verifyHeader(bytes: bytes, options: keys.options())
        #expect(Set(header.recipientIDs) == Set(recipients.map(\.id)))
        for recipient in recipients {
            var options = keys.options()
            options.recipientKey = recipient
            let bundle = try FlagBundle.load(bytes: bytes, options: options)
            #expect(bundle.content == LoaderFixture.content)
        }
        var options = keys.options()
        options.recipientKey = TestKeys().recipient
        #expect(LoaderFixture.loadError(bytes, options) == .notARecipient)
    }

    @Test("a recipient shared by two targets opens both, so only the target check stops a replay")
    func sharedRecipientReplayNeedsTargetCheck() throws {
        let keys = TestKeys()
        let usBundle = keys.bundle(LoaderFixture.content, target: "prod-us")
        #expect(LoaderFixture.loadError(usBundle, keys.options()) == nil)
        #expect(LoaderFixture.loadError(usBundle, keys.options(target: "prod-eu"))?.check == "target")
        #expect(LoaderFixture.loadError(usBundle, keys.options(target: "prod-us")) == nil)
    }

    // MARK: Load or serve defaults

    struct ClientCase: Sendable, CustomTestStringConvertible {
        let behaviour: String
        let check: String
        let build: Build
        var testDescription: String { behaviour }
    }

    static let clientCases: [ClientCase] = [
        ClientCase(behaviour: "untrusted root", check: "keyring-signature") { keys in
            var options = keys.options()
            options.trustedRoots = [TestKeys().root]
            return (keys.bundle(content), options)
        },
        ClientCase(behaviour: "expired bundle", check: "bundle-expiry") { keys in
            (keys.bundle(content, issuedAt: start - 7_200, expiresAt: start - 3_600), keys.options())
        },
        ClientCase(behaviour: "not a recipient", check: "decryption") { keys in
            var options = keys.options()
            options.recipientKey = nil
            return (keys.bundle(content), options)
        },
        ClientCase(behaviour: "truncated file", check: "header") { keys in
            (Array(keys.bundle(content).prefix(100)), keys.options())
        },
        ClientCase(behaviour: "replayed bundle of another target", check: "target") { keys in
            (keys.bundle(content, target: "prod-us"), keys.options(target: "prod-eu"))
        },
    ]

    @Test(
        "loadOrServeDefaults serves the caller's defaults with PROVIDER_NOT_READY and says why",
        arguments: clientCases
    )
    func loadOrServeDefaultsServesDefaults(_ clientCase: ClientCase) throws {
        let keys = TestKeys()
        let (bytes, options) = clientCase.build(keys)
        let client = FlagClient.loadOrServeDefaults(bytes: bytes, options: options)
        #expect(client.bundle == nil)
        let loadError = try #require(client.loadError)
        #expect(loadError.check == clientCase.check)
        #expect(loadError == LoaderFixture.loadError(bytes, options))

        let context = EvaluationContext(targetingKey: "user-alice-0001", attributes: ["email": "a@example.com"])
        for defaultValue in [true, false] {
            #expect(client.bool("new-checkout-flow", default: defaultValue, context: context) == defaultValue)
            let detail = client.detail("new-checkout-flow", default: defaultValue, context: context)
            #expect(detail.value == defaultValue)
            #expect(detail.variant == nil)
            #expect(detail.reason == .error)
            #expect(detail.reason.rawValue == "ERROR")
            #expect(detail.errorCode == .providerNotReady)
            #expect(detail.errorCode?.rawValue == "PROVIDER_NOT_READY")
            #expect(detail.errorMessage?.contains(loadError.description) == true)
        }
        #expect(client.string("checkout-button-color", default: "fallback", context: context) == "fallback")
        #expect(client.int("search-results-per-page", default: 7, context: context) == 7)
        #expect(client.double("search-results-per-page", default: 7.5, context: context) == 7.5)
        #expect(client.object("missing", default: .null, context: context) == .null)
    }

    @Test("loadOrServeDefaults with a valid bundle serves its values and has no load error")
    func loadOrServeDefaultsLoads() {
        let keys = TestKeys()
        let client = FlagClient.loadOrServeDefaults(bytes: keys.bundle(LoaderFixture.content), options: keys.options())
        #expect(client.loadError == nil)
        #expect(client.bundle != nil)
        let detail = client.detail("search-results-per-page", default: 7, context: EvaluationContext())
        #expect(detail.value == 25)
        #expect(detail.errorCode == nil)
    }

    // MARK: Loading from a path

    @Test("loading from a path reads the file and runs the same checks")
    func loadsFromPath() throws {
        let keys = TestKeys()
        let bytes = keys.bundle(LoaderFixture.content)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("flagc-loader-tests-\(UInt64.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("flags.bundle").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let bundle = try FlagBundle.load(path: path, options: keys.options())
        #expect(Set(bundle.flagKeys) == LoaderFixture.flagKeys)

        var small = keys.options()
        small.maximumBundleBytes = bytes.count - 1
        #expect(throws: BundleLoadError.tooLarge(byteCount: bytes.count, limit: bytes.count - 1)) {
            try FlagBundle.load(path: path, options: small)
        }
        var otherRoot = keys.options()
        otherRoot.trustedRoots = [TestKeys().root]
        let client = FlagClient.loadOrServeDefaults(path: path, options: otherRoot)
        #expect(client.loadError == .keyringSignatureInvalid)
    }

    @Test("a missing file or a directory is refused at the read check", arguments: ["/nonexistent/flags.bundle", "/"])
    func unreadablePathIsRefused(path: String) throws {
        let keys = TestKeys()
        let client = FlagClient.loadOrServeDefaults(path: path, options: keys.options())
        let error = try #require(client.loadError)
        #expect(error.check == "read")
        guard case .unreadable(let reportedPath, _) = error else {
            Issue.record("expected .unreadable, got \(error)")
            return
        }
        #expect(reportedPath == path)
        #expect(
            client.detail("new-checkout-flow", default: true, context: EvaluationContext()).errorCode
                == .providerNotReady
        )
    }

    // MARK: Regressions

    /// Set by the loader's thread when it returns, and by the helper when it had to open the FIFO's
    /// writing end to let the loader go on.
    final class FIFOProbe: @unchecked Sendable {
        private let lock = NSLock()
        private var finished = false
        private var unblocked = false
        var isFinished: Bool { lock.withLock { finished } }
        var hadToUnblock: Bool { lock.withLock { unblocked } }
        func finish() { lock.withLock { finished = true } }
        func markUnblocked() { lock.withLock { unblocked = true } }
    }

    @Test("a FIFO at the bundle path is refused without waiting for a writer")
    func fifoPathDoesNotBlock() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("flagc-loader-fifo-\(UInt64.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("flags.bundle").path
        try #require(mkfifo(path, 0o600) == 0)

        // A helper that, while the load has not returned, opens the writing end without blocking. That
        // open succeeds only when a reader is waiting in open(2), and it releases that reader, so the
        // test cannot hang whatever the loader does.
        let probe = FIFOProbe()
        let helperExited = DispatchSemaphore(value: 0)
        let helper = Thread {
            defer { helperExited.signal() }
            // Only after a grace period: a loader that does not block has returned long before, and
            // a helper opening the writing end while that loader briefly holds the FIFO open (between
            // its open and close) would be taken for an unblocking when the machine is busy.
            var waited = 0
            while !probe.isFinished {
                usleep(20_000)
                waited += 20
                guard waited >= 500 else { continue }
                let descriptor = open(path, O_WRONLY | O_NONBLOCK)
                if descriptor >= 0 {
                    probe.markUnblocked()
                    close(descriptor)
                    return
                }
            }
        }
        helper.start()
        let client = FlagClient.loadOrServeDefaults(path: path, options: TestKeys().options())
        probe.finish()
        helperExited.wait()
        #expect(client.loadError?.check == "read")
        // Regression: FileReader.read used to open(2) without O_NONBLOCK and wait for a writer.
        #expect(!probe.hadToUnblock, "the loader waited in open(2) for a writer")
    }

    @Test("a lifetime wider than Int64 is refused, not wrapped around")
    func lifetimeOverflowIsRefused() {
        // Regression: a keyring key valid from Int64.min lets a bundle claim issuedAt = Int64.min; with
        // expiresAt = Int64.max, `expiresAt - issuedAt` wrapped to -1, which passed `<= maximumBundleLifetime`,
        // so the bundle loaded with an unbounded lifetime.
        let keys = TestKeys()
        let keyring = keys.keyring(notBefore: .min, notAfter: .max)
        let bytes = keys.bundle(
            LoaderFixture.content,
            bundleVersion: 1,
            issuedAt: .min,
            expiresAt: .max,
            keyring: keyring
        )
        let error = LoaderFixture.loadError(bytes, keys.options())
        #expect(error == .bundleLifetimeTooLong(issuedAt: .min, expiresAt: .max))
    }
}

// MARK: - LoadOptions from the environment

@Suite("LoadOptions from the environment")
struct LoadOptionsEnvironmentTests {
    static func options(_ variables: [String: String]) throws(LoadOptionsError) -> LoadOptions {
        try LoadOptions.fromEnvironment { variables[$0] }
    }

    static func secretText(_ kind: KeyKind, _ secret: SecureBytes) -> String {
        KeyText.encode(kind, secret.withUnsafeBytes { Array($0) })
    }

    @Test("only a root set gives no recipient, no expectations and zero floors")
    func onlyRootSet() throws {
        let root = TestKeys().root
        let options = try Self.options(["FLAGC_ROOT_PUBLIC_KEY": root.text])
        #expect(options.trustedRoots == [root])
        #expect(options.recipientKey == nil)
        #expect(options.expectedTarget == nil)
        #expect(options.expectedEnvironment == nil)
        #expect(options.minimumBundleVersion == 0)
        #expect(options.minimumKeyringVersion == 0)
        #expect(options.leeway == 300)
        #expect(options.maximumBundleLifetime == LoadOptions.defaultMaximumBundleLifetime)
    }

    @Test("a function must pin at least one root", arguments: [nil, "", " ", ",", " ,\n, "] as [String?])
    func noRootIsRefused(text: String?) {
        let variables = text.map { ["FLAGC_ROOT_PUBLIC_KEY": $0] } ?? [:]
        do {
            let options = try Self.options(variables)
            Issue.record("accepted \(options.trustedRoots.count) roots")
        } catch {
            #expect(error.variable == "FLAGC_ROOT_PUBLIC_KEY")
            #expect(error.problem == "not set: a function must pin at least one root key")
        }
    }

    @Test(
        "root keys are read from a comma or new-line separated list",
        arguments: [", ", ",", "\n", " ,\n ", ",,"]
    )
    func parsesRootList(separator: String) throws {
        let roots = [TestKeys().root, TestKeys().root, TestKeys().root]
        let text = " " + roots.map(\.text).joined(separator: separator) + separator + " "
        let options = try Self.options(["FLAGC_ROOT_PUBLIC_KEY": text])
        #expect(options.trustedRoots == roots)
    }

    @Test("root keys separated by CRLF line breaks are read")
    func parsesCRLFRootList() throws {
        let roots = [TestKeys().root, TestKeys().root]
        let text = roots.map(\.text).joined(separator: "\r\n")
        // Regression: "\r\n" is one Character in Swift, so splitting on == "\n" never split a CRLF list.
        let options = try Self.options(["FLAGC_ROOT_PUBLIC_KEY": text])
        #expect(options.trustedRoots == roots)
    }

    @Test("every variable is read into its option, and the options load a bundle")
    func parsesEveryVariable() throws {
        let keys = TestKeys()
        let recipientText = Self.secretText(.recipientSecret, keys.recipientSecret)
        let options = try Self.options([
            "FLAGC_ROOT_PUBLIC_KEY": keys.root.text,
            "FLAGC_RECIPIENT_KEY": recipientText + "\n",
            "FLAGC_TARGET": "prod-eu",
            "FLAGC_ENVIRONMENT": "production",
            "FLAGC_MIN_BUNDLE_VERSION": "18446744073709551615",
            "FLAGC_MIN_KEYRING_VERSION": "4294967295",
        ])
        #expect(options.trustedRoots == [keys.root])
        #expect(options.recipientKey?.id == keys.recipient.id)
        #expect(options.expectedTarget == "prod-eu")
        #expect(options.expectedEnvironment == "production")
        #expect(options.minimumBundleVersion == .max)
        #expect(options.minimumKeyringVersion == .max)

        var loading = try Self.options([
            "FLAGC_ROOT_PUBLIC_KEY": keys.root.text, "FLAGC_RECIPIENT_KEY": recipientText, "FLAGC_TARGET": "prod-eu",
            "FLAGC_MIN_BUNDLE_VERSION": "100", "FLAGC_MIN_KEYRING_VERSION": "1",
        ])
        loading.now = TestClock.start
        let bytes = keys.bundle(LoaderFixture.content, target: "prod-eu", bundleVersion: 100)
        #expect(LoaderFixture.loadError(bytes, loading) == nil)
        loading.minimumBundleVersion = 101
        #expect(LoaderFixture.loadError(bytes, loading)?.check == "bundle-version")
    }

    @Test("an empty target or environment means not checked")
    func emptyTargetIsUnset() throws {
        let options = try Self.options([
            "FLAGC_ROOT_PUBLIC_KEY": TestKeys().root.text, "FLAGC_TARGET": "", "FLAGC_ENVIRONMENT": "",
        ])
        #expect(options.expectedTarget == nil)
        #expect(options.expectedEnvironment == nil)
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let variable: String
        let value: @Sendable (TestKeys) -> String
        let label: String
        var testDescription: String { "\(variable): \(label)" }
    }

    static let malformed: [Malformed] = [
        Malformed(
            variable: "FLAGC_ROOT_PUBLIC_KEY",
            value: { secretText(.rootSecret, $0.rootSeed) },
            label: "a root secret key"
        ),
        Malformed(
            variable: "FLAGC_ROOT_PUBLIC_KEY",
            value: { secretText(.recipientSecret, $0.recipientSecret) },
            label: "a recipient secret key"
        ),
        Malformed(
            variable: "FLAGC_ROOT_PUBLIC_KEY",
            value: { $0.root.text + "," + String($0.root.text.dropLast(2)) },
            label: "a valid and a truncated root"
        ),
        Malformed(
            variable: "FLAGC_ROOT_PUBLIC_KEY",
            value: { String($0.root.text.split(separator: ":")[1]) },
            label: "a root without its kind prefix"
        ),
        Malformed(
            variable: "FLAGC_RECIPIENT_KEY",
            value: { secretText(.signingSecret, $0.signingSeed) },
            label: "a signing secret key"
        ),
        Malformed(
            variable: "FLAGC_RECIPIENT_KEY",
            value: { secretText(.rootSecret, $0.rootSeed) },
            label: "a root secret key"
        ),
        Malformed(
            variable: "FLAGC_RECIPIENT_KEY",
            value: { secretText(.recipientSecret, $0.recipientSecret) + "A" },
            label: "a recipient secret with one character too many"
        ),
        Malformed(
            variable: "FLAGC_RECIPIENT_KEY",
            value: { String(secretText(.recipientSecret, $0.recipientSecret).dropLast()) },
            label: "a recipient secret with one character missing"
        ),
        Malformed(
            variable: "FLAGC_RECIPIENT_KEY",
            value: { secretText(.recipientSecret, $0.recipientSecret).replacingOccurrences(of: "-", with: "+") + "+" },
            label: "a recipient secret in the standard base64 alphabet"
        ),
        Malformed(variable: "FLAGC_RECIPIENT_KEY", value: { _ in "" }, label: "empty"),
        Malformed(variable: "FLAGC_MIN_BUNDLE_VERSION", value: { _ in "-1" }, label: "negative"),
        Malformed(variable: "FLAGC_MIN_BUNDLE_VERSION", value: { _ in "12abc" }, label: "trailing letters"),
        Malformed(
            variable: "FLAGC_MIN_BUNDLE_VERSION",
            value: { _ in "18446744073709551616" },
            label: "above UInt64.max"
        ),
        Malformed(variable: "FLAGC_MIN_BUNDLE_VERSION", value: { _ in "1e3" }, label: "exponent"),
        Malformed(variable: "FLAGC_MIN_KEYRING_VERSION", value: { _ in "4294967296" }, label: "above UInt32.max"),
        Malformed(variable: "FLAGC_MIN_KEYRING_VERSION", value: { _ in "v3" }, label: "prefixed"),
    ]

    @Test("a malformed variable gives an error naming it and never containing its value", arguments: malformed)
    func malformedVariable(_ malformed: Malformed) {
        let keys = TestKeys()
        let value = malformed.value(keys)
        var variables = ["FLAGC_ROOT_PUBLIC_KEY": keys.root.text, "FLAGC_TARGET": "prod-eu"]
        variables[malformed.variable] = value
        do {
            _ = try Self.options(variables)
            Issue.record("accepted \(malformed.label)")
        } catch {
            #expect(error.variable == malformed.variable)
            #expect(error.description.hasPrefix("\(malformed.variable): "))
            #expect(!error.problem.isEmpty)
            if !value.isEmpty {
                #expect(!error.description.contains(value))
            }
            // Not even a fragment of a key text.
            for fragment in KeyTextTests.fragments(of: value) {
                #expect(!error.description.contains(fragment), "leaks '\(fragment)'")
            }
        }
    }
}
