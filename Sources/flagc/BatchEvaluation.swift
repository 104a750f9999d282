import Dispatch
import FlagCompiler
import FlagRuntime
import FlagTelemetry
import Foundation

/// `flagc eval --contexts`: evaluates a JSON Lines stream of contexts on all cores and writes one
/// line per input line, in input order, batch by batch. Memory stays bounded whatever the input's
/// size: a batch holds at most `maximumBatchInputBytes` of input and about `outputBudget` of
/// results, and a line longer than `maximumLineBytes` is skipped as it is read (it gets an error
/// object), never held.
struct BatchEvaluation {
    /// The longest line evaluated: the longest context ``JSONParser`` accepts (1 MiB).
    static let maximumLineBytes = JSONParser.maximumContextBytes
    /// Input bytes one batch holds at most (a single longest line always fits).
    static let maximumBatchInputBytes = 16 << 20
    /// Result bytes one batch aims at: the lines per batch follow from the output of one line.
    static let outputBudget = 32 << 20
    /// Lines one batch holds at most.
    static let maximumBatchLines = 4_096
    /// Bytes read from the input at a time.
    static let readSize = 1 << 16

    let bundle: FlagBundle
    let flag: String?
    let clock: Double?
    /// The circuit breakers' clock, which outcome lines with `at` move; nil when they cannot.
    var replayClock: ReplayClock? = nil
    /// `--events`: where the context lines' evaluation events go, sampled, in input order.
    var events: EventsOutput? = nil

    /// What a run saw: lines read, and those that were not valid contexts.
    struct Outcome {
        var lines = 0
        var failures = 0
    }

    /// Reading the input or writing the results failed, for this reason.
    enum IOFailure: Error {
        case input(reason: String)
        case output(reason: String)
        case events(reason: String)

        var reason: String {
            switch self {
            case .input(let reason), .output(let reason), .events(let reason): reason
            }
        }
    }

    /// OpenTelemetry-named evaluation events (`EvaluationEvents`) of a batch, written in input order
    /// (one per flag evaluated for each context line, sampled; outcome and error lines have none).
    final class EventsOutput {
        var sampler: EvaluationEvents
        var writer: OutputWriter
        let version: String
        /// The events' time in Unix nanoseconds when the evaluation time is fixed (`--at`); else
        /// the system clock when each is written.
        let fixedTimestamp: Int64?

        init(sampler: EvaluationEvents, descriptor: Int32, version: String, fixedTimestamp: Int64?) {
            self.sampler = sampler
            self.writer = OutputWriter(descriptor: descriptor)
            self.version = version
            self.fixedTimestamp = fixedTimestamp
        }

        /// Writes the events `sampler` keeps of one context line's evaluations.
        func write(_ line: LineDetails) throws(IOFailure) {
            for detail in line.details {
                let timestamp = fixedTimestamp ?? Self.now()
                guard
                    let event = sampler.line(
                        for: detail,
                        version: version,
                        targetingKey: line.targetingKey,
                        timestamp: timestamp
                    )
                else { continue }
                do { try writer.write(event) } catch { throw .events(reason: error.reason) }
            }
        }

        func flush() throws(IOFailure) {
            do { try writer.flush() } catch { throw .events(reason: error.reason) }
        }

        private static func now() -> Int64 {
            var time = timespec()
            clock_gettime(CLOCK_REALTIME, &time)
            return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
        }
    }

    /// What one context line's evaluations were, kept for its events.
    struct LineDetails {
        var targetingKey: String? = nil
        var details: [EvaluationDetail<FlagValue?>] = []
    }

    /// Lines per batch: enough for every core, few enough that their results fit `outputBudget`
    /// (a flag's result line is about 100 bytes).
    func linesPerBatch(cores: Int) -> Int {
        let perLine = max(1, (flag == nil ? bundle.flagKeys.count : 1) * 128)
        return min(Self.maximumBatchLines, max(cores, Self.outputBudget / perLine))
    }

