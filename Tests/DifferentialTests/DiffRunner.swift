import FlagCompiler
import FlagRuntime
import FlagTestSupport
import Foundation

/// One flag of one project evaluated for one context.
struct DiffCase: Sendable {
    var project: DProject
    var context: DContext
    var flag: String
}

/// A disagreement between the runtime and the reference, minimized.
struct DiffFinding: Sendable, CustomStringConvertible {
    var origin: String
    var diffCase: DiffCase
    var reference: DAnswer
    var runtime: DAnswer

    var description: String {
        """
        --- disagreement (\(origin)), flag \(DiffText.quoted(diffCase.flag)), environment \(diffCase.project.environment)
        \(DiffYAML.render(diffCase.project))context: \(DiffText.context(diffCase.context))
        reference: \(reference)
        runtime:   \(runtime)
        """
    }
}

/// Compiles projects with the compiler the other tests use, evaluates them with the runtime, and
/// compares every answer with the reference interpreter.
enum DiffRunner {
    static let keys = TestKeys()
    /// The bundles' evaluation clock, for contexts without a time of their own.
    static let bundleClock = DiffGenerator.centre + 0.5

    enum CompileResult {
        case bundle(FlagBundle)
        case refused(String)
    }

    /// The project compiled for a target of its environment, sealed and loaded in memory.
    static func compile(_ project: DProject) -> CompileResult {
        let yaml = DiffYAML.render(project)
        do {
            let content = try TestProject.content(yaml, environment: project.environment)
            let bytes = keys.bundle(content, environment: project.environment)
            var options = keys.options()
            options.evaluationClock = { bundleClock }
            return .bundle(try FlagBundle.load(bytes: bytes, options: options))
        } catch {
            return .refused("\(error)")
        }
    }

    /// The runtime's context: built directly, or (for what only JSON can say: a non-string
    /// targeting key, an object value) parsed from JSON text; nil when the runtime refuses it.
    static func runtimeContext(_ context: DContext) -> EvaluationContext? {
        func needsJSON(_ value: DValue) -> Bool {
            switch value {
            case .object: true
            case .array(let items): items.contains(where: needsJSON)
            default: false
            }
        }
        let plainKey: Bool
        switch context.targetingKey {
        case nil, .string?: plainKey = true
        default: plainKey = false
        }
        if !plainKey || context.attributes.contains(where: { needsJSON($0.1) }) {
            return jsonContext(context)
        }
        func attribute(_ value: DValue) -> AttributeValue {
            switch value {
            case .null: .null
            case .bool(let bool): .bool(bool)
            case .number(let number): .number(number)
            case .string(let string): .string(string)
            case .array(let items): .list(items.map(attribute))
            case .object: .null  // unreachable: objects go through JSON
            }
        }
        var attributes = ContextAttributes()
        for (name, value) in context.attributes { attributes[name] = attribute(value) }
        var key: String?
        if case .string(let text)? = context.targetingKey { key = text }
        return EvaluationContext(
            targetingKey: key,
            attributes: attributes,
            now: context.usesBundleClock ? nil : context.now
        )
    }

    /// The context parsed from its JSON text (nil when refused).
    static func jsonContext(_ context: DContext) -> EvaluationContext? {
        var members: [(String, DValue)] = []
        if let key = context.targetingKey { members.append(("targetingKey", key)) }
        members += context.attributes
        guard var parsed = try? JSONParser.context(DiffText.json(.object(members))) else { return nil }
        parsed.now = context.usesBundleClock ? nil : context.now
        return parsed
    }

    static func answer<Value>(_ detail: EvaluationDetail<Value>, _ value: FlagValue?) -> DAnswer {
        DAnswer(
            value: value.map(variantValue),
            variant: detail.variant,
            reason: detail.reason.rawValue,
            rule: detail.ruleName,
            errorCode: detail.errorCode?.rawValue
        )
    }

    static func variantValue(_ value: FlagValue) -> DVariantValue {
        switch value {
        case .bool(let bool): .bool(bool)
        case .string(let string): .string(string)
        case .integer(let integer): .integer(integer)
        case .number(let number): .number(number)
        case .object(let json): .object(dValue(json))
        }
    }

