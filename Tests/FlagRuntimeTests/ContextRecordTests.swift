import Testing

@testable import FlagRuntime

@Suite("Context records")
struct ContextRecordTests {
    /// Random sets, replacements and removals against a dictionary, across the index's limit (24
    /// attributes), long names and long string values; every copy keeps its own values (copy on write).
    @Test(arguments: [1, 2, 3, 4])
    func behavesLikeADictionary(seed: UInt64) {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let names = (0..<40).map { $0 % 3 == 0 ? "a-rather-long-attribute-name-\($0)" : "n\($0)" }
        var attributes = ContextAttributes(minimumCapacity: 2)
        var model: [String: AttributeValue] = [:]
        var snapshots: [(ContextAttributes, [String: AttributeValue])] = []
        for step in 0..<600 {
            let name = names[next(names.count)]
            switch next(5) {
            case 0:
                attributes[name] = nil
                model[name] = nil
            case 1:
                let value = AttributeValue.string(String(repeating: "v", count: next(40)))
                attributes.set(name, value)
                model[name] = value
            case 2:
                attributes.set(name, .number(Double(step)))
                model[name] = .number(Double(step))
            case 3:
                attributes.set(name, .list(["x", .number(1)]))
                model[name] = .list(["x", .number(1)])
            default:
                attributes.set(name, .bool(step % 2 == 0))
                model[name] = .bool(step % 2 == 0)
            }
            if step % 50 == 0 { snapshots.append((attributes, model)) }
            #expect(attributes.count == model.count)
        }
        for name in names { #expect(attributes[name] == model[name], "\(name)") }
        #expect(attributes == ContextAttributes(model))
        for (copy, expected) in snapshots {
            #expect(Dictionary(uniqueKeysWithValues: copy.map { ($0.key, $0.value) }) == expected)
        }
    }
}
