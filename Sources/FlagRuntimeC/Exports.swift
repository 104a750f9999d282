import CFlagc
import FlagRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The functions of flagc.h, in its order. Each checks its arguments and answers with a status:
// nothing here traps on input from C (NULL pointers, lengths, ill-formed UTF-8, foreign handles).

/// A `char **error` argument.
public typealias ErrorOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

// MARK: Codes

@_cdecl("flagc_abi_version")
public func cABIVersion() -> Int32 { FLAGC_ABI_VERSION }

@_cdecl("flagc_reason_name")
public func cReasonName(_ reason: Int32) -> UnsafePointer<CChar>? {
    let index = Int(reason)
    return staticTexts.reasons.indices.contains(index) ? UnsafePointer(staticTexts.reasons[index]) : nil
}

@_cdecl("flagc_error_code_name")
public func cErrorCodeName(_ code: Int32) -> UnsafePointer<CChar>? {
    let index = Int(code) - 1
    return staticTexts.errorCodes.indices.contains(index) ? UnsafePointer(staticTexts.errorCodes[index]) : nil
}

@_cdecl("flagc_type_name")
public func cTypeName(_ type: Int32) -> UnsafePointer<CChar>? {
    let index = Int(type)
    return staticTexts.types.indices.contains(index) ? UnsafePointer(staticTexts.types[index]) : nil
}

@_cdecl("flagc_string_free")
public func cStringFree(_ string: UnsafeMutablePointer<CChar>?) { free(string) }

// MARK: Options

@_cdecl("flagc_options_new")
public func cOptionsNew() -> OpaquePointer? { Unmanaged.retained(COptions()) }

@_cdecl("flagc_options_free")
public func cOptionsFree(_ options: OpaquePointer?) { Unmanaged<COptions>.release(options) }

@_cdecl("flagc_options_add_root_key")
public func cOptionsAddRootKey(
    _ options: OpaquePointer?,
    _ pointer: UnsafePointer<CChar>?,
    _ length: Int,
    _ message: ErrorOut
) -> Int32 {
    guard let options = Unmanaged<COptions>.object(options) else {
        return fail(FLAGC_INVALID_ARGUMENT, "options is NULL", message)
    }
    guard let keyText = text(pointer, length) else {
        return fail(FLAGC_INVALID_ARGUMENT, "the root key is not UTF-8 text", message)
    }
    do {
        options.roots.append(try RootPublicKey(text: keyText))
        return succeed(message)
    } catch {
        return fail(FLAGC_INVALID_KEY, "root key: \(error)", message)
    }
}

@_cdecl("flagc_options_set_recipient_key")
public func cOptionsSetRecipientKey(
    _ options: OpaquePointer?,
    _ pointer: UnsafePointer<CChar>?,
    _ length: Int,
    _ message: ErrorOut
) -> Int32 {
    guard let options = Unmanaged<COptions>.object(options) else {
        return fail(FLAGC_INVALID_ARGUMENT, "options is NULL", message)
    }
    guard let keyText = text(pointer, length) else {
        return fail(FLAGC_INVALID_ARGUMENT, "the recipient key is not UTF-8 text", message)
    }
    do {
        options.recipient = try RecipientKey(text: keyText)
        return succeed(message)
    } catch {
        return fail(FLAGC_INVALID_KEY, "recipient key: \(error)", message)
    }
}

/// Sets an optional text field: NULL clears it.
private func setOptionalText(
    _ options: OpaquePointer?,
    _ pointer: UnsafePointer<CChar>?,
    _ length: Int,
    _ field: ReferenceWritableKeyPath<COptions, String?>
) -> Int32 {
    guard let options = Unmanaged<COptions>.object(options) else { return FLAGC_INVALID_ARGUMENT }
    guard pointer != nil else {
        options[keyPath: field] = nil
        return FLAGC_OK
    }
    guard let value = text(pointer, length) else { return FLAGC_INVALID_ARGUMENT }
    options[keyPath: field] = value
    return FLAGC_OK
}

@_cdecl("flagc_options_set_target")
public func cOptionsSetTarget(_ options: OpaquePointer?, _ pointer: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
    setOptionalText(options, pointer, length, \.target)
}

@_cdecl("flagc_options_set_environment")
public func cOptionsSetEnvironment(
    _ options: OpaquePointer?,
    _ pointer: UnsafePointer<CChar>?,
    _ length: Int
) -> Int32 {
    setOptionalText(options, pointer, length, \.environment)
}

