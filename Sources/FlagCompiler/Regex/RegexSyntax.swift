// Over 700 lines on purpose: one recursive-descent parser of the RE2 dialect, whose productions call
// each other; split, a reader would jump between files to follow one pattern.

/// Why a `matches` pattern was refused: an RE2 syntax error, a feature RE2 does not have (backreferences,
/// lookaround) or a pattern whose automaton would be too large.
package struct RegexCompileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, lower case, with the offending text quoted.
    package var message: String
    /// Where in the pattern, in `Character`s from its start (0-based); 0 for problems of the whole pattern.
    package var offset: Int

    package init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    package var description: String { "\(message) (at offset \(offset))" }
}

// The messages, next to nothing else so they read as a list. Offsets here are in scalars; `RegexSyntax.parse`
// converts them to `Character` offsets.
extension RegexCompileError {
    static func missingClosingParenthesis(at offset: Int) -> Self {
        Self("missing closing ')' for the group opened here", offset: offset)
    }
    static func unexpectedClosingParenthesis(at offset: Int) -> Self {
        Self("unexpected ')' without a matching '('", offset: offset)
    }
    static func missingClosingBracket(at offset: Int) -> Self {
        Self("missing closing ']' for the character class opened here", offset: offset)
    }
    static func invalidClassRange(_ text: String, at offset: Int) -> Self {
        Self("invalid character class range '\(text)': its start is after its end", offset: offset)
    }
    static func invalidEscape(_ text: String, at offset: Int) -> Self {
        Self("invalid escape sequence '\(text)'", offset: offset)
    }
    static func endOfTextEscape(at offset: Int) -> Self {
        Self("invalid escape sequence '\\Z' (RE2 syntax); use '\\z' for the end of the text", offset: offset)
    }
    static func anyByteEscape(at offset: Int) -> Self {
        Self("'\\C' (any byte) is not supported: it can split a UTF-8 character", offset: offset)
    }
    static func trailingBackslash(at offset: Int) -> Self {
        Self("trailing backslash at end of pattern; write '\\\\' for a literal backslash", offset: offset)
    }
    static func backreference(at offset: Int) -> Self {
        Self("backreferences are not supported (RE2 syntax)", offset: offset)
    }
    static func lookaround(at offset: Int) -> Self {
        Self("lookahead and lookbehind are not supported (RE2 syntax)", offset: offset)
    }
    static func missingRepetitionArgument(_ text: String, at offset: Int) -> Self {
        Self("missing argument to repetition operator '\(text)'", offset: offset)
    }
    static func nestedRepetitionOperator(_ text: String, at offset: Int) -> Self {
        Self("bad repetition operator '\(text)': repetition operators cannot follow each other", offset: offset)
    }
    static func invertedRepetitionRange(_ text: String, at offset: Int) -> Self {
        Self("bad repetition operator '\(text)': the minimum is greater than the maximum", offset: offset)
    }
    static func repetitionCountTooLarge(_ text: String, at offset: Int) -> Self {
        Self("bad repetition operator '\(text)': repeat counts are limited to 1000", offset: offset)
    }
    static func nestedRepetitionTooLarge(_ text: String, at offset: Int) -> Self {
        Self("bad repetition operator '\(text)': nested repeat counts multiply to more than 1000", offset: offset)
    }
    static func invalidGroupSyntax(_ text: String, at offset: Int) -> Self {
        Self(
            "invalid or unsupported group syntax '\(text)'; RE2 knows (?:…), (?P<name>…), (?<name>…) and the "
                + "flags imsU",
            offset: offset
        )
    }
    static func invalidCaptureName(_ text: String, at offset: Int) -> Self {
        Self("invalid capture group name in '\(text)': use letters, digits and '_'", offset: offset)
    }
    static func duplicateCaptureName(_ name: String, at offset: Int) -> Self {
        Self("duplicate capture group name '\(name)'", offset: offset)
    }
    static func invalidPosixClass(_ text: String, at offset: Int) -> Self {
        Self("invalid POSIX character class '\(text)'", offset: offset)
    }
    static func unsupportedUnicodeClass(_ text: String, at offset: Int) -> Self {
        Self(
            "unicode class '\(text)' is not supported: only \\p{Any} and general categories such as \\p{L}, \\p{Lu} "
                + "or \\p{Nd} are (no scripts)",
            offset: offset
        )
    }
    static func unterminatedUnicodeClass(_ text: String, at offset: Int) -> Self {
        Self("invalid unicode class '\(text)': missing '}'", offset: offset)
    }
    static func nestingTooDeep(at offset: Int) -> Self {
        Self("pattern nests groups more than \(RegexSyntax.maximumNestingDepth) levels deep", offset: offset)
    }
    static func tooComplex(maximumStates: Int) -> Self {
        Self("pattern too complex: its automaton would need more than \(maximumStates) states", offset: 0)
    }
}

