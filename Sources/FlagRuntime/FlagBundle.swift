/// A verified, decrypted bundle, ready to evaluate flags. Immutable and safe to share between
/// threads. Evaluation never throws: problems give the caller's default with an error code.
public final class FlagBundle: Sendable {
    /// The verified cleartext header: target, environment, versions, validity, keys.
    public let header: BundleHeader
    package let tables: FlagTables
    private let clock: EvaluationClock
    /// Whether the bundle records `assume:` values (checked against each context).
    package let isSpecialized: Bool
    /// The evaluation counters, or nil when telemetry is off (`LoadOptions.telemetry`).
    package let telemetry: EvaluationTelemetry?
    /// The guarded flags' circuit breakers, or nil when no flag has a guard.
    package let circuits: CircuitBreakers?
    // The evaluation path reaches the counters and the breakers through these unretained
    // references (kept alive by the two properties above, or by the static placeholders when they
    // are nil), never by binding an optional: that retains and releases the object, two atomic
    // operations per evaluation. So does a method call on an unowned(unsafe) reference (seen with
    // callgrind): the common path checks the breakers through `breakerGates` and does
    // not touch the counters object at all (its generation is copied here); only the slow paths
    // call `counters`.
    private let counting: Bool
    private unowned(unsafe) let counters: EvaluationTelemetry
    private let countersGeneration: UInt64
    private let guarded: Bool
    private unowned(unsafe) let breakers: CircuitBreakers
    private let breakerGates: Unmanaged<CircuitBreakers>

    package init(
        header: BundleHeader,
        tables: FlagTables,
        clock: (@Sendable () -> Double)? = nil,
        telemetry: Bool = true,
        onCircuitTransition: (@Sendable (CircuitTransition) -> Void)? = nil
    ) {
        self.header = header
        self.tables = tables
        self.isSpecialized = !tables.assumptions.isEmpty
        self.clock = EvaluationClock(clock)
        self.telemetry = telemetry ? EvaluationTelemetry(variantCount: tables.view.variants.count) : nil
        self.circuits = CircuitBreakers.make(tables, clock: self.clock, sink: onCircuitTransition)
        counting = self.telemetry != nil
        counters = self.telemetry ?? EvaluationTelemetry.placeholder
        countersGeneration = counters.generation
        guarded = self.circuits != nil
        breakers = self.circuits ?? CircuitBreakers.placeholder
        breakerGates = Unmanaged.passUnretained(breakers)
    }

