/// The memory of one decoded bundle: every buffer of a `FlagTables` view is allocated here and freed
/// together by `release()`, so adding a table is one allocation call, with nothing to free by hand.
///
/// Not a class, and no closure per buffer: the list holds each buffer as a small existential
/// (stored inline), so owning a buffer costs no allocation beyond the buffer itself.
struct TableArena {
    private var buffers: [any ArenaBuffer] = []

    init() {}

    /// `capacity` uninitialized elements of a plain type (no allocation for an empty table).
    mutating func allocate<Element: BitwiseCopyable>(
        _ type: Element.Type,
        capacity: Int
    ) -> UnsafeMutableBufferPointer<Element> {
        guard capacity > 0 else { return UnsafeMutableBufferPointer(start: nil, count: 0) }
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: capacity)
        append(OwnedBuffer(buffer: buffer, initialized: false))
        return buffer
    }

    /// A copy of `array` (of any type: its elements are deinitialized on release).
    mutating func copy<Element>(_ array: [Element]) -> UnsafeBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: array.count)
        _ = buffer.initialize(from: array)
        append(OwnedBuffer(buffer: buffer, initialized: true))
        return UnsafeBufferPointer(buffer)
    }

    private mutating func append(_ buffer: some ArenaBuffer) {
        if buffers.isEmpty { buffers.reserveCapacity(32) }  // one allocation for a whole view
        buffers.append(buffer)
    }

    /// Frees every buffer; nothing allocated here may be used afterwards.
    func release() {
        for buffer in buffers { buffer.release() }
    }
}

private protocol ArenaBuffer {
    func release()
}

private struct OwnedBuffer<Element>: ArenaBuffer {
    let buffer: UnsafeMutableBufferPointer<Element>
    /// Whether every element was initialized by the arena (plain tables need no deinitialization).
    let initialized: Bool

    func release() {
        if initialized { buffer.deinitialize() }
        buffer.deallocate()
    }
}
