import FlagRuntime

/// A value with the place it was written.
package struct Located<Value: Sendable>: Sendable {
    package var value: Value
    package var location: SourceLocation

    package init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}

/// One `flags/*.yaml` file, read and checked locally (names are resolved later).
package struct FlagFile: Sendable {
    package var path: String
    package var segments: [SegmentDefinition] = []
    package var flags: [FlagDefinition] = []
    /// The `context:` attributes the file declares (see `ContextAttributeDefinition`).
    package var context: [ContextAttributeDefinition] = []
}

/// A `segments:` entry.
package struct SegmentDefinition: Sendable {
    package var name: Located<String>
    package var description: String?
    package var included: [String]
    package var excluded: [String]
    package var condition: ConditionNode?
}

/// The parts of a flag an environment may override.
package struct FlagSettings: Sendable {
    package var enabled: Located<Bool>?
    package var defaultVariant: Located<String>?
    package var offVariant: Located<String>?
    package var rules: [RuleDefinition]?
}

/// Metadata carried into manifests and generated code, never into bundles.
package struct FlagMetadata: Sendable {
    package var description: String?
    package var owner: String?
    package var tags: [String] = []
    package var compliance: [String] = []
    /// `expires`, as written (YYYY-MM-DD).
    package var expires: Located<String>?
    /// `expires` as Unix seconds at 00:00 UTC.
    package var expiresAt: Int64?
    /// `lifecycle`: what kind of flag this is, and so how long it may live (see `FlagLifecycle`).
    package var lifecycle: Located<FlagLifecycle>?
    /// `created`, as written (YYYY-MM-DD).
    package var created: Located<String>?
    /// `created` as Unix seconds at 00:00 UTC.
    package var createdAt: Int64?
}

/// A `flags:` entry.
package struct FlagDefinition: Sendable {
    package var key: Located<String>
    package var type: FlagType
    package var variants: [VariantDefinition]
    package var settings: FlagSettings
    package var prerequisites: [PrerequisiteDefinition]
    package var salt: String?
    package var metadata: FlagMetadata
    package var environments: [String: Located<FlagSettings>]

    /// The index of the variant named `name`.
    package func variantIndex(_ name: String) -> Int? { variants.firstIndex { $0.name.value == name } }
}

package struct VariantDefinition: Sendable {
    package var name: Located<String>
    package var value: FlagValue
}

package struct PrerequisiteDefinition: Sendable {
    package var flag: Located<String>
    package var variant: Located<String>
    package var location: SourceLocation
}

package struct RuleDefinition: Sendable {
    package var name: String?
    package var condition: ConditionNode?
    package var serve: ServeDefinition
    package var location: SourceLocation
}

/// `serve:` — a variant, a split or a progressive ramp. Percentages are in hundredths (0…10000).
package enum ServeDefinition: Sendable {
    case variant(Located<String>)
    case split(weights: [SplitWeight], bucketBy: Located<String>?)
    case progressive(
        variant: Located<String>,
        others: Located<String>,
        steps: [RampStepDefinition],
        bucketBy: Located<String>?
    )
    /// A split with `hash:` (another engine's bucketing): whole-number weights out of their sum;
    /// `salt` nil means the flag's salt.
    case hashedSplit(weights: [HashedSplitWeight], bucketBy: Located<String>?, scheme: BucketingScheme, salt: String?)
}

package struct HashedSplitWeight: Sendable {
    package var variant: Located<String>
    package var weight: Int
}

package struct SplitWeight: Sendable {
    package var variant: Located<String>
    package var hundredths: Int
}

package struct RampStepDefinition: Sendable {
    /// Unix seconds, fractional.
    package var startsAt: Double
    package var hundredths: Int
    package var location: SourceLocation
}

/// A condition with names not yet resolved to indices.
package indirect enum ConditionNode: Sendable {
    case all([ConditionNode])
    case any([ConditionNode])
    case not(ConditionNode)
    case segment(Located<String>)
    case predicate(attribute: Located<String>, Predicate)
}

/// A `targets/*.yaml` file.
package struct TargetDefinition: Sendable {
    package var name: String
    package var path: String
    package var environment: String
    package var flagPatterns: [String]
    package var excludePatterns: [String]
    package var recipients: [Located<String>]
    /// Seconds.
    package var expiresAfter: Int64
    package var swiftTypeName: String
    package var swiftAccessLevel: String
    package var location: SourceLocation
}
