import CFlagThread
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A bundle's evaluation counters: per flag × variant × reason, per error code, and a sampled
/// latency histogram. Counting takes no lock, no allocation and no atomic read-modify-write: each
/// thread counts in its own block with a plain load and store; readers sum the blocks with relaxed
/// loads. A thread finds its block through a C thread-local cache (`CFlagThread`: the telemetry's
/// `generation` and the block), read inline, so an evaluation of the bundle the thread last counted
/// into pays a few instructions; otherwise (a new thread, another bundle) it looks its slot up: a
/// hash of `pthread_self()`, the slot claimed once per thread with a compare-and-swap and its block
/// allocated then. Past `slotCount` threads, the rest share one block counted with atomic adds
/// (never cached). Blocks live as long as the bundle.
package final class EvaluationTelemetry: @unchecked Sendable {
    /// Thread slots. A thread's home slot is a hash of its id; a taken home slot sends it probing.
    static let slotCount = 64
    /// One evaluation in `sampleInterval` per thread is timed (a countdown in the thread's cache,
    /// shared by the bundles it evaluates; a thread's first counted evaluation is timed).
    package static let sampleInterval: UInt64 = 1_024
    /// The latency histogram's upper bounds, in nanoseconds (the last bucket is unbounded).
    package static let latencyBounds: [UInt64] = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000]
    /// The last generation handed out: each telemetry gets the next, so a thread's cache never
    /// matches a telemetry that has been freed (even one allocated again at the same address).
    private static let generations = Atomic<UInt64>(0)

    /// This telemetry's key in the threads' caches (never 0, never reused).
    let generation: UInt64
    /// Counters per variant of the bundle (flag × variant × reason).
    let evaluationCounters: Int
    let errorStart: Int
    let latencyStart: Int
    let latencySumIndex: Int
    let blockLength: Int

    private let owners: UnsafeMutablePointer<Atomic<UInt>>
    private let blocks: UnsafeMutablePointer<Atomic<UInt>>
    private let shared: UnsafeMutablePointer<Atomic<UInt64>>

    /// Never counted in: what a bundle without telemetry refers to instead of nil.
    package static let placeholder = EvaluationTelemetry(variantCount: 0)

    package init(variantCount: Int) {
        generation = Self.generations.add(1, ordering: .relaxed).newValue
        evaluationCounters = variantCount * EvaluationReason.all.count
        errorStart = evaluationCounters
        latencyStart = errorStart + EvaluationErrorCode.all.count
        latencySumIndex = latencyStart + Self.latencyBounds.count + 1
        blockLength = latencySumIndex + 1
        owners = .allocate(capacity: Self.slotCount)
        blocks = .allocate(capacity: Self.slotCount)
        for slot in 0..<Self.slotCount {
            (owners + slot).initialize(to: Atomic(0))
            (blocks + slot).initialize(to: Atomic(0))
        }
        shared = Self.allocateBlock(blockLength)
    }

    deinit {
        for slot in 0..<Self.slotCount {
            let address = blocks[slot].load(ordering: .acquiring)
            if let block = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: address) {
                Self.deallocateBlock(block, blockLength)
            }
        }
        owners.deinitialize(count: Self.slotCount)
        owners.deallocate()
        blocks.deinitialize(count: Self.slotCount)
        blocks.deallocate()
        Self.deallocateBlock(shared, blockLength)
    }

    /// A block of zeroed counters from `calloc` (all-zero bytes are `Atomic(0)`). A block holds 8 bytes per
    /// flag × variant × reason, about 140 KB for 1,000 flags: `calloc` takes that from fresh pages, zero
    /// until written, so a block costs memory only for the pages counted in. Initializing it counter by
    /// counter wrote every page, at cold start, twice (the shared block and the first thread's).
    private static func allocateBlock(_ length: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        guard let memory = calloc(length, MemoryLayout<Atomic<UInt64>>.stride) else {
            fatalError("out of memory for \(length) telemetry counters")
        }
        return memory.bindMemory(to: Atomic<UInt64>.self, capacity: length)
    }

    private static func deallocateBlock(_ block: UnsafeMutablePointer<Atomic<UInt64>>, _ length: Int) {
        block.deinitialize(count: length)
        free(block)
    }

    // MARK: Counting (the evaluation path)

    /// A block as the thread cache holds it.
    private typealias Block = UnsafeMutablePointer<Atomic<UInt64>>

    /// The calling thread's block when its cache holds the telemetry of `generation` and this
    /// evaluation is not a timed one (advances the thread's countdown); else nil, and the caller
    /// counts through `uncachedBlock()`. Never the shared block. Static, with the generation
    /// passed in, so that the evaluation path touches no object (a call on one retains it).
    @inline(__always)
    package static func cachedBlock(_ generation: UInt64) -> UnsafeMutablePointer<Atomic<UInt64>>? {
        let thread = flagc_thread_telemetry_current()
        guard thread.pointee.generation == generation else { return nil }
        let left = thread.pointee.countdown &- 1
        thread.pointee.countdown = left
        guard left != 0 else { return nil }
        return thread.pointee.block.unsafelyUnwrapped.assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    /// The block of an evaluation `cachedBlock(_:)` declined, and whether to time it: the countdown
    /// ran out (timed, countdown restarted), or the cache held another telemetry or none (the slot
    /// looked up, cached unless it is the shared block, the countdown advanced).
    @inline(never)
    package func uncachedBlock() -> (block: UnsafeMutablePointer<Atomic<UInt64>>, timed: Bool) {
        let thread = flagc_thread_telemetry_current()
        if thread.pointee.generation != generation {
            let block = claimedBlock()
            if block == shared { return (block, false) }
            thread.pointee.generation = generation
            thread.pointee.block = UnsafeMutableRawPointer(block)
            // A new thread: its first counted evaluation is timed. Else the countdown goes on.
            let left = thread.pointee.countdown == 0 ? 0 : thread.pointee.countdown &- 1
            thread.pointee.countdown = left
            guard left == 0 else { return (block, false) }
        }
        thread.pointee.countdown = Self.sampleInterval
        return (thread.pointee.block.unsafelyUnwrapped.assumingMemoryBound(to: Atomic<UInt64>.self), true)
    }

    /// The calling thread's block, by its cache when that holds this telemetry (the countdown
    /// untouched), else by its slot: how errors are counted.
    private func currentBlock() -> Block {
        let thread = flagc_thread_telemetry_current()
        if thread.pointee.generation == generation {
            return thread.pointee.block.unsafelyUnwrapped.assumingMemoryBound(to: Atomic<UInt64>.self)
        }
        return claimedBlock()
    }

    /// The calling thread's block found by its slot: its home slot, one it owns past its home, a
    /// free one it takes now, or the shared block.
    private func claimedBlock() -> Block {
        let me: UInt = pthread_self()
        let home = Int(truncatingIfNeeded: (UInt64(me) &* 0x9E37_79B9_7F4A_7C15) >> 58)
        for step in 0..<Self.slotCount {
            let slot = (home + step) & (Self.slotCount - 1)
            var owner = owners[slot].load(ordering: .acquiring)
            if owner == 0 {
                let (exchanged, original) = owners[slot].compareExchange(
                    expected: 0,
                    desired: me,
                    ordering: .acquiringAndReleasing
                )
                owner = exchanged ? me : original
            }
            guard owner == me else { continue }
            // A thread id is reused only after its thread ended: the block left behind is this thread's now.
            if let block = Block(bitPattern: blocks[slot].load(ordering: .acquiring)) {
                return block
            }
            let block = Self.allocateBlock(blockLength)
            blocks[slot].store(UInt(bitPattern: block), ordering: .releasing)
            return block
        }
        return shared
    }

    /// Adds one to counter `index` of `block`, a thread's own (plain load and store) or the shared
    /// one (atomic add).
    @inline(__always)
    package func increment(_ block: UnsafeMutablePointer<Atomic<UInt64>>, _ index: Int) {
        if block == shared {
            shared[index].wrappingAdd(1, ordering: .relaxed)
        } else {
            Self.bump(block, index)
        }
    }

    /// Adds one to counter `index` of a thread's own block.
    @inline(__always)
    private static func bump(_ block: Block, _ index: Int) {
        block[index].store(block[index].load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }

    /// Counts an evaluation of the variant at `variant` (its index in the bundle) for `reason` into
    /// a block `cachedBlock(_:)` gave (the thread's own).
    @inline(__always)
    package static func countCached(
        _ block: UnsafeMutablePointer<Atomic<UInt64>>,
        variant: Int,
        reason: EvaluationReason
    ) {
        bump(block, variant &* 8 &+ reason.ordinal)
    }

    /// Counts an evaluation of the variant at `variant` (its index in the bundle) for `reason`.
    package func count(_ block: UnsafeMutablePointer<Atomic<UInt64>>, variant: Int, reason: EvaluationReason) {
        increment(block, variant &* 8 &+ reason.ordinal)
    }

    /// Counts an evaluation of the variant at `variant` for `reason` into the calling thread's block
    /// (the countdown untouched: not timed).
    package func count(variant: Int, reason: EvaluationReason) {
        increment(currentBlock(), variant &* 8 &+ reason.ordinal)
    }

    /// Counts an error served as the caller's default.
    package func count(_ code: EvaluationErrorCode) {
        increment(currentBlock(), errorStart + code.ordinal)
    }

    /// Records one timed evaluation (never into the shared block: `uncachedBlock()` times none there).
    package func recordLatency(_ block: UnsafeMutablePointer<Atomic<UInt64>>, nanoseconds: UInt64) {
        var bucket = 0
        while bucket < Self.latencyBounds.count, nanoseconds > Self.latencyBounds[bucket] { bucket += 1 }
        increment(block, latencyStart + bucket)
        block[latencySumIndex].store(
            block[latencySumIndex].load(ordering: .relaxed) &+ nanoseconds,
            ordering: .relaxed
        )
    }

    /// Monotonic nanoseconds.
    @inline(__always)
    package static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    // MARK: Reading

    /// Every counter summed over the threads' blocks (each counter exact; not one instant for all).
    package func totals() -> [UInt64] {
        var totals = [UInt64](repeating: 0, count: blockLength)
        func add(_ block: UnsafeMutablePointer<Atomic<UInt64>>) {
            for index in 0..<blockLength { totals[index] &+= block[index].load(ordering: .relaxed) }
        }
        for slot in 0..<Self.slotCount {
            if let block = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: blocks[slot].load(ordering: .acquiring)) {
                add(block)
            }
        }
        add(shared)
        return totals
    }
}
