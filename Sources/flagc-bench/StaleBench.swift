import FlagCompiler
import FlagTestSupport
import Foundation

/// `stale_s_10000`: `flagc stale --source` as a user runs it, in process: read a 10,000-flag project
/// from disk, take every flag's creation date from one `git log` (each flag has `lifecycle: release`
/// and no `created:`), search 5,000 source files for references, judge every flag.
enum StaleBench {
    struct Result {
        var seconds: Double
        /// User + system time of this process and its children (git) during the run.
        var cpuSeconds: Double
        var findings: Int
        var usedGit: Bool
    }

    static func run(flagCount: Int, fileCount: Int, in folder: URL) throws -> Result {
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("flags"),
            withIntermediateDirectories: true
        )
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("targets"),
            withIntermediateDirectories: true
        )
        let yaml = Workload.yaml(flagCount: flagCount).replacingOccurrences(
            of: "    description: Generated flag ",
            with: "    lifecycle: release\n    description: Generated flag "
        )
        try Data(yaml.utf8).write(to: folder.appendingPathComponent("flags/bench.yaml"))
        try Data("flags: ['*']\nrecipients: [keys/bench.recipient.pub]\n".utf8)
            .write(to: folder.appendingPathComponent("targets/bench.yaml"))
        let usedGit =
            git(["init", "-q"], in: folder) && git(["add", "flags"], in: folder)
            && git(
                ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "flags"],
                in: folder
            )

        // 5,000 files of 40 lines; nine flags in ten are used, by key or by accessor name.
        let sources = folder.appendingPathComponent("Sources")
        var generator = SplitMix64(seed: 7)
        for file in 0..<fileCount {
            let directory = sources.appendingPathComponent("Module\(file % 50)")
            if file < 50 { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
            var text = "import FlagRuntime\n\nstruct Screen\(file) {\n"
            for line in 0..<36 {
                let flag = Int(generator.next() % UInt64(flagCount))
                if flag % 10 == 9 {
                    text += "    let value\(line) = compute(\(line), \"no flag here\", context.attributes)\n"
                } else if line % 2 == 0 {
                    text += "    let value\(line) = bundle.bool(\"\(Workload.flagKey(flag))\", context: context)\n"
                } else {
                    text += "    let value\(line) = flags.\(accessor(Workload.flagKey(flag)))(context)\n"
                }
            }
            text += "}\n"
            try Data(text.utf8).write(to: directory.appendingPathComponent("Screen\(file).swift"))
        }

        let startCPU = cpuTime()
        let start = DispatchTime.now().uptimeNanoseconds
        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(root: folder.path, diagnostics: diagnostics)
        guard !diagnostics.hasErrors else { throw DiagnosticList(diagnostics.sorted) }
        var options = StaleOptions(now: 1_900_000_000)
        options.sources = [sources.path]
        let report = try StaleAnalysis.run(project, options: options)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Result(
            seconds: seconds,
            cpuSeconds: cpuTime() - startCPU,
            findings: report.findings.count,
            usedGit: usedGit
        )
    }

    /// User + system seconds of this process and its finished children.
    static func cpuTime() -> Double {
        var total = 0.0
        for who in [RUSAGE_SELF, RUSAGE_CHILDREN] {
            var usage = rusage()
            getrusage(who.rawValue, &usage)
            total += Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            total += Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return total
    }

    /// The accessor name flagc generates for `key` (`team-3.feature-17` → `team3Feature17`).
    static func accessor(_ key: String) -> String {
        let words = key.split { !$0.isLetter && !$0.isNumber }
        return words.enumerated().map { $0 == 0 ? String($1) : $1.prefix(1).uppercased() + $1.dropFirst() }.joined()
    }

    private static func git(_ arguments: [String], in folder: URL) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
