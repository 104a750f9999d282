internal import CSodium

/// Secret bytes in one place: zeroed with `sodium_memzero` when released, compared in constant
/// time, and never printed.
package final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    // Immutable after init; the class is only a owner that zeroes on release.
    private let storage: UnsafeMutableRawBufferPointer

    /// `count` zero bytes.
    package init(count: Int) {
        storage = .allocate(byteCount: Swift.max(count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        self.count = count
    }

    /// A copy of `bytes`; the caller should zero its own copy if it has one.
    package convenience init(copying bytes: some Collection<UInt8>) {
        self.init(count: bytes.count)
        var index = 0
        for byte in bytes {
            storage[index] = byte
            index += 1
        }
    }

    deinit {
        sodium_memzero(storage.baseAddress, storage.count)
        storage.deallocate()
    }

    package let count: Int

    package func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// The bytes as the `const unsigned char *` C functions take (the storage is bound to `UInt8`).
    package func withBytePointer<Result>(_ body: (UnsafePointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafePointer(storage.baseAddress!.assumingMemoryBound(to: UInt8.self)))
    }

    /// `count` bytes written by `body` through an `unsigned char *` (for C functions that output keys).
    package convenience init(
        count: Int,
        filling body: (UnsafeMutablePointer<UInt8>) throws -> Void
    ) rethrows {
        self.init(count: count)
        try body(storage.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    /// Constant-time equality (`sodium_memcmp`); different lengths are unequal.
    package func isEqual(to other: SecureBytes) -> Bool {
        guard count == other.count else { return false }
        return withUnsafeBytes { mine in
            other.withUnsafeBytes { theirs in sodium_memcmp(mine.baseAddress, theirs.baseAddress, count) == 0 }
        }
    }

    /// Never the bytes.
    package var description: String { "SecureBytes(\(count) bytes, redacted)" }
}

/// `sodium_memzero` for buffers outside `SecureBytes`.
package enum SecureMemory {
    package static func zero(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        sodium_memzero(base, buffer.count)
    }
}
