import Foundation

/// A reference interpreter of the flag language, written from the product's semantics for clarity,
/// not speed: every helper here (murmur3, number text, semantic versions, RFC 3339, IP addresses,
/// simple lowercase, the small regex subset) is its own, so that it shares no code, and no bug, with
/// the runtime.
///
/// Readings of the contract where it leaves room, chosen here and documented in docs/testing.md:
/// - `ne`, `notIn`, `notContains` are the negations of `eq`, `in`, `contains` for every present
///   non-object value (a number is "not containing" any text).
/// - `contains` on a list is membership with `eq`'s equality (a number and a numeric string equal as
///   numbers), honouring `ignoreCase`.
/// - A bucketing value that is a boolean buckets as `true` / `false`.
/// - A number `targetingKey` is its bucketing text everywhere (conditions, segment lists, bucketing).
/// - Second 60 of an RFC 3339 time counts as 60 seconds into its minute.
/// - A numeric string beyond the double range (`"1e400"`) is no number; a semantic version's numeric
///   identifiers are at most 2^64 − 1 (a larger one makes the version invalid).
struct DiffReference {
    let project: DProject

    // MARK: Flags

    func evaluate(_ key: String, _ context: DContext) -> DAnswer {
        switch context.targetingKey {
        case nil, .null?, .string?, .number?: break
        default: return DAnswer(value: nil, variant: nil, reason: "ERROR", rule: nil, errorCode: "INVALID_CONTEXT")
        }
        guard let flag = project.flags.first(where: { $0.key == key }) else {
            return DAnswer(value: nil, variant: nil, reason: "ERROR", rule: nil, errorCode: "FLAG_NOT_FOUND")
        }
        let settings = effectiveSettings(flag)
        func answer(_ variant: String, _ reason: String, _ rule: String? = nil) -> DAnswer {
            let value = flag.variantList.first { $0.name == variant }!.value
            return DAnswer(value: value, variant: variant, reason: reason, rule: rule, errorCode: nil)
        }
        let defaultVariant = settings.defaultVariant!
        let offVariant =
            settings.offVariant
            ?? (flag.type == .boolean
                ? flag.variantList.first { if case .bool(false) = $0.value { true } else { false } }!.name
                : defaultVariant)
        if settings.enabled == false { return answer(offVariant, "DISABLED") }
        for prerequisite in flag.requires where evaluate(prerequisite.flag, context).variant != prerequisite.variant {
            return answer(offVariant, "PREREQUISITE_FAILED")
        }
        let rules = settings.rules ?? []
        if rules.isEmpty { return answer(defaultVariant, "STATIC") }
        for rule in rules {
            if let when = rule.when, !holds(when, context) { continue }
            switch rule.serve {
            case .variant(let name):
                return answer(name, "TARGETING_MATCH", rule.name)
            case .split(let weights, let by):
                guard let bucket = bucket(flag, by, context) else { continue }
                var cumulative = 0
                var chosen = weights.last!.variant
                for weight in weights {
                    cumulative += weight.hundredths
                    if bucket < cumulative {
                        chosen = weight.variant
                        break
                    }
                }
                return answer(chosen, "SPLIT", rule.name)
            case .progressive(let variant, let others, let steps, let by):
                guard let bucket = bucket(flag, by, context) else { continue }
                var percent = 0
                for step in steps where Self.seconds(step.at)! <= context.now { percent = step.hundredths }
                return answer(bucket < percent ? variant : others, "SPLIT", rule.name)
            }
        }
        return answer(defaultVariant, "DEFAULT")
    }

    func effectiveSettings(_ flag: DFlag) -> DSettings {
        var settings = flag.settings
        if let override = flag.environments.last(where: { $0.name == project.environment })?.settings {
            if let enabled = override.enabled { settings.enabled = enabled }
            if let name = override.defaultVariant { settings.defaultVariant = name }
            if let name = override.offVariant { settings.offVariant = name }
            if let rules = override.rules { settings.rules = rules }
        }
        return settings
    }

