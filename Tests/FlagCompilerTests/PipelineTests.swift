import FlagCompiler
import FlagTestSupport
import Foundation
import Testing

/// The compiler's stages as `check` and `generate` run them.
@Suite("Compiler pipeline")
struct PipelineTests {
    /// A project on disk with a target `small` (one cheap flag) and a target `big` whose bundle the
    /// runtime would refuse (a prerequisite chain too expensive to evaluate).
    static func project() throws -> String {
        let root = NSTemporaryDirectory() + "flagc-pipeline-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: root + "/flags", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/targets", withIntermediateDirectories: true)
        try EvaluationCostTests.prerequisiteChain(30).write(
            toFile: root + "/flags/chain.yaml",
            atomically: true,
            encoding: .utf8
        )
        try "flags: [f0]\nrecipients: [keys/a.pub]\n".write(
            toFile: root + "/targets/small.yaml",
            atomically: true,
            encoding: .utf8
        )
        try "recipients: [keys/a.pub]\n".write(toFile: root + "/targets/big.yaml", atomically: true, encoding: .utf8)
        return root
    }

    @Test("check lowers and encodes every target: the expensive one is refused")
    func checkEncodesEveryTarget() throws {
        let root = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let diagnostics = DiagnosticCollector()
        _ = Builder.check(root: root, recipients: false, diagnostics: diagnostics)
        #expect(
            diagnostics.diagnostics.map(\.description).map {
                $0.hasPrefix("targets/big.yaml:1:1: error: target 'big' cannot be built: ")
            }
                == [true]
        )
    }

    @Test("generate lowers only its own target: another target's problems do not stop it")
    func generateTouchesOneTarget() throws {
        let root = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let diagnostics = DiagnosticCollector()
        let (_, source) = try Builder.generate(root: root, target: "small", environment: [:], diagnostics: diagnostics)
        #expect(diagnostics.diagnostics.isEmpty, "\(diagnostics.diagnostics)")
        #expect(source?.contains("f0") == true)
    }

    @Test("generate names the closest target when the name is misspelled")
    func generateUnknownTarget() throws {
        let root = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect {
            try Builder.generate(root: root, target: "smal", environment: [:], diagnostics: DiagnosticCollector())
        } throws: { ($0 as? BuildError)?.description == "no target 'smal' in targets/; did you mean 'small'?" }
    }
}
