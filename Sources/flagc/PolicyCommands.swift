import ArgumentParser
import FlagCompiler
import FlagRuntime
import Foundation

/// The build time policies see (`daysToExpiry`, waiver expiry): `SOURCE_DATE_EPOCH`, else now.
func policyTime() throws -> Int64 {
    do {
        return try BuildOptions.issueTime(environment: ProcessInfo.processInfo.environment)
    } catch {
        throw Output.fail(error.description, status: ExitStatus.invalidInput)
    }
}

/// `keys/` under `root` unless absolute.
func keysPath(_ directory: String, root: String) -> String {
    directory.hasPrefix("/") || root == "." ? directory : (root as NSString).appendingPathComponent(directory)
}

struct PolicyInputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy-input",
        abstract: "Print the facts policies check, per flag and target, as JSON (input for OPA/Rego or conftest).",
        discussion: "The facts are defined in docs/policies.md."
    )

    @Option(help: "Only this target.")
    var target: String?

    @Option(help: "The repository root holding flags/, targets/, approvals/ and keys/.")
    var root = "."

    @OptionGroup var keys: KeyOptions

    func run() throws {
        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(root: root, diagnostics: diagnostics)
        let approvals = ApprovalStore.load(
            root: root,
            keysDirectory: keysPath(keys.keysDirectory, root: root),
            diagnostics: diagnostics
        )
        if diagnostics.hasErrors {
            Output.diagnostics(diagnostics.sorted, sources: project.sources.merging(approvals.sources) { a, _ in a })
            throw ExitCode(ExitStatus.invalidInput)
        }
        do {
            print(try PolicyInput.json(project: project, approvals: approvals, target: target, now: try policyTime()))
        } catch let failure as PolicyInput.Failure {
            throw Output.fail(failure.description, status: ExitStatus.invalidInput)
        }
    }
}

struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Sign a flag's compiled definition for a target with an approver key; writes approvals/.",
        discussion: "A change to the flag changes its digest, and the approval stops counting (docs/policies.md)."
    )

    @Argument(help: "The flag key.")
    var flag: String

    @Option(help: "The target the approval is for.")
    var target: String

    @Option(help: "The approver's secret key file (keys/approvers/NAME.key).")
    var key: String

    @Option(help: "The repository root holding flags/, targets/ and approvals/.")
    var root = "."

    @OptionGroup var keys: KeyOptions

    func run() throws {
        let diagnostics = DiagnosticCollector()
        let project = FlagProject.load(root: root, diagnostics: diagnostics)
        if diagnostics.hasErrors {
            Output.diagnostics(diagnostics.sorted, sources: project.sources)
            throw ExitCode(ExitStatus.invalidInput)
        }
        do {
            let path = try Approvals.approve(
                flag: flag,
                target: target,
                keyFile: key,
                project: project,
                keysDirectory: keysPath(keys.keysDirectory, root: root)
            )
            Output.note("wrote \(path); commit it for review")
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
    }
}

struct KeysApprover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approver",
        abstract: "Create an approver key pair: keys/approvers/NAME.pub (commit it) and NAME.key (secret, 0600)."
    )
    @Argument(help: "The approver's name, e.g. their user name; a policy's distinctFromOwner compares it with owner.")
    var name: String
    @OptionGroup var keys: KeyOptions

    func run() throws {
        do {
            let id = try Approvals.createApprover(name, keysDirectory: keys.keysDirectory)
            let folder = ApprovalStore.approversDirectory(keys: keys.keysDirectory)
            Output.note(
                "created \(folder)/\(name).pub (commit it) and \(folder)/\(name).key (secret: keep it to yourself); "
                    + "approver key \(id)"
            )
        } catch {
            throw Output.fail(error.description, status: ExitStatus.invalidInput)
        }
    }
}
