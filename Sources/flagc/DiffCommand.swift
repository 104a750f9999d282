import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Semantic diff of one target between two bundles, source trees or git revisions.",
        discussion: """
            OLD and NEW are each a bundle file (verified, then decrypted with a recipient key), a source \
            tree (--source DIR, or a bare directory) or a git revision of the repository at --root \
            (--rev REV), in that order: `flagc diff --rev HEAD~1 --source .`, `flagc diff old.bundle \
            out/prod/flags.bundle`. --target picks a source side's target (default: a bundle side's, or the \
            only one) and refuses bundles of another. Both sides are compared as lowered bundle content, so \
            a bundle and a source tree compare. Split and ramp changes come with their exact exposure (shares of the \
            contexts the rule matches, from the bucket ranges; ramps at --at, default now) and a \
            warning when contexts already assigned are re-bucketed.
            """
    )

    @Argument(
        parsing: .allUnrecognized,
        help: ArgumentHelp(
            "OLD then NEW: each FILE (a bundle), DIR or --source DIR (a source tree), or --rev REV (git).",
            valueName: "side"
        )
    )
    var sides: [String] = []

    @Option(help: "The git repository (and project root) --rev reads.")
    var root = "."

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(name: .customLong("exit-code"), help: "Exit 1 when something changed, as git diff --exit-code does.")
    var exitCode = false

    @Flag(name: .customLong("no-color"), help: "No colours, even on a terminal.")
    var noColor = false

    @OptionGroup var loader: LoaderOptions

    enum Side {
        case bundle(String)
        case source(String)
        case revision(String)

        var label: String {
            switch self {
            case .bundle(let path): path
            case .source(let path): "source \(path)"
            case .revision(let revision): "rev \(revision)"
            }
        }
    }

    func parsedSides() throws -> [Side] {
        var result: [Side] = []
        var index = 0
        while index < sides.count {
            let token = sides[index]
            if token == "--source" || token == "--rev" || token == "--bundle" {
                guard index + 1 < sides.count else { throw ValidationError("\(token) needs a value") }
                let value = sides[index + 1]
                result.append(
                    token == "--source" ? .source(value) : token == "--rev" ? .revision(value) : .bundle(value)
                )
                index += 2
                continue
            }
            if let equals = token.firstIndex(of: "="),
                ["--source", "--rev", "--bundle"].contains(String(token[..<equals]))
            {
                let value = String(token[token.index(after: equals)...])
                let name = token[..<equals]
                result.append(name == "--source" ? .source(value) : name == "--rev" ? .revision(value) : .bundle(value))
                index += 1
                continue
            }
            guard !token.hasPrefix("-") else { throw ValidationError("unknown option '\(token)'") }
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: token, isDirectory: &isDirectory)
            result.append(exists && isDirectory.boolValue ? .source(token) : .bundle(token))
            index += 1
        }
        guard result.count == 2 else {
            throw ValidationError(
                "give two sides, OLD then NEW (found \(result.count)): e.g. flagc diff --rev HEAD --source ."
            )
        }
        return result
    }

    func run() throws {
        let parsed = try parsedSides()
        let time = try loader.evaluationTime() ?? Date().timeIntervalSince1970
        var snapshots: [TargetSnapshot?] = [nil, nil]
        // Bundles first: a source tree with several targets takes the bundle's.
        for (index, side) in parsed.enumerated() {
            if case .bundle(let path) = side { snapshots[index] = try loadBundle(path) }
        }
        for (index, side) in parsed.enumerated() where snapshots[index] == nil {
            let target = loader.target ?? snapshots.compactMap { $0?.target }.first
            do {
                switch side {
                case .source(let directory):
                    snapshots[index] = try SnapshotLoader.source(root: directory, target: target)
                case .revision(let revision):
                    snapshots[index] = try SnapshotLoader.revision(revision, root: root, target: target)
                case .bundle: break
                }
            } catch {
                throw Output.fail(error.description, status: ExitStatus.invalidInput)
            }
        }
        guard let old = snapshots[0], let new = snapshots[1] else { return }
        let diff = SemanticDiff(old: old, new: new, at: time)
        if json {
            guard case .object(var members) = DiffReport.json(diff) else { return }
            members.insert(JSONMember("old", .string(parsed[0].label)), at: 1)
            members.insert(JSONMember("new", .string(parsed[1].label)), at: 2)
            print(JSONValue.object(members).jsonText)
        } else {
            let colored =
                !noColor && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            let targets = old.target == new.target ? "" : " (targets \(old.target) → \(new.target))"
            print(DiffReport.text(diff, old: parsed[0].label + targets, new: parsed[1].label, colored: colored))
        }
        if exitCode && !diff.isEmpty { throw ExitCode(1) }
    }

    private func loadBundle(_ path: String) throws -> TargetSnapshot {
        let (bytes, recipientIDs) = try loader.readBundle(path)
        let options = try loader.loadOptions(recipientIDs: recipientIDs)
        guard options.recipientKey != nil else {
            throw Output.fail(
                "\(path): no recipient key opens this bundle (pass --key, set FLAGC_RECIPIENT_KEY or add keys/NAME.recipient.key); the diff needs its flags",
                status: ExitStatus.invalidInput
            )
        }
        do {
            let bundle = try FlagBundle.load(bytes: bytes, options: options)
            return SnapshotLoader.bundle(bundle, bytes: bytes, path: path)
        } catch {
            throw Output.fail(
                "\(path): verification failed (\(error.check)): \(error)",
                status: ExitStatus.verificationFailure
            )
        }
    }
}