    /// murmur3_x86_32("SALT.VALUE") mod 10000, or nil when the value is missing, a list or an object.
    func bucket(_ flag: DFlag, _ by: String?, _ context: DContext) -> Int? {
        let text: String
        switch attribute(by ?? "targetingKey", context) {
        case .string(let string)?: text = string
        case .number(let number)?: text = DiffText.jsNumber(number)
        case .bool(let bool)?: text = bool ? "true" : "false"
        default: return nil
        }
        return Int(Self.murmur3(Array(((flag.salt ?? flag.key) + "." + text).utf8)) % 10_000)
    }

    /// An attribute's value; nil when missing or null. `now` is the evaluation clock, and a number
    /// targeting key is its text.
    func attribute(_ name: String, _ context: DContext) -> DValue? {
        let value: DValue?
        switch name {
        case "targetingKey":
            if case .number(let number)? = context.targetingKey { return .string(DiffText.jsNumber(number)) }
            value = context.targetingKey
        case "now": return .number(context.now)
        default: value = context.attributes.last { $0.0 == name }?.1
        }
        if case .null? = value { return nil }
        return value
    }

    // MARK: Conditions

    func holds(_ condition: DCondition, _ context: DContext) -> Bool {
        condition.entries.allSatisfy { holds($0, context) }
    }

    func holds(_ entry: DEntry, _ context: DContext) -> Bool {
        switch entry {
        case .all(let items): return items.allSatisfy { holds($0, context) }
        case .any(let items): return items.contains { holds($0, context) }
        case .not(let inner): return !holds(inner, context)
        case .segment(let name): return isMember(name, context)
        case .predicate(let name, let predicate):
            let value = attribute(name, context)
            switch predicate {
            case .scalar(let literal): return holds(.eq(literal), value, ignoreCase: false)
            case .list(let literals): return holds(.isIn(literals), value, ignoreCase: false)
            case .operators(let operators, let ignoreCase):
                return operators.allSatisfy { holds($0, value, ignoreCase: ignoreCase ?? false) }
            }
        }
    }

    func isMember(_ name: String, _ context: DContext) -> Bool {
        let segment = project.segments.first { $0.name == name }!
        if case .string(let key)? = attribute("targetingKey", context) {
            if segment.exclude.contains(where: { Self.same($0, key) }) { return false }
            if segment.include.contains(where: { Self.same($0, key) }) { return true }
        }
        guard let when = segment.when else { return false }
        return holds(when, context)
    }

