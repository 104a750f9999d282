/// A DFA under construction or after minimization, before it becomes a `RegexAutomaton`: state 0 is dead, state 1
/// has matched, transitions are `stateCount × classCount` row by row.
package struct RegexDFA: Sendable, Equatable {
    package var byteClasses: [UInt8]
    package var classCount: Int
    package var transitions: [Int32]
    package var acceptsAtEnd: [Bool]
    package var startState: Int32

    package var stateCount: Int { acceptsAtEnd.count }

    /// The minimal equivalent DFA (Hopcroft's partition refinement), with states numbered dead, match, then in
    /// breadth-first order from the start, so equal languages give equal tables.
    ///
    /// The states are compared as a plain DFA whose accepting states are those of `acceptsAtEnd`: the match state
    /// accepts and loops, so it is exactly the class of states from which every continuation matches, and the dead
    /// state the class from which none does.
    package func minimized() -> RegexDFA {
        let blockOf = Self.refinedPartition(
            transitions: transitions,
            stateCount: stateCount,
            classCount: classCount,
            accepting: acceptsAtEnd
        )

        // Number the blocks: dead, match, then breadth-first from the start.
        var number = [Int32](repeating: -1, count: stateCount)
        var representatives: [Int32] = []
        func visit(_ state: Int32) {
            let block = Int(blockOf[Int(state)])
            if number[block] == -1 {
                number[block] = Int32(representatives.count)
                representatives.append(state)
            }
        }
        visit(0)
        visit(1)
        visit(startState)
        var next = 0
        while next < representatives.count {
            let state = Int(representatives[next])
            for byteClass in 0..<classCount { visit(transitions[state * classCount + byteClass]) }
            next += 1
        }

        var result = RegexDFA(
            byteClasses: byteClasses,
            classCount: classCount,
            transitions: [],
            acceptsAtEnd: [],
            startState: number[Int(blockOf[Int(startState)])]
        )
        result.transitions.reserveCapacity(representatives.count * classCount)
        for state in representatives {
            for byteClass in 0..<classCount {
                let target = transitions[Int(state) * classCount + byteClass]
                result.transitions.append(number[Int(blockOf[Int(target)])])
            }
            result.acceptsAtEnd.append(acceptsAtEnd[Int(state)])
        }
        return result
    }

    /// The same DFA with byte classes that lead every state to the same place merged into one, numbered in the order
    /// of their first byte.
    package func mergingByteClasses() -> RegexDFA {
        var columnClass: [[Int32]: UInt8] = [:]
        var newClassOfOld = [Int](repeating: -1, count: classCount)
        var oldOfNew: [Int] = []
        for byte in 0..<256 {
            let old = Int(byteClasses[byte])
            guard newClassOfOld[old] == -1 else { continue }
            let column = (0..<stateCount).map { transitions[$0 * classCount + old] }
            if let existing = columnClass[column] {
                newClassOfOld[old] = Int(existing)
            } else {
                let id = UInt8(oldOfNew.count)
                columnClass[column] = id
                newClassOfOld[old] = Int(id)
                oldOfNew.append(old)
            }
        }
        let newCount = oldOfNew.count
        var newTransitions: [Int32] = []
        newTransitions.reserveCapacity(stateCount * newCount)
        for state in 0..<stateCount {
            for old in oldOfNew { newTransitions.append(transitions[state * classCount + old]) }
        }
        return RegexDFA(
            byteClasses: byteClasses.map { UInt8(newClassOfOld[Int($0)]) },
            classCount: newCount,
            transitions: newTransitions,
            acceptsAtEnd: acceptsAtEnd,
            startState: startState
        )
    }

    /// Hopcroft's algorithm on a refinable partition: the block of every state in the coarsest partition that
    /// separates accepting from non-accepting states and is stable under every byte class. O(k·n·log n).
    static func refinedPartition(
        transitions: [Int32],
        stateCount: Int,
        classCount: Int,
        accepting: [Bool]
    ) -> [Int32] {
        // Predecessors per (class, target), as compressed rows.
        var predecessorStart = [Int32](repeating: 0, count: classCount * stateCount + 1)
        for state in 0..<stateCount {
            for byteClass in 0..<classCount {
                let target = Int(transitions[state * classCount + byteClass])
                predecessorStart[byteClass * stateCount + target + 1] += 1
            }
        }
        for index in 1..<predecessorStart.count { predecessorStart[index] += predecessorStart[index - 1] }
        var fill = predecessorStart
        var predecessors = [Int32](repeating: 0, count: stateCount * classCount)
        for state in 0..<stateCount {
            for byteClass in 0..<classCount {
                let slot = byteClass * stateCount + Int(transitions[state * classCount + byteClass])
                predecessors[Int(fill[slot])] = Int32(state)
                fill[slot] += 1
            }
        }

        // The partition: `elements` grouped by block, each block a slice [start, end) with its marked prefix.
        var elements: [Int32] = []
        elements.reserveCapacity(stateCount)
        for state in 0..<stateCount where accepting[state] { elements.append(Int32(state)) }
        let acceptingCount = elements.count
        for state in 0..<stateCount where !accepting[state] { elements.append(Int32(state)) }
        var location = [Int32](repeating: 0, count: stateCount)
        for (index, state) in elements.enumerated() { location[Int(state)] = Int32(index) }
        var blockOf = [Int32](repeating: 0, count: stateCount)
        var blockStart: [Int32] = []
        var blockEnd: [Int32] = []
        if acceptingCount > 0 {
            blockStart.append(0)
            blockEnd.append(Int32(acceptingCount))
        }
        if acceptingCount < stateCount {
            let block = Int32(blockStart.count)
            for index in acceptingCount..<stateCount { blockOf[Int(elements[index])] = block }
            blockStart.append(Int32(acceptingCount))
            blockEnd.append(Int32(stateCount))
        }
        var marked = [Int32](repeating: 0, count: blockStart.count)
        var pending = Array(0..<Int32(blockStart.count))
        var isPending = [Bool](repeating: true, count: blockStart.count)
        var touched: [Int32] = []

        while let splitter = pending.popLast() {
            isPending[Int(splitter)] = false
            let members = Array(elements[Int(blockStart[Int(splitter)])..<Int(blockEnd[Int(splitter)])])
            for byteClass in 0..<classCount {
                for target in members {
                    let slot = byteClass * stateCount + Int(target)
                    for index in Int(predecessorStart[slot])..<Int(predecessorStart[slot + 1]) {
                        let state = Int(predecessors[index])
                        let block = Int(blockOf[state])
                        let position = Int(location[state])
                        let boundary = Int(blockStart[block] + marked[block])
                        if position < boundary { continue }  // already marked
                        let other = elements[boundary]
                        elements[boundary] = Int32(state)
                        elements[position] = other
                        location[state] = Int32(boundary)
                        location[Int(other)] = Int32(position)
                        if marked[block] == 0 { touched.append(Int32(block)) }
                        marked[block] += 1
                    }
                }
                for block in touched {
                    let block = Int(block)
                    let count = marked[block]
                    marked[block] = 0
                    if count == blockEnd[block] - blockStart[block] { continue }
                    // The marked prefix becomes a new block.
                    let newBlock = Int32(blockStart.count)
                    blockStart.append(blockStart[block])
                    blockEnd.append(blockStart[block] + count)
                    marked.append(0)
                    blockStart[block] += count
                    for index in Int(blockStart[Int(newBlock)])..<Int(blockEnd[Int(newBlock)]) {
                        blockOf[Int(elements[index])] = newBlock
                    }
                    let newSize = count
                    let oldSize = blockEnd[block] - blockStart[block]
                    if isPending[block] || newSize <= oldSize {
                        pending.append(newBlock)
                        isPending.append(true)
                    } else {
                        isPending.append(false)
                        pending.append(Int32(block))
                        isPending[block] = true
                    }
                }
                touched.removeAll(keepingCapacity: true)
            }
        }
        return blockOf
    }
}
