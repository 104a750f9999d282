import FlagRuntime

/// The decrypted content of a bundle: everything evaluation needs, with every name already resolved
/// to an index by the compiler. Flags are ordered so that a flag's prerequisites come before it, and
/// segments so that a segment's referenced segments come before it; the decoder checks both, so
/// evaluation can never recurse without end.
package struct BundleContent: Sendable, Hashable {
    /// Attribute names that conditions and bucketing refer to, by index.
    package var attributes: [String]
    package var segments: [CompiledSegment]
    package var flags: [CompiledFlag]

    package init(attributes: [String], segments: [CompiledSegment], flags: [CompiledFlag]) {
        self.attributes = attributes
        self.segments = segments
        self.flags = flags
    }
}

/// A segment: who is always in, who is never in, and a condition for everyone else.
package struct CompiledSegment: Sendable, Hashable {
    package var name: String
    package var included: StringSet
    package var excluded: StringSet
    /// nil: only `included` keys are members.
    package var condition: Condition?

    package init(name: String, included: some Sequence<String>, excluded: some Sequence<String>, condition: Condition?)
    {
        self.init(name: name, included: StringSet(included), excluded: StringSet(excluded), condition: condition)
    }

    package init(name: String, included: StringSet, excluded: StringSet, condition: Condition?) {
        self.name = name
        self.included = included
        self.excluded = excluded
        self.condition = condition
    }
}

/// One variant: its name and value.
package struct Variant: Sendable, Hashable {
    package var name: String
    package var value: FlagValue

    package init(name: String, value: FlagValue) {
        self.name = name
        self.value = value
    }
}

/// A flag as the evaluator sees it, after the target's environment overrides were applied.
package struct CompiledFlag: Sendable, Hashable {
    package var key: String
    package var type: FlagType
    package var variants: [Variant]
    package var defaultVariant: Int
    package var offVariant: Int
    package var isEnabled: Bool
    package var salt: String
    package var prerequisites: [Prerequisite]
    package var rules: [Rule]

    package init(
        key: String,
        type: FlagType,
        variants: [Variant],
        defaultVariant: Int,
        offVariant: Int,
        isEnabled: Bool,
        salt: String,
        prerequisites: [Prerequisite],
        rules: [Rule]
    ) {
        self.key = key
        self.type = type
        self.variants = variants
        self.defaultVariant = defaultVariant
        self.offVariant = offVariant
        self.isEnabled = isEnabled
        self.salt = salt
        self.prerequisites = prerequisites
        self.rules = rules
    }
}

/// `requires: {flag, variant}`, resolved to indices.
package struct Prerequisite: Sendable, Hashable {
    package var flag: Int
    package var variant: Int

    package init(flag: Int, variant: Int) {
        self.flag = flag
        self.variant = variant
    }
}

/// One targeting rule.
package struct Rule: Sendable, Hashable {
    package var name: String?
    /// nil: the rule always matches.
    package var condition: Condition?
    package var serve: Serve

    package init(name: String?, condition: Condition?, serve: Serve) {
        self.name = name
        self.condition = condition
        self.serve = serve
    }
}

/// What a matching rule serves.
package enum Serve: Sendable, Hashable {
    /// A fixed variant.
    case variant(Int)
    /// Buckets below `thresholds[i]` (cumulative, in 0...10000) get `variants[i]`.
    case split(bucketBy: Int, variants: [Int], thresholds: [Int])
    /// From each step's time on, buckets below its threshold get `variant`, the rest `others`.
    case progressive(bucketBy: Int, variant: Int, others: Int, steps: [RampStep])
    /// A split bucketed as another engine does (`hash:`): `bucketBy` hashed with `salt` under
    /// `scheme` into `0..<thresholds.last`; buckets below `thresholds[i]` (cumulative) get `variants[i]`.
    case hashedSplit(bucketBy: Int, scheme: BucketingScheme, salt: String, variants: [Int], thresholds: [Int])
}

/// One step of a progressive ramp.
package struct RampStep: Sendable, Hashable {
    /// Unix seconds, fractional (RFC 3339 fractions are kept, so a step at `12:00:00.5Z` has not
    /// started at `12:00:00Z`).
    package var startsAt: Double
    /// Buckets below this value (0...10000) get the ramped variant.
    package var threshold: Int

    package init(startsAt: Double, threshold: Int) {
        self.startsAt = startsAt
        self.threshold = threshold
    }
}

