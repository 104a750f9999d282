import Foundation

/// When each flag first appeared in git: the time of the oldest commit that added a line defining
/// the key (`KEY:` as a mapping key) under `flags/`. One `git log` for all keys, however many.
enum GitHistory {
    /// Commit times (Unix seconds) by key, for the keys found; nil when `root` is not in a git
    /// work tree or git is missing.
    static func firstCommitTimes(root: String, keys: Set<String>) -> [String: Int64]? {
        guard !keys.isEmpty else { return [:] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "git", "-C", root, "log", "--reverse", "--no-color", "--no-ext-diff", "--no-renames",
            "--format=%x00%ct", "-p", "--unified=0", "--", "flags",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return parse([UInt8](data), keys: keys)
    }

    /// The first time each key is added, from `git log --reverse --format=%x00%ct -p` output.
    static func parse(_ bytes: [UInt8], keys: Set<String>) -> [String: Int64] {
        var result: [String: Int64] = [:]
        var time: Int64 = 0
        var lineStart = 0
        let count = bytes.count
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            guard lineEnd > lineStart else { continue }
            let first = bytes[lineStart]
            if first == 0 {
                time = Int64(String(decoding: bytes[(lineStart + 1)..<lineEnd], as: UTF8.self)) ?? time
                continue
            }
            // An added line (not the `+++ b/file` header): `+  KEY:` or `+  "KEY":`.
            guard first == 0x2B, lineEnd - lineStart < 400,
                !(lineEnd - lineStart >= 3 && bytes[lineStart + 1] == 0x2B && bytes[lineStart + 2] == 0x2B)
            else { continue }
            var start = lineStart + 1
            while start < lineEnd && (bytes[start] == 0x20 || bytes[start] == 0x22 || bytes[start] == 0x27) {
                start += 1
            }
            var end = start
            while end < lineEnd && bytes[end] != 0x3A && bytes[end] != 0x22 && bytes[end] != 0x27 { end += 1 }
            guard end > start, end < lineEnd else { continue }
            let key = String(decoding: bytes[start..<end], as: UTF8.self)
            if result[key] == nil && keys.contains(key) { result[key] = time }
        }
        return result
    }
}
