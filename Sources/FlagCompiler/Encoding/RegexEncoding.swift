import FlagRuntime

// The encoders of the compiled regular expressions: the mirror of the runtime's checked readers
// (`RegexAutomaton.init(decoding:…)`, `RegexDFATable.init(decoding:…)`,
// `RegexNFAProgram.init(decoding:…)`).

extension RegexAutomaton {
    /// Appends the automaton: a `u8` engine tag (0 DFA table, 1 NFA program), then the table
    /// (``RegexDFATable/encode(into:)``) or the program (``RegexNFAProgram/encode(into:)``). Versioned by the bundle.
    package func encode(into writer: inout ByteWriter) {
        switch engine {
        case .dfa(let table):
            writer.write(EngineTag.dfa.rawValue)
            table.encode(into: &writer)
        case .nfa(let program):
            writer.write(EngineTag.nfa.rawValue)
            program.encode(into: &writer)
        }
    }
}

extension RegexDFATable {
    /// Appends the automaton to `writer`:
    ///
    /// ```
    /// varuint  stateCount            2...65535
    /// varuint  classCount            1...256
    /// varuint  startState            < stateCount
    /// varuint  runCount              byte class map as runs, covering the 256 byte values in order:
    ///   runCount × (u8 class, u8 length − 1)
    /// transitions                    stateCount × classCount entries, row by row:
    ///                                u8 each when stateCount <= 256, else u16 little-endian
    /// acceptsAtEnd                   ⌈stateCount / 8⌉ bytes, bit i of byte i / 8 for state i (unused bits 0)
    /// ```
    ///
    /// The format has no version of its own; it is versioned by the bundle that contains it (``RegexAutomaton``
    /// writes the engine tag before it).
    package func encode(into writer: inout ByteWriter) {
        writer.writeVarUInt(stateCount)
        writer.writeVarUInt(classCount)
        writer.writeVarUInt(Int(startState))

        var runs: [(byteClass: UInt8, length: Int)] = []
        for byteClass in byteClasses {
            if let last = runs.last, last.byteClass == byteClass {
                runs[runs.count - 1].length += 1
            } else {
                runs.append((byteClass, 1))
            }
        }
        writer.writeVarUInt(runs.count)
        for run in runs {
            writer.write(run.byteClass)
            writer.write(UInt8(run.length - 1))
        }

        if stateCount <= 256 {
            for target in transitions { writer.write(UInt8(target)) }
        } else {
            for target in transitions { writer.write(target) }
        }

        var bits: UInt8 = 0
        for (state, accepts) in acceptsAtEnd.enumerated() {
            if accepts { bits |= 1 << UInt8(state % 8) }
            if state % 8 == 7 {
                writer.write(bits)
                bits = 0
            }
        }
        if stateCount % 8 != 0 { writer.write(bits) }
    }
}

extension RegexNFAProgram {
    /// Appends the program to `writer`:
    ///
    /// ```
    /// varuint  instructionCount      1...65535
    /// varuint  start                 < instructionCount
    /// instructionCount × instruction:
    ///   u8 operation                 0 byte range, 1 split, 2 assertion, 3 match
    ///   byte range:  u8 low, u8 high (low <= high), varuint next
    ///   split:       varuint next, varuint alternative
    ///   assertion:   u8 assertion (0...5), varuint next
    ///   match:       nothing
    /// ```
    ///
    /// Every successor is below instructionCount. The format has no version of its own; it is versioned by the
    /// bundle that contains it.
    package func encode(into writer: inout ByteWriter) {
        writer.writeVarUInt(instructions.count)
        writer.writeVarUInt(Int(start))
        for instruction in instructions {
            writer.write(instruction.operation.rawValue)
            switch instruction.operation {
            case .byteRange:
                writer.write(instruction.low)
                writer.write(instruction.high)
                writer.writeVarUInt(Int(instruction.next))
            case .split:
                writer.writeVarUInt(Int(instruction.next))
                writer.writeVarUInt(Int(instruction.alternative))
            case .assertion:
                writer.write(instruction.assertion.rawValue)
                writer.writeVarUInt(Int(instruction.next))
            case .match:
                break
            }
        }
    }
}
