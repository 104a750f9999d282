// flagc-bench: the one-line way to reproduce docs/performance.md.
//
// Over 700 lines on purpose: every figure of docs/performance.md in one program, so that one
// command reproduces the table; each figure is a small function, grouped by what it times.
//
//     swift run -c release flagc-bench --json [--quick]
//
// Prints one JSON object of medians (and each figure's spread, as the machine's noise).
// Workloads are generated (FlagTestSupport.Workload): 100, 1,000 and 10,000 flags of a realistic
// mix and up to 100,000 distinct contexts.
import CAllocationCounter
import Dispatch
import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation

/// Keeps results alive so the optimizer cannot drop the measured work.
nonisolated(unsafe) var sink = 0

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

struct Sample {
    var values: [Double]
    var median: Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }
    /// Median absolute deviation relative to the median: the noise of this figure.
    var spread: Double {
        let middle = median
        let deviations = values.map { abs($0 - middle) }.sorted()
        return deviations.isEmpty || middle == 0 ? 0 : deviations[deviations.count / 2] / middle
    }
}

enum GeneratedCodeProject {
    static func load(root: String) throws -> FlagProject {
        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(root: root, diagnostics: diagnostics)
        if diagnostics.hasErrors { throw DiagnosticList(diagnostics.sorted) }
        return project
    }
}

/// `flagc build` of a generated project, timed end to end in a subprocess.
enum WholeBuild {
    /// The release `flagc` built next to this executable (or `FLAGC_BENCH_FLAGC`, to time another
    /// build of it), or nil.
    static func executable() -> URL? {
        if let path = ProcessInfo.processInfo.environment["FLAGC_BENCH_FLAGC"] { return URL(fileURLWithPath: path) }
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let flagc = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("flagc")
        return FileManager.default.isExecutableFile(atPath: flagc.path) ? flagc : nil
    }

    /// Writes the project (flags/bench.yaml, targets/bench.yaml, keys), then times `rounds` builds
    /// after one untimed warm-up, in nanoseconds.
    /// Also the builds' processor time (user + system, nanoseconds), which another load on the
    /// machine does not inflate as it does the wall-clock time.
    static func time(flagc: URL, yaml: String, in folder: URL, rounds: Int) throws -> (wall: Sample, cpu: Sample) {
        try write(flagc: flagc, yaml: yaml, in: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        var wall: [Double] = []
        var cpu: [Double] = []
        for round in 0...rounds {
            let start = now()
            let startCPU = childrenCPU()
            try run(flagc, ["build"], in: folder)
            if round > 0 || rounds == 1 {
                wall.append(Double(now() - start))
                cpu.append(childrenCPU() - startCPU)
            }
            if rounds == 1 { break }
        }
        return (Sample(values: wall), Sample(values: cpu))
    }

    /// User + system time of the finished child processes so far, in nanoseconds.
    static func childrenCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        let seconds = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        return seconds * 1e9 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e3
    }

    /// A project in `folder`: the flags in files of 5,000, one target `bench`, keys made by `flagc`.
    static func write(flagc: URL, yaml: String, in folder: URL) throws {
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("flags"),
            withIntermediateDirectories: true
        )
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("targets"),
            withIntermediateDirectories: true
        )
        for (index, text) in split(yaml, flagsPerFile: 5_000).enumerated() {
            try Data(text.utf8).write(to: folder.appendingPathComponent("flags/bench-\(index).yaml"))
        }
        try Data("recipients: [keys/bench.recipient.pub]\n".utf8).write(
            to: folder.appendingPathComponent("targets/bench.yaml")
        )
        try run(flagc, ["keys", "init"], in: folder)
        try run(flagc, ["keys", "recipient", "bench"], in: folder)
    }

    /// A generated flags file cut into files of at most `flagsPerFile` flags (a project's files
    /// are limited in size); the first keeps the segments.
    static func split(_ yaml: String, flagsPerFile: Int) -> [String] {
        guard let range = yaml.range(of: "\nflags:\n") else { return [yaml] }
        var files = [String(yaml[..<range.upperBound])]
        var count = 0
        for line in yaml[range.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            // A flag starts at two spaces of indentation.
            if line.hasPrefix("  "), !line.hasPrefix("   ") {
                if count > 0 && count % flagsPerFile == 0 { files.append("flags:\n") }
                count += 1
            }
            files[files.count - 1] += line + "\n"
        }
        return files
    }

    private static func run(_ flagc: URL, _ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = flagc
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure("flagc \(arguments.joined(separator: " ")) failed in \(folder.path)")
        }
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Keeps loaded bundles alive until a round's timing is over.
final class BundleKeeper: @unchecked Sendable {
    var bundles: [FlagBundle] = []
}