    /// The position of flag `key` in the tables, or nil.
    @inline(__always)
    private func flagIndex(_ key: String) -> Int? { tables.view.flagIndex(forKey: key) }

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
        let tables = try BundleLoader.decodePayload(consume plaintext)
        guard tables.view.flags.count == layout.header.flagCount else {
            throw .malformedPayload(
                "holds \(tables.view.flags.count) flags, the header says \(layout.header.flagCount)"
            )
        }
        return FlagBundle(
            header: layout.header,
            tables: tables,
            clock: options.evaluationClock,
            telemetry: options.telemetry,
            onCircuitTransition: options.onCircuitTransition
        )
    }

    /// Verifies a bundle without decrypting it (every check before decryption): what `flagc inspect`
    /// shows without a recipient key.
    public static func verifyHeader(bytes: [UInt8], options: LoadOptions) throws(BundleLoadError) -> BundleHeader {
        try BundleLoader.verify(bytes, options: options).header
    }

    // MARK: Lookup

    /// The keys of all flags, in the bundle's order.
    public var flagKeys: [String] { tables.view.flags.map { tables.view.text($0.key) } }

    /// A handle that evaluates `key` without a lookup by name, or nil when the bundle lacks it.
    public func handle(for key: String) -> FlagHandle? {
        guard let index = flagIndex(key) else { return nil }
        return FlagHandle(bundleID: ObjectIdentifier(self), index: index, type: tables.view.flags[index].type)
    }

    /// The type of flag `key`, or nil when the bundle lacks it.
    public func type(of key: String) -> FlagType? { flagIndex(key).map { tables.view.flags[$0].type } }

    /// The variant names of flag `key`, in their defined order.
    public func variantNames(of key: String) -> [String]? {
        flagIndex(key).map(variantNames(ofFlagAt:))
    }

    package func variantNames(ofFlagAt index: Int) -> [String] {
        let flag = tables.view.flags[index]
        return flag.variants.map {
            tables.view.text(tables.view.variants[$0].name)
        }
    }

    /// Resolves a context against this bundle's attribute table once, so that evaluating it against
    /// many flags does no lookups by name.
    public func prepare(_ context: EvaluationContext) -> PreparedContext {
        let offsets = context.withReader { reader in
            tables.view.attributeKinds.indices.map { index -> Int32 in
                guard tables.view.attributeKinds[index] == .named else { return -1 }
                let offset = ContextRecord.find(
                    reader.records,
                    index: reader.index,
                    key: tables.view.attributeKeys[index]
                ) {
                    tables.view.bytes(tables.view.attributes[index])
                }
                return Int32(truncatingIfNeeded: offset)
            }
        }
        return PreparedContext(
            attributes: context.attributes,
            offsets: offsets,
            targetingKey: context.targetingKey,
            now: context.now,
            invalidReason: invalidReason(context),
            bundleID: ObjectIdentifier(self)
        )
    }

    // MARK: Evaluation core

    /// The outcome served for flag `index`, counted by the telemetry (one evaluation in
    /// `EvaluationTelemetry.sampleInterval` per thread timed): its circuit breaker's, when open,
    /// else its evaluation. The common case (no breaker or a closed one, the thread's counters
    /// cached) makes no call but the evaluator's.
    package func outcome(_ index: Int, _ context: some AttributeSource) -> Outcome {
        if guarded, breakerGates._withUnsafeGuaranteedRef({ $0.isStopping(index) }) {
            return outcomeGuarded(index, context)
        }
        guard counting else { return evaluated(index, context) }
        guard let block = EvaluationTelemetry.cachedBlock(countersGeneration) else {
            return outcomeCountedSlowly(index, context)
        }
        let flag = tables.view.flags[index]
        let result = flag.fixedOutcome ?? evaluatedByRules(index, context)
        EvaluationTelemetry.countCached(block, variant: Int(flag.variantStart) &+ result.variant, reason: result.reason)
        return result
    }

    /// `outcome` when the thread's cached counters are another bundle's, or this evaluation is timed.
    @inline(never)
    private func outcomeCountedSlowly(_ index: Int, _ context: some AttributeSource) -> Outcome {
        let (block, timed) = counters.uncachedBlock()
        let start = timed ? EvaluationTelemetry.nanoseconds() : 0
        let result = evaluated(index, context)
        counters.count(
            block,
            variant: Int(tables.view.flags[index].variantStart) &+ result.variant,
            reason: result.reason
        )
        if timed { counters.recordLatency(block, nanoseconds: EvaluationTelemetry.nanoseconds() &- start) }
        return result
    }

    /// `outcome` when flag `index`'s breaker is not closed: the breaker's outcome or the
    /// evaluation, counted (not timed).
    @inline(never)
    private func outcomeGuarded(_ index: Int, _ context: some AttributeSource) -> Outcome {
        let result = breakerGates._withUnsafeGuaranteedRef { $0.gate(index) } ?? evaluated(index, context)
        if counting {
            counters.count(variant: Int(tables.view.flags[index].variantStart) &+ result.variant, reason: result.reason)
        }
        return result
    }

    /// The evaluation of flag `index`, its breaker aside.
    @inline(__always)
    private func evaluated(_ index: Int, _ context: some AttributeSource) -> Outcome {
        let flag = tables.view.flags[index]
        if let fixed = flag.fixedOutcome { return fixed }
        return evaluatedByRules(index, context)
    }

    /// The evaluation of flag `index`, whose outcome is not fixed at load, by its prerequisites and rules.
    @inline(__always)
    private func evaluatedByRules(_ index: Int, _ context: some AttributeSource) -> Outcome {
        context.withReader {
            Evaluator(tables: tables, clock: clock, breakers: guarded ? breakers : nil).evaluate(
                flag: index,
                source: $0
            )
        }
    }

    /// Evaluates with a prepared context; nil for a context prepared by another bundle (its
    /// attribute slots would not line up).
    package func outcome(_ index: Int, prepared context: PreparedContext) -> Outcome? {
        guard context.bundleID == ObjectIdentifier(self) else { return nil }
        return outcome(index, context)
    }

    /// Evaluates flag `key` whatever its type: the value, variant, reason and rule.
    public func evaluate(_ key: String, context: EvaluationContext) -> EvaluationDetail<FlagValue?> {
        guard let index = flagIndex(key) else {
            telemetry?.count(.flagNotFound)
            return .failure(key, nil, .flagNotFound, "flag '\(key)' is not in the bundle")
        }
        if let reason = invalidReason(context) {
            telemetry?.count(.invalidContext)
            return .failure(key, nil, .invalidContext, reason)
        }
        return detail(index, outcome(index, context), key: key).map { $0 }
    }

    /// Evaluates every flag for one context, in the bundle's order, as ``evaluate(_:context:)`` does each:
    /// for a context marked invalid, every detail is an `INVALID_CONTEXT` error without a value.
    public func evaluateAll(context: EvaluationContext) -> [EvaluationDetail<FlagValue?>] {
        if let reason = invalidReason(context) {
            for _ in tables.view.flags.indices { telemetry?.count(.invalidContext) }
            return tables.view.flags.indices.map {
                .failure(tables.view.text(tables.view.flags[$0].key), nil, .invalidContext, reason)
            }
        }
        let prepared = prepare(context)
        return tables.view.flags.indices.map { detail($0, outcome($0, prepared), key: nil).map { $0 } }
    }

    /// The detail of an outcome; `key` is the flag's key when the caller has it (else read from the table).
    package func detail(_ index: Int, _ outcome: Outcome, key: String?) -> EvaluationDetail<FlagValue> {
        let flag = tables.view.flags[index]
        let variant = Int(flag.variantStart) + outcome.variant
        let ruleName = outcome.rule >= 0 ? tables.view.rules[Int(flag.ruleStart) + outcome.rule].name : -1
        return EvaluationDetail(
            flagKey: key ?? tables.view.text(flag.key),
            value: tables.value(ofVariant: variant, type: flag.type),
            variant: tables.view.text(tables.view.variants[variant].name),
            reason: outcome.reason,
            ruleName: ruleName >= 0 ? tables.view.text(ruleName) : nil
        )
    }
}

/// A flag resolved once in one bundle: evaluating through it skips the lookup by key. Plain data
/// (no reference to the bundle), so threads sharing handles share no reference count; a handle
/// used with another bundle than its own serves the caller's default.
public struct FlagHandle: Sendable, Hashable {
    package let bundleID: ObjectIdentifier
    package let index: Int
    /// The flag's type.
    public let type: FlagType
}

extension FlagBundle {
    /// The key of the flag `handle` stands for, or nil when it belongs to another bundle.
    public func key(of handle: FlagHandle) -> String? {
        owns(handle) ? tables.view.text(tables.view.flags[handle.index].key) : nil
    }

    @inline(__always)
    func owns(_ handle: FlagHandle) -> Bool { handle.bundleID == ObjectIdentifier(self) }
}

extension EvaluationDetail {
    func map<Other>(_ transform: (Value) -> Other) -> EvaluationDetail<Other> {
        EvaluationDetail<Other>(
            flagKey: flagKey,
            value: transform(value),
            variant: variant,
            reason: reason,
            ruleName: ruleName,
            errorCode: errorCode,
            errorMessage: errorMessage
        )
    }
}
