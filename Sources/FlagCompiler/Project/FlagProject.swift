import FlagRuntime
import Foundation

/// Every definition of a repository: the flags and segments of `flags/*.yaml` and the targets of
/// `targets/*.yaml`, read, checked and indexed by name.
public struct FlagProject: Sendable {
    public var root: String
    package var files: [FlagFile]
    package var targets: [TargetDefinition]
    /// File texts by path, for rendering diagnostics with their source line.
    public var sources: [String: String]
    /// Every `matches` pattern, in the order read, with what it cost (see `RegexBudget`).
    package var patterns: [CompiledPattern] = []

    package var flags: [FlagDefinition] { files.flatMap(\.flags) }
    package var segments: [SegmentDefinition] { files.flatMap(\.segments) }

    /// Reads `flags/` and `targets/` under `root` (file paths in diagnostics are relative to it)
    /// and runs every project-wide check. Problems go to `diagnostics`.
    public static func load(root: String, diagnostics: DiagnosticCollector) -> FlagProject {
        load(
            root: root,
            flagFiles: readYAMLFiles(root: root, folder: "flags", diagnostics: diagnostics),
            targetFiles: readYAMLFiles(root: root, folder: "targets", diagnostics: diagnostics),
            diagnostics: diagnostics
        )
    }

    /// Reads and checks definitions given as (path, bytes) pairs: what `load(root:diagnostics:)`
    /// does after reading the folders, and what tests use with files that never touch the disk.
    public static func load(
        root: String = ".",
        flagFiles: [(String, [UInt8])],
        targetFiles: [(String, [UInt8])],
        diagnostics: DiagnosticCollector
    ) -> FlagProject {
        var project = FlagProject(root: root, files: [], targets: [], sources: [:])
        let reader = DefinitionReader(diagnostics: diagnostics)
        for (path, bytes) in flagFiles {
            project.sources[path] = String(decoding: bytes, as: UTF8.self)
            guard let node = parseYAML(bytes, path: path, diagnostics: diagnostics) else { continue }
            project.files.append(reader.readFlagFile(node, path: path))
        }
        for (path, bytes) in targetFiles {
            project.sources[path] = String(decoding: bytes, as: UTF8.self)
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let node = parseYAML(bytes, path: path, diagnostics: diagnostics)
            if node == nil, diagnostics.hasErrors, diagnostics.diagnostics.last?.location?.file == path { continue }
            if let target = reader.readTarget(node ?? nil, name: name, path: path) { project.targets.append(target) }
        }
        project.patterns = reader.patterns.patterns
        reader.patterns.reportBudget(to: diagnostics)
        ProjectValidator(project: project, diagnostics: diagnostics).validate()
        return project
    }

    /// nil (outer) when reading stopped early; .some(nil) for an empty document. After local YAML
    /// problems (a duplicate key, say) the rest of the tree is still checked.
    private static func parseYAML(_ bytes: [UInt8], path: String, diagnostics: DiagnosticCollector) -> YAMLNode?? {
        let (root, problems) = YAMLReader.readRecovering(bytes, file: path)
        problems.forEach(diagnostics.append)
        if root == nil && !problems.isEmpty { return nil }
        return .some(root)
    }

    private static func readYAMLFiles(
        root: String,
        folder: String,
        diagnostics: DiagnosticCollector
    ) -> [(String, [UInt8])] {
        let directory = (root as NSString).appendingPathComponent(folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            diagnostics.error("no '\(folder)/' folder in \(root == "." ? "this directory" : root)", at: nil)
            return []
        }
        var result: [(String, [UInt8])] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = folder + "/" + name
            let fullPath = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: fullPath) else {
                diagnostics.error("cannot read \(path)", at: nil)
                continue
            }
            result.append((path, [UInt8](data)))
        }
        return result
    }

    /// The flag with `key`.
    package func flag(_ key: String) -> FlagDefinition? { flags.first { $0.key.value == key } }

    /// The target named `name`.
    package func target(_ name: String) -> TargetDefinition? { targets.first { $0.name == name } }
}
