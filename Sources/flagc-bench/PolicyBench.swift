import FlagCompiler
import FlagRuntime
import FlagTestSupport

/// `policy_s_10000`: the policy gate over the 10,000-flag workload with 20 policies, as `flagc check`
/// and `flagc build` run it for one target: the facts of every flag (exposure analysis, ramp facts),
/// then every matching policy's checks through the runtime evaluator.
enum PolicyBench {
    /// 20 policies over the workload's flags: owners, ramps, exposure, prerequisites, expiry, approvals.
    static func policies() -> String {
        var text = "policies:\n"
        let checks = [
            "{ owner: { exists: true } }", "{ rampSteps: { gte: 3 } }", "{ firstStepPercent: { lte: 5 } }",
            "{ minStepInterval: { gte: 24h } }", "{ maxExposurePercent: { lte: 50 } }", "{ ruleCount: { lte: 3 } }",
            "{ maxStepIncrease: { lte: 50 } }", "{ attributes: { notIn: [ssn, cardNumber] } }",
            "{ owner: { startsWith: team- } }", "{ approvals: { gte: 1, distinctFromOwner: true } }",
        ]
        for index in 0..<20 {
            text += "  policy-\(index):\n    severity: \(index % 2 == 0 ? "error" : "warning")\n"
            switch index % 4 {
            case 0: text += "    match: { keys: [\"team-\(index)*\"] }\n"
            case 1: text += "    match: { owner: [team-\(index), team-\(index + 1)], environment: production }\n"
            case 2: text += "    match: { target: bench }\n"
            default: break
            }
            text += "    require:\n"
            text += "      - \(checks[index % checks.count])\n"
            text += "      - \(checks[(index + 3) % checks.count])\n"
            text += "    deny:\n      - { servesEveryone: true, enabled: true }\n"
        }
        return text
    }

    /// Seconds per evaluation of the gate over `project`'s one target (median of `rounds`), and the
    /// number of violations it reports.
    static func measure(_ project: FlagProject, rounds: Int) -> (seconds: Double, violations: Int) {
        let diagnostics = DiagnosticCollector()
        let set = PolicySet.read(files: [("policies/bench.yaml", Array(policies().utf8))], diagnostics: diagnostics)
        precondition(!diagnostics.hasErrors, "\(diagnostics.diagnostics)")
        let target = project.targets[0]
        let content = Builder.content(of: project, target: target)
        var times: [Double] = []
        var violations = 0
        for _ in 0..<max(rounds, 1) {
            let start = now()
            let collector = DiagnosticCollector()
            // The checks are compiled per run, as each flagc process does.
            let gate = PolicyGate(policies: set, approvals: ApprovalStore(), diagnostics: collector)
            gate.evaluate(
                project: project,
                target: target,
                content: content,
                now: 1_796_220_000,
                diagnostics: collector
            )
            times.append(Double(now() - start) / 1e9)
            violations = collector.diagnostics.count
        }
        times.sort()
        return (times[times.count / 2], violations)
    }
}
