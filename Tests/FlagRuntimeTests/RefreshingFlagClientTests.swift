import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation
import Synchronization
import Testing

/// `RefreshingFlagClient`: a newer bundle dropped at the path is swapped in; older, same-version, other
/// target or environment and tampered files are refused and the current bundle keeps serving.
@Suite("Refreshing client")
struct RefreshingFlagClientTests {
    static func content(serving on: Bool) throws -> BundleContent {
        try TestProject.content("flags:\n  f: { default: \(on ? "on" : "off") }\n")
    }

    /// A temporary directory with `flags.bundle`, removed at the end of the test.
    final class Directory: @unchecked Sendable {
        let url: URL
        var bundle: String { url.appendingPathComponent("flags.bundle").path }

        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("refresh-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: url) }

        /// Writes `bytes` as a sidecar does: to a temporary file, renamed into place.
        func drop(_ bytes: [UInt8]) throws {
            let temporary = url.appendingPathComponent("incoming.tmp")
            try Data(bytes).write(to: temporary)
            _ = rename(temporary.path, bundle)
        }
    }

    final class Refusals: Sendable {
        let list = Mutex<[BundleLoadError]>([])
        func append(_ error: BundleLoadError) { list.withLock { $0.append(error) } }
        var all: [BundleLoadError] { list.withLock { $0 } }
    }

    static let context = EvaluationContext(targetingKey: "user-1")

    final class Counters: Sendable {
        let stop = Atomic<Bool>(false)
        let wrong = Atomic<Int>(0)
        let evaluations = Atomic<Int>(0)
    }

    @Test("a newer bundle is swapped in and counted; an unchanged file is not reloaded")
    func swapsNewer() throws {
        let keys = TestKeys()
        let directory = try Directory()
        try directory.drop(keys.bundle(Self.content(serving: false), bundleVersion: 10))
        let client = RefreshingFlagClient(path: directory.bundle, options: keys.options())
        #expect(!client.bool("f", default: true, context: Self.context))
        #expect(client.refresh() == .unchanged)

        try directory.drop(keys.bundle(Self.content(serving: true), bundleVersion: 11))
        #expect(client.refresh() == .swapped(bundleVersion: 11))
        #expect(client.bool("f", default: false, context: Self.context))
        #expect(client.swapCount == 1 && client.bundle?.header.bundleVersion == 11)
        #expect(client.refresh() == .unchanged)
    }

    enum Replacement: String, CaseIterable, Sendable {
        case older, sameVersion, otherTarget, otherEnvironment, tampered, notABundle
    }

    @Test("a refused file keeps the current bundle serving and is reported once", arguments: Replacement.allCases)
    func refuses(_ replacement: Replacement) throws {
        let keys = TestKeys()
        let directory = try Directory()
        try directory.drop(keys.bundle(Self.content(serving: false), bundleVersion: 10))
        let refusals = Refusals()
        let client = RefreshingFlagClient(path: directory.bundle, options: keys.options()) { refusals.append($0) }

        let newer = try Self.content(serving: true)
        let bytes: [UInt8]
        let expected: BundleLoadError
        switch replacement {
        case .older:
            bytes = keys.bundle(newer, bundleVersion: 9)
            expected = .bundleVersionTooOld(version: 9, minimum: 11)
        case .sameVersion:
            bytes = keys.bundle(newer, bundleVersion: 10)
            expected = .bundleVersionTooOld(version: 10, minimum: 11)
        case .otherTarget:
            bytes = keys.bundle(newer, target: "other", bundleVersion: 12)
            expected = .targetMismatch(expected: "test", found: "other")
        case .otherEnvironment:
            bytes = keys.bundle(newer, environment: "production", bundleVersion: 12)
            expected = .environmentMismatch(expected: "test", found: "production")
        case .tampered:
            var tampered = keys.bundle(newer, bundleVersion: 12)
            tampered[tampered.count - 5] ^= 1
            bytes = tampered
            expected = .bundleSignatureInvalid
        case .notABundle:
            bytes = Array("not a bundle".utf8)
            expected = .malformedHeader("not a flagc bundle (bad magic)")
        }
        try directory.drop(bytes)
        let outcome = client.refresh()
        #expect(outcome == .refused(expected) || replacement == .tampered, "\(outcome)")
        if case .refused = outcome {} else { Issue.record("\(replacement) was not refused: \(outcome)") }
        #expect(client.refresh() == .unchanged)
        #expect(refusals.all.count == 1)
        #expect(client.swapCount == 0 && client.bundle?.header.bundleVersion == 10)
        #expect(!client.bool("f", default: true, context: Self.context))
    }

