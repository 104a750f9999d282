import FlagCompiler
import FlagRuntime
import Foundation
import Testing

/// Compiles `pattern` and searches `text`.
private func search(_ pattern: String, _ text: String, caseInsensitive: Bool = false) throws -> Bool {
    try RegexCompiler.compile(pattern, caseInsensitive: caseInsensitive).matches(text)
}

// MARK: - What patterns match

@Suite("Regex syntax and matching")
struct RegexMatchingTests {
    @Test(arguments: [
        ("abc", "xabcx", true), ("abc", "abx", false), ("", "", true), ("", "anything", true),
        ("a\\.c", "a.c", true), ("a\\.c", "abc", false), ("\\n", "a\nb", true), ("\\t", "a\tb", true),
        ("\\r", "\r", true), ("\\f", "\u{0C}", true), ("\\v", "\u{0B}", true), ("\\a", "\u{07}", true),
        ("\\x41", "A", true), ("\\x41", "a", false), ("\\x{e9}", "\u{E9}", true), ("\\x{1F600}", "😀", true),
        ("\\x{10FFFF}", "\u{10FFFF}", true), ("\\0", "\u{0}", true), ("\\101", "A", true), ("\\12", "\n", true),
        ("\\\\", "a\\b", true), ("\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$", "*+?()[]{}|^$", true), ("\\_", "_", true),
        ("\\Qa.b*c\\E", "a.b*c", true), ("\\Qa.b\\E", "axb", false), ("\\Qab", "ab", true), ("a\\Q\\Eb", "ab", true),
        ("a{", "a{", true), ("a{,2}", "a{,2}", true), ("a{x}", "a{x}", true), ("{", "{", true),
        ("a{01}", "a{01}", true), ("a\\x{D800}?b", "ab", true), ("\\x{D800}", "\u{D7FF}\u{E000}", false),
    ])
    func literalsAndEscapes(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text) == expected)
    }

    @Test(arguments: [
        (".", "", false), (".", "\n", false), ("(?s).", "\n", true), ("a.c", "abc", true), ("a.c", "a\nc", false),
        ("[abc]", "xxb", true), ("[abc]", "xyz", false), ("[a-c]", "b", true), ("[^abc]", "abc", false),
        ("[^abc]", "abcd", true), ("[^a]", "\n", true), ("[]a]", "]", true), ("[^]a]", "]", false),
        ("[a-]", "-", true), ("[-a]", "-", true), ("[a\\-z]", "-", true), ("[a\\-z]", "b", false),
        ("[\\d]", "5", true), ("[\\]]", "]", true), ("[[]", "[", true), ("[a-c-e]", "-", true), ("[\\n]", "\n", true),
        ("[\\x41-\\x43]", "B", true), ("[\\d-z]", "-", true), ("[^\\x00-\\x{10FFFF}]", "any text", false),
        ("\\d", "a1", true), ("\\d", "abc", false), ("\\D", "123", false), ("\\D", "12a", true), ("\\w", "_", true),
        ("\\w", "\u{E9}", false), ("\\W", "\u{E9}", true), ("\\s", " ", true), ("\\s", "\u{0B}", false),
        ("\\S", "  ", false), ("[\\s\\d]", "7", true), ("[^\\d\\s]", "1 2", false),
        ("^[[:alpha:]]+$", "abc", true), ("[[:digit:]]", "x", false), ("[[:^digit:]]", "1", false),
        ("[[:space:]]", "\u{0B}", true), ("[[:upper:][:digit:]]", "a", false), ("[[:punct:]]", "!", true),
        ("[[:xdigit:]]", "g", false), ("[[:word:]]", "_", true), ("[[:alnum:]]", "-", false),
        ("[[:blank:]]", "\t", true), ("[[:cntrl:]]", "\u{7F}", true), ("[[:print:]]", "\u{7F}", false),
        ("[[:graph:]]", " ", false), ("[[:lower:]]", "A", false), ("[[:ascii:]]", "\u{E9}", false),
        ("[[:alpha]", "[", true), ("[\\x{4E00}-\\x{9FFF}]", "用", true), ("[α-ω]", "λ", true), ("[α-ω]", "Λ", false),
    ])
    func dotAndClasses(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text) == expected)
    }

    @Test(arguments: [
        ("^abc", "abcd", true), ("^abc", "xabc", false), ("abc$", "xabc", true), ("abc$", "abc\n", false),
        ("^$", "", true), ("^$", "a", false), ("^", "anything", true), ("$", "", true), ("\\Aabc", "abc", true),
        ("\\Aabc", "\nabc", false), ("abc\\z", "abc", true), ("abc\\z", "abc\n", false), ("(?m)^b", "a\nb", true),
        ("^b", "a\nb", false), ("(?m)a$", "a\nb", true), ("a$", "a\nb", false), ("(?m)^$", "a\n\nb", true),
        ("(?m)^$", "ab", false), ("(?m)\\Ab", "a\nb", false), ("(?m)a\\z", "a\nb", false), ("a^b", "a^b", false),
        ("x*^a", "a", true), ("^a|b$", "xb", true), ("^a|b$", "ba", false), ("(?m)^a$", "x\na\ny", true),
        ("^(?m:^)a", "a", true), ("a$|^b", "ab", false), ("(^a|b)c", "xbc", true), ("(^a|b)c", "xac", false),
    ])
    func anchors(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text) == expected)
    }

    @Test(arguments: [
        ("\\bfoo\\b", "a foo b", true), ("\\bfoo\\b", "afoo", false), ("\\bfoo\\b", "foo", true),
        ("\\bfoo\\b", "foobar", false), ("\\bfoo\\b", "foo.bar", true), ("\\Bfoo", "afoo", true),
        ("\\Bfoo", "foo", false), ("\\b", "", false), ("\\B", "", true), ("\\b", "a", true), ("\\b", " ", false),
        ("\\b\u{E9}", "\u{E9}", false), ("x\\b", "x.", true), ("x\\b", "x_", false), ("\\b_\\b", "_", true),
        ("(?m)^\\b", "\na", true), ("\\b$", "ab", true), ("\\b$", "a ", false), ("a\\B", "ab", true),
        ("a\\B", "a b", false), ("\\b\\d+\\b", "id 42!", true), ("\\b\\d+\\b", "id42", false),
    ])
    func wordBoundaries(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text) == expected)
    }

    @Test(arguments: [
        ("(abc)", "abc", true), ("(?:abc)+", "abcabc", true), ("(?P<year>\\d{4})-(?P<month>\\d\\d)", "2024-05", true),
        ("(?<word>\\w+)", "hi", true), ("(?P<名前>x)", "x", true), ("(?P<a_1>x)", "x", true), ("a|b", "b", true),
        ("a|b", "c", false), ("cat|dog", "hotdog", true),
        ("^(cat|dog)$", "catdog", false), ("a|", "zzz", true), ("|a", "zzz", true), ("^(|a)$", "", true),
        ("^(|a)$", "a", true), ("^(a||b)$", "", true), ("^(a||b)$", "ab", false), ("()", "", true),
        ("^(?:a|b)*$", "abba", true), ("^(?:a|b)*$", "abca", false), ("^((a)|(b))+$", "abab", true),
    ])
    func groupsAndAlternation(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text) == expected)
    }

    @Test(arguments: [
        ("^a*$", "", true), ("^a*$", "aaa", true), ("^a+$", "", false), ("^a+$", "aa", true), ("^a?$", "aa", false),
        ("^a{3}$", "aaa", true), ("^a{3}$", "aa", false), ("^a{2,}$", "aaaaa", true), ("^a{2,}$", "a", false),
        ("^a{2,3}$", "aaaa", false), ("^a{2,3}$", "aaa", true), ("^a{0}$", "", true), ("^a{0}$", "a", false),
        ("^a*?$", "aa", true), ("^a+?b$", "aab", true), ("^a??$", "a", true), ("^a{2,3}?$", "aa", true),
        ("^a{2,}?$", "aaa", true), ("^(ab){2}$", "abab", true), ("^(a{2}){3}$", "aaaaaa", true),
        ("^(a{2}){3}$", "aaaaa", false), ("^(?:a*)*$", "aaa", true), ("^(?:a*)+$", "", true),
        ("(?U)^a+$", "aaa", true), ("^[ab]{1,2}c$", "abc", true), ("^[ab]{1,2}c$", "abac", false),
        ("^(?:)*$", "", true), ("^(?:^)*a$", "a", true), ("^\\b+a", "a", true),
    ])
    func quantifiers(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text) == expected)
    }

    @Test func largeCountedRepetitions() throws {
        let thousand = String(repeating: "a", count: 1000)
        #expect(try search("^a{1000}$", thousand))
        #expect(try !search("^a{1000}$", String(thousand.dropFirst())))
        #expect(try search("^a{0,1000}$", thousand))
        #expect(try !search("^a{0,1000}$", thousand + "a"))
        #expect(try search("^(?:ab){500}$", String(repeating: "ab", count: 500)))
        #expect(try search("^(a{10}){100}$", thousand))
    }

    @Test(arguments: [
        ("(?i)abc", "ABC", true), ("(?i:a)b", "Ab", true), ("(?i:a)b", "AB", false), ("a(?i)b", "aB", true),
        ("a(?i)b", "AB", false), ("(?i)a(?-i)b", "Ab", true), ("(?i)a(?-i)b", "AB", false), ("(a(?i)b)c", "aBc", true),
        ("(a(?i)b)c", "aBC", false), ("(a(?i)b|c)", "C", true), ("(?s:.)", "\n", true), ("(?s:.).", "\n\n", false),
        ("(?i)[a-c]", "B", true), ("(?i)[^a]", "A", false), ("(?i)\\x41", "a", true), ("(?i)\\Qab\\E", "AB", true),
        ("(?ims)^A.$", "x\na\n", true), ("(?i-s:A.)", "a\n", false), ("(?m-m)^b", "a\nb", false),
    ])
    func flags(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text) == expected)
    }

    @Test(arguments: [
        ("^.$", "\u{E9}", true), ("^.$", "用", true), ("^.$", "😀", true), ("^.$", "e\u{301}", false),
        ("^..$", "e\u{301}", true), ("[^a]", "用", true), ("^[^a]$", "用", true), ("^[^a]$", "用用", false),
        ("^[^a]+$", "a用", false), ("^\\W$", "\u{E9}", true), ("^\\W$", "😀", true), ("^\\D{2}$", "用😀", true),
        ("^[\u{E9}]$", "\u{E9}", true), ("^[\u{E0}-\u{FF}]+$", "\u{E9}\u{E8}\u{EA}", true),
        ("^[\\x{80}-\\x{10FFFF}]+$", "\u{E9}用😀", true), ("^[\\x{80}-\\x{10FFFF}]+$", "\u{E9}a", false),
        ("用户", "新用户-7", true), ("^用户$", "用", false), ("^[用户]+$", "户用", true), ("^.{3}$", "a用😀", true),
        ("^[^\u{E9}]$", "\u{C9}", true),
        ("^[\\x{7FF}\\x{800}\\x{FFFF}\\x{10000}]+$", "\u{7FF}\u{800}\u{FFFF}\u{10000}", true),
        ("^[\\x{D7FF}-\\x{E000}]$", "\u{D7FF}", true), ("^[\\x{D7FF}-\\x{E000}]$", "\u{E000}", true),
    ])
    func utf8WholeCharacters(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text) == expected)
    }

    @Test(arguments: [
        ("k", "K", true), ("k", "\u{212A}", true), ("K", "\u{212A}", true), ("s", "\u{17F}", true), ("σ", "Σ", true),
        ("σ", "ς", true), ("Σ", "ς", true), ("\u{E9}", "\u{C9}", true), ("\u{FF}", "\u{178}", true),
        ("\u{101}", "\u{100}", true), ("ж", "Ж", true), ("ё", "Ё", true), ("ω", "Ω", true), ("ω", "\u{2126}", true),
        ("i", "\u{130}", false), ("i", "\u{131}", false), ("\u{DF}", "\u{1E9E}", true), ("\u{DF}", "SS", false),
        ("[a-z]+", "HELLO", true), ("^[^k]$", "\u{212A}", false), ("^\\W$", "\u{212A}", false),
        ("^\\w$", "\u{212A}", true), ("\u{1C6}", "\u{1C5}", true), ("\u{1C6}", "\u{1C4}", true),
        ("\u{24D0}", "\u{24B6}", true), ("1", "1", true), ("a", "b", false), ("\\p{Lu}", "a", true),
        ("[[:upper:]]", "a", true), ("^[^[:lower:]]$", "A", false), ("ǉ", "Ǉ", true), ("ա", "Ա", true),
    ])
    func caseInsensitivity(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text, caseInsensitive: true) == expected)
        #expect(try search("(?i)" + pattern, text) == expected)
    }

    @Test(arguments: [
        ("^\\pL+$", "h\u{E9}llo用", true), ("^\\p{L}+$", "abc1", false), ("\\p{Lu}", "abc", false),
        ("\\p{Lu}", "abC", true), ("\\p{Nd}", "\u{663}", true), ("\\PL", "abc", false), ("\\P{L}", "ab1", true),
        ("\\p{^L}", "ab1", true), ("\\P{^L}", "1a", true), ("^\\p{Any}$", "😀", true),
        ("^[\\p{L}\\p{N}]+$", "a1用", true),
        ("^[^\\p{L}]+$", "1 2", true), ("\\p{Sc}", "5\u{20AC}", true), ("\\p{Zs}", "a\u{A0}b", true),
        ("\\p{P}", "hi!", true), ("\\p{Cc}", "\u{7}", true), ("\\p{So}", "😀", true), ("^\\p{M}$", "\u{301}", true),
    ])
    func unicodeGeneralCategories(pattern: String, text: String, expected: Bool) throws {
        #expect(try search(pattern, text) == expected)
    }

    @Test func utf8SequencesOfAllCodePointsAreRE2s() {
        let expected: [[ClosedRange<UInt8>]] = [
            [0x00...0x7F], [0xC2...0xDF, 0x80...0xBF], [0xE0...0xE0, 0xA0...0xBF, 0x80...0xBF],
            [0xE1...0xEC, 0x80...0xBF, 0x80...0xBF], [0xED...0xED, 0x80...0x9F, 0x80...0xBF],
            [0xEE...0xEF, 0x80...0xBF, 0x80...0xBF], [0xF0...0xF0, 0x90...0xBF, 0x80...0xBF, 0x80...0xBF],
            [0xF1...0xF3, 0x80...0xBF, 0x80...0xBF, 0x80...0xBF], [0xF4...0xF4, 0x80...0x8F, 0x80...0xBF, 0x80...0xBF],
        ]
        let sequences = UTF8Ranges.sequences(of: .all)
        #expect(sequences.sorted { $0.lexicographicallyPrecedes($1) { $0.lowerBound < $1.lowerBound } } == expected)
    }

    /// Every scalar of a set is matched by exactly one of its byte sequences, and no other scalar by any.
    @Test(
        arguments: [
            [0x80...0x7FF], [0x7F...0x800], [0xD700...0xE100], [0xFFFF...0x1_0000], [0x10_FFF0...0x10_FFFF],
            [0x41...0x5A, 0x3B1...0x3C9], [0x100...0x1_2345], [0...0x10_FFFF],
        ] as [[ClosedRange<UInt32>]]
    )
    func utf8SequencesCoverEachScalarOnce(ranges: [ClosedRange<UInt32>]) {
        let set = CodePointSet(ranges)
        let sequences = UTF8Ranges.sequences(of: set)
        var samples = Array(stride(from: UInt32(0), through: 0x10_FFFF, by: 61))
        for range in ranges {
            samples += [range.lowerBound, range.upperBound, range.lowerBound &- 1, range.upperBound + 1]
        }
        for codePoint in samples {
            guard let scalar = Unicode.Scalar(codePoint) else { continue }
            let bytes = Array(String(Character(scalar)).utf8)
            let hits = sequences.filter { sequence in
                sequence.count == bytes.count && zip(sequence, bytes).allSatisfy { $0.contains($1) }
            }
            #expect(hits.count == (set.contains(codePoint) ? 1 : 0), "U+\(String(codePoint, radix: 16))")
        }
    }

    @Test func rawUTF8BuffersMatchLikeStrings() throws {
        let automaton = try RegexCompiler.compile("^[a-z]+@example\\.com$")
        for (text, expected) in [("bob@example.com", true), ("bob@example.org", false)] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBufferPointer { automaton.matches(utf8: $0) } == expected)
        }
    }
}

