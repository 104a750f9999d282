// Dispatch runs the optional polling timer (`startWatching(every:)`): it is part of the toolchain on
// Linux (no Foundation), and its timer source uses a pooled worker only while it fires, so a watching
// client costs no dedicated thread and a client that never watches starts none.
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A client whose bundle file can be replaced while it serves: a sidecar (or a deploy step) drops a newer
/// bundle at the same path, and ``refresh()`` (called by you, or every interval after
/// ``startWatching(every:)``) loads it, verifies it with every loader check, and swaps it in for the next
/// evaluations. Never swapped in: a bundle that fails a check, one of another target or environment than
/// the one being served, or one whose `bundleVersion` is not higher (no rollback, no replay). A refused file
/// keeps the current bundle serving and is reported once to `onRefusal`.
///
/// Evaluation takes no lock: the current bundle sits in one of two slots, and an evaluation registers with
/// its slot by an atomic increment (then re-checks that the slot is still current) and leaves with a
/// decrement. A swap fills the other slot, publishes it, and releases the old bundle only once no
/// evaluation is inside it, so a bundle stays alive for as long as an evaluator uses it.
public final class RefreshingFlagClient: Sendable {
    /// What ``refresh()`` did.
    public enum Outcome: Sendable, Equatable {
        /// The file has not changed since the last check.
        case unchanged
        /// A newer bundle was verified and now serves.
        case swapped(bundleVersion: UInt64)
        /// The file changed but was refused; the current bundle keeps serving.
        case refused(BundleLoadError)
    }

    public let path: String
    private let options: LoadOptions
    private let onRefusal: (@Sendable (BundleLoadError) -> Void)?

    /// Which slot serves (0 or 1).
    private let current = Atomic<Int>(0)
    /// Evaluations inside each slot.
    private let readers0 = Atomic<Int>(0)
    private let readers1 = Atomic<Int>(0)
    /// The two slots' bundles. Written only by a refresh holding `refreshState`, and only for the slot
    /// that is not current and has no evaluation inside it (see `swap`).
    nonisolated(unsafe) private let slots: UnsafeMutablePointer<FlagBundle?>
    private let swaps = Atomic<Int>(0)
    private let refreshState: Mutex<RefreshState>

    private struct RefreshState {
        /// The file's identity when last checked: a changed one is loaded again.
        var lastSeen: FileStamp?
        var loadError: BundleLoadError?
        var timer: Timer?
    }

    /// The polling timer. Dispatch sources are thread-safe (cancel may be called from any thread), but not
    /// marked `Sendable`.
    private struct Timer: @unchecked Sendable {
        let source: DispatchSourceTimer
    }

    /// Loads the bundle at `path` (serving defaults with `PROVIDER_NOT_READY` when it cannot, until a
    /// refresh finds a loadable one). `onRefusal` is called, on the refreshing thread, with the reason
    /// each changed file was refused.
    public init(path: String, options: LoadOptions, onRefusal: (@Sendable (BundleLoadError) -> Void)? = nil) {
        self.path = path
        self.options = options
        self.onRefusal = onRefusal
        slots = .allocate(capacity: 2)
        slots.initialize(repeating: nil, count: 2)
        var state = RefreshState()
        state.lastSeen = FileStamp(path: path)
        do {
            slots[0] = try FlagBundle.load(path: path, options: options)
        } catch {
            state.loadError = error
        }
        refreshState = Mutex(state)
    }

    deinit {
        refreshState.withLock { $0.timer?.source.cancel() }
        slots.deinitialize(count: 2)
        slots.deallocate()
    }

    // MARK: Serving

    /// Runs `body` with the current bundle (nil while none could be loaded), which stays alive meanwhile.
    @inline(__always)
    public func withCurrentBundle<Result>(_ body: (FlagBundle?) throws -> Result) rethrows -> Result {
        while true {
            let slot = current.load(ordering: .acquiring)
            enter(slot)
            guard current.load(ordering: .acquiring) == slot else {
                // Swapped meanwhile: this slot may be about to be refilled; read the new one.
                leave(slot)
                continue
            }
            defer { leave(slot) }
            return try body(slots[slot])
        }
    }

    @inline(__always)
    private func enter(_ slot: Int) {
        if slot == 0 {
            readers0.wrappingAdd(1, ordering: .acquiringAndReleasing)
        } else {
            readers1.wrappingAdd(1, ordering: .acquiringAndReleasing)
        }
    }

    @inline(__always)
    private func leave(_ slot: Int) {
        if slot == 0 {
            readers0.wrappingSubtract(1, ordering: .releasing)
        } else {
            readers1.wrappingSubtract(1, ordering: .releasing)
        }
    }

    /// The bundle serving now (a strong reference: it stays alive while you hold it), or nil.
    public var bundle: FlagBundle? { withCurrentBundle { $0 } }

    /// How many times a newer bundle was swapped in since this client was made (for telemetry).
    public var swapCount: Int { swaps.load(ordering: .relaxed) }

    /// Why no bundle serves, while none could be loaded.
    public var loadError: BundleLoadError? { refreshState.withLock { $0.loadError } }

    public func bool(_ key: String, default defaultValue: Bool, context: EvaluationContext) -> Bool {
        withCurrentBundle { $0?.bool(key, default: defaultValue, context: context) ?? defaultValue }
    }

