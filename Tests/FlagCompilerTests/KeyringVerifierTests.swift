import FlagRuntime
import Testing

@testable import FlagCompiler

@Suite("keyring history")
struct KeyringVerifierTests {
    static let day: Int64 = 86_400
    static let lifetime = 90 * day

    static func key(_ notBefore: Int64, _ notAfter: Int64) throws -> Keyring.SigningKey {
        .init(publicKey: try Sodium.makeSigningKeyPair().publicKey, notBefore: notBefore, notAfter: notAfter)
    }

    enum Change: String, CaseIterable, CustomStringConvertible {
        case sameVersionOtherBytes, olderVersion, windowExtended, windowMoved, revocationDropped, keyRemovedEarly
        case newerWithNewKey, newerWithPrunedKey, identical
        var description: String { rawValue }
    }

    @Test(
        "a later keyring may add keys and prune old ones, never extend, un-revoke or roll back",
        arguments: Change.allCases
    )
    func history(change: Change) throws {
        let now: Int64 = 1_000 * Self.day
        let old = try Self.key(now - 400 * Self.day, now - 200 * Self.day)
        let current = try Self.key(now - 10 * Self.day, now + 300 * Self.day)
        let revoked = try Self.key(now - 20 * Self.day, now + 300 * Self.day)
        let previous = Keyring(
            version: 7,
            issuedAt: now - Self.day,
            expiresAt: now + 89 * Self.day,
            signingKeys: [old, revoked, current],
            revokedKeyIDs: [revoked.id]
        )
        var next = previous
        next.version = 8
        next.issuedAt = now
        var expected: String? = nil
        switch change {
        case .identical: next = previous
        case .sameVersionOtherBytes:
            next.version = 7
            expected = "(keyring-version): it is not the keyring version 7"
        case .olderVersion:
            next.version = 6
            expected = "(keyring-version): its version 6 is older than version 7"
        case .windowExtended:
            next.signingKeys[2].notAfter += 1
            expected = "(keyring-history): the window of signing key \(current.id) was changed or extended"
        case .windowMoved:
            next.signingKeys[2].notBefore -= 1
            expected = "(keyring-history): the window of signing key \(current.id)"
        case .revocationDropped:
            next.revokedKeyIDs = []
            expected = "(keyring-history): the revocation of signing key \(revoked.id) was dropped"
        case .keyRemovedEarly:
            next.signingKeys.remove(at: 1)
            next.revokedKeyIDs = []
            expected = "(keyring-history): signing key \(revoked.id) was removed before its window ended"
        case .newerWithNewKey: next.signingKeys.append(try Self.key(now, now + 365 * Self.day))
        case .newerWithPrunedKey: next.signingKeys.remove(at: 0)
        }
        let result = Result { () throws(KeyStore.Failure) in
            try KeyringVerifier.checkHistory(
                next,
                bytes: next.encoded,
                previous: previous,
                previousBytes: previous.encoded,
                keyringLifetime: Self.lifetime,
                path: "keys/keyring",
                statePath: "keys/.flagc-keyring-state"
            )
        }
        switch (result, expected) {
        case (.success, nil): break
        case (.failure(let failure), let expected?):
            #expect(failure.description.hasPrefix("keys/keyring failed verification \(expected)"), "\(failure)")
            #expect(failure.isVerificationFailure)
        case (.success, let expected?): Issue.record("accepted, expected \(expected)")
        case (.failure(let failure), nil): Issue.record("refused: \(failure)")
        }
    }
}
