import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the root key, the keyring, signing keys and recipients (see docs/operators.md).",
        subcommands: [
            KeysInit.self, KeysRotate.self, KeysRevoke.self, KeysList.self, KeysRecipient.self,
            KeysRemoveRecipient.self, KeysRenew.self, KeysRotateRoot.self, KeysRetireRoot.self,
            KeysApprover.self,
        ]
    )
}

/// Runs a key operation, mapping its failure to exit code 1 (3 when a keyring or root check
/// failed) with the message on stderr.
func runKeyOperation(_ body: () throws(KeyStore.Failure) -> Void) throws {
    do {
        try body()
    } catch {
        throw Output.fail(
            error.description,
            status: error.isVerificationFailure ? ExitStatus.verificationFailure : ExitStatus.invalidInput
        )
    }
}

struct KeysInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the root key, a first signing key and keyring version 1."
    )
    @OptionGroup var keys: KeyOptions

    func run() throws {
        try runKeyOperation { () throws(KeyStore.Failure) in
            let id = try KeyManager(store: keys.store).initialize()
            Output.note(
                "created \(keys.keysDirectory)/root.key (keep it offline), root.pub, keyring v1, signing key \(id)"
            )
        }
    }
}

struct KeysRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Add a new signing key; older keys keep signing for the grace period."
    )
    @Option(help: "How long older keys stay valid, e.g. 7d.")
    var grace = "7d"
    @OptionGroup var keys: KeyOptions

    func run() throws {
        guard let seconds = Timestamp.parseDuration(grace) else {
            throw ValidationError("--grace must be a duration like 7d")
        }
        try runKeyOperation { () throws(KeyStore.Failure) in
            let id = try KeyManager(store: keys.store).rotate(grace: seconds)
            let keyring = try keys.store.loadKeyring()
            Output.note("new signing key \(id); keyring is now version \(keyring.version)")
        }
    }
}

struct KeysRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a signing key (after a leak); then rebuild and raise the minimum keyring version."
    )
    @Argument(help: "The signing key id (16 hex digits).")
    var id: String
    @OptionGroup var keys: KeyOptions

    func run() throws {
        guard let keyID = KeyID(hex: id) else { throw ValidationError("'\(id)' is not a key id (16 hex digits)") }
        try runKeyOperation { () throws(KeyStore.Failure) in
            try KeyManager(store: keys.store).revoke(keyID)
            let keyring = try keys.store.loadKeyring()
            Output.note(
                "revoked \(keyID); keyring is now version \(keyring.version). Rebuild, then set FLAGC_MIN_KEYRING_VERSION=\(keyring.version) on every function."
            )
        }
    }
}

struct KeysList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Verify the keyring against the roots, then show it (exit 3 when it does not verify)."
    )
    @Flag(help: "Print JSON.")
    var json = false
    @OptionGroup var keys: KeyOptions

    func run() throws {
        try runKeyOperation { () throws(KeyStore.Failure) in
            // Only a keyring that verifies is shown, with only the signatures that verify.
            var (keyring, roots) = try KeyManager(store: keys.store).verifiedKeyring()
            keyring.signatures.removeAll { signature in !roots.contains { $0.id == signature.rootID } }
            print(json ? KeyringReport.json(keyring, roots: roots) : KeyringReport.text(keyring, roots: roots))
        }
    }
}

struct KeysRecipient: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipient",
        abstract: "Create a recipient key pair NAME.recipient.pub / NAME.recipient.key."
    )
    @Argument(help: "The recipient's name, e.g. the function or target.")
    var name: String
    @OptionGroup var keys: KeyOptions

    func run() throws {
        try runKeyOperation { () throws(KeyStore.Failure) in
            let id = try KeyManager(store: keys.store).addRecipient(name)
            Output.note("created \(keys.keysDirectory)/\(name).recipient.pub and .key (recipient \(id))")
        }
    }
}

struct KeysRemoveRecipient: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-recipient",
        abstract: "Delete a recipient's keys; remove it from targets and rebuild."
    )
    @Argument(help: "The recipient to delete: keys/NAME.recipient.pub and keys/NAME.recipient.key.")
    var name: String
    @OptionGroup var keys: KeyOptions

    func run() throws {
        try runKeyOperation { () throws(KeyStore.Failure) in
            try KeyManager(store: keys.store).removeRecipient(name)
            Output.note("removed recipient \(name); remove it from every target's recipients and rebuild")
        }
    }
}

struct KeysRenew: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Re-sign the keyring with a new expiry (version + 1)."
    )
    @OptionGroup var keys: KeyOptions

    func run() throws {
        try runKeyOperation { () throws(KeyStore.Failure) in
            try KeyManager(store: keys.store).renew()
            let keyring = try keys.store.loadKeyring()
            Output.note("keyring version \(keyring.version), expires \(Timestamp.formatRFC3339(keyring.expiresAt))")
        }
    }
}

struct KeysRotateRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-root",
        abstract: "Make a new root; keyrings are co-signed by the old root until retire-root."
    )
    @OptionGroup var keys: KeyOptions

    func run() throws {
        try runKeyOperation { () throws(KeyStore.Failure) in
            let id = try KeyManager(store: keys.store).rotateRoot()
            Output.note(
                "new root \(id); the keyring is signed by the old and the new root. Pin the new root.pub on every function, then run 'flagc keys retire-root'."
            )
        }
    }
}

struct KeysRetireRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire-root",
        abstract: "Stop co-signing with the previous root and delete it."
    )
    @OptionGroup var keys: KeyOptions

    func run() throws {
        try runKeyOperation { () throws(KeyStore.Failure) in
            try KeyManager(store: keys.store).retirePreviousRoot()
            let keyring = try keys.store.loadKeyring()
            Output.note(
                "retired the previous root; keyring version \(keyring.version) is signed by the current root only"
            )
        }
    }
}
