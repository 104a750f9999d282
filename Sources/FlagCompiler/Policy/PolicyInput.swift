import FlagRuntime

/// `flagc policy-input`: the facts of every (flag, target) pair as one JSON document,
/// `{"formatVersion": 1, "flags": [FACTS, ...]}`, for OPA/Rego, conftest or any other policy engine.
public enum PolicyInput {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The document for every target (or `target` only), flags in each target's order, at time `now`.
    public static func json(
        project: FlagProject,
        approvals: ApprovalStore,
        target name: String?,
        now: Int64
    ) throws(Failure) -> String {
        var targets = project.targets
        if let name {
            guard let target = project.target(name) else {
                let suggestion = Suggestion.closest(to: name, among: project.targets.map(\.name))
                throw Failure(
                    description: "no target '\(name)' in targets/"
                        + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
                )
            }
            targets = [target]
        }
        let gate = PolicyGate(policies: PolicySet(), approvals: approvals, diagnostics: DiagnosticCollector())
        var documents: [JSONValue] = []
        for target in targets {
            let content = Builder.content(of: project, target: target)
            documents += gate.facts(project: project, target: target, content: content, now: now).map(\.json)
        }
        return JSONText.pretty(
            .object([JSONMember("formatVersion", .integer(1)), JSONMember("flags", .array(documents))])
        )
    }
}
