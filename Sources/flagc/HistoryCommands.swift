import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

struct VerifyProvenanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-provenance",
        abstract: "Check out/<target>/provenance.json: signature, keyring chain to the root, subjects' digests.",
        discussion: """
            Offline: the keyring comes from the bundle beside the statement and must be signed by a \
            pinned root (--root-key, FLAGC_ROOT_PUBLIC_KEY or keys/root.pub). Exit 3, naming the failed \
            check, when anything does not match.
            """
    )

    @Argument(help: "The build's output folder, e.g. out/prod-eu/.")
    var directory: String

    @Option(name: .customLong("root-key"), help: "A pinned root public key (text or file); repeat for several.")
    var rootKeys: [String] = []

    @OptionGroup var keys: KeyOptions

    func run() throws {
        let roots: [RootPublicKey]
        do {
            roots = try keys.store.trustedRoots(overrides: rootKeys)
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
        guard !roots.isEmpty else {
            throw Output.fail(
                "no trusted root key: pass --root-key, set FLAGC_ROOT_PUBLIC_KEY or add keys/root.pub",
                status: ExitStatus.invalidInput
            )
        }
        do {
            let verified = try Provenance.verify(directory: directory, roots: roots)
            print(
                "verified: \(directory) target \(verified.target), signed by \(verified.keyID); subjects "
                    + verified.subjects.joined(separator: ", ") + " match; \(verified.inputCount) inputs"
                    + (verified.commit.map { ", commit \($0)" } ?? "")
            )
        } catch {
            throw Output.fail(
                "\(directory): \(error.description)",
                status: error.check == "provenance" ? ExitStatus.invalidInput : ExitStatus.verificationFailure
            )
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check or read the hash-chained build history in audit/.",
        subcommands: [AuditVerifyCommand.self, AuditLogCommand.self]
    )
}

/// What both audit commands share: where the history and the keys are.
struct AuditOptions: ParsableArguments {
    @Option(help: "The repository root holding audit/ and keys/.")
    var root = "."

    @Option(name: .customLong("root-key"), help: "A pinned root public key (text or file); repeat for several.")
    var rootKeys: [String] = []

    @OptionGroup var keys: KeyOptions

    /// The keyring of keys/, checked against the pinned roots.
    func keyring() throws -> Keyring {
        let directory =
            keys.keysDirectory.hasPrefix("/") || root == "."
            ? keys.keysDirectory : (root as NSString).appendingPathComponent(keys.keysDirectory)
        let store = KeyStore(directory: directory)
        do {
            let keyring = try store.loadKeyring()
            let roots = try store.trustedRoots(overrides: rootKeys)
            guard keyring.isSigned(byAnyOf: roots) else {
                throw Output.fail(
                    "verification failed (keyring signature): \(store.keyringPath) is not signed by a trusted root",
                    status: ExitStatus.verificationFailure
                )
            }
            return keyring
        } catch let failure as KeyStore.Failure {
            throw Output.fail(failure.description, status: ExitStatus.invalidInput)
        }
    }

    /// `audit/<target>.jsonl`'s targets: the one given, else every log in audit/.
    func targets(_ target: String?) throws -> [String] {
        if let target { return [target] }
        let folder = root == "." ? AuditLog.folder : (root as NSString).appendingPathComponent(AuditLog.folder)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".jsonl") && !$0.hasPrefix(".") }.sorted()
        guard !names.isEmpty else {
            throw Output.fail(
                "no history: \(folder)/ holds no <target>.jsonl (flagc build writes them)",
                status: ExitStatus.invalidInput
            )
        }
        return names.map { String($0.dropLast(".jsonl".count)) }
    }

    func verified(_ target: String, keyring: Keyring) throws -> AuditLog.Verified {
        let path = AuditLog.path(root: root, target: target)
        guard FileManager.default.fileExists(atPath: path) else {
            throw Output.fail(
                "no history for target '\(target)': \(path) does not exist",
                status: ExitStatus.invalidInput
            )
        }
        do {
            return try AuditLog.verify(path: path, target: target, keyring: keyring)
        } catch {
            throw Output.fail(
                "verification failed (audit log): \(error.message)",
                status: ExitStatus.verificationFailure
            )
        }
    }
}

struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the chain and signed checkpoint of audit/<target>.jsonl (every target when none is given).",
        discussion: """
            Exit 3, naming the first bad entry, when a byte of an entry changed, an entry was removed, \
            inserted or reordered, or the checkpoint does not match. With --bundle, also proves that \
            bundle is in the history (exit 3 when it is not).
            """
    )

    @Argument(help: "The target (default: every log in audit/, or the bundle's target with --bundle).")
    var target: String?

    @Option(help: "A deployed bundle file that must be in the history.")
    var bundle: String?

    @OptionGroup var options: AuditOptions

    func run() throws {
        let keyring = try options.keyring()
        var bundleDigest: String?
        var target = self.target
        if let bundle {
            let bytes: [UInt8]
            do {
                bytes = try BundleInspection.read(bundle)
            } catch {
                throw Output.fail("\(error)", status: ExitStatus.invalidInput)
            }
            bundleDigest = "sha256:" + SHA256.hex(bytes)
            // Only to choose the log: the digest match below is the proof.
            if target == nil { target = try? BundleHeader.parseLayout(bytes).header.target }
            guard target != nil else {
                throw Output.fail("\(bundle): not a bundle; name the target", status: ExitStatus.verificationFailure)
            }
        }
        for name in try options.targets(target) {
            let verified = try options.verified(name, keyring: keyring)
            print(
                "verified: audit/\(name).jsonl, \(verified.entries.count) entr\(verified.entries.count == 1 ? "y" : "ies"), checkpoint signed by \(verified.checkpointKey ?? "?")"
            )
            if let bundleDigest, let bundle {
                guard let entry = verified.entries.last(where: { $0.bundleDigest == bundleDigest }) else {
                    throw Output.fail(
                        "verification failed (history): \(bundle) (\(bundleDigest)) is in no entry of audit/\(name).jsonl: "
                            + "it was never built through this history, or the history was cut before it",
                        status: ExitStatus.verificationFailure
                    )
                }
                print(
                    "in history: \(bundle) is the bundle of entry \(entry.number) (\(entry.value[member: "time"]?.stringValue ?? "?"))"
                )
            }
        }
    }
}

struct AuditLogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print the verified build history of a target, newest first.",
        discussion: "The claimed author is what git or the CI said: a claim, not a verified identity."
    )

    @Argument(help: "The target (default: every log in audit/).")
    var target: String?

    @Option(help: "Only the entries that changed this flag.")
    var flag: String?

    @Flag(help: "Print the entries as JSON lines (newest first).")
    var json = false

    @OptionGroup var options: AuditOptions

    func run() throws {
        let keyring = try options.keyring()
        for name in try options.targets(target) {
            let verified = try options.verified(name, keyring: keyring)
            for entry in verified.entries.reversed() {
                let changes = entry.value[member: "changes"]
                let flags = changes?[member: "flags"]?.arrayValue ?? []
                let selected = flag.map { key in flags.filter { $0[member: "key"]?.stringValue == key } } ?? flags
                if flag != nil && selected.isEmpty { continue }
                if json {
                    print(entry.line)
                    continue
                }
                print(AuditLogText.entry(entry, flags: selected, showSegments: flag == nil))
            }
        }
    }
}

/// `flagc audit log`'s text.
enum AuditLogText {
    static func entry(_ entry: AuditLog.Entry, flags: [JSONValue], showSegments: Bool) -> String {
        let value = entry.value
        func text(_ member: String) -> String { value[member: member]?.stringValue ?? "?" }
        let bundle = value[member: "bundle"]
        let source = value[member: "source"]
        var lines = [
            "entry \(entry.number)  \(text("time"))  target \(text("target"))  bundle version \(bundle?[member: "version"]?.integerValue.map(String.init) ?? "?")"
        ]
        lines.append("  bundle     \(bundle?[member: "sha256"]?.stringValue ?? "?")")
        lines.append(
            "  keyring    version \(value[member: "keyringVersion"]?.integerValue.map(String.init) ?? "?"), signing key \(text("signingKeyId"))"
        )
        if let commit = source?[member: "commit"]?.stringValue {
            lines.append(
                "  commit     \(commit)"
                    + (source?[member: "dirty"] == .bool(true) ? " (with uncommitted changes)" : "")
            )
        }
        if let author = value[member: "claimedAuthor"], let name = author[member: "name"]?.stringValue {
            lines.append(
                "  claimed author: \(name) (from \(author[member: "claimedBy"]?.stringValue ?? "?"); not verified)"
            )
        }
        let changes = value[member: "changes"]
        if let reason = changes?[member: "unavailable"]?.stringValue {
            lines.append("  changes unknown: \(reason)")
        } else if flags.isEmpty && (changes?[member: "segments"]?.arrayValue ?? []).isEmpty {
            lines.append("  no changes")
        }
        for flag in flags {
            let kinds = flag[member: "kinds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let tagged = flag[member: "compliance"] == .bool(true) ? "  [compliance: kinds only]" : ""
            lines.append("  ~ \(flag[member: "key"]?.stringValue ?? "?"): " + kinds.joined(separator: ", ") + tagged)
            for change in flag[member: "changes"]?.arrayValue ?? [] {
                guard let detail = change[member: "detail"]?.stringValue else { continue }
                lines.append("      \(change[member: "kind"]?.stringValue ?? "?"): \(detail)")
                if let warning = change[member: "warning"]?.stringValue { lines.append("      warning: \(warning)") }
            }
        }
        if showSegments {
            for segment in changes?[member: "segments"]?.arrayValue ?? [] {
                let kinds = segment[member: "kinds"]?.arrayValue?.compactMap(\.stringValue) ?? []
                lines.append(
                    "  ~ segment \(segment[member: "name"]?.stringValue ?? "?"): " + kinds.joined(separator: ", ")
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