/// A zero-width assertion.
package enum RegexAssertion: Hashable, Sendable, CaseIterable {
    /// `\A`, and `^` without `(?m)`.
    case startOfText
    /// `\z`, and `$` without `(?m)` (RE2's `$` does not match before a final newline).
    case endOfText
    /// `^` with `(?m)`: the start of the text or just after `\n`.
    case startOfLine
    /// `$` with `(?m)`: the end of the text or just before `\n`.
    case endOfLine
    /// `\b`: between an ASCII word byte (`[0-9A-Za-z_]`) and a non-word byte or the edge of the text.
    case wordBoundary
    /// `\B`: not at a `\b`.
    case notWordBoundary
}

/// A parsed pattern, with the flags already applied: a case-insensitive literal is a set of its case variants, `.`
/// is the set it stands for, `^`/`$` are the assertion that `(?m)` selects. Captures and laziness are gone: only
/// the language matters for a boolean search.
package indirect enum RegexNode: Hashable, Sendable {
    /// Matches the empty string.
    case empty
    /// One character from the set (never matches when the set is empty).
    case codePoints(CodePointSet)
    case assertion(RegexAssertion)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `minimum` to `maximum` (unbounded when `nil`) repetitions.
    case repetition(RegexNode, minimum: Int, maximum: Int?)

    /// Whether every match must start at the start of the text (`\A…`, `^…` without `(?m)`), so the search need
    /// not try later starts.
    package var isAnchoredAtStart: Bool {
        switch self {
        case .assertion(.startOfText): true
        case .concatenation(let items): items.first?.isAnchoredAtStart ?? false
        case .alternation(let branches): !branches.isEmpty && branches.allSatisfy(\.isAnchoredAtStart)
        case .repetition(let body, let minimum, _): minimum > 0 && body.isAnchoredAtStart
        case .empty, .codePoints, .assertion: false
        }
    }
}

/// The RE2 pattern syntax: parses a pattern into a ``RegexNode``.
///
/// Accepted: literals; escapes `\a \f \t \n \r \v`, octal `\0`, `\012` (a single `\1`…`\9` is a backreference and
/// refused), `\x41`, `\x{10FFFF}`, escaped ASCII punctuation, `\Q…\E`; `.`; classes `[…]` with ranges, negation,
/// escapes, `[:alpha:]`-style POSIX names (and `[:^alpha:]`), `\d \w \s \D \W \S`, `\p{…}`/`\pL`/`\P{…}`/`\p{^…}`
/// for `Any` and general categories; anchors `^ $ \A \z`, `\b \B`; groups `(…)`, `(?:…)`, `(?P<name>…)`,
/// `(?<name>…)`; flags `(?imsU)`, `(?-i)`, `(?i:…)`; alternation; `* + ? {n} {n,} {n,m}` and their lazy forms.
/// Refused with a ``RegexCompileError``: everything else RE2 refuses, plus `\C` and Unicode scripts.
package enum RegexSyntax {
    /// RE2's limit on group nesting.
    package static let maximumNestingDepth = 1000
    /// RE2's limit on repeat counts.
    package static let maximumRepeatCount = 1000

    /// Parses `pattern`; `caseInsensitive` is the initial `(?i)` flag.
    ///
    /// - Throws: ``RegexCompileError`` with the offset, in `Character`s, of the offending construct.
    package static func parse(_ pattern: String, caseInsensitive: Bool = false) throws(RegexCompileError) -> RegexNode {
        var parser = Parser(pattern: pattern, caseInsensitive: caseInsensitive)
        do {
            return try parser.parsePattern()
        } catch {
            throw RegexCompileError(
                error.message,
                offset: characterOffset(ofScalarOffset: error.offset, in: pattern)
            )
        }
    }

    /// Converts an offset in Unicode scalars to one in `Character`s (the character containing that scalar).
    static func characterOffset(ofScalarOffset target: Int, in pattern: String) -> Int {
        var scalars = 0
        var characters = 0
        for character in pattern {
            scalars += character.unicodeScalars.count
            if scalars > target { return characters }
            characters += 1
        }
        return characters
    }
}

