import FlagRuntime
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Replaces the `out/<target>/` folders of a build so that each is, at every instant, wholly the
/// old folder or wholly the new one, even when the build is killed:
///
/// 1. An exclusive `flock` on the output folder itself (no lock file) serializes builds writing there.
/// 2. Folders left by killed builds (`.staging-*`, and the `.*.tmp-*` files older flagc versions
///    wrote) are removed.
/// 3. Each target's files are written to a sibling folder `out/.staging-<target>-<pid>-<random>/`,
///    each file and the folder synced.
/// 4. Each staging folder is switched with `out/<target>` in one step: `renameat2(RENAME_EXCHANGE)`,
///    or a plain `rename` when the folder is new. Should a switch fail, the targets already
///    switched are switched back, so a failed build replaces none of them.
/// 5. The old folders (now at the staging names) are removed and the output folder synced.
///
/// A build killed between two switches leaves some targets new and others old (each folder
/// consistent); the next build cleans up what it left.
enum OutputStaging {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// One target's files, staged, not yet switched in.
    struct Staged {
        var destination: String
        var staging: String
        var target: String
        var switched = false
        /// `destination` did not exist before: putting it back means removing it.
        var wasNew = false
    }

    /// Writes every target's files (`files` holds names and bytes per destination folder), then
    /// switches them all in. Nothing is replaced unless every folder was staged.
    static func replace(
        _ targets: [(target: String, directory: String, files: [(String, [UInt8])])],
        in outputDirectory: String
    ) throws(Failure) {
        try makeDirectory(outputDirectory)
        let lock = open(outputDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0 else { throw Failure("cannot open \(outputDirectory): \(errnoText())") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure("cannot lock \(outputDirectory): \(errnoText())") }
        }
        removeStale(in: outputDirectory)
        TestHook.step("locked")

        var staged: [Staged] = []
        do {
            for (target, directory, files) in targets {
                let staging = (outputDirectory as NSString).appendingPathComponent(
                    ".staging-\(target)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                )
                staged.append(Staged(destination: directory, staging: staging, target: target))
                try write(files, into: staging)
            }
            TestHook.step("staged")
            for index in staged.indices {
                try TestHook.failure("switch-\(staged[index].target)")
                staged[index].wasNew = try switchIn(staged[index].staging, to: staged[index].destination)
                staged[index].switched = true
                TestHook.step("switch")
            }
            TestHook.step("switched")
        } catch {
            // Put back what was switched (newest first); the staging folders then hold the new files.
            for item in staged.reversed() where item.switched {
                _ = item.wasNew ? rename(item.destination, item.staging) == 0 : exchange(item.staging, item.destination)
            }
            for item in staged { removeTree(item.staging) }
            _ = fsyncPath(outputDirectory)
            throw error
        }
        for item in staged { removeTree(item.staging) }  // the old folders
        _ = fsyncPath(outputDirectory)
    }

    // MARK: Steps

    private static func write(_ files: [(String, [UInt8])], into folder: String) throws(Failure) {
        guard mkdir(folder, 0o755) == 0 else { throw Failure("cannot create \(folder): \(errnoText())") }
        for (index, (name, bytes)) in files.enumerated() {
            let path = (folder as NSString).appendingPathComponent(name)
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw Failure("cannot write \(path): \(errnoText())") }
            fchmod(descriptor, 0o644)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes {
                    Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    let reason = errnoText()
                    close(descriptor)
                    throw Failure("cannot write \(path): \(reason)")
                }
                offset += written
            }
            guard fsync(descriptor) == 0, close(descriptor) == 0 else {
                throw Failure("cannot write \(path): \(errnoText())")
            }
            if index == 0 { TestHook.step("staging") }
        }
        guard fsyncPath(folder) else { throw Failure("cannot sync \(folder): \(errnoText())") }
    }

    /// Puts `staging` at `destination` in one step; the old folder, if any, ends up at `staging`.
    /// True when there was no old folder.
    private static func switchIn(_ staging: String, to destination: String) throws(Failure) -> Bool {
        var status = stat()
        if lstat(destination, &status) != 0 && errno == ENOENT {
            guard rename(staging, destination) == 0 else {
                throw Failure("cannot move \(staging) to \(destination): \(errnoText())")
            }
            return true
        }
        guard exchange(staging, destination) else {
            throw Failure("cannot switch \(destination) with \(staging): \(errnoText())")
        }
        return false
    }

    private typealias RenameAt2 =
        @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32)
        -> Int32

    /// glibc's `renameat2` (2.28 and later), looked up at run time: Swift's Glibc module does not
    /// declare it.
    private static let renameAt2: RenameAt2? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    /// Swaps two paths: atomically with `RENAME_EXCHANGE`; where the kernel or file system lacks it
    /// (`EINVAL`, `ENOSYS`), with three renames through `<first>-swap`, during which `second` is
    /// missing for an instant (never mixed); a build killed then leaves `.staging-*` folders that the
    /// next build removes, and no `out/<target>` until it writes a new one.
    private static func exchange(_ first: String, _ second: String) -> Bool {
        if let renameAt2, !TestHook.isSet("no-exchange") {
            let renameExchange: UInt32 = 2  // RENAME_EXCHANGE
            if renameAt2(AT_FDCWD, first, AT_FDCWD, second, renameExchange) == 0 { return true }
            guard errno == EINVAL || errno == ENOSYS else { return false }
        }
        let swap = first + "-swap"
        guard rename(second, swap) == 0 else { return false }
        guard rename(first, second) == 0 else {
            let saved = errno
            _ = rename(swap, second)
            errno = saved
            return false
        }
        return rename(swap, first) == 0
    }

    // MARK: Cleaning

    /// Removes what killed builds left: staging folders in the output folder, and the temporary
    /// files (`.<name>.tmp-<pid>-<random>`) earlier versions wrote into `out/<target>/`.
    /// Runs under the lock, so no live build owns any of them.
    static func removeStale(in outputDirectory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? []
        for name in names {
            let path = (outputDirectory as NSString).appendingPathComponent(name)
            if name.hasPrefix(".staging-") {
                removeTree(path)
                continue
            }
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { continue }
            for inner in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            where inner.hasPrefix(".") && inner.contains(".tmp-") {
                unlink((path as NSString).appendingPathComponent(inner))
            }
        }
    }

    private static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    // MARK: Helpers

    private static func makeDirectory(_ path: String) throws(Failure) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Failure("cannot create \(path): \(error.localizedDescription)")
        }
    }

    @discardableResult
    private static func fsyncPath(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }

    private static func errnoText() -> String { SystemError.current }
}