// MARK: - Errors

private let groupSyntaxHint = "; RE2 knows (?:…), (?P<name>…), (?<name>…) and the flags imsU"
private let unicodeClassHint =
    "is not supported: only \\p{Any} and general categories such as \\p{L}, \\p{Lu} or \\p{Nd} are (no scripts)"

@Suite("Regex build errors")
struct RegexErrorTests {
    @Test(arguments: [
        ("(abc", "missing closing ')' for the group opened here", 0),
        ("a(b(c)", "missing closing ')' for the group opened here", 1),
        ("(?i:a", "missing closing ')' for the group opened here", 0),
        ("(?i", "missing closing ')' for the group opened here", 0),
        ("abc)", "unexpected ')' without a matching '('", 3),
        ("())", "unexpected ')' without a matching '('", 2),
        ("[abc", "missing closing ']' for the character class opened here", 0),
        ("x[]", "missing closing ']' for the character class opened here", 1),
        ("[a\\", "missing closing ']' for the character class opened here", 0),
        ("[a-", "missing closing ']' for the character class opened here", 0),
        ("x[z-a]", "invalid character class range 'z-a': its start is after its end", 2),
        ("[\\x{10}-\\x01]", "invalid character class range '\\x{10}-\\x01': its start is after its end", 1),
    ])
    func unbalancedGroupsAndClasses(pattern: String, message: String, offset: Int) {
        #expect(throws: RegexCompileError(message, offset: offset)) { try RegexCompiler.compile(pattern) }
    }

