import FlagCompiler
import Foundation
import Testing

/// The schemas `flagc init` writes are docs/schema's, byte for byte (regenerate with
/// `python3 Tests/Spec/generators/editor-schemas.py`).
@Suite("Editor schemas")
struct EditorSchemaTests {
    static let schemaDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/schema")

    @Test(
        "the embedded schemas equal docs/schema",
        arguments: [("flags", EditorSchema.flags), ("target", EditorSchema.target)]
    )
    func embeddedSchemasMatch(name: String, embedded: String) throws {
        let url = Self.schemaDirectory.appendingPathComponent("\(name).schema.json")
        let file = try String(contentsOf: url, encoding: .utf8)
        #expect(embedded + "\n" == file)
    }
}
