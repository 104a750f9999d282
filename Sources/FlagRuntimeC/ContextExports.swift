import CFlagc
import FlagRuntime

// flagc.h's contexts: built attribute by attribute, or parsed from JSON.

@_cdecl("flagc_context_new")
public func cContextNew() -> OpaquePointer? { Unmanaged.retained(CContext()) }

@_cdecl("flagc_context_free")
public func cContextFree(_ context: OpaquePointer?) { Unmanaged<CContext>.release(context) }

@_cdecl("flagc_context_parse_json")
public func cContextParseJSON(
    _ json: UnsafePointer<CChar>?,
    _ length: Int,
    _ context: UnsafeMutablePointer<OpaquePointer?>?,
    _ message: ErrorOut
) -> Int32 {
    context?.pointee = nil
    guard let context else { return fail(FLAGC_INVALID_ARGUMENT, "context is NULL", message) }
    guard let bytes = textBytes(json, length) else {
        return fail(FLAGC_INVALID_ARGUMENT, "json is NULL or its length is out of range", message)
    }
    do {
        context.pointee = Unmanaged.retained(CContext(try JSONParser.context(utf8: bytes)))
        return succeed(message)
    } catch {
        return fail(FLAGC_PARSE_ERROR, "\(error)", message)
    }
}

/// Runs `change` on the context behind `pointer`, then marks its preparation stale.
private func change(_ pointer: OpaquePointer?, _ change: (inout EvaluationContext) -> Bool) -> Int32 {
    guard let context = Unmanaged<CContext>.object(pointer) else { return FLAGC_INVALID_ARGUMENT }
    return context.change(change) ? FLAGC_OK : FLAGC_INVALID_ARGUMENT
}

/// Sets attribute `name` (or the targeting key, for its name) to `value`.
private func set(
    _ pointer: OpaquePointer?,
    _ name: UnsafePointer<CChar>?,
    _ length: Int,
    _ value: AttributeValue
)
    -> Int32
{
    guard let nameText = text(name, length) else { return FLAGC_INVALID_ARGUMENT }
    return change(pointer) { context in
        if nameText == "targetingKey" {
            guard case .string(let key) = value else { return false }
            context.targetingKey = key
        } else {
            context.attributes[nameText] = value
        }
        return true
    }
}

@_cdecl("flagc_context_clear")
public func cContextClear(_ context: OpaquePointer?) -> Int32 {
    change(context) {
        $0 = EvaluationContext()
        return true
    }
}

@_cdecl("flagc_context_set_targeting_key")
public func cContextSetTargetingKey(_ context: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
    guard key != nil else {
        return change(context) {
            $0.targetingKey = nil
            return true
        }
    }
    guard let keyText = text(key, length) else { return FLAGC_INVALID_ARGUMENT }
    return change(context) {
        $0.targetingKey = keyText
        return true
    }
}

@_cdecl("flagc_context_set_string")
public func cContextSetString(
    _ context: OpaquePointer?,
    _ name: UnsafePointer<CChar>?,
    _ nameLength: Int,
    _ value: UnsafePointer<CChar>?,
    _ valueLength: Int
) -> Int32 {
    guard let valueText = text(value, valueLength) else { return FLAGC_INVALID_ARGUMENT }
    return set(context, name, nameLength, .string(valueText))
}

@_cdecl("flagc_context_set_number")
public func cContextSetNumber(
    _ context: OpaquePointer?,
    _ name: UnsafePointer<CChar>?,
    _ nameLength: Int,
    _ value: Double
) -> Int32 {
    guard value.isFinite else { return FLAGC_INVALID_ARGUMENT }
    return set(context, name, nameLength, .number(value))
}

@_cdecl("flagc_context_set_bool")
public func cContextSetBool(
    _ context: OpaquePointer?,
    _ name: UnsafePointer<CChar>?,
    _ nameLength: Int,
    _ value: Bool
) -> Int32 {
    set(context, name, nameLength, .bool(value))
}

@_cdecl("flagc_context_set_string_list")
public func cContextSetStringList(
    _ context: OpaquePointer?,
    _ name: UnsafePointer<CChar>?,
    _ nameLength: Int,
    _ values: UnsafePointer<UnsafePointer<CChar>?>?,
    _ lengths: UnsafePointer<Int>?,
    _ count: Int
) -> Int32 {
    guard count >= 0, count <= JSONParser.maximumMembers, values != nil || count == 0 else {
        return FLAGC_INVALID_ARGUMENT
    }
    var items: [AttributeValue] = []
    items.reserveCapacity(count)
    for index in 0..<count {
        guard let value = values?[index], let item = text(value, lengths?[index] ?? nulTerminated) else {
            return FLAGC_INVALID_ARGUMENT
        }
        items.append(.string(item))
    }
    return set(context, name, nameLength, .list(items))
}

@_cdecl("flagc_context_remove")
public func cContextRemove(_ context: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ nameLength: Int) -> Int32 {
    guard let nameText = text(name, nameLength) else { return FLAGC_INVALID_ARGUMENT }
    return change(context) {
        if nameText == "targetingKey" { $0.targetingKey = nil } else { $0.attributes[nameText] = nil }
        return true
    }
}

@_cdecl("flagc_context_set_now")
public func cContextSetNow(_ context: OpaquePointer?, _ seconds: Double) -> Int32 {
    guard !seconds.isInfinite else { return FLAGC_INVALID_ARGUMENT }
    return change(context) {
        $0.now = seconds.isNaN ? nil : seconds
        return true
    }
}
