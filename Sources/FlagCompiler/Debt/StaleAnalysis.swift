import FlagRuntime
import Foundation

/// Why `flagc stale` reports a flag.
public enum StaleReason: String, Sendable, CaseIterable, Comparable {
    case expired
    case expiring
    case lifetimeExceeded = "lifetime-exceeded"
    case fullyRolledOut = "fully-rolled-out"
    case neverOn = "never-on"
    case unreferenced

    /// One line on what the reason means (SARIF rule descriptions, help).
    public var summary: String {
        switch self {
        case .expired: "The flag is past its 'expires' date."
        case .expiring: "The flag reaches its 'expires' date soon."
        case .lifetimeExceeded: "The flag has lived longer than its lifecycle allows."
        case .fullyRolledOut: "Every context gets the same variant: the flag no longer decides anything."
        case .neverOn: "The flag is off everywhere: no context gets anything but its off variant."
        case .unreferenced: "No code names the flag's key or its generated accessor."
        }
    }

    public static func < (lhs: StaleReason, rhs: StaleReason) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How `flagc stale` judges staleness.
public struct StaleOptions: Sendable {
    /// The time the judgement is made at (Unix seconds).
    public var now: Int64
    /// `expiring`: an `expires` date within this many seconds.
    public var expiringWindow: Int64 = 14 * 86_400
    /// `fully-rolled-out`: a ramp at 100 % counts once its last step is this old (seconds).
    public var rampGrace: Int64 = 7 * 86_400
    /// Folders (or files) whose code is searched for references; none: `unreferenced` is not judged.
    public var sources: [String] = []
    /// Locations kept per flag.
    public var maximumReferences = 100

    public init(now: Int64) { self.now = now }
}

/// One stale flag and one reason.
public struct StaleFinding: Sendable {
    public var flag: String
    public var reason: StaleReason
    /// One line explaining the finding.
    public var message: String
    /// Where the flag is defined.
    public var location: SourceLocation
    /// The targets that build the flag.
    public var targets: [String]
}

/// Everything `flagc stale` found.
public struct StaleReport: Sendable {
    public var now: Int64
    public var findings: [StaleFinding]
    /// Code references by flag key (only when sources were scanned).
    public var references: [String: FlagReferences]
    /// Things that could not be judged (a lifecycle without a creation date, say).
    public var notes: [String]
    /// Removal facts per stale flag, for `--plan`.
    public var plans: [RemovalPlan]
}

/// How to remove one stale flag.
public struct RemovalPlan: Sendable {
    public var flag: String
    public var reasons: [StaleReason]
    /// The flag's file and its lines (first, last) in that file.
    public var file: String
    public var lines: ClosedRange<Int>
    /// The YAML to delete, as written.
    public var yaml: String
    /// The variant every context gets today, and its value as JSON; nil when contexts differ.
    public var variant: String?
    public var value: String?
    /// The variants served today when contexts differ.
    public var servedVariants: [String]
    public var references: FlagReferences
}

/// `flagc stale`: flags that have become debt.
public enum StaleAnalysis {
    /// Judges every flag of `project` (a `permanent` one never).
    public static func run(
        _ project: FlagProject,
        options: StaleOptions
    ) throws(CodeReferenceScanner.ScanFailure)
        -> StaleReport
    {
        let now = options.now
        var notes: [String] = []
        let targetsByFlag = targetNames(project)
        let flags = project.flags.filter { $0.metadata.lifecycle?.value != .permanent }

        // Creation times from git, only for flags that need one and do not say.
        let needsHistory = Set(
            flags.filter { $0.metadata.lifecycle?.value.expectedLifetimeDays != nil && $0.metadata.createdAt == nil }
                .map(\.key.value)
        )
        var history: [String: Int64] = [:]
        var gitAnswered = false
        if !needsHistory.isEmpty {
            if let times = GitHistory.firstCommitTimes(root: project.root, keys: needsHistory) {
                history = times
                gitAnswered = true
            } else {
                notes.append("no git history under \(project.root): 'lifetime-exceeded' needs 'created:' dates")
            }
        }

        var references: [String: FlagReferences] = [:]
        if !options.sources.isEmpty {
            references = try CodeReferences.find(
                in: project,
                sources: options.sources,
                maximumLocations: options.maximumReferences
            )
        }

        var analysis = ReachabilityAnalysis(project: project, rampGrace: Double(options.rampGrace))
        var findings: [StaleFinding] = []
        var plans: [RemovalPlan] = []
        // Each flag file split into lines once, for the plans.
        var linesByFile: [String: [Substring]] = [:]
        for flag in flags {
            let key = flag.key.value
            let targets = targetsByFlag[key] ?? []
            var found: [(StaleReason, String)] = []
            if let expiresAt = flag.metadata.expiresAt, let date = flag.metadata.expires?.value {
                if expiresAt <= now {
                    found.append((.expired, "expired on \(date), \(days(now - expiresAt)) ago"))
                } else if expiresAt - now <= options.expiringWindow {
                    found.append((.expiring, "expires on \(date), in \(days(expiresAt - now))"))
                }
            }
            if let lifecycle = flag.metadata.lifecycle?.value, let lifetime = lifecycle.expectedLifetimeDays {
                let created = flag.metadata.createdAt ?? history[key]
                if let created {
                    let age = now - created
                    if age > Int64(lifetime) * 86_400 {
                        let since =
                            flag.metadata.created.map { "created on \($0.value)" }
                            ?? "first committed on \(Timestamp.formatRFC3339(created).prefix(10))"
                        found.append(
                            (
                                .lifetimeExceeded,
                                "\(lifecycle.rawValue) flag \(since), \(days(age)) ago; "
                                    + "\(lifecycle.rawValue) flags live \(lifetime) days"
                            )
                        )
                    }
                } else if gitAnswered {
                    notes.append("flag '\(key)': no 'created:' date and no commit adds it; its lifetime is unknown")
                }
            }
            let served = servedToday(flag, project: project, targets: targets, now: now, analysis: &analysis)
            if flag.metadata.lifecycle?.value != .killSwitch, let served, !served.variants.isEmpty {
                if served.neverOn {
                    found.append(
                        (
                            .neverOn,
                            served.allDisabled
                                ? "disabled in every target" : "serves only its off variant '\(served.variants[0])'"
                        )
                    )
                } else if served.variants.count == 1 {
                    found.append((.fullyRolledOut, "every context gets '\(served.variants[0])'"))
                }
            }
            if !options.sources.isEmpty, (references[key]?.count ?? 0) == 0 {
                let accessor = SwiftGenerator.lowerCamel(key)
                found.append(
                    (
                        .unreferenced,
                        "no code under \(options.sources.joined(separator: ", ")) names '\(key)'"
                            + (accessor == key ? "" : " or '\(accessor)'")
                    )
                )
            }
            guard !found.isEmpty else { continue }
            for (reason, message) in found {
                findings.append(
                    StaleFinding(
                        flag: key,
                        reason: reason,
                        message: message,
                        location: flag.key.location,
                        targets: targets
                    )
                )
            }
            plans.append(
                plan(
                    flag,
                    project: project,
                    reasons: found.map(\.0),
                    served: served,
                    references: references[key] ?? FlagReferences(),
                    linesByFile: &linesByFile
                )
            )
        }
        findings.sort { ($0.flag, $0.reason) < ($1.flag, $1.reason) }
        plans.sort { $0.flag < $1.flag }
        return StaleReport(now: now, findings: findings, references: references, notes: notes, plans: plans)
    }

