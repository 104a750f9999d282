import FlagRuntime

/// The ways `flagc stale` prints a report: text, JSON, SARIF 2.1.0 and a removal plan.
extension StaleReport {
    /// One line per finding: `file:line:column: flag: reason: explanation [targets]`.
    public var text: String {
        findings.map { finding in
            "\(finding.location): \(finding.flag): \(finding.reason.rawValue): \(finding.message)"
                + (finding.targets.isEmpty ? "" : " [\(finding.targets.joined(separator: ", "))]")
        }.joined(separator: "\n")
    }

    /// `{"now", "findings": [{flag, reason, message, file, line, column, targets, references}], "notes"}`.
    public var json: String {
        let items = findings.map { finding -> JSONValue in
            let references = self.references[finding.flag]
            var pairs: [(String, JSONValue?)] = [
                ("flag", .string(finding.flag)),
                ("reason", .string(finding.reason.rawValue)),
                ("message", .string(finding.message)),
                ("file", .string(finding.location.file)),
                ("line", .integer(Int64(finding.location.line))),
                ("column", .integer(Int64(finding.location.column))),
                ("targets", JSONValue.strings(finding.targets)),
            ]
            if let references {
                pairs.append(("referenceCount", .integer(Int64(references.count))))
                pairs.append(("references", .array(references.locations.map(Self.referenceJSON))))
            }
            return JSONValue.members(pairs)
        }
        return JSONText.pretty(
            JSONValue.members([
                ("now", .string(Timestamp.formatRFC3339(now))),
                ("findings", .array(items)),
                ("notes", JSONValue.strings(notes)),
            ])
        ) + "\n"
    }

    static func referenceJSON(_ reference: CodeReference) -> JSONValue {
        JSONValue.members([
            ("file", .string(reference.file)),
            ("line", .integer(Int64(reference.line))),
            ("column", .integer(Int64(reference.column))),
            ("name", .string(reference.name)),
        ])
    }

    /// The SARIF 2.1.0 log: one rule per reason, one result per finding, located at the flag's YAML
    /// line and then at each code line that names the flag.
    public func sarif(toolVersion: String) -> String {
        let reasons = StaleReason.allCases
        let rules = reasons.map { reason -> JSONValue in
            JSONValue.members([
                ("id", .string(reason.rawValue)),
                ("name", .string(Self.ruleName(reason))),
                ("shortDescription", JSONValue.members([("text", .string(reason.summary))])),
                ("defaultConfiguration", JSONValue.members([("level", .string("warning"))])),
            ])
        }
        let results = findings.map { finding -> JSONValue in
            var locations = [Self.sarifLocation(finding.location.file, finding.location.line, finding.location.column)]
            for reference in references[finding.flag]?.locations ?? [] {
                locations.append(Self.sarifLocation(reference.file, reference.line, reference.column))
            }
            return JSONValue.members([
                ("ruleId", .string(finding.reason.rawValue)),
                ("ruleIndex", .integer(Int64(reasons.firstIndex(of: finding.reason)!))),
                ("level", .string("warning")),
                ("message", JSONValue.members([("text", .string("flag '\(finding.flag)': \(finding.message)"))])),
                ("locations", .array(locations)),
                (
                    "partialFingerprints",
                    JSONValue.members([("flagReason", .string("\(finding.flag)/\(finding.reason.rawValue)"))])
                ),
            ])
        }
        let log = JSONValue.members([
            ("version", .string("2.1.0")),
            (
                "$schema",
                .string("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
            ),
            (
                "runs",
                .array([
                    JSONValue.members([
                        (
                            "tool",
                            JSONValue.members([
                                (
                                    "driver",
                                    JSONValue.members([
                                        ("name", .string("flagc")),
                                        ("version", .string(toolVersion)),
                                        ("rules", .array(rules)),
                                    ])
                                )
                            ])
                        ),
                        ("columnKind", .string("unicodeCodePoints")),
                        ("results", .array(results)),
                    ])
                ])
            ),
        ])
        return JSONText.pretty(log) + "\n"
    }

    private static func ruleName(_ reason: StaleReason) -> String {
        reason.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Flag"
    }

    private static func sarifLocation(_ file: String, _ line: Int, _ column: Int) -> JSONValue {
        JSONValue.members([
            (
                "physicalLocation",
                JSONValue.members([
                    ("artifactLocation", JSONValue.members([("uri", .string(Self.uri(file)))])),
                    (
                        "region",
                        JSONValue.members([
                            ("startLine", .integer(Int64(max(1, line)))),
                            ("startColumn", .integer(Int64(max(1, column)))),
                        ])
                    ),
                ])
            )
        ])
    }

    /// A relative path as a URI reference: `./` dropped, unsafe characters percent-encoded.
    static func uri(_ path: String) -> String {
        var path = path
        while path.hasPrefix("./") { path.removeFirst(2) }
        var result = ""
        for byte in path.utf8 {
            let isSafe =
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || "-._~/".utf8.contains(byte)
            result +=
                isSafe
                ? String(UnicodeScalar(byte)) : "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
        }
        return result
    }

    /// For each stale flag: the YAML to delete, the variant every context gets today and the code to
    /// replace with its value.
    public var planText: String {
        var out = ""
        for plan in plans {
            out += "flag '\(plan.flag)' (\(plan.reasons.map(\.rawValue).joined(separator: ", ")))\n"
            out += "  delete \(plan.file) lines \(plan.lines.lowerBound)-\(plan.lines.upperBound):\n"
            for line in plan.yaml.split(separator: "\n", omittingEmptySubsequences: false) {
                out += "    | \(line)\n"
            }
            if let variant = plan.variant, let value = plan.value {
                out += "  every context gets '\(variant)' (\(value)) today\n"
            } else if plan.servedVariants.isEmpty {
                out += "  no target builds it\n"
            } else {
                out +=
                    "  contexts get different variants today (\(plan.servedVariants.map { "'\($0)'" }.joined(separator: ", "))); "
                    + "choose the value to keep\n"
            }
            if plan.references.count == 0 {
                out += "  no code references found\n"
            } else {
                let replacement = plan.value.map { "replace with \($0)" } ?? "replace"
                out +=
                    "  \(replacement) at \(plan.references.count) code reference\(plan.references.count == 1 ? "" : "s"):\n"
                for reference in plan.references.locations { out += "    \(reference.location) (\(reference.name))\n" }
                if plan.references.count > plan.references.locations.count {
                    out += "    … \(plan.references.count - plan.references.locations.count) more\n"
                }
            }
            out += "\n"
        }
        return out
    }
}
