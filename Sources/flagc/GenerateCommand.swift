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
        // The generated code needs no keys, and only this target is lowered.
        let project: FlagProject
        let generated: String?
        do {
            (project, generated) = try Builder.generate(
                root: root,
                target: target,
                environment: ProcessInfo.processInfo.environment,
                diagnostics: diagnostics
            )
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
        guard let source = generated else {
            Output.diagnostics(diagnostics.sorted, sources: project.sources)
            throw ExitCode(ExitStatus.invalidInput)
        }
        do {
            try SecureFile.writeAtomically(Array(source.utf8), to: output)
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
    }
}