/// Test hooks of the build's output steps, read from the environment; never set them in production.
///
/// - `FLAGC_TEST_CRASH_AT=<step>`: the process kills itself with SIGKILL at that step, as a power
///   loss or `kill -9` would stop it. Steps, in order: `locked` (lock taken, stale folders
///   removed), `staging` (the first file of the first target written), `staged` (every target
///   staged, none switched), `switch` (the first target switched), `switched` (all switched, old
///   folders not yet removed).
/// - `FLAGC_TEST_FAIL_AT=switch-<target>`: switching that target in fails as if the file system
///   refused it. `FLAGC_TEST_FAIL_AT=no-exchange`: `renameat2(RENAME_EXCHANGE)` is taken as
///   unsupported, so the three-rename fallback runs.
enum TestHook {
    private static let crashAt = ProcessInfo.processInfo.environment["FLAGC_TEST_CRASH_AT"]
    private static let failAt = ProcessInfo.processInfo.environment["FLAGC_TEST_FAIL_AT"]

    static func step(_ name: String) {
        if crashAt == name { kill(getpid(), SIGKILL) }
    }

    /// Whether `FLAGC_TEST_FAIL_AT` names `name`.
    static func isSet(_ name: String) -> Bool { failAt == name }

    static func failure(_ name: String) throws(OutputStaging.Failure) {
        if failAt == name { throw OutputStaging.Failure("test hook FLAGC_TEST_FAIL_AT=\(name): failing on purpose") }
    }
}
