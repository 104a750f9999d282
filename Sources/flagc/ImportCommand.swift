import ArgumentParser
import FlagCompiler
import Foundation

/// `flagc import unleash|flagd FILE [-o flags/NAME.yaml]`: another engine's flags as flagc YAML that
/// decides as that engine does (docs/import.md).
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert Unleash or flagd flag definitions into flagc YAML that assigns every user as before.",
        subcommands: [ImportUnleashCommand.self, ImportFlagdCommand.self]
    )
}

/// What both import commands take.
struct ImportOptions: ParsableArguments {
    @Argument(help: "The file to import ('-' reads standard input).")
    var file: String

    @Option(
        name: .shortAndLong,
        help: "Where to write the YAML (e.g. flags/imported.yaml); standard output when absent."
    )
    var output: String?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    /// Reads the input, imports it, checks that the YAML compiles, and writes it whole or not at all.
    func run(_ importer: (String, String) throws(ImportError) -> ImportResult) throws {
        let text: String
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            do {
                text = String(decoding: try SecureFile.read(file, maximumBytes: 64 << 20), as: UTF8.self)
            } catch {
                throw Output.fail(error.description, status: ExitStatus.invalidInput)
            }
        }
        let result: ImportResult
        do {
            result = try importer(text, file == "-" ? "standard input" : (file as NSString).lastPathComponent)
        } catch {
            throw Output.fail("\(file): \(error.description)", status: ExitStatus.invalidInput)
        }
        for warning in result.warnings { Output.note("flagc: warning: \(file): \(warning.description)") }
        for (source, key) in result.renamed { Output.note("note: '\(source)' is flag '\(key)'") }
        // The YAML must compile: an importer bug is reported, never written.
        let path = output ?? "flags/imported.yaml"
        let diagnostics = DiagnosticCollector()
        _ = FlagProject.load(flagFiles: [(path, Array(result.yaml.utf8))], targetFiles: [], diagnostics: diagnostics)
        let errors = diagnostics.sorted.filter { $0.severity == .error }
        guard errors.isEmpty else {
            Output.diagnostics(errors, sources: [path: result.yaml])
            throw Output.fail(
                "the imported YAML does not compile; nothing was written",
                status: ExitStatus.invalidInput
            )
        }
        guard let output else {
            FileHandle.standardOutput.write(Data(result.yaml.utf8))
            return
        }
        if FileManager.default.fileExists(atPath: output) && !force {
            throw Output.fail("\(output) exists; pass --force to replace it", status: ExitStatus.invalidInput)
        }
        do {
            let folder = (output as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            try SecureFile.writeAtomically(Array(result.yaml.utf8), to: output)
        } catch let error as SecureFile.Failure {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
        Output.note("wrote \(output)")
    }
}

struct ImportUnleashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unleash",
        abstract: "Import an Unleash client features payload (/api/client/features, or delta events)."
    )

    @OptionGroup var options: ImportOptions

    func run() throws {
        try options.run { text, source throws(ImportError) in try UnleashImporter.importPayload(text, source: source) }
    }
}

struct ImportFlagdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flagd",
        abstract: "Import a flagd flag definition file (flags, $evaluators, JsonLogic targeting)."
    )

    @OptionGroup var options: ImportOptions

    func run() throws {
        try options.run { text, source throws(ImportError) in try FlagdImporter.importFile(text, source: source) }
    }
}
