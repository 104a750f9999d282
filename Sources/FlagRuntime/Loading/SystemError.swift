#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The text of an `errno` value: the one errno helper of the runtime, the compiler and the command
/// line. Uses `strerror_r` (thread-safe; `strerror` may share a buffer between threads).
package enum SystemError {
    /// The C library's description of `code`, e.g. "No such file or directory".
    package static func text(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        // The XSI variant (what Swift's C modules import): fills `buffer`, returns 0 on success.
        guard strerror_r(code, &buffer, buffer.count) == 0 else { return "error \(code)" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The text of the current `errno`.
    package static var current: String { text(errno) }
}