    @Test(arguments: [
        ("\\q", "invalid escape sequence '\\q'", 0),
        ("ab\\e", "invalid escape sequence '\\e'", 2),
        ("\\x4", "invalid escape sequence '\\x4'", 0),
        ("\\xg1", "invalid escape sequence '\\xg'", 0),
        ("\\x{}", "invalid escape sequence '\\x{}'", 0),
        ("\\x{110000}", "invalid escape sequence '\\x{110000'", 0),
        ("[\\b]", "invalid escape sequence '\\b'", 1),
        ("\\u0041", "invalid escape sequence '\\u'", 0),
        ("ab\\", "trailing backslash at end of pattern; write '\\\\' for a literal backslash", 2),
        ("\\Z", "invalid escape sequence '\\Z' (RE2 syntax); use '\\z' for the end of the text", 0),
        ("a\\C", "'\\C' (any byte) is not supported: it can split a UTF-8 character", 1),
    ])
    func badEscapes(pattern: String, message: String, offset: Int) {
        #expect(throws: RegexCompileError(message, offset: offset)) { try RegexCompiler.compile(pattern) }
    }

    @Test(arguments: [
        ("(a)\\1", 3), ("(a)(b)\\2x", 6), ("\\8", 0), ("\\9", 0), ("(?P<n>a)(?P=n)", 8), ("[\\1]", 1),
    ])
    func backreferencesAreRefused(pattern: String, offset: Int) {
        #expect(throws: RegexCompileError("backreferences are not supported (RE2 syntax)", offset: offset)) {
            try RegexCompiler.compile(pattern)
        }
    }

    @Test(arguments: [("a(?=b)", 1), ("a(?!b)", 1), ("(?<=a)b", 0), ("(?<!a)b", 0), ("x|(?=", 2)])
    func lookaroundIsRefused(pattern: String, offset: Int) {
        #expect(throws: RegexCompileError("lookahead and lookbehind are not supported (RE2 syntax)", offset: offset)) {
            try RegexCompiler.compile(pattern)
        }
    }

    @Test(arguments: [
        ("a**", "bad repetition operator '**': repetition operators cannot follow each other", 1),
        ("a*+", "bad repetition operator '*+': repetition operators cannot follow each other", 1),
        ("a*?*", "bad repetition operator '*?*': repetition operators cannot follow each other", 1),
        ("a{2}{3}", "bad repetition operator '{2}{3}': repetition operators cannot follow each other", 1),
        ("*a", "missing argument to repetition operator '*'", 0),
        ("a|*", "missing argument to repetition operator '*'", 2),
        ("(+)", "missing argument to repetition operator '+'", 1),
        ("(?i)?", "missing argument to repetition operator '?'", 4),
        ("{2}", "missing argument to repetition operator '{2}'", 0),
        ("a{2,1}", "bad repetition operator '{2,1}': the minimum is greater than the maximum", 1),
        ("a{1001}", "bad repetition operator '{1001}': repeat counts are limited to 1000", 1),
        ("a{1000,1001}", "bad repetition operator '{1000,1001}': repeat counts are limited to 1000", 1),
        ("a{1001,}", "bad repetition operator '{1001,}': repeat counts are limited to 1000", 1),
        ("(a{100}){11}", "bad repetition operator '{11}': nested repeat counts multiply to more than 1000", 8),
        ("((a{2}){2}){251}", "bad repetition operator '{251}': nested repeat counts multiply to more than 1000", 11),
    ])
    func badRepetitions(pattern: String, message: String, offset: Int) {
        #expect(throws: RegexCompileError(message, offset: offset)) { try RegexCompiler.compile(pattern) }
    }

    @Test(arguments: [
        ("(?x)a", "invalid or unsupported group syntax '(?x'" + groupSyntaxHint, 0),
        ("a(?#note)", "invalid or unsupported group syntax '(?#'" + groupSyntaxHint, 1),
        ("(?i-)a", "invalid or unsupported group syntax '(?i-)'" + groupSyntaxHint, 0),
        ("(?--i)a", "invalid or unsupported group syntax '(?--'" + groupSyntaxHint, 0),
        ("(?>a)", "invalid or unsupported group syntax '(?>'" + groupSyntaxHint, 0),
        ("(?P<a-b>x)", "invalid capture group name in '(?P<a-b>': use letters, digits and '_'", 0),
        ("(?<>x)", "invalid capture group name in '(?<>': use letters, digits and '_'", 0),
        ("(?P<name", "invalid capture group name in '(?P<name': use letters, digits and '_'", 0),
        ("(?P<n>a)(?<n>b)", "duplicate capture group name 'n'", 8),
        ("[[:foo:]]", "invalid POSIX character class '[:foo:]'", 1),
        ("\\p{Greek}", "unicode class '\\p{Greek}' " + unicodeClassHint, 0),
        ("x\\pX", "unicode class '\\pX' " + unicodeClassHint, 1),
        ("\\p{L", "invalid unicode class '\\p{L': missing '}'", 0),
    ])
    func badGroupsAndClassNames(pattern: String, message: String, offset: Int) {
        #expect(throws: RegexCompileError(message, offset: offset)) { try RegexCompiler.compile(pattern) }
    }

    /// Offsets count `Character`s, so a caret under the pattern lands on the right spot.
    @Test(arguments: [("\u{E9}(", 1), ("e\u{301}(", 1), ("用户)", 2), ("👩‍👩‍👧[", 1)])
    func offsetsCountCharacters(pattern: String, offset: Int) throws {
        do {
            _ = try RegexCompiler.compile(pattern)
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == offset)
        }
    }

    @Test func nestingIsLimitedLikeRE2() throws {
        let deep = String(repeating: "(", count: 1000) + "a" + String(repeating: ")", count: 1000)
        #expect(try RegexCompiler.compile(deep).matches("a"))
        let tooDeep = String(repeating: "(", count: 1001) + "a" + String(repeating: ")", count: 1001)
        #expect(throws: RegexCompileError("pattern nests groups more than 1000 levels deep", offset: 1000)) {
            try RegexCompiler.compile(tooDeep)
        }
    }

    /// Patterns whose search DFA is exponential are refused only when the DFA is asked for; by default they run as
    /// NFA programs (see `RegexNFAProgramTests`).
    @Test(arguments: ["(a|b)*a(a|b){20}", "[01]*1[01]{40}", "(?:.*x.{30})"])
    func exponentialDFAsAreTooComplexAsDFAs(pattern: String) {
        #expect(
            throws: RegexCompileError("pattern too complex: its automaton would need more than 10000 states", offset: 0)
        ) { try RegexCompiler.compile(pattern, engine: .dfa) }
    }

    @Test func stateLimitIsConfigurable() throws {
        #expect(
            throws: RegexCompileError("pattern too complex: its automaton would need more than 4 states", offset: 0)
        ) {
            try RegexCompiler.compile("abcdef", engine: .dfa, maximumStates: 4)
        }
        #expect(try RegexCompiler.compile("abcdef", maximumStates: 100).table != nil)
        let overLimit = try RegexCompiler.compile("abcdef", maximumStates: 4)
        #expect(overLimit.program != nil)
        #expect(overLimit.matches("xabcdefx"))
    }

    @Test func programsOverTheSizeBoundAreTooLarge() {
        let message =
            "pattern too large: its program would need more than 65535 instructions (the size bound of a pattern)"
        #expect(throws: RegexCompileError(message, offset: 0)) { try RegexCompiler.compile("^\\pL{1000}$") }
    }
}

