/// ``JSONParser/context(_:)``'s reader: the members of the top-level object go straight into the
/// context (its targeting key and its attributes' storage), with no JSON tree and no list of members
/// in between. It parses exactly what ``JSONParser/parse(_:)`` parses, with the same errors at the
/// same byte offsets: names, strings, numbers and literals are read by the parser's own methods, and
/// the value of a member that is an array or an object by its `value(depth:)`.
extension JSONParser.Parser {
    /// The key of `targetingKey`, the one member that is not an attribute (a constant, so reading it
    /// costs no lazy-initialisation check).
    private static var targetingKeyKey: NameKey {
        // "targetin" and "gKey", little-endian.
        NameKey(count: 12, head: 0x6E69_7465_6772_6174, tail: 0x7965_4B67)
    }

    /// What the reader has seen of the object so far.
    private struct Members {
        var count = 0
        var sawTargetingKey = false
        /// Whether a name so far has a byte past ASCII: until one has, two names are equal (as Swift
        /// strings, which is how the parser finds duplicates) exactly when their bytes are, so keys decide.
        var sawNonASCIIName = false
        /// Filled only once the object outgrows `scannedMembers`, as the tree parser does.
        var names: Set<String>? = nil
    }

    /// The context of the object at `position` (after leading whitespace, at its `{`), through the end
    /// of the input.
    mutating func contextObject(into context: inout EvaluationContext) throws(JSONParser.Failure) {
        position += 1
        var members = Members()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return try end()
        }
        // Room for the records of an object this long (most events): one allocation.
        context.attributes.reserveBytes(Swift.min(bytes.count * 2 + 64, 1 << 16))
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw position < bytes.count ? unexpected("expected a member name") : failure("unexpected end of input")
            }
            let nameStart = position
            guard members.count < JSONParser.maximumMembers else {
                throw failure("more than \(JSONParser.maximumMembers) members in one object")
            }
            // A plain ASCII name (the common case) is read as bytes in place: no string is made.
            if let plain = plainASCII() {
                try member(
                    UnsafeBufferPointer(rebasing: bytes[plain]),
                    decoded: nil,
                    isASCII: true,
                    at: nameStart,
                    &members,
                    &context
                )
            } else {
                let name = try string()
                var failure: JSONParser.Failure?
                withUTF8(name) { bytes in
                    do throws(JSONParser.Failure) {
                        try member(
                            bytes,
                            decoded: name,
                            isASCII: TextMatching.isASCII(bytes),
                            at: nameStart,
                            &members,
                            &context
                        )
                    } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
            }
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return try end()
            } else {
                throw unexpected("expected ',' or '}'")
            }
        }
    }

    /// One member, from after its name (`name`, read from `nameStart`) through its value.
    @inline(__always)
    private mutating func member(
        _ name: UnsafeBufferPointer<UInt8>,
        decoded: String?,
        isASCII: Bool,
        at nameStart: Int,
        _ members: inout Members,
        _ context: inout EvaluationContext
    ) throws(JSONParser.Failure) {
        let key = NameKey(name)
        var text: String { decoded ?? String(decoding: name, as: UTF8.self) }
        let isTargetingKey = isASCII ? key == Self.targetingKeyKey : text == AttributeKind.targetingKeyName
        let isDuplicate: Bool
        if members.count < JSONParser.scannedMembers {
            if isTargetingKey {
                isDuplicate = members.sawTargetingKey
            } else if isASCII && !members.sawNonASCIIName {
                isDuplicate = context.attributes.contains(key: key, name: name)
            } else {
                isDuplicate = context.attributes.containsName(text)
            }
        } else {
            if members.names == nil {
                var names = Set<String>(minimumCapacity: members.count * 2)
                for (attribute, _) in context.attributes { names.insert(attribute) }
                if members.sawTargetingKey { names.insert(AttributeKind.targetingKeyName) }
                members.names = names
            }
            isDuplicate = !members.names!.insert(text).inserted
        }
        if isDuplicate { throw failure("duplicate member '\(text)'", at: nameStart) }
        if !isASCII { members.sawNonASCIIName = true }
        members.count += 1
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
            throw position < bytes.count ? unexpected("expected ':'") : failure("unexpected end of input")
        }
        position += 1
        skipWhitespace()
        if isTargetingKey {
            members.sawTargetingKey = true
            try targetingKey(into: &context)
        } else {
            // Duplicates were refused above, so each name is new: appending keeps building linear.
            try appendMember(key: key, name: name, to: &context.attributes)
        }
    }

    /// The `targetingKey` member's value: a string, a number in its bucketing text (so `42` and `"42"`
    /// are the same user), null (none); any other value marks the context invalid.
    private mutating func targetingKey(into context: inout EvaluationContext) throws(JSONParser.Failure) {
        guard position < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "\""): context.targetingKey = try string()
        case UInt8(ascii: "n"): _ = try expect("null", .null)
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "["), UInt8(ascii: "{"):
            _ = try value(depth: 1)
            context.invalidReason = "'targetingKey' must be a string or a number"
        default: context.targetingKey = Bucketing.canonicalNumberText(try number())
        }
    }

    /// The contents of the string whose opening quote is at `position`, when they are printable ASCII
    /// without escapes (and `position` then past its closing quote); nil otherwise, `position` unmoved.
    @inline(__always)
    private mutating func plainASCII() -> Range<Int>? {
        let start = position + 1
        let end = plainRunEnd(from: start)
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        position = end + 1
        return start..<end
    }

    /// Checks that only whitespace follows the object.
    private mutating func end() throws(JSONParser.Failure) {
        skipWhitespace()
        guard position == bytes.count else { throw unexpected("unexpected text after the value") }
    }

    /// Reads a member's value into a new record of `attributes`: a string's bytes straight from the
    /// input (or from `scratch` after escapes), scalars in place, arrays and objects by `value(depth:)`.
    @inline(__always)
    private mutating func appendMember(
        key: NameKey,
        name: UnsafeBufferPointer<UInt8>,
        to attributes: inout ContextAttributes
    ) throws(JSONParser.Failure) {
        guard position < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            switch try stringBytes() {
            case .input(let range):
                attributes.appendString(key: key, name: name, UnsafeBufferPointer(rebasing: bytes[range]))
            case .scratch: scratch.withUnsafeBufferPointer { attributes.appendString(key: key, name: name, $0) }
            }
        case UInt8(ascii: "t"):
            _ = try expect("true", .null)
            attributes.appendScalar(key: key, name: name, .bool, 1)
        case UInt8(ascii: "f"):
            _ = try expect("false", .null)
            attributes.appendScalar(key: key, name: name, .bool, 0)
        case UInt8(ascii: "n"):
            _ = try expect("null", .null)
            attributes.appendScalar(key: key, name: name, .null, 0)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            attributes.append(key: key, name: name, JSONParser.attribute(try value(depth: 1)))
        default: attributes.appendScalar(key: key, name: name, .number, try number().bitPattern)
        }
    }
}
