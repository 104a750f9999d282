import Foundation
import Testing

@Suite("flagc eval --events")
struct EventsEndToEndTests {
    /// The attribute names OpenTelemetry's feature-flag semantic conventions give an evaluation event
    /// (`feature_flag.context.id` only with --include-targeting-key).
    static let conventionNames: Set<String> = [
        "feature_flag.key", "feature_flag.provider.name", "feature_flag.result.reason", "feature_flag.version",
        "feature_flag.result.variant", "error.type",
    ]

    static let contexts = (1...5).map { index in
        #"{"targetingKey":"user-secret-\#(index)","email":"private-\#(index)@mail.test","plan":"plan-hidden"}"#
    }

    /// `eval --contexts` of `lines` on the shared example with `options`, and the events file's lines.
    static func run(
        _ lines: [String],
        _ options: [String],
        in workspace: Workspace
    ) throws -> (CommandResult, [String]) {
        let project = try SharedExample.project()
        try workspace.write(lines.joined(separator: "\n") + "\n", to: "batch.jsonl")
        let result = try workspace.run(
            [
                "eval", project.devBundle, "--keys", project.keys, "--contexts", workspace.path("batch.jsonl"),
                "--at", "2026-12-02T12:00:00Z",
            ] + options
        )
        let events = ((try? workspace.text("events.jsonl")) ?? "").split(separator: "\n").map(String.init)
        return (result, events)
    }

    @Test("rate 1: one event per flag per context line, in input order, convention names, no context value")
    func everyEvaluation() throws {
        let workspace = try Workspace()
        let lines = Self.contexts + [#"{"outcome":{"flag":"express-payment","success":true}}"#, "not json"]
        let (result, events) = try Self.run(lines, ["--events", workspace.path("events.jsonl")], in: workspace)
        #expect(result.status == 1, "\(result)")  // the malformed line; the events of the others are written
        let flagKeys = try Batch.results(result.lines[0]).map { text in
            try JSON.objects(
                lines: text.replacingOccurrences(of: "},{", with: "}\n{").split(separator: "\n").map(String.init)
            )
            .compactMap { $0["flag"] as? String }
        }
        let keys = try #require(flagKeys)
        try #require(keys.count > 1)
        #expect(events.count == Self.contexts.count * keys.count, "\(events.count) events")
        let text = try workspace.text("events.jsonl")
        for secret in ["user-secret", "private-", "mail.test", "plan-hidden"] {
            #expect(!text.contains(secret), "an event carries a context value: \(secret)")
        }
        for (index, line) in events.enumerated() {
            let event = try JSON.object(line)
            #expect(event["name"] as? String == "feature_flag.evaluation")
            #expect(event["timeUnixNano"] as? String == "1796212800000000000")
            let attributes = try #require(event["attributes"] as? [String: Any])
            #expect(Set(attributes.keys).isSubset(of: Self.conventionNames), "\(line)")
            #expect(attributes["feature_flag.key"] as? String == keys[index % keys.count], "input order: \(line)")
            #expect(attributes["feature_flag.provider.name"] as? String == "flagc")
            #expect((attributes["feature_flag.version"] as? String).flatMap(UInt64.init) != nil, "\(line)")
            let reason = try #require(attributes["feature_flag.result.reason"] as? String)
            #expect(reason == reason.lowercased(), "\(line)")
            #expect(attributes["feature_flag.result.variant"] is String, "\(line)")
        }
    }

    @Test("--sample-rate 0.25 writes exactly one in four (the first, then every fourth); the targeting key when asked")
    func sampledWithTargetingKey() throws {
        let workspace = try Workspace()
        let lines = (1...8).map { #"{"targetingKey":"user-\#($0)","country":"DE"}"# }
        let (result, events) = try Self.run(
            lines,
            [
                "--flag", "express-payment", "--events", workspace.path("events.jsonl"), "--sample-rate", "0.25",
                "--include-targeting-key",
            ],
            in: workspace
        )
        #expect(result.status == 0, "\(result)")
        try #require(events.count == 2, "\(events)")
        let ids = try events.map { try JSON.object($0)["attributes"] as? [String: Any] }.map {
            $0?["feature_flag.context.id"] as? String
        }
        #expect(ids == ["user-1", "user-5"])
        #expect(!(try workspace.text("events.jsonl")).contains("DE"))
    }

    @Test("bad --events arguments are refused; an unwritable --events path fails with exit 1 and leaves no file")
    func refusals() throws {
        let workspace = try Workspace()
        let project = try SharedExample.project()
        let single = try workspace.run([
            "eval", project.devBundle, "--keys", project.keys, "--context", #"{"targetingKey":"u"}"#,
            "--events", workspace.path("events.jsonl"),
        ])
        #expect(single.status != 0 && single.stderr.contains("--events needs --contexts"), "\(single)")
        let (rate, _) = try Self.run(
            Self.contexts,
            ["--events", workspace.path("events.jsonl"), "--sample-rate", "2"],
            in: workspace
        )
        #expect(rate.status != 0 && rate.stderr.contains("--sample-rate must be a number from 0 to 1"), "\(rate)")
        let (alone, _) = try Self.run(Self.contexts, ["--include-targeting-key"], in: workspace)
        #expect(alone.status != 0 && alone.stderr.contains("need --events"), "\(alone)")
        let (missing, _) = try Self.run(
            Self.contexts,
            ["--events", workspace.path("missing/events.jsonl")],
            in: workspace
        )
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.contains("--events: cannot write"), "\(missing)")
        #expect(!workspace.exists("missing"))
        #expect(!workspace.exists("events.jsonl"))
    }
}
