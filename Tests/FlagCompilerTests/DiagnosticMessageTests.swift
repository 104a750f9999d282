import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// Every message factory of the readers, the validator and the build checks, checked for its exact
/// text and its file:line:column on a small input that produces it (and nothing else).
@Suite("Diagnostic messages")
struct DiagnosticMessageTests {
    /// A flags file with one flag `f` whose body is `body` (one line, inside `{ }`).
    static func flag(_ body: String) -> String { "flags:\n  f: { \(body) }\n" }

    @Test(
        "the readers' messages of flag files",
        arguments: [
            // Shapes.
            (flag("default: off, salt: [1]"), "flags/test.yaml:2:28: error: 'salt' must be a string, found a list"),
            (
                flag("default: off, expires: [1]"),
                "flags/test.yaml:2:31: error: 'expires' must be a scalar, found a list"
            ),
            ("flags: [1]\n", "flags/test.yaml:1:8: error: 'flags' must be a mapping, found a list"),
            (flag("default: off, rules: 1"), "flags/test.yaml:2:29: error: 'rules' must be a list, found an integer"),
            (
                flag("default: off, defualt: on"),
                "flags/test.yaml:2:22: error: unknown field 'defualt' in a flag; did you mean 'default'?"
            ),
            (
                "flags:\n  9f: { default: off }\n",
                "flags/test.yaml:2:3: error: invalid flag key '9f': use a letter, then letters, digits, '_', '.' or '-' (at most 128)"
            ),
            // Flags and variants.
            (
                flag("type: boolen, default: off"),
                "flags/test.yaml:2:14: error: unknown type 'boolen'; did you mean 'boolean'?"
            ),
            (
                flag("type: text, variants: { a: x }, default: a"),
                "flags/test.yaml:2:14: error: unknown type 'text'; expected boolean, string, integer, number or object"
            ),
            (
                flag("variants: { a: x }"),
                "flags/test.yaml:2:3: error: flag 'f' has no 'default' variant; add 'default: VARIANT'"
            ),
            (
                flag("default: off, expires: soon"),
                "flags/test.yaml:2:31: error: 'expires' must be a date like 2027-03-31"
            ),
            (
                flag("default: off, enabled: 1"),
                "flags/test.yaml:2:31: error: 'enabled' must be true or false, found an integer"
            ),
            (
                flag("type: string, default: off"),
                "flags/test.yaml:2:14: error: flag 'f' of type string needs 'variants'"
            ),
            (
                flag("variants: {}, default: a"),
                "flags/test.yaml:2:18: error: 'variants' must list at least one variant"
            ),
            (
                flag("type: integer, variants: { a: x }, default: a"),
                "flags/test.yaml:2:38: error: variant value must be an integer, found a string"
            ),
            (
                flag("type: string, variants: { a: 1 }, default: a"),
                "flags/test.yaml:2:37: error: variant value must be a string, found an integer; quote it to make it a string"
            ),
            (
                flag("type: object, variants: { a: { x: .inf } }, default: a"),
                "flags/test.yaml:2:42: error: JSON has no infinity or NaN"
            ),
            (
                flag("default: true"),
                "flags/test.yaml:2:17: error: 'default' must be a variant name, found a boolean; variant names are strings (on/off are fine, true/false are not)"
            ),
            (
                flag("default: off, requires: [{ flag: g }]"),
                "flags/test.yaml:2:33: error: a prerequisite needs both 'flag' and 'variant'"
            ),
            // Rules and serving.
            (
                flag("default: off, rules: [{ name: '', serve: on }]"),
                "flags/test.yaml:2:38: error: a rule's 'name' must not be empty; leave it out for an unnamed rule"
            ),
            (
                flag("default: off, rules: [{ when: { a: { eq: 1 } } }]"),
                "flags/test.yaml:2:30: error: rule has no 'serve'"
            ),
            (
                flag("default: off, rules: [{ serve: { split: {} } }]"),
                "flags/test.yaml:2:48: error: 'split' must list at least one variant"
            ),
            (
                flag("default: off, rules: [{ serve: { by: a } }]"),
                "flags/test.yaml:2:39: error: 'serve' needs a variant name, 'split' or 'progressive'"
            ),
            (
                flag("default: off, rules: [{ serve: { split: { on: 100 }, progressive: { variant: on } } }]"),
                "flags/test.yaml:2:39: error: 'serve' takes either 'split' or 'progressive', not both"
            ),
            (
                flag(
                    "default: off, rules: [{ serve: { progressive: { variant: on, others: off, steps: [{ percent: 5 }] } } }]"
                ),
                "flags/test.yaml:2:90: error: a ramp step needs 'at' and 'percent'"
            ),
            (
                flag("default: off, rules: [{ serve: { progressive: { variant: on, others: off, steps: [] } } }]"),
                "flags/test.yaml:2:89: error: 'steps' must list at least one step"
            ),
            (
                flag("default: off, rules: [{ serve: { progressive: { variant: on } } }]"),
                "flags/test.yaml:2:54: error: 'progressive' needs 'variant', 'others' and 'steps'"
            ),
            (
                flag("default: off, rules: [{ serve: { split: { on: [1], off: 100 } } }]"),
                "flags/test.yaml:2:54: error: a percentage must be a number from 0 to 100, found a list"
            ),
            (
                flag("default: off, rules: [{ serve: { split: { on: 0.125 } } }]"),
                "flags/test.yaml:2:54: error: percentage '0.125' has more than 2 decimals"
            ),
            (
                flag("default: off, rules: [{ serve: { split: { on: 1e2 } } }]"),
                "flags/test.yaml:2:54: error: a percentage must be a number from 0 to 100 with at most 2 decimals, found '1e2'"
            ),
            (
                flag("default: off, rules: [{ serve: { split: { on: 101 } } }]"),
                "flags/test.yaml:2:54: error: percentage '101' is above 100"
            ),
            // Conditions.
            (
                flag("default: off, rules: [{ serve: on, when: { a: { eq: x, ignoreCase: 1 } } }]"),
                "flags/test.yaml:2:75: error: 'ignoreCase' must be true or false"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { startswith: x } } }]"),
                "flags/test.yaml:2:56: error: unknown operator 'startswith'; did you mean 'startsWith'?"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { ignoreCase: true } } }]"),
                "flags/test.yaml:2:54: error: condition on 'a' has no operator"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { matches: 'a(' } } }]"),
                "flags/test.yaml:2:67: error: invalid regular expression: missing closing ')' for the group opened here"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { gt: x } } }]"),
                "flags/test.yaml:2:60: error: 'gt' needs a finite number, found a string"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { semverGte: 2.4 } } }]"),
                "flags/test.yaml:2:67: error: invalid semantic version '2.4'; expected MAJOR.MINOR.PATCH like 2.4.0"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { inCidr: 10.0.0/8 } } }]"),
                "flags/test.yaml:2:64: error: invalid CIDR range '10.0.0/8'; expected e.g. 10.0.0.0/8 or 2001:db8::/32"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { inCidr: 10.0.0.1/8 } } }]"),
                "flags/test.yaml:2:64: warning: CIDR range '10.0.0.1/8' has host bits set; it means 10.0.0.0/8"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { exists: 1 } } }]"),
                "flags/test.yaml:2:64: error: 'exists' must be true or false"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { eq: [1] } } }]"),
                "flags/test.yaml:2:60: error: 'eq' must be a string, number or boolean, found a list"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { eq: .nan } } }]"),
                "flags/test.yaml:2:60: error: 'eq' must be a finite number, found .nan"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { eq: null } } }]"),
                "flags/test.yaml:2:60: error: 'eq' must not be null; use 'exists: false' to test for a missing attribute"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { before: .inf } } }]"),
                "flags/test.yaml:2:64: error: 'before' must be a finite number of Unix seconds, found .inf"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { before: soon } } }]"),
                "flags/test.yaml:2:64: error: 'before' must be an RFC 3339 time like 2026-12-01T09:00:00Z, found 'soon'"
            ),
            (
                flag("default: off, rules: [{ serve: on, when: { a: { before: [1] } } }]"),
                "flags/test.yaml:2:64: error: 'before' must be an RFC 3339 time or Unix seconds, found a list"
            ),
        ] as [(String, String)]
    )
    func readerMessages(flags: String, expected: String) {
        #expect(TestProject.diagnostics(flags) == [expected])
    }

    @Test(
        "the readers' messages of target files",
        arguments: [
            (
                "-x", "recipients: [a]\n",
                "targets/-x.yaml:1:1: error: invalid target name '-x': rename the file (letters, digits, '_', '.', '-')"
            ),
            ("test", "", "targets/test.yaml:1:1: error: target 'test' needs at least 'recipients'"),
            (
                "test", "flags: [[1]]\nrecipients: [a]\n",
                "targets/test.yaml:1:9: error: elements of 'flags' must be strings, found a list"
            ),
            (
                "test", "environment: '9 x'\nrecipients: [a]\n",
                "targets/test.yaml:1:14: error: invalid environment name '9 x'"
            ),
            (
                "test", "recipients: [a]\nexpiresAfter: soon\n",
                "targets/test.yaml:2:15: error: 'expiresAfter' must be a duration like 30d, 12h or 90m"
            ),
            (
                "test", "recipients: [a]\nexpiresAfter: 91d\n",
                "targets/test.yaml:2:15: error: 'expiresAfter' is at most 90d: functions refuse bundles valid for longer"
            ),
            (
                "test", "environment: x\n",
                "targets/test.yaml:1:1: error: target 'test' needs at least one recipient, e.g. 'recipients: [keys/test.recipient.pub]'"
            ),
            (
                "test", "recipients: [a]\ncodegen: { swift: { typeName: 'a b' } }\n",
                "targets/test.yaml:2:31: error: 'typeName' must be a Swift type name like Flags"
            ),
            (
                "test", "recipients: [a]\ncodegen: { swift: { accessLevel: open } }\n",
                "targets/test.yaml:2:34: error: 'accessLevel' must be public, package or internal"
            ),
            (
                "test", "recipients: [a]\ncodegen: { swift: { typename: F } }\n",
                "targets/test.yaml:2:21: error: unknown field 'typename' in 'codegen.swift'; did you mean 'typeName'?"
            ),
        ] as [(String, String, String)]
    )
    func targetMessages(name: String, target: String, expected: String) {
        let (_, diagnostics) = TestProject.load(Self.flag("default: off"), target: target, targetName: name)
        #expect(diagnostics.map(\.description) == [expected])
    }

    @Test(
        "the validator's messages",
        arguments: [
            (
                flag("variants: { a: x, b: y }, default: zzz"),
                "flags/test.yaml:2:43: error: unknown variant 'zzz' in 'default' of flag 'f'; variants are 'a', 'b'"
            ),
            (
                flag("variants: { blue: x, red: y }, default: bleu"),
                "flags/test.yaml:2:48: error: unknown variant 'bleu' in 'default' of flag 'f'; did you mean 'blue'?"
            ),
            (
                flag("default: off, rules: [{ serve: { split: { on: 50, off: 40 } } }]"),
                "flags/test.yaml:2:50: error: split weights add up to 90%, not 100%"
            ),
            (
                "flags:\n  f:\n    default: off\n    rules:\n      - serve:\n          progressive:\n            variant: on\n"
                    + "            others: off\n            steps:\n              - { at: 2026-12-02T00:00:00Z, percent: 5 }\n"
                    + "              - { at: 2026-12-01T00:00:00Z, percent: 50 }\n",
                "flags/test.yaml:11:17: error: ramp steps must be in time order, each 'at' after the previous"
            ),
            (
                "segments:\n  staff: { include: [a] }\n"
                    + flag("default: off, rules: [{ serve: on, when: { segment: stafff } }]"),
                "flags/test.yaml:4:60: error: unknown segment 'stafff'; did you mean 'staff'?"
            ),
            (
                "flags:\n  g: { default: off }\n  f: { default: off, requires: [{ flag: h, variant: on }] }\n",
                "flags/test.yaml:3:41: error: unknown prerequisite flag 'h'; did you mean 'f'?"
            ),
            (
                "flags:\n  f: { default: off, requires: [{ flag: g, variant: on }] }\n"
                    + "  g: { default: off, requires: [{ flag: f, variant: on }] }\n",
                "flags/test.yaml:2:3: error: prerequisites form a cycle: f -> g -> f"
            ),
            (
                "segments:\n  a: { when: { segment: b } }\n  b: { when: { segment: a } }\n",
                "flags/test.yaml:2:3: error: segments refer to each other in a cycle: a -> b -> a"
            ),
        ] as [(String, String)]
    )
    func validatorMessages(flags: String, expected: String) {
        #expect(TestProject.diagnostics(flags) == [expected])
    }

    @Test("more cycles than are listed are counted in one last message")
    func moreCycles() {
        let flags = (0..<22).map {
            "  a\($0): { default: off, requires: [{ flag: b\($0), variant: on }] }\n"
                + "  b\($0): { default: off, requires: [{ flag: a\($0), variant: on }] }\n"
        }
        let diagnostics = TestProject.diagnostics("flags:\n" + flags.joined())
        #expect(diagnostics.count == 21)
        #expect(
            diagnostics.contains("flags/test.yaml:2:3: error: 2 more cycles among flags not listed"),
            "\(diagnostics)"
        )
    }

    @Test("a chain deeper than the runtime evaluates names its first flag and the depth")
    func chainTooDeep() {
        let flags = (0..<34).map { "  f\($0): { default: off, requires: [{ flag: f\($0 + 1), variant: on }] }\n" }
        let diagnostics = TestProject.diagnostics("flags:\n" + flags.joined() + "  f34: { default: off }\n")
        #expect(diagnostics.count == 1)
        #expect(
            diagnostics.first?.hasPrefix("flags/test.yaml:2:3: error: flag 'f0' requires flags 34 levels deep (")
                == true,
            "\(diagnostics)"
        )
        #expect(diagnostics.first?.hasSuffix("); at most 32 levels (1 more flag too deep)") == true, "\(diagnostics)")
    }

    @Test("duplicate flags and segments across files point at the second and name the first")
    func duplicatesAcrossFiles() {
        let file = "segments:\n  s: { include: [a] }\nflags:\n  f: { default: off }\n"
        let diagnostics = DiagnosticCollector()
        _ = FlagProject.load(
            flagFiles: [("flags/a.yaml", Array(file.utf8)), ("flags/b.yaml", Array(file.utf8))],
            targetFiles: [("targets/test.yaml", Array("recipients: [a]\n".utf8))],
            diagnostics: diagnostics
        )
        #expect(
            diagnostics.sorted.map(\.description) == [
                "flags/b.yaml:2:3: error: duplicate segment 's' (first defined at flags/a.yaml:2:3)",
                "flags/b.yaml:4:3: error: duplicate flag 'f' (first defined at flags/a.yaml:4:3)",
            ]
        )
    }

    @Test("the target checks: an empty selection warns, a prerequisite left out is an error")
    func targetSelectionMessages() {
        let flags = "flags:\n  g: { default: off }\n  f: { default: off, requires: [{ flag: g, variant: on }] }\n"
        let (_, empty) = TestProject.load(flags, target: "flags: [none]\nrecipients: [a]\n")
        #expect(empty.map(\.description) == ["targets/test.yaml:1:1: warning: target 'test' selects no flags"])
        let (_, leftOut) = TestProject.load(flags, target: "exclude: [g]\nrecipients: [a]\n")
        #expect(
            leftOut.map(\.description) == [
                "flags/test.yaml:3:41: error: flag 'f' requires 'g', which target 'test' leaves out"
            ]
        )
    }

    @Test("messages no small input reaches: their text and the position they are given")
    func directMessages() throws {
        let (project, _) = TestProject.load(Self.flag("default: off"))
        let target = try #require(project.targets.first)
        let at = SourceLocation(file: "flags/x.yaml", line: 3, column: 5)
        #expect(
            ValidatorMessages.duplicateVariant(Located("a", at: at)).description
                == "flags/x.yaml:3:5: error: duplicate variant 'a'"
        )
        #expect(
            ValidatorMessages.splitVariantTwice(Located("on", at: at)).description
                == "flags/x.yaml:3:5: error: variant 'on' is listed twice in 'split'"
        )
        #expect(
            ValidatorMessages.tooMany(
                "rules",
                count: 70_000,
                flag: Located("f", at: at),
                environment: "prod",
                maximum: 65_535
            )
            .description
                == "flags/x.yaml:3:5: error: flag 'f' has 70000 rules in environment 'prod'; a flag has at most 65535"
        )
        #expect(
            BuildMessages.tooManyRecipients(target, count: 65).description
                == "targets/test.yaml:1:1: error: target 'test' has 65 recipients; a bundle holds at most 64"
        )
        #expect(
            BuildMessages.targetCannotBeBuilt(target, reason: "too costly").description
                == "targets/test.yaml:1:1: error: target 'test' cannot be built: too costly"
        )
        #expect(
            BuildMessages.keyringExpiresFirst(target, keyring: 0, bundle: 86_400).description
                == "targets/test.yaml:1:1: warning: the keyring expires at 1970-01-01T00:00:00Z, before this target's "
                + "bundle (1970-01-02T00:00:00Z); functions refuse the bundle from then on unless you run "
                + "'flagc keys renew' and rebuild"
        )
    }

    @Test("a recipient key file that cannot be read is reported at the recipient")
    func unusableRecipient() throws {
        let (project, _) = TestProject.load(Self.flag("default: off"), target: "recipients: [missing.pub]\n")
        let target = try #require(project.targets.first)
        let diagnostics = DiagnosticCollector()
        let keys = Builder.recipientKeys(
            of: target,
            root: "/nonexistent-flagc-root",
            keyStore: KeyStore(directory: "/nonexistent-flagc-root/keys", environment: [:]),
            diagnostics: diagnostics
        )
        #expect(keys == nil)
        #expect(
            diagnostics.diagnostics.map(\.description) == [
                "targets/test.yaml:1:14: error: cannot use recipient: cannot read /nonexistent-flagc-root/missing.pub: no such file"
            ]
        )
    }

    @Test(
        "build errors say what failed",
        arguments: [
            (
                BuildError.invalidSourceDateEpoch("soon"),
                "SOURCE_DATE_EPOCH must be a whole number of seconds (up to year 9999), found 'soon'"
            ),
            (
                BuildError.futureSourceDateEpoch(value: 1_000, now: 0),
                "SOURCE_DATE_EPOCH is 1970-01-01T00:16:40Z, 1000 seconds in the future; loaders refuse a bundle issued more than 300 seconds ahead of their clock"
            ),
            (BuildError.unknownTarget("prd", suggestion: "prod"), "no target 'prd' in targets/; did you mean 'prod'?"),
            (BuildError.unknownTarget("x", suggestion: nil), "no target 'x' in targets/"),
            (BuildError.noTargets, "no targets: add a file to targets/"),
            (BuildError.keyringExpired(at: 0), "the keyring expired at 1970-01-01T00:00:00Z; run 'flagc keys renew'"),
            (
                BuildError.sealing(target: "dev", reason: "libsodium x failed"),
                "cannot seal the bundle of target 'dev': libsodium x failed"
            ),
            (BuildError.output("cannot write out/"), "cannot write out/"),
        ] as [(BuildError, String)]
    )
    func buildErrors(error: BuildError, expected: String) {
        #expect(error.description == expected)
    }

    @Test("the issue time comes from SOURCE_DATE_EPOCH, refused when malformed or too far ahead")
    func issueTime() {
        #expect(throws: Never.self) { try BuildOptions.issueTime(environment: [:], now: 5) == 5 }
        #expect((try? BuildOptions.issueTime(environment: ["SOURCE_DATE_EPOCH": "100"], now: 200)) == 100)
        #expect {
            try BuildOptions.issueTime(environment: ["SOURCE_DATE_EPOCH": "x"], now: 0)
        } throws: { ($0 as? BuildError)?.description.hasPrefix("SOURCE_DATE_EPOCH must be") == true }
        #expect {
            try BuildOptions.issueTime(environment: ["SOURCE_DATE_EPOCH": "1000"], now: 0)
        } throws: { ($0 as? BuildError)?.description.contains("1000 seconds in the future") == true }
    }
}
