extension Pipeline {
    /// Stage 1: reads `flags/` and `targets/` under `root` into a project, unchecked across files.
    package static func load(root: String, diagnostics: DiagnosticCollector) -> FlagProject {
        FlagProject.read(root: root, diagnostics: diagnostics)
    }
}
