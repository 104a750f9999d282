import FlagRuntime

/// A bundle's telemetry as CloudWatch embedded metric format (EMF) documents: JSON objects, one per
/// log line, from which CloudWatch Logs extracts metrics. Flushed per invocation, each flush
/// writes what was counted since the previous one (deltas), so a Lambda-style function writes
/// them to its log (stderr) after each event:
///
/// - per flag evaluated, dimensions `Flag` (plus yours): `Evaluations`, `Variant:NAME` per served
///   variant and `Reason:REASON` per reason (`Reason:CIRCUIT_OPEN` is the one to alarm on);
/// - per guarded flag, every flush: `CircuitOpen` (1 while open or half-open, else 0) and the
///   transitions since the last flush (`CircuitOpened`, `CircuitHalfOpened`, `CircuitClosed`);
/// - errors, dimensions yours only: `Errors:CODE`.
///
/// A document carries at most 100 metrics and a dimension set at most 30 dimensions (EMF's
/// limits): a group with more metrics is split over several documents.
public struct EmbeddedMetricFormat: Sendable {
    /// The most metrics one EMF document may define.
    public static let maximumMetricsPerDocument = 100
    /// The most dimensions one dimension set may hold.
    public static let maximumDimensionsPerSet = 30

    /// Settings the exporter cannot work with.
    public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let namespace: String
    /// Dimensions added to every document (say `Service` and `Environment`), in order.
    public let dimensions: [(name: String, value: String)]
    private var previous: [String: Double] = [:]

    /// An exporter into CloudWatch namespace `namespace` (1 to 255 characters).
    /// - Throws: when the namespace is empty or too long, or with the `Flag` dimension the sets
    ///   would exceed 30 dimensions, or a dimension is named twice.
    public init(
        namespace: String = "flagc",
        dimensions: [(name: String, value: String)] = []
    ) throws(ConfigurationError) {
        guard !namespace.isEmpty, namespace.utf8.count <= 255 else {
            throw ConfigurationError(description: "the namespace must have 1 to 255 characters")
        }
        guard dimensions.count + 1 <= Self.maximumDimensionsPerSet else {
            throw ConfigurationError(
                description:
                    "\(dimensions.count) dimensions and Flag exceed EMF's \(Self.maximumDimensionsPerSet) per set"
            )
        }
        let names = dimensions.map(\.name) + ["Flag", "_aws"]
        guard Set(names).count == names.count, dimensions.allSatisfy({ !$0.name.isEmpty }) else {
            throw ConfigurationError(description: "dimension names must be non-empty, distinct, and not Flag or _aws")
        }
        self.namespace = namespace
        self.dimensions = dimensions
    }

    /// One metric in a group.
    public struct Metric: Sendable, Hashable {
        public var name: String
        /// A CloudWatch unit: Count, None, Seconds, …
        public var unit: String
        public var value: Double

        public init(name: String, unit: String, value: Double) {
            self.name = name
            self.unit = unit
            self.value = value
        }
    }

    /// Metrics sharing dimension values: one or more documents.
    public struct Group: Sendable {
        public var dimensions: [(name: String, value: String)]
        public var metrics: [Metric]

        public init(dimensions: [(name: String, value: String)], metrics: [Metric]) {
            self.dimensions = dimensions
            self.metrics = metrics
        }
    }

