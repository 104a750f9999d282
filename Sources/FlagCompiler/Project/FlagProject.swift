import FlagRuntime
import Foundation

/// Every definition of a repository: the flags and segments of `flags/*.yaml` and the targets of
/// `targets/*.yaml`, read, checked and indexed by name.
public struct FlagProject: Sendable {
    public var root: String
    /// The flag files; setting them re-indexes `flags`, `segments` and the flags by key.
    package var files: [FlagFile] {
        didSet { index() }
    }
    package var targets: [TargetDefinition]
    /// File texts by path, for rendering diagnostics with their source line.
    public var sources: [String: String]
    /// Every `matches` pattern, in the order read, with what it cost (see `RegexBudget`).
    package var patterns: [CompiledPattern] = []

    /// Every flag of every file, in file order (built once per change of `files`, never per use).
    package private(set) var flags: [FlagDefinition] = []
    /// Every segment of every file, in file order.
    package private(set) var segments: [SegmentDefinition] = []
    /// The first flag defined with each key.
    private var flagsByKey: [String: FlagDefinition] = [:]

    /// Largest accepted YAML file in flags/ or targets/, checked (with `fstat`) before reading it.
    public static let maximumFileBytes = 16 * 1024 * 1024
    /// Largest accepted total of the YAML files of flags/ and targets/ together, checked before
    /// reading each file: parsed definitions take about 20 times their text in memory.
    public static let maximumTotalBytes = 32 * 1024 * 1024

    package init(root: String, files: [FlagFile], targets: [TargetDefinition], sources: [String: String]) {
        self.root = root
        self.files = files
        self.targets = targets
        self.sources = sources
        index()
    }

    private mutating func index() {
        flags = files.flatMap(\.flags)
        segments = files.flatMap(\.segments)
        flagsByKey = Dictionary(flags.map { ($0.key.value, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads `flags/` and `targets/` under `root` (file paths in diagnostics are relative to it)
    /// and runs every project-wide check: the pipeline's load and validate stages. Problems go to
    /// `diagnostics`.
    public static func load(root: String, diagnostics: DiagnosticCollector) -> FlagProject {
        let project = read(root: root, diagnostics: diagnostics)
        Pipeline.validate(project, diagnostics: diagnostics)
        return project
    }

    /// The load stage alone: reads `flags/` and `targets/` under `root`, without the project-wide checks.
    package static func read(root: String, diagnostics: DiagnosticCollector) -> FlagProject {
        var budget = maximumTotalBytes
        var flagFiles = readYAMLFiles(root: root, folder: "flags", budget: &budget, diagnostics: diagnostics)
        flagFiles += readContextFile(root: root, budget: &budget, diagnostics: diagnostics)
        let targetFiles = readYAMLFiles(root: root, folder: "targets", budget: &budget, diagnostics: diagnostics)
        return read(root: root, flagFiles: flagFiles, targetFiles: targetFiles, diagnostics: diagnostics)
    }

    /// Reads and checks definitions given as (path, bytes) pairs: what `load(root:diagnostics:)`
    /// does after reading the folders, and what tests use with files that never touch the disk.
    public static func load(
        root: String = ".",
        flagFiles: [(String, [UInt8])],
        targetFiles: [(String, [UInt8])],
        diagnostics: DiagnosticCollector
    ) -> FlagProject {
        let project = read(root: root, flagFiles: flagFiles, targetFiles: targetFiles, diagnostics: diagnostics)
        Pipeline.validate(project, diagnostics: diagnostics)
        return project
    }

    /// The load stage alone, on definitions given as (path, bytes) pairs.
    package static func read(
        root: String = ".",
        flagFiles: [(String, [UInt8])],
        targetFiles: [(String, [UInt8])],
        diagnostics: DiagnosticCollector
    ) -> FlagProject {
        var project = FlagProject(root: root, files: [], targets: [], sources: [:])
        let reader = DefinitionReader(diagnostics: diagnostics)
        var files: [FlagFile] = []
        for (path, bytes) in flagFiles {
            project.sources[path] = String(decoding: bytes, as: UTF8.self)
            guard let node = parseYAML(bytes, path: path, diagnostics: diagnostics) else { continue }
            files.append(reader.readFlagFile(node, path: path, contextOnly: path == Self.contextFileName))
        }
        project.files = files
        for (path, bytes) in targetFiles {
            project.sources[path] = String(decoding: bytes, as: UTF8.self)
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let node = parseYAML(bytes, path: path, diagnostics: diagnostics)
            if node == nil, diagnostics.hasErrors, diagnostics.diagnostics.last?.location?.file == path { continue }
            if let target = reader.readTarget(node ?? nil, name: name, path: path) { project.targets.append(target) }
        }
        project.patterns = reader.patterns.patterns
        reader.patterns.reportBudget(to: diagnostics)
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

    /// The YAML files of `folder`, sorted by name. Each file's size is checked before it is read:
    /// at most `maximumFileBytes`, and all files together at most `maximumTotalBytes` (`budget` is
    /// what is left of it). Only regular files are read, never blocking on a FIFO or device.
    private static func readYAMLFiles(
        root: String,
        folder: String,
        budget: inout Int,
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
            guard budget >= 0 else { break }  // the total is exceeded: reported once
            let limit = min(maximumFileBytes, budget)
            do {
                let bytes = try FileReader.read(path: fullPath, limit: limit)
                budget -= bytes.count
                result.append((path, bytes))
            } catch .tooLarge(let count, _) {
                let location = SourceLocation(file: path, line: 1, column: 1)
                if count > maximumFileBytes {
                    diagnostics.error(
                        "file is too large (\(count) bytes; the limit is \(maximumFileBytes) bytes per file); "
                            + "split it into several files",
                        at: location
                    )
                } else {
                    diagnostics.error(
                        "flags/ and targets/ are too large together: reading \(path) (\(count) bytes) passes the "
                            + "limit of \(maximumTotalBytes) bytes for all YAML files of a project",
                        at: location
                    )
                }
                if count <= maximumFileBytes { budget = -1 }
            } catch .unreadable(_, let reason) {
                diagnostics.error("cannot read \(path): \(reason)", at: nil)
            } catch {
                diagnostics.error("cannot read \(path): \(error)", at: nil)
            }
        }
        return result
    }

    /// The optional root file declaring the context's attributes (`context:`), besides flags files.
    package static let contextFileName = "context.yaml"

    /// `context.yaml` at the root, when present, as one more (path, bytes) pair.
    private static func readContextFile(
        root: String,
        budget: inout Int,
        diagnostics: DiagnosticCollector
    ) -> [(String, [UInt8])] {
        let fullPath = (root as NSString).appendingPathComponent(contextFileName)
        guard FileManager.default.fileExists(atPath: fullPath), budget >= 0 else { return [] }
        do {
            let bytes = try FileReader.read(path: fullPath, limit: min(maximumFileBytes, budget))
            budget -= bytes.count
            return [(contextFileName, bytes)]
        } catch {
            diagnostics.error("cannot read \(contextFileName): \(error)", at: nil)
            return []
        }
    }

    /// The declared context attributes of every file (`context:`), in file order; empty when
    /// nothing is declared (then attributes are not checked).
    package var contextAttributes: [ContextAttributeDefinition] { files.flatMap(\.context) }

    /// The flag with `key`.
    package func flag(_ key: String) -> FlagDefinition? { flagsByKey[key] }

    /// The target named `name`.
    package func target(_ name: String) -> TargetDefinition? { targets.first { $0.name == name } }
}