/// Runs `change` on the options behind `pointer`.
private func withOptions(_ pointer: OpaquePointer?, _ change: (COptions) -> Bool) -> Int32 {
    guard let options = Unmanaged<COptions>.object(pointer) else { return FLAGC_INVALID_ARGUMENT }
    return change(options) ? FLAGC_OK : FLAGC_INVALID_ARGUMENT
}

@_cdecl("flagc_options_set_min_bundle_version")
public func cOptionsSetMinimumBundleVersion(_ options: OpaquePointer?, _ version: UInt64) -> Int32 {
    withOptions(options) {
        $0.minimumBundleVersion = version
        return true
    }
}

@_cdecl("flagc_options_set_min_keyring_version")
public func cOptionsSetMinimumKeyringVersion(_ options: OpaquePointer?, _ version: UInt32) -> Int32 {
    withOptions(options) {
        $0.minimumKeyringVersion = version
        return true
    }
}

@_cdecl("flagc_options_set_verification_time")
public func cOptionsSetVerificationTime(_ options: OpaquePointer?, _ seconds: Int64) -> Int32 {
    withOptions(options) {
        $0.verificationTime = seconds
        return true
    }
}

@_cdecl("flagc_options_set_leeway")
public func cOptionsSetLeeway(_ options: OpaquePointer?, _ seconds: Int64) -> Int32 {
    withOptions(options) {
        guard seconds >= 0, seconds <= 366 * 86_400 else { return false }
        $0.leeway = seconds
        return true
    }
}

@_cdecl("flagc_options_set_max_bundle_bytes")
public func cOptionsSetMaximumBundleBytes(_ options: OpaquePointer?, _ bytes: Int) -> Int32 {
    withOptions(options) {
        guard bytes > 0 else { return false }
        $0.maximumBundleBytes = bytes
        return true
    }
}

@_cdecl("flagc_options_set_evaluation_time")
public func cOptionsSetEvaluationTime(_ options: OpaquePointer?, _ seconds: Double) -> Int32 {
    withOptions(options) {
        guard !seconds.isInfinite else { return false }
        $0.evaluationTime = seconds.isNaN ? nil : seconds
        return true
    }
}

// MARK: Bundles

private func open(
    _ options: OpaquePointer?,
    _ bundle: UnsafeMutablePointer<OpaquePointer?>?,
    _ message: ErrorOut,
    _ load: (LoadOptions) throws(BundleLoadError) -> FlagBundle
) -> Int32 {
    bundle?.pointee = nil
    guard let bundle else { return fail(FLAGC_INVALID_ARGUMENT, "bundle is NULL", message) }
    guard let options = Unmanaged<COptions>.object(options) else {
        return fail(FLAGC_INVALID_ARGUMENT, "options is NULL", message)
    }
    guard !options.roots.isEmpty else {
        return fail(FLAGC_INVALID_ARGUMENT, "no root key: pin one with flagc_options_add_root_key", message)
    }
    guard options.recipient != nil else {
        return fail(
            FLAGC_INVALID_ARGUMENT,
            "no recipient key: set one with flagc_options_set_recipient_key",
            message
        )
    }
    do {
        let loaded = try load(options.loadOptions)
        bundle.pointee = Unmanaged.retained(CBundle(loaded))
        return succeed(message)
    } catch {
        switch error {
        case .unreadable, .tooLarge: return fail(FLAGC_UNREADABLE, "\(error)", message)
        default: return fail(FLAGC_VERIFICATION_FAILED, "verification failed (\(error.check)): \(error)", message)
        }
    }
}

@_cdecl("flagc_bundle_open_path")
public func cBundleOpenPath(
    _ path: UnsafePointer<CChar>?,
    _ options: OpaquePointer?,
    _ bundle: UnsafeMutablePointer<OpaquePointer?>?,
    _ message: ErrorOut
) -> Int32 {
    guard let path, let pathText = text(path, nulTerminated) else {
        bundle?.pointee = nil
        return fail(FLAGC_INVALID_ARGUMENT, "the path is NULL or not UTF-8", message)
    }
    return open(options, bundle, message) { options throws(BundleLoadError) in
        try FlagBundle.load(path: pathText, options: options)
    }
}

@_cdecl("flagc_bundle_open_bytes")
public func cBundleOpenBytes(
    _ bytes: UnsafePointer<UInt8>?,
    _ length: Int,
    _ options: OpaquePointer?,
    _ bundle: UnsafeMutablePointer<OpaquePointer?>?,
    _ message: ErrorOut
) -> Int32 {
    guard length >= 0, bytes != nil || length == 0 else {
        bundle?.pointee = nil
        return fail(FLAGC_INVALID_ARGUMENT, "bytes is NULL or the length is out of range", message)
    }
    return open(options, bundle, message) { options throws(BundleLoadError) in
        guard length <= options.maximumBundleBytes else {
            throw .tooLarge(byteCount: length, limit: options.maximumBundleBytes)
        }
        return try FlagBundle.load(bytes: Array(UnsafeBufferPointer(start: bytes, count: length)), options: options)
    }
}