// MARK: - Differential test against NSRegularExpression

/// SplitMix64: a small deterministic generator, so failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

@Suite("Regex agrees with NSRegularExpression")
struct RegexDifferentialTests {
    /// Patterns whose meaning is the same in RE2 and ICU on the alphabet below (no `\w`/`\b`, which ICU applies to
    /// non-ASCII letters; no `(?m)^` alone, which ICU does not match after a final newline). The second element,
    /// when present, is the ICU spelling: ICU's `$` also matches before a final newline, RE2's does not.
    static let patterns: [(String, String?)] = [
        ("abc", nil), ("a|b", nil), ("ab|cd", nil), ("a*", nil), ("^a*$", "^a*\\z"), ("^a+b?$", "^a+b?\\z"),
        ("a{2}", nil), ("^a{1,3}$", "^a{1,3}\\z"), ("[abc]+", nil), ("^[a-c]*x$", "^[a-c]*x\\z"), ("[^ab]", nil),
        ("^[^ab]*$", "^[^ab]*\\z"), ("x.y", nil), ("^.*$", "^.*\\z"), ("^.+$", "^.+\\z"), ("a.*b", nil),
        ("(ab)+", nil), ("^(ab|ba)*$", "^(ab|ba)*\\z"), ("^(a|b)*c", nil), ("(a|aa)*b", nil), ("^\\d+$", "^\\d+\\z"),
        ("\\d\\d", nil), ("^[0-9]{2,}$", "^[0-9]{2,}\\z"), ("^-?\\d+$", "^-?\\d+\\z"), ("\\s", nil),
        ("^\\S+$", "^\\S+\\z"), ("a\\s*b", nil), ("^(?:a|b|c){2,4}$", "^(?:a|b|c){2,4}\\z"), ("[.]", nil),
        ("\\.", nil), ("^a?b?c?$", "^a?b?c?\\z"), ("(?i)abc", nil), ("(?i)^[a-c]+$", "(?i)^[a-c]+\\z"),
        ("(?i)\u{E9}", nil), ("^[_\\-]+$", "^[_\\-]+\\z"), ("b$", "b\\z"), ("^$", "^\\z"), ("(?m)^b", nil),
        ("(?m)a$", nil), ("(?m)^a.*$", nil), ("^a", nil), ("(?s)a.b", nil), ("x*", nil), ("(x|y)z", nil),
        ("[a-cx-z]", nil), ("^(a|b|c|x|y)+$", "^(a|b|c|x|y)+\\z"), ("a{0,2}b", nil), ("^..$", "^..\\z"),
        ("^...$", "^...\\z"), ("用.", nil), ("[^a-z用]", nil), ("^[^\\n]*$", "^[^\\n]*\\z"), ("\\n\\n", nil),
        ("^(?:[a-c]{1,2}-)+[xyz]$", "^(?:[a-c]{1,2}-)+[xyz]\\z"), ("a(?:b|c)*?a", nil), ("(?i:A)b", nil),
    ]