@main
enum FlagcBench {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        let quick = arguments.contains("--quick")
        let asJSON = arguments.contains("--json")
        if arguments.contains("--help") || arguments.contains("-h") {
            print(
                "usage: flagc-bench [--json] [--quick] | --peers [--quick] | --specialized [--quick]"
                    + " | --build-only [FLAG COUNT...] | --write-project COUNT DIR | --stale-only | --policy-only"
            )
            return
        }
        if arguments.contains("--json-parse") {
            JSONParseBench.run(quick: quick)
            return
        }
        if arguments.contains("--specialized") {
            try SpecializedBench.run(quick: quick)
            return
        }
        if arguments.contains("--peers") {
            try PeersCommand.run(quick: quick)
            return
        }

        // MARK: Measuring

        /// `rounds` timings of `body`, each in nanoseconds per call of `batch` calls.
        /// `between` runs after each round, untimed.
        func measure(rounds: Int, batch: Int = 1, between: () -> Void = {}, _ body: () -> Void) -> Sample {
            body()  // warm up
            between()
            var values: [Double] = []
            for _ in 0..<rounds {
                let start = now()
                for _ in 0..<batch { body() }
                values.append(Double(now() - start) / Double(batch))
                between()
            }
            return Sample(values: values)
        }

        var figures: [(String, Any)] = []
        var noise: [(String, Double)] = []
        func record(_ name: String, _ value: Any, spread: Double? = nil) {
            figures.append((name, value))
            if let spread { noise.append((name, spread)) }
            if !asJSON { print(name.padding(toLength: 34, withPad: " ", startingAt: 0), value) }
        }

        func rounded(_ value: Double, _ places: Int = 2) -> Double {
            let scale = pow(10, Double(places))
            return (value * scale).rounded() / scale
        }

        // MARK: Workloads

