import FlagRuntime
import FlagTelemetry
import FlagTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Checks one document against the CloudWatch embedded metric format specification: a JSON object
/// whose `_aws` member holds `Timestamp` (an integer, Unix milliseconds) and `CloudWatchMetrics` (an
/// array of directives, each with a `Namespace` string of 1 to 1024 characters, `Dimensions` an
/// array of dimension sets of at most 30 names, each naming a root member whose value is a string,
/// and `Metrics` an array of at most 100 objects with a `Name` naming a root member whose value is a
/// number or an array of at most 100 numbers, and an optional `Unit` among CloudWatch's units).
/// Returns the problems found (none for a valid document).
func emfProblems(_ document: String) -> [String] {
    let units: Set<String> = [
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
        "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
        "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    ]
    guard case .object(let root)? = try? JSONParser.parse(document) else { return ["not a JSON object"] }
    func member(_ members: [JSONMember], _ key: String) -> JSONValue? { members.first { $0.key == key }?.value }
    var problems: [String] = []
    if Set(root.map(\.key)).count != root.count { problems.append("duplicate root members") }
    guard case .object(let aws)? = member(root, "_aws") else { return ["no _aws object"] }
    switch member(aws, "Timestamp") {
    case .integer(let value)? where value > 0: break
    case .number(let value)? where value > 0 && value == value.rounded(): break
    default: problems.append("_aws.Timestamp is not a positive integer")
    }
    guard case .array(let directives)? = member(aws, "CloudWatchMetrics"), !directives.isEmpty else {
        return problems + ["_aws.CloudWatchMetrics is not a non-empty array"]
    }
    for directive in directives {
        guard case .object(let fields) = directive else {
            problems.append("a directive is not an object")
            continue
        }
        if case .string(let namespace)? = member(fields, "Namespace"), (1...1024).contains(namespace.count) {
        } else {
            problems.append("Namespace missing or of bad length")
        }
        guard case .array(let sets)? = member(fields, "Dimensions") else {
            problems.append("Dimensions is not an array")
            continue
        }
        for set in sets {
            guard case .array(let names) = set, names.count <= 30 else {
                problems.append("a dimension set is not an array of at most 30")
                continue
            }
            for case .string(let name) in names {
                guard case .string? = member(root, name) else {
                    problems.append("dimension \(name) is not a root string member")
                    continue
                }
            }
        }
        guard case .array(let metrics)? = member(fields, "Metrics"), metrics.count <= 100 else {
            problems.append("Metrics is not an array of at most 100")
            continue
        }
        for metric in metrics {
            guard case .object(let definition) = metric, case .string(let name)? = member(definition, "Name"),
                (1...1024).contains(name.count)
            else {
                problems.append("a metric has no Name")
                continue
            }
            if let unit = member(definition, "Unit"), !(unit == .string("") || units.contains(unitName(unit))) {
                problems.append("metric \(name) has an unknown unit")
            }
            switch member(root, name) {
            case .number?, .integer?: break
            case .array(let values)? where values.count <= 100: break
            default: problems.append("metric \(name) has no numeric root member")
            }
        }
    }
    return problems
}

private func unitName(_ value: JSONValue) -> String {
    if case .string(let name) = value { return name }
    return ""
}

@Suite("Telemetry exporters")
struct ExporterTests {
    static func snapshotAfterTraffic() throws -> (FlagBundle, TelemetrySnapshot) {
        let bundle = try TelemetryFixtures.bundle()
        let checkout = try #require(bundle.handle(for: "checkout"))
        let guarded = try #require(bundle.handle(for: "guarded"))
        // On a new thread, whose first counted evaluation is the one timed.
        TestThreads.run(1) { _ in
            for index in 0..<7 {
                _ = bundle.bool(
                    checkout,
                    default: false,
                    context: EvaluationContext(attributes: ["plan": index < 4 ? "beta" : "free"])
                )
            }
            _ = bundle.bool("missing", default: false, context: EvaluationContext())
            for _ in 0..<4 { bundle.report(guarded, success: false) }
            _ = bundle.bool(guarded, default: true, context: EvaluationContext())
        }
        return (bundle, bundle.telemetrySnapshot())
    }

    @Test("EMF documents follow the specification's structure, carry deltas, and nothing when nothing happened")
    func emfStructure() throws {
        let (bundle, snapshot) = try Self.snapshotAfterTraffic()
        var exporter = try EmbeddedMetricFormat(namespace: "Checkout", dimensions: [("Service", "checkout")])
        let documents = exporter.flush(snapshot, timestamp: 1_796_220_000_000)
        #expect(documents.count == 3)  // checkout, guarded, the errors
        for document in documents { #expect(emfProblems(document) == [], "\(document)") }
        let checkout = try #require(documents.first)
        #expect(
            checkout.hasPrefix(
                #"{"_aws":{"Timestamp":1796220000000,"CloudWatchMetrics":[{"Namespace":"Checkout","Dimensions":[["Service","Flag"]],"Metrics":[{"Name":"Evaluations","Unit":"Count"}"#
            )
        )
        #expect(checkout.contains(#""Service":"checkout","Flag":"checkout","Evaluations":7,"#))
        #expect(checkout.contains(#""Variant:on":4,"#) && checkout.contains(#""Reason:DEFAULT":3"#))
        #expect(documents[1].contains(#""Reason:CIRCUIT_OPEN":1"#) && documents[1].contains(#""CircuitOpen":1"#))
        #expect(documents[1].contains(#""CircuitOpened":1"#))
        #expect(
            documents[2].contains(#""Dimensions":[["Service"]]"#)
                && documents[2].contains(#""Errors:FLAG_NOT_FOUND":1"#)
        )

        // The next flush: only the guarded flag's state gauge (no evaluation since).
        let again = exporter.flush(bundle.telemetrySnapshot(), timestamp: 1_796_220_001_000)
        #expect(again.count == 1)
        #expect(again[0].contains(#""Metrics":[{"Name":"CircuitOpen","Unit":"None"}]"#))
        _ = bundle.bool("checkout", default: false, context: EvaluationContext())
        let delta = exporter.flush(bundle.telemetrySnapshot(), timestamp: 1_796_220_002_000)
        #expect(delta[0].contains(#""Evaluations":1,"#))
    }

    @Test("a group of more than 100 metrics is split into documents of at most 100, each valid")
    func emfSplitsAtOneHundredMetrics() throws {
        let exporter = try EmbeddedMetricFormat(dimensions: (0..<29).map { ("D\($0)", "v\($0)") })
        let group = EmbeddedMetricFormat.Group(
            dimensions: exporter.dimensions + [("Flag", "f")],
            metrics: (0..<250).map { .init(name: "M\($0)", unit: "Count", value: Double($0)) }
        )
        let documents = exporter.documents(group, timestamp: 1)
        #expect(documents.count == 3)
        for document in documents { #expect(emfProblems(document) == [], "\(document)") }
        #expect(documents[2].contains(#""M249":249"#) && !documents[2].contains(#""M199":"#))
    }

    @Test("the exporter refuses settings EMF cannot carry")
    func emfLimits() {
        #expect(throws: EmbeddedMetricFormat.ConfigurationError.self) {
            try EmbeddedMetricFormat(dimensions: (0..<30).map { ("D\($0)", "v") })
        }
        #expect(throws: EmbeddedMetricFormat.ConfigurationError.self) { try EmbeddedMetricFormat(namespace: "") }
        #expect(throws: EmbeddedMetricFormat.ConfigurationError.self) {
            try EmbeddedMetricFormat(dimensions: [("Flag", "x")])
        }
        #expect(
            emfProblems(
                #"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["A"]],"Metrics":[{"Name":"M"}]}]}}"#
            ).count == 2
        )
    }

    @Test("Prometheus exposition: HELP and TYPE per family, counters by flag, variant and reason, bundle gauges")
    func prometheus() throws {
        let (_, snapshot) = try Self.snapshotAfterTraffic()
        let text = PrometheusExposition.text(snapshot, labels: [("job", "batch \"a\"")])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("# TYPE flagc_evaluations_total counter"))
        #expect(
            lines.contains(
                #"flagc_evaluations_total{job="batch \"a\"",flag="checkout",variant="on",reason="TARGETING_MATCH"} 4"#
            )
        )
        #expect(
            lines.contains(
                #"flagc_evaluations_total{job="batch \"a\"",flag="guarded",variant="off",reason="CIRCUIT_OPEN"} 1"#
            )
        )
        #expect(lines.contains(#"flagc_evaluation_errors_total{job="batch \"a\"",code="FLAG_NOT_FOUND"} 1"#))
        #expect(lines.contains(#"flagc_circuit_state{job="batch \"a\"",flag="guarded",state="open"} 1"#))
        #expect(lines.contains(#"flagc_circuit_transitions_total{job="batch \"a\"",flag="guarded",to="open"} 1"#))
        #expect(lines.contains(#"flagc_evaluation_duration_seconds_bucket{job="batch \"a\"",le="+Inf"} 1"#))
        #expect(
            lines.contains(
                #"flagc_bundle_expiry_timestamp_seconds{job="batch \"a\"",target="test",environment="test"} \#(snapshot.header.expiresAt)"#
            )
        )
        // Every sample's family has its HELP and TYPE before it, once.
        var declared: [String] = []
        for line in lines {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.split(separator: " ")[2])
                #expect(!declared.contains(name))
                declared.append(name)
            } else if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                #expect(declared.contains { name == $0 || name.hasPrefix($0 + "_") }, "\(line)")
            }
        }
        #expect(
            PrometheusExposition.text(snapshot).contains(
                "\nflagc_bundle_version{target=\"test\",environment=\"test\"} "
            )
        )
    }

    @Test("the textfile is written whole by a rename, never partially; an unwritable path is an error")
    func atomicTextfile() throws {
        let directory = "/tmp/flagc-textfile-\(getpid())"
        mkdir(directory, 0o755)
        defer {
            unlink(directory + "/flags.prom")
            rmdir(directory)
        }
        try AtomicTextFile.write("a 1\n", to: directory + "/flags.prom")
        try AtomicTextFile.write("a 2\n", to: directory + "/flags.prom")
        let file = fopen(directory + "/flags.prom", "r")
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 16)
        #expect(fgets(&buffer, 16, file) != nil)
        #expect(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) == "a 2\n")
        #expect(access(directory + "/flags.prom.tmp.\(getpid())", F_OK) != 0)  // renamed, not left behind
        #expect(throws: AtomicTextFile.WriteError.self) {
            try AtomicTextFile.write("x", to: directory + "/missing/flags.prom")
        }
    }

    @Test("evaluation events: OpenTelemetry names, exactly the sampling rate, no attribute values")
    func events() throws {
        let bundle = try TelemetryFixtures.bundle()
        let context = EvaluationContext(targetingKey: "user-9", attributes: ["plan": "beta", "email": "x@secret.test"])
        var events = EvaluationEvents(rate: 0.25)
        var lines: [String] = []
        for _ in 0..<100 {
            let detail = bundle.detail("checkout", default: false, context: context)
            if let line = events.line(for: detail, version: "42", targetingKey: context.targetingKey, timestamp: 7) {
                lines.append(line)
            }
        }
        #expect(lines.count == 25)
        #expect(
            lines[0]
                == #"{"name":"feature_flag.evaluation","timeUnixNano":"7","attributes":{"feature_flag.key":"checkout","feature_flag.provider.name":"flagc","feature_flag.result.reason":"targeting_match","feature_flag.version":"42","feature_flag.result.variant":"on"}}"#
        )
        #expect(
            !lines.joined().contains("secret") && !lines.joined().contains("beta") && !lines.joined().contains("user-9")
        )

        var withKey = EvaluationEvents(rate: 1, includeTargetingKey: true)
        let missing = bundle.detail("nope", default: false, context: context)
        let written = withKey.line(for: missing, version: "42", targetingKey: "user-9", timestamp: 7)
        let line = try #require(written)
        #expect(
            line.contains(#""error.type":"flag_not_found""#) && line.contains(#""feature_flag.context.id":"user-9""#)
        )
        var none = EvaluationEvents(rate: 0)
        #expect(none.line(for: missing, version: "42", timestamp: 7) == nil)
    }
}
