import FlagRuntime

extension Pipeline {
    /// Stage 7, after seal and generate: the signed in-toto provenance of a target's output files,
    /// `provenance.json` beside them (see `Provenance`).
    package static func provenance(
        of target: TargetDefinition,
        files: [(String, [UInt8])],
        history: BuildHistory
    ) throws(BuildError) -> (String, [UInt8]) {
        (Provenance.fileName, try history.provenance(of: target, files: files))
    }

    /// Stage 8a, before anything is replaced: checks the target's audit log (a log that does not
    /// verify stops the build) and prepares its entry, with the semantic diff since the last one.
    package static func prepareAuditEntry(
        _ project: FlagProject,
        target: TargetDefinition,
        content: BundleContent,
        bundle: [UInt8],
        outputDirectory: String,
        history: inout BuildHistory,
        diagnostics: DiagnosticCollector
    ) throws(BuildError) {
        try history.prepareEntry(
            project: project,
            target: target,
            content: content,
            bundle: bundle,
            outputDirectory: outputDirectory,
            diagnostics: diagnostics
        )
    }

    /// Stage 8b, once the outputs are switched in: appends the prepared entries to `audit/`.
    package static func recordAudit(_ history: BuildHistory) throws(BuildError) {
        try history.record()
    }
}