    @Test("a client whose first load failed serves defaults until a refresh finds a bundle")
    func recoversFromMissingBundle() throws {
        let keys = TestKeys()
        let directory = try Directory()
        let client = RefreshingFlagClient(path: directory.bundle, options: keys.options())
        #expect(client.bundle == nil && client.loadError != nil)
        #expect(client.detail("f", default: true, context: Self.context).errorCode == .providerNotReady)
        try directory.drop(keys.bundle(Self.content(serving: true), bundleVersion: 3))
        #expect(client.refresh() == .swapped(bundleVersion: 3))
        #expect(client.bool("f", default: false, context: Self.context) && client.loadError == nil)
    }

    @Test("evaluators on many threads always get a whole bundle's answer while bundles are swapped")
    func concurrentEvaluatorsDuringSwaps() throws {
        let keys = TestKeys()
        let directory = try Directory()
        let off = try Self.content(serving: false)
        let on = try Self.content(serving: true)
        // Each version's answer is known: even versions serve off, odd ones on.
        try directory.drop(keys.bundle(off, bundleVersion: 100))
        let client = RefreshingFlagClient(path: directory.bundle, options: keys.options())
        let bundles = (101...140).map { keys.bundle($0 % 2 == 0 ? off : on, bundleVersion: UInt64($0)) }
        let counters = Counters()
        let finished = DispatchGroup()
        // Real threads (not tasks): busy evaluators must not starve the swapping thread of a small pool.
        for _ in 0..<8 {
            finished.enter()
            Thread {
                while !counters.stop.load(ordering: .relaxed) {
                    let consistent = client.withCurrentBundle { bundle -> Bool in
                        guard let bundle else { return false }
                        let served = bundle.bool("f", default: false, context: Self.context)
                        return served == (bundle.header.bundleVersion % 2 == 1)
                    }
                    if !consistent { counters.wrong.wrappingAdd(1, ordering: .relaxed) }
                    counters.evaluations.wrappingAdd(1, ordering: .relaxed)
                }
                finished.leave()
            }.start()
        }
        for bytes in bundles {
            try directory.drop(bytes)
            _ = client.refresh()
        }
        counters.stop.store(true, ordering: .relaxed)
        finished.wait()
        #expect(counters.wrong.load(ordering: .relaxed) == 0)
        #expect(client.swapCount == bundles.count)
        #expect(client.bundle?.header.bundleVersion == 140)
        #expect(counters.evaluations.load(ordering: .relaxed) > 0)
    }

    @Test("no timer unless watching; a watching client picks up a dropped bundle by itself")
    func watching() async throws {
        let keys = TestKeys()
        let directory = try Directory()
        try directory.drop(keys.bundle(Self.content(serving: false), bundleVersion: 1))
        let client = RefreshingFlagClient(path: directory.bundle, options: keys.options())
        #expect(!client.isWatching)
        _ = client.refresh()
        #expect(!client.isWatching)

        client.startWatching(every: .milliseconds(5))
        #expect(client.isWatching)
        try directory.drop(keys.bundle(Self.content(serving: true), bundleVersion: 2))
        // Waits for the timer (not a timing assertion: only that it fires within a generous bound).
        for _ in 0..<400 where client.swapCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(client.swapCount == 1)
        #expect(client.bool("f", default: false, context: Self.context))
        client.stopWatching()
        #expect(!client.isWatching)
    }
}
