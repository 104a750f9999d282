import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

/// Writes only the generated Swift code of one target: no keys needed. What the build plugin runs.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a target's generated Swift code (no keys needed)."
    )

    @Option(help: "The target whose code to generate.")
    var target: String

    @Option(help: "The Swift file to write.")
    var output: String

    @Option(help: "The repository root holding flags/ and targets/.")
    var root = "."

    func run() throws {
        let diagnostics = DiagnosticCollector()
        // The generated code needs no keys: recipient files are `build`'s (and `check`'s) concern.
        let project = Builder.check(root: root, recipients: false, diagnostics: diagnostics)
        if diagnostics.hasErrors {
            Output.diagnostics(diagnostics.sorted, sources: project.sources)
            throw ExitCode(ExitStatus.invalidInput)
        }
        let issuedAt: Int64
        do {
            issuedAt = try BuildOptions.issueTime(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
        guard let source = Builder.swiftSource(of: project, target: target, issuedAt: issuedAt) else {
            let names = Builder.targetNames(of: project).joined(separator: ", ")
            throw Output.fail("no target '\(target)' in targets/ (have: \(names))", status: ExitStatus.invalidInput)
        }
        do {
            try SecureFile.writeAtomically(Array(source.utf8), to: output)
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
    }
}
