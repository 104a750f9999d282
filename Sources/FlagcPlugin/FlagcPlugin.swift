import Foundation
import PackagePlugin

/// Generates a target's typed flags code at build time, so applications never commit or hand-run
/// generated code. Configure it with `flagc.json` in the Swift target's folder:
///
///     { "root": "../../flags-repo", "target": "prod-eu" }
///
/// `root` (relative to that folder) holds `flags/` and `targets/`; `target` names the flagc target
/// whose generated type (`codegen.swift.typeName`, default `Flags`) the Swift target gets.
@main
struct FlagcPlugin: BuildToolPlugin {
    struct Configuration: Decodable {
        var root: String
        var target: String
    }

    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        let configurationURL = module.directoryURL.appending(path: "flagc.json")
        guard FileManager.default.fileExists(atPath: configurationURL.path) else {
            Diagnostics.error("FlagcPlugin: add \(configurationURL.path) with {\"root\": \"…\", \"target\": \"…\"}")
            return []
        }
        let configuration = try JSONDecoder().decode(Configuration.self, from: Data(contentsOf: configurationURL))
        let root = module.directoryURL.appending(path: configuration.root).standardizedFileURL
        var inputs = [configurationURL]
        for folder in ["flags", "targets"] {
            let directory = root.appending(path: folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            inputs += names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { directory.appending(path: $0) }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "FlagcGenerated.swift")
        return [
            .buildCommand(
                displayName: "flagc generate --target \(configuration.target)",
                executable: try context.tool(named: "flagc").url,
                arguments: [
                    "generate", "--target", configuration.target, "--output", output.path, "--root", root.path,
                ],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
