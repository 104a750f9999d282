import ArgumentParser
import Dispatch
import FlagCompiler
import FlagRuntime
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
            clock (preview a ramp at any date).
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

    @OptionGroup var loader: LoaderOptions

    func validate() throws {
        if (context == nil) == (contexts == nil) {
            throw ValidationError("give exactly one of --context or --contexts")
        }
    }

    func run() throws {
        let (bytes, recipientIDs) = try loader.readBundle(bundle)
        let options = try loader.loadOptions(recipientIDs: recipientIDs)
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
            return
        }
        try evaluateBatch(loaded, clock: clock)
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
    private func evaluateBatch(_ loaded: FlagBundle, clock: Double?) throws {
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
        let outcome: BatchEvaluation.Outcome
        do throws(BatchEvaluation.IOFailure) {
            outcome = try BatchEvaluation(bundle: loaded, flag: flag, clock: clock)
                .run(input: input, output: STDOUT_FILENO)
        } catch {
            switch error {
            case .input(let reason):
                throw Output.fail("cannot read \(path): \(reason)", status: ExitStatus.invalidInput)
            case .output(let reason):
                throw Output.fail("cannot write the results: \(reason)", status: ExitStatus.invalidInput)
            }
        }
        if outcome.failures > 0 {
            Output.note("\(outcome.failures) of \(outcome.lines) lines were not valid contexts")
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
