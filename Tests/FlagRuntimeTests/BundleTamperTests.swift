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

// Property tests over small real bundles: every single-bit change, every truncation and every
// append is refused (never a crash, never a success); hostile length fields are refused without
// allocating; nothing secret is in clear; the writer is deterministic.

@Suite("Bundle tampering")
struct BundleTamperTests {
    /// One bundle of the loader fixture, with the keys and options that load it.
    struct Fixture: Sendable, CustomTestStringConvertible {
        let label: String
        let keys: TestKeys
        let bytes: [UInt8]
        let options: LoadOptions
        var testDescription: String { "\(label), \(bytes.count) bytes" }

        /// One root, one signing key, one recipient.
        static func simple() -> Fixture {
            let keys = TestKeys()
            return Fixture(
                label: "one root, one recipient",
                keys: keys,
                bytes: keys.bundle(LoaderFixture.content),
                options: keys.options()
            )
        }

        /// A keyring co-signed by two roots (a rotation) that also lists and revokes other keys, and a
        /// bundle sealed to three recipients; the function pins the second root only.
        static func rotation() -> Fixture {
            let keys = TestKeys()
            let previous = TestKeys()
            let spare = TestKeys()
            let keyring = keys.keyring(
                version: 7,
                revoked: [TestKeys().signingKeyID, TestKeys().signingKeyID],
                extraKeys: [Keyring.SigningKey(publicKey: spare.signingPublicKey, notBefore: 0, notAfter: .max)],
                signers: [previous.rootSeed, keys.rootSeed]
            )
            let bytes = keys.bundle(
                LoaderFixture.content,
                keyring: keyring,
                extraRecipients: [TestKeys().recipientPublicKey, TestKeys().recipientPublicKey]
            )
            return Fixture(label: "two roots, three recipients", keys: keys, bytes: bytes, options: keys.options())
        }
    }

    static let fixture = Fixture.simple()
    static let fixtures = [fixture, Fixture.rotation()]

    /// The checks a tampered byte may trip: it is caught by the bounded parse or a signature before any
    /// byte is trusted, so never by expiry, target, decryption or the payload parse.
    static let tamperChecks: Set<String> = ["header", "keyring-signature", "signing-key", "bundle-signature"]

