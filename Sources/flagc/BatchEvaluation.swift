import Dispatch
import FlagCompiler
import FlagRuntime
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

    /// What a run saw: lines read, and those that were not valid contexts.
    struct Outcome {
        var lines = 0
        var failures = 0
    }

    /// Reading the input or writing the results failed, for this reason.
    enum IOFailure: Error {
        case input(reason: String)
        case output(reason: String)
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
        defer {
            results.deinitialize()
            results.deallocate()
        }
        var outcome = Outcome()
        while true {
            batch.removeAll()
            let more = try reader.fill(&batch, lines: batchLines, bytes: Self.maximumBatchInputBytes)
            if batch.count > 0 {
                outcome.failures += evaluate(batch, firstLine: outcome.lines + 1, into: results, cores: cores)
                outcome.lines += batch.count
                for index in 0..<batch.count {
                    try writer.write(results[index])
                    results[index] = ""
                }
                try writer.flush()
            }
            if !more { return outcome }
        }
    }

    /// Evaluates every line of `batch` on all cores into `results`; returns how many lines were not
    /// valid contexts.
    private func evaluate(
        _ batch: LineBatch,
        firstLine: Int,
        into results: UnsafeMutableBufferPointer<String>,
        cores: Int
    ) -> Int {
        let count = batch.count
        let chunk = max(1, min(256, count / (cores * 4)))
        let failures = ManagedCounter()
        batch.bytes.withUnsafeBufferPointer { bytes in
            let shared = SharedBuffers(input: bytes, results: results)
            DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { block in
                let (bytes, results) = (shared.input, shared.results)
                for index in block * chunk..<min(count, (block + 1) * chunk) {
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
                        let outputs = EvaluationOutput.lines(bundle, context, flag: flag)
                        results[index] = Self.resultLine(number, id: context.attributes["id"], outputs)
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

/// The batch's input bytes and result slots, shared by its workers: each writes only the slots of
/// its own lines, and all are done before the batch's results are read.
private struct SharedBuffers: @unchecked Sendable {
    let input: UnsafeBufferPointer<UInt8>
    let results: UnsafeMutableBufferPointer<String>
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
