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

/// `flagc_context`: a context plus its preparation for the last bundle it was evaluated with. The
/// preparation lives in memory this object manages, so the hot path reads it in place: no copy (and
/// no reference counting) of the prepared context, and no dynamic exclusivity check.
final class CContext {
    /// The context as built; every change goes through `change(_:)`.
    private(set) var context = EvaluationContext()
    /// The serial of the bundle `prepared` was made for; 0 when stale.
    private let preparedSerial = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    /// Whether the context is invalid (`invalidReason`), read without copying the context.
    private let invalid = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
    /// The preparation, once there is one.
    private var prepared: UnsafeMutablePointer<PreparedContext>?

    init() {
        preparedSerial.initialize(to: 0)
        invalid.initialize(to: false)
    }

    /// Replaces the context (a parsed one).
    convenience init(_ context: EvaluationContext) {
        self.init()
        _ = change {
            $0 = context
            return true
        }
    }

    deinit {
        preparedSerial.deallocate()
        invalid.deallocate()
        if let prepared {
            prepared.deinitialize(count: 1)
            prepared.deallocate()
        }
    }

    /// Changes the context and marks its preparation stale; `body` returns whether it changed it.
    func change(_ body: (inout EvaluationContext) -> Bool) -> Bool {
        preparedSerial.pointee = 0
        let changed = body(&context)
        invalid.pointee = context.invalidReason != nil
        return changed
    }

    /// Whether every evaluation gives INVALID_CONTEXT.
    @inline(__always)
    var isInvalid: Bool { invalid.pointee }

    /// Evaluates flag `index` of `bundle` with this context prepared for it (preparing it first when
    /// needed).
    @inline(__always)
    func outcome(_ bundle: CBundle, _ index: Int) -> OutcomeIndices? {
        if preparedSerial.pointee != bundle.serial { prepare(for: bundle) }
        return bundle.bundle.outcomeIndices(index, prepared: prepared.unsafelyUnwrapped.pointee)
    }

    private func prepare(for bundle: CBundle) {
        let fresh = bundle.bundle.prepare(context)
        if let prepared {
            prepared.pointee = fresh
        } else {
            let storage = UnsafeMutablePointer<PreparedContext>.allocate(capacity: 1)
            storage.initialize(to: fresh)
            prepared = storage
        }
        preparedSerial.pointee = bundle.serial
    }
}

extension Unmanaged {
    /// Runs `body` with the object behind a non-NULL pointer from C without retaining it: the caller
    /// holds it for the call's duration.
    @inline(__always)
    static func borrow<Result>(_ pointer: OpaquePointer, _ body: (Instance) -> Result) -> Result {
        Unmanaged<Instance>.fromOpaque(UnsafeRawPointer(pointer))._withUnsafeGuaranteedRef(body)
    }

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
