/// Specialized bundles: a target's `assume:` values are recorded in its bundle, and a context that gives
/// an assumed attribute another value is refused (every flag serves the caller's default with
/// `INVALID_CONTEXT`), because the compiler folded the conditions on that attribute for the assumed value
/// only. A context without the attribute is evaluated as if it had the assumed value.
extension FlagBundle {
    /// The attribute values this bundle was specialized for (`assume:` in its target); empty for a bundle
    /// built without assumptions.
    public var assumptions: [String: AttributeValue] {
        Dictionary(
            uniqueKeysWithValues: tables.assumptions.map { (tables.view.attributeNames[$0.attribute], $0.value) }
        )
    }

    /// Why `source` cannot be evaluated with this bundle: the context's own reason, or an assumed attribute
    /// it gives another value. One test of a stored flag for a bundle without assumptions.
    @inline(__always)
    package func invalidReason(_ source: some AttributeSource) -> String? {
        if let reason = source.invalidReason { return reason }
        // A prepared context was checked once, when prepared for this bundle (its reason holds the result).
        return isSpecialized && !source.isPrepared ? contradiction(source) : nil
    }

    /// The first assumption `source` contradicts (the attribute present, not null, with another value or
    /// type), as the INVALID_CONTEXT message; nil when none. The context's value is not repeated.
    package func contradiction(_ source: some AttributeSource) -> String? {
        // One reader for every assumption: the context is opened once per evaluation.
        let contradicted = source.withReader { reader -> Int? in
            // Read in place: iterating the array would copy (and retain) each assumed value.
            tables.assumptions.withUnsafeBufferPointer { assumptions in
                for position in assumptions.indices {
                    let read = reader.named(assumptions[position].attribute, tables.viewPointer)
                    if !read.isMissing && !read.equals(assumptions[position].value, lists: reader.lists) {
                        return position
                    }
                }
                return nil
            }
        }
        guard let contradicted else { return nil }
        let assumption = tables.assumptions[contradicted]
        let name = tables.view.attributeNames[assumption.attribute]
        return "this bundle was built for '\(name)' = \(Self.describe(assumption.value)) "
            + "(target '\(header.target)'), the context gives '\(name)' another value"
    }

    private static func describe(_ value: AttributeValue) -> String {
        switch value {
        case .string(let string): "\"\(string)\""
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? "\(Int64(number))" : "\(number)"
        case .bool(let bool): bool ? "true" : "false"
        case .list, .object, .null: "a value"
        }
    }
}
