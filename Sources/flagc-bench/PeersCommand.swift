// `flagc-bench --peers`: runs Peers/peers.sh (next to this file in the source tree) with this
// executable as the flagc column's source, and passes its table and JSON through.
import Foundation

enum PeersCommand {
    static func run(quick: Bool) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Peers/peers.sh")
        guard FileManager.default.fileExists(atPath: script.path),
            let executable = Bundle.main.executablePath
        else {
            throw BenchFailure("--peers runs \(script.path), which this source tree lacks")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", script.path]
        var environment = ProcessInfo.processInfo.environment
        environment["FLAGC_BENCH"] = executable
        if quick { environment["FLAGC_PEERS_QUICK"] = "1" }
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchFailure("peers.sh failed with status \(process.terminationStatus)")
        }
    }
}
