import Foundation
import Testing

// A secret key pasted into the wrong argument must never come back in flagc's output: not in an
// ArgumentParser message, not in a command's own error, not on stdout.

@Suite("secret key texts in arguments are never printed")
struct SecretArgumentTests {
    /// Where a secret can be pasted; SECRET stands for it.
    static let positions: [[String]] = [
        ["keys", "revoke", "SECRET"],
        ["keys", "recipient", "SECRET"],
        ["keys", "remove-recipient", "SECRET"],
        ["keys", "rotate", "--grace", "SECRET"],
        ["keys", "list", "--keys", "SECRET"],
        ["build", "--target", "SECRET"],
        ["build", "--target=SECRET"],
        ["build", "SECRET"],
        ["inspect", "SECRET"],
        ["inspect", "out/dev/flags.bundle", "--min-bundle-version", "SECRET"],
        ["inspect", "out/dev/flags.bundle", "--root-key", "SECRET"],
        ["eval", "out/dev/flags.bundle", "--context", "{}", "--flag", "SECRET"],
        ["eval", "out/dev/flags.bundle", "--context", "{}", "--environment", "SECRET"],
        ["eval", "out/dev/flags.bundle", "--context", "{}", "--target", "SECRET"],
        ["eval", "out/dev/flags.bundle", "--context", #"{"token":"SECRET"}"#],
        ["eval", "out/dev/flags.bundle", "--context", "{}", "--min-keyring-version", "SECRET"],
        ["SECRET"],
        ["keys", "--SECRET"],
        ["check", "--root", "prefix-SECRET-suffix"],
    ]

    static let secretFiles = ["keys/root.key", "keys/signing-ID.key", "keys/dev.recipient.key"]

    @Test(
        "refused with a usage error that names no part of the secret",
        arguments: positions.enumerated().map { ($0.element, secretFiles[$0.offset % secretFiles.count]) }
    )
    func secretArgumentIsNeverEchoed(position: [String], file: String) throws {
        let project = try SharedExample.project()
        let workspace = project.workspace
        let path = file.replacingOccurrences(of: "ID", with: project.signingKeyID)
        let secret = try workspace.text(path).trimmingCharacters(in: .whitespacesAndNewlines)
        let body = String(secret.split(separator: ":").last!)
        let arguments = position.map { $0.replacingOccurrences(of: "SECRET", with: secret) }

        let result = try workspace.run(arguments)

        #expect(result.status == 2, "\(position) with \(path): exit \(result.status)")
        #expect(!result.allOutput.contains(body), "\(position) echoed the secret of \(path)")
        #expect(!result.allOutput.contains(String(body.prefix(12))), "\(position) echoed part of \(path)")
        #expect(result.stderr.contains("<secret key text>"), "\(position): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test(
        "a secret after --key where the command takes no --key is a usage error that does not echo it",
        arguments: [
            ["keys", "list", "--key", "SECRET"], ["build", "--key=SECRET"], ["keys", "revoke", "--key", "SECRET"],
        ]
    )
    func keyOptionElsewhereIsNotEchoed(position: [String]) throws {
        let workspace = try SharedExample.project().workspace
        let secret = try workspace.text("keys/root.key").trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try workspace.run(position.map { $0.replacingOccurrences(of: "SECRET", with: secret) })
        #expect(result.status == 2, "\(result)")
        #expect(!result.allOutput.contains(String(secret.split(separator: ":").last!)), "\(position) echoed it")
    }

    @Test("a secret given to --key is used or refused, never echoed")
    func keyOptionTakesARecipientSecret() throws {
        let project = try SharedExample.project()
        let workspace = project.workspace
        let recipient = try workspace.text("keys/dev.recipient.key").trimmingCharacters(in: .whitespacesAndNewlines)
        let root = try workspace.text("keys/root.key").trimmingCharacters(in: .whitespacesAndNewlines)
        let opened = try workspace.run("eval", "out/dev/flags.bundle", "--context", "{}", "--key", recipient)
        #expect(opened.status == 0, "\(opened)")
        let refused = try workspace.run("eval", "out/dev/flags.bundle", "--context", "{}", "--key=\(root)")
        #expect(refused.status != 0, "\(refused)")
        #expect(!refused.allOutput.contains(String(root.split(separator: ":").last!)))
    }
}
