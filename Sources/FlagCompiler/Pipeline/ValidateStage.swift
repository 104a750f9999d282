extension Pipeline {
    /// Stage 2: the project-wide checks (duplicates, references, cycles, target selections).
    package static func validate(_ project: FlagProject, diagnostics: DiagnosticCollector) {
        ProjectValidator(project: project, diagnostics: diagnostics).validate()
    }
}
