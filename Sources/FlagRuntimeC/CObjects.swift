import CFlagc
import FlagRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The objects behind the header's opaque pointers. Each is a Swift class handed to C retained once
// (`Unmanaged.passRetained`) and released by its `_free` function.

/// `flagc_options`: the fields of `LoadOptions`, gathered one call at a time.
final class COptions {
    var roots: [RootPublicKey] = []
    var recipient: RecipientKey?
    var target: String?
    var environment: String?
    var minimumBundleVersion: UInt64 = 0
    var minimumKeyringVersion: UInt32 = 0
    var verificationTime: Int64?
    var leeway: Int64 = 300
    var maximumBundleBytes = LoadOptions.defaultMaximumBundleBytes
    var evaluationTime: Double?

    var loadOptions: LoadOptions {
        var options = LoadOptions(
            trustedRoots: roots,
            recipientKey: recipient,
            expectedTarget: target,
            expectedEnvironment: environment,
            minimumBundleVersion: minimumBundleVersion,
            minimumKeyringVersion: minimumKeyringVersion,
            now: verificationTime,
            leeway: leeway,
            maximumBundleBytes: maximumBundleBytes
        )
        if let evaluationTime { options.evaluationClock = { evaluationTime } }
        return options
    }
}

/// Distinguishes bundles in flag handles, so a handle used with another bundle is refused.
let bundleSerials = Atomic<UInt32>(0)

/// One flag's C strings and values, made at open and owned by its bundle.
struct CFlag {
    let key: UnsafeMutablePointer<CChar>
    let type: FlagType
    let variantNames: [UnsafeMutablePointer<CChar>]
    let variantValues: [flagc_value]
    let ruleNames: [UnsafeMutablePointer<CChar>?]
}

/// `flagc_bundle`: a loaded bundle plus everything results point into. Immutable after `init`, so
/// threads share it freely.
final class CBundle: @unchecked Sendable {
    let bundle: FlagBundle
    let serial: UInt32
    let flags: [CFlag]
    let indexByKey: [String: Int]
    let header: flagc_header
    /// Every C string this bundle made, freed with it.
    private var strings: [UnsafeMutablePointer<CChar>] = []

    init(_ bundle: FlagBundle) {
        self.bundle = bundle
        var serial: UInt32 = 0
        while serial == 0 { serial = bundleSerials.wrappingAdd(1, ordering: .relaxed).newValue }
        self.serial = serial
        var strings: [UnsafeMutablePointer<CChar>] = []
        func own(_ text: String) -> UnsafeMutablePointer<CChar> {
            let string = makeCString(text)
            strings.append(string)
            return string
        }
        let layouts = bundle.flagLayouts()
        flags = layouts.map { layout in
            CFlag(
                key: own(layout.key),
                type: layout.type,
                variantNames: layout.variantNames.map(own),
                variantValues: layout.variantValues.map { value in
                    var result = flagc_value()
                    result.type = value.type.cCode
                    switch value {
                    case .bool(let bool): result.boolean = bool
                    case .integer(let integer):
                        result.integer = integer
                        result.number = Double(integer)
                    case .number(let number): result.number = number
                    case .string(let string):
                        result.string = UnsafePointer(own(string))
                        result.length = string.utf8.count
                    case .object(let object):
                        let json = object.jsonText
                        result.string = UnsafePointer(own(json))
                        result.length = json.utf8.count
                    }
                    return result
                },
                ruleNames: layout.ruleNames.map { $0.map(own) }
            )
        }
        var indexByKey: [String: Int] = [:]
        for (index, layout) in layouts.enumerated() { indexByKey[layout.key] = index }
        self.indexByKey = indexByKey
        let source = bundle.header
        var header = flagc_header()
        header.format_version = UInt32(source.formatVersion)
        header.bundle_version = source.bundleVersion
        header.issued_at = source.issuedAt
        header.expires_at = source.expiresAt
        header.keyring_version = source.keyring.version
        header.flag_count = layouts.count
        header.target = UnsafePointer(own(source.target))
        header.environment = UnsafePointer(own(source.environment))
        header.signing_key_id = UnsafePointer(own(source.signingKeyID.description))
        self.header = header
        self.strings = strings
    }

    deinit {
        for string in strings { free(string) }
    }

    /// The handle of flag `index`.
    func handle(_ index: Int) -> UInt64 { UInt64(serial) << 32 | UInt64(index + 1) }

    /// The flag index of `handle`, or nil for 0 or a handle of another bundle.
    @inline(__always)
    func index(_ handle: UInt64) -> Int? {
        guard handle >> 32 == UInt64(serial) else { return nil }
        let index = Int(handle & 0xFFFF_FFFF) - 1
        return index >= 0 && index < flags.count ? index : nil
    }
}

/// `flagc_context`: a context plus its preparation for the last bundle it was evaluated with.
final class CContext {
    var context = EvaluationContext()
    private var prepared: PreparedContext?
    private var preparedSerial: UInt32 = 0

    /// Marks the preparation stale; every change calls it.
    func changed() { preparedSerial = 0 }

    /// The context prepared for `bundle`, preparing it when needed.
    @inline(__always)
    func prepared(for bundle: CBundle) -> PreparedContext {
        if preparedSerial == bundle.serial, let prepared { return prepared }
        let fresh = bundle.bundle.prepare(context)
        prepared = fresh
        preparedSerial = bundle.serial
        return fresh
    }
}

extension Unmanaged {
    /// The object behind an opaque pointer from C, or nil for NULL.
    @inline(__always)
    static func object(_ pointer: OpaquePointer?) -> Instance? {
        guard let pointer else { return nil }
        return Unmanaged<Instance>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    /// Hands `object` to C, retained once.
    static func retained(_ object: Instance) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(object).toOpaque())
    }

    /// Releases what `retained` handed out; nothing for NULL.
    static func release(_ pointer: OpaquePointer?) {
        guard let pointer else { return }
        Unmanaged<Instance>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}
