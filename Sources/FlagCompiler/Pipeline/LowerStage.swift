import FlagRuntime

extension Pipeline {
    /// Stage 3: the bundle content of `target`: selection, environment overrides, resolution to indices.
    package static func lower(_ project: FlagProject, target: TargetDefinition) -> BundleContent {
        var lowering = TargetLowering(project: project, target: target)
        return lowering.lower()
    }
}
