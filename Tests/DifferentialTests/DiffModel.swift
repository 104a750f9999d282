/// The differential test's own model of a flags project and of an evaluation context: small, plain
/// data that the generator builds, the renderer writes as flagc YAML, the reference interpreter
/// evaluates and the minimizer shrinks. Independent of the compiler's definitions on purpose.

/// SplitMix64: a tiny deterministic PRNG, the same sequence on every platform and run.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }
}

/// A JSON value (contexts and object variants). Strings compare by code points, never by Swift's
/// canonical equivalence.
indirect enum DValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([DValue])
    case object([(String, DValue)])
}

/// A variant's value, per flag type.
enum DVariantValue: Sendable {
    case bool(Bool)
    case string(String)
    case integer(Int64)
    case number(Double)
    case object(DValue)
}

enum DFlagType: String, Sendable, CaseIterable {
    case boolean, string, integer, number, object
}

/// A literal of a condition: what `eq`, `ne`, `in` and `notIn` compare against.
enum DLiteral: Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)
}

/// A time operand: Unix seconds, or RFC 3339 text.
enum DTime: Sendable {
    case seconds(Double)
    case text(String)
}

/// A `matches` pattern from a tiny subset of RE2: one-code-point atoms between optional anchors.
struct DPattern: Sendable {
    enum Atom: Sendable {
        case literal(Unicode.Scalar)  // ASCII letter or digit
        case any  // .
        case digit  // \d
        case lower  // [a-z]
    }
    var anchoredStart: Bool
    var atoms: [Atom]
    var anchoredEnd: Bool
}

enum DSemverOp: String, Sendable, CaseIterable {
    case semverEq, semverGt, semverGte, semverLt, semverLte
}

enum DOperator: Sendable {
    case eq(DLiteral)
    case ne(DLiteral)
    case isIn([DLiteral])
    case notIn([DLiteral])
    case contains(String)
    case notContains(String)
    case startsWith(String)
    case endsWith(String)
    case matches(DPattern)
    case gt(Double)
    case gte(Double)
    case lt(Double)
    case lte(Double)
    case semver(DSemverOp, String)
    case before(DTime)
    case after(DTime)
    case inCidr([String])
    case exists(Bool)

    var name: String {
        switch self {
        case .eq: "eq"
        case .ne: "ne"
        case .isIn: "in"
        case .notIn: "notIn"
        case .contains: "contains"
        case .notContains: "notContains"
        case .startsWith: "startsWith"
        case .endsWith: "endsWith"
        case .matches: "matches"
        case .gt: "gt"
        case .gte: "gte"
        case .lt: "lt"
        case .lte: "lte"
        case .semver(let op, _): op.rawValue
        case .before: "before"
        case .after: "after"
        case .inCidr: "inCidr"
        case .exists: "exists"
        }
    }
}

/// `ATTRIBUTE: PREDICATE`: a scalar (eq), a list (in), or a map of operators.
enum DPredicate: Sendable {
    case scalar(DLiteral)
    case list([DLiteral])
    /// `ignoreCase` nil means not written.
    case operators([DOperator], ignoreCase: Bool?)
}

/// One entry of a condition map.
indirect enum DEntry: Sendable {
    case predicate(String, DPredicate)
    case all([DCondition])
    case any([DCondition])
    case not(DCondition)
    case segment(String)

    /// The map key this entry is written under (unique within a map).
    var key: String {
        switch self {
        case .predicate(let attribute, _): attribute
        case .all: "all"
        case .any: "any"
        case .not: "not"
        case .segment: "segment"
        }
    }
}

/// A condition: a map whose entries must all hold.
struct DCondition: Sendable {
    var entries: [DEntry]
}

struct DSegment: Sendable {
    var name: String
    var include: [String]
    var exclude: [String]
    var when: DCondition?
}

struct DStep: Sendable {
    var at: DTime
    var hundredths: Int
}

enum DServe: Sendable {
    case variant(String)
    case split([(variant: String, hundredths: Int)], by: String?)
    case progressive(variant: String, others: String, steps: [DStep], by: String?)
}

struct DRule: Sendable {
    var name: String?
    var when: DCondition?
    var serve: DServe
}

/// The fields an environment may override (nil: not written).
struct DSettings: Sendable {
    var enabled: Bool?
    var defaultVariant: String?
    var offVariant: String?
    var rules: [DRule]?
}

struct DFlag: Sendable {
    var key: String
    var type: DFlagType
    /// Whether `type:` is written (else inferred).
    var declaresType: Bool
    /// nil: a boolean flag without `variants:` ({on: true, off: false}).
    var variants: [(name: String, value: DVariantValue)]?
    var settings: DSettings
    var requires: [(flag: String, variant: String)]
    var salt: String?
    var environments: [(name: String, settings: DSettings)]

    var variantList: [(name: String, value: DVariantValue)] {
        variants ?? [("on", .bool(true)), ("off", .bool(false))]
    }
}

struct DProject: Sendable {
    var segments: [DSegment]
    var flags: [DFlag]
    /// The target's environment.
    var environment: String
}

/// An evaluation context: `targetingKey` may be any JSON value (or absent), attributes too.
struct DContext: Sendable {
    var targetingKey: DValue?
    var attributes: [(String, DValue)]
    /// The evaluation clock, Unix seconds.
    var now: Double
    /// Whether the runtime reads `now` from the bundle's clock (`DiffRunner.bundleClock`) instead of
    /// the context.
    var usesBundleClock = false
}

/// What an evaluation answered.
struct DAnswer: Sendable, CustomStringConvertible {
    var value: DVariantValue?
    var variant: String?
    var reason: String
    var rule: String?
    var errorCode: String?

    var description: String {
        var text =
            "{value: \(value.map(DiffText.variantValue) ?? "null"), variant: \(variant.map(DiffText.quoted) ?? "null"), "
        text += "reason: \(reason)"
        if let rule { text += ", rule: \(DiffText.quoted(rule))" }
        if let errorCode { text += ", errorCode: \(errorCode)" }
        return text + "}"
    }
}
