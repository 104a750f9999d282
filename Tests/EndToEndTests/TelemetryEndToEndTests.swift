import Foundation
import Testing

@Suite("flagc eval: outcome lines and --metrics")
struct TelemetryEndToEndTests {
    static let context = #"{"targetingKey":"user-5"}"#
    static func outcome(_ success: Bool, at: String? = nil) -> String {
        let time = at.map { #","at":"\#($0)""# } ?? ""
        return #"{"outcome":{"flag":"express-payment","success":\#(success)\#(time)}}"#
    }

    /// `eval --contexts` of `lines` on the shared example, only express-payment, with --metrics.
    static func run(_ lines: [String], in workspace: Workspace) throws -> (CommandResult, String) {
        let project = try SharedExample.project()
        try workspace.write(lines.joined(separator: "\n") + "\n", to: "incident.jsonl")
        let result = try workspace.run([
            "eval", project.devBundle, "--keys", project.keys, "--contexts", workspace.path("incident.jsonl"),
            "--flag", "express-payment", "--metrics", workspace.path("flagc.prom"),
        ])
        return (result, (try? workspace.text("flagc.prom")) ?? "")
    }

    @Test("outcome lines feed the breaker in input order, each answered with its state; the textfile counts the run")
    func replay() throws {
        let workspace = try Workspace()
        let lines =
            [Self.context, Self.outcome(false, at: "2026-12-02T12:00:00Z"), Self.outcome(false), Self.context]
            + [Self.outcome(false), Self.context, Self.outcome(true), Self.context]
            + [Self.outcome(true, at: "2026-12-02T12:02:00Z"), Self.context, Self.context]
            + [Self.outcome(true)]
        let (result, metrics) = try Self.run(lines, in: workspace)
        #expect(result.status == 0, "\(result)")
        let output = result.lines
        try #require(output.count == lines.count, "\(result)")
        func served(_ index: Int) -> String? { Batch.results(output[index]) }
        func state(_ index: Int) -> String? {
            (try? JSON.object(output[index])["outcome"] as? [String: Any])?["state"] as? String
        }
        #expect(served(0)?.contains(#""variant":"on","reason":"STATIC""#) == true, "\(output[0])")
        #expect([state(1), state(2)] == ["closed", "closed"])
        #expect(served(3)?.contains(#""reason":"STATIC""#) == true)
        #expect(state(4) == "open")  // the third failure within the minute
        #expect(served(5)?.contains(#""variant":"off","reason":"CIRCUIT_OPEN""#) == true, "\(output[5])")
        #expect(state(6) == "open")  // while open, outcomes are not counted
        #expect(served(7)?.contains(#""reason":"CIRCUIT_OPEN""#) == true)
        // Two minutes later: half-open lets one probe through, then serves off; the success closes it.
        #expect(state(8) == "open")
        #expect(served(9)?.contains(#""reason":"STATIC""#) == true, "\(output[9])")
        #expect(served(10)?.contains(#""reason":"CIRCUIT_OPEN""#) == true, "\(output[10])")
        #expect(state(11) == "closed")

        #expect(metrics.contains("# TYPE flagc_evaluations_total counter\n"), "\(metrics)")
        #expect(metrics.contains(#"flagc_evaluations_total{flag="express-payment",variant="on",reason="STATIC"} 3"#))
        #expect(
            metrics.contains(#"flagc_evaluations_total{flag="express-payment",variant="off",reason="CIRCUIT_OPEN"} 3"#)
        )
        #expect(metrics.contains(#"flagc_circuit_transitions_total{flag="express-payment",to="open"} 1"#))
        #expect(metrics.contains(#"flagc_circuit_transitions_total{flag="express-payment",to="closed"} 1"#))
        #expect(metrics.contains(#"flagc_circuit_state{flag="express-payment",state="closed"} 1"#))
        #expect(metrics.contains(#"flagc_bundle_version{target="dev",environment="development"} "#))
    }

    @Test("a malformed outcome line or one for an unguarded flag is an error line, and the run exits 1")
    func badOutcomes() throws {
        let workspace = try Workspace()
        let lines = [
            #"{"outcome":{"flag":"express-payment"}}"#,
            #"{"outcome":{"flag":"new-checkout-flow","success":false}}"#,
            #"{"outcome":{"flag":"express-payment","success":"no"}}"#,
            #"{"outcome": 3}"#,
            Self.context,
        ]
        let (result, _) = try Self.run(lines, in: workspace)
        #expect(result.status == 1, "\(result)")
        let output = result.lines
        try #require(output.count == 5, "\(result)")
        for index in 0..<4 {
            let object = try JSON.object(output[index])
            #expect(
                object["line"] as? Int == index + 1 && object["errorCode"] as? String == "PARSE_ERROR",
                "\(output[index])"
            )
        }
        #expect(output[1].contains("has no guard"))
        #expect(Batch.results(output[4])?.contains("express-payment") == true)
        #expect(result.stderr.contains("4 of 5 lines were not valid contexts or outcomes"), "\(result)")
    }

    @Test("--metrics into a folder that does not exist fails with exit 1 and leaves no file")
    func metricsUnwritable() throws {
        let workspace = try Workspace()
        let project = try SharedExample.project()
        let result = try workspace.run([
            "eval", project.devBundle, "--keys", project.keys, "--context", Self.context,
            "--metrics", workspace.path("missing/flagc.prom"),
        ])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("--metrics: cannot write"), "\(result)")
        #expect(!workspace.exists("missing"))
    }
}
