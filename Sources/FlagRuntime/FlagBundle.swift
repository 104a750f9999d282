/// A verified, decrypted bundle, ready to evaluate flags. Immutable and safe to share between
/// threads. Evaluation never throws: problems give the caller's default with an error code.
public final class FlagBundle: Sendable {
    /// The verified cleartext header: target, environment, versions, validity, keys.
    public let header: BundleHeader
    package let content: BundleContent
    package let attributeKinds: [AttributeKind]
    private let flagIndex: [String: Int]
    private let clock: @Sendable () -> Double

    package init(header: BundleHeader, content: BundleContent, clock: (@Sendable () -> Double)? = nil) {
        self.header = header
        self.content = content
        self.attributeKinds = content.attributes.map(AttributeKind.init(name:))
        var index: [String: Int] = [:]
        index.reserveCapacity(content.flags.count)
        for (position, flag) in content.flags.enumerated() { index[flag.key] = position }
        self.flagIndex = index
        self.clock = clock ?? { SystemClock.now() }
    }

    /// Loads a bundle file: reads it (bounded by `options.maximumBundleBytes`), then runs every
    /// loader check in order, decrypts and decodes.
    /// - Throws: `BundleLoadError` naming the first check that failed.
    public static func load(path: String, options: LoadOptions) throws(BundleLoadError) -> FlagBundle {
        try load(bytes: FileReader.read(path: path, limit: options.maximumBundleBytes), options: options)
    }

    /// Loads a bundle from bytes; see `load(path:options:)`.
    public static func load(bytes: [UInt8], options: LoadOptions) throws(BundleLoadError) -> FlagBundle {
        let layout = try BundleLoader.verify(bytes, options: options)
        let contentKey = try BundleLoader.unwrapContentKey(layout.header, recipient: options.recipientKey)
        let plaintext = try BundleLoader.decrypt(layout, bytes: bytes, contentKey: contentKey)
        let content = try BundleLoader.decodePayload(plaintext)
        guard content.flags.count == layout.header.flagCount else {
            throw .malformedPayload("holds \(content.flags.count) flags, the header says \(layout.header.flagCount)")
        }
        if content.flags.count != Set(content.flags.map(\.key)).count {
            throw .malformedPayload("duplicate flag key")
        }
        return FlagBundle(header: layout.header, content: content, clock: options.evaluationClock)
    }

    /// Verifies a bundle without decrypting it (stages 1–6 of the loader): what `flagc inspect`
    /// shows without a recipient key.
    public static func verifyHeader(bytes: [UInt8], options: LoadOptions) throws(BundleLoadError) -> BundleHeader {
        try BundleLoader.verify(bytes, options: options).header
    }

    // MARK: Lookup

    /// The keys of all flags, in the bundle's order.
    public var flagKeys: [String] { content.flags.map(\.key) }

    /// A handle that evaluates `key` without a lookup by name, or nil when the bundle lacks it.
    public func handle(for key: String) -> FlagHandle? {
        guard let index = flagIndex[key] else { return nil }
        return FlagHandle(bundle: self, index: index)
    }

    /// The type of flag `key`, or nil when the bundle lacks it.
    public func type(of key: String) -> FlagType? { flagIndex[key].map { content.flags[$0].type } }

    /// The variant names of flag `key`, in their defined order.
    public func variantNames(of key: String) -> [String]? {
        flagIndex[key].map { content.flags[$0].variants.map(\.name) }
    }

    /// Resolves a context against this bundle's attribute table once, so that evaluating it against
    /// many flags does no lookups by name.
    public func prepare(_ context: EvaluationContext) -> PreparedContext {
        let values = attributeKinds.map { kind -> AttributeValue? in
            if case .named(let name) = kind { return context.attributes[name] }
            return nil
        }
        return PreparedContext(
            values: values, targetingKey: context.targetingKey, now: context.now, bundleID: ObjectIdentifier(self))
    }

    // MARK: Evaluation core

    package func outcome(_ index: Int, _ context: some AttributeSource) -> Outcome {
        var evaluator = Evaluator(content: content, kinds: attributeKinds, source: context, clock: clock)
        return evaluator.evaluate(flag: index)
    }

    /// Evaluates with a prepared context; a context prepared for another bundle is re-prepared
    /// from nothing (its attributes are lost), so always prepare with the bundle you evaluate.
    package func outcome(_ index: Int, prepared context: PreparedContext) -> Outcome? {
        guard context.bundleID == ObjectIdentifier(self) else { return nil }
        return outcome(index, context)
    }

    /// Evaluates flag `key` whatever its type: the value, variant, reason and rule.
    public func evaluate(_ key: String, context: EvaluationContext) -> EvaluationDetail<FlagValue?> {
        guard let index = flagIndex[key] else {
            return .failure(key, nil, .flagNotFound, "flag '\(key)' is not in the bundle")
        }
        return detail(index, outcome(index, context)).map { $0 }
    }

    /// Evaluates every flag for one context, in the bundle's order.
    public func evaluateAll(context: EvaluationContext) -> [EvaluationDetail<FlagValue>] {
        let prepared = prepare(context)
        return content.flags.indices.map { detail($0, outcome($0, prepared)) }
    }

    package func detail(_ index: Int, _ outcome: Outcome) -> EvaluationDetail<FlagValue> {
        let flag = content.flags[index]
        let variant = flag.variants[outcome.variant]
        return EvaluationDetail(
            flagKey: flag.key, value: variant.value, variant: variant.name, reason: outcome.reason,
            ruleName: outcome.rule >= 0 ? flag.rules[outcome.rule].name : nil)
    }
}

/// A flag resolved once in one bundle: evaluating through it skips the lookup by key.
public struct FlagHandle: Sendable {
    package let bundle: FlagBundle
    package let index: Int

    /// The flag's key.
    public var key: String { bundle.content.flags[index].key }
    /// The flag's type.
    public var type: FlagType { bundle.content.flags[index].type }
}

extension EvaluationDetail {
    func map<Other>(_ transform: (Value) -> Other) -> EvaluationDetail<Other> {
        EvaluationDetail<Other>(
            flagKey: flagKey, value: transform(value), variant: variant, reason: reason, ruleName: ruleName,
            errorCode: errorCode, errorMessage: errorMessage)
    }
}