    static func dValue(_ json: JSONValue) -> DValue {
        switch json {
        case .null: .null
        case .bool(let bool): .bool(bool)
        case .number(let number): .number(number)
        case .integer(let integer): .number(Double(integer))  // the generator writes no integer beyond 2^53 in objects
        case .string(let string): .string(string)
        case .array(let items): .array(items.map(dValue))
        case .object(let members): .object(members.map { ($0.key, dValue($0.value)) })
        }
    }

    /// The runtime's answers for every flag (by key, and through `evaluateAll`'s prepared path);
    /// a refused context answers `INVALID_CONTEXT` everywhere.
    static func runtimeAnswers(_ bundle: FlagBundle, _ project: DProject, _ context: DContext) -> [String: [DAnswer]] {
        let refused = DAnswer(value: nil, variant: nil, reason: "ERROR", rule: nil, errorCode: "INVALID_CONTEXT")
        guard let evaluationContext = runtimeContext(context) else {
            return Dictionary(uniqueKeysWithValues: project.flags.map { ($0.key, [refused]) })
        }
        var answers: [String: [DAnswer]] = [:]
        // The same context through the JSON parser (which must accept what was built directly).
        let viaJSON = jsonContext(context)
        for flag in project.flags {
            if let viaJSON {
                let detail = bundle.evaluate(flag.key, context: viaJSON)
                answers[flag.key, default: []].append(answer(detail, detail.value))
            } else {
                answers[flag.key, default: []].append(refused)
            }
        }
        for flag in project.flags {
            answers[flag.key] = [
                {
                    let detail = bundle.evaluate(flag.key, context: evaluationContext)
                    return answer(detail, detail.value)
                }()
            ]
        }
        for detail in bundle.evaluateAll(context: evaluationContext) {
            answers[detail.flagKey, default: []].append(answer(detail, detail.value))
        }
        // The typed paths: `detail(_:default:context:)` by key, and the value by handle with a
        // prepared context (what generated code calls), each with the detail's variant and reason.
        let prepared = bundle.prepare(evaluationContext)
        for flag in project.flags {
            guard let handle = bundle.handle(for: flag.key) else { continue }
            let key = flag.key
            var typed: [DAnswer] = []
            switch handle.type {
            case .boolean:
                let detail = bundle.detail(key, default: false, context: evaluationContext)
                typed.append(answer(detail, .bool(detail.value)))
                typed.append(answer(detail, .bool(bundle.bool(handle, default: false, context: prepared))))
            case .string:
                let detail = bundle.detail(key, default: "\u{0}", context: evaluationContext)
                typed.append(answer(detail, .string(detail.value)))
                typed.append(answer(detail, .string(bundle.string(handle, default: "\u{0}", context: prepared))))
            case .integer:
                let detail = bundle.detail(key, default: Int.min + 7, context: evaluationContext)
                typed.append(answer(detail, .integer(Int64(detail.value))))
                typed.append(
                    answer(detail, .integer(Int64(bundle.int(handle, default: Int.min + 7, context: prepared))))
                )
            case .number:
                let detail = bundle.detail(key, default: -.infinity, context: evaluationContext)
                typed.append(answer(detail, .number(detail.value)))
                typed.append(answer(detail, .number(bundle.double(handle, default: -.infinity, context: prepared))))
            case .object:
                let detail = bundle.detail(key, default: JSONValue.string("\u{0}"), context: evaluationContext)
                typed.append(answer(detail, .object(detail.value)))
                typed.append(
                    answer(detail, .object(bundle.object(handle, default: .string("\u{0}"), context: prepared)))
                )
            }
            answers[key, default: []] += typed
        }
        return answers
    }

    /// The reference and runtime answers when they disagree on `diffCase`'s flag; nil when they
    /// agree or the project does not compile.
    static func disagreement(_ diffCase: DiffCase) -> (DAnswer, DAnswer)? {
        guard diffCase.project.flags.contains(where: { $0.key == diffCase.flag }),
            case .bundle(let bundle) = compile(diffCase.project)
        else { return nil }
        let expected = DiffReference(project: diffCase.project).evaluate(diffCase.flag, diffCase.context)
        let actual = runtimeAnswers(bundle, diffCase.project, diffCase.context)[diffCase.flag] ?? []
        return actual.first { !DiffCompare.same($0, expected) }.map { (expected, $0) }
    }

