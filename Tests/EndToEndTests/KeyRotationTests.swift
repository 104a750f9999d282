import Foundation
import Testing

// The operator's stories: rotating, revoking and renewing keys, rotating the root, while bundles
// already deployed keep loading (or are refused when the operator says so).

@Suite("key rotation through flagc")
struct KeyRotationTests {
    /// The keyring's signing key ids, oldest first.
    static func signingKeyIDs(_ keyring: [String: Any]) -> [String] {
        (keyring["signingKeys"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    static let evalArguments = ["--context", #"{"targetingKey":"user-1"}"#, "--flag", "new-checkout-flow"]
    static let staffLine =
        #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"staff first"}"#

    @Test("after keys rotate, old bundles still load and new builds are signed by the new key")
    func rotateKeepsOldBundlesAndSignsWithTheNewKey() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        try workspace.succeed("build", "--target", "dev")
        try workspace.copy("out/dev/flags.bundle", to: "before.bundle")
        // Rotate in a later second than `keys init`, as operators do (same-second rotations have their own story).
        Clock.waitForNextSecond()

        let rotated = try workspace.run("keys", "rotate")
        #expect(rotated.status == 0, "\(rotated)")
        let newKey = try KeyIdentifier.last(in: rotated.stderr.components(separatedBy: ";").first ?? "")
        #expect(newKey != project.signingKeyID)
        #expect(rotated.stderr.contains("keyring is now version 2"), "\(rotated)")
        try workspace.succeed("build", "--target", "dev")

        let before = try workspace.inspect("before.bundle")
        let after = try workspace.inspect("out/dev/flags.bundle")
        #expect(before["signingKeyId"] as? String == project.signingKeyID)
        #expect(before["keyringVersion"] as? Int == 1)
        #expect(after["signingKeyId"] as? String == newKey)
        #expect(after["keyringVersion"] as? Int == 2)
        for bundle in ["before.bundle", "out/dev/flags.bundle"] {
            let result = try workspace.run(["eval", bundle] + Self.evalArguments)
            #expect(result.status == 0, "\(result)")
            #expect(result.lines == [Self.staffLine], "\(result)")
        }
        // The old key signs only for the grace period now (default 7 days).
        let keyring = try workspace.keyring()
        #expect(Self.signingKeyIDs(keyring) == [project.signingKeyID, newKey])
        let old = (keyring["signingKeys"] as? [[String: Any]])?.first
        let graceEnd = Clock.now + 7 * 86_400
        let notAfter = (old?["notAfter"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }
        #expect(notAfter.map { abs(Int($0.timeIntervalSince1970) - graceEnd) <= 5 } == true, "\(keyring)")
    }

    @Test("after several rotations within one second, the newest key signs")
    func rotationsInOneSecondUseTheNewestKey() throws {
        // Keys made within one second share their notBefore; the newest must still be the one that signs.
        let project = try Workspace.example()
        let workspace = project.workspace
        for round in 1...2 {
            Clock.waitForNextSecond()
            var newest = ""
            for _ in 1...3 {
                let rotated = try workspace.succeed("keys", "rotate")
                newest = try KeyIdentifier.last(in: rotated.stderr.components(separatedBy: ";").first ?? "")
            }
            try workspace.succeed("build", "--target", "dev")
            let header = try workspace.inspect("out/dev/flags.bundle")
            #expect(header["signingKeyId"] as? String == newest, "round \(round): signed by an older key")
        }
    }

    @Test("after revoking the old key, its bundles load at minimum keyring version 0 and are refused above it")
    func revokedKeyBundlesAreRefusedAboveTheMinimumKeyringVersion() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        let oldKey = project.signingKeyID
        try workspace.succeed("build", "--target", "dev")
        try workspace.copy("out/dev/flags.bundle", to: "leaked.bundle")
        try workspace.succeed("keys", "rotate")

        let revoked = try workspace.run("keys", "revoke", oldKey)
        #expect(revoked.status == 0, "\(revoked)")
        #expect(revoked.stderr.contains("FLAGC_MIN_KEYRING_VERSION=3"), "\(revoked)")
        let rebuilt = try workspace.run("build", "--target", "dev")
        #expect(rebuilt.status == 0, "\(rebuilt)")
        let keyring = try workspace.keyring()
        #expect(keyring["version"] as? Int == 3)
        #expect(keyring["revoked"] as? [String] == [oldKey])

        // The old bundle carries keyring v1, where its key was not revoked yet.
        let stillLoads = try workspace.run(
            ["eval", "leaked.bundle", "--min-keyring-version", "0"] + Self.evalArguments
        )
        #expect(stillLoads.status == 0, "\(stillLoads)")
        #expect(stillLoads.lines == [Self.staffLine])
        let refused = try workspace.run(["eval", "leaked.bundle", "--min-keyring-version", "3"] + Self.evalArguments)
        #expect(refused.status == 3, "\(refused)")
        #expect(refused.stderr.contains("keyring version 1 is below the minimum 3"), "\(refused)")
        #expect(refused.stdout.isEmpty)
        let refusedByEnvironment = try workspace.run(
            ["eval", "leaked.bundle"] + Self.evalArguments,
            environment: ["FLAGC_MIN_KEYRING_VERSION": "3"]
        )
        #expect(refusedByEnvironment.status == 3, "\(refusedByEnvironment)")
        let fresh = try workspace.run(
            ["eval", "out/dev/flags.bundle", "--min-keyring-version", "3"] + Self.evalArguments
        )
        #expect(fresh.status == 0, "\(fresh)")
        #expect(fresh.lines == [Self.staffLine])
        #expect(try workspace.inspect("out/dev/flags.bundle")["signingKeyId"] as? String != oldKey)
    }

    @Test("build refuses to sign when the only signing key is revoked, until a rotation")
    func buildRefusesARevokedKey() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        try workspace.succeed("keys", "revoke", project.signingKeyID)

        let refused = try workspace.run("build")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("signing key \(project.signingKeyID) is revoked"), "\(refused)")
        #expect(refused.stderr.contains("flagc keys rotate"), "\(refused)")
        #expect(!workspace.exists("out"))

        try workspace.succeed("keys", "rotate")
        let built = try workspace.run("build")
        #expect(built.status == 0, "\(built)")
        #expect(try workspace.inspect("out/dev/flags.bundle")["signingKeyId"] as? String != project.signingKeyID)
    }

    @Test("after keys rotate-root, new bundles load with the old root pinned and with the new one")
    func rootRotationKeepsBothPinsWorking() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        try workspace.copy("keys/root.pub", to: "old-root.pub")
        try workspace.succeed("build", "--target", "dev")
        try workspace.copy("out/dev/flags.bundle", to: "before.bundle")

        let rotated = try workspace.run("keys", "rotate-root")
        #expect(rotated.status == 0, "\(rotated)")
        try workspace.succeed("build", "--target", "dev")
        #expect(try workspace.text("keys/root.pub") != workspace.text("old-root.pub"))
        #expect((try workspace.keyring()["signedBy"] as? [String])?.count == 2)

        for pins in [["old-root.pub"], ["keys/root.pub"], ["old-root.pub", "keys/root.pub"]] {
            let options = pins.flatMap { ["--root-key", $0] }
            let result = try workspace.run(["eval", "out/dev/flags.bundle"] + options + Self.evalArguments)
            #expect(result.status == 0, "pinned \(pins): \(result)")
            #expect(result.lines == [Self.staffLine])
        }
        // A bundle from before the rotation is signed by the old root only.
        let oldWithOldPin = try workspace.run(
            ["eval", "before.bundle", "--root-key", "old-root.pub"] + Self.evalArguments
        )
        #expect(oldWithOldPin.status == 0, "\(oldWithOldPin)")
        let oldWithNewPin = try workspace.run(
            ["eval", "before.bundle", "--root-key", "keys/root.pub"] + Self.evalArguments
        )
        #expect(oldWithNewPin.status == 3, "\(oldWithNewPin)")
        #expect(oldWithNewPin.stderr.contains("keyring-signature"), "\(oldWithNewPin)")

        // Once retired, the old root no longer vouches for new bundles.
        try workspace.succeed("keys", "retire-root")
        try workspace.succeed("build", "--target", "dev")
        let retiredPin = try workspace.run(
            ["eval", "out/dev/flags.bundle", "--root-key", "old-root.pub"] + Self.evalArguments
        )
        #expect(retiredPin.status == 3, "\(retiredPin)")
        let newPin = try workspace.run(
            ["eval", "out/dev/flags.bundle", "--root-key", "keys/root.pub"] + Self.evalArguments
        )
        #expect(newPin.status == 0, "\(newPin)")
        #expect((try workspace.keyring()["signedBy"] as? [String])?.count == 1)
        let again = try workspace.run("keys", "retire-root")
        #expect(again.status == 1, "\(again)")
        #expect(again.stderr.contains("no previous root"), "\(again)")
    }

