import Foundation
import Testing

@Suite("flagc eval --contexts streaming")
struct BatchEvalTests {
    static let on =
        #"{"flag":"new-checkout-flow","value":true,"variant":"on","reason":"TARGETING_MATCH","rule":"staff first"}"#
    static let off = #"{"flag":"new-checkout-flow","value":false,"variant":"off","reason":"SPLIT","rule":"eu canary"}"#
    static let staff = #"{"targetingKey":"user-1"}"#
    static let canary = #"{"targetingKey":"user-7","country":"DE","appVersion":"2.5.0","userId":"user-7"}"#

    /// Runs `eval --contexts PATH --flag new-checkout-flow` on the shared example.
    static func evaluate(_ path: String, in workspace: Workspace, stdin: Data? = nil) throws -> CommandResult {
        let project = try SharedExample.project()
        return try workspace.run(
            ["eval", project.devBundle, "--keys", project.keys, "--contexts", path, "--flag", "new-checkout-flow"],
            stdin: stdin
        )
    }

    /// The error object's fields of an output line.
    static func error(_ line: String) throws -> (line: Int?, code: String?, message: String?) {
        let object = try JSON.object(line)
        return (object["line"] as? Int, object["errorCode"] as? String, object["message"] as? String)
    }

    @Test("10,000 lines, more than two batches, come out one per line in input order, from a file and from stdin")
    func orderAcrossBatches() throws {
        let workspace = try Workspace()
        let count = 10_000
        // Every 97th line is malformed: its error object names its line, so order shows line by line.
        let lines = (0..<count).map { index in
            index % 97 == 0 ? "[\(index)]" : index % 2 == 0 ? Self.staff : Self.canary
        }
        try workspace.write(lines.joined(separator: "\n") + "\n", to: "contexts.jsonl")
        let malformed = lines.indices.filter { $0 % 97 == 0 }.count

        for source in ["contexts.jsonl", "-"] {
            let result = try Self.evaluate(
                source,
                in: workspace,
                stdin: source == "-" ? try workspace.data("contexts.jsonl") : nil
            )
            #expect(result.status == 1, "\(source): \(result.stderr)")
            #expect(result.stderr.contains("\(malformed) of \(count) lines were not valid contexts"), "\(result)")
            let output = result.lines  // computed: split once
            try #require(output.count == count, "\(source): \(output.count) lines")
            for index in 0..<count {
                if index % 97 == 0 {
                    let error = try Self.error(output[index])
                    #expect(error.line == index + 1 && error.code == "PARSE_ERROR", "\(source) line \(index + 1)")
                } else {
                    #expect(
                        Batch.results(output[index]) == (index % 2 == 0 ? Self.on : Self.off),
                        "\(source) line \(index + 1)"
                    )
                }
            }
        }
    }

    @Test(
        "a line over 1 MiB, ill-formed UTF-8 and an empty line each get an error object; the lines around are evaluated"
    )
    func badLinesInTheMiddle() throws {
        let workspace = try Workspace()
        func padded(to size: Int) -> String {
            let frame = #"{"targetingKey":"user-1","padding":""}"#.utf8.count
            return #"{"targetingKey":"user-1","padding":""# + String(repeating: "x", count: size - frame) + #""}"#
        }
        var data = Data()
        data.append(Data((Self.staff + "\n").utf8))
        data.append(Data((padded(to: 3 << 20) + "\n").utf8))  // 3 MiB: never held, skipped as read
        data.append(Data((padded(to: 1 << 20) + "\r\n").utf8))  // exactly 1 MiB, CRLF: evaluated
        data.append(Data(#"{"targetingKey":"us"#.utf8) + Data([0xC3, 0x28]) + Data("\"}\n".utf8))
        data.append(Data("\n".utf8))
        data.append(Data(Self.canary.utf8))  // last line without LF
        try workspace.write(data, to: "contexts.jsonl")

        let result = try Self.evaluate("contexts.jsonl", in: workspace)

        #expect(result.status == 1, "\(result)")
        try #require(result.lines.count == 6, "\(result)")
        #expect(Batch.results(result.lines[0]) == Self.on)
        let tooLong = try Self.error(result.lines[1])
        #expect(tooLong.line == 2 && tooLong.code == "PARSE_ERROR")
        #expect(tooLong.message == "line 2 is longer than 1048576 bytes")
        #expect(Batch.results(result.lines[2]) == Self.on)
        let invalid = try Self.error(result.lines[3])
        #expect(invalid.line == 4)
        #expect(invalid.message == "invalid UTF-8 at byte 20")
        let empty = try Self.error(result.lines[4])
        #expect(empty.line == 5)
        #expect(empty.message == "unexpected end of input at byte 1")
        #expect(Batch.results(result.lines[5]) == Self.off)
        #expect(result.stderr.contains("3 of 6 lines were not valid contexts"), "\(result)")
    }

    @Test(
        "empty input gives no output and exit 0; a lone LF is one empty line",
        arguments: [("", 0, Int32(0)), ("\n", 1, Int32(1)), ("\r\n", 1, Int32(1))]
    )
    func emptyInputs(input: String, lines: Int, status: Int32) throws {
        let workspace = try Workspace()
        try workspace.write(input, to: "contexts.jsonl")
        let result = try Self.evaluate("contexts.jsonl", in: workspace)
        #expect(result.status == status, "\(result)")
        #expect(result.lines.count == lines, "\(result)")
    }

    @Test("--context with ill-formed UTF-8 is refused at its byte, not evaluated as repaired")
    func invalidUTF8InContextArgument() throws {
        let project = try SharedExample.project()
        // Through the shell: Process takes arguments as (valid) strings.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = [
            "-c",
            #""$0" eval "$1" --keys "$2" --context "$(printf '{"targetingKey":"us\303("}')" 2>&1"#,
            Flagc.executable.path, project.devBundle, project.keys,
        ]
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 1, "\(text)")
        #expect(text.contains("--context: invalid UTF-8 at byte 20"), "\(text)")
    }

    @Test(
        "a contexts file that cannot be read exits 1 saying why, with no output",
        arguments: [
            ("missing.jsonl", "cannot read missing.jsonl: no such file"), (".", "cannot read .: is a directory"),
        ]
    )
    func unreadableContexts(path: String, message: String) throws {
        let workspace = try Workspace()
        let result = try Self.evaluate(path, in: workspace)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
    }
}
