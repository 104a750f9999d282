// The request path on the peers' workload (the flags and contexts `flagc-bench --peers` runs on
// every engine; Peers/workload.py writes the same for the peers): 1,000 flags of one shape, ON iff
// region ∈ {eu, us, apac} ∧ age ≥ 18 ∧ segment paid (plan ∈ {pro, enterprise}) ∧ a 25 % split by
// userId; the measured flag is flag_00500. Every figure is a median over rounds of a pass over
// many distinct contexts (the thread's CPU time for the pass over their count), so neither the
// timer's own cost nor the time spent waiting for a core on a loaded machine is in it.
import FlagRuntime
import Foundation

enum PeerWorkload {
    static let measuredFlag = "flag_00500"

    /// The flags file of the workload (what Peers/workload.py writes as flagc.yaml).
    static func yaml(flagCount: Int = 1_000) -> String {
        var text = "segments:\n  paid:\n    when: { plan: [pro, enterprise] }\nflags:\n"
        for index in 0..<flagCount {
            let number = String(index)
            text += "  flag_" + String(repeating: "0", count: max(0, 5 - number.count)) + number + ":\n"
            text += "    default: off\n    rules:\n"
            text += "      - when: { region: [eu, us, apac], age: { gte: 18 }, segment: paid }\n"
            text += "        serve: { split: { on: 25, off: 75 }, by: userId }\n"
        }
        return text
    }

    struct Row {
        var userId: String
        var region: String
        var plan: String
        var age: Int
    }

    static let regions = ["eu", "us", "apac", "latam", "africa"]
    static let plans = ["free", "pro", "enterprise"]

