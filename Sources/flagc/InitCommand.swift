import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Scaffold flags/, targets/ and keys/ with an example flag, a 'dev' target and development keys."
    )

    @OptionGroup var keys: KeyOptions

    func run() throws {
        let fileManager = FileManager.default
        let files = [
            ("flags/example.yaml", Self.exampleFlags), ("targets/dev.yaml", Self.devTarget),
            ("schema/flags.schema.json", EditorSchema.flags + "\n"),
            ("schema/target.schema.json", EditorSchema.target + "\n"),
        ]
        for (path, text) in files {
            if fileManager.fileExists(atPath: path) {
                Output.note("kept existing \(path)")
                continue
            }
            try fileManager.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            do {
                try SecureFile.writeAtomically(Array(text.utf8), to: path)
            } catch {
                throw Output.fail(error.description, status: ExitStatus.invalidInput)
            }
            Output.note("created \(path)")
        }
        let manager = KeyManager(store: keys.store)
        if !fileManager.fileExists(atPath: keys.store.keyringPath) {
            try runKeyOperation { () throws(KeyStore.Failure) in
                let id = try manager.initialize()
                Output.note("created \(keys.keysDirectory)/root.key, root.pub, keyring v1 and signing key \(id)")
            }
        }
        if !fileManager.fileExists(atPath: keys.store.recipientPublicPath("dev")) {
            try runKeyOperation { () throws(KeyStore.Failure) in
                try manager.addRecipient("dev")
                Output.note("created \(keys.keysDirectory)/dev.recipient.pub and dev.recipient.key")
            }
        }
        let ignore = ".gitignore"
        let existing = (try? String(contentsOfFile: ignore, encoding: .utf8)) ?? ""
        let present = Set(existing.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
        let missing = Self.ignoredPatterns.filter { !present.contains($0) }
        if !missing.isEmpty {
            let separator = existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n"
            try? SecureFile.writeAtomically(
                Array(
                    (existing + separator + "\n# flagc secret keys, key-operation files and build output\n"
                        + missing.joined(separator: "\n") + "\n").utf8
                ),
                to: ignore
            )
            Output.note("added \(missing.joined(separator: ", ")) to .gitignore")
        }
        Output.note(
            "next: flagc check && flagc build && flagc eval out/dev/flags.bundle --context '{\"targetingKey\":\"user-1\"}'"
        )
    }

    /// What `.gitignore` must hold: secret keys (and their temporary files, whose names end with
    /// the final name), flagc's temporary, staged, journal, lock and keyring-state files (all named
    /// `.flagc-*`), and the build output.
    static let ignoredPatterns = ["*.key", ".flagc-*", "out/"]

    static let exampleFlags = """
        # yaml-language-server: $schema=../schema/flags.schema.json
        # Feature flags. The language: docs/language.md in the flagc repository.
        segments:
          staff:
            description: Employees
            when: { email: { endsWith: "@example.com" } }

        flags:
          new-checkout-flow:
            description: Redesigned checkout
            owner: team-payments
            default: off
            rules:
              - name: staff first
                when: { segment: staff }
                serve: on
              - name: canary
                serve: { split: { on: 5, off: 95 } }

        """

    static let devTarget = """
        # yaml-language-server: $schema=../schema/target.schema.json
        environment: development
        flags: ["*"]
        recipients: [keys/dev.recipient.pub]
        expiresAfter: 30d
        codegen: { swift: { typeName: Flags, accessLevel: public } }

        """
}