    static let alphabet: [String] = [
        "a", "b", "c", "x", "y", "z", "1", "2", " ", "-", "_", ".", "\n", "\u{E9}", "\u{C9}", "用", "A",
    ]

    @Test(arguments: patterns.indices)
    func agreesOnRandomStrings(index: Int) throws {
        let (pattern, icuPattern) = Self.patterns[index]
        let automaton = try RegexCompiler.compile(pattern)
        let reference = try NSRegularExpression(pattern: icuPattern ?? pattern)
        var generator = SplitMix64(state: 0x5eed_0000 + UInt64(index))
        for _ in 0..<3000 {
            let length = Int.random(in: 0...8, using: &generator)
            var text = ""
            for _ in 0..<length { text += Self.alphabet.randomElement(using: &generator)! }
            let expected = reference.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
            #expect(automaton.matches(text) == expected, "pattern \(pattern) on \(text.debugDescription)")
        }
    }
}

// MARK: - Encoding

@Suite("Regex automaton encoding")
struct RegexEncodingTests {
    static let patterns = [
        "", "abc", "^[a-z0-9._%+-]+@example\\.com$", "(?i)\\bstaff\\b", "(?m)^beta-\\d+$", "^.$",
        "[^\\x00-\\x{10FFFF}]", "^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$", "(a|b)*a(a|b){7}",
    ]

