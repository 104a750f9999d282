import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

/// The `flagc` command line: a thin layer over FlagCompiler. Data goes to stdout, progress and
/// diagnostics to stderr. Exit codes: 0 ok, 1 invalid input, 2 usage, 3 verification failure.
@main
struct Flagc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flagc",
        abstract: "Compile feature flags into signed, encrypted bundles and typed Swift code.",
        subcommands: [
            InitCommand.self, CheckCommand.self, BuildCommand.self, GenerateCommand.self, InspectCommand.self,
            EvalCommand.self,
            KeysCommand.self,
        ]
    )

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
            Output.error(message)
            Foundation.exit(code == .validationFailure || error is ValidationError ? ExitStatus.usage : code.rawValue)
        }
    }
}

/// The exit codes of PRODUCT.md.
enum ExitStatus {
    static let invalidInput: Int32 = 1
    static let usage: Int32 = 2
    static let verificationFailure: Int32 = 3
}

enum Output {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("flagc: error: " + message + "\n").utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Writes diagnostics, rendered with their source line, to stderr.
    static func diagnostics(_ diagnostics: [Diagnostic], sources: [String: String]) {
        var renderer = DiagnosticRenderer()
        // Only the files quoted: splitting every source into lines costs a large build ~8 %.
        let quoted = Set(diagnostics.compactMap { $0.location?.file })
        for (path, text) in sources where quoted.contains(path) { renderer.addSource(text, for: path) }
        for diagnostic in diagnostics { note(renderer.render(diagnostic)) }
    }

    static func fail(_ message: String, status: Int32) -> ExitCode {
        error(message)
        return ExitCode(status)
    }
}

/// Where keys come from, shared by every command that needs them.
struct KeyOptions: ParsableArguments {
    @Option(name: .customLong("keys"), help: "The keys folder.")
    var keysDirectory = "keys"

    var store: KeyStore { KeyStore(directory: keysDirectory) }
}
