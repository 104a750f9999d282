import FlagRuntime
import Foundation

/// A named rule about flags from `policies/*.yaml`: which flags it applies to, how severe a violation
/// is, and the checks over each flag's facts.
package struct Policy: Sendable {
    package enum CheckKind: Sendable { case require, deny }

    /// One `require`/`deny` entry: a condition over the facts, in the flag language's syntax.
    package struct Check: Sendable {
        package var kind: CheckKind
        package var condition: ConditionNode
        package var location: SourceLocation
    }

    package var name: Located<String>
    package var severity: Diagnostic.Severity
    package var match: PolicyMatch
    package var checks: [Check]
}

/// `match:` — every field given must hold; within a field any listed value may match. No field: every flag.
package struct PolicyMatch: Sendable {
    /// Globs over flag keys (`*`, `?`).
    package var keys: [String]?
    package var tags: [String]?
    package var compliance: [String]?
    package var environments: [String]?
    package var targets: [String]?
    package var owners: [String]?

    package func matches(_ facts: PolicyFacts) -> Bool {
        if let keys, !keys.contains(where: { Self.matches($0, facts.key) }) { return false }
        if let tags, !tags.contains(where: facts.tags.contains) { return false }
        if let compliance, !compliance.contains(where: facts.compliance.contains) { return false }
        if let environments, !environments.contains(facts.environment) { return false }
        if let targets, !targets.contains(facts.target) { return false }
        if let owners, !owners.contains(where: { $0 == facts.owner }) { return false }
        return true
    }

    /// `Glob.matches`, with the common `prefix*` and literal patterns compared without building arrays.
    private static func matches(_ pattern: String, _ key: String) -> Bool {
        guard !pattern.contains("?") else { return Glob.matches(pattern, key) }
        let stars = pattern.utf8.lazy.filter { $0 == 0x2A }.count
        if stars == 0 { return pattern == key }
        if stars == 1, pattern.utf8.last == 0x2A { return key.hasPrefix(pattern.dropLast()) }
        return Glob.matches(pattern, key)
    }
}

/// `waivers:` — one policy does not apply to one flag (in one target, or all) until `expires`.
package struct Waiver: Sendable {
    package var policy: Located<String>
    package var flag: Located<String>
    package var target: String?
    package var owner: String
    package var reason: String
    /// As written (YYYY-MM-DD).
    package var expires: String
    /// 00:00 UTC of `expires`, Unix seconds: from then on the waiver no longer waives.
    package var expiresAt: Int64
    package var location: SourceLocation

    package func applies(policy name: String, flag key: String, target targetName: String) -> Bool {
        policy.value == name && flag.value == key && (target == nil || target == targetName)
    }
}

/// Every policy and waiver of a repository's `policies/` folder.
public struct PolicySet: Sendable {
    package var policies: [Policy] = []
    package var waivers: [Waiver] = []
    /// File texts by path, for quoting diagnostics.
    public var sources: [String: String] = [:]

    /// Whether there is nothing to check.
    public var isEmpty: Bool { policies.isEmpty && waivers.isEmpty }

    /// Reads `policies/*.yaml` under `root`; a missing folder is an empty set. Problems go to `diagnostics`.
    public static func load(root: String, diagnostics: DiagnosticCollector) -> PolicySet {
        let directory = (root as NSString).appendingPathComponent("policies")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return PolicySet() }
        var files: [(String, [UInt8])] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = "policies/" + name
            do {
                files.append(
                    (
                        path,
                        try FileReader.read(path: (directory as NSString).appendingPathComponent(name), limit: 4 << 20)
                    )
                )
            } catch {
                diagnostics.append(PolicyMessages.unreadable(path, reason: "\(error)"))
            }
        }
        return read(files: files, diagnostics: diagnostics)
    }

    /// Reads policy files given as (path, bytes) pairs.
    package static func read(files: [(String, [UInt8])], diagnostics: DiagnosticCollector) -> PolicySet {
        var set = PolicySet()
        let reader = PolicyReader(definitions: DefinitionReader(diagnostics: diagnostics), diagnostics: diagnostics)
        for (path, bytes) in files {
            set.sources[path] = String(decoding: bytes, as: UTF8.self)
            let (root, problems) = YAMLReader.readRecovering(bytes, file: path)
            problems.forEach(diagnostics.append)
            guard let root else { continue }
            reader.readFile(root, into: &set)
        }
        var seen: [String: SourceLocation] = [:]
        for policy in set.policies {
            if let first = seen[policy.name.value] {
                diagnostics.append(PolicyMessages.duplicatePolicy(policy.name, first: first))
            } else {
                seen[policy.name.value] = policy.name.location
            }
        }
        for waiver in set.waivers where seen[waiver.policy.value] == nil {
            let suggestion = Suggestion.closest(to: waiver.policy.value, among: Array(seen.keys))
            diagnostics.append(PolicyMessages.waiverForNoPolicy(waiver, suggestion: suggestion))
        }
        return set
    }
}