    private func encoded(_ automaton: RegexAutomaton) -> [UInt8] {
        var writer = ByteWriter()
        automaton.encode(into: &writer)
        return writer.bytes
    }

    @Test(arguments: patterns)
    func roundTripGivesAnEqualAutomaton(pattern: String) throws {
        let automaton = try RegexCompiler.compile(pattern)
        let bytes = encoded(automaton)
        var reader = ByteReader(bytes)
        let decoded = try RegexAutomaton(decoding: &reader)
        #expect(decoded == automaton)
        #expect(reader.isAtEnd)
    }

    @Test(arguments: patterns)
    func everyTruncationIsRefused(pattern: String) throws {
        let bytes = encoded(try RegexCompiler.compile(pattern))
        for length in 0..<bytes.count {
            var reader = ByteReader(Array(bytes[..<length]))
            #expect(throws: DecodingError.self) { try RegexAutomaton(decoding: &reader) }
        }
    }

    /// More than 256 states: transitions are stored in two bytes each.
    @Test func largeAutomataRoundTripAndRefuseTruncation() throws {
        let automaton = try RegexCompiler.compile("\\pL", engine: .dfa)
        #expect(try #require(automaton.table).stateCount > 256)
        let bytes = encoded(automaton)
        var reader = ByteReader(bytes)
        #expect(try RegexAutomaton(decoding: &reader) == automaton)
        for length in Array(stride(from: 0, to: bytes.count, by: 97)) + Array(bytes.count - 40..<bytes.count) {
            var reader = ByteReader(Array(bytes[..<length]))
            #expect(throws: DecodingError.self) { try RegexAutomaton(decoding: &reader) }
        }
    }

