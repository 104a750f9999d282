/// A directed graph of names (segments referring to segments, flags requiring flags), walked
/// without recursion: no input, however long its chains, can exhaust the stack.
struct DependencyGraph {
    /// The node names, sorted: every walk visits them in this order, so results are stable.
    let names: [String]
    /// Each node's edges, as indices into `names`; edges to names outside the graph are dropped.
    let edges: [[Int]]

    init(_ graph: [String: [String]]) {
        names = graph.keys.sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        edges = names.map { name in (graph[name] ?? []).compactMap { index[$0] } }
    }

    /// What one depth-first walk found.
    struct Analysis {
        /// The cycles, each reported once (one per edge back into the walk's path), in a stable
        /// order; at most the limit given.
        var cycles: [[String]] = []
        /// Cycles found beyond the limit.
        var moreCycles = 0
        /// Per node: the number of edges on its longest chain (edges that close a cycle are ignored).
        var depth: [Int] = []
        /// Per node: the next node on that longest chain, or -1.
        var deepestNext: [Int] = []
    }

    /// One iterative depth-first walk: cycles (at most `cycleLimit` listed) and chain depths.
    func analyze(cycleLimit: Int) -> Analysis {
        let count = names.count
        var analysis = Analysis()
        analysis.depth = Array(repeating: 0, count: count)
        analysis.deepestNext = Array(repeating: -1, count: count)
        var state = [UInt8](repeating: 0, count: count)  // 0: not seen, 1: on the path, 2: done
        var position = [Int](repeating: -1, count: count)  // index in `path` while on it
        var path: [Int] = []
        var cursor: [Int] = []  // per path entry: the next edge to follow
        for start in 0..<count where state[start] == 0 {
            state[start] = 1
            position[start] = 0
            path.append(start)
            cursor.append(0)
            while let top = path.last {
                let edge = cursor[cursor.count - 1]
                if edge < edges[top].count {
                    cursor[cursor.count - 1] += 1
                    let next = edges[top][edge]
                    switch state[next] {
                    case 0:
                        state[next] = 1
                        position[next] = path.count
                        path.append(next)
                        cursor.append(0)
                    case 1:
                        if analysis.cycles.count < cycleLimit {
                            analysis.cycles.append(path[position[next]...].map { names[$0] })
                        } else {
                            analysis.moreCycles += 1
                        }
                    default:
                        break
                    }
                } else {
                    for next in edges[top] where state[next] == 2 && analysis.depth[next] + 1 > analysis.depth[top] {
                        analysis.depth[top] = analysis.depth[next] + 1
                        analysis.deepestNext[top] = next
                    }
                    state[top] = 2
                    position[top] = -1
                    path.removeLast()
                    cursor.removeLast()
                }
            }
        }
        return analysis
    }

    /// The longest chain starting at `node`, as names.
    func chain(from node: Int, in analysis: Analysis) -> [String] {
        var names: [String] = []
        var current = node
        while current >= 0 {
            names.append(self.names[current])
            current = analysis.deepestNext[current]
        }
        return names
    }

    /// `a -> b -> c`, with the middle of a long list left out: `a -> b -> … 39,990 more … -> y -> z`.
    static func abbreviated(_ names: [String], keep: Int = 5) -> String {
        guard names.count > 2 * keep + 1 else { return names.joined(separator: " -> ") }
        return (names.prefix(keep) + ["… \(names.count - 2 * keep) more …"] + names.suffix(keep))
            .joined(separator: " -> ")
    }
}
