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
/// thread counts in its own block (a slot found from `pthread_self()`, claimed once per thread with
/// a compare-and-swap, its block allocated then), with a plain load and store; readers sum the
/// blocks with relaxed loads. Past `slotCount` threads, the rest share one block counted with
/// atomic adds. Blocks live as long as the bundle.
package final class EvaluationTelemetry: @unchecked Sendable {
    /// Thread slots. A thread's home slot is a hash of its id; a taken home slot sends it probing.
    static let slotCount = 64
    /// One evaluation in `sampleInterval` (per thread) is timed.
    package static let sampleInterval: UInt64 = 1_024
    /// The latency histogram's upper bounds, in nanoseconds (the last bucket is unbounded).
    package static let latencyBounds: [UInt64] = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 100_000]

    /// Counters per variant of the bundle (flag × variant × reason).
    let evaluationCounters: Int
    let errorStart: Int
    let latencyStart: Int
    let latencySumIndex: Int
    let tickIndex: Int
    let blockLength: Int

    private let owners: UnsafeMutablePointer<Atomic<UInt>>
    private let blocks: UnsafeMutablePointer<Atomic<UInt>>
    private let shared: UnsafeMutablePointer<Atomic<UInt64>>

    /// Never counted in: what a bundle without telemetry refers to instead of nil.
    package static let placeholder = EvaluationTelemetry(variantCount: 0)

    package init(variantCount: Int) {
        evaluationCounters = variantCount * EvaluationReason.all.count
        errorStart = evaluationCounters
        latencyStart = errorStart + EvaluationErrorCode.all.count
        latencySumIndex = latencyStart + Self.latencyBounds.count + 1
        tickIndex = latencySumIndex + 1
        blockLength = tickIndex + 1
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

    /// The calling thread's block.
    @inline(__always)
    package func block() -> UnsafeMutablePointer<Atomic<UInt64>> {
        let me: UInt = pthread_self()
        let home = Int(truncatingIfNeeded: (UInt64(me) &* 0x9E37_79B9_7F4A_7C15) >> 58)
        if owners[home].load(ordering: .relaxed) == me,
            let block = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: blocks[home].load(ordering: .relaxed))
        {
            return block
        }
        return claim(me, home: home)
    }

    /// The slot this thread owns past its home, or a free one it takes now, or the shared block.
    @inline(never)
    private func claim(_ me: UInt, home: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
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
            if let block = UnsafeMutablePointer<Atomic<UInt64>>(bitPattern: blocks[slot].load(ordering: .acquiring)) {
                return block
            }
            let block = Self.allocateBlock(blockLength)
            blocks[slot].store(UInt(bitPattern: block), ordering: .releasing)
            return block
        }
        return shared
    }

    /// Adds one to counter `index` of `block`.
    @inline(__always)
    package func increment(_ block: UnsafeMutablePointer<Atomic<UInt64>>, _ index: Int) {
        if block == shared {
            shared[index].wrappingAdd(1, ordering: .relaxed)
        } else {
            block[index].store(block[index].load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        }
    }

    /// Counts an evaluation of the variant at `variant` (its index in the bundle) for `reason`.
    @inline(__always)
    package func count(_ block: UnsafeMutablePointer<Atomic<UInt64>>, variant: Int, reason: EvaluationReason) {
        increment(block, variant &* 8 &+ reason.ordinal)
    }

    /// Counts an error served as the caller's default.
    package func count(_ code: EvaluationErrorCode) {
        increment(block(), errorStart + code.ordinal)
    }

    /// Whether this evaluation is one of the timed ones (advances the thread's tick).
    @inline(__always)
    package func sample(_ block: UnsafeMutablePointer<Atomic<UInt64>>) -> Bool {
        if block == shared { return false }
        let tick = block[tickIndex].load(ordering: .relaxed)
        block[tickIndex].store(tick &+ 1, ordering: .relaxed)
        return tick % Self.sampleInterval == 0
    }

    /// Records one timed evaluation.
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
