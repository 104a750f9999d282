// `flagc-bench --json-parse`: how long JSONParser takes for evaluation contexts, from the
// request-path size (a 5-field event) to objects at and past the member bound. The 100,000-key
// object is 2.2 MB: `parse` refuses it at the 10,001st member, `context` by its size, unread.
import Dispatch
import FlagRuntime

enum JSONParseBench {
    /// Prints one JSON object: nanoseconds per parse of each input (medians of several rounds).
    static func run(quick: Bool) {
        let event = #"{"targetingKey":"user-123","country":"DE","plan":"pro","appVersion":"2.4.0","betaOptIn":true}"#
        var figures: [(String, Double)] = []

        func median(rounds: Int, batch: Int, _ body: () -> Void) -> Double {
            body()
            var values: [Double] = []
            for _ in 0..<rounds {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<batch { body() }
                values.append(Double(DispatchTime.now().uptimeNanoseconds - start) / Double(batch))
            }
            return values.sorted()[values.count / 2]
        }

        var sink = 0
        figures.append(
            (
                "event_context_ns",
                median(rounds: quick ? 5 : 21, batch: 20_000) {
                    sink &+= (try? JSONParser.context(event))?.attributes.count ?? 0
                }
            )
        )
        figures.append(
            (
                "event_parse_ns",
                median(rounds: quick ? 5 : 21, batch: 20_000) {
                    if case .object(let members)? = try? JSONParser.parse(event) { sink &+= members.count }
                }
            )
        )
        for count in [1_000, 10_000, 100_000] {
            let object = "{" + (0..<count).map { "\"attribute\($0)\":\($0)" }.joined(separator: ",") + "}"
            let rounds = count == 100_000 ? 1 : (quick ? 3 : 7)
            figures.append(
                (
                    "object_\(count)_keys_parse_ns",
                    median(rounds: rounds, batch: 1) {
                        if case .object(let members)? = try? JSONParser.parse(object) { sink &+= members.count }
                    }
                )
            )
            figures.append(
                (
                    "object_\(count)_keys_context_ns",
                    median(rounds: rounds, batch: 1) {
                        sink &+= (try? JSONParser.context(object))?.attributes.count ?? 0
                    }
                )
            )
        }
        print("{" + figures.map { "\"\($0.0)\":\($0.1.rounded())" }.joined(separator: ",") + "}")
        if sink == 42 { print("") }
    }
}
