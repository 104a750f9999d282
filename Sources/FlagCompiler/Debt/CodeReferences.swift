import FlagRuntime

/// Code references of a project's flags, as `flagc stale`, `flagc refs` and `flagc build --source` find them.
public enum CodeReferences {
    /// The references to every flag of `project` in `sources` (folders or files), skipping the
    /// project's own `flags/`, `targets/`, `out/` and `context.yaml`, and code flagc generated.
    public static func find(
        in project: FlagProject,
        sources: [String],
        maximumLocations: Int
    ) throws(CodeReferenceScanner.ScanFailure) -> [String: FlagReferences] {
        let scanner = CodeReferenceScanner(keys: project.flagKeys, maximumLocations: maximumLocations)
        let excluded = ["flags", "targets", "out", FlagProject.contextFileName].map {
            Builder.resolve($0, root: project.root)
        }
        return try scanner.scan(sources, excluding: excluded)
    }

    /// `{"flag", "count", "references": [{file, line, column, name}]}`.
    public static func json(flag: String, _ references: FlagReferences) -> String {
        JSONText.pretty(
            JSONValue.members([
                ("flag", .string(flag)),
                ("count", .integer(Int64(references.count))),
                ("references", .array(references.locations.map(StaleReport.referenceJSON))),
            ])
        )
    }
}

extension FlagProject {
    /// The key of every flag, in file order.
    public var flagKeys: [String] { flags.map(\.key.value) }
}