/// One node of a condition tree. Attribute and segment operands are indices into the bundle's
/// tables. A class, not an indirect enum: the tree is built once (compiler or loader) and then only
/// read, and evaluation follows references instead of copying enum payloads.
package final class Condition: Sendable, Hashable {
    package enum Kind: UInt8, Sendable, Hashable {
        case all, any, not, segment, predicate
    }

    package let kind: Kind
    /// The operands of `all`/`any`, or the one operand of `not`.
    package let children: [Condition]
    /// The attribute index (predicates) or the segment index (segment references).
    package let index: Int
    package let predicate: Predicate?

    private init(_ kind: Kind, children: [Condition] = [], index: Int = 0, predicate: Predicate? = nil) {
        self.kind = kind
        self.children = children
        self.index = index
        self.predicate = predicate
    }

    /// Every condition holds (true when empty).
    package static func all(_ children: [Condition]) -> Condition { Condition(.all, children: children) }
    /// Some condition holds (false when empty).
    package static func any(_ children: [Condition]) -> Condition { Condition(.any, children: children) }
    package static func not(_ child: Condition) -> Condition { Condition(.not, children: [child]) }
    package static func segment(_ index: Int) -> Condition { Condition(.segment, index: index) }
    package static func predicate(attribute: Int, _ predicate: Predicate) -> Condition {
        Condition(.predicate, index: attribute, predicate: predicate)
    }

    package static func == (lhs: Condition, rhs: Condition) -> Bool {
        lhs === rhs
            || (lhs.kind == rhs.kind && lhs.index == rhs.index && lhs.predicate == rhs.predicate
                && lhs.children == rhs.children)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(index)
        hasher.combine(predicate)
        hasher.combine(children)
    }
}

/// A scalar a condition compares with.
package enum Literal: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
}

/// One operator applied to one attribute.
package enum Predicate: Sendable, Hashable {
    case equals(Literal, ignoreCase: Bool)
    case notEquals(Literal, ignoreCase: Bool)
    case isIn(LiteralSet, ignoreCase: Bool)
    case notIn(LiteralSet, ignoreCase: Bool)
    case contains(String, ignoreCase: Bool)
    case notContains(String, ignoreCase: Bool)
    case startsWith(String, ignoreCase: Bool)
    case endsWith(String, ignoreCase: Bool)
    case matches(RegexAutomaton)
    case greaterThan(Double)
    case greaterThanOrEqual(Double)
    case lessThan(Double)
    case lessThanOrEqual(Double)
    case semver(SemverComparison, SemanticVersion)
    case before(Double)
    case after(Double)
    case inCIDR([CIDRRange])
    case exists(Bool)
    /// `rollout`: the value's bucket under `scheme` and `salt`, in `0..<scheme.rolloutTotal`, is
    /// below `threshold`.
    case rollout(BucketingScheme, salt: String, threshold: Int)
}

/// The operand of `in`/`notIn`, normalized: strings (lower-cased when the predicate ignores case),
/// numbers and booleans, each unique and sorted. A number and a numeric string compare as numbers,
/// two strings always as strings: so a numeric string literal also counts as its number for number
/// attributes (`in: ["7"]` holds for the number 7), but never for string attributes (`in: ["1.10"]`
/// does not hold for the string "1.1", as `eq: "1.10"` does not).
package struct LiteralSet: Sendable, Hashable {
    package var strings: StringSet
    /// The number literals: finite, unique, increasing. A numeric string attribute is compared with these.
    package var numbers: [Double]
    /// The numbers of the numeric string literals: finite, unique, increasing. A number attribute is
    /// compared with these and with `numbers`.
    package var numericStrings: [Double]
    /// Unique, `false` before `true`.
    package var bools: [Bool]

    package init(_ literals: [Literal], ignoreCase: Bool) {
        var strings: [String] = []
        var numbers: Set<Double> = []
        var numericStrings: Set<Double> = []
        var bools: Set<Bool> = []
        for literal in literals {
            switch literal {
            case .string(let value):
                strings.append(ignoreCase ? TextMatching.simpleLowercased(value) : value)
                if let number = NumberText.parse(value) { numericStrings.insert(number) }
            case .number(let value): if value.isFinite { numbers.insert(value) }
            case .bool(let value): bools.insert(value)
            }
        }
        self.init(
            strings: StringSet(strings),
            numbers: numbers.sorted(),
            numericStrings: numericStrings.sorted(),
            bools: bools.sorted { !$0 && $1 }
        )
    }

    package init(strings: StringSet, numbers: [Double], numericStrings: [Double] = [], bools: [Bool]) {
        self.strings = strings
        self.numbers = numbers
        self.numericStrings = numericStrings
        self.bools = bools
    }
}