    @Test("the fixture bundle loads unmodified and its layout is the documented one")
    func fixtureLoads() throws {
        let fixture = Self.fixture
        let bundle = try FlagBundle.load(bytes: fixture.bytes, options: fixture.options)
        #expect(Set(bundle.flagKeys) == LoaderFixture.flagKeys)

        let layout = try BundleHeader.parseLayout(fixture.bytes)
        let offsets = BundleOffsets(fixture.bytes)
        #expect(offsets.recipientCount == 1)
        #expect(layout.keyringBody == BundleOffsets.keyring..<offsets.keyringBodyEnd)
        #expect(layout.associatedData == 0..<offsets.ciphertext)
        #expect(layout.ciphertext == offsets.ciphertext..<offsets.signature)
        #expect(layout.signature == offsets.signature..<fixture.bytes.count)
        #expect(
            fixture.bytes.count
                == 143 + offsets.keyringLength + offsets.targetLength + offsets.environmentLength + 88
                + layout.ciphertext.count
        )
    }

    @Test("flipping any single bit makes loading fail at the parse or a signature check", arguments: fixtures)
    func everySingleBitFlipIsRefused(_ fixture: Fixture) {
        #expect(LoaderFixture.loadError(fixture.bytes, fixture.options) == nil)
        var bytes = fixture.bytes
        var loaded: [(byte: Int, bit: Int)] = []
        var unexpected: [(byte: Int, bit: Int, error: BundleLoadError)] = []
        var tally: [String: Int] = [:]
        for byte in bytes.indices {
            for bit in 0..<8 {
                bytes[byte] ^= 1 << bit
                if let error = LoaderFixture.loadError(bytes, fixture.options) {
                    tally[error.check, default: 0] += 1
                    if !Self.tamperChecks.contains(error.check) { unexpected.append((byte, bit, error)) }
                } else {
                    loaded.append((byte, bit))
                }
                bytes[byte] ^= 1 << bit
            }
        }
        #expect(bytes == fixture.bytes)
        #expect(loaded.isEmpty, "these single-bit changes loaded: \(loaded.prefix(20))")
        #expect(unexpected.isEmpty, "caught too late: \(unexpected.prefix(20))")
        #expect(tally.values.reduce(0, +) == 8 * bytes.count)
        // Not vacuous: each of the four checks caught some of the flips.
        #expect(Set(tally.keys) == Self.tamperChecks, "\(tally)")
    }

    @Test("every truncation is refused by the bounded header parse", arguments: fixtures)
    func everyTruncationIsRefused(_ fixture: Fixture) {
        var wrong: [(length: Int, error: BundleLoadError?)] = []
        for length in 0..<fixture.bytes.count {
            let error = LoaderFixture.loadError(Array(fixture.bytes.prefix(length)), fixture.options)
            if error?.check != "header" { wrong.append((length, error)) }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(20))")
    }

    @Test("every suffix without its start is refused", arguments: [1, 2, 4, 8, 12, 64])
    func droppedPrefixIsRefused(dropped: Int) {
        let fixture = Self.fixture
        #expect(LoaderFixture.loadError(Array(fixture.bytes.dropFirst(dropped)), fixture.options)?.check == "header")
    }

    struct Appended: Sendable, CustomTestStringConvertible {
        let label: String
        let bytes: [UInt8]
        var testDescription: String { label }
    }

    static let appended: [Appended] = [
        Appended(label: "one zero byte", bytes: [0]),
        Appended(label: "one 0xFF byte", bytes: [0xFF]),
        Appended(label: "seven bytes", bytes: Array(0..<7)),
        Appended(label: "a second signature's worth", bytes: [UInt8](repeating: 0xA5, count: 64)),
        Appended(label: "a kilobyte", bytes: (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
    ]

    @Test("appending bytes is refused", arguments: appended)
    func appendedBytesAreRefused(_ appended: Appended) {
        let fixture = Self.fixture
        let error = LoaderFixture.loadError(fixture.bytes + appended.bytes, fixture.options)
        #expect(error == .malformedHeader("length fields do not add up to the input size"))
    }

    @Test("appended bytes covered by a raised ciphertext length still fail the signature")
    func appendedBytesWithRaisedLengthAreRefused() {
        let fixture = Self.fixture
        let offsets = BundleOffsets(fixture.bytes)
        let ciphertextCount = UInt64(offsets.signature - offsets.ciphertext)
        for extra in [1, 16, 64] {
            let grown =
                patched(
                    fixture.bytes,
                    at: offsets.ciphertextLengthField,
                    littleEndian: ciphertextCount + UInt64(extra),
                    width: 4
                )
                + [UInt8](repeating: 0, count: extra)
            #expect(LoaderFixture.loadError(grown, fixture.options) == .bundleSignatureInvalid)
        }
    }

    // MARK: Hostile length fields

    struct HostileField: Sendable, CustomTestStringConvertible {
        let field: String
        let offset: @Sendable (BundleOffsets) -> Int
        let width: Int
        let value: UInt64
        var testDescription: String { "\(field) = \(value)" }
    }

    static let hostileFields: [HostileField] = [
        HostileField(
            field: "keyring length",
            offset: { _ in BundleOffsets.keyringLengthField },
            width: 4,
            value: 0xFFFF_FFFF
        ),
        HostileField(
            field: "keyring length",
            offset: { _ in BundleOffsets.keyringLengthField },
            width: 4,
            value: 1 << 17
        ),
        HostileField(field: "keyring length", offset: { _ in BundleOffsets.keyringLengthField }, width: 4, value: 0),
        HostileField(field: "ciphertext length", offset: { $0.ciphertextLengthField }, width: 4, value: 0xFFFF_FFFF),
        HostileField(
            field: "ciphertext length",
            offset: { $0.ciphertextLengthField },
            width: 4,
            value: 0xFFFF_FFFF - 63
        ),
        HostileField(field: "ciphertext length", offset: { $0.ciphertextLengthField }, width: 4, value: 0),
        HostileField(field: "ciphertext length", offset: { $0.ciphertextLengthField }, width: 4, value: 15),
        HostileField(field: "flag count", offset: { $0.flagCount }, width: 4, value: 0xFFFF_FFFF),
        HostileField(field: "target length", offset: { $0.targetLengthField }, width: 1, value: 0xFF),
        HostileField(field: "environment length", offset: { $0.environmentLengthField }, width: 1, value: 0xFF),
        HostileField(field: "recipient count", offset: { $0.recipientCountField }, width: 1, value: 0xFF),
        HostileField(field: "recipient count", offset: { $0.recipientCountField }, width: 1, value: 64),
        HostileField(field: "recipient count", offset: { $0.recipientCountField }, width: 1, value: 0),
        HostileField(field: "keyring signing key count", offset: { $0.keyringSigningKeyCount }, width: 1, value: 0xFF),
        HostileField(field: "keyring signing key count", offset: { $0.keyringSigningKeyCount }, width: 1, value: 64),
        HostileField(field: "keyring revoked count", offset: { $0.keyringRevokedCount }, width: 2, value: 0xFFFF),
        HostileField(field: "keyring revoked count", offset: { $0.keyringRevokedCount }, width: 2, value: 4096),
        HostileField(field: "keyring signature count", offset: { $0.keyringSignatureCount }, width: 1, value: 0xFF),
        HostileField(field: "keyring signature count", offset: { $0.keyringSignatureCount }, width: 1, value: 8),
    ]

    /// The peak resident set size of this process, in bytes.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Int(usage.ru_maxrss) * 1024
    }

    @Test("huge length fields are refused quickly without allocating for them", arguments: hostileFields)
    func hostileLengthIsRefusedCheaply(_ hostile: HostileField) {
        let fixture = Self.fixture
        let offsets = BundleOffsets(fixture.bytes)
        let bytes = patched(
            fixture.bytes,
            at: hostile.offset(offsets),
            littleEndian: hostile.value,
            width: hostile.width
        )
        #expect(bytes != fixture.bytes)
        let peakBefore = Self.peakResidentBytes()
        let clock = ContinuousClock()
        var error: BundleLoadError?
        let elapsed = clock.measure {
            for _ in 0..<10 { error = LoaderFixture.loadError(bytes, fixture.options) }
        }
        let loadError = error
        #expect(loadError != nil)
        #expect(loadError.map { Self.tamperChecks.contains($0.check) } == true, "\(String(describing: loadError))")
        #expect(elapsed < .seconds(1), "ten loads took \(elapsed)")
        #expect(Self.peakResidentBytes() - peakBefore < 64 << 20, "peak memory grew")
    }

    struct HostilePayload: Sendable, CustomTestStringConvertible {
        let label: String
        let payload: [UInt8]
        var testDescription: String { label }
    }

    /// Validly sealed and signed payloads whose counts claim far more than the bytes hold.
    static let hostilePayloads: [HostilePayload] = [
        HostilePayload(label: "string table count 2^24 with no strings", payload: [0x80, 0x80, 0x80, 0x08]),
        HostilePayload(label: "string table count 2^24 + 1", payload: [0x81, 0x80, 0x80, 0x08]),
        HostilePayload(
            label: "string count UInt64.max",
            payload: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        ),
        HostilePayload(label: "an eleven-byte varint", payload: [UInt8](repeating: 0x80, count: 10) + [0x01]),
        HostilePayload(label: "one string of length 2^20 with no bytes", payload: [0x01, 0x80, 0x80, 0x40]),
        HostilePayload(label: "empty tables, then 2^20 flags", payload: [0x00, 0x00, 0x00, 0x80, 0x80, 0x40]),
        HostilePayload(label: "empty tables, then 2^20 segments", payload: [0x00, 0x00, 0x80, 0x80, 0x40]),
    ]

    @Test("huge counts inside a validly signed payload are refused quickly", arguments: hostilePayloads)
    func hostilePayloadIsRefusedCheaply(_ hostile: HostilePayload) {
        let keys = TestKeys()
        let bytes = LoaderFixture.forged(payload: hostile.payload, flagCount: 1, keys: keys)
        let peakBefore = Self.peakResidentBytes()
        let clock = ContinuousClock()
        var error: BundleLoadError?
        let elapsed = clock.measure { error = LoaderFixture.loadError(bytes, keys.options()) }
        let loadError = error
        #expect(loadError?.check == "payload", "\(String(describing: loadError))")
        #expect(elapsed < .seconds(1))
        #expect(Self.peakResidentBytes() - peakBefore < 64 << 20, "peak memory grew")
    }

    // MARK: Nothing in clear

    /// Every name and value of the fixture that is at least 4 bytes long (shorter ones, such as
    /// "on", occur in random bytes by chance).
    static let secretsOfTheFixture: [String] = [
        // flag keys
        "new-checkout-flow", "checkout-button-color", "search-results-per-page",
        // variant names
        "control", "green", "orange", "small", "medium", "large",
        // string values
        "grey", "#2e7d32", "#ef6c00",
        // segment name and targeting keys
        "staff-members", "user-alice-0001", "user-bob-0002", "user-carol-0013",
        // rule names, attribute names, operands
        "staff first", "eu canary", "button experiment", "email", "@example.com", "country", "appVersion",
        "userId", "2.4.0",
    ]

    @Test("no flag key, variant, value, segment, targeting key or rule name is in clear")
    func nothingSecretInClear() throws {
        let fixture = Self.fixture
        let bundle = try FlagBundle.load(bytes: fixture.bytes, options: fixture.options)
        // The list is complete: every flag key and variant name of the loaded bundle is in it.
        for key in bundle.flagKeys {
            #expect(Self.secretsOfTheFixture.contains(key))
            for variant in bundle.variantNames(of: key) ?? [] where variant.utf8.count >= 4 {
                #expect(Self.secretsOfTheFixture.contains(variant), "\(variant) is not searched for")
            }
        }
        // The payload holds each of them (so searching the bundle for them is meaningful; the
        // string table is front-coded, so look in the decoded table, not the raw bytes)...
        let tables = try FlagTables(decoding: LoaderFixture.payload)
        let strings = withExtendedLifetime(tables) { (0..<tables.view.stringCount).map { tables.view.text(Int32($0)) } }
        for secret in Self.secretsOfTheFixture {
            #expect(strings.contains(secret), "the payload lacks '\(secret)'")
        }
        // ...and the bundle holds none of them.
        for secret in Self.secretsOfTheFixture {
            #expect(!Self.contains(fixture.bytes, Array(secret.utf8)), "'\(secret)' is in clear")
        }
        // The header names are the only words in clear.
        #expect(Self.contains(fixture.bytes, Array("FLGB".utf8)))
        #expect(Self.contains(fixture.bytes, Array("FLKR".utf8)))
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start..<start + needle.count].elementsEqual(needle)
        }
    }

    // MARK: Determinism

    @Test("the same inputs give identical bytes, even recompiled from the YAML")
    func writerIsDeterministic() throws {
        let keys = Self.fixture.keys
        let first = keys.bundle(LoaderFixture.content)
        let second = keys.bundle(LoaderFixture.content)
        let recompiled = keys.bundle(try TestProject.content(LoaderFixture.yaml))
        #expect(first == second)
        #expect(first == recompiled)
        #expect(first == Self.fixture.bytes)
    }

    struct Variation: Sendable, CustomTestStringConvertible {
        let label: String
        let build: @Sendable (TestKeys) throws -> [UInt8]
        var testDescription: String { label }
    }

    static let variations: [Variation] = [
        Variation(label: "another default variant") { keys in
            var content = LoaderFixture.content
            let index = content.flags.firstIndex { $0.key == "search-results-per-page" }!
            content.flags[index].defaultVariant = (content.flags[index].defaultVariant + 1) % 3
            return keys.bundle(content)
        },
        Variation(label: "a flag switched off") { keys in
            var content = LoaderFixture.content
            content.flags[0].isEnabled.toggle()
            return keys.bundle(content)
        },
        Variation(label: "one targeting key more") { keys in
            var content = LoaderFixture.content
            content.segments[0].included = StringSet(content.segments[0].included.sorted + ["user-dave-0004"])
            return keys.bundle(content)
        },
        Variation(label: "recompiled from YAML with another value") { keys in
            let yaml = LoaderFixture.yaml.replacingOccurrences(of: "medium: 25", with: "medium: 26")
            return keys.bundle(try TestProject.content(yaml))
        },
        Variation(label: "another target") { keys in keys.bundle(LoaderFixture.content, target: "other") },
        Variation(label: "another bundle version") { keys in
            keys.bundle(LoaderFixture.content, bundleVersion: UInt64(TestClock.start) + 1)
        },
        Variation(label: "another signing key") { _ in TestKeys().bundle(LoaderFixture.content) },
        // Header-only changes: the key and nonce bind the whole header, so the AEAD never sees one
        // (key, nonce) with two different associated data.
        Variation(label: "a later expiry only") { keys in
            keys.bundle(LoaderFixture.content, expiresAt: TestClock.start + 31 * 86_400)
        },
        Variation(label: "another environment only") { keys in
            keys.bundle(LoaderFixture.content, environment: "other")
        },
        Variation(label: "a newer keyring only") { keys in
            keys.bundle(LoaderFixture.content, keyring: keys.keyring(version: 2))
        },
        Variation(label: "one recipient more only") { keys in
            keys.bundle(LoaderFixture.content, extraRecipients: [TestKeys().recipientPublicKey])
        },
    ]

    @Test("any change to the content, the header or the signing key gives a different nonce", arguments: variations)
    func differentContentGetsDifferentNonce(_ variation: Variation) throws {
        let fixture = Self.fixture
        let varied = try variation.build(fixture.keys)
        let base = try BundleHeader.parseLayout(fixture.bytes)
        let other = try BundleHeader.parseLayout(varied)
        #expect(other.header.nonce != base.header.nonce)
        #expect(other.header.nonce.count == 24)
        #expect(varied[other.ciphertext].prefix(16) != fixture.bytes[base.ciphertext].prefix(16))
    }
}
