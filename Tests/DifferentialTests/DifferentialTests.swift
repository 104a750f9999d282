import Foundation
import Testing

/// Randomized differential test of evaluation: random valid projects and hostile contexts,
/// evaluated by the runtime (compiled with the real compiler) and by `DiffReference`, a small
/// interpreter written from the contract. Any disagreement is minimized and printed as YAML +
/// context + both answers.
///
/// CI mode (default): fixed seeds, a bounded number of projects, known divergences left out.
/// Long mode: `FLAGC_DIFF_SECONDS=600 [FLAGC_DIFF_SEED=N] [FLAGC_DIFF_ALL=1] swift test --filter
/// DifferentialTests.DifferentialTests` runs projects from the seed (default: the time) until the time is up;
/// `FLAGC_DIFF_ALL=1` also generates what `KnownDivergence` leaves out, `FLAGC_DIFF_INCLUDE=name,…`
/// only the named entries.
@Suite("Differential evaluation against a reference interpreter")
struct DifferentialTests {
    static let ciSeed: UInt64 = 0x00F1_A6C0
    static let ciProjects = 70
    static let ciContexts = 16

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    @Test("the runtime answers as the reference interpreter on random projects and hostile contexts")
    func runtimeAgreesWithReference() {
        let environment = Self.environment
        let all = environment["FLAGC_DIFF_ALL"] == "1"
        let included = Set(
            (environment["FLAGC_DIFF_INCLUDE"] ?? "").split(separator: ",").map { KnownDivergence(name: String($0)) }
        )
        let options = GeneratorOptions(excluded: all ? [] : Set(KnownDivergence.all).subtracting(included))
        let report: DiffRunner.Report
        if let seconds = environment["FLAGC_DIFF_SECONDS"].flatMap(Double.init) {
            let seed =
                environment["FLAGC_DIFF_SEED"].flatMap { UInt64($0) }
                ?? UInt64(Date().timeIntervalSince1970 * 1000)
            print(
                "differential test: long mode, \(seconds) s from seed \(seed)\(all ? ", known divergences included" : "")"
            )
            report = DiffRunner.run(
                seed: seed,
                projects: .max,
                contexts: 20,
                options: options,
                deadline: .now + .seconds(seconds),
                maximumFindings: 20,
                log: { print($0) }
            )
        } else {
            let seed = environment["FLAGC_DIFF_SEED"].flatMap { UInt64($0) } ?? Self.ciSeed
            report = DiffRunner.run(seed: seed, projects: Self.ciProjects, contexts: Self.ciContexts, options: options)
        }
        print(
            "differential test: \(report.projects) projects, \(report.evaluations) evaluations, "
                + "\(report.findings.count + report.unminimized + report.duplicates) projects with a disagreement "
                + "(\(report.findings.count) minimized, \(report.duplicates) duplicates)"
        )
        #expect(report.refusedProjects.isEmpty, "\(report.refusedProjects.joined(separator: "\n"))")
        #expect(
            report.findings.isEmpty,
            "\(report.findings.map(\.description).joined(separator: "\n"))\n(\(report.unminimized) more not minimized)"
        )
        #expect(report.evaluations > 0)
    }

    // MARK: The reference's own helpers, against the contract's examples

    @Test(
        "murmur3 buckets match the golden vectors",
        arguments: [
            ("new-checkout-flow", "user-1", 1_463_082_777 as UInt32),
            ("new-checkout-flow", "user-2", 1_723_261_492),
            ("new-checkout-flow", "user-42", 4_225_795_607),
            ("checkout-experiment", "user-42", 3_157_293_751),
            ("checkout-experiment", "", 395_533_715),
            ("search.ranking-v2", "用户-7", 3_350_498_309),
        ]
    )
    func murmur3GoldenVectors(salt: String, value: String, hash: UInt32) {
        #expect(DiffReference.murmur3(Array((salt + "." + value).utf8)) == hash)
    }

    @Test(
        "numbers are written as JavaScript writes them",
        arguments: [
            (5.0, "5"), (0.1, "0.1"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (-0.0, "0"), (1.5, "1.5"),
            (1e-7, "1e-7"), (1e-6, "0.000001"), (1.2345678901234568e20, "123456789012345680000"),
            (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (-2.5, "-2.5"),
            (0.30000000000000004, "0.30000000000000004"), (1.2345e-7, "1.2345e-7"),
        ]
    )
    func javaScriptNumberText(value: Double, text: String) {
        #expect(DiffText.jsNumber(value) == text)
    }

    @Test("semantic versions order as semver.org's example chain")
    func semverOrder() throws {
        let chain = [
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
            "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1", "10.0.0", "18446744073709551615.0.0",
        ]
        for (low, high) in zip(chain, chain.dropFirst()) {
            let a = try #require(SemverRef(low))
            let b = try #require(SemverRef(high))
            #expect(a.compare(b) < 0 && b.compare(a) > 0, "\(low) < \(high)")
        }
        #expect(SemverRef("1.0.0+build.1")!.compare(SemverRef("1.0.0")!) == 0)
        #expect(SemverRef("18446744073709551616.0.0") == nil, "numeric identifiers are at most 2^64 - 1 (decided)")
        for invalid in DiffGenerator.invalidVersions { #expect(SemverRef(invalid) == nil, "\(invalid)") }
    }

    @Test("RFC 3339 times read as Unix seconds")
    func rfc3339Times() {
        #expect(DiffReference.rfc3339("2026-12-01T09:00:00Z") == 1_796_115_600)
        #expect(DiffReference.rfc3339("2026-12-01t10:30:00.5+01:30") == 1_796_115_600.5)
        #expect(DiffReference.rfc3339("2026-12-01T08:59:60Z") == 1_796_115_600)
        #expect(DiffReference.rfc3339("1970-01-01T00:00:00z") == 0)
        #expect(DiffReference.rfc3339("1969-12-31T23:59:59Z") == -1)
        #expect(DiffReference.rfc3339("2024-02-29T00:00:00Z") == 1_709_164_800)
        for invalid in ["2026-02-30T00:00:00Z", "2026-12-01 09:00:00Z", "2026-12-01T09:00:00", "2026-12-01T09:00:00.Z"]
        {
            #expect(DiffReference.rfc3339(invalid) == nil, "\(invalid)")
        }
        var generator = DiffGenerator(seed: 1, options: GeneratorOptions(excluded: []))
        for _ in 0..<200 {
            let seconds = generator.seconds()
            let text = generator.rfc3339(seconds)
            #expect(DiffReference.rfc3339(text) == seconds, "\(text)")
        }
    }

    @Test("IPv4-mapped IPv6 addresses equal their IPv4 address both ways")
    func ipAddresses() {
        #expect(IPRef.address("::ffff:10.1.2.3") == IPRef.address("10.1.2.3"))
        #expect(IPRef.address("::FFFF:a01:203") == IPRef.address("10.1.2.3"))
        #expect(IPRef.range("10.0.0.0/8")!.contains(IPRef.address("::ffff:10.9.9.9")!))
        #expect(IPRef.range("::ffff:10.0.0.0/104")!.contains(IPRef.address("10.9.9.9")!))
        #expect(!IPRef.range("10.0.0.0/8")!.contains(IPRef.address("11.0.0.0")!))
        #expect(IPRef.range("2001:db8::/32")!.contains(IPRef.address("2001:0db8:0000:0000:0000:0000:0000:0001")!))
        #expect(IPRef.address("1.2.3") == nil && IPRef.address("256.1.1.1") == nil && IPRef.address("1:::2") == nil)
    }

    @Test("simple lowercase maps per code point")
    func simpleLowercase() {
        #expect(DiffReference.scalars("İSTANBUL", true) == DiffReference.scalars("istanbul", false))
        #expect(DiffReference.scalars("ΣΑΣ", true) == DiffReference.scalars("σασ", false))
        #expect(DiffReference.scalars("ẞ", true) == DiffReference.scalars("ß", false))
        #expect(DiffReference.scalars("STRASSE", true) != DiffReference.scalars("straße", true))
    }

    @Test("generated projects render to YAML the compiler accepts")
    func generatedProjectsCompile() {
        for seed in 0..<UInt64(20) {
            var generator = DiffGenerator(seed: seed, options: GeneratorOptions(excluded: []))
            let project = generator.project()
            if case .refused(let message) = DiffRunner.compile(project) {
                Issue.record("seed \(seed): \(message)\n\(DiffYAML.render(project))")
            }
        }
    }
}
