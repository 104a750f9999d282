import CFlagc
import FlagRuntime

// flagc.h's evaluation: results as indices and pointers into the bundle, no JSON and no allocation
// on the path from a prepared context.

/// Fills `result` with an error: no value, the caller's default applies.
@inline(__always)
private func fillError(
    _ result: UnsafeMutablePointer<flagc_result>,
    _ code: Int32,
    _ message: UnsafeMutablePointer<CChar>
) {
    var value = flagc_value()
    value.type = FLAGC_TYPE_NONE
    result.pointee = flagc_result(
        value: value,
        reason: FLAGC_REASON_ERROR,
        error_code: code,
        variant: -1,
        rule: -1,
        variant_name: nil,
        rule_name: nil,
        error_message: UnsafePointer(message)
    )
}

/// Fills `result` with the outcome of `flag`.
@inline(__always)
private func fill(_ result: UnsafeMutablePointer<flagc_result>, _ flag: CFlag, _ outcome: OutcomeIndices) {
    result.pointee = flagc_result(
        value: flag.variantValues[outcome.variant],
        reason: outcome.reason.cCode,
        error_code: FLAGC_ERROR_NONE,
        variant: Int32(outcome.variant),
        rule: Int32(outcome.rule),
        variant_name: UnsafePointer(flag.variantNames[outcome.variant]),
        rule_name: outcome.rule >= 0 ? flag.ruleNames[outcome.rule].map { UnsafePointer($0) } : nil,
        error_message: nil
    )
}

/// Evaluates flag `index` of `bundle` for a context object.
@inline(__always)
private func evaluate(
    _ bundle: CBundle,
    _ index: Int?,
    foreign: Bool,
    _ context: CContext,
    _ result: UnsafeMutablePointer<flagc_result>
) {
    guard let index else {
        return fillError(
            result,
            FLAGC_ERROR_FLAG_NOT_FOUND,
            foreign ? staticTexts.foreignHandle : staticTexts.flagNotFound
        )
    }
    // A specialized bundle also refuses a context that contradicts one of its `assume:` values.
    guard !context.isInvalid, !bundle.bundle.isSpecialized || bundle.bundle.contradiction(context.context) == nil
    else {
        return fillError(result, FLAGC_ERROR_INVALID_CONTEXT, staticTexts.invalidContext)
    }
    guard let outcome = context.outcome(bundle, index) else {
        return fillError(result, FLAGC_ERROR_GENERAL, staticTexts.foreignHandle)
    }
    fill(result, bundle.flags[index], outcome)
}

@_cdecl("flagc_evaluate")
public func cEvaluate(
    _ bundle: OpaquePointer?,
    _ flag: UInt64,
    _ context: OpaquePointer?,
    _ result: UnsafeMutablePointer<flagc_result>?
) -> Int32 {
    guard let bundle, let context, let result else { return FLAGC_INVALID_ARGUMENT }
    Unmanaged<CBundle>.borrow(bundle) { bundle in
        Unmanaged<CContext>.borrow(context) { context in
            evaluate(bundle, bundle.index(flag), foreign: true, context, result)
        }
    }
    return FLAGC_OK
}

@_cdecl("flagc_evaluate_key")
public func cEvaluateKey(
    _ bundle: OpaquePointer?,
    _ key: UnsafePointer<CChar>?,
    _ keyLength: Int,
    _ context: OpaquePointer?,
    _ result: UnsafeMutablePointer<flagc_result>?
) -> Int32 {
    guard let bundle = Unmanaged<CBundle>.object(bundle), let context = Unmanaged<CContext>.object(context),
        let result, let keyText = text(key, keyLength)
    else { return FLAGC_INVALID_ARGUMENT }
    evaluate(bundle, bundle.indexByKey[keyText], foreign: false, context, result)
    return FLAGC_OK
}

/// Evaluates flag `index` for a context parsed from `bytes`.
@inline(__always)
private func evaluate(
    _ bundle: CBundle,
    _ index: Int,
    json bytes: UnsafeBufferPointer<UInt8>,
    _ result: UnsafeMutablePointer<flagc_result>
) {
    let context: EvaluationContext
    do {
        context = try JSONParser.context(utf8: bytes)
    } catch {
        return fillError(result, FLAGC_ERROR_PARSE_ERROR, staticTexts.parseError)
    }
    guard bundle.bundle.invalidReason(context) == nil else {
        return fillError(result, FLAGC_ERROR_INVALID_CONTEXT, staticTexts.invalidContext)
    }
    fill(result, bundle.flags[index], bundle.bundle.outcomeIndices(index, context))
}

@_cdecl("flagc_evaluate_json")
public func cEvaluateJSON(
    _ bundle: OpaquePointer?,
    _ flag: UInt64,
    _ json: UnsafePointer<CChar>?,
    _ length: Int,
    _ result: UnsafeMutablePointer<flagc_result>?
) -> Int32 {
    guard let bundle = Unmanaged<CBundle>.object(bundle), let result, let bytes = textBytes(json, length) else {
        return FLAGC_INVALID_ARGUMENT
    }
    guard let index = bundle.index(flag) else {
        fillError(result, FLAGC_ERROR_FLAG_NOT_FOUND, staticTexts.foreignHandle)
        return FLAGC_OK
    }
    evaluate(bundle, index, json: bytes, result)
    return FLAGC_OK
}

