import CFlagc
import FlagRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Helpers shared by the exported functions: argument checks that turn every bad input into a
// status (never a trap), C strings, and error messages.

/// The header's FLAGC_MAX_TEXT_BYTES.
let maximumTextBytes = 1 << 30

/// FLAGC_NUL_TERMINATED as Swift sees a `size_t` argument.
let nulTerminated = -1

/// The bytes of a text argument: nil for a NULL pointer with a non-zero length, a length out of range,
/// or a NUL-terminated text longer than the limit. A NULL pointer with length 0 is the empty text.
func textBytes(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> UnsafeBufferPointer<UInt8>? {
    guard let pointer else { return length == 0 ? UnsafeBufferPointer(start: nil, count: 0) : nil }
    let count: Int
    if length == nulTerminated {
        count = strnlen(pointer, maximumTextBytes + 1)
        guard count <= maximumTextBytes else { return nil }
    } else {
        guard length >= 0, length <= maximumTextBytes else { return nil }
        count = length
    }
    return UnsafeRawPointer(pointer).withMemoryRebound(to: UInt8.self, capacity: count) {
        UnsafeBufferPointer(start: $0, count: count)
    }
}

/// A text argument as a `String`: nil when `textBytes` refuses it or it is not well-formed UTF-8.
func text(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> String? {
    guard let bytes = textBytes(pointer, length) else { return nil }
    return String(validating: bytes, as: UTF8.self)
}

/// A NUL-terminated copy of `bytes` on the C heap (free with `free`); it may hold NULs of its own.
func makeCString<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UnsafeMutablePointer<CChar> {
    let count = bytes.count
    let memory = malloc(count + 1)!.bindMemory(to: CChar.self, capacity: count + 1)
    var position = 0
    for byte in bytes {
        memory[position] = CChar(bitPattern: byte)
        position += 1
    }
    memory[count] = 0
    return memory
}

func makeCString(_ string: String) -> UnsafeMutablePointer<CChar> { makeCString(string.utf8) }

/// Stores `message` in `error` when the caller asked for it; returns `status`.
func fail(
    _ status: Int32,
    _ message: String,
    _ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    error?.pointee = makeCString(message)
    return status
}

/// Clears `error` (success); returns FLAGC_OK.
func succeed(_ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    error?.pointee = nil
    return FLAGC_OK
}

/// Static C strings, made once for the life of the process.
struct StaticTexts: @unchecked Sendable {
    let reasons: [UnsafeMutablePointer<CChar>]
    let errorCodes: [UnsafeMutablePointer<CChar>]
    let types: [UnsafeMutablePointer<CChar>]
    let flagNotFound = makeCString("the flag is not in the bundle")
    let foreignHandle = makeCString("the flag handle belongs to another bundle")
    let invalidContext = makeCString("the context is invalid: its targetingKey is neither a string, a number nor null")
    let parseError = makeCString("the context is not a JSON object")

    init() {
        reasons = EvaluationReason.cOrder.map { makeCString($0.rawValue) }
        errorCodes = EvaluationErrorCode.cOrder.map { makeCString($0.rawValue) }
        types = FlagType.allCases.map { makeCString($0.description) }
    }
}

let staticTexts = StaticTexts()

extension EvaluationReason {
    /// In the order of the header's FLAGC_REASON_ codes.
    static let cOrder: [EvaluationReason] = [
        .static, .targetingMatch, .split, .default, .disabled, .prerequisiteFailed, .error, .circuitOpen,
    ]

    var cCode: Int32 {
        switch self {
        case .static: FLAGC_REASON_STATIC
        case .targetingMatch: FLAGC_REASON_TARGETING_MATCH
        case .split: FLAGC_REASON_SPLIT
        case .default: FLAGC_REASON_DEFAULT
        case .disabled: FLAGC_REASON_DISABLED
        case .prerequisiteFailed: FLAGC_REASON_PREREQUISITE_FAILED
        case .error: FLAGC_REASON_ERROR
        case .circuitOpen: FLAGC_REASON_CIRCUIT_OPEN
        }
    }
}

extension EvaluationErrorCode {
    /// In the order of the header's FLAGC_ERROR_ codes, from 1.
    static let cOrder: [EvaluationErrorCode] = [
        .flagNotFound, .typeMismatch, .parseError, .invalidContext, .general, .providerNotReady,
    ]
}

extension FlagType {
    var cCode: Int32 { Int32(rawValue) }
}