    /// Random corruptions either fail to decode or give an automaton that runs safely on any text.
    @Test(arguments: patterns)
    func corruptedBytesNeverCrash(pattern: String) throws {
        let original = encoded(try RegexCompiler.compile(pattern))
        var generator = SplitMix64(state: UInt64(original.count))
        for _ in 0..<2000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            var reader = ByteReader(bytes)
            if let automaton = try? RegexAutomaton(decoding: &reader) {
                _ = automaton.matches("abc \u{E9}用\n staff@example.com")
                _ = automaton.matches("")
            }
        }
    }

    @Test func hostileCountsAreRefusedBeforeAllocating() {
        // 4000 states × 256 classes promised (4 MB once loaded), a handful of bytes delivered.
        let header: [UInt8] = [0x00, 0xA0, 0x1F, 0x80, 0x02, 0x00, 0x01, 0x00, 0xFF]
        var reader = ByteReader(header + [UInt8](repeating: 0, count: 64))
        #expect(throws: DecodingError.truncated) { try RegexAutomaton(decoding: &reader) }
        // A state count above the limit.
        var tooMany = ByteReader([0x00, 0x80, 0x80, 0x04, 0x01, 0x00])
        #expect(throws: DecodingError.self) { try RegexAutomaton(decoding: &tooMany) }
    }

    @Test func outOfRangeStatesAreRefused() throws {
        let compiled = try RegexCompiler.compile("ab")
        let automaton = try #require(compiled.table)
        var bytes = encoded(compiled)
        // The transition table starts after the header and the byte class runs; point one entry past the end.
        let tableStart = bytes.count - automaton.stateCount * automaton.classCount - (automaton.stateCount + 7) / 8
        bytes[tableStart + automaton.classCount * 2] = UInt8(automaton.stateCount)
        var reader = ByteReader(bytes)
        #expect(throws: DecodingError("regex transition to state \(automaton.stateCount) out of range")) {
            try RegexAutomaton(decoding: &reader)
        }
    }
}