    /// Reads `input` to its end and writes the results to `output`.
    func run(input: Int32, output: Int32) throws(IOFailure) -> Outcome {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let batchLines = linesPerBatch(cores: cores)
        var reader = LineReader(descriptor: input)
        var writer = OutputWriter(descriptor: output)
        var batch = LineBatch()
        batch.reserve(lines: batchLines)
        let results = UnsafeMutableBufferPointer<String>.allocate(capacity: batchLines)
        results.initialize(repeating: "")
        let details = UnsafeMutableBufferPointer<LineDetails>.allocate(capacity: events == nil ? 0 : batchLines)
        details.initialize(repeating: LineDetails())
        defer {
            results.deinitialize()
            results.deallocate()
            details.deinitialize()
            details.deallocate()
        }
        var outcome = Outcome()
        while true {
            batch.removeAll()
            let more = try reader.fill(&batch, lines: batchLines, bytes: Self.maximumBatchInputBytes)
            if batch.count > 0 {
                let slots = Slots(results: results, details: details)
                outcome.failures += evaluate(batch, firstLine: outcome.lines + 1, into: slots, cores: cores)
                outcome.lines += batch.count
                for index in 0..<batch.count {
                    try writer.write(results[index])
                    results[index] = ""
                    if let events {
                        try events.write(details[index])
                        details[index] = LineDetails()
                    }
                }
                try writer.flush()
                try events?.flush()
            }
            if !more { return outcome }
        }
    }

    /// Evaluates every line of `batch` into `results`; returns how many lines were not valid
    /// contexts or outcomes. Outcome lines are fed to the circuit breakers in input order: the
    /// context lines between two outcome lines are evaluated on all cores, then the outcome applied.
    private func evaluate(
        _ batch: LineBatch,
        firstLine: Int,
        into slots: Slots,
        cores: Int
    ) -> Int {
        let results = slots.results
        var failures = 0
        var start = 0
        batch.bytes.withUnsafeBufferPointer { bytes in
            for index in 0..<batch.count {
                guard let range = batch.lines[index].range,
                    let report = OutcomeReport.parse(UnsafeBufferPointer(rebasing: bytes[range]))
                else { continue }
                failures += evaluate(batch, start..<index, firstLine: firstLine, into: slots, cores: cores)
                start = index + 1
                switch report {
                case .success(let report):
                    if let line = apply(report, line: firstLine + index) {
                        results[index] = line
                    } else {
                        failures += 1
                        results[index] = Self.errorLine(
                            firstLine + index,
                            "flag '\(report.flag)' has no guard (no circuit breaker to report to)"
                        )
                    }
                case .failure(let problem):
                    failures += 1
                    results[index] = Self.errorLine(firstLine + index, problem.message)
                }
            }
        }
        return failures + evaluate(batch, start..<batch.count, firstLine: firstLine, into: slots, cores: cores)
    }

    /// Feeds one outcome to its flag's breaker; the answer line, or nil when the flag has none.
    private func apply(_ report: OutcomeReport, line number: Int) -> String? {
        if let at = report.at { replayClock?.set(at) }
        guard let handle = bundle.handle(for: report.flag) else { return nil }
        let variant = report.variant.flatMap { bundle.variantNames(of: report.flag)?.firstIndex(of: $0) }
        let state =
            variant.map { bundle.report(handle, variant: $0, success: report.success) }
            ?? bundle.report(handle, success: report.success)
        guard let state else { return nil }
        return JSONValue.object([
            JSONMember("line", .number(Double(number))),
            JSONMember(
                "outcome",
                .object([
                    JSONMember("flag", .string(report.flag)),
                    JSONMember("success", .bool(report.success)),
                    JSONMember("state", .string(state.rawValue)),
                ])
            ),
        ]).jsonText
    }

    /// Evaluates the context lines `lines` of `batch` on all cores into `results`; returns how many
    /// were not valid contexts.
    private func evaluate(
        _ batch: LineBatch,
        _ lines: Range<Int>,
        firstLine: Int,
        into slots: Slots,
        cores: Int
    ) -> Int {
        let count = lines.count
        guard count > 0 else { return 0 }
        let chunk = max(1, min(256, count / (cores * 4)))
        let failures = ManagedCounter()
        batch.bytes.withUnsafeBufferPointer { bytes in
            let shared = SharedBuffers(input: bytes, slots: slots)
            let keepDetails = events != nil
            let (bundle, flag, clock) = (self.bundle, self.flag, self.clock)
            DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { block in
                let (bytes, results, details) = (shared.input, shared.slots.results, shared.slots.details)
                for index in lines.lowerBound + block * chunk..<lines.lowerBound + min(count, (block + 1) * chunk) {
                    let line = batch.lines[index]
                    let number = firstLine + index
                    guard let range = line.range else {
                        failures.increment()
                        results[index] = Self.errorLine(
                            number,
                            "line \(number) is longer than \(Self.maximumLineBytes) bytes"
                        )
                        continue
                    }
                    do throws(JSONParser.Failure) {
                        var context = try JSONParser.context(utf8: UnsafeBufferPointer(rebasing: bytes[range]))
                        context.now = clock
                        if keepDetails {
                            let evaluations = EvaluationOutput.evaluations(bundle, context, flag: flag)
                            let outputs = evaluations.map(\.line)
                            results[index] = Self.resultLine(number, id: context.attributes["id"], outputs)
                            details[index] = LineDetails(
                                targetingKey: context.targetingKey,
                                details: evaluations.map(\.detail)
                            )
                        } else {
                            let outputs = EvaluationOutput.lines(bundle, context, flag: flag)
                            results[index] = Self.resultLine(number, id: context.attributes["id"], outputs)
                        }
                    } catch {
                        failures.increment()
                        results[index] = Self.errorLine(number, error.description)
                    }
                }
            }
        }
        return failures.value
    }