    @Test("every keyring change raises the version by exactly one; refused changes leave it alone")
    func keyringVersionsGoUpByOne() throws {
        let workspace = try Workspace()
        try workspace.succeed("keys", "init")
        var versions = [try workspace.keyring()["version"] as? Int]
        let firstKey = Self.signingKeyIDs(try workspace.keyring())[0]

        for change in [
            ["keys", "rotate"], ["keys", "revoke", firstKey], ["keys", "renew"], ["keys", "rotate-root"],
            ["keys", "retire-root"],
        ] {
            let result = try workspace.run(change)
            #expect(result.status == 0, "\(result)")
            versions.append(try workspace.keyring()["version"] as? Int)
        }
        #expect(versions == [1, 2, 3, 4, 5, 6])

        // Recipients are not in the keyring; failed operations change nothing.
        try workspace.succeed("keys", "recipient", "batch")
        for refused in [
            ["keys", "revoke", firstKey], ["keys", "revoke", "0123456789abcdef"], ["keys", "init"],
            ["keys", "recipient", "batch"],
        ] {
            let result = try workspace.run(refused)
            #expect(result.status == 1, "\(result)")
        }
        try workspace.succeed("keys", "remove-recipient", "batch")
        #expect(!workspace.exists("keys/batch.recipient.key"))
        #expect(try workspace.keyring()["version"] as? Int == 6)
    }

