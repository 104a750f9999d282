import FlagRuntime
import Foundation

// Checks that a keys/ folder is whole: what a crash must never break.

enum KeyFolderCheck {
    /// Every regular file of `keys/` (hidden ones too) and its bytes, without the lock file.
    static func snapshot(_ workspace: Workspace, folder: String = "keys") -> [String: Data] {
        var files: [String: Data] = [:]
        for name in workspace.files(in: folder) where name != ".flagc-lock" {
            files[name] = try? workspace.data("\(folder)/\(name)")
        }
        return files
    }

    /// What is wrong with `keys/`: leftover temporary files, a root secret that does not match its
    /// `.pub`, a keyring its roots did not sign, a signing or recipient secret without its public
    /// half. Empty when the folder is whole.
    static func problems(_ workspace: Workspace) -> [String] {
        var problems: [String] = []
        let names = workspace.files(in: "keys")
        for name in names where name.hasPrefix(".flagc-tmp.") || name == ".flagc-journal" || name.contains(".tmp-") {
            problems.append("leftover \(name)")
        }
        func text(_ name: String) -> String? { try? workspace.text("keys/\(name)") }
        guard names.contains("keyring") || names.contains("root.key") else { return problems }  // nothing made yet
        var roots: [RootPublicKey] = []
        for (secret, pin) in [("root.key", "root.pub"), ("root-previous.key", "root-previous.pub")] {
            guard let secretText = text(secret) else {
                if secret == "root.key" { problems.append("no root.key") }
                if text(pin) != nil, secret != "root.key" { problems.append("\(pin) without \(secret)") }
                continue
            }
            guard let seed = try? KeyText.decode(secretText, as: .rootSecret),
                let publicKey = try? Sodium.signingPublicKey(seed: seed)
            else {
                problems.append("\(secret) is malformed")
                continue
            }
            let root = RootPublicKey(bytes: publicKey)
            roots.append(root)
            if text(pin).flatMap({ try? RootPublicKey(text: $0) }) != root {
                problems.append("\(pin) does not hold the public key of \(secret)")
            }
        }
        guard let bytes = try? workspace.data("keys/keyring"), let keyring = try? Keyring.decode(Array(bytes)) else {
            problems.append("no readable keyring")
            return problems
        }
        for root in roots where !keyring.isSigned(byAnyOf: [root]) {
            problems.append("the keyring is not signed by root \(root.id)")
        }
        if let state = try? workspace.data("keys/.flagc-keyring-state"), state != bytes {
            problems.append(".flagc-keyring-state is not the keyring")
        }
        for name in names where name.hasPrefix("signing-") && name.hasSuffix(".key") {
            let id = name.dropFirst("signing-".count).dropLast(".key".count)
            guard let seed = text(name).flatMap({ try? KeyText.decode($0, as: .signingSecret) }),
                let publicKey = try? Sodium.signingPublicKey(seed: seed)
            else {
                problems.append("\(name) is malformed")
                continue
            }
            if KeyID(of: publicKey).description != id { problems.append("\(name) holds another key") }
            if keyring.signingKey(KeyID(of: publicKey)) == nil { problems.append("\(name) is not in the keyring") }
        }
        for name in names where name.hasSuffix(".recipient.key") {
            let base = name.dropLast(".key".count)
            guard let secret = text(name).flatMap({ try? KeyText.decode($0, as: .recipientSecret) }),
                let publicKey = try? Sodium.x25519PublicKey(of: secret),
                let pinned = text("\(base).pub").flatMap({ try? KeyText.decode($0, as: .recipientPublic) })
            else {
                problems.append("\(name) is malformed or has no .pub")
                continue
            }
            if pinned.withUnsafeBytes({ Array($0) }) != publicKey { problems.append("\(base).pub does not match") }
        }
        for name in names where name.hasSuffix(".recipient.pub") && !names.contains(name.dropLast(4) + ".key") {
            problems.append("\(name) without its .key")
        }
        return problems
    }
}
