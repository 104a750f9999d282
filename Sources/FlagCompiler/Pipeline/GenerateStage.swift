import FlagRuntime

extension Pipeline {
    /// Stage 6: the Swift code of `target`, as `flagc build` and `flagc generate` write it.
    /// `issuedAt` decides which flags are past their `expires` date (and so deprecated).
    package static func generate(
        _ project: FlagProject,
        target: TargetDefinition,
        content: BundleContent,
        issuedAt: Int64
    ) -> String {
        SwiftGenerator(project: project, target: target, content: content, issuedAt: issuedAt).source()
    }
}