/// The flags that `(?imsU)` set.
private struct RegexFlags {
    /// `i`: case-insensitive.
    var caseInsensitive = false
    /// `m`: `^` and `$` match at line boundaries.
    var multiline = false
    /// `s`: `.` matches `\n`.
    var dotMatchesNewline = false
    /// `U`: ungreedy (swaps lazy and greedy; no effect on whether a pattern matches).
    var ungreedy = false
}

/// A recursive-descent parser over the pattern's scalars; errors carry scalar offsets.
private struct Parser {
    let scalars: [Unicode.Scalar]
    var position = 0
    var flags = RegexFlags()
    var depth = 0
    var captureNames: Set<String> = []

    init(pattern: String, caseInsensitive: Bool) {
        scalars = Array(pattern.unicodeScalars)
        flags.caseInsensitive = caseInsensitive
    }

    // MARK: Scanning

    func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        position + ahead < scalars.count ? scalars[position + ahead] : nil
    }

    func text(from start: Int, to end: Int? = nil) -> String {
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars[start..<min(end ?? position, scalars.count)])
        return result
    }

    // MARK: Structure

    mutating func parsePattern() throws(RegexCompileError) -> RegexNode {
        let node = try parseAlternation()
        if position < scalars.count {  // only a ')' stops an alternation early
            throw .unexpectedClosingParenthesis(at: position)
        }
        return node
    }

    mutating func parseAlternation() throws(RegexCompileError) -> RegexNode {
        var branches = [try parseConcatenation()]
        while peek() == "|" {
            position += 1
            branches.append(try parseConcatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func parseConcatenation() throws(RegexCompileError) -> RegexNode {
        var items: [RegexNode] = []
        // Where the previous token began, when it was a repetition operator (RE2 refuses `a**`, `a*{2}`…).
        var previousRepetition: Int?
        while let scalar = peek(), scalar != "|", scalar != ")" {
            let start = position
            var repetition: Int?
            switch scalar {
            case "(":
                if let node = try parseGroup() { items.append(node) }
            case "[":
                items.append(.codePoints(try parseClass()))
            case "*", "+", "?":
                position += 1
                let (minimum, maximum): (Int, Int?) = scalar == "*" ? (0, nil) : scalar == "+" ? (1, nil) : (0, 1)
                try applyRepetition(
                    to: &items,
                    minimum: minimum,
                    maximum: maximum,
                    start: start,
                    previous: previousRepetition,
                    checkCounts: false
                )
                repetition = start
            case "{":
                if let (minimum, maximum) = parseRepeatCounts() {
                    try applyRepetition(
                        to: &items,
                        minimum: minimum,
                        maximum: maximum,
                        start: start,
                        previous: previousRepetition,
                        checkCounts: true
                    )
                    repetition = start
                } else {
                    position += 1
                    items.append(literal("{"))
                }
            case "^":
                position += 1
                items.append(.assertion(flags.multiline ? .startOfLine : .startOfText))
            case "$":
                position += 1
                items.append(.assertion(flags.multiline ? .endOfLine : .endOfText))
            case ".":
                position += 1
                items.append(.codePoints(flags.dotMatchesNewline ? .all : CodePointSet([0...0x09, 0x0B...0x10_FFFF])))
            case "\\":
                try parseEscape(into: &items)
            default:
                position += 1
                items.append(literal(scalar.value))
            }
            previousRepetition = repetition
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concatenation(items)
        }
    }

    /// A literal character, as its set of case variants under `(?i)`.
    func literal(_ codePoint: UInt32) -> RegexNode {
        if flags.caseInsensitive {
            return .codePoints(CodePointSet(CaseFolding.table.orbit(of: codePoint).map { $0...$0 }))
        }
        return .codePoints(CodePointSet(codePoint))
    }

    func literal(_ scalar: Unicode.Scalar) -> RegexNode { literal(scalar.value) }

    // MARK: Repetition

    /// `{n}`, `{n,}` or `{n,m}` with RE2's rules (decimal, no leading zeros); `nil`, consuming nothing, when the
    /// text is not one, so `{` is then a literal.
    mutating func parseRepeatCounts() -> (Int, Int?)? {
        var cursor = position + 1
        func number() -> Int? {
            let start = cursor
            var value = 0
            while cursor < scalars.count, let digit = asciiDigit(scalars[cursor]) {
                if value >= 100_000_000 { return nil }
                value = value * 10 + digit
                cursor += 1
            }
            if cursor == start { return nil }
            if cursor - start > 1 && scalars[start] == "0" { return nil }
            return value
        }
        guard let minimum = number(), cursor < scalars.count else { return nil }
        var maximum: Int? = minimum
        if scalars[cursor] == "," {
            cursor += 1
            guard cursor < scalars.count else { return nil }
            if scalars[cursor] == "}" {
                maximum = nil
            } else {
                guard let value = number() else { return nil }
                maximum = value
            }
        }
        guard cursor < scalars.count, scalars[cursor] == "}" else { return nil }
        position = cursor + 1
        return (minimum, maximum)
    }

    func asciiDigit(_ scalar: Unicode.Scalar) -> Int? {
        ("0"..."9").contains(scalar) ? Int(scalar.value - 0x30) : nil
    }

    /// Applies a repetition operator (already consumed from `start`) to the last item, RE2's checks included.
    mutating func applyRepetition(
        to items: inout [RegexNode],
        minimum: Int,
        maximum: Int?,
        start: Int,
        previous: Int?,
        checkCounts: Bool
    ) throws(RegexCompileError) {
        if peek() == "?" { position += 1 }  // lazy: same language
        let operatorText = text(from: start)
        if let previous {
            throw .nestedRepetitionOperator(text(from: previous), at: previous)
        }
        if checkCounts {
            if let maximum, maximum < minimum { throw .invertedRepetitionRange(operatorText, at: start) }
            if minimum > RegexSyntax.maximumRepeatCount || (maximum ?? 0) > RegexSyntax.maximumRepeatCount {
                throw .repetitionCountTooLarge(operatorText, at: start)
            }
        }
        guard let body = items.popLast() else { throw .missingRepetitionArgument(operatorText, at: start) }
        let node = RegexNode.repetition(body, minimum: minimum, maximum: maximum)
        if minimum >= 2 || (maximum ?? 0) >= 2, Self.repetitionBudget(node, RegexSyntax.maximumRepeatCount) == 0 {
            throw .nestedRepetitionTooLarge(operatorText, at: start)
        }
        items.append(node)
    }

    /// RE2's check on nested counted repetition: 1000 divided by each enclosing count (the maximum, or the minimum
    /// when unbounded) along the deepest path; 0 means the copies would multiply past 1000.
    static func repetitionBudget(_ node: RegexNode, _ budget: Int) -> Int {
        switch node {
        case .repetition(let body, let minimum, let maximum):
            let count = maximum ?? minimum
            let inner = count > 0 ? budget / count : budget
            return min(inner, repetitionBudget(body, inner))
        case .concatenation(let items), .alternation(let items):
            var lowest = budget
            for item in items { lowest = min(lowest, repetitionBudget(item, budget)) }
            return lowest
        case .empty, .codePoints, .assertion:
            return budget
        }
    }

    // MARK: Groups

    /// Parses a group starting at `(`; `nil` for a flag setting like `(?i)`, which only changes `flags`.
    mutating func parseGroup() throws(RegexCompileError) -> RegexNode? {
        let open = position
        position += 1
        if peek() == "?" {
            switch (peek(1), peek(2)) {
            case ("=", _), ("!", _), ("<", "="), ("<", "!"):
                throw .lookaround(at: open)
            case ("P", "="):
                throw .backreference(at: open)
            case ("P", "<"):
                position += 3
                return try parseNamedGroup(open: open)
            case ("<", _):
                position += 2
                return try parseNamedGroup(open: open)
            default:
                position += 1
                return try parseFlagGroup(open: open)
            }
        }
        return try parseGroupBody(open: open, flags: flags)
    }

    /// `(?P<` or `(?<` consumed; reads `name>` and the body.
    mutating func parseNamedGroup(open: Int) throws(RegexCompileError) -> RegexNode {
        let nameStart = position
        guard let end = scalars[nameStart...].firstIndex(of: ">") else {
            throw .invalidCaptureName(text(from: open, to: scalars.count), at: open)
        }
        let name = text(from: nameStart, to: end)
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(Self.isCaptureNameScalar) else {
            throw .invalidCaptureName(text(from: open, to: end + 1), at: open)
        }
        guard captureNames.insert(name).inserted else { throw .duplicateCaptureName(name, at: open) }
        position = end + 1
        return try parseGroupBody(open: open, flags: flags)
    }

    /// RE2's capture name characters: letters, letter numbers, non-enclosing marks, decimal digits and connector
    /// punctuation such as `_`.
    static func isCaptureNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .letterNumber,
            .nonspacingMark, .spacingMark, .decimalNumber, .connectorPunctuation:
            true
        default:
            false
        }
    }

    /// `(?` consumed; reads flags up to `)` (a flag setting: returns `nil`) or `:` (a group with those flags).
    mutating func parseFlagGroup(open: Int) throws(RegexCompileError) -> RegexNode? {
        var newFlags = flags
        var negated = false
        var sawFlag = false
        while true {
            guard let scalar = peek() else { throw .missingClosingParenthesis(at: open) }
            position += 1
            switch scalar {
            case "i": newFlags.caseInsensitive = !negated
            case "m": newFlags.multiline = !negated
            case "s": newFlags.dotMatchesNewline = !negated
            case "U": newFlags.ungreedy = !negated
            case "-":
                if negated { throw .invalidGroupSyntax(text(from: open), at: open) }
                negated = true
                sawFlag = false
                continue
            case ":", ")":
                if negated && !sawFlag { throw .invalidGroupSyntax(text(from: open), at: open) }
                if scalar == ")" {
                    flags = newFlags
                    return nil
                }
                return try parseGroupBody(open: open, flags: newFlags)
            default:
                throw .invalidGroupSyntax(text(from: open), at: open)
            }
            sawFlag = true
        }
    }

    /// Parses the alternation inside a group (its opening consumed) and the closing `)`, with `groupFlags` inside
    /// and the current flags restored after.
    mutating func parseGroupBody(open: Int, flags groupFlags: RegexFlags) throws(RegexCompileError) -> RegexNode {
        depth += 1
        guard depth <= RegexSyntax.maximumNestingDepth else { throw .nestingTooDeep(at: open) }
        let outerFlags = flags
        flags = groupFlags
        let body = try parseAlternation()
        guard peek() == ")" else { throw .missingClosingParenthesis(at: open) }
        position += 1
        flags = outerFlags
        depth -= 1
        return body
    }

    // MARK: Escapes

    /// An escape outside a class: an assertion, a class, `\Q…\E` or a literal character.
    mutating func parseEscape(into items: inout [RegexNode]) throws(RegexCompileError) {
        let start = position
        guard let next = peek(1) else { throw .trailingBackslash(at: start) }
        switch next {
        case "b", "B", "A", "z":
            position += 2
            let assertion: RegexAssertion =
                next == "b" ? .wordBoundary : next == "B" ? .notWordBoundary : next == "A" ? .startOfText : .endOfText
            items.append(.assertion(assertion))
        case "Z":
            throw .endOfTextEscape(at: start)
        case "C":
            throw .anyByteEscape(at: start)
        case "Q":
            position += 2
            while position < scalars.count {
                if scalars[position] == "\\", peek(1) == "E" {
                    position += 2
                    break
                }
                items.append(literal(scalars[position]))
                position += 1
            }
        case "p", "P":
            items.append(.codePoints(try parseUnicodeClass()))
        case "d", "D", "s", "S", "w", "W":
            items.append(.codePoints(parsePerlClass()))
        default:
            items.append(literal(try parseEscapedCharacter()))
        }
    }

    /// A `\`-escape that stands for one character (shared by classes and the rest).
    mutating func parseEscapedCharacter() throws(RegexCompileError) -> UInt32 {
        let start = position
        guard let scalar = peek(1) else { throw .trailingBackslash(at: start) }
        position += 2
        func invalid() -> RegexCompileError { .invalidEscape(text(from: start), at: start) }
        switch scalar {
        case "1"..."9":
            // RE2: one digit 1-7 followed by an octal digit is octal; a lone digit would be a backreference.
            guard scalar <= "7", let following = peek(), ("0"..."7").contains(following) else {
                throw .backreference(at: start)
            }
            fallthrough
        case "0":
            var code = scalar.value - 0x30
            for _ in 0..<2 {
                guard let digit = peek(), ("0"..."7").contains(digit) else { break }
                code = code * 8 + digit.value - 0x30
                position += 1
            }
            return code
        case "x":
            guard let first = peek() else { throw invalid() }
            position += 1
            if first == "{" {
                var code: UInt32 = 0
                var digits = 0
                while let digit = peek(), let value = hexValue(digit) {
                    position += 1
                    digits += 1
                    code = code * 16 + value
                    if code > CodePointSet.maximum { throw invalid() }
                }
                guard digits > 0, peek() == "}" else {
                    if peek() != nil { position += 1 }
                    throw invalid()
                }
                position += 1
                return code
            }
            guard let high = hexValue(first), let second = peek() else { throw invalid() }
            position += 1
            guard let low = hexValue(second) else { throw invalid() }
            return high * 16 + low
        case "n": return 0x0A
        case "r": return 0x0D
        case "t": return 0x09
        case "a": return 0x07
        case "f": return 0x0C
        case "v": return 0x0B
        default:
            // Escaped ASCII punctuation stands for itself; RE2 refuses escaped letters it does not know.
            if scalar.isASCII, !scalar.properties.isAlphabetic, asciiDigit(scalar) == nil {
                return scalar.value
            }
            throw invalid()
        }
    }

    func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 0x30
        case "a"..."f": scalar.value - 0x61 + 10
        case "A"..."F": scalar.value - 0x41 + 10
        default: nil
        }
    }

    /// `\d \s \w \D \S \W` at `position`.
    mutating func parsePerlClass() -> CodePointSet {
        let letter = scalars[position + 1]
        position += 2
        let base: CodePointSet =
            switch letter {
            case "d", "D": .perlDigit
            case "s", "S": .perlSpace
            default: .perlWord
            }
        return group(base, negated: letter.properties.isUppercase)
    }

    /// `\pL`, `\p{Name}`, `\p{^Name}`, `\PL`, `\P{Name}` at `position`.
    mutating func parseUnicodeClass() throws(RegexCompileError) -> CodePointSet {
        let start = position
        var negated = scalars[position + 1] == "P"
        position += 2
        guard let first = peek() else { throw .invalidEscape(text(from: start), at: start) }
        var name: String
        if first == "{" {
            guard let end = scalars[position...].firstIndex(of: "}") else {
                throw .unterminatedUnicodeClass(text(from: start, to: scalars.count), at: start)
            }
            name = text(from: position + 1, to: end)
            position = end + 1
        } else {
            name = String(first)
            position += 1
        }
        if name.hasPrefix("^") {
            negated.toggle()
            name.removeFirst()
        }
        guard let set = CodePointSet.unicodeClass(named: name) else {
            throw .unsupportedUnicodeClass(text(from: start), at: start)
        }
        return group(set, negated: negated)
    }

    /// A named class with the current flags applied: under `(?i)` its case variants are added, and a negated class
    /// is the complement of that (RE2: `(?i)\W` matches neither `k` nor the Kelvin sign).
    func group(_ set: CodePointSet, negated: Bool) -> CodePointSet {
        let folded = flags.caseInsensitive ? set.caseFolded() : set
        return negated ? folded.inverted() : folded
    }

    // MARK: Classes

    /// A bracketed class at `[`.
    mutating func parseClass() throws(RegexCompileError) -> CodePointSet {
        let open = position
        position += 1
        var negated = false
        if peek() == "^" {
            negated = true
            position += 1
        }
        var set = CodePointSet()
        var first = true
        while true {
            guard let scalar = peek() else { throw .missingClosingBracket(at: open) }
            if scalar == "]" && !first {
                position += 1
                break
            }
            first = false
            if scalar == "[", peek(1) == ":", let posix = try parsePosixClass() {
                set.formUnion(posix)
                continue
            }
            if scalar == "\\", let next = peek(1) {
                if next == "p" || next == "P" {
                    set.formUnion(try parseUnicodeClass())
                    continue
                }
                if "dDsSwW".unicodeScalars.contains(next) {
                    set.formUnion(parsePerlClass())
                    continue
                }
            }
            let rangeStart = position
            let low = try parseClassCharacter(open: open)
            var high = low
            if peek() == "-", let next = peek(1), next != "]" {
                position += 1
                high = try parseClassCharacter(open: open)
                guard high >= low else { throw .invalidClassRange(text(from: rangeStart), at: rangeStart) }
            }
            let range = CodePointSet([low...high])
            set.formUnion(flags.caseInsensitive ? range.caseFolded() : range)
        }
        return negated ? set.inverted() : set
    }

    /// One character of a class: an escape or any scalar.
    mutating func parseClassCharacter(open: Int) throws(RegexCompileError) -> UInt32 {
        guard let scalar = peek() else { throw .missingClosingBracket(at: open) }
        if scalar == "\\" {
            guard peek(1) != nil else { throw .missingClosingBracket(at: open) }
            return try parseEscapedCharacter()
        }
        position += 1
        return scalar.value
    }

    /// `[:name:]` or `[:^name:]` at `position`; `nil`, consuming nothing, when no `:]` follows (then `[` is a
    /// literal, as in RE2).
    mutating func parsePosixClass() throws(RegexCompileError) -> CodePointSet? {
        var cursor = position + 2
        while cursor + 1 < scalars.count, !(scalars[cursor] == ":" && scalars[cursor + 1] == "]") { cursor += 1 }
        guard cursor + 1 < scalars.count else { return nil }
        let whole = text(from: position, to: cursor + 2)
        var name = text(from: position + 2, to: cursor)
        let negated = name.hasPrefix("^")
        if negated { name.removeFirst() }
        guard let set = CodePointSet.posixClasses[name] else { throw .invalidPosixClass(whole, at: position) }
        position = cursor + 2
        return group(set, negated: negated)
    }
}