/// Reads the YAML tree of one policies file, with the flag reader's helpers for fields and conditions.
struct PolicyReader {
    let definitions: DefinitionReader
    let diagnostics: DiagnosticCollector

    private static let policyFields = ["severity", "description", "match", "require", "deny"]
    private static let matchFields = ["keys", "tags", "compliance", "environment", "target", "owner"]
    private static let waiverFields = ["policy", "flag", "target", "owner", "reason", "expires"]

    func readFile(_ root: YAMLNode, into set: inout PolicySet) {
        guard let entries = definitions.mapping(root, "a policies file") else { return }
        for entry in definitions.checkFields(entries, allowed: ["policies", "waivers"], in: "a policies file") {
            switch entry.key {
            case "policies":
                guard let policies = definitions.mapping(entry.value, "'policies'") else { continue }
                for policy in policies {
                    if let read = readPolicy(policy) { set.policies.append(read) }
                }
            case "waivers":
                guard let items = definitions.sequence(entry.value, "'waivers'") else { continue }
                set.waivers += items.compactMap(readWaiver)
            default: break
            }
        }
    }

    private func readPolicy(_ entry: YAMLMappingEntry) -> Policy? {
        definitions.checkName(entry.key, at: entry.keyLocation, what: "policy name")
        guard let fields = definitions.mapping(entry.value, "policy '\(entry.key)'") else { return nil }
        var policy = Policy(
            name: Located(entry.key, at: entry.keyLocation),
            severity: .error,
            match: PolicyMatch(),
            checks: []
        )
        for field in definitions.checkFields(fields, allowed: Self.policyFields, in: "a policy") {
            switch field.key {
            case "severity":
                switch field.value.string {
                case "error": policy.severity = .error
                case "warning": policy.severity = .warning
                default:
                    diagnostics.append(PolicyMessages.invalidSeverity(at: field.value.location))
                }
            case "description": _ = definitions.string(field.value, "'description'")
            case "match": policy.match = readMatch(field.value)
            case "require", "deny":
                guard let items = definitions.sequence(field.value, "'\(field.key)'") else { continue }
                for item in items {
                    guard let condition = readCheck(item) else { continue }
                    policy.checks.append(
                        Policy.Check(
                            kind: field.key == "require" ? .require : .deny,
                            condition: condition,
                            location: item.location
                        )
                    )
                }
            default: break
            }
        }
        if policy.checks.isEmpty {
            diagnostics.append(PolicyMessages.policyWithoutChecks(entry.key, at: entry.keyLocation))
        }
        return policy
    }

    private func readMatch(_ node: YAMLNode) -> PolicyMatch {
        var match = PolicyMatch()
        guard let fields = definitions.mapping(node, "'match'") else { return match }
        for field in definitions.checkFields(fields, allowed: Self.matchFields, in: "'match'") {
            // One value or a list of values.
            let values =
                field.value.sequenceItems == nil
                ? definitions.string(field.value, "'\(field.key)'").map { [$0] } ?? []
                : definitions.stringList(field.value, "'\(field.key)'")
            switch field.key {
            case "keys": match.keys = values
            case "tags": match.tags = values
            case "compliance": match.compliance = values
            case "environment": match.environments = values
            case "target": match.targets = values
            case "owner": match.owners = values
            default: break
            }
        }
        return match
    }

    /// A check: a condition over the facts. Fact names are checked, `24h`-style durations and dates are
    /// turned into what the operators compare, then the flag language's condition reader reads it.
    private func readCheck(_ node: YAMLNode) -> ConditionNode? {
        guard node.mappingEntries != nil else {
            diagnostics.append(PolicyMessages.checkNotMapping(found: node.kindName, at: node.location))
            return nil
        }
        guard let rewritten = rewriteCheck(node) else { return nil }
        let before = diagnostics.diagnostics.count
        let condition = definitions.readCondition(rewritten)
        let failed = diagnostics.diagnostics[before...].contains { $0.severity == .error }
        return failed ? nil : condition
    }