    func holds(_ op: DOperator, _ value: DValue?, ignoreCase: Bool) -> Bool {
        guard let value else {
            switch op {
            case .ne, .notIn, .notContains: return true
            case .exists(let exists): return !exists
            default: return false
            }
        }
        if case .object = value {
            if case .exists(let exists) = op { return exists }
            return false
        }
        switch op {
        case .exists(let exists): return exists
        case .eq(let literal): return anyEquals(value, [literal], ignoreCase)
        case .ne(let literal): return !anyEquals(value, [literal], ignoreCase)
        case .isIn(let literals): return anyEquals(value, literals, ignoreCase)
        case .notIn(let literals): return !anyEquals(value, literals, ignoreCase)
        case .contains(let text): return contains(value, text, ignoreCase)
        case .notContains(let text): return !contains(value, text, ignoreCase)
        case .startsWith(let text):
            guard case .string(let string) = value else { return false }
            let (a, b) = (Self.scalars(string, ignoreCase), Self.scalars(text, ignoreCase))
            return a.count >= b.count && Array(a[0..<b.count]) == b
        case .endsWith(let text):
            guard case .string(let string) = value else { return false }
            let (a, b) = (Self.scalars(string, ignoreCase), Self.scalars(text, ignoreCase))
            return a.count >= b.count && Array(a[(a.count - b.count)...]) == b
        case .matches(let pattern):
            guard case .string(let string) = value else { return false }
            return Self.search(pattern, in: Array(string.unicodeScalars), ignoreCase: ignoreCase)
        case .gt(let operand): return Self.number(value).map { $0 > operand } ?? false
        case .gte(let operand): return Self.number(value).map { $0 >= operand } ?? false
        case .lt(let operand): return Self.number(value).map { $0 < operand } ?? false
        case .lte(let operand): return Self.number(value).map { $0 <= operand } ?? false
        case .semver(let comparison, let operand):
            guard case .string(let text) = value, let version = SemverRef(text) else { return false }
            let order = version.compare(SemverRef(operand)!)
            switch comparison {
            case .semverEq: return order == 0
            case .semverGt: return order > 0
            case .semverGte: return order >= 0
            case .semverLt: return order < 0
            case .semverLte: return order <= 0
            }
        case .before(let operand): return Self.time(value).map { $0 < Self.seconds(operand)! } ?? false
        case .after(let operand): return Self.time(value).map { $0 > Self.seconds(operand)! } ?? false
        case .inCidr(let ranges):
            guard case .string(let text) = value, let address = IPRef.address(text) else { return false }
            return ranges.contains { IPRef.range($0)!.contains(address) }
        }
    }

    /// eq / in: a scalar equal to one of the literals, or a list with such an element.
    func anyEquals(_ value: DValue, _ literals: [DLiteral], _ ignoreCase: Bool) -> Bool {
        if case .array(let items) = value {
            return items.contains { item in literals.contains { Self.equals(item, $0, ignoreCase) } }
        }
        return literals.contains { Self.equals(value, $0, ignoreCase) }
    }

    /// Substring of a string; membership in a list.
    func contains(_ value: DValue, _ text: String, _ ignoreCase: Bool) -> Bool {
        switch value {
        case .string(let string):
            let (a, b) = (Self.scalars(string, ignoreCase), Self.scalars(text, ignoreCase))
            if b.isEmpty { return true }
            guard a.count >= b.count else { return false }
            return (0...(a.count - b.count)).contains { Array(a[$0..<($0 + b.count)]) == b }
        case .array(let items): return items.contains { Self.equals($0, .string(text), ignoreCase) }
        default: return false
        }
    }

