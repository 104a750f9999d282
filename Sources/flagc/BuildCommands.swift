import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate flags/ and targets/ and run policy checks; writes nothing."
    )

    @Option(help: "The repository root holding flags/ and targets/.")
    var root = "."

    @Option(name: .customLong("fail-on"), help: "Fail (exit 1) on warnings too: 'warning'.")
    var failOn: FailOnSeverity?

    func run() throws {
        let diagnostics = DiagnosticCollector()
        let project = Builder.check(root: root, diagnostics: diagnostics)
        Output.diagnostics(diagnostics.sorted, sources: project.sources)
        if diagnostics.hasErrors {
            let count = diagnostics.diagnostics.filter { $0.severity == .error }.count
            Output.note("\(count) error\(count == 1 ? "" : "s")")
            throw ExitCode(ExitStatus.invalidInput)
        }
        let warnings = diagnostics.diagnostics.filter { $0.severity == .warning }.count
        if failOn == .warning && warnings > 0 {
            Output.note("\(warnings) warning\(warnings == 1 ? "" : "s") (--fail-on warning)")
            throw ExitCode(ExitStatus.invalidInput)
        }
        Output.note(
            "ok: \(project.flags.count) flags, \(project.segments.count) segments, \(project.targets.count) targets"
        )
    }
}

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Write out/<target>/ (flags.bundle, generated Swift, manifest.json) for every target or one.",
        discussion: "Set SOURCE_DATE_EPOCH for reproducible, byte-identical output."
    )

    @Option(help: "Only this target.")
    var target: String?

    @Option(help: "The repository root holding flags/, targets/ and keys/.")
    var root = "."

    @Option(name: .customLong("source"), help: "Record each flag's code references from this folder; repeatable.")
    var sources: [String] = []

    @OptionGroup var keys: KeyOptions

    func run() throws {
        let diagnostics = DiagnosticCollector()
        // Definitions only: `Builder.build` checks each target it builds (doing it here too would
        // encode and decode every target twice).
        let project = FlagProject.load(root: root, diagnostics: diagnostics)
        if diagnostics.hasErrors {
            Output.diagnostics(diagnostics.sorted, sources: project.sources)
            throw ExitCode(ExitStatus.invalidInput)
        }
        do {
            let keyDirectory =
                keys.keysDirectory.hasPrefix("/") || root == "."
                ? keys.keysDirectory : (root as NSString).appendingPathComponent(keys.keysDirectory)
            // Complete (or undo) a key operation a crash interrupted before reading any key.
            try KeyManager(store: KeyStore(directory: keyDirectory)).recover()
            var options = BuildOptions(
                root: root,
                target: target,
                issuedAt: try BuildOptions.issueTime(environment: ProcessInfo.processInfo.environment),
                keyStore: KeyStore(directory: keyDirectory)
            )
            options.sources = sources
            let outputs = try Builder.build(project, options: options, diagnostics: diagnostics)
            Output.diagnostics(diagnostics.sorted, sources: project.sources)
            if diagnostics.hasErrors { throw ExitCode(ExitStatus.invalidInput) }
            for output in outputs {
                Output.note(
                    "built \(output.directory)/flags.bundle: \(output.flagCount) flags, \(output.bundleBytes) bytes"
                )
            }
        } catch let failure as KeyStore.Failure {
            Output.diagnostics(diagnostics.sorted, sources: project.sources)
            throw Output.fail(failure.description, status: ExitStatus.invalidInput)
        } catch let failure as BuildError {
            Output.diagnostics(diagnostics.sorted, sources: project.sources)
            throw Output.fail(failure.description, status: ExitStatus.invalidInput)
        }
    }
}

/// `--fail-on warning`: warnings fail the command like errors.
enum FailOnSeverity: String, ExpressibleByArgument {
    case warning
}
