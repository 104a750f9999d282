import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Testing

/// Prerequisites and segments are evaluated again at each use, so a chain where every step uses all
/// earlier steps doubles its cost per step. Such definitions are refused by `flagc check`/`build`
/// and by the loader, instead of hanging a function (found by the YAML fuzzer).
@Suite("Evaluation cost bound")
struct EvaluationCostTests {
    static func prerequisiteChain(_ length: Int) -> String {
        var yaml = "flags:\n  f0: { default: on }\n"
        for index in 1..<length {
            let requires = (0..<index).map { "{ flag: f\($0), variant: on }" }.joined(separator: ", ")
            yaml += "  f\(index): { default: on, requires: [\(requires)] }\n"
        }
        return yaml
    }

    static func segmentChain(_ length: Int) -> String {
        var yaml = "segments:\n  s0: { when: { x: { exists: false } } }\n"
        for index in 1..<length {
            let uses = (0..<index).map { "{ segment: s\($0) }" }.joined(separator: ", ")
            yaml += "  s\(index): { when: { all: [\(uses)] } }\n"
        }
        yaml += "flags:\n  g:\n    default: off\n    rules: [{ when: { segment: s\(length - 1) }, serve: on }]\n"
        return yaml
    }

    @Test(arguments: [("prerequisites", prerequisiteChain(30)), ("segments", segmentChain(30))])
    func anExponentialChainIsRefusedByTheLoaderNamingTheFlagOrSegment(kind: String, yaml: String) throws {
        let content = try TestProject.content(yaml)
        let error = try #require(throws: DecodingError.self) { try FlagTables(decoding: PayloadCodec.encode(content)) }
        #expect(error.reason.contains("would visit more than 100000 conditions"), "\(kind): \(error)")
        #expect(error.reason.contains(kind == "prerequisites" ? "flag 'f" : "segment 's"), "\(kind): \(error)")
    }

    @Test(arguments: [prerequisiteChain(12), segmentChain(12)])
    func aShortChainLoadsAndEvaluatesQuickly(yaml: String) throws {
        let bundle = try TestProject.bundle(yaml)
        for detail in bundle.evaluateAll(context: EvaluationContext(targetingKey: "user-1")) {
            #expect(detail.reason != .error)
        }
    }
}
