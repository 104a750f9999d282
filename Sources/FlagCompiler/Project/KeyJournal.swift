import FlagRuntime
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A change to several files of `keys/` that a crash leaves wholly done or wholly undone.
///
/// 1. `stage` writes each new file (fsync'd) under a staged name, `.flagc-tmp.staged.<name>`;
/// 2. `commit` writes the journal `.flagc-journal` (atomically: it exists complete or not at all),
///    listing the renames of staged files into place and the files to delete;
/// 3. it performs them, fsyncs the folder and deletes the journal.
///
/// `recover` runs before every keys command and every build: a journal left by a crash is carried
/// out to the end (roll forward); without one, every `.flagc-tmp.*` file is a leftover of an
/// operation that never reached its journal and is deleted (roll back). Temporary and staged names
/// end with the final name, so the temporary of a secret ends in `.key` and `*.key` ignores it;
/// `.flagc-*` in `.gitignore` covers them all, with the journal, the lock and the keyring state.
package struct KeyJournal {
    enum Step: Equatable {
        case rename(from: String, to: String)
        case delete(String)
    }

    /// What `recover` found.
    package enum Recovery: Equatable, Sendable {
        /// Nothing to do.
        case clean
        /// An interrupted operation was completed from its journal.
        case completed
        /// Leftover temporary files of an operation that never started its renames were deleted.
        case removedTemporaryFiles(Int)
    }

    static let header = "flagc key journal 1"
    static let stagedPrefix = SecureFile.temporaryPrefix + "staged."

    let directory: String
    private(set) var steps: [Step] = []

    init(directory: String) {
        self.directory = directory
    }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Writes `bytes` under a staged name; `commit` moves it to `name` in the keys folder.
    mutating func stage(_ bytes: [UInt8], as name: String, mode: mode_t) throws(KeyStore.Failure) {
        let staged = Self.stagedPrefix + name
        do {
            try SecureFile.writeAtomically(bytes, to: path(staged), mode: mode)
        } catch {
            throw KeyStore.Failure(error.description.replacingOccurrences(of: staged, with: name))
        }
        steps.append(.rename(from: staged, to: name))
        Self.crashPoint("staged-\(steps.count)")
    }

    /// Deletes `name` from the keys folder when the operation commits (nothing if it is absent).
    mutating func delete(_ name: String) {
        steps.append(.delete(name))
    }

    /// Writes the journal, applies every step, then deletes the journal.
    func commit() throws(KeyStore.Failure) {
        try Self.syncDirectory(directory)
        var text = Self.header + "\n"
        for step in steps {
            switch step {
            case .rename(let from, let to): text += "rename \(from) \(to)\n"
            case .delete(let name): text += "delete \(name)\n"
            }
        }
        text += "end\n"
        do {
            try SecureFile.writeAtomically(Array(text.utf8), to: path(".flagc-journal"), mode: 0o600)
        } catch {
            throw KeyStore.Failure(error.description)
        }
        Self.crashPoint("journal")
        try Self.apply(steps, in: directory)
    }

    /// Completes an interrupted operation, or deletes its leftovers; see the type's documentation.
    /// Takes the keys lock only when there is something to do.
    @discardableResult
    package static func recover(in directory: String) throws(KeyStore.Failure) -> Recovery {
        guard needsRecovery(directory) else { return .clean }
        return try withLock(directory) { () throws(KeyStore.Failure) in try recoverLocked(in: directory) }
    }

    /// `recover` for a caller that already holds the lock.
    static func recoverLocked(in directory: String) throws(KeyStore.Failure) -> Recovery {
        let journal = (directory as NSString).appendingPathComponent(".flagc-journal")
        if FileManager.default.fileExists(atPath: journal) {
            let text: String
            do {
                text = String(decoding: try SecureFile.read(journal, maximumBytes: 64 * 1024), as: UTF8.self)
            } catch {
                throw KeyStore.Failure(error.description)
            }
            guard let steps = parse(text) else {
                throw KeyStore.Failure(
                    "\(journal) is malformed: an interrupted key operation cannot be completed; compare keys/ with your backup, then delete it"
                )
            }
            try apply(steps, in: directory)
            _ = removeLeftovers(in: directory)
            return .completed
        }
        let removed = removeLeftovers(in: directory)
        return removed == 0 ? .clean : .removedTemporaryFiles(removed)
    }

    /// Runs `body` holding an exclusive `flock` on `keys/.flagc-lock`, so two keys commands never
    /// interleave (and recovery never deletes the staged files of a running one).
    package static func withLock<Result>(
        _ directory: String,
        _ body: () throws(KeyStore.Failure) -> Result
    ) throws(KeyStore.Failure) -> Result {
        let lockPath = (directory as NSString).appendingPathComponent(".flagc-lock")
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw KeyStore.Failure("cannot lock \(directory)/: \(SecureFile.errnoText())")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw KeyStore.Failure("cannot lock \(directory)/: \(SecureFile.errnoText())")
            }
        }
        return try body()
    }

    // MARK: Helpers

    /// Whether the folder holds a journal or a temporary file (checked without the lock).
    private static func needsRecovery(_ directory: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.contains { $0 == ".flagc-journal" || isLeftover($0) }
    }

    /// A temporary or staged file, or a temporary of an older flagc (`.<name>.tmp-<pid>-<random>`).
    static func isLeftover(_ name: String) -> Bool {
        name.hasPrefix(SecureFile.temporaryPrefix) || (name.hasPrefix(".") && name.contains(".tmp-"))
    }

    private static func removeLeftovers(in directory: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed = 0
        for name in names where isLeftover(name) {
            if unlink((directory as NSString).appendingPathComponent(name)) == 0 { removed += 1 }
        }
        return removed
    }

    static func parse(_ text: String) -> [Step]? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == header, lines.last == "", lines.dropLast().last == "end" else { return nil }
        lines = Array(lines.dropFirst().dropLast(2))
        var steps: [Step] = []
        for line in lines {
            let words = line.split(separator: " ").map(String.init)
            guard words.dropFirst().allSatisfy(isPlainName) else { return nil }
            switch (words.first, words.count) {
            case ("rename", 3):
                guard words[1].hasPrefix(stagedPrefix) else { return nil }
                steps.append(.rename(from: words[1], to: words[2]))
            case ("delete", 2): steps.append(.delete(words[1]))
            default: return nil
            }
        }
        return steps
    }

    /// A file name inside the keys folder: no path separator, not `.` or `..`.
    private static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    /// Performs `steps`; a rename whose staged file is gone was done before a crash.
    private static func apply(_ steps: [Step], in directory: String) throws(KeyStore.Failure) {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        for (index, step) in steps.enumerated() {
            switch step {
            case .rename(let from, let to):
                if rename(path(from), path(to)) != 0, errno != ENOENT {
                    throw KeyStore.Failure("cannot write \(path(to)): \(SecureFile.errnoText())")
                }
            case .delete(let name):
                if unlink(path(name)) != 0, errno != ENOENT {
                    throw KeyStore.Failure("cannot delete \(path(name)): \(SecureFile.errnoText())")
                }
            }
            crashPoint("applied-\(index + 1)")
        }
        try syncDirectory(directory)
        crashPoint("applied")
        if unlink(path(".flagc-journal")) != 0, errno != ENOENT {
            throw KeyStore.Failure("cannot delete \(path(".flagc-journal")): \(SecureFile.errnoText())")
        }
        try syncDirectory(directory)
    }

    private static func syncDirectory(_ directory: String) throws(KeyStore.Failure) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw KeyStore.Failure("cannot open \(directory)/: \(SecureFile.errnoText())") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw KeyStore.Failure("cannot sync \(directory)/: \(SecureFile.errnoText())")
        }
    }

    /// A test hook, in debug builds only: `FLAGC_TEST_CRASH_AT=<point>` ends the process with
    /// `_exit(86)` at that point of a journaled operation (`staged-N`, `journal`, `applied-N`,
    /// `applied`), as a crash would.
    static func crashPoint(_ name: String) {
        #if DEBUG
        if let point = getenv("FLAGC_TEST_CRASH_AT"), String(cString: point) == name { _exit(86) }
        #endif
    }
}