    private func rewriteCheck(_ node: YAMLNode) -> YAMLNode? {
        guard let entries = node.mappingEntries else { return node }
        var result: [YAMLMappingEntry] = []
        var ok = true
        for entry in entries {
            var entry = entry
            switch entry.key {
            case "all", "any":
                guard let items = entry.value.sequenceItems else { break }
                let rewritten = items.map(rewriteCheck)
                if rewritten.contains(where: { $0 == nil }) { ok = false }
                entry.value = YAMLNode(.sequence(rewritten.compactMap { $0 }), at: entry.value.location)
            case "not":
                guard let inner = rewriteCheck(entry.value) else {
                    ok = false
                    continue
                }
                entry.value = inner
            default:
                guard PolicyFacts.names.contains(entry.key) else {
                    let suggestion = Suggestion.closest(to: entry.key, among: PolicyFacts.names)
                    diagnostics.append(
                        PolicyMessages.unknownFact(entry.key, suggestion: suggestion, at: entry.keyLocation)
                    )
                    ok = false
                    continue
                }
                if entry.key == "approvals", let fields = entry.value.mappingEntries,
                    let modifier = fields.first(where: { $0.key == "distinctFromOwner" })
                {
                    guard let value = modifier.value.bool else {
                        diagnostics.append(PolicyMessages.distinctFromOwnerNotBool(at: modifier.value.location))
                        ok = false
                        continue
                    }
                    entry.value = YAMLNode(
                        .mapping(fields.filter { $0.key != "distinctFromOwner" }),
                        at: entry.value.location
                    )
                    if value { entry.key = PolicyFacts.approvalsNotByOwnerName }
                }
                if PolicyFacts.durationFacts.contains(entry.key) {
                    guard let value = rewriteOperands(entry.value, with: durationSeconds) else {
                        ok = false
                        continue
                    }
                    entry.value = value
                }
                if PolicyFacts.dateFacts.contains(entry.key) {
                    entry.value = rewriteOperands(entry.value, with: dateTime) ?? entry.value
                }
            }
            result.append(entry)
        }
        return ok ? YAMLNode(.mapping(result), at: node.location) : nil
    }

    /// Applies `convert` to every operand scalar of a predicate (a scalar, a list, or a map of operators).
    private func rewriteOperands(_ node: YAMLNode, with convert: (YAMLNode) -> YAMLNode?) -> YAMLNode? {
        switch node.kind {
        case .scalar: return convert(node)
        case .sequence(let items):
            let converted = items.map(convert)
            if converted.contains(where: { $0 == nil }) { return nil }
            return YAMLNode(.sequence(converted.compactMap { $0 }), at: node.location)
        case .mapping(let entries):
            var result: [YAMLMappingEntry] = []
            for var entry in entries {
                if entry.key != "exists" && entry.key != "ignoreCase" {
                    guard let value = rewriteOperands(entry.value, with: convert) else { return nil }
                    entry.value = value
                }
                result.append(entry)
            }
            return YAMLNode(.mapping(result), at: node.location)
        }
    }

    /// `24h` → 86400 (a plain integer scalar); numbers stay seconds.
    private func durationSeconds(_ node: YAMLNode) -> YAMLNode? {
        guard let scalar = node.scalar else { return node }
        if node.number != nil { return node }
        guard let seconds = Timestamp.parseDuration(scalar.text) else {
            diagnostics.append(PolicyMessages.notADuration(scalar.text, at: node.location))
            return nil
        }
        return YAMLNode(.scalar(YAMLScalar(text: String(seconds), isPlain: true)), at: node.location)
    }

    /// `2027-03-31` → `2027-03-31T00:00:00Z`, so `before`/`after` read it as a time.
    private func dateTime(_ node: YAMLNode) -> YAMLNode? {
        guard let scalar = node.scalar, Timestamp.parseDate(scalar.text) != nil else { return node }
        return YAMLNode(.scalar(YAMLScalar(text: scalar.text + "T00:00:00Z", isPlain: false)), at: node.location)
    }

    private func readWaiver(_ node: YAMLNode) -> Waiver? {
        guard let fields = definitions.mapping(node, "a waiver") else { return nil }
        var values: [String: Located<String>] = [:]
        for field in definitions.checkFields(fields, allowed: Self.waiverFields, in: "a waiver") {
            let text = field.key == "expires" ? field.value.scalar?.text : field.value.string
            guard let text, !text.isEmpty else {
                diagnostics.append(PolicyMessages.waiverFieldEmpty(field.key, at: field.value.location))
                continue
            }
            values[field.key] = Located(text, at: field.value.location)
        }
        let missing = ["policy", "flag", "owner", "reason", "expires"].filter { values[$0] == nil }
        guard missing.isEmpty, let policy = values["policy"], let flag = values["flag"], let owner = values["owner"],
            let reason = values["reason"], let expires = values["expires"]
        else {
            if !missing.isEmpty {
                diagnostics.append(PolicyMessages.waiverIncomplete(missing: missing, at: node.location))
            }
            return nil
        }
        guard let expiresAt = Timestamp.parseDate(expires.value) else {
            diagnostics.append(PolicyMessages.waiverExpiryNotDate(at: expires.location))
            return nil
        }
        return Waiver(
            policy: policy,
            flag: flag,
            target: values["target"]?.value,
            owner: owner.value,
            reason: reason.value,
            expires: expires.value,
            expiresAt: expiresAt,
            location: node.location
        )
    }
}
