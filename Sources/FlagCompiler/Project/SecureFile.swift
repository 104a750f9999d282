import FlagRuntime
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Atomic writes (temporary file in the same folder, fsync, rename) and the permission rules for
/// secret files: written 0600, refused when group- or world-readable.
public enum SecureFile {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Writes `bytes` to `path` atomically with `mode`; a crash leaves the old file or the new one,
    /// never a partial one.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        let temporary = (folder as NSString).appendingPathComponent(
            ".\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        )
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

    /// Reads a secret file, refusing it when group or others can read it.
    public static func readSecret(at path: String) throws(Failure) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { throw Failure(description: "cannot read \(path): \(errnoText())") }
        guard status.st_mode & 0o077 == 0 else {
            throw Failure(
                description:
                    "refusing secret key file \(path): it is readable by group or others (mode \(String(status.st_mode & 0o777, radix: 8))); run 'chmod 600 \(path)'"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read \(path)")
        }
        var bytes = [UInt8](data)
        defer { sodiumZero(&bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a public file.
    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(
                description:
                    "cannot read \(path): \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")"
            )
        }
        return [UInt8](data)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Zeroes a byte array in place with `sodium_memzero`.
func sodiumZero(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { SecureMemory.zero($0) }
}