    // MARK: Runs

    struct Report {
        var projects = 0
        var evaluations = 0
        var findings: [DiffFinding] = []
        var unminimized = 0
        /// Disagreements that minimized to a case already found.
        var duplicates = 0
        var refusedProjects: [String] = []
    }

    /// Runs projects from `seed`, `seed + 1`, … until `projects` are done or `deadline` passes.
    static func run(
        seed: UInt64,
        projects: Int,
        contexts: Int,
        options: GeneratorOptions,
        deadline: ContinuousClock.Instant? = nil,
        maximumFindings: Int = 5,
        log: ((String) -> Void)? = nil
    ) -> Report {
        var report = Report()
        for index in 0..<projects {
            if let deadline, ContinuousClock.now >= deadline { break }
            let projectSeed = seed &+ UInt64(index)
            var generator = DiffGenerator(seed: projectSeed, options: options)
            let project = generator.project()
            report.projects += 1
            let bundle: FlagBundle
            switch compile(project) {
            case .bundle(let loaded): bundle = loaded
            case .refused(let message):
                report.refusedProjects.append(
                    "seed \(projectSeed): a generated project does not compile: \(message)\n\(DiffYAML.render(project))"
                )
                continue
            }
            let reference = DiffReference(project: project)
            // One finding per project: the rest of a project's disagreements are most often the same one.
            var projectHasFinding = false
            for contextIndex in 0..<contexts {
                let context = generator.context(project)
                let answers = runtimeAnswers(bundle, project, context)
                for flag in project.flags where !projectHasFinding {
                    report.evaluations += 1
                    let expected = reference.evaluate(flag.key, context)
                    guard let actual = (answers[flag.key] ?? []).first(where: { !DiffCompare.same($0, expected) })
                    else { continue }
                    let origin = "seed \(projectSeed), context \(contextIndex)"
                    projectHasFinding = true
                    if report.findings.count >= maximumFindings {
                        report.unminimized += 1
                        continue
                    }
                    log?("disagreement at \(origin) on \(flag.key); minimizing")
                    let minimized = DiffMinimizer.minimize(DiffCase(project: project, context: context, flag: flag.key))
                    let (finalExpected, finalActual) = disagreement(minimized) ?? (expected, actual)
                    let finding = DiffFinding(
                        origin: origin,
                        diffCase: minimized,
                        reference: finalExpected,
                        runtime: finalActual
                    )
                    let signature =
                        DiffYAML.render(minimized.project) + DiffText.json(.object(minimized.context.attributes))
                    if report.findings.contains(where: {
                        DiffYAML.render($0.diffCase.project) + DiffText.json(.object($0.diffCase.context.attributes))
                            == signature
                    }) {
                        report.duplicates += 1
                        continue
                    }
                    log?(finding.description)
                    report.findings.append(finding)
                }
            }
        }
        return report
    }
}

/// Answer equality: strings by code points, numbers by value, objects by members.
enum DiffCompare {
    static func same(_ a: DAnswer, _ b: DAnswer) -> Bool {
        guard a.reason == b.reason, a.errorCode == b.errorCode, optional(a.variant, b.variant, text),
            optional(a.rule, b.rule, text)
        else { return false }
        if a.errorCode != nil { return true }  // the value is then the caller's default
        return optional(a.value, b.value, value)
    }

    static func optional<T>(_ a: T?, _ b: T?, _ equal: (T, T) -> Bool) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let x?, let y?): equal(x, y)
        default: false
        }
    }

    static func text(_ a: String, _ b: String) -> Bool { Array(a.unicodeScalars) == Array(b.unicodeScalars) }

    static func value(_ a: DVariantValue, _ b: DVariantValue) -> Bool {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): x == y
        case (.string(let x), .string(let y)): text(x, y)
        case (.integer(let x), .integer(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.object(let x), .object(let y)): json(x, y)
        default: false
        }
    }

    static func json(_ a: DValue, _ b: DValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return text(x, y)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { json($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count
                && x.allSatisfy { member in y.contains { text($0.0, member.0) && json($0.1, member.1) } }
        default: return false
        }
    }
}