    /// `count` contexts: those of `contexts.tsv` when a data folder is given (the peers' own), else
    /// generated with the same distributions from a fixed seed.
    static func rows(count: Int, dataFolder: String?) throws -> [Row] {
        if let dataFolder {
            let text = try String(contentsOfFile: dataFolder + "/contexts.tsv", encoding: .utf8)
            return text.split(separator: "\n").prefix(count).map { line in
                let fields = line.split(separator: "\t")
                return Row(
                    userId: String(fields[0]),
                    region: String(fields[1]),
                    plan: String(fields[2]),
                    age: Int(fields[3])!
                )
            }
        }
        var state: UInt64 = 42
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0..<count).map { index in
            Row(userId: "user-\(index)", region: regions[next(5)], plan: plans[next(3)], age: 10 + next(60))
        }
    }

    /// The event a function receives for `row`: five members, the targeting key first.
    static func event(_ row: Row) -> [UInt8] {
        Array(
            #"{"targetingKey":"\#(row.userId)","userId":"\#(row.userId)","region":"\#(row.region)","plan":"\#(row.plan)","age":\#(row.age)}"#
                .utf8
        )
    }

    /// A loop for callgrind or perf: `what` (json, build, key, handle, request) 200,000 times.
    static func profile(_ what: String, bundleBytes: [UInt8], options: LoadOptions) throws {
        let bundle = try FlagBundle.load(bytes: bundleBytes, options: options)
        let rows = try Self.rows(count: 1_000, dataFolder: nil)
        let events = rows.map(event)
        let contexts = rows.map { row in
            var attributes = ContextAttributes(minimumCapacity: 4)
            attributes.set("userId", .string(row.userId))
            attributes.set("region", .string(row.region))
            attributes.set("plan", .string(row.plan))
            attributes.set("age", .number(Double(row.age)))
            return EvaluationContext(attributes: attributes)
        }
        let handle = bundle.handle(for: measuredFlag)!
        var sink = 0
        for _ in 0..<200 {
            for index in 0..<1_000 {
                switch what {
                case "json": sink &+= (try? JSONParser.context(utf8: events[index]))?.attributes.count ?? 0
                case "build":
                    let row = rows[index]
                    var attributes = ContextAttributes(minimumCapacity: 4)
                    attributes.set("userId", .string(row.userId))
                    attributes.set("region", .string(row.region))
                    attributes.set("plan", .string(row.plan))
                    attributes.set("age", .number(Double(row.age)))
                    sink &+= EvaluationContext(attributes: attributes).attributes.count
                case "key": sink &+= bundle.bool(measuredFlag, default: false, context: contexts[index]) ? 1 : 0
                case "handle": sink &+= bundle.bool(handle, default: false, context: contexts[index]) ? 1 : 0
                default:
                    guard let context = try? JSONParser.context(utf8: events[index]) else { continue }
                    sink &+= bundle.bool(measuredFlag, default: false, context: context) ? 1 : 0
                }
            }
        }
        print(what, sink)
    }

    /// The figures of the request path, by name (nanoseconds unless the name says otherwise), with
    /// the noise of each (median absolute deviation over the median).
    static func figures(
        bundleBytes: [UInt8],
        options: LoadOptions,
        dataFolder: String?,
        quick: Bool
    ) throws -> [(name: String, value: Double, spread: Double)] {
        var results: [(name: String, value: Double, spread: Double)] = []
        var sink = 0
        let rounds = quick ? 5 : 15
        func record(_ name: String, _ sample: Sample, scale: Double = 1) {
            results.append((name, (sample.median / scale * 100).rounded() / 100, sample.spread))
        }
        /// The thread's CPU time so far, in nanoseconds.
        func cpuTime() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) * 1e9 + Double(time.tv_nsec)
        }
        /// CPU ns per item of one pass over `count` items, median over `rounds` passes.
        func perItem(_ count: Int, _ pass: () -> Void) -> Sample {
            pass()
            var values: [Double] = []
            for _ in 0..<rounds {
                let start = cpuTime()
                pass()
                values.append((cpuTime() - start) / Double(count))
            }
            return Sample(values: values)
        }

        // Load: the bundle bytes already in memory (verify, decrypt, decompress, index), CPU time.
        var loadTimes: [Double] = []
        for _ in 0..<(quick ? 11 : 51) {
            let start = cpuTime()
            sink &+= try FlagBundle.load(bytes: bundleBytes, options: options).header.flagCount
            loadTimes.append(cpuTime() - start)
        }
        record("load_ms_peer_1000", Sample(values: loadTimes), scale: 1e6)

        let bundle = try FlagBundle.load(bytes: bundleBytes, options: options)
        let key = measuredFlag
        guard let handle = bundle.handle(for: key) else { throw BenchFailure("no \(key) in the peer bundle") }
        let rows = try Self.rows(count: quick ? 10_000 : 100_000, dataFolder: dataFolder)
        let contexts = rows.map { row in
            EvaluationContext(
                attributes: [
                    "userId": .string(row.userId), "region": .string(row.region),
                    "plan": .string(row.plan), "age": .number(Double(row.age)),
                ]
            )
        }
        let events = rows.map(event)

        // The decisions must be the workload's: about a quarter of the eligible contexts are on.
        let on = contexts.reduce(0) { $0 + (bundle.bool(key, default: false, context: $1) ? 1 : 0) }
        let eligible = rows.filter {
            ["eu", "us", "apac"].contains($0.region) && $0.age >= 18 && $0.plan != "free"
        }.count
        guard abs(Double(on) - Double(eligible) / 4) < Double(eligible) / 20 + 10 else {
            throw BenchFailure("peer workload: \(on) of \(eligible) eligible contexts on, not about 25 %")
        }
        results.append(("peer_on_count", Double(on), 0))

        record(
            "eval_ns_peer_workload_key",
            perItem(contexts.count) {
                for context in contexts { sink &+= bundle.bool(key, default: false, context: context) ? 1 : 0 }
            }
        )
        record(
            "eval_ns_peer_workload_handle",
            perItem(contexts.count) {
                for context in contexts { sink &+= bundle.bool(handle, default: false, context: context) ? 1 : 0 }
            }
        )
        /// The context of `row` built in code, attribute by attribute (no dictionary).
        func built(_ row: Row) -> EvaluationContext {
            var attributes = ContextAttributes(minimumCapacity: 4)
            attributes.set("userId", .string(row.userId))
            attributes.set("region", .string(row.region))
            attributes.set("plan", .string(row.plan))
            attributes.set("age", .number(Double(row.age)))
            return EvaluationContext(attributes: attributes)
        }
        record(
            "context_build_ns",
            perItem(rows.count) {
                for row in rows { sink &+= built(row).attributes.count }
            }
        )
        record(
            "context_build_literal_ns",
            perItem(rows.count) {
                for row in rows {
                    let context = EvaluationContext(
                        attributes: [
                            "userId": .string(row.userId), "region": .string(row.region),
                            "plan": .string(row.plan), "age": .number(Double(row.age)),
                        ]
                    )
                    sink &+= context.attributes.count
                }
            }
        )
        record(
            "context_build_eval_ns_peer_workload",
            perItem(rows.count) {
                for row in rows { sink &+= bundle.bool(key, default: false, context: built(row)) ? 1 : 0 }
            }
        )
        record(
            "context_from_json_ns",
            perItem(events.count) {
                for event in events { sink &+= (try? JSONParser.context(utf8: event))?.attributes.count ?? 0 }
            }
        )
        record(
            "request_ns_peer_workload",
            perItem(events.count) {
                for event in events {
                    guard let context = try? JSONParser.context(utf8: event) else { continue }
                    sink &+= bundle.bool(key, default: false, context: context) ? 1 : 0
                }
            }
        )
        if sink == 42 { print("") }
        return results
    }
}