    /// One shape for every context line, with or without `--flag`: its line number, the input's `id` when it
    /// has a scalar one (to join results back to their input), and one result per flag.
    private static func resultLine(_ number: Int, id: AttributeValue?, _ outputs: [String]) -> String {
        var line = "{\"line\":\(number)"
        switch id {
        case .string(let text)?: line += ",\"id\":" + JSONValue.string(text).jsonText
        case .number(let value)?: line += ",\"id\":" + JSONValue.number(value).jsonText
        case .bool(let value)?: line += ",\"id\":\(value)"
        default: break
        }
        return line + ",\"results\":[" + outputs.joined(separator: ",") + "]}"
    }

    private static func errorLine(_ number: Int, _ message: String) -> String {
        JSONValue.object([
            JSONMember("line", .number(Double(number))),
            JSONMember("errorCode", .string(EvaluationErrorCode.parseError.rawValue)),
            JSONMember("message", .string(message)),
        ]).jsonText
    }

    /// `errno` as a short lower-case reason.
    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES: "permission denied"
        case EISDIR: "is a directory"
        default: SystemError.text(code).lowercased()
        }
    }
}

/// A batch's result slots and, with `--events`, its detail slots (else empty), one per line.
struct Slots: @unchecked Sendable {
    let results: UnsafeMutableBufferPointer<String>
    let details: UnsafeMutableBufferPointer<BatchEvaluation.LineDetails>
}

/// The batch's input bytes and slots, shared by its workers: each writes only the slots of its own
/// lines, and all are done before the batch's results are read.
private struct SharedBuffers: @unchecked Sendable {
    let input: UnsafeBufferPointer<UInt8>
    let slots: Slots
}

/// The lines of one batch: their bytes end to end (line ends removed), and each line's range, or
/// nil for a line too long to evaluate.
struct LineBatch {
    struct Line {
        var range: Range<Int>?
    }

    var bytes: [UInt8] = []
    var lines: [Line] = []
    var count: Int { lines.count }

    mutating func reserve(lines count: Int) { lines.reserveCapacity(count) }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: bytes.capacity <= BatchEvaluation.maximumBatchInputBytes * 2)
        lines.removeAll(keepingCapacity: true)
    }
}

/// Splits a file descriptor's bytes into lines at LF (a CR before it is dropped too), reading
/// `BatchEvaluation.readSize` bytes at a time. A final line without LF counts; no line follows the
/// last LF.
struct LineReader {
    let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: BatchEvaluation.readSize)
    private var bufferStart = 0
    private var bufferEnd = 0
    private var atEnd = false
    /// Where the line being read starts in the batch's bytes, and whether it has outgrown the limit
    /// (its bytes are then dropped as they come).
    private var lineStart: Int?
    private var lineTooLong = false

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// Adds lines to `batch` until it has `lines` lines or `bytes` bytes, or the input ends; returns
    /// whether more input may follow.
    mutating func fill(_ batch: inout LineBatch, lines: Int, bytes: Int) throws(BatchEvaluation.IOFailure) -> Bool {
        while batch.count < lines, batch.bytes.count < bytes || lineStart != nil {
            if bufferStart == bufferEnd {
                if atEnd { break }
                try read()
                if bufferStart == bufferEnd {
                    atEnd = true
                    if lineStart != nil { finishLine(&batch) }
                    break
                }
            }
            if lineStart == nil {
                lineStart = batch.bytes.count
                lineTooLong = false
            }
            let newline = buffer.withUnsafeBufferPointer { buffer in
                buffer[bufferStart..<bufferEnd].firstIndex(of: 0x0A)
            }
            let end = newline ?? bufferEnd
            if !lineTooLong {
                batch.bytes.append(contentsOf: buffer[bufferStart..<end])
                // One byte more than the limit may be the CR of a CRLF.
                if batch.bytes.count - lineStart! > BatchEvaluation.maximumLineBytes + 1 {
                    lineTooLong = true
                    batch.bytes.removeSubrange(lineStart!...)
                }
            }
            bufferStart = newline.map { $0 + 1 } ?? bufferEnd
            if newline != nil { finishLine(&batch) }
        }
        return !(atEnd && bufferStart == bufferEnd && lineStart == nil)
    }

    private mutating func finishLine(_ batch: inout LineBatch) {
        guard let start = lineStart else { return }
        lineStart = nil
        if lineTooLong {
            batch.lines.append(LineBatch.Line(range: nil))
            return
        }
        if batch.bytes.count > start, batch.bytes.last == 0x0D { batch.bytes.removeLast() }
        if batch.bytes.count - start > BatchEvaluation.maximumLineBytes {
            batch.bytes.removeSubrange(start...)
            batch.lines.append(LineBatch.Line(range: nil))
        } else {
            batch.lines.append(LineBatch.Line(range: start..<batch.bytes.count))
        }
    }

    private mutating func read() throws(BatchEvaluation.IOFailure) {
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count >= 0 {
                bufferStart = 0
                bufferEnd = count
                return
            }
            if errno == EINTR { continue }
            throw .input(reason: BatchEvaluation.reason(errno))
        }
    }
}

