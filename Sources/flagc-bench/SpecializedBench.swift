// `flagc-bench --specialized`: a specialized bundle (`assume:` in its target) against the same flags built
// without assumptions, on the benchmark workload (1,000 flags): bundle bytes, payload bytes, condition nodes,
// segments, and evaluation time by key for contexts consistent with the assumptions (medians of alternating rounds).
import Dispatch
import FlagCompiler
import FlagRuntime
import FlagTestSupport

enum SpecializedBench {
    static let assumptions = "assume: { country: FR, plan: pro }\n"

    static func run(quick: Bool) throws {
        let yaml = Workload.yaml(flagCount: 1_000)
        let keys = TestKeys()
        func content(_ target: String) throws -> BundleContent {
            let diagnostics = DiagnosticCollector()
            let project = FlagProject.load(
                flagFiles: [("flags/bench.yaml", Array(yaml.utf8))],
                targetFiles: [
                    ("targets/bench.yaml", Array(("recipients: [keys/bench.recipient.pub]\n" + target).utf8))
                ],
                diagnostics: diagnostics
            )
            guard !diagnostics.hasErrors else { throw BenchFailure(DiagnosticList(diagnostics.sorted).description) }
            let lowered = Pipeline.lower(project, target: project.targets[0])
            let specialized = Pipeline.specialize(lowered, for: project.targets[0], diagnostics: diagnostics)
            guard !diagnostics.hasErrors else { throw BenchFailure(DiagnosticList(diagnostics.sorted).description) }
            return specialized
        }
        let plain = try content("")
        let specialized = try content(assumptions)
        let plainBytes = keys.bundle(plain, target: "bench")
        let specializedBytes = keys.bundle(specialized, target: "bench")
        let plainBundle = try FlagBundle.load(bytes: plainBytes, options: keys.options())
        let specializedBundle = try FlagBundle.load(bytes: specializedBytes, options: keys.options())

        // Contexts of the assumed country and plan; every flag key evaluated for each, in turn.
        let contexts = Workload.contexts(quick ? 100 : 1_000).map { context -> EvaluationContext in
            var context = context
            context.attributes["country"] = "FR"
            context.attributes["plan"] = "pro"
            return context
        }
        let flagKeys = plainBundle.flagKeys
        for context in contexts.prefix(50) {
            for key in flagKeys {
                let want = plainBundle.evaluate(key, context: context)
                let got = specializedBundle.evaluate(key, context: context)
                guard want.variant == got.variant, want.reason == got.reason else {
                    throw BenchFailure("specialized bundle differs on \(key)")
                }
            }
        }

        // One round: every flag key for every context, in ns per evaluation. The two bundles' rounds
        // alternate, so both see the same machine load; the figures are the medians of the rounds.
        var sink = 0
        func round(_ bundle: FlagBundle) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for context in contexts {
                for key in flagKeys where bundle.bool(key, default: false, context: context) { sink &+= 1 }
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
            return elapsed / Double(contexts.count * flagKeys.count)
        }
        // A flag without rules (a static flag), by key: all that differs between the bundles is the
        // specialized one's check of the context against its assumptions.
        let staticKey = Workload.flagKey(7)
        func staticRound(_ bundle: FlagBundle) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<10 {
                for context in contexts where bundle.bool(staticKey, default: false, context: context) { sink &+= 1 }
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(contexts.count * 10)
        }
        var plainRounds = Sample(values: [])
        var specializedRounds = Sample(values: [])
        var plainStatic = Sample(values: [])
        var specializedStatic = Sample(values: [])
        for _ in 0..<(quick ? 3 : 21) {
            plainRounds.values.append(round(plainBundle))
            specializedRounds.values.append(round(specializedBundle))
            plainStatic.values.append(staticRound(plainBundle))
            specializedStatic.values.append(staticRound(specializedBundle))
        }
        if sink == -1 { print("") }
        func nodes(_ content: BundleContent) -> Int {
            func count(_ condition: Condition?) -> Int {
                guard let condition else { return 0 }
                return 1 + condition.children.reduce(0) { $0 + count($1) }
            }
            return content.flags.reduce(0) { $0 + $1.rules.reduce(0) { $0 + count($1.condition) } }
                + content.segments.reduce(0) { $0 + count($1.condition) }
        }
        let plainTime = plainRounds.median
        let specializedTime = specializedRounds.median
        let figures: [(String, Double)] = [
            ("bundle_bytes_plain", Double(plainBytes.count)),
            ("bundle_bytes_specialized", Double(specializedBytes.count)),
            ("payload_bytes_plain", Double(PayloadCodec.encode(plain).count)),
            ("payload_bytes_specialized", Double(PayloadCodec.encode(specialized).count)),
            ("condition_nodes_plain", Double(nodes(plain))),
            ("condition_nodes_specialized", Double(nodes(specialized))),
            ("rules_plain", Double(plain.flags.reduce(0) { $0 + $1.rules.count })),
            ("rules_specialized", Double(specialized.flags.reduce(0) { $0 + $1.rules.count })),
            ("segments_plain", Double(plain.segments.count)),
            ("segments_specialized", Double(specialized.segments.count)),
            ("eval_ns_key_all_flags_plain", (plainTime * 10).rounded() / 10),
            ("eval_ns_key_all_flags_specialized", (specializedTime * 10).rounded() / 10),
            ("eval_ns_key_static_flag_plain", (plainStatic.median * 10).rounded() / 10),
            ("eval_ns_key_static_flag_specialized", (specializedStatic.median * 10).rounded() / 10),
            ("noise_plain", (plainRounds.spread * 1_000).rounded() / 1_000),
            ("noise_specialized", (specializedRounds.spread * 1_000).rounded() / 1_000),
        ]
        print(
            "{\"assume\":\"country: FR, plan: pro\","
                + figures.map { "\"\($0.0)\":\($0.1 == $0.1.rounded() ? String(Int($0.1)) : String($0.1))" }
                .joined(separator: ",") + "}"
        )
    }
}