    public func string(_ key: String, default defaultValue: String, context: EvaluationContext) -> String {
        withCurrentBundle { $0?.string(key, default: defaultValue, context: context) ?? defaultValue }
    }

    public func int(_ key: String, default defaultValue: Int, context: EvaluationContext) -> Int {
        withCurrentBundle { $0?.int(key, default: defaultValue, context: context) ?? defaultValue }
    }

    public func double(_ key: String, default defaultValue: Double, context: EvaluationContext) -> Double {
        withCurrentBundle { $0?.double(key, default: defaultValue, context: context) ?? defaultValue }
    }

    public func object(_ key: String, default defaultValue: JSONValue, context: EvaluationContext) -> JSONValue {
        withCurrentBundle { $0?.object(key, default: defaultValue, context: context) ?? defaultValue }
    }

    /// Value, variant, reason, rule and error code; `PROVIDER_NOT_READY` while no bundle was loaded.
    public func detail<Value: FlagValueRepresentable>(
        _ key: String,
        default defaultValue: Value,
        context: EvaluationContext
    ) -> EvaluationDetail<Value> {
        withCurrentBundle { bundle in
            guard let bundle else {
                return .failure(key, defaultValue, .providerNotReady, "no bundle loaded from \(path)")
            }
            return bundle.detail(key, default: defaultValue, context: context)
        }
    }

    // MARK: Refreshing

    /// Checks the file once, on the calling thread: when it changed (inode, size or modification time)
    /// since the last check, loads and verifies it and swaps it in if it is newer and of the same target
    /// and environment. Refreshes are serialized; evaluations go on meanwhile.
    @discardableResult
    public func refresh() -> Outcome {
        let outcome: Outcome = refreshState.withLock { state in
            let stamp = FileStamp(path: path)
            guard stamp != state.lastSeen else { return .unchanged }
            state.lastSeen = stamp
            let serving = slots[current.load(ordering: .acquiring)]
            var checks = options
            if let serving {
                // Pinned to what serves: its target and environment, and only a higher version.
                checks.expectedTarget = serving.header.target
                checks.expectedEnvironment = serving.header.environment
                checks.minimumBundleVersion = max(options.minimumBundleVersion, serving.header.bundleVersion + 1)
            }
            let loaded: FlagBundle
            do throws(BundleLoadError) {
                loaded = try FlagBundle.load(path: path, options: checks)
            } catch {
                return .refused(error)
            }
            swap(in: loaded)
            state.loadError = nil
            return .swapped(bundleVersion: loaded.header.bundleVersion)
        }
        if case .refused(let error) = outcome { onRefusal?(error) }
        return outcome
    }

    /// Publishes `bundle` in the slot that does not serve (called with `refreshState` held).
    private func swap(in bundle: FlagBundle) {
        let old = current.load(ordering: .acquiring)
        let next = 1 - old
        // An evaluation that read `next` as current before the last swap may still be inside it.
        waitForReaders(of: next)
        slots[next] = bundle
        current.store(next, ordering: .releasing)
        swaps.wrappingAdd(1, ordering: .relaxed)
        // Release the old bundle once the evaluations inside it have left (new ones go to `next`).
        waitForReaders(of: old)
        slots[old] = nil
    }

    private func waitForReaders(of slot: Int) {
        while (slot == 0 ? readers0.load(ordering: .acquiring) : readers1.load(ordering: .acquiring)) != 0 {
            sched_yield()
        }
    }

    /// Calls ``refresh()`` every `interval` on a Dispatch timer until ``stopWatching()`` (or the client's
    /// release). Starting again replaces the interval.
    public func startWatching(every interval: Duration) {
        let (seconds, attoseconds) = interval.components
        let nanoseconds = max(1_000_000, Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(
            deadline: .now() + .nanoseconds(nanoseconds),
            repeating: .nanoseconds(nanoseconds),
            leeway: .nanoseconds(nanoseconds / 10)
        )
        timer.setEventHandler { [weak self] in self?.refresh() }
        let handle = Timer(source: timer)
        refreshState.withLock { state in
            state.timer?.source.cancel()
            state.timer = handle
        }
        handle.source.resume()
    }

    /// Stops the timer of ``startWatching(every:)``; ``refresh()`` still works.
    public func stopWatching() {
        refreshState.withLock { state in
            state.timer?.source.cancel()
            state.timer = nil
        }
    }

    /// Whether a timer is polling the file.
    public var isWatching: Bool { refreshState.withLock { $0.timer != nil } }
}

/// What identifies one version of a file without reading it: device, inode, size and modification time
/// (nanoseconds). A sidecar that renames a new file into place changes the inode; one that rewrites in place
/// changes the size or time.
struct FileStamp: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int64

    /// nil when the path cannot be stat'ed (e.g. between a sidecar's unlink and rename).
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        #if canImport(Darwin)
        modifiedSeconds = Int64(status.st_mtimespec.tv_sec)
        modifiedNanoseconds = Int64(status.st_mtimespec.tv_nsec)
        #else
        modifiedSeconds = Int64(status.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(status.st_mtim.tv_nsec)
        #endif
    }
}
