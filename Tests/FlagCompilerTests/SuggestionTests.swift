import FlagTestSupport
import Testing

@testable import FlagCompiler

private let operators = [
    "eq", "ne", "in", "notIn", "contains", "notContains", "startsWith", "endsWith", "matches", "gt", "gte", "lt",
    "lte", "semverEq", "semverGt", "semverGte", "semverLt", "semverLte", "before", "after", "inCidr", "exists",
    "ignoreCase",
]

private let flagFields = [
    "type", "variants", "default", "offVariant", "enabled", "rules", "requires", "salt", "description", "owner",
    "tags", "compliance", "expires", "environments",
]

@Suite("Did-you-mean suggestions")
struct SuggestionTests {
    @Test(
        "likely typos get the intended name",
        arguments: [
            ("startswith", operators, "startsWith"),  // case only
            ("STARTSWITH", operators, "startsWith"),  // case only, however far apart in case
            ("IGNORECASE", operators, "ignoreCase"),
            ("semvergte", operators, "semverGte"),
            ("notin", operators, "notIn"),
            ("conatins", operators, "contains"),  // transposition counts as one edit
            ("endWith", operators, "endsWith"),  // one deletion
            ("existss", operators, "exists"),  // one insertion
            ("discription", flagFields, "description"),  // substitution
            ("enviroments", flagFields, "environments"),
            ("rule", flagFields, "rules"),
            ("defualt", flagFields, "default"),
            ("tag", flagFields, "tags"),
            ("on", ["in", "eq"], "in"),  // short words allow one edit
        ] as [(String, [String], String)]
    )
    func typoGetsSuggestion(word: String, candidates: [String], expected: String) {
        #expect(Suggestion.closest(to: word, among: candidates) == expected)
    }

    @Test(
        "unrelated words get no suggestion",
        arguments: [
            ("colour", flagFields),
            ("xyz", operators),
            ("between", operators),
            ("", flagFields),
            ("eq", []),
            ("abcdef", ["abcxyz"]),  // 3 edits; 6 letters allow 2
            ("ab", ["xy"]),
            ("on", ["off"]),
        ] as [(String, [String])]
    )
    func unrelatedWordGetsNone(word: String, candidates: [String]) {
        #expect(Suggestion.closest(to: word, among: candidates) == nil)
    }

    @Test("the closest candidate wins; ties go to the nearer case, then to sort order, in any input order")
    func tieBreaking() {
        #expect(Suggestion.closest(to: "gte", among: ["gt", "gte", "lte"]) == "gte")
        #expect(Suggestion.closest(to: "semverGT", among: ["semverGte", "semverGt"]) == "semverGt")
        #expect(Suggestion.closest(to: "startsWith", among: ["startswith", "startsWith"]) == "startsWith")
        #expect(Suggestion.closest(to: "ab", among: ["ac", "aa"]) == "aa")
        #expect(Suggestion.closest(to: "ab", among: ["aa", "ac"]) == "aa")
        #expect(Suggestion.closest(to: "abcdef", among: ["abcdxy"]) == "abcdxy")  // exactly at the limit
        #expect(Suggestion.closest(to: "flag", among: Set(["flags", "flag-x"])) == "flags")
    }

    @Test(
        "operator names of other systems suggest the operator they mean",
        arguments: [
            ("equals", "eq"), ("Equals", "eq"), ("not_in", "notIn"), ("regex", "matches"), ("greaterThan", "gt"),
            ("starts_with", "startsWith"), ("sem_ver", "semverGte"), ("cidr", "inCidr"), ("startswith", "startsWith"),
        ] as [(String, String)]
    )
    func operatorAliases(name: String, expected: String) {
        #expect(DefinitionReader.suggestedOperator(for: name) == expected)
        #expect(
            TestProject.diagnostics("flags:\n  f:\n    rules:\n      - { serve: on, when: { a: { \(name): x } } }")
                == ["flags/test.yaml:4:35: error: unknown operator '\(name)'; did you mean '\(expected)'?"]
        )
    }

    @Test(
        "edit distance counts insertions, deletions, substitutions and adjacent swaps",
        arguments: [
            ("", "", 0), ("a", "", 1), ("", "abc", 3), ("kitten", "sitting", 3), ("ab", "ba", 1),
            ("abc", "acb", 1), ("ca", "abc", 3), ("flaw", "lawn", 2), ("用户", "用戶", 1), ("same", "same", 0),
        ] as [(String, String, Int)]
    )
    func editDistance(lhs: String, rhs: String, expected: Int) {
        #expect(Suggestion.editDistance(Array(lhs), Array(rhs), limit: .max) == expected)
        #expect(Suggestion.editDistance(Array(rhs), Array(lhs), limit: .max) == expected)
    }
}