        let keys = TestKeys()
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("flagc-bench-\(getpid())")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temporary) }

        func project(_ yaml: String) -> FlagProject {
            let diagnostics = DiagnosticCollector()
            let project = FlagProject.load(
                flagFiles: [("flags/bench.yaml", Array(yaml.utf8))],
                targetFiles: [("targets/bench.yaml", Array("recipients: [keys/bench.recipient.pub]\n".utf8))],
                diagnostics: diagnostics
            )
            if diagnostics.hasErrors {
                FileHandle.standardError.write(Data(DiagnosticList(diagnostics.sorted).description.utf8))
                exit(1)
            }
            return project
        }

        /// Check + build of one target, in memory: YAML → validated project → content → sealed bundle.
        func compile(_ yaml: String) -> [UInt8] {
            let project = project(yaml)
            let content = Builder.content(of: project, target: project.targets[0])
            return keys.bundle(content, target: "bench")
        }

        if let index = arguments.firstIndex(of: "--write-project") {
            // A generated project with keys, for profiling `flagc build` on it: COUNT flags in DIR.
            let values = Array(arguments[(index + 1)...])
            guard values.count >= 2, let count = Int(values[0]), let flagc = WholeBuild.executable() else {
                throw BenchFailure("usage: flagc-bench --write-project COUNT DIR (with a release flagc built)")
            }
            try WholeBuild.write(
                flagc: flagc,
                yaml: Workload.yaml(flagCount: count),
                in: URL(fileURLWithPath: values[1])
            )
            return
        }
        if let index = arguments.firstIndex(of: "--build-only") {
            // Only the whole-build figures, for the flag counts given (default 1,000 and 10,000),
            // e.g. with FLAGC_BENCH_FLAGC=<another flagc> to compare builds of it.
            let counts = arguments[(index + 1)...].compactMap { Int($0) }
            guard let flagc = WholeBuild.executable() else {
                throw BenchFailure("no release flagc next to flagc-bench")
            }
            for count in counts.isEmpty ? [1_000, 10_000] : counts {
                let sample = try WholeBuild.time(
                    flagc: flagc,
                    yaml: Workload.yaml(flagCount: count),
                    in: temporary.appendingPathComponent("build-\(count)"),
                    rounds: 1
                )
                record("build_s_\(count)", rounded(sample.wall.median / 1e9, 3))
                record("build_cpu_s_\(count)", rounded(sample.cpu.median / 1e9, 3))
            }
            return
        }

        /// `stale_s_10000`: 10,000 flags and 5,000 source files (see StaleBench).
        func staleFigure() throws {
            let result = try StaleBench.run(
                flagCount: 10_000,
                fileCount: 5_000,
                in: temporary.appendingPathComponent("stale")
            )
            record("stale_s_10000", rounded(result.seconds, 3))
            record("stale_cpu_s_10000", rounded(result.cpuSeconds, 3))
            if !result.usedGit { record("stale_git", "not measured: no git; creation dates were not read") }
        }
        if arguments.contains("--stale-only") {
            try staleFigure()
            if asJSON {
                let members = figures.map { name, value in
                    "\"\(name)\":" + (value is String ? "\"\(value)\"" : "\(value)")
                }
                print("{" + members.joined(separator: ",") + "}")
            }
            return
        }

        let yaml100 = Workload.yaml(flagCount: 100)
        let yaml1000 = Workload.yaml(flagCount: 1_000)
        let yaml10000 = Workload.yaml(flagCount: 10_000)

        if arguments.contains("--policy-only") {
            let policy = PolicyBench.measure(project(yaml10000), rounds: quick ? 1 : 3)
            record("policy_s_10000", rounded(policy.seconds, 3))
            record("policy_cpu_s_10000", rounded(policy.cpu, 3))
            record("policy_violations_10000", policy.violations)
            return
        }
        if arguments.contains("--sizes") {
            // Where the bytes of a 1,000-flag payload go.
            let project = project(yaml1000)
            let content = Builder.content(of: project, target: project.targets[0])
            let payload = PayloadCodec.encode(content)
            var reader = ByteReader(payload)
            for _ in 0..<10 { _ = try reader.readVarUInt() }  // the declared table sizes
            let sizesEnd = reader.offset
            let count = try reader.readCount(maximum: 1 << 24)
            for _ in 0..<count {
                _ = try reader.readVarUInt()
                try reader.skip(try reader.readCount(maximum: 1 << 20))
            }
            print("payload", payload.count, "string table", reader.offset - sizesEnd, "strings", count)
            print("compressed", PayloadCodec.compress(payload).count)
            var segmentsOnly = content
            segmentsOnly.flags = []
            print("segments only", PayloadCodec.encode(segmentsOnly).count)
            return
        }
        if arguments.contains("--profile-index") {
            // A loop for `perf record`: the index stage alone (decompress + decode), kept alive.
            let project = project(yaml1000)
            let content = Builder.content(of: project, target: project.targets[0])
            let plaintext = PayloadCodec.compress(PayloadCodec.encode(content))
            let encoded = try PayloadCodec.decompress(plaintext)
            var kept: [FlagTables] = []
            let clock = ContinuousClock()
            var start = clock.now
            for _ in 0..<2_000 { sink &+= (try PayloadCodec.decompress(plaintext)).count }
            print("decompress", (clock.now - start) / 2_000)
            // Decoding on reused pages, each result released at once (what `load_us_1000`'s index stage pays).
            var warm: [Double] = []
            for _ in 0..<4_000 {
                let begin = now()
                sink &+= try FlagTables(decoding: encoded).view.flags.count
                warm.append(Double(now() - begin))
            }
            warm.sort()
            print(
                "decode, pages reused: median",
                rounded(warm[2_000] / 1e3, 1),
                "µs, min",
                rounded(warm[0] / 1e3, 1),
                "µs"
            )
            start = clock.now
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let faults = usage.ru_minflt
            // Batches of 200 kept alive, as `load_stages_us_1000` keeps them.
            for _ in 0..<10 {
                kept = []
                for _ in 0..<200 { kept.append(try FlagTables(decoding: encoded)) }
            }
            print("decode", (clock.now - start) / 2_000)
            getrusage(RUSAGE_SELF.rawValue, &usage)
            print("page faults per decode", Double(usage.ru_minflt - faults) / 2_000)
            sink &+= kept.count
            // The memory one load writes for its tables of plain records (what a cold start faults in).
            let view = kept[0].view
            func size<Element>(_ buffer: UnsafeBufferPointer<Element>) -> Int {
                buffer.count * MemoryLayout<Element>.stride
            }
            let tableBytes: KeyValuePairs<String, Int> = [
                "stringBytes": size(view.stringBytes), "stringStarts": size(view.stringStarts),
                "textSlots": size(view.textSlots), "flags": size(view.flags), "saltPrefixes": size(view.saltPrefixes),
                "variants": size(view.variants), "prerequisites": size(view.prerequisites), "rules": size(view.rules),
                "splits": size(view.splits), "steps": size(view.steps), "nodes": size(view.nodes),
                "segments": size(view.segments), "setMembers": size(view.setMembers),
                "literalSets": size(view.literalSets), "numbers": size(view.numbers),
                "nodeNumbers": size(view.nodeNumbers), "cidrLists": size(view.cidrLists),
                "keySlots": size(view.keySlots),
            ]
            print("table bytes", tableBytes.map(\.value).reduce(0, +))
            print(tableBytes.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            return
        }
        if arguments.contains("--profile-load") {
            let bytes = compile(yaml1000)
            let options = keys.options(now: 1_796_220_000)
            // Kept alive: a cold start loads into fresh memory and frees nothing. 1,000 loads outgrow
            // whatever the heap had freed before, so most pages are fresh (unlike `load_us_1000`,
            // measured after the compile figures left the heap warm): the median is the load as a
            // new process pays it, page faults included.
            var loaded: [FlagBundle] = []
            loaded.reserveCapacity(1_000)
            var times: [Double] = []
            for _ in 0..<1_000 {
                let start = now()
                loaded.append(try FlagBundle.load(bytes: bytes, options: options))
                times.append(Double(now() - start))
            }
            sink &+= loaded.count
            print("load, fresh memory:", rounded(Sample(values: times).median / 1e3, 1), "µs (median of 1,000)")
            // The same load on reused pages, each bundle released at once (as `load_us_1000` measures it).
            loaded = []
            times = []
            for _ in 0..<4_000 {
                let start = now()
                sink &+= try FlagBundle.load(bytes: bytes, options: options).header.flagCount
                times.append(Double(now() - start))
            }
            print("load, pages reused:", rounded(Sample(values: times).median / 1e3, 1), "µs (median of 4,000)")
            return
        }
        if arguments.contains("--profile-batch") {
            // A loop for `perf record`: every flag of a 1,000-flag bundle for 20,000 prepared contexts.
            let bundle = try FlagBundle.load(bytes: compile(yaml1000), options: keys.options(now: 1_796_220_000))
            let contexts = Workload.contexts(20_000).map(bundle.prepare)
            let handles = bundle.flagKeys.compactMap(bundle.handle(for:))
            for context in contexts {
                for handle in handles { sink &+= bundle.variantIndex(handle, context: context) ?? 0 }
            }
            return
        }
        if let index = arguments.firstIndex(of: "--profile-peer"), arguments.index(after: index) < arguments.endIndex {
            // A loop for callgrind: one step of the request path on the peers' workload.
            try PeerWorkload.profile(
                arguments[index + 1],
                bundleBytes: compile(PeerWorkload.yaml()),
                options: keys.options(now: 1_796_220_000)
            )
            return
        }
        if let index = arguments.firstIndex(of: "--peer-figures") {
            // The flagc column of `--peers`: one JSON object, on the contexts of DATA/contexts.tsv.
            let folder = arguments.index(after: index) < arguments.endIndex ? arguments[index + 1] : nil
            let figures = try PeerWorkload.figures(
                bundleBytes: compile(PeerWorkload.yaml()),
                options: keys.options(now: 1_796_220_000),
                dataFolder: folder,
                quick: quick
            )
            let members = figures.map { "\"\($0.name)\":\($0.value),\"\($0.name)_spread\":\($0.spread)" }
            print("{" + members.joined(separator: ",") + "}")
            return
        }
        if let index = arguments.firstIndex(of: "--profile-telemetry") {
            // For `valgrind --tool=callgrind`: COUNT evaluations by handle of the rules flag (or the static
            // one) with telemetry on or off; the instruction delta between two counts, on against off, is
            // the telemetry's cost per evaluation, whatever the machine's load.
            let values = Array(arguments[(index + 1)...])
            guard values.count >= 3, ["on", "off"].contains(values[0]), ["rules", "static"].contains(values[1]),
                let count = Int(values[2])
            else {
                throw BenchFailure("usage: flagc-bench --profile-telemetry on|off rules|static COUNT")
            }
            var options = keys.options(now: 1_796_220_000)
            options.telemetry = values[0] == "on"
            let bundle = try FlagBundle.load(bytes: compile(yaml1000), options: options)
            let handle = bundle.handle(for: Workload.flagKey(values[1] == "rules" ? 1 : 7))!
            let context = EvaluationContext(
                targetingKey: "user-42",
                attributes: ["country": "FR", "appVersion": "2.5.0", "age": 30, "plan": "pro"],
                now: 1_796_220_000
            )
            for _ in 0..<count { sink &+= bundle.bool(handle, default: false, context: context) ? 1 : 0 }
            print(values.joined(separator: " "), sink, bundle.telemetrySnapshot().evaluationCount)
            return
        }
        if arguments.contains("--profile-eval") {
            // A loop for `perf record`: the 3-condition split flag by handle, prepared and not.
            let bundle = try FlagBundle.load(bytes: compile(yaml1000), options: keys.options(now: 1_796_220_000))
            let handle = bundle.handle(for: Workload.flagKey(1))!
            let context = EvaluationContext(
                targetingKey: "user-42",
                attributes: ["country": "FR", "appVersion": "2.5.0", "age": 30, "plan": "pro"],
                now: 1_796_220_000
            )
            let prepared = bundle.prepare(context)
            let fixed = bundle.handle(for: Workload.flagKey(7))!
            let key = Workload.flagKey(1)
            let figures: [(String, () -> Void)] = [
                ("by key", { sink &+= bundle.bool(key, default: false, context: context) ? 1 : 0 }),
                ("by handle", { sink &+= bundle.bool(handle, default: false, context: context) ? 1 : 0 }),
                ("by handle, prepared", { sink &+= bundle.bool(handle, default: false, context: prepared) ? 1 : 0 }),
                ("static by handle", { sink &+= bundle.bool(fixed, default: false, context: context) ? 1 : 0 }),
            ]
            for (name, body) in figures
            where arguments.contains("--prepared-only")
                ? name == "by handle, prepared" : arguments.contains("--handle-only") ? name == "by handle" : true
            {
                print(name, rounded(measure(rounds: 11, batch: 500_000, body).median, 1), "ns")
            }
            return
        }
        // The whole `flagc build` of one target, as a user runs it: the release `flagc` next to this
        // executable, in a project folder with keys, reading YAML and writing out/bench/.
        if let flagc = WholeBuild.executable() {
            for count in quick ? [1_000, 10_000] : [1_000, 10_000, 20_000, 50_000] {
                let sample = try WholeBuild.time(
                    flagc: flagc,
                    yaml: count == 10_000 ? yaml10000 : Workload.yaml(flagCount: count),
                    in: temporary.appendingPathComponent("build-\(count)"),
                    rounds: quick || count > 10_000 ? 1 : 3
                )
                record("build_s_\(count)", rounded(sample.wall.median / 1e9, 3), spread: sample.wall.spread)
                record("build_cpu_s_\(count)", rounded(sample.cpu.median / 1e9, 3), spread: sample.cpu.spread)
            }
        } else {
            record("build_s_10000", "not measured: build flagc first (swift build -c release --product flagc)")
        }

        // The policy gate (issue 16) over the 10,000 flags with 20 policies, per target.
        let policy = PolicyBench.measure(project(yaml10000), rounds: quick ? 1 : 3)
        record("policy_s_10000", rounded(policy.seconds, 3))
        record("policy_cpu_s_10000", rounded(policy.cpu, 3))
        record("policy_violations_10000", policy.violations)
        try staleFigure()

        var bundles: [Int: [UInt8]] = [:]
        var paths: [Int: String] = [:]
        for (count, yaml) in [(100, yaml100), (1_000, yaml1000), (10_000, yaml10000)] {
            bundles[count] = compile(yaml)
            let path = temporary.appendingPathComponent("bundle-\(count)").path
            try Data(bundles[count]!).write(to: URL(fileURLWithPath: path))
            paths[count] = path
        }
        record("bundle_bytes_100", bundles[100]!.count)
        record("bundle_bytes_1000", bundles[1_000]!.count)
        record("bundle_bytes_10000", bundles[10_000]!.count)

        /// The gzip -9 size of the same definitions as minified JSON (the YAML tree, converted as is).
        func gzipJSONBytes(_ yaml: String) throws -> Int {
            func json(_ node: YAMLNode) -> JSONValue {
                switch node.kind {
                case .mapping(let entries): .object(entries.map { JSONMember($0.key, json($0.value)) })
                case .sequence(let items): .array(items.map(json))
                case .scalar(let scalar):
                    switch scalar.value {
                    case .null: .null
                    case .bool(let value): .bool(value)
                    case .integer(let value): .number(Double(value))
                    case .float(let value): .number(value)
                    case .string(let value): .string(value)
                    }
                }
            }
            guard let node = try YAMLReader.read(Array(yaml.utf8), file: "bench.yaml") else { return 0 }
            let input = temporary.appendingPathComponent("definitions.json")
            try Data(json(node).jsonText.utf8).write(to: input)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["gzip", "-9", "-c", input.path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data.count
        }
        record("gzip_json_bytes_1000", try gzipJSONBytes(yaml1000))

        // MARK: Load

        let options = keys.options(now: 1_796_220_000)
        for count in [1_000, 10_000] {
            // Each bundle is released after its timing (releasing is not part of loading), so the
            // next load reuses the heap pages it freed: the load's own work, without page faults.
            // `load_us_1000_fresh_memory` (below) is the same load into fresh pages.
            var loaded: [FlagBundle] = []
            let sample = measure(
                rounds: quick ? 20 : (count == 1_000 ? 200 : 40),
                between: { loaded = [] },
                { loaded.append(try! FlagBundle.load(path: paths[count]!, options: options)) }
            )
            record("load_us_\(count)", rounded(sample.median / 1e3, 1), spread: sample.spread)
        }

        /// The load of a 1,000-flag bundle split into its stages.
        func loadStages() -> [String: Double] {
            let path = paths[1_000]!
            let bytes = try! FileReader.read(path: path, limit: options.maximumBundleBytes)
            let layout = try! BundleHeader.parseLayout(bytes)
            let signingKey = try! BundleLoader.checkKeyring(layout, bytes: bytes, options: options, now: options.now!)
            let contentKey = try! BundleLoader.unwrapContentKey(layout.header, recipient: options.recipientKey)
            let plaintext = try! BundleLoader.decrypt(layout, bytes: bytes, contentKey: contentKey)
            let rounds = quick ? 20 : 200
            let kept = BundleKeeper()  // each released after its round, untimed, as the loads above
            let stages: [(String, () -> Void)] = [
                ("read", { sink &+= (try! FileReader.read(path: path, limit: options.maximumBundleBytes)).count }),
                (
                    "keyring",
                    {
                        let layout = try! BundleHeader.parseLayout(bytes)
                        sink &+=
                            (try! BundleLoader.checkKeyring(layout, bytes: bytes, options: options, now: options.now!))
                            .publicKey.count
                    }
                ),
                ("signature", { try! BundleLoader.checkSignature(layout, bytes: bytes, signingKey: signingKey) }),
                (
                    "unwrap",
                    {
                        sink &+=
                            (try! BundleLoader.unwrapContentKey(layout.header, recipient: options.recipientKey)).count
                    }
                ),
                (
                    "decrypt",
                    { sink &+= (try! BundleLoader.decrypt(layout, bytes: bytes, contentKey: contentKey)).count }
                ),
                (
                    "index",
                    {
                        let tables = try! BundleLoader.decodePayload(plaintext)
                        kept.bundles.append(FlagBundle(header: layout.header, tables: tables))
                    }
                ),
            ]
            var result: [String: Double] = [:]
            for (name, body) in stages {
                let sample = measure(
                    rounds: rounds,
                    between: {
                        sink &+= kept.bundles.count
                        kept.bundles = []
                    },
                    body
                )
                result[name] = rounded(sample.median / 1e3, 1)
            }
            return result
        }
        record("load_stages_us_1000", loadStages())

        // The 1,000-flag load into fresh memory, as a new process makes it: the figures above reuse
        // heap pages earlier work freed, while a cold start's first touch of each page of its tables
        // is a page fault. `malloc_trim` hands the free heap pages back to the kernel before each
        // load (so this runs after the other load figures, which it would otherwise change).
        var freshlyLoaded: [FlagBundle] = []
        freshlyLoaded.reserveCapacity(250)
        var freshTimes: [Double] = []
        for _ in 0..<(quick ? 20 : 200) {
            flagc_release_free_heap()
            let start = now()
            freshlyLoaded.append(try FlagBundle.load(path: paths[1_000]!, options: options))
            freshTimes.append(Double(now() - start))
        }
        sink &+= freshlyLoaded.count
        let fresh = Sample(values: freshTimes)
        record("load_us_1000_fresh_memory", rounded(fresh.median / 1e3, 1), spread: fresh.spread)

        // MARK: Evaluation

        let bundle = try FlagBundle.load(path: paths[1_000]!, options: options)
        let rulesKey = Workload.flagKey(1)  // three conditions and a split
        let staticKey = Workload.flagKey(7)  // no rules
        let rulesHandle = bundle.handle(for: rulesKey)!
        let staticHandle = bundle.handle(for: staticKey)!
        let matching = EvaluationContext(
            targetingKey: "user-42",
            attributes: [
                "country": "FR", "appVersion": "2.5.0", "age": 30, "plan": "pro", "seats": 10,
                "email": "u42@mail.test",
            ],
            now: 1_796_220_000
        )
        precondition(
            bundle.detail(rulesKey, default: false, context: matching).reason == .split,
            "benchmark flag must split"
        )
        let prepared = bundle.prepare(matching)
        let evaluations = quick ? 20_000 : 200_000
        let rounds = quick ? 5 : 15

        let byKey = measure(rounds: rounds, batch: evaluations) {
            sink &+= bundle.bool(rulesKey, default: false, context: matching) ? 1 : 0
        }
        record("eval_ns_key_rules", rounded(byKey.median), spread: byKey.spread)
        // Telemetry on (the default, as `bundle` has it) and off, measured in alternating rounds so
        // that both see the same machine load: the overhead is the median of the rounds' differences;
        // the fastest round of each is the figure least disturbed by other load. The same for a flag
        // without rules.
        var withOptions = options
        withOptions.telemetry = true
        let tracked = try FlagBundle.load(path: paths[1_000]!, options: withOptions)
        var withoutOptions = options
        withoutOptions.telemetry = false
        let untracked = try FlagBundle.load(path: paths[1_000]!, options: withoutOptions)
        let untrackedHandle = untracked.handle(for: rulesKey)!
        let untrackedStatic = untracked.handle(for: staticKey)!
        let trackedRules = tracked.handle(for: rulesKey)!
        let trackedStatic = tracked.handle(for: staticKey)!
        let pairRounds = max(rounds, quick ? 11 : 41)
        let pairBatch = evaluations / 2
        func pairs(_ on: () -> Void, _ off: () -> Void) -> (on: Sample, off: Sample, difference: Sample) {
            var onRounds: [Double] = []
            var offRounds: [Double] = []
            for _ in 0..<pairRounds {
                onRounds += measure(rounds: 1, batch: pairBatch, on).values
                offRounds += measure(rounds: 1, batch: pairBatch, off).values
            }
            return (
                Sample(values: onRounds), Sample(values: offRounds),
                Sample(values: zip(onRounds, offRounds).map { $0 - $1 })
            )
        }
        let rulesPairs = pairs(
            { sink &+= tracked.bool(trackedRules, default: false, context: matching) ? 1 : 0 },
            { sink &+= untracked.bool(untrackedHandle, default: false, context: matching) ? 1 : 0 }
        )
        let byHandle = rulesPairs.on
        // Telemetry is on by default: the headline figure is the on side.
        record("eval_ns_accessor_rules", rounded(byHandle.median), spread: byHandle.spread)
        record("eval_ns_accessor_rules_telemetry_on", rounded(byHandle.median), spread: byHandle.spread)
        record("eval_ns_accessor_rules_telemetry_off", rounded(rulesPairs.off.median), spread: rulesPairs.off.spread)
        record("telemetry_overhead_ns", rounded(rulesPairs.difference.median))
        record("eval_ns_accessor_rules_fastest", rounded(rulesPairs.on.values.min()!))
        record("eval_ns_accessor_rules_telemetry_off_fastest", rounded(rulesPairs.off.values.min()!))
        let staticPairs = pairs(
            { sink &+= tracked.bool(trackedStatic, default: false, context: matching) ? 1 : 0 },
            { sink &+= untracked.bool(untrackedStatic, default: false, context: matching) ? 1 : 0 }
        )
        record("eval_ns_accessor_static_telemetry_off", rounded(staticPairs.off.median), spread: staticPairs.off.spread)
        record("telemetry_overhead_ns_static", rounded(staticPairs.difference.median))
        record("eval_ns_accessor_static_fastest", rounded(staticPairs.on.values.min()!))
        record("eval_ns_accessor_static_telemetry_off_fastest", rounded(staticPairs.off.values.min()!))
        let byPrepared = measure(rounds: rounds, batch: evaluations) {
            sink &+= bundle.bool(rulesHandle, default: false, context: prepared) ? 1 : 0
        }
        record("eval_ns_accessor_rules_prepared", rounded(byPrepared.median), spread: byPrepared.spread)
        let staticSample = measure(rounds: rounds, batch: evaluations) {
            sink &+= bundle.bool(staticHandle, default: false, context: matching) ? 1 : 0
        }
        record("eval_ns_accessor_static", rounded(staticSample.median), spread: staticSample.spread)

        // One `matches` on the workload's email strings, the same pattern as a DFA table and as an NFA program,
        // and a pattern only the NFA path can take (its search DFA needs 2^11 states before minimization).
        let emails = Workload.contexts(1_000).compactMap { context -> String? in
            if case .string(let email)? = context.attributes["email"] { return email }
            return nil
        }
        let domainPattern = "^[a-z0-9._%+-]+@(example|mail)\\.(com|test)$"
        for (name, automaton) in [
            ("eval_ns_regex_dfa", try RegexCompiler.compile(domainPattern, engine: .dfa)),
            ("eval_ns_regex_nfa", try RegexCompiler.compile(domainPattern, engine: .nfa)),
            ("eval_ns_regex_nfa_only", try RegexCompiler.compile("u.{11}")),
        ] {
            let sample = measure(rounds: rounds, batch: evaluations / emails.count) {
                for email in emails { sink &+= automaton.matches(email) ? 1 : 0 }
            }
            record(name, rounded(sample.median / Double(emails.count)), spread: sample.spread)
        }

        /// Heap allocations per evaluation, the worst over every non-object flag of the bundle.
        func allocationsPerEvaluation() -> Double {
            var worst = 0.0
            let contexts = Workload.contexts(50)
            func evaluate(_ handle: FlagHandle, _ context: EvaluationContext) {
                switch handle.type {
                case .boolean: sink &+= bundle.bool(handle, default: false, context: context) ? 1 : 0
                case .string: sink &+= bundle.string(handle, default: "", context: context).utf8.count
                case .integer: sink &+= bundle.int(handle, default: 0, context: context)
                case .number: sink &+= Int(bundle.double(handle, default: 0, context: context))
                case .object: break
                }
            }
            let handles = bundle.flagKeys.compactMap(bundle.handle(for:)).filter { $0.type != .object }
            // Warm up: the Swift runtime instantiates some type metadata once per process, on first
            // use (a few allocations at cold start, never again); that is not a per-evaluation cost.
            for handle in handles { evaluate(handle, contexts[0]) }
            for handle in handles {
                let before = flagc_allocation_count()
                for context in contexts { evaluate(handle, context) }
                worst = max(worst, Double(flagc_allocation_count() - before) / Double(contexts.count))
            }
            return worst
        }
        record("allocs_per_eval", allocationsPerEvaluation())

        // MARK: The request path on the peers' workload

        for figure in try PeerWorkload.figures(
            bundleBytes: compile(PeerWorkload.yaml()),
            options: keys.options(now: 1_796_220_000),
            dataFolder: nil,
            quick: quick
        ) {
            record(figure.name, figure.value, spread: figure.spread)
        }

        // MARK: Batch

        let contextCount = quick ? 10_000 : 100_000
        let batchContexts = Workload.contexts(contextCount).map(bundle.prepare)
        let handles = bundle.flagKeys.compactMap(bundle.handle(for:))

        /// Flag evaluations per second over every (context, flag) pair, on `threads` threads.
        func batchThroughput(threads: Int) -> Double {
            let chunk = (batchContexts.count + threads - 1) / threads
            let start = now()
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                var local = 0
                for context in batchContexts[
                    min(thread * chunk, batchContexts.count)..<min((thread + 1) * chunk, batchContexts.count)
                ] {
                    for handle in handles {
                        local &+= bundle.variantIndex(handle, context: context) ?? 0
                    }
                }
                if local == -1 { print(local) }
            }
            let seconds = Double(now() - start) / 1e9
            return Double(batchContexts.count * handles.count) / seconds
        }
        let batch1 = Sample(values: (0..<(quick ? 1 : 3)).map { _ in batchThroughput(threads: 1) })
        record("batch_evals_per_s_1t", Int(batch1.median), spread: batch1.spread)
        let batch2 = Sample(values: (0..<(quick ? 1 : 3)).map { _ in batchThroughput(threads: 2) })
        record("batch_evals_per_s_2t", Int(batch2.median), spread: batch2.spread)

        // MARK: Cold start

        /// Exec to first answer of the function example (built with Examples/function/run-example.sh),
        /// or nil when it is not built.
        func coldStart() throws -> Sample? {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let executable = root.appendingPathComponent("Examples/function/.build/release/CheckoutFunction")
            guard FileManager.default.isExecutableFile(atPath: executable.path) else { return nil }
            let functionKeys = TestKeys()
            let project = try GeneratedCodeProject.load(root: root.path)
            let content = Builder.content(of: project, target: project.target("dev")!)
            let path = temporary.appendingPathComponent("function.bundle").path
            try Data(functionKeys.bundle(content, target: "dev", issuedAt: Int64(Date().timeIntervalSince1970)))
                .write(to: URL(fileURLWithPath: path))
            var environment = ProcessInfo.processInfo.environment
            environment["FLAGC_BUNDLE"] = path
            environment["FLAGC_ROOT_PUBLIC_KEY"] = functionKeys.root.text
            environment["FLAGC_RECIPIENT_KEY"] = functionKeys.recipientSecret.withUnsafeBytes {
                KeyText.encode(.recipientSecret, $0)
            }
            var values: [Double] = []
            for _ in 0..<(quick ? 5 : 30) {
                let process = Process()
                process.executableURL = executable
                process.environment = environment
                let input = Pipe()
                let output = Pipe()
                process.standardInput = input
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                let start = now()
                try process.run()
                input.fileHandleForWriting.write(Data(#"{"targetingKey":"user-1"}"#.utf8 + [0x0A]))
                // The first answer, waited for at most 10 s (a function that never answers is a
                // failure to report, not a benchmark that hangs).
                let answered = DispatchSemaphore(value: 0)
                let reader = output.fileHandleForReading
                DispatchQueue.global().async {
                    _ = reader.availableData
                    answered.signal()
                }
                guard answered.wait(timeout: .now() + 10) == .success else {
                    process.terminate()
                    throw BenchFailure("the function example did not answer within 10 s")
                }
                values.append(Double(now() - start) / 1e6)
                try input.fileHandleForWriting.close()
                process.waitUntilExit()
            }
            return Sample(values: values)
        }
        if let sample = try coldStart() {
            record("cold_start_ms", rounded(sample.median, 2), spread: sample.spread)
        } else {
            record("cold_start_ms", "not measured: build Examples/function first (Examples/function/run-example.sh)")
        }

        // MARK: Report

        func jsonText(_ value: Any) -> String {
            switch value {
            case let number as Int: return String(number)
            case let number as Double: return number.isFinite ? String(number) : "null"
            case let text as String: return JSONValue.string(text).jsonText
            case let object as [String: Double]:
                return "{"
                    + object.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\(jsonText($0.value))" }.joined(
                        separator: ","
                    ) + "}"
            default: return "null"
            }
        }

        if asJSON {
            var members = figures.map { "\"\($0.0)\":\(jsonText($0.1))" }
            members.append("\"noise\":{" + noise.map { "\"\($0.0)\":\(rounded($0.1, 3))" }.joined(separator: ",") + "}")
            members.append("\"quick\":\(quick)")
            members.append("\"cores\":\(ProcessInfo.processInfo.activeProcessorCount)")
            print("{" + members.joined(separator: ",") + "}")
        }
        if sink == 42 { print("") }
    }
}