/// Buffers output lines and writes them to a file descriptor about 1 MiB at a time.
struct OutputWriter {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 20)
    }

    mutating func write(_ line: String) throws(BatchEvaluation.IOFailure) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws(BatchEvaluation.IOFailure) {
        var written = 0
        while written < buffer.count {
            let count = buffer.withUnsafeBytes { bytes in
                Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .output(reason: BatchEvaluation.reason(errno))
            }
            written += count
        }
        buffer.removeAll(keepingCapacity: buffer.capacity <= 4 << 20)
    }
}

/// An outcome line, `{"outcome":{"flag":K,"success":B}}` with optional `"variant":NAME` (the variant
/// that was served) and `"at":TIME` (Unix seconds or RFC 3339: moves the breakers' clock).
struct OutcomeReport {
    var flag: String
    var success: Bool
    var variant: String?
    var at: Double?

    struct Problem: Error {
        let message: String
    }

    /// The line's outcome, a problem when it is a malformed outcome line, or nil when it is not one
    /// (it does not open with `{"outcome"`).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<OutcomeReport, Problem>? {
        var position = 0
        func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[position]) { position += 1 }
        }
        skipSpace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { return nil }
        position += 1
        skipSpace()
        let key = Array("\"outcome\"".utf8)
        guard bytes.count - position >= key.count, bytes[position..<position + key.count].elementsEqual(key) else {
            return nil
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(utf8: bytes)
        } catch {
            return .failure(Problem(message: error.description))
        }
        let shape =
            "an outcome line is {\"outcome\":{\"flag\":KEY,\"success\":true|false}}, with optional \"variant\" and \"at\""
        guard case .object(let members) = value, members.count == 1, case .object(let fields) = members[0].value else {
            return .failure(Problem(message: shape))
        }
        var report = OutcomeReport(flag: "", success: false)
        var seen: Set<String> = []
        for field in fields {
            guard seen.insert(field.key).inserted else {
                return .failure(Problem(message: "'\(field.key)' given twice"))
            }
            switch (field.key, field.value) {
            case ("flag", .string(let key)): report.flag = key
            case ("success", .bool(let success)): report.success = success
            case ("variant", .string(let variant)): report.variant = variant
            case ("at", .number(let seconds)) where seconds.isFinite: report.at = seconds
            case ("at", .integer(let seconds)): report.at = Double(seconds)
            case ("at", .string(let text)):
                guard let time = Timestamp.parseRFC3339(text) else {
                    return .failure(Problem(message: "'at' must be Unix seconds or an RFC 3339 time"))
                }
                report.at = time
            default: return .failure(Problem(message: shape))
            }
        }
        guard seen.contains("flag"), seen.contains("success") else { return .failure(Problem(message: shape)) }
        return .success(report)
    }
}

/// The clock the circuit breakers read in a batch: the system clock (or `--at`) until an outcome
/// line gives a time, then that time, so a recorded incident replays with its own timing.
final class ReplayClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time: Double?

    init(start: Double?) { time = start }

    func set(_ value: Double) { lock.withLock { time = value } }

    func now() -> Double { lock.withLock { time } ?? Date().timeIntervalSince1970 }
}
