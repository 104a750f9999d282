// libFuzzer target for the compiler's front end on untrusted YAML: libyaml through `YAMLReader`
// (flagc's YAML rules, with the default and with tight limits), the definition reader and project
// validator through `FlagProject.load`, and, for input without errors, lowering to bundle content,
// code generation, a payload round trip (encode, compress, then the loader's decompression and
// decoding) that must give back exactly what was encoded, and evaluation of every flag (what
// `flagc check` accepts must evaluate without trapping, and quickly).
//
// Built and run by `.ci/fuzz` (see docs/fuzzing.md); not part of the SwiftPM package. Seeds live
// in Tests/Fuzz/Corpus/yaml/.

import FlagCompiler
import FlagRuntime

/// Two targets, so that `environments:` overrides are lowered for an environment that has some
/// (`staging` in the seeds) and one that may not.
let targetFiles: [(String, [UInt8])] = [
    ("targets/t.yaml", Array("recipients: [k.pub]\n".utf8)),
    ("targets/s.yaml", Array("environment: staging\nrecipients: [k.pub]\nexclude: [\"*-internal\"]\n".utf8)),
]

/// Tight limits, so the depth, node-count and diagnostic-count exits are fuzzed too.
let tightLimits = YAMLReader.Limits(
    maximumInputBytes: 1 << 16,
    maximumDepth: 6,
    maximumNodes: 300,
    maximumDiagnostics: 3
)

@_cdecl("LLVMFuzzerTestOneInput")
public func yamlFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))

    do {
        _ = try YAMLReader.read(bytes, file: "flags/f.yaml", limits: tightLimits)
    } catch {
        for diagnostic in error.diagnostics { checkPosition(diagnostic) }
    }
    // With the default limits: `FlagProject.load` runs `YAMLReader.read`, and after local problems
    // (duplicate keys, anchors, tags) the recovering read, whose tree it still checks.
    let diagnostics = DiagnosticCollector()
    let project = FlagProject.load(
        flagFiles: [("flags/f.yaml", bytes)],
        targetFiles: targetFiles,
        diagnostics: diagnostics
    )
    var renderer = DiagnosticRenderer()
    for (path, text) in project.sources { renderer.addSource(text, for: path) }
    for diagnostic in diagnostics.sorted {
        checkPosition(diagnostic)
        _ = renderer.render(diagnostic)
    }
    guard !diagnostics.hasErrors else { return 0 }

    for target in project.targets {
        // What `flagc check` and `build` accept: a target whose bundle the runtime would refuse
        // (a flag too expensive to evaluate) is a reported error, not a bundle.
        guard let content = Builder.checkedContent(of: project, target: target, diagnostics: diagnostics) else {
            continue
        }
        // What `BundleWriter` encrypts (the encoding, compressed) must go back through the loader's
        // `payload` stage: decompression, then the tables.
        let encoded = PayloadCodec.encode(content)
        let tables: FlagTables
        do {
            tables = try BundleLoader.decodePayload(PayloadCodec.compress(encoded))
        } catch {
            fatalError("the payload of valid definitions does not decode: \(error)")
        }
        let bundle = FlagBundle(header: header, tables: tables, clock: { 1_795_651_200 })
        let decoded = bundle.content
        // NaN literals make `==` false on equal contents; their text (and their encoding) still agree.
        guard decoded == content || String(reflecting: decoded) == String(reflecting: content) else {
            fatalError("payload round trip changed the content:\n\(content)\n\(decoded)")
        }
        precondition(PayloadCodec.encode(decoded) == encoded, "payload encoding is not deterministic")
        _ = Builder.swiftSource(of: project, target: target.name, issuedAt: 1_795_651_200)
        evaluate(bundle, attributes: content.attributes)
    }
    return 0
}

/// Lines and columns start at 1.
func checkPosition(_ diagnostic: Diagnostic) {
    guard let location = diagnostic.location else { return }
    precondition(location.line >= 1 && location.column >= 1, "diagnostic at \(location): \(diagnostic.message)")
}

/// A header for bundles made in memory; evaluation does not look at it.
let header = BundleHeader(
    bundleVersion: 1,
    issuedAt: 0,
    expiresAt: 0,
    target: "t",
    environment: "",
    flagCount: 0,
    signingKeyID: KeyID(bytes: [UInt8](repeating: 0, count: 8)),
    keyring: Keyring(version: 1, issuedAt: 0, expiresAt: 0, signingKeys: [], revokedKeyIDs: []),
    sealedKeys: [],
    nonce: []
)

/// Every flag for a context without attributes and one where each attribute has a plausible value.
func evaluate(_ bundle: FlagBundle, attributes names: [String]) {
    let samples: [AttributeValue] = ["user-1", "DE", "2.4.0", "10.1.2.3", "2026-12-01T09:00:00Z", "a@example.com", 42]
    var attributes: [String: AttributeValue] = [:]
    for (index, name) in names.enumerated() { attributes[name] = samples[index % samples.count] }
    for context in [EvaluationContext(), EvaluationContext(targetingKey: "user-2", attributes: attributes)] {
        _ = bundle.evaluateAll(context: context)
    }
}
