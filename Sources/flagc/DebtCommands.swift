import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

/// `flagc stale`: flags that have become debt, with a reason each.
struct StaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stale",
        abstract: "Report stale flags: expired, expiring, lifetime-exceeded, fully-rolled-out, never-on, unreferenced.",
        discussion: """
            Flags with 'lifecycle: permanent' are never reported. --source DIR (repeatable) searches the code for \
            each flag's key and generated accessor name; without it, 'unreferenced' is not judged.
            """
    )

    @Option(help: "The repository root holding flags/ and targets/.")
    var root = "."

    @Option(name: .customLong("source"), help: "A folder (or file) of code to search for references; repeatable.")
    var sources: [String] = []

    @Option(help: "Judge at this time, RFC 3339 or YYYY-MM-DD (default: now).")
    var now: String?

    @Option(help: "'expiring': an expiry date within this long, e.g. 14d.")
    var window = "14d"

    @Option(help: "'fully-rolled-out': a ramp at 100% counts once its last step is this old, e.g. 7d.")
    var grace = "7d"

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "Also write a SARIF 2.1.0 log to this file (for code-scanning dashboards).")
    var sarif: String?

    @Flag(help: "Print a removal plan: the YAML to delete, the variant to keep, the code to replace.")
    var plan = false

    @Option(
        name: .customLong("fail-on"),
        help: "Exit 1 when a finding has one of these reasons (comma-separated), or 'any'."
    )
    var failOn: String?

    func run() throws {
        var options = StaleOptions(now: try DebtClock.time(now))
        guard let window = Timestamp.parseDuration(window) else {
            throw ValidationError("--window must be a duration like 14d")
        }
        guard let grace = Timestamp.parseDuration(grace) else {
            throw ValidationError("--grace must be a duration like 7d")
        }
        let failReasons = try Self.reasons(failOn)
        options.expiringWindow = window
        options.rampGrace = grace
        options.sources = sources

        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(root: root, diagnostics: diagnostics)
        if diagnostics.hasErrors {
            Output.diagnostics(diagnostics.sorted, sources: project.sources)
            throw ExitCode(ExitStatus.invalidInput)
        }
        let report: StaleReport
        do throws(CodeReferenceScanner.ScanFailure) {
            report = try StaleAnalysis.run(project, options: options)
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
        if let sarif {
            do {
                try Data(report.sarif(toolVersion: FlagcVersion.release).utf8).write(
                    to: URL(fileURLWithPath: sarif),
                    options: .atomic
                )
            } catch {
                throw Output.fail(
                    "cannot write \(sarif): \(error.localizedDescription)",
                    status: ExitStatus.invalidInput
                )
            }
        }
        if json {
            print(report.json, terminator: "")
        } else if plan {
            print(report.planText, terminator: "")
        } else if !report.findings.isEmpty {
            print(report.text)
        }
        for note in report.notes { Output.note("note: " + note) }
        let flags = Set(report.findings.map(\.flag)).count
        Output.note(
            flags == 0
                ? "no stale flags among \(project.flags.count)"
                : "\(flags) stale flag\(flags == 1 ? "" : "s") (\(report.findings.count) finding\(report.findings.count == 1 ? "" : "s")) among \(project.flags.count)"
        )
        if report.findings.contains(where: { failReasons.contains($0.reason) }) {
            throw ExitCode(ExitStatus.invalidInput)
        }
    }

    /// The reasons of `--fail-on`.
    static func reasons(_ text: String?) throws -> Set<StaleReason> {
        guard let text else { return [] }
        var result: Set<StaleReason> = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            if name == "any" {
                result.formUnion(StaleReason.allCases)
            } else if let reason = StaleReason(rawValue: name) {
                result.insert(reason)
            } else {
                let names = StaleReason.allCases.map(\.rawValue)
                let suggestion = Suggestion.closest(to: name, among: names)
                throw ValidationError(
                    "unknown reason '\(name)' in --fail-on"
                        + (suggestion.map { "; did you mean '\($0)'?" }
                            ?? "; reasons are \(names.joined(separator: ", ")), any")
                )
            }
        }
        return result
    }
}

/// `flagc refs FLAG --source DIR`: where the code uses a flag.
struct RefsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refs",
        abstract: "Print the code locations that name a flag (its key or its generated accessor)."
    )

    @Argument(help: "The flag's key.")
    var flag: String

    @Option(help: "The repository root holding flags/ and targets/.")
    var root = "."

    @Option(name: .customLong("source"), help: "A folder (or file) of code to search; repeatable (default: the root).")
    var sources: [String] = []

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(root: root, diagnostics: diagnostics)
        if diagnostics.hasErrors {
            Output.diagnostics(diagnostics.sorted, sources: project.sources)
            throw ExitCode(ExitStatus.invalidInput)
        }
        let keys = project.flagKeys
        guard keys.contains(flag) else {
            let suggestion = Suggestion.closest(to: flag, among: keys)
            throw Output.fail(
                "no flag '\(flag)' in flags/" + Suggestion.didYouMean(suggestion),
                status: ExitStatus.invalidInput
            )
        }
        let references: FlagReferences
        do throws(CodeReferenceScanner.ScanFailure) {
            references =
                try CodeReferences.find(
                    in: project,
                    sources: sources.isEmpty ? [root] : sources,
                    maximumLocations: Int.max
                )[flag] ?? FlagReferences()
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
        if json {
            print(CodeReferences.json(flag: flag, references))
        } else {
            for reference in references.locations { print("\(reference.location): \(reference.name)") }
        }
        Output.note("\(references.count) reference\(references.count == 1 ? "" : "s") to '\(flag)'")
    }
}

/// The clock of the debt commands.
enum DebtClock {
    /// `--now` as Unix seconds: RFC 3339 or a date (00:00 UTC); the system clock without it.
    static func time(_ text: String?) throws -> Int64 {
        guard let text else { return Int64(Date().timeIntervalSince1970) }
        if let date = Timestamp.parseDate(text) { return date }
        guard let time = Timestamp.parseRFC3339(text) else {
            throw ValidationError("--now must be an RFC 3339 time like 2026-12-01T09:00:00Z or a date like 2026-12-01")
        }
        return Int64(time.rounded(.down))
    }
}
