/// The compiler, as the stages a flag goes through from YAML to a bundle, each run once per target:
///
/// 1. **load** (`LoadStage.swift`): read and parse `flags/` and `targets/` into a `FlagProject`.
/// 2. **validate** (`ValidateStage.swift`): the project-wide checks (`ProjectValidator`).
/// 3. **lower** (`LowerStage.swift`): one target's flags to a `BundleContent` (`TargetLowering`).
/// 4. **encode** (`EncodeStage.swift`): the content to payload bytes, checked as the runtime reads them.
/// 5. **seal** (`SealStage.swift`): compress, encrypt, seal to the recipients and sign (`BundleWriter`).
/// 6. **generate** (`GenerateStage.swift`): the target's Swift code (`SwiftGenerator`).
///
/// `flagc check` runs stages 1–4 for every target, `flagc build` all six for each target it
/// builds (see `Builder`), `flagc generate` stages 1–3 and 6 for its one target. Problems in the
/// definitions are diagnostics; a step that cannot go on throws a `BuildError`.
package enum Pipeline {}
