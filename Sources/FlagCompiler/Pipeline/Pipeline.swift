/// The compiler, as the stages a flag goes through from YAML to a bundle, each run once per target:
///
/// 1. **load** (`LoadStage.swift`): read and parse `flags/` and `targets/` into a `FlagProject`.
/// 2. **validate** (`ValidateStage.swift`): the project-wide checks (`ProjectValidator`).
/// 3. **lower** (`LowerStage.swift`): one target's flags to a `BundleContent` (`TargetLowering`).
///    **gate** (`GateStage.swift`): the target's flags against the policies of `policies/` and the
///    approvals of `approvals/` (`PolicyGate`); a violation is a diagnostic at the flag.
/// 4. **encode** (`EncodeStage.swift`): the content to payload bytes, checked as the runtime reads them.
/// 5. **seal** (`SealStage.swift`): compress, encrypt, seal to the recipients and sign (`BundleWriter`).
/// 6. **generate** (`GenerateStage.swift`): the target's Swift code (`SwiftGenerator`).
/// 7. **provenance** (`HistoryStages.swift`): the signed in-toto statement of the outputs (`Provenance`).
/// 8. **audit** (`HistoryStages.swift`): the audit log checked and the entry prepared before the
///    outputs are switched in, appended after (`AuditLog`, `BuildHistory`).
///
/// `flagc check` runs stages 1–4 for every target, `flagc build` all eight for each target it
/// builds (see `Builder`), `flagc generate` stages 1–3 and 6 for its one target. Problems in the
/// definitions are diagnostics; a step that cannot go on throws a `BuildError`.
package enum Pipeline {}
