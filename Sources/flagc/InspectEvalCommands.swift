import ArgumentParser
import Dispatch
import FlagCompiler
import FlagRuntime
import FlagTelemetry
import Foundation

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Verify a bundle, then print its header and, with a recipient key, its decoded flags."
    )

    @Argument(help: "The bundle file.")
    var bundle: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var loader: LoaderOptions

    func run() throws {
        let (bytes, recipientIDs) = try loader.readBundle(bundle)
        let options = try loader.loadOptions(recipientIDs: recipientIDs)
        let header: BundleHeader
        do {
            header = try FlagBundle.verifyHeader(bytes: bytes, options: options)
        } catch {
            throw Output.fail(
                "\(bundle): verification failed (\(error.check)): \(error)",
                status: ExitStatus.verificationFailure
            )
        }
        var decoded: FlagBundle?
        if options.recipientKey != nil {
            do {
                decoded = try FlagBundle.load(bytes: bytes, options: options)
            } catch {
                throw Output.fail(
                    "\(bundle): verification failed (\(error.check)): \(error)",
                    status: ExitStatus.verificationFailure
                )
            }
        }
        if json {
            print(BundleInspection.json(header, bundleBytes: bytes.count, content: decoded))
            return
        }
        print(
            """
            bundle:          \(bundle) (\(bytes.count) bytes, format \(header.formatVersion)) — verified
            target:          \(header.target) (environment \(header.environment))
            bundle version:  \(header.bundleVersion)
            issued:          \(Timestamp.formatRFC3339(header.issuedAt))
            expires:         \(Timestamp.formatRFC3339(header.expiresAt))
            keyring:         version \(header.keyring.version), expires \(Timestamp.formatRFC3339(header.keyring.expiresAt))
            signing key:     \(header.signingKeyID)
            recipients:      \(header.recipientIDs.map(\.description).joined(separator: ", "))
            flags:           \(header.flagCount)
            """
        )
        if let decoded { print(BundleInspection.contentText(decoded)) }
    }
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a bundle's flags for a context, or for every line of a JSON Lines file.",
        discussion: """
            Prints one JSON object per flag per line: {"flag":K,"value":V,"variant":N,"reason":R}, plus "rule" \
            when a named rule decided and "errorCode" on errors. With --contexts, one JSON line per input \
            line, in input order, evaluated on all cores in batches (memory stays bounded), always of one \
            shape: {"line":N,"id":I,"results":[...]} with the results as above (one with --flag) and "id" \
            copied from the input's "id" member when it has one; a line that is not a context (malformed, \
            not UTF-8, over 1 MiB) gives {"line":N,"errorCode":"PARSE_ERROR","message":M} and the run exits 1. \
            A context has at most 10,000 attributes. --now sets the verification clock, --at the evaluation \
            clock (preview a ramp at any date). A --contexts line {"outcome":{"flag":K,"success":false}} (optional \
            "variant":NAME served, "at":TIME) reports an outcome to flag K's circuit breaker, in input order, and is \
            answered {"line":N,"outcome":{"flag":K,"success":B,"state":S}} with the breaker's state after it. \
            --metrics FILE.prom writes the run's evaluation counts in the Prometheus text format, atomically \
            (for node_exporter's textfile collector). --events FILE.jsonl writes the batch's OpenTelemetry-named \
            evaluation events (feature_flag.evaluation, one per flag per context line, in input order), sampled by \
            --sample-rate (default 1), atomically; no context value is written, the targeting key only with \
            --include-targeting-key.
            """
    )

    @Argument(help: "The bundle file.")
    var bundle: String

    @Option(
        help:
            "The evaluation context: a JSON object whose members are targetingKey and the attributes, e.g. '{\"targetingKey\":\"user-1\",\"country\":\"DE\"}'."
    )
    var context: String?

    @Option(help: "A JSON Lines file of contexts ('-' for stdin).")
    var contexts: String?

    @Option(help: "Only this flag.")
    var flag: String?

    @Option(help: "Write the run's telemetry to this file in the Prometheus text format (atomically).")
    var metrics: String?

    @Option(help: "With --contexts: write the evaluations as OpenTelemetry-named events to this JSON Lines file.")
    var events: String?

    @Option(help: "The fraction of evaluations --events writes, from 0 to 1 (default 1: all).")
    var sampleRate: Double?

    @Flag(help: "Add each context's targeting key to its --events (feature_flag.context.id).")
    var includeTargetingKey = false

    @OptionGroup var loader: LoaderOptions

    func validate() throws {
        if (context == nil) == (contexts == nil) {
            throw ValidationError("give exactly one of --context or --contexts")
        }
        if events != nil, contexts == nil { throw ValidationError("--events needs --contexts") }
        if events == nil, sampleRate != nil || includeTargetingKey {
            throw ValidationError("--sample-rate and --include-targeting-key need --events")
        }
        if let sampleRate, !(0...1).contains(sampleRate) {
            throw ValidationError("--sample-rate must be a number from 0 to 1")
        }
    }

    func run() throws {
        let (bytes, recipientIDs) = try loader.readBundle(bundle)
        var options = try loader.loadOptions(recipientIDs: recipientIDs)
        let replayClock = ReplayClock(start: try loader.evaluationTime())
        options.evaluationClock = { replayClock.now() }
        options.telemetry = true
        if options.recipientKey == nil {
            throw Output.fail(
                "no recipient key for this bundle: pass --key, set FLAGC_RECIPIENT_KEY or add keys/NAME.recipient.key",
                status: ExitStatus.invalidInput
            )
        }
        let loaded: FlagBundle
        do {
            loaded = try FlagBundle.load(bytes: bytes, options: options)
        } catch {
            throw Output.fail(
                "\(bundle): verification failed (\(error.check)): \(error)",
                status: ExitStatus.verificationFailure
            )
        }
        let clock = try loader.evaluationTime()
        if let flag, loaded.handle(for: flag) == nil {
            let suggestion = Suggestion.didYouMean(Suggestion.closest(to: flag, among: loaded.flagKeys))
            throw Output.fail("no flag '\(flag)' in \(bundle)\(suggestion)", status: ExitStatus.invalidInput)
        }
        if let context {
            var parsed: EvaluationContext
            do {
                parsed = try JSONParser.context(utf8: Self.givenBytes(of: context, option: "--context"))
            } catch {
                throw Output.fail("--context: \(error)", status: ExitStatus.invalidInput)
            }
            parsed.now = clock
            for line in EvaluationOutput.lines(loaded, parsed, flag: flag) { print(line) }
            try writeMetrics(loaded)
            return
        }
        try evaluateBatch(loaded, clock: clock, replayClock: replayClock)
    }

    /// Writes --metrics, when given.
    private func writeMetrics(_ loaded: FlagBundle) throws {
        guard let metrics else { return }
        do {
            try AtomicTextFile.write(PrometheusExposition.text(loaded.telemetrySnapshot()), to: metrics)
        } catch {
            throw Output.fail("--metrics: \(error)", status: ExitStatus.invalidInput)
        }
    }

    /// The bytes of an option's value as given. Swift hands arguments over repaired (ill-formed UTF-8
    /// replaced by U+FFFD), so an argument that repairs to `value` is looked up again, so that its
    /// ill-formed bytes are refused rather than evaluated as repaired.
    static func givenBytes(of value: String, option: String) -> [UInt8] {
        for index in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeRawBufferPointer(start: argument, count: strlen(argument)))
            for prefix in ["", option + "="] where bytes.starts(with: prefix.utf8) {
                let given = Array(bytes.dropFirst(prefix.utf8.count))
                if String(validating: given, as: UTF8.self) == nil, String(decoding: given, as: UTF8.self) == value {
                    return given
                }
            }
        }
        return Array(value.utf8)
    }

    /// Evaluates every line of --contexts on all cores, printing results in input order as each
    /// batch completes (`BatchEvaluation`: memory stays bounded whatever the input's size).
    private func evaluateBatch(_ loaded: FlagBundle, clock: Double?, replayClock: ReplayClock) throws {
        let path = contexts ?? "-"
        let input: Int32
        if path == "-" {
            input = STDIN_FILENO
        } else {
            input = open(path, O_RDONLY | O_CLOEXEC)
            guard input >= 0 else {
                throw Output.fail(
                    "cannot read \(path): \(BatchEvaluation.reason(errno))",
                    status: ExitStatus.invalidInput
                )
            }
        }
        defer { if input != STDIN_FILENO { close(input) } }
        let eventsFile = try events.map { try EventsFile(path: $0) }
        var batch = BatchEvaluation(bundle: loaded, flag: flag, clock: clock, replayClock: replayClock)
        if let eventsFile {
            batch.events = BatchEvaluation.EventsOutput(
                sampler: EvaluationEvents(rate: sampleRate ?? 1, includeTargetingKey: includeTargetingKey),
                descriptor: eventsFile.descriptor,
                version: String(loaded.header.bundleVersion),
                fixedTimestamp: clock.map { Int64(($0 * 1e9).rounded()) }
            )
        }
        let outcome: BatchEvaluation.Outcome
        do throws(BatchEvaluation.IOFailure) {
            outcome = try batch.run(input: input, output: STDOUT_FILENO)
        } catch {
            eventsFile?.discard()
            switch error {
            case .input(let reason):
                throw Output.fail("cannot read \(path): \(reason)", status: ExitStatus.invalidInput)
            case .output(let reason):
                throw Output.fail("cannot write the results: \(reason)", status: ExitStatus.invalidInput)
            case .events(let reason):
                throw Output.fail("--events: cannot write \(events ?? ""): \(reason)", status: ExitStatus.invalidInput)
            }
        }
        try eventsFile?.commit()
        try writeMetrics(loaded)
        if outcome.failures > 0 {
            Output.note("\(outcome.failures) of \(outcome.lines) lines were not valid contexts or outcomes")
            throw ExitCode(ExitStatus.invalidInput)
        }
    }
}

/// A counter shared by the batch workers.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// `--events`' file, written whole or not at all: to a temporary file in the same folder, renamed
/// over the path once the batch is done (removed if it fails).
final class EventsFile {
    let path: String
    let temporary: String
    let descriptor: Int32

    init(path: String) throws {
        self.path = path
        temporary = path + ".tmp.\(getpid())"
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Output.fail(
                "--events: cannot write \(path): \(BatchEvaluation.reason(errno))",
                status: ExitStatus.invalidInput
            )
        }
    }

    /// Flushes to disk and renames the file into place.
    func commit() throws {
        func failure() -> Error {
            Output.fail(
                "--events: cannot write \(path): \(BatchEvaluation.reason(errno))",
                status: ExitStatus.invalidInput
            )
        }
        guard fsync(descriptor) == 0 else {
            let error = failure()
            discard()
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure()
            unlink(temporary)
            throw error
        }
    }

    /// Removes the temporary file.
    func discard() {
        close(descriptor)
        unlink(temporary)
    }
}
