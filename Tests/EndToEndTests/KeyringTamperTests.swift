import FlagRuntime
import Foundation
import Testing

// keys/keyring and keys/root.pub are public, committed files: anyone who can open a pull request
// can edit them. No keys command may sign what they changed with the real root.

@Suite("a tampered keyring is refused by every keys command")
struct KeyringTamperTests {
    /// How an attacker changes the committed files.
    enum Tamper: String, CaseIterable, CustomStringConvertible {
        case keyAppended = "their own signing key appended, valid until year 36812"
        case revocationCleared = "the revocation list cleared"
        case windowExtended = "a key's window extended"
        case versionChanged = "the version raised"
        case signatureStripped = "the signatures stripped"
        case rootSwapped = "root.pub swapped for their root, which signs their keyring"
        case rolledBack = "an older, genuinely signed keyring restored"

        var description: String { rawValue }

        func apply(to workspace: Workspace) throws {
            var keyring = try Keyring.decode(Array(try workspace.data("keys/keyring")))
            let attacker = try Sodium.makeSigningKeyPair()
            let farFuture: Int64 = 1_099_511_627_775  // year 36812
            switch self {
            case .keyAppended:
                keyring.signingKeys.append(.init(publicKey: attacker.publicKey, notBefore: 0, notAfter: farFuture))
            case .revocationCleared:
                keyring.revokedKeyIDs = []
            case .windowExtended:
                keyring.signingKeys[0].notAfter = farFuture
            case .versionChanged:
                keyring.version += 1
            case .signatureStripped:
                keyring.signatures = []
            case .rootSwapped:
                let root = try Sodium.makeSigningKeyPair()
                keyring.signingKeys.append(.init(publicKey: attacker.publicKey, notBefore: 0, notAfter: farFuture))
                keyring.revokedKeyIDs = []
                keyring.version += 1
                keyring.signatures = [
                    .init(rootID: KeyID(of: root.publicKey), bytes: try Sodium.sign(keyring.body, seed: root.seed))
                ]
                try workspace.write(KeyText.encode(.rootPublic, root.publicKey) + "\n", to: "keys/root.pub")
            case .rolledBack:
                try workspace.copy("older-keyring", to: "keys/keyring")
                return
            }
            try workspace.write(Data(keyring.encoded), to: "keys/keyring")
        }
    }

    /// keys/ after init, rotate and revoke of the first key (keyring v3, one revocation), and the
    /// v2 keyring before the revocation as `older-keyring`; with a root rotation under way when
    /// `rotating`. Made once, copied for each story.
    static func setUp(rotating: Bool) throws -> (workspace: Workspace, revokedKey: String) {
        let (base, first) = try (rotating ? rotatingBase : steadyBase).get()
        let workspace = try Workspace()
        for name in base.files(in: "keys") where name != ".flagc-lock" {
            try workspace.write(try base.data("keys/\(name)"), to: "keys/\(name)")
            if name.hasSuffix(".key") { try workspace.setPermissions(0o600, "keys/\(name)") }
        }
        try workspace.write(try base.data("older-keyring"), to: "older-keyring")
        return (workspace, first)
    }

    private static let steadyBase = Result { try makeBase(rotating: false) }
    private static let rotatingBase = Result { try makeBase(rotating: true) }

    private static func makeBase(rotating: Bool) throws -> (Workspace, String) {
        let workspace = try Workspace()
        let first = try KeyIdentifier.last(in: workspace.succeed("keys", "init").stderr)
        try workspace.succeed("keys", "rotate")
        try workspace.copy("keys/keyring", to: "older-keyring")
        try workspace.succeed("keys", "revoke", first)
        if rotating { try workspace.succeed("keys", "rotate-root") }
        return (workspace, first)
    }

    static let commands: [[String]] = [
        ["keys", "rotate"], ["keys", "revoke", "LAST"], ["keys", "renew"], ["keys", "rotate-root"],
        ["keys", "retire-root"], ["keys", "list"], ["keys", "list", "--json"],
    ]

