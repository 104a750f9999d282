import FlagCompiler
import Foundation

/// Imports another engine's flags with the real `flagc import`, builds them, and evaluates contexts
/// with `flagc eval --contexts`: what the Unleash and flagd conformance suites run.
enum CompatibilityHarness {
    /// `Tests/Compatibility`.
    static let root = Repository.root.appendingPathComponent("Tests/Compatibility")

    /// Keys made once (`keys init`, a recipient for the `compat` target), copied into each project.
    private static let keys: Result<Workspace, HarnessError> = {
        do {
            let workspace = try Workspace()
            try workspace.succeed("keys", "init")
            try workspace.succeed("keys", "recipient", "compat")
            return .success(workspace)
        } catch let error as HarnessError {
            return .failure(error)
        } catch {
            return .failure(HarnessError(description: "\(error)"))
        }
    }()

    /// The result lines (`{"flag":…,"variant":…,…}` per flag, by key) for each context, in order.
    static func evaluate(
        importing source: String,
        with engine: String,
        contexts: [[String: Any]]
    ) throws -> [[String: [String: Any]]] {
        try evaluate(importing: [source], with: engine, contexts: contexts)
    }

    /// As ``evaluate(importing:with:contexts:)`` for several sources, each imported into its own flags
    /// file of one project (their flag keys and segment names must differ).
    static func evaluate(
        importing sources: [String],
        with engine: String,
        contexts: [[String: Any]]
    ) throws -> [[String: [String: Any]]] {
        let workspace = try Workspace()
        for (index, source) in sources.enumerated() {
            try workspace.write(source, to: "source-\(index).json")
        }
        let failures = try concurrently(sources.indices.map(String.init)) { index -> String? in
            let result = try workspace.run([
                "import", engine, "source-\(index).json", "-o", "flags/imported-\(index).yaml",
            ])
            return result.status == 0 ? nil : "\(result)"
        }
        if let failure = failures.compactMap({ $0 }).first {
            throw HarnessError(description: "import failed: \(failure)")
        }
        try FileManager.default.copyItem(atPath: try keys.get().path("keys"), toPath: workspace.path("keys"))
        try workspace.write(
            "environment: production\nflags: [\"*\"]\nrecipients: [keys/compat.recipient.pub]\n",
            to: "targets/compat.yaml"
        )
        try workspace.succeed("build")
        let lines = try contexts.map { context -> String in
            String(decoding: try JSONSerialization.data(withJSONObject: context, options: [.sortedKeys]), as: UTF8.self)
        }
        try workspace.write(lines.joined(separator: "\n") + "\n", to: "contexts.jsonl")
        let result = try workspace.run(
            ["eval", "out/compat/flags.bundle", "--keys", "keys", "--contexts", "contexts.jsonl"]
        )
        guard result.status == 0 else { throw HarnessError(description: "eval failed: \(result)") }
        return try result.lines.map { line in
            let object = try JSON.object(line)
            var byFlag: [String: [String: Any]] = [:]
            for item in object["results"] as? [[String: Any]] ?? [] {
                if let key = item["flag"] as? String { byFlag[key] = item }
            }
            return byFlag
        }
    }

    /// `body` for each item, a few at a time (each runs flagc processes); results in item order.
    static func concurrently<T: Sendable>(_ items: [String], _ body: @Sendable (String) throws -> T) throws -> [T] {
        let results = ResultBox<T>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { index in
            results.set(index, Result { try body(items[index]) })
        }
        return try results.values.map { try $0!.get() }
    }

    private final class ResultBox<T>: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Result<T, Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ result: Result<T, Error>) {
            lock.lock()
            values[index] = result
            lock.unlock()
        }
    }

    /// Whether two JSON values (as JSONSerialization reads them) are equal; numbers by value.
    static func equal(_ a: Any?, _ b: Any?) -> Bool {
        switch (a, b) {
        case (nil, nil), (nil, is NSNull), (is NSNull, nil), (is NSNull, is NSNull): return true
        case (let x as [String: Any], let y as [String: Any]):
            return x.count == y.count && x.allSatisfy { equal($0.value, y[$0.key]) }
        case (let x as [Any], let y as [Any]):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (let x as String, let y as String): return x == y
        case (let x as NSNumber, let y as NSNumber): return x == y
        default: return false
        }
    }
}