    /// One value against one literal: strings as code points (or simple-lowercased code points),
    /// numbers as numbers, a number and a numeric string as numbers, booleans as booleans.
    static func equals(_ value: DValue, _ literal: DLiteral, _ ignoreCase: Bool) -> Bool {
        switch (value, literal) {
        case (.string(let a), .string(let b)): return scalars(a, ignoreCase) == scalars(b, ignoreCase)
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .number(let b)): return numericString(a).map { $0 == b } ?? false
        case (.number(let a), .string(let b)): return numericString(b).map { $0 == a } ?? false
        case (.bool(let a), .bool(let b)): return a == b
        default: return false
        }
    }

    static func same(_ a: String, _ b: String) -> Bool { scalars(a, false) == scalars(b, false) }

    /// The code points of `text`, each simple-lowercased when `ignoreCase`.
    static func scalars(_ text: String, _ ignoreCase: Bool) -> [UInt32] {
        text.unicodeScalars.map { ignoreCase ? simpleLowercase($0).value : $0.value }
    }

    /// Unicode simple lowercase mapping (UnicodeData.txt field 13). Swift exposes the full mapping,
    /// which differs from the simple one only for U+0130 (İ → i̇ in full, i in simple).
    static func simpleLowercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.value == 0x130 { return "i" }
        let mapping = scalar.properties.lowercaseMapping.unicodeScalars
        precondition(mapping.count == 1, "U+\(String(scalar.value, radix: 16)) has a multi-scalar lowercase")
        return mapping.first!
    }

    /// A number, or a numeric string read as a number.
    static func number(_ value: DValue) -> Double? {
        switch value {
        case .number(let number): number
        case .string(let string): numericString(string)
        default: nil
        }
    }

    /// Unix seconds: a number, an RFC 3339 string, or a numeric string.
    static func time(_ value: DValue) -> Double? {
        switch value {
        case .number(let number): number
        case .string(let string): rfc3339(string) ?? numericString(string)
        default: nil
        }
    }

    static func seconds(_ time: DTime) -> Double? {
        switch time {
        case .seconds(let seconds): seconds
        case .text(let text): rfc3339(text)
        }
    }

    /// The value of a string that is exactly the JSON number grammar:
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func numericString(_ text: String) -> Double? {
        let s = Array(text.unicodeScalars)
        var i = 0
        func digit(_ index: Int) -> Bool { index < s.count && ("0"..."9").contains(s[index]) }
        if i < s.count && s[i] == "-" { i += 1 }
        guard digit(i) else { return nil }
        if s[i] == "0" { i += 1 } else { while digit(i) { i += 1 } }
        if i < s.count && s[i] == "." {
            i += 1
            guard digit(i) else { return nil }
            while digit(i) { i += 1 }
        }
        if i < s.count && (s[i] == "e" || s[i] == "E") {
            i += 1
            if i < s.count && (s[i] == "+" || s[i] == "-") { i += 1 }
            guard digit(i) else { return nil }
            while digit(i) { i += 1 }
        }
        guard i == s.count else { return nil }
        // Decided: a numeric string beyond the double range ("1e400") is no number.
        let value = strtod(text, nil)
        return value.isFinite ? value : nil
    }

    /// RFC 3339 date-time: `YYYY-MM-DD(T|t)HH:MM:SS(.fraction)?(Z|z|±HH:MM)`, second 0…60.
    static func rfc3339(_ text: String) -> Double? {
        let s = Array(text.unicodeScalars)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= s.count else { return nil }
            var value = 0
            for scalar in s[start..<(start + count)] {
                guard ("0"..."9").contains(scalar) else { return nil }
                value = value * 10 + Int(scalar.value - 48)
            }
            return value
        }
        guard s.count >= 20, let year = number(0, 4), s[4] == "-", let month = number(5, 2), s[7] == "-",
            let day = number(8, 2), s[10] == "T" || s[10] == "t", let hour = number(11, 2), s[13] == ":",
            let minute = number(14, 2), s[16] == ":", let second = number(17, 2)
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...days[month - 1]).contains(day), hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < s.count && s[i] == "." {
            var digits = "0."
            i += 1
            while i < s.count, ("0"..."9").contains(s[i]) {
                digits.unicodeScalars.append(s[i])
                i += 1
            }
            guard digits.count > 2 else { return nil }
            fraction = Double(digits)!
        }
        var offset = 0
        guard i < s.count else { return nil }
        if s[i] == "Z" || s[i] == "z" {
            i += 1
        } else if s[i] == "+" || s[i] == "-" {
            guard let hours = number(i + 1, 2), i + 3 < s.count, s[i + 3] == ":", let minutes = number(i + 4, 2),
                hours <= 23, minutes <= 59
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (s[i] == "-" ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == s.count else { return nil }
        // Days from 1970-01-01 to the date (proleptic Gregorian), by counting.
        var dayNumber = 0
        if year >= 1970 {
            for y in 1970..<year { dayNumber += isLeap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { dayNumber -= isLeap(y) ? 366 : 365 }
        }
        for m in 0..<(month - 1) { dayNumber += days[m] }
        dayNumber += day - 1
        let whole = dayNumber * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Double(whole) + fraction
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    // MARK: Regular expressions (the generated subset)

    /// Searches `pattern` anywhere in `text`; every atom matches exactly one code point.
    static func search(_ pattern: DPattern, in text: [Unicode.Scalar], ignoreCase: Bool) -> Bool {
        let count = pattern.atoms.count
        guard text.count >= count else { return false }
        let starts = pattern.anchoredStart ? [0] : Array(0...(text.count - count))
        return starts.contains { start in
            if pattern.anchoredEnd && start + count != text.count { return false }
            return pattern.atoms.indices.allSatisfy { matches(pattern.atoms[$0], text[start + $0], ignoreCase) }
        }
    }

    /// RE2 folds ASCII letters with their case partners, and k with U+212A KELVIN SIGN, s with
    /// U+017F LONG S.
    static func regexFold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x41...0x5A: Unicode.Scalar(scalar.value + 0x20)!
        case 0x212A: "k"
        case 0x17F: "s"
        default: scalar
        }
    }

    static func matches(_ atom: DPattern.Atom, _ scalar: Unicode.Scalar, _ ignoreCase: Bool) -> Bool {
        switch atom {
        case .any: return scalar != "\n"
        case .digit: return ("0"..."9").contains(scalar)
        case .lower: return ("a"..."z").contains(ignoreCase ? regexFold(scalar) : scalar)
        case .literal(let literal):
            return ignoreCase ? regexFold(literal) == regexFold(scalar) : literal == scalar
        }
    }

    // MARK: murmur3

    /// MurmurHash3 x86_32, seed 0.
    static func murmur3(_ bytes: [UInt8]) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51
        let c2: UInt32 = 0x1b87_3593
        var h: UInt32 = 0
        var i = 0
        while i + 4 <= bytes.count {
            var k =
                UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            k = (k &* c1).rotatedLeft(15) &* c2
            h ^= k
            h = h.rotatedLeft(13) &* 5 &+ 0xe654_6b64
            i += 4
        }
        var tail: UInt32 = 0
        let rest = bytes.count - i
        if rest >= 3 { tail ^= UInt32(bytes[i + 2]) << 16 }
        if rest >= 2 { tail ^= UInt32(bytes[i + 1]) << 8 }
        if rest >= 1 {
            tail ^= UInt32(bytes[i])
            h ^= (tail &* c1).rotatedLeft(15) &* c2
        }
        h ^= UInt32(truncatingIfNeeded: bytes.count)
        h ^= h >> 16
        h = h &* 0x85eb_ca6b
        h ^= h >> 13
        h = h &* 0xc2b2_ae35
        h ^= h >> 16
        return h
    }
}