    /// The documents of everything counted since the previous call (nothing when nothing was),
    /// stamped `timestamp` (Unix milliseconds). Each is one JSON object for one log line.
    public mutating func flush(_ snapshot: TelemetrySnapshot, timestamp: Int64) -> [String] {
        var groups: [Group] = []
        var flagOrder: [String] = []
        var byFlag: [String: [Metric]] = [:]
        func add(_ flag: String, _ name: String, _ unit: String, _ total: Double, always: Bool = false) {
            let key = flag + "\u{0}" + name
            let delta = total - (previous[key] ?? 0)
            previous[key] = total
            guard delta != 0 || always else { return }
            if byFlag[flag] == nil { flagOrder.append(flag) }
            byFlag[flag, default: []].append(Metric(name: name, unit: unit, value: delta))
        }
        var flagTotals: [String: UInt64] = [:]
        var variantTotals: [(flag: String, name: String, count: UInt64)] = []
        var reasonTotals: [(flag: String, name: String, count: UInt64)] = []
        for entry in snapshot.evaluations {
            flagTotals[entry.flag, default: 0] &+= entry.count
            Self.accumulate(&variantTotals, entry.flag, "Variant:" + entry.variant, entry.count)
            Self.accumulate(&reasonTotals, entry.flag, "Reason:" + entry.reason.rawValue, entry.count)
        }
        var seen: Set<String> = []
        for entry in snapshot.evaluations where seen.insert(entry.flag).inserted {
            add(entry.flag, "Evaluations", "Count", Double(flagTotals[entry.flag] ?? 0))
            for total in variantTotals where total.flag == entry.flag {
                add(entry.flag, total.name, "Count", Double(total.count))
            }
            for total in reasonTotals where total.flag == entry.flag {
                add(entry.flag, total.name, "Count", Double(total.count))
            }
        }
        for circuit in snapshot.circuits {
            let open = circuit.state == .closed ? 0.0 : 1.0
            if byFlag[circuit.flag] == nil { flagOrder.append(circuit.flag) }
            byFlag[circuit.flag, default: []].append(Metric(name: "CircuitOpen", unit: "None", value: open))
            add(circuit.flag, "CircuitOpened", "Count", Double(circuit.opened))
            add(circuit.flag, "CircuitHalfOpened", "Count", Double(circuit.halfOpened))
            add(circuit.flag, "CircuitClosed", "Count", Double(circuit.closed))
        }
        for flag in flagOrder {
            guard let metrics = byFlag[flag], !metrics.isEmpty else { continue }
            groups.append(Group(dimensions: dimensions + [("Flag", flag)], metrics: metrics))
        }
        var errors: [Metric] = []
        for entry in snapshot.errors {
            let key = "\u{0}Errors:" + entry.code.rawValue
            let delta = Double(entry.count) - (previous[key] ?? 0)
            previous[key] = Double(entry.count)
            if delta != 0 { errors.append(Metric(name: "Errors:" + entry.code.rawValue, unit: "Count", value: delta)) }
        }
        if !errors.isEmpty { groups.append(Group(dimensions: dimensions, metrics: errors)) }
        return groups.flatMap { documents($0, timestamp: timestamp) }
    }

    private static func accumulate(
        _ totals: inout [(flag: String, name: String, count: UInt64)],
        _ flag: String,
        _ name: String,
        _ count: UInt64
    ) {
        if let index = totals.firstIndex(where: { $0.flag == flag && $0.name == name }) {
            totals[index].count &+= count
        } else {
            totals.append((flag, name, count))
        }
    }

    /// The documents of one group: its metrics at most 100 to a document, each document with the
    /// group's dimension values as members and one dimension set naming them all.
    public func documents(_ group: Group, timestamp: Int64) -> [String] {
        var documents: [String] = []
        var start = 0
        while start < group.metrics.count {
            let metrics = group.metrics[start..<min(group.metrics.count, start + Self.maximumMetricsPerDocument)]
            start += metrics.count
            var members: [JSONMember] = []
            members.append(
                JSONMember(
                    "_aws",
                    .object([
                        JSONMember("Timestamp", .integer(timestamp)),
                        JSONMember(
                            "CloudWatchMetrics",
                            .array([
                                .object([
                                    JSONMember("Namespace", .string(namespace)),
                                    JSONMember(
                                        "Dimensions",
                                        .array([.array(group.dimensions.map { .string($0.name) })])
                                    ),
                                    JSONMember(
                                        "Metrics",
                                        .array(
                                            metrics.map {
                                                .object([
                                                    JSONMember("Name", .string($0.name)),
                                                    JSONMember("Unit", .string($0.unit)),
                                                ])
                                            }
                                        )
                                    ),
                                ])
                            ])
                        ),
                    ])
                )
            )
            for dimension in group.dimensions { members.append(JSONMember(dimension.name, .string(dimension.value))) }
            for metric in metrics { members.append(JSONMember(metric.name, .number(metric.value))) }
            documents.append(JSONValue.object(members).jsonText)
        }
        return documents
    }
}