    /// "3 days", "1 day".
    static func days(_ seconds: Int64) -> String {
        let count = seconds / 86_400
        return "\(count) day\(count == 1 ? "" : "s")"
    }

    /// The names of the targets that build each flag.
    static func targetNames(_ project: FlagProject) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for target in project.targets {
            for flag in TargetSelection(target: target, project: project).flags {
                result[flag.key.value, default: []].append(target.name)
            }
        }
        return result
    }

    private struct Served {
        /// The variants served today over every target (sorted).
        var variants: [String]
        var neverOn: Bool
        var allDisabled: Bool
    }

    /// What the flag serves today over the targets that build it (the flags as written when the
    /// project has no target); nil when no target builds it.
    private static func servedToday(
        _ flag: FlagDefinition,
        project: FlagProject,
        targets: [String],
        now: Int64,
        analysis: inout ReachabilityAnalysis
    ) -> Served? {
        let environments: [String?]
        if project.targets.isEmpty {
            environments = [nil]
        } else {
            environments = Array(Set(targets.compactMap { project.target($0)?.environment })).sorted()
        }
        guard !environments.isEmpty else { return nil }
        var names: Set<String> = []
        var onlyOff = true
        var allDisabled = true
        for environment in environments {
            let served = analysis.servedVariants(
                flag,
                environment: environment,
                at: Double(now),
                population: .identifiedContexts
            )
            names.formUnion(served.names)
            if !served.names.isSubset(of: [served.offVariant]) { onlyOff = false }
            if served.isEnabled { allDisabled = false }
        }
        // A non-boolean flag serving one value is rolled out to it, not "never on".
        let neverOn = onlyOff && (allDisabled || flag.type == .boolean)
        return Served(variants: names.sorted(), neverOn: neverOn, allDisabled: allDisabled)
    }

    private static func plan(
        _ flag: FlagDefinition,
        project: FlagProject,
        reasons: [StaleReason],
        served: Served?,
        references: FlagReferences,
        linesByFile: inout [String: [Substring]]
    ) -> RemovalPlan {
        let file = flag.key.location.file
        if linesByFile[file] == nil {
            linesByFile[file] = (project.sources[file] ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        }
        let lines = linesByFile[file] ?? []
        let first = flag.key.location.line
        // The flag ends before the next line indented no deeper than its key (a sibling or a parent).
        let indent = flag.key.location.column - 1
        var last = first
        var index = first  // lines[index] is line index + 1
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.drop { $0 == " " }
            if !trimmed.isEmpty && !trimmed.hasPrefix("#") && line.count - trimmed.count <= indent { break }
            if !trimmed.isEmpty { last = index + 1 }
            index += 1
        }
        let yaml = first <= lines.count ? lines[(first - 1)..<min(last, lines.count)].joined(separator: "\n") : ""
        let variant = served.flatMap { $0.variants.count == 1 ? $0.variants[0] : nil }
        let value = variant.flatMap { name in
            flag.variants.first { $0.name.value == name }.map { BundleInspection.jsonValue($0.value).jsonText }
        }
        return RemovalPlan(
            flag: flag.key.value,
            reasons: reasons,
            file: file,
            lines: first...max(first, last),
            yaml: yaml,
            variant: variant,
            value: value,
            servedVariants: served?.variants ?? [],
            references: references
        )
    }
}
