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
        version: FlagcVersion.current,
        subcommands: [
            InitCommand.self, CheckCommand.self, BuildCommand.self, GenerateCommand.self, InspectCommand.self,
            EvalCommand.self, ImportCommand.self,
            KeysCommand.self, StaleCommand.self, RefsCommand.self,
        ]
    )

    static func main() {
        // A secret key text pasted where none belongs is refused before parsing, so that no message
        // (ArgumentParser's, or a command's echo of a bad value) and no output can repeat it.
        if let index = SecretRedaction.misplacedSecret(in: Output.arguments) {
            Output.error(
                "argument \(index + 1) holds a secret key text (\(SecretRedaction.placeholder)); flagc takes secret keys only from key files, FLAGC_* variables or --key, never from other arguments. Treat that key as exposed if it was shared"
            )
            Foundation.exit(ExitStatus.usage)
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            report(error)
        }
        do {
            try command.run()
        } catch let error as ValidationError {
            // A value the parser accepted but the command refused: the subcommand's usage, not flagc's.
            Output.error(error.message)
            Output.note("Usage: " + usageString(for: type(of: command)))
            Output.note("  See 'flagc \(commandPath(of: type(of: command))) --help' for more information.")
            Foundation.exit(ExitStatus.usage)
        } catch {
            report(error)
        }
    }

    /// The subcommand names leading from `flagc` to `command`, e.g. `keys rotate`.
    private static func commandPath(of command: ParsableCommand.Type) -> String {
        func path(_ node: ParsableCommand.Type, _ names: [String]) -> [String]? {
            if node == command { return names }
            for child in node.configuration.subcommands {
                let name = child.configuration.commandName ?? String(describing: child).lowercased()
                if let found = path(child, names + [name]) { return found }
            }
            return nil
        }
        return (path(Flagc.self, []) ?? []).joined(separator: " ")
    }

    /// Prints a parse or run error as flagc does everywhere and exits with its status.
    private static func report(_ error: Error) -> Never {
        if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) }
        let code = exitCode(for: error)
        if code == .success {  // --help, --version
            print(Output.redacted(fullMessage(for: error)))
            Foundation.exit(0)
        }
        var message = fullMessage(for: error)
        if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
        Output.error(message)
        Foundation.exit(code == .validationFailure || error is ValidationError ? ExitStatus.usage : code.rawValue)
    }
}

/// The exit codes of PRODUCT.md.
enum ExitStatus {
    static let invalidInput: Int32 = 1
    static let usage: Int32 = 2
    static let verificationFailure: Int32 = 3
}

/// Everything flagc prints to stderr goes through here, with secret key texts redacted.
enum Output {
    /// The command line's arguments, without the program name.
    static let arguments = Array(CommandLine.arguments.dropFirst())

    /// `message` without any secret key text, whether it came from an argument or elsewhere.
    static func redacted(_ message: String) -> String {
        SecretRedaction.redact(message, arguments: arguments)
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("flagc: error: " + redacted(message) + "\n").utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data((redacted(message) + "\n").utf8))
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