@_cdecl("flagc_evaluate_many")
public func cEvaluateMany(
    _ bundle: OpaquePointer?,
    _ flag: UInt64,
    _ contexts: UnsafePointer<OpaquePointer?>?,
    _ count: Int,
    _ results: UnsafeMutablePointer<flagc_result>?
) -> Int32 {
    guard let bundle = Unmanaged<CBundle>.object(bundle), count >= 0,
        count == 0 || (contexts != nil && results != nil)
    else { return FLAGC_INVALID_ARGUMENT }
    guard let contexts, let results else { return FLAGC_OK }
    var objects: [CContext] = []
    objects.reserveCapacity(count)
    for position in 0..<count {
        guard let context = Unmanaged<CContext>.object(contexts[position]) else { return FLAGC_INVALID_ARGUMENT }
        objects.append(context)
    }
    let index = bundle.index(flag)
    for (position, context) in objects.enumerated() {
        evaluate(bundle, index, foreign: true, context, results + position)
    }
    return FLAGC_OK
}

@_cdecl("flagc_evaluate_many_json")
public func cEvaluateManyJSON(
    _ bundle: OpaquePointer?,
    _ flag: UInt64,
    _ lines: UnsafePointer<CChar>?,
    _ length: Int,
    _ count: Int,
    _ variants: UnsafeMutablePointer<Int32>?,
    _ reasons: UnsafeMutablePointer<Int32>?,
    _ errorCodes: UnsafeMutablePointer<Int32>?,
    _ rules: UnsafeMutablePointer<Int32>?
) -> Int32 {
    var flag = flag
    return cEvaluateFlagsManyJSON(bundle, &flag, 1, lines, length, count, variants, reasons, errorCodes, rules)
}

@_cdecl("flagc_evaluate_flags_many_json")
public func cEvaluateFlagsManyJSON(
    _ bundle: OpaquePointer?,
    _ flags: UnsafePointer<UInt64>?,
    _ flagCount: Int,
    _ lines: UnsafePointer<CChar>?,
    _ length: Int,
    _ count: Int,
    _ variants: UnsafeMutablePointer<Int32>?,
    _ reasons: UnsafeMutablePointer<Int32>?,
    _ errorCodes: UnsafeMutablePointer<Int32>?,
    _ rules: UnsafeMutablePointer<Int32>?
) -> Int32 {
    guard let bundle = Unmanaged<CBundle>.object(bundle), count >= 0, flagCount >= 0,
        flagCount <= maximumTextBytes, flags != nil || flagCount == 0,
        count == 0 || flagCount == 0 || variants != nil,
        count == 0 || flagCount <= Int.max / count,
        let bytes = textBytes(lines, length)
    else { return FLAGC_INVALID_ARGUMENT }
    // The line ranges first, so that a count that does not match writes nothing.
    var ranges: [Range<Int>] = []
    ranges.reserveCapacity(count)
    var start = 0
    var position = 0
    while position < bytes.count {
        if bytes[position] == 0x0A {
            guard ranges.count < count else { return FLAGC_INVALID_ARGUMENT }
            let end = position > start && bytes[position - 1] == 0x0D ? position - 1 : position
            ranges.append(start..<end)
            start = position + 1
        }
        position += 1
    }
    if start < bytes.count {
        guard ranges.count < count else { return FLAGC_INVALID_ARGUMENT }
        let end = bytes[bytes.count - 1] == 0x0D ? bytes.count - 1 : bytes.count
        ranges.append(start..<end)
    }
    guard ranges.count == count else { return FLAGC_INVALID_ARGUMENT }
    guard let flags, let variants, flagCount > 0 else { return FLAGC_OK }
    let indices = (0..<flagCount).map { bundle.index(flags[$0]) }
    var result = flagc_result()
    func store(_ column: Int, _ row: Int) {
        let slot = column * count + row
        variants[slot] = result.variant
        reasons?[slot] = result.reason
        errorCodes?[slot] = result.error_code
        rules?[slot] = result.rule
    }
    for (row, range) in ranges.enumerated() {
        let context: EvaluationContext?
        do {
            context = try JSONParser.context(utf8: UnsafeBufferPointer(rebasing: bytes[range]))
        } catch {
            context = nil
        }
        for (column, index) in indices.enumerated() {
            if let index, let context, bundle.bundle.invalidReason(context) == nil {
                fill(&result, bundle.flags[index], bundle.bundle.outcomeIndices(index, context))
            } else if index == nil {
                fillError(&result, FLAGC_ERROR_FLAG_NOT_FOUND, staticTexts.foreignHandle)
            } else if context == nil {
                fillError(&result, FLAGC_ERROR_PARSE_ERROR, staticTexts.parseError)
            } else {
                fillError(&result, FLAGC_ERROR_INVALID_CONTEXT, staticTexts.invalidContext)
            }
            store(column, row)
        }
    }
    return FLAGC_OK
}