@_cdecl("flagc_bundle_free")
public func cBundleFree(_ bundle: OpaquePointer?) { Unmanaged<CBundle>.release(bundle) }

@_cdecl("flagc_bundle_header")
public func cBundleHeader(_ bundle: OpaquePointer?, _ header: UnsafeMutablePointer<flagc_header>?) -> Int32 {
    guard let bundle = Unmanaged<CBundle>.object(bundle), let header else { return FLAGC_INVALID_ARGUMENT }
    header.pointee = bundle.header
    return FLAGC_OK
}

@_cdecl("flagc_bundle_flag_count")
public func cBundleFlagCount(_ bundle: OpaquePointer?) -> Int {
    Unmanaged<CBundle>.object(bundle)?.flags.count ?? 0
}

@_cdecl("flagc_bundle_flag_key")
public func cBundleFlagKey(_ bundle: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let bundle = Unmanaged<CBundle>.object(bundle), bundle.flags.indices.contains(index) else { return nil }
    return UnsafePointer(bundle.flags[index].key)
}

// MARK: Flags

@_cdecl("flagc_bundle_flag")
public func cBundleFlag(
    _ bundle: OpaquePointer?,
    _ key: UnsafePointer<CChar>?,
    _ length: Int,
    _ flag: UnsafeMutablePointer<UInt64>?
) -> Int32 {
    flag?.pointee = 0
    guard let bundle = Unmanaged<CBundle>.object(bundle), let flag, let keyText = text(key, length) else {
        return FLAGC_INVALID_ARGUMENT
    }
    guard let index = bundle.indexByKey[keyText] else { return FLAGC_FLAG_NOT_FOUND }
    flag.pointee = bundle.handle(index)
    return FLAGC_OK
}

/// The flag of `handle` in the bundle behind `pointer`.
@inline(__always)
private func resolve(_ pointer: OpaquePointer?, _ handle: UInt64) -> CFlag? {
    guard let bundle = Unmanaged<CBundle>.object(pointer), let index = bundle.index(handle) else { return nil }
    return bundle.flags[index]
}

@_cdecl("flagc_flag_key")
public func cFlagKey(_ bundle: OpaquePointer?, _ flag: UInt64) -> UnsafePointer<CChar>? {
    resolve(bundle, flag).map { UnsafePointer($0.key) }
}

@_cdecl("flagc_flag_type")
public func cFlagType(_ bundle: OpaquePointer?, _ flag: UInt64) -> Int32 {
    resolve(bundle, flag)?.type.cCode ?? FLAGC_TYPE_NONE
}

@_cdecl("flagc_flag_variant_count")
public func cFlagVariantCount(_ bundle: OpaquePointer?, _ flag: UInt64) -> Int32 {
    resolve(bundle, flag).map { Int32($0.variantNames.count) } ?? -1
}

@_cdecl("flagc_flag_variant")
public func cFlagVariant(
    _ bundle: OpaquePointer?,
    _ flag: UInt64,
    _ index: Int32,
    _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
    _ value: UnsafeMutablePointer<flagc_value>?
) -> Int32 {
    guard let resolved = resolve(bundle, flag), resolved.variantNames.indices.contains(Int(index)) else {
        name?.pointee = nil
        return FLAGC_INVALID_ARGUMENT
    }
    name?.pointee = UnsafePointer(resolved.variantNames[Int(index)])
    value?.pointee = resolved.variantValues[Int(index)]
    return FLAGC_OK
}

@_cdecl("flagc_flag_rule_count")
public func cFlagRuleCount(_ bundle: OpaquePointer?, _ flag: UInt64) -> Int32 {
    resolve(bundle, flag).map { Int32($0.ruleNames.count) } ?? -1
}

@_cdecl("flagc_flag_rule_name")
public func cFlagRuleName(_ bundle: OpaquePointer?, _ flag: UInt64, _ index: Int32) -> UnsafePointer<CChar>? {
    guard let resolved = resolve(bundle, flag), resolved.ruleNames.indices.contains(Int(index)) else { return nil }
    return resolved.ruleNames[Int(index)].map { UnsafePointer($0) }
}