    @Test("a refused rotation leaves keys/ as it was")
    func refusedRotationLeavesNoKeyBehind() throws {
        let workspace = try Workspace()
        try workspace.succeed("keys", "init")
        let before = workspace.files(in: "keys")
        let keyring = try workspace.data("keys/keyring")
        try workspace.setPermissions(0o644, "keys/root.key")

        let result = try workspace.run("keys", "rotate")

        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("refusing secret key file keys/root.key"), "\(result)")
        #expect(workspace.files(in: "keys") == before, "a refused rotation left files behind")
        #expect(try workspace.data("keys/keyring") == keyring)
    }

    @Test("a bundle past its expiry is refused with exit 3 naming the expiry; the keyring's expiry is checked first")
    func expiredBundlesAreRefused() throws {
        let example = try SharedExample.project()
        let issued = try example.workspace.inspect("out/dev/flags.bundle")
        let issuedAt = try #require((issued["issuedAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        let start = Int(issuedAt.timeIntervalSince1970)
        func eval(at time: Int) throws -> CommandResult {
            try example.workspace.run(
                ["eval", "out/dev/flags.bundle", "--now", Clock.rfc3339(time)] + Self.evalArguments
            )
        }

        let valid = try eval(at: start + 29 * 86_400)
        #expect(valid.status == 0, "\(valid)")
        let expired = try eval(at: start + 40 * 86_400)
        #expect(expired.status == 3, "\(expired)")
        #expect(expired.stderr.contains("verification failed (bundle-expiry): bundle expired"), "\(expired)")
        #expect(expired.stdout.isEmpty)
        let keyringExpired = try eval(at: start + 100 * 86_400)
        #expect(keyringExpired.status == 3, "\(keyringExpired)")
        #expect(keyringExpired.stderr.contains("verification failed (keyring-expiry)"), "\(keyringExpired)")
        let early = try eval(at: start - 86_400)
        #expect(early.status == 3, "\(early)")
        #expect(early.stderr.contains("issued in the future"), "\(early)")
    }

    @Test("replacing a recipient: new bundles open with the new key only")
    func recipientReplacement() throws {
        let project = try Workspace.example()
        let workspace = project.workspace
        try workspace.copy("keys/prod-eu.recipient.key", to: "old-prod-eu.key")
        try workspace.setPermissions(0o600, "old-prod-eu.key")
        try workspace.succeed("keys", "recipient", "prod-eu-2")
        let target = try workspace.text("targets/prod-eu.yaml")
        try workspace.write(
            target.replacingOccurrences(of: "keys/prod-eu.recipient.pub", with: "keys/prod-eu-2.recipient.pub"),
            to: "targets/prod-eu.yaml"
        )
        let removed = try workspace.run("keys", "remove-recipient", "prod-eu")
        #expect(removed.status == 0, "\(removed)")
        #expect(!workspace.exists("keys/prod-eu.recipient.key"))

        try workspace.succeed("build", "--target", "prod-eu")

        let newKey = try workspace.run(
            ["eval", "out/prod-eu/flags.bundle", "--key", "keys/prod-eu-2.recipient.key"] + Self.evalArguments
        )
        #expect(newKey.status == 0, "\(newKey)")
        #expect(newKey.lines == [Self.staffLine])
        let oldKey = try workspace.run(
            ["eval", "out/prod-eu/flags.bundle", "--key", "old-prod-eu.key"] + Self.evalArguments
        )
        #expect(oldKey.status == 3, "\(oldKey)")
        #expect(oldKey.stderr.contains("not among the bundle's recipients"), "\(oldKey)")
    }
}
