import FlagRuntime

/// `flagc diff`'s output: text for people (grouped by flag and segment, coloured when asked) and
/// JSON for tools.
package enum DiffReport {
    /// Text, one block per flag and segment; `colored` adds ANSI colours (for a terminal).
    package static func text(_ diff: SemanticDiff, old: String, new: String, colored: Bool) -> String {
        func paint(_ text: String, _ code: String) -> String { colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        var lines = [paint("target \(diff.target): \(old) → \(new)", "1")]
        if diff.isEmpty {
            lines.append("no changes")
            return lines.joined(separator: "\n")
        }
        let added = diff.flags.filter { $0.kinds == [.added] }
        let removed = diff.flags.filter { $0.kinds == [.removed] }
        let changed = diff.flags.filter { $0.kinds != [.added] && $0.kinds != [.removed] }
        func block(_ title: String, _ flags: [SemanticDiff.FlagChange], sign: String, color: String) {
            guard !flags.isEmpty else { return }
            lines.append("")
            lines.append(paint("\(title) (\(flags.count)):", "1"))
            for flag in flags {
                lines.append(paint("\(sign) \(flag.key)", color) + (flag.isComplianceTagged ? "  [compliance]" : ""))
                for change in flag.changes where change.kind != .added && change.kind != .removed {
                    lines.append("    \(change.kind.rawValue): \(change.detail)")
                    if let warning = change.warning { lines.append("    " + paint("warning: \(warning)", "33")) }
                }
                if let change = flag.changes.first, change.kind == .added || change.kind == .removed {
                    lines.append("    \(change.detail)")
                }
            }
        }
        block("flags added", added, sign: "+", color: "32")
        block("flags removed", removed, sign: "-", color: "31")
        block("flags changed", changed, sign: "~", color: "36")
        if !diff.segments.isEmpty {
            lines.append("")
            lines.append(paint("segments changed (\(diff.segments.count)):", "1"))
            for segment in diff.segments {
                lines.append(paint("~ \(segment.name)", "36") + "  reaches: " + SemanticDiff.listText(segment.reaches))
                for change in segment.changes { lines.append("    \(change.kind.rawValue): \(change.detail)") }
            }
        }
        let warnings = diff.flags.flatMap(\.changes).filter { $0.warning != nil }.count
        lines.append("")
        lines.append(
            "\(diff.flags.count) flag\(diff.flags.count == 1 ? "" : "s") and \(diff.segments.count) segment\(diff.segments.count == 1 ? "" : "s") changed"
                + (warnings > 0 ? ", \(warnings) re-bucketing warning\(warnings == 1 ? "" : "s")" : "")
        )
        return lines.joined(separator: "\n")
    }

    /// The diff as JSON; `details` false leaves out every detail, exposure and warning (change kinds
    /// only), and `redactCompliance` does so for compliance-tagged flags and the segments they reach.
    package static func json(_ diff: SemanticDiff, details: Bool = true, redactCompliance: Bool = false) -> JSONValue {
        let tagged = redactCompliance ? Set(diff.flags.filter(\.isComplianceTagged).map(\.key)) : []
        func change(_ change: SemanticDiff.Change, full: Bool) -> JSONValue {
            guard full else { return .members([("kind", .string(change.kind.rawValue))]) }
            return .members([
                ("kind", .string(change.kind.rawValue)),
                ("detail", .string(change.detail)),
                ("exposure", change.exposure.map(exposureJSON)),
                ("warning", change.warning.map(JSONValue.string)),
            ])
        }
        return .members([
            ("target", .string(diff.target)),
            ("changed", .bool(!diff.isEmpty)),
            (
                "flags",
                .array(
                    diff.flags.map { flag in
                        let full = details && !(redactCompliance && flag.isComplianceTagged)
                        return .members([
                            ("key", .string(flag.key)),
                            ("compliance", flag.isComplianceTagged ? .bool(true) : nil),
                            ("kinds", .strings(flag.kinds.map(\.rawValue))),
                            full ? ("changes", .array(flag.changes.map { change($0, full: true) })) : ("changes", nil),
                        ])
                    }
                )
            ),
            (
                "segments",
                .array(
                    diff.segments.map { segment in
                        let full = details && !segment.reaches.contains(where: tagged.contains)
                        return .members([
                            ("name", .string(segment.name)),
                            ("kinds", .strings(segment.changes.map(\.kind.rawValue))),
                            ("changes", full ? .array(segment.changes.map { change($0, full: true) }) : nil),
                            ("reaches", .strings(segment.reaches)),
                        ])
                    }
                )
            ),
        ])
    }

    static func exposureJSON(_ exposure: ExposureDelta) -> JSONValue {
        func percent(_ buckets: Int) -> JSONValue { .string(ExposureDelta.percent(buckets)) }
        return .members([
            (
                "shares",
                .array(
                    exposure.shares.map {
                        .members([("variant", .string($0.variant)), ("old", percent($0.old)), ("new", percent($0.new))])
                    }
                )
            ),
            (
                "moves",
                .array(
                    exposure.moves.map {
                        .members([("from", .string($0.from)), ("to", .string($0.to)), ("percent", percent($0.buckets))])
                    }
                )
            ),
            ("movedPercent", percent(exposure.moved)),
            ("reassignedPercent", percent(exposure.reassigned)),
        ])
    }
}