// MARK: - Linear time and size

@Suite("Regex automaton cost")
struct RegexCostTests {
    /// Patterns that make backtracking engines take exponential time, on 100 KB of `a` plus a short tail.
    @Test(arguments: [
        ("(a*)*b", "", false), ("(a*)*b", "b", true), ("(a|aa)*c", "", false), ("(a|aa)*c", "c", true),
        ("(x+x+)+y", "xx", false), ("(x+x+)+y", "xxy", true), ("^(a|a?)+$", "", true), ("^(a|a?)+$", "!", false),
        ("(.*)*z", "", false), ("(.*)*z", "z", true), ("^(\\w+\\s?)*$", "!", false), ("(a+)+$", "", true),
    ])
    func pathologicalPatternsRunInLinearTime(pattern: String, tail: String, expected: Bool) throws {
        let automaton = try RegexCompiler.compile(pattern)
        #expect(automaton.matches(String(repeating: "a", count: 100_000) + tail) == expected)
    }

    /// The tables stay small for the patterns flags use; these bounds pin that down.
    @Test(arguments: [
        ("^[a-z0-9._%+-]+@example\\.com$", 20, 16), ("@(example|acme)\\.com$", 20, 16), ("^beta-", 10, 8),
        ("(?i)\\bstaff\\b", 12, 12), ("^\\d{3}-\\d{4}$", 12, 6), ("^.$", 12, 12),
    ])
    func typicalPatternsStaySmall(pattern: String, maximumStates: Int, maximumClasses: Int) throws {
        let automaton = try #require(try RegexCompiler.compile(pattern).table)
        #expect(automaton.stateCount <= maximumStates)
        #expect(automaton.classCount <= maximumClasses)
    }

    @Test func equalLanguagesGiveEqualAutomata() throws {
        #expect(try RegexCompiler.compile("a+") == RegexCompiler.compile("aa*"))
        #expect(try RegexCompiler.compile("(?:a|b)") == RegexCompiler.compile("[ab]"))
        #expect(try RegexCompiler.compile("x*") == RegexCompiler.compile(""))
    }
}
