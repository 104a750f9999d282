import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation

/// `policy_s_10000`: the policy gate over the 10,000-flag workload with 20 policies, as `flagc check`
/// and `flagc build` run it for one target: the facts of every flag (exposure analysis, ramp facts),
/// then every matching policy's checks through the runtime evaluator.
enum PolicyBench {
    /// 20 policies over the workload's flags, as a team would write them: owners, ramps, exposure,
    /// attributes, prerequisites, approvals. Most flags pass most policies; a few hundred violations.
    static func policies() -> String {
        let checks = [
            "{ owner: { exists: true } }",
            "{ any: [{ rampSteps: 0 }, { rampSteps: { gte: 3 } }] }",
            "{ any: [{ firstStepPercent: { exists: false } }, { firstStepPercent: { lte: 5 } }] }",
            "{ any: [{ minStepInterval: { exists: false } }, { minStepInterval: { gte: 24h } }] }",
            "{ ruleCount: { lte: 3 } }",
            "{ attributes: { notIn: [ssn, cardNumber] } }",
            "{ owner: { startsWith: team- } }",
            "{ any: [{ maxStepIncrease: { exists: false } }, { maxStepIncrease: { lte: 50 } }] }",
            "{ prerequisites: { notIn: [team-1.feature-1] } }",
            "{ tags: { notIn: [deprecated] } }",
        ]
        var text = "policies:\n"
        for index in 0..<20 {
            text += "  policy-\(index):\n    severity: \(index % 2 == 0 ? "error" : "warning")\n"
            switch index {
            // A few flags need approvals, some flags' exposure is capped: a few hundred violations.
            case 18: text += "    match: { keys: [\"team-36.*\"] }\n"
            case 19: text += "    match: { keys: [\"team-3.*\"] }\n"
            case _ where index % 4 == 0: text += "    match: { keys: [\"team-\(index)*\"] }\n"
            case _ where index % 4 == 1:
                text += "    match: { owner: [team-\(index), team-\(index + 1)], environment: production }\n"
            case _ where index % 4 == 2: text += "    match: { target: bench }\n"
            default: break
            }
            text += "    require:\n"
            text += "      - \(checks[index % checks.count])\n"
            text += "      - \(checks[(index + 3) % checks.count])\n"
            switch index {
            case 18: text += "      - { approvals: { gte: 2, distinctFromOwner: true } }\n"
            case 19: text += "      - { maxExposurePercent: { lte: 50 } }\n"
            default: break
            }
            text += "    deny:\n      - { servesEveryone: true, compliance: pci }\n"
        }
        return text
    }

    /// This thread's CPU time in seconds.
    static func cpuTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Seconds (wall and CPU) per evaluation of the gate over `project`'s one target (medians of
    /// `rounds`), and the number of violations it reports.
    static func measure(_ project: FlagProject, rounds: Int) -> (seconds: Double, cpu: Double, violations: Int) {
        let diagnostics = DiagnosticCollector()
        let set = PolicySet.read(files: [("policies/bench.yaml", Array(policies().utf8))], diagnostics: diagnostics)
        precondition(!diagnostics.hasErrors, "\(diagnostics.diagnostics)")
        let target = project.targets[0]
        let content = Builder.content(of: project, target: target)
        var times: [Double] = []
        var cpu: [Double] = []
        var violations = 0
        for _ in 0..<max(rounds, 1) {
            let start = now()
            let startCPU = cpuTime()
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
            cpu.append(cpuTime() - startCPU)
            violations = collector.diagnostics.count
        }
        times.sort()
        cpu.sort()
        return (times[times.count / 2], cpu[cpu.count / 2], violations)
    }
}