extension UInt32 {
    fileprivate func rotatedLeft(_ count: UInt32) -> UInt32 { (self << count) | (self >> (32 - count)) }
}

/// A Semantic Versioning 2.0.0 version: strict grammar, precedence per §11 (build ignored).
struct SemverRef {
    var core: [String]  // three numeric identifiers, no leading zeros
    var prerelease: [String]

    init?(_ text: String) {
        var rest = Substring(text)
        var build: Substring?
        if let plus = rest.firstIndex(of: "+") {
            build = rest[rest.index(after: plus)...]
            rest = rest[..<plus]
        }
        var pre: Substring?
        if let dash = rest.firstIndex(of: "-") {
            pre = rest[rest.index(after: dash)...]
            rest = rest[..<dash]
        }
        func isIdentifierChar(_ c: Character) -> Bool {
            c.isASCII && (c.isLetter || c.isNumber || c == "-")
        }
        func isNumeric(_ s: Substring) -> Bool { !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber } }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ isNumeric($0) && ($0 == "0" || $0.first != "0") }) else {
            return nil
        }
        // Decided: numeric identifiers are at most 2^64 − 1; a larger one makes the version invalid.
        guard parts.allSatisfy({ UInt64($0) != nil }) else { return nil }
        core = parts.map(String.init)
        prerelease = []
        if let pre {
            let identifiers = pre.split(separator: ".", omittingEmptySubsequences: false)
            for identifier in identifiers {
                guard !identifier.isEmpty, identifier.allSatisfy(isIdentifierChar) else { return nil }
                if isNumeric(identifier) && identifier.count > 1 && identifier.first == "0" { return nil }
                if isNumeric(identifier) && UInt64(identifier) == nil { return nil }
            }
            prerelease = identifiers.map(String.init)
        }
        if let build {
            let identifiers = build.split(separator: ".", omittingEmptySubsequences: false)
            guard identifiers.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isIdentifierChar) }) else { return nil }
        }
    }

    /// Numeric identifiers of any length, compared as integers (no leading zeros: longer is larger).
    static func compareNumeric(_ a: String, _ b: String) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        return a == b ? 0 : (a < b ? -1 : 1)
    }

    func compare(_ other: SemverRef) -> Int {
        for (a, b) in zip(core, other.core) {
            let order = Self.compareNumeric(a, b)
            if order != 0 { return order }
        }
        switch (prerelease.isEmpty, other.prerelease.isEmpty) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        default: break
        }
        for (a, b) in zip(prerelease, other.prerelease) {
            let aNumeric = a.allSatisfy { $0.isASCII && $0.isNumber }
            let bNumeric = b.allSatisfy { $0.isASCII && $0.isNumber }
            let order: Int
            switch (aNumeric, bNumeric) {
            case (true, true): order = Self.compareNumeric(a, b)
            case (true, false): order = -1
            case (false, true): order = 1
            case (false, false):
                order =
                    Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) ? -1 : (a.utf8.elementsEqual(b.utf8) ? 0 : 1)
            }
            if order != 0 { return order }
        }
        return prerelease.count == other.prerelease.count ? 0 : (prerelease.count < other.prerelease.count ? -1 : 1)
    }
}

