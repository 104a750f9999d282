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
            line, in input order, evaluated on all cores.
            """
    )

    @Argument(help: "The bundle file.")
    var bundle: String

    @Option(help: "The evaluation context, a JSON object with targetingKey and attributes.")
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
                status: ExitStatus.verificationFailure
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
        let clock = try loader.clock()
        if let flag, loaded.handle(for: flag) == nil {
            throw Output.fail("no flag '\(flag)' in \(bundle)", status: ExitStatus.invalidInput)
        }
        if let context {
            var parsed: EvaluationContext
            do {
                parsed = try JSONParser.context(context)
            } catch {
                throw Output.fail("--context: \(error)", status: ExitStatus.invalidInput)
            }
            parsed.now = clock
            for line in EvaluationOutput.lines(loaded, parsed, flag: flag) { print(line) }
            return
        }
        try evaluateBatch(loaded, clock: clock)
    }

    /// Evaluates every line of --contexts on all cores, printing results in input order.
    private func evaluateBatch(_ loaded: FlagBundle, clock: Double?) throws {
        let text: String
        if contexts == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else if let path = contexts, let data = FileManager.default.contents(atPath: path) {
            text = String(decoding: data, as: UTF8.self)
        } else {
            throw Output.fail("cannot read \(contexts ?? "")", status: ExitStatus.invalidInput)
        }
        // Lines end with LF or CRLF (split on bytes: Swift treats CRLF as one Character).
        var split = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        if split.last == "" { split.removeLast() }
        let lines = split
        let count = lines.count
        let results = UnsafeMutableBufferPointer<String>.allocate(capacity: max(count, 1))
        results.initialize(repeating: "")
        defer { results.deallocate() }
        let failures = ManagedCounter()
        let flag = self.flag
        let chunk = 256
        DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { block in
            for index in block * chunk..<min(count, (block + 1) * chunk) {
                do {
                    var context = try JSONParser.context(lines[index])
                    context.now = clock
                    let outputs = EvaluationOutput.lines(loaded, context, flag: flag)
                    results[index] = flag == nil ? "{\"results\":[" + outputs.joined(separator: ",") + "]}" : outputs[0]
                } catch {
                    failures.increment()
                    results[index] =
                        JSONValue.object([
                            JSONMember("line", .number(Double(index + 1))),
                            JSONMember("errorCode", .string(EvaluationErrorCode.parseError.rawValue)),
                            JSONMember("message", .string(String(describing: error))),
                        ]).jsonText
                }
            }
        }
        var output = ""
        output.reserveCapacity(count * 64)
        for index in 0..<count {
            output += results[index]
            output += "\n"
            if output.utf8.count > 1 << 20 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if failures.value > 0 {
            Output.note("\(failures.value) of \(count) lines were not valid contexts")
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

extension UnsafeMutableBufferPointer: @retroactive @unchecked Sendable {}
