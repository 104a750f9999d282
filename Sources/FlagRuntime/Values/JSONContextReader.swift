/// ``JSONParser/context(_:)``'s reader: the members of the top-level object go straight into the
/// context (its targeting key and its attributes' storage), with no JSON tree and no list of members
/// in between. It parses exactly what ``JSONParser/parse(_:)`` parses, with the same errors at the
/// same byte offsets: names, strings, numbers and literals are read by the parser's own methods, and
/// the value of a member that is an array or an object by its `value(depth:)`.
extension JSONParser.Parser {
    /// The key of `targetingKey`, the one member that is not an attribute.
    private static let targetingKeyKey = NameKey(AttributeKind.targetingKeyName)

    /// The context of the object at `position` (after leading whitespace, at its `{`), through the end
    /// of the input.
    mutating func contextObject() throws(JSONParser.Failure) -> EvaluationContext {
        position += 1
        var context = EvaluationContext()
        var memberCount = 0
        var sawTargetingKey = false
        // Whether a name so far has a byte past ASCII: until one has, two names are equal (as Swift
        // strings, which is how the parser finds duplicates) exactly when their bytes are, so keys decide.
        var sawNonASCIIName = false
        // Filled only once the object outgrows `scannedMembers`, as the tree parser does.
        var names: Set<String> = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return try end(context)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw position < bytes.count ? unexpected("expected a member name") : failure("unexpected end of input")
            }
            let nameStart = position
            guard memberCount < JSONParser.maximumMembers else {
                throw failure("more than \(JSONParser.maximumMembers) members in one object")
            }
            // A plain ASCII name of at most 16 bytes (the common case) is its key alone: no string is made.
            let (key, storedName, isASCII) = try memberName()
            var name: String { storedName ?? key.text }
            let isTargetingKey = isASCII ? key == Self.targetingKeyKey : name == AttributeKind.targetingKeyName
            let isDuplicate: Bool
            if memberCount < JSONParser.scannedMembers {
                if isTargetingKey {
                    isDuplicate = sawTargetingKey
                } else if isASCII && !sawNonASCIIName {
                    isDuplicate =
                        key.isExact
                        ? context.attributes.contains(key: key) : context.attributes.contains(name, key: key)
                } else {
                    isDuplicate = context.attributes.containsName(name)
                }
            } else {
                if names.isEmpty {
                    names.reserveCapacity(memberCount * 2)
                    for (attribute, _) in context.attributes { names.insert(attribute) }
                    if sawTargetingKey { names.insert(AttributeKind.targetingKeyName) }
                }
                isDuplicate = !names.insert(name).inserted
            }
            if isDuplicate { throw failure("duplicate member '\(name)'", at: nameStart) }
            if !isASCII { sawNonASCIIName = true }
            memberCount += 1
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw position < bytes.count ? unexpected("expected ':'") : failure("unexpected end of input")
            }
            position += 1
            skipWhitespace()
            let value = try memberValue()
            if isTargetingKey {
                sawTargetingKey = true
                switch value {
                case .string(let text): context.targetingKey = text
                // A number is a targeting key in its bucketing text, so `42` and `"42"` are the same user.
                case .number(let number): context.targetingKey = Bucketing.canonicalNumberText(number)
                case .null: break
                case .bool, .list, .object: context.invalidReason = "'targetingKey' must be a string or a number"
                }
            } else {
                if context.attributes.isEmpty { context.attributes.reserveCapacity(8) }
                // Duplicates were refused above, so each name is new: appending keeps building linear.
                context.attributes.append(newName: storedName, key: key, value)
            }
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return try end(context)
            } else {
                throw unexpected("expected ',' or '}'")
            }
        }
    }

    /// A member name from its opening quote: its key, its string unless the key holds it whole, and
    /// whether it is ASCII. Names of printable ASCII without escapes are read here; any other goes
    /// through `string()`, which reads (or refuses) it as every string is read.
    @inline(__always)
    private mutating func memberName() throws(JSONParser.Failure) -> (NameKey, String?, Bool) {
        if let range = plainASCII() {
            let bytes = UnsafeBufferPointer(rebasing: self.bytes[range])
            let key = NameKey(bytes)
            return (key, key.isExact ? nil : String(decoding: bytes, as: UTF8.self), true)
        }
        let name = try string()
        let key = NameKey(name)
        return (key, name, Self.isASCII(name))
    }

    /// The contents of the string whose opening quote is at `position`, when they are printable ASCII
    /// without escapes (and `position` then past its closing quote); nil otherwise, `position` unmoved.
    @inline(__always)
    private mutating func plainASCII() -> Range<Int>? {
        let start = position + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") {
                position = end + 1
                return start..<end
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return nil }
            end += 1
        }
        return nil
    }

    /// `context` once its object is closed: only whitespace may follow.
    private mutating func end(_ context: EvaluationContext) throws(JSONParser.Failure) -> EvaluationContext {
        skipWhitespace()
        guard position == bytes.count else { throw unexpected("unexpected text after the value") }
        return context
    }

    /// A member's value as an attribute: scalars read in place, arrays and objects by `value(depth:)`
    /// (an object is present and nothing more, as ``JSONParser/context(_:)`` documents).
    private mutating func memberValue() throws(JSONParser.Failure) -> AttributeValue {
        guard position < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            if let range = plainASCII() {
                return .string(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
            return .string(try string())
        case UInt8(ascii: "t"):
            _ = try expect("true", .null)
            return .bool(true)
        case UInt8(ascii: "f"):
            _ = try expect("false", .null)
            return .bool(false)
        case UInt8(ascii: "n"):
            _ = try expect("null", .null)
            return .null
        case UInt8(ascii: "["), UInt8(ascii: "{"): return JSONParser.attribute(try value(depth: 1))
        default: return .number(try number())
        }
    }

    private static func isASCII(_ name: String) -> Bool {
        withUTF8(name) { TextMatching.isASCII($0) }
    }

}