/// IPv4 and IPv6 addresses as 128-bit values, IPv4 as its IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`), so that the two forms are equal both ways.
enum IPRef {
    struct Range {
        var address: [UInt8]
        var prefix: Int

        func contains(_ other: [UInt8]) -> Bool {
            for bit in 0..<prefix {
                let mask = UInt8(0x80) >> UInt8(bit % 8)
                if address[bit / 8] & mask != other[bit / 8] & mask { return false }
            }
            return true
        }
    }

    static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || part.first != "0", let value = Int(part), value <= 255
            else { return nil }
            bytes.append(UInt8(value))
        }
        return bytes
    }

    static func address(_ text: String) -> [UInt8]? {
        if let v4 = ipv4(Substring(text)) { return Array(repeating: 0, count: 10) + [0xFF, 0xFF] + v4 }
        return ipv6(text)
    }

    /// RFC 4291 §2.2 text forms: eight groups of 1–4 hex digits, one `::`, a trailing dotted IPv4.
    static func ipv6(_ text: String) -> [UInt8]? {
        guard text.contains(":") else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4 && index == pieces.count - 1 && piece.contains(".") {
                    guard let v4 = ipv4(piece) else { return nil }
                    result += [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit),
                    let value = UInt16(piece, radix: 16)
                else { return nil }
                result.append(value)
            }
            return result
        }
        var words: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowIPv4: false), let tail = groups(halves[1], allowIPv4: true),
                head.count + tail.count <= 7
            else { return nil }
            words = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = groups(halves[0], allowIPv4: true), all.count == 8 else { return nil }
            words = all
        }
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// `ADDRESS/PREFIX`; an IPv4 range's prefix counts within the mapped range (+96).
    static func range(_ text: String) -> Range? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]) else { return nil }
        if let v4 = ipv4(parts[0]) {
            guard (0...32).contains(prefix) else { return nil }
            return Range(address: Array(repeating: 0, count: 10) + [0xFF, 0xFF] + v4, prefix: prefix + 96)
        }
        guard let v6 = ipv6(String(parts[0])), (0...128).contains(prefix) else { return nil }
        return Range(address: v6, prefix: prefix)
    }
}
