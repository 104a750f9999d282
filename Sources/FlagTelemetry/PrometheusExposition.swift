import FlagRuntime

#if canImport(Glibc)
import Glibc
#endif

/// A bundle's telemetry in the Prometheus text exposition format (version 0.0.4): what
/// node_exporter's textfile collector reads, or what a service's /metrics handler returns.
/// Every metric has its `# HELP` and `# TYPE` lines; label values are escaped.
public enum PrometheusExposition {
    /// The exposition of `snapshot`. `labels` are added to every sample (say `job` or `function`),
    /// before the metric's own.
    public static func text(_ snapshot: TelemetrySnapshot, labels: [(name: String, value: String)] = []) -> String {
        var text = ""
        let header = snapshot.header
        let bundleLabels = labels + [("target", header.target), ("environment", header.environment)]

        family(&text, "flagc_evaluations_total", "counter", "Flag evaluations by flag, served variant and reason.")
        for entry in snapshot.evaluations {
            sample(
                &text,
                "flagc_evaluations_total",
                labels + [("flag", entry.flag), ("variant", entry.variant), ("reason", entry.reason.rawValue)],
                String(entry.count)
            )
        }

        family(
            &text,
            "flagc_evaluation_errors_total",
            "counter",
            "Evaluations that served the caller's default, by error code."
        )
        for entry in snapshot.errors {
            sample(
                &text,
                "flagc_evaluation_errors_total",
                labels + [("code", entry.code.rawValue)],
                String(entry.count)
            )
        }

        let latency = snapshot.latency
        family(
            &text,
            "flagc_evaluation_duration_seconds",
            "histogram",
            "Evaluation latency, one evaluation in \(latency.sampleInterval) per thread timed."
        )
        var cumulative: UInt64 = 0
        for (index, bound) in latency.bounds.enumerated() {
            cumulative &+= latency.counts[index]
            sample(
                &text,
                "flagc_evaluation_duration_seconds_bucket",
                labels + [("le", number(bound))],
                String(cumulative)
            )
        }
        cumulative &+= latency.counts.last ?? 0
        sample(&text, "flagc_evaluation_duration_seconds_bucket", labels + [("le", "+Inf")], String(cumulative))
        sample(&text, "flagc_evaluation_duration_seconds_sum", labels, number(latency.sum))
        sample(&text, "flagc_evaluation_duration_seconds_count", labels, String(cumulative))

        if !snapshot.circuits.isEmpty {
            family(
                &text,
                "flagc_circuit_state",
                "gauge",
                "1 for the state each guarded flag's circuit breaker is in, else 0."
            )
            for circuit in snapshot.circuits {
                for state in [CircuitState.closed, .open, .halfOpen] {
                    sample(
                        &text,
                        "flagc_circuit_state",
                        labels + [("flag", circuit.flag), ("state", state.rawValue)],
                        circuit.state == state ? "1" : "0"
                    )
                }
            }
            family(
                &text,
                "flagc_circuit_transitions_total",
                "counter",
                "Circuit breaker transitions, by the state entered."
            )
            for circuit in snapshot.circuits {
                for (state, count) in [
                    (CircuitState.open, circuit.opened), (.halfOpen, circuit.halfOpened), (.closed, circuit.closed),
                ] {
                    sample(
                        &text,
                        "flagc_circuit_transitions_total",
                        labels + [("flag", circuit.flag), ("to", state.rawValue)],
                        String(count)
                    )
                }
            }
        }

        family(&text, "flagc_bundle_version", "gauge", "The loaded bundle's version.")
        sample(&text, "flagc_bundle_version", bundleLabels, String(header.bundleVersion))
        family(
            &text,
            "flagc_bundle_issued_timestamp_seconds",
            "gauge",
            "When the loaded bundle was built (Unix seconds)."
        )
        sample(&text, "flagc_bundle_issued_timestamp_seconds", bundleLabels, String(header.issuedAt))
        family(
            &text,
            "flagc_bundle_expiry_timestamp_seconds",
            "gauge",
            "When the loaded bundle expires (Unix seconds); alert well before."
        )
        sample(&text, "flagc_bundle_expiry_timestamp_seconds", bundleLabels, String(header.expiresAt))
        family(&text, "flagc_keyring_version", "gauge", "The version of the keyring the loaded bundle carries.")
        sample(&text, "flagc_keyring_version", bundleLabels, String(header.keyring.version))
        family(
            &text,
            "flagc_keyring_expiry_timestamp_seconds",
            "gauge",
            "When the loaded bundle's keyring lapses (Unix seconds); alert well before."
        )
        sample(&text, "flagc_keyring_expiry_timestamp_seconds", bundleLabels, String(header.keyring.expiresAt))
        return text
    }

    private static func family(_ text: inout String, _ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    private static func sample(
        _ text: inout String,
        _ name: String,
        _ labels: [(name: String, value: String)],
        _ value: String
    ) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                if index > 0 { text += "," }
                text += label.name + "=\"" + escapeLabel(label.value) + "\""
            }
            text += "}"
        }
        text += " " + value + "\n"
    }

    /// A label value: backslash, double quote and line feed escaped.
    static func escapeLabel(_ value: String) -> String { escape(value, quote: true) }

    /// HELP text: backslash and line feed escaped.
    static func escapeHelp(_ value: String) -> String { escape(value, quote: false) }

    private static func escape(_ value: String, quote: Bool) -> String {
        var escaped = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"" where quote: escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A float sample value: integers without a fraction, others in Swift's shortest form.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// Writes a file whole or not at all: to a temporary file in the same folder, flushed, then
/// renamed over the path. node_exporter's textfile collector never reads a partial file.
public enum AtomicTextFile {
    /// Why the file could not be written; `path` is the file's, `reason` errno's.
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Writes `text` to `path` atomically (mode 0644).
    public static func write(_ text: String, to path: String) throws(WriteError) {
        let temporary = path + ".tmp.\(getpid())"
        func failure() -> WriteError { WriteError(path: path, reason: String(cString: strerror(errno))) }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure() }
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                Glibc.write(descriptor, $0.baseAddress! + written, $0.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                let error = failure()
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        bytes.removeAll()
        guard fsync(descriptor) == 0 else {
            let error = failure()
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure()
            unlink(temporary)
            throw error
        }
    }
}