    @Test("refused with exit 3 naming the failed check, and keys/ is left byte for byte", arguments: commands)
    func tamperedKeyringIsRefused(command: [String]) throws {
        let rotating = command == ["keys", "retire-root"]
        for tamper in Tamper.allCases {
            let (workspace, _) = try Self.setUp(rotating: rotating)
            let lastKey = (try Keyring.decode(Array(try workspace.data("keys/keyring")))).signingKeys.last!.id
            try tamper.apply(to: workspace)
            let before = KeyFolderCheck.snapshot(workspace)

            let arguments = command.map { $0 == "LAST" ? lastKey.description : $0 }
            let result = try workspace.run(arguments)

            #expect(result.status == 3, "\(tamper): \(result)")
            #expect(result.stderr.contains("failed verification ("), "\(tamper): \(result)")
            #expect(result.stderr.contains("nothing was changed"), "\(tamper): \(result)")
            #expect(result.stdout.isEmpty, "\(tamper): \(result)")
            #expect(KeyFolderCheck.snapshot(workspace) == before, "\(arguments) with \(tamper) changed keys/")
        }
    }

    @Test("each tamper is refused by the check that names it")
    func refusalsNameTheirCheck() throws {
        let expected: [Tamper: String] = [
            .keyAppended: "(keyring-signature): it has no valid signature by the root in keys/root.key",
            .revocationCleared: "(keyring-signature)",
            .windowExtended: "(keyring-signature)",
            .versionChanged: "(keyring-signature)",
            .signatureStripped: "(keyring-signature)",
            .rootSwapped:
                "keys/root.pub failed verification (root-pin): it does not hold the public key of keys/root.key",
            .rolledBack: "(keyring-version): its version 2 is older than version 3, which this machine signed last",
        ]
        for tamper in Tamper.allCases {
            let (workspace, _) = try Self.setUp(rotating: false)
            try tamper.apply(to: workspace)
            let result = try workspace.run("keys", "renew")
            #expect(result.stderr.contains(expected[tamper]!), "\(tamper): \(result)")
        }
    }

    @Test("without root.key, keys list checks the pinned root.pub; a keyring it does not sign is not shown")
    func listWithoutTheRootChecksThePin() throws {
        let (workspace, _) = try Self.setUp(rotating: false)
        try workspace.remove("keys/root.key")
        try workspace.remove("keys/.flagc-keyring-state")
        #expect(try workspace.run("keys", "list").status == 0)
        for tamper in [Tamper.keyAppended, .signatureStripped] {
            let copy = try Self.setUp(rotating: false).workspace
            try copy.remove("keys/root.key")
            try copy.remove("keys/.flagc-keyring-state")
            try tamper.apply(to: copy)
            let result = try copy.run("keys", "list")
            #expect(result.status == 3, "\(tamper): \(result)")
            #expect(
                result.stderr.contains("(keyring-signature): it has no valid signature by a pinned root"),
                "\(result)"
            )
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("without this machine's record, a tampered keyring is still refused by its signature")
    func missingStateStillChecksSignatures() throws {
        for tamper in Tamper.allCases where tamper != .rolledBack {
            let (workspace, _) = try Self.setUp(rotating: false)
            try workspace.remove("keys/.flagc-keyring-state")
            try tamper.apply(to: workspace)
            let before = KeyFolderCheck.snapshot(workspace)
            let result = try workspace.run("keys", "renew")
            #expect(result.status == 3, "\(tamper): \(result)")
            #expect(KeyFolderCheck.snapshot(workspace) == before)
        }
    }

    @Test("a newer keyring signed by the same root on another machine is accepted")
    func newerKeyringFromAnotherMachineIsAccepted() throws {
        let (workspace, _) = try Self.setUp(rotating: false)
        let other = try Workspace()
        for name in ["keyring", "root.key", "root.pub"] {
            try other.write(try workspace.data("keys/\(name)"), to: "keys/\(name)")
        }
        try other.setPermissions(0o600, "keys/root.key")
        try other.succeed("keys", "rotate")
        try workspace.write(try other.data("keys/keyring"), to: "keys/keyring")

        let renewed = try workspace.run("keys", "renew")
        #expect(renewed.status == 0, "\(renewed)")
        #expect(try workspace.keyring()["version"] as? Int == 5)
        #expect(KeyFolderCheck.problems(workspace).isEmpty, "\(KeyFolderCheck.problems(workspace))")
    }

    @Test("the journal and its temporary files are git-ignored by the lines flagc init writes")
    func initIgnoresFlagcFiles() throws {
        let workspace = try Workspace()
        try workspace.write("build/\n*.key\n", to: ".gitignore")
        try workspace.succeed("init")
        let lines = try workspace.text(".gitignore").split(separator: "\n").map(String.init)
        #expect(lines.filter { $0 == "*.key" }.count == 1)
        #expect(lines.contains(".flagc-*"))
        #expect(lines.contains("out/"))
        #expect(lines.first == "build/")
    }
}
