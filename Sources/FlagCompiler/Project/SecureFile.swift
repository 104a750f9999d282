import FlagRuntime
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Atomic writes (temporary file in the same folder, fsync, rename), bounded reads, and the
/// permission rules for secret files: written 0600, refused when group- or world-readable.
public enum SecureFile {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The prefix of every temporary or staged file flagc makes. Temporary names end with the final
    /// file's name, so the temporary of a secret `x.key` is `….x.key` and `*.key` ignores it too.
    public static let temporaryPrefix = ".flagc-tmp."

    /// The largest key file flagc reads (a key text is under 100 bytes).
    public static let maximumKeyFileBytes = 64 * 1024

    /// The temporary name for `path` in the same folder: `.flagc-tmp.<pid>.<random>.<name>`.
    static func temporaryPath(for path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        return (folder as NSString).appendingPathComponent(
            "\(temporaryPrefix)\(getpid()).\(UInt32.random(in: 0...UInt32.max)).\((path as NSString).lastPathComponent)"
        )
    }

    /// Writes `bytes` to `path` atomically with `mode`; a crash leaves the old file or the new one,
    /// never a partial one (and possibly a `.flagc-tmp.…` file, which the next keys command deletes).
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Failure) {
        let temporary = temporaryPath(for: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(description: "cannot write \(path): \(errnoText())") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        fchmod(descriptor, mode)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                close(descriptor)
                throw Failure(description: "cannot write \(path): \(errnoText())")
            }
            offset += written
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else {
            throw Failure(description: "cannot write \(path): \(errnoText())")
        }
        guard rename(temporary, path) == 0 else { throw Failure(description: "cannot write \(path): \(errnoText())") }
        ok = true
    }

    /// Writes a secret: mode 0600, atomically. The caller zeroes its own copy.
    public static func writeSecret(_ text: String, to path: String) throws(Failure) {
        var bytes = Array(text.utf8)
        defer { sodiumZero(&bytes) }
        try writeAtomically(bytes, to: path, mode: 0o600)
    }

    /// Reads a secret file of at most `maximumBytes`, refusing it when group or others can read it.
    public static func readSecret(at path: String, maximumBytes: Int = maximumKeyFileBytes) throws(Failure) -> String {
        var bytes = try readBounded(path, maximumBytes: maximumBytes, isSecret: true)
        defer { sodiumZero(&bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a public file of at most `maximumBytes` (refused, unread, when larger).
    public static func read(_ path: String, maximumBytes: Int) throws(Failure) -> [UInt8] {
        try readBounded(path, maximumBytes: maximumBytes, isSecret: false)
    }

    /// Opens `path` (non-blocking, so a FIFO cannot stall), checks with `fstat` that it is a regular
    /// file of at most `maximumBytes` (and, for a secret, that no group or other bit is set), then
    /// reads it. Nothing is read from a file that is too large.
    private static func readBounded(_ path: String, maximumBytes: Int, isSecret: Bool) throws(Failure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = errno == ENOENT ? "no such file" : errno == EACCES ? "permission denied" : errnoText()
            throw Failure(description: "cannot read \(path): \(reason)")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Failure(description: "cannot read \(path): \(errnoText())") }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw Failure(description: "cannot read \(path): not a regular file")
        }
        if isSecret, status.st_mode & 0o077 != 0 {
            throw Failure(
                description:
                    "refusing secret key file \(path): it is readable by group or others (mode \(String(status.st_mode & 0o777, radix: 8))); run 'chmod 600 \(path)'"
            )
        }
        guard status.st_size <= maximumBytes else {
            throw Failure(
                description: "refusing \(path): it has \(status.st_size) bytes, more than the limit of \(maximumBytes)"
            )
        }
        // One byte more than the limit: a file that grew since fstat is refused, not cut short.
        var bytes = [UInt8](repeating: 0, count: maximumBytes + 1)
        var count = 0
        while count < bytes.count {
            let read = bytes.withUnsafeMutableBytes {
                Glibc.read(descriptor, $0.baseAddress! + count, $0.count - count)
            }
            if read < 0 {
                if errno == EINTR { continue }
                if isSecret { sodiumZero(&bytes) }
                throw Failure(description: "cannot read \(path): \(errnoText())")
            }
            if read == 0 { break }
            count += read
        }
        guard count <= maximumBytes else {
            if isSecret { sodiumZero(&bytes) }
            throw Failure(description: "refusing \(path): it has more than \(maximumBytes) bytes")
        }
        let result = Array(bytes[..<count])
        if isSecret { sodiumZero(&bytes) }
        return result
    }

    static func errnoText() -> String { SystemError.current }
}

/// Zeroes a byte array in place with `sodium_memzero`.
func sodiumZero(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { SecureMemory.zero($0) }
}
