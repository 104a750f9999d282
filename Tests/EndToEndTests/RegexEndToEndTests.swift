import Foundation
import Testing

/// `matches` through the real `flagc`: patterns only the NFA path takes build and evaluate as RE2 does, and a target
/// whose automata would not fit a bundle's memory bound is refused, naming the costliest patterns.
@Suite("Regex end to end")
struct RegexEndToEndTests {
    @Test("patterns whose DFA is exponential build, and evaluate as RE2 does")
    func nfaOnlyPatternsBuildAndEvaluate() throws {
        let workspace = try Workspace()
        try workspace.succeed("init")
        try workspace.write(
            #"""
            flags:
              dot-eleven:
                default: off
                rules: [{ when: { email: { matches: "a.{11}" } }, serve: on }]
              ab-twenty:
                default: off
                rules: [{ when: { email: { matches: "(a|b)*a(a|b){20}" } }, serve: on }]
              class-thirteen:
                default: off
                rules: [{ when: { email: { matches: "[a-q][^u-z]{13}x" } }, serve: on }]

            """#,
            to: "flags/example.yaml"
        )
        try workspace.succeed("check")
        try workspace.succeed("build")
        for (email, expected) in [
            ("a" + String(repeating: "b", count: 20), [true, true, false]),
            ("c" + String(repeating: "1", count: 13) + "x", [false, false, true]),
            ("a" + String(repeating: "b", count: 10), [false, false, false]),
        ] {
            let result = try workspace.succeed(
                "eval",
                "out/dev/flags.bundle",
                "--context",
                #"{"targetingKey":"someone","email":"\#(email)"}"#
            )
            let values = ["ab-twenty", "class-thirteen", "dot-eleven"].map { key in
                result.lines.contains { $0.contains(#""flag":"\#(key)","value":true"#) }
            }
            #expect(values == [expected[1], expected[2], expected[0]], "\(email): \(result)")
        }
    }

    @Test("a target whose automata would take more than 16 MiB is refused, naming the costliest patterns")
    func aTargetOverTheMemoryBoundIsRefused() throws {
        let workspace = try Workspace()
        try workspace.succeed("init")
        var yaml = "flags:\n"
        for index in 0..<60 {
            // About 44,000 instructions (350 KB loaded) each; the same text is compiled once.
            yaml += "  big-\(index):\n    default: off\n"
            yaml += #"    rules: [{ when: { name: { matches: "^[^\\n]{1000}[^\\n]{1000}$" } }, serve: on }]"# + "\n"
        }
        try workspace.write(yaml, to: "flags/example.yaml")
        let result = try workspace.run("check")
        #expect(result.status == 1, "\(result)")
        #expect(
            result.stderr.contains("targets/dev.yaml:2:1: error: the regular expressions of target 'dev' would take "),
            "\(result)"
        )
        #expect(
            result.stderr.contains("more than the 16777216 a bundle may use; the costliest: flags/example.yaml:4:"),
            "\(result)"
        )
        #expect(result.stderr.contains(" bytes, NFA), flags/example.yaml:7:"), "\(result)")
        #expect(result.stderr.contains("; simplify them or split the flags between targets"), "\(result)")
        let built = try workspace.run("build")
        #expect(built.status == 1, "\(built)")
        #expect(!workspace.exists("out/dev/flags.bundle"))
    }
}
