import FlagRuntime

/// The LZ4 block compressor: the writing side of FlagRuntime's `LZ4Block` (the block format, its
/// constants and the decompressor). See
/// https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md.
extension LZ4Block {
    // MARK: - Compression

    /// Compresses `input` as one LZ4 block.
    ///
    /// Matches are found through hash chains (up to `searchDepth` earlier positions with the same
    /// 4-byte hash, the longest match wins) with one step of lazy matching, which compresses better
    /// than LZ4's default "fast" level, close to its high-compression levels. The output is
    /// deterministic (the same input gives the same bytes on every platform) and follows the format's
    /// end-of-block rules (the last 5 bytes are literals; the last match starts at least 12 bytes before
    /// the end), so the reference `LZ4_decompress_safe` accepts it. It is at most
    /// `input.count + input.count / 255 + 16` bytes long; an empty input gives the one-byte block `[0]`.
    ///
    /// Allocates the result and, for inputs over 12 bytes, a temporary match table of up to 256 KiB.
    ///
    /// - Precondition: `input.count` is below 2^32 (LZ4 itself caps blocks just below 2 GiB).
    package static func compress(_ input: [UInt8]) -> [UInt8] {
        let count = input.count
        precondition(UInt64(count) <= UInt64(UInt32.max - 1), "LZ4 block input of \(count) bytes is too large")
        let capacity = count + count / 255 + 16
        return input.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: capacity) { destination, initializedCount in
                let output = destination.baseAddress!
                guard let input = source.baseAddress, count > matchStartMargin else {
                    initializedCount = writeLastLiterals(source.baseAddress, count: count, to: output, at: 0)
                    return
                }
                // Table sizes grow with the input up to 2^15 heads and a 64 KiB window of links.
                let sizeLog = Swift.min(Int.bitWidth - (count - 1).leadingZeroBitCount, 16)
                let headCount = 1 << Swift.max(sizeLog - 1, 6)
                let linkCount = 1 << sizeLog
                initializedCount = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: headCount) { heads in
                    withUnsafeTemporaryAllocation(of: UInt16.self, capacity: linkCount) { links in
                        heads.initialize(repeating: 0)
                        var finder = MatchFinder(
                            input: input,
                            heads: heads.baseAddress!,
                            headCount: headCount,
                            links: links.baseAddress!,
                            linkCount: linkCount
                        )
                        return compress(input, count: count, into: output, finder: &finder)
                    }
                }
                assert(initializedCount <= capacity)
            }
        }
    }

    /// How many earlier positions with the same hash a search compares at most.
    private static let searchDepth = 16

    /// Hash chains over the input: `heads` maps a hash of 4 bytes to the latest position with it
    /// (plus one; 0 is empty), `links` maps a position (modulo the window) to the distance back to
    /// the previous position with the same hash (0 when none is within 64 KiB).
    private struct MatchFinder {
        let input: UnsafePointer<UInt8>
        let heads: UnsafeMutablePointer<UInt32>
        let hashShift: UInt32
        let links: UnsafeMutablePointer<UInt16>
        let linkMask: Int
        /// Positions before this one are in the chains.
        var nextPosition = 0

        init(
            input: UnsafePointer<UInt8>,
            heads: UnsafeMutablePointer<UInt32>,
            headCount: Int,
            links: UnsafeMutablePointer<UInt16>,
            linkCount: Int
        ) {
            self.input = input
            self.heads = heads
            self.hashShift = UInt32(32 - headCount.trailingZeroBitCount)
            self.links = links
            self.linkMask = linkCount - 1
        }

        /// Fibonacci hashing of 4 bytes read little-endian, so the output is the same on every platform.
        @inline(__always)
        func hash(_ sequence: UInt32) -> Int {
            Int(truncatingIfNeeded: (sequence &* 2_654_435_761) >> hashShift)
        }

        /// Adds every position before `position` to the chains.
        @inline(__always)
        mutating func insert(upTo position: Int) {
            while nextPosition < position {
                let slot = hash(load32(input, nextPosition))
                let distance = nextPosition + 1 - Int(heads[slot])
                links[nextPosition & linkMask] = distance <= maximumOffset ? UInt16(truncatingIfNeeded: distance) : 0
                heads[slot] = UInt32(truncatingIfNeeded: nextPosition + 1)
                nextPosition += 1
            }
        }

        /// The longest match (length, offset) for `position` among the chained earlier positions, not
        /// reaching `limit`; length 0 when there is none of at least 4 bytes.
        @inline(__always)
        mutating func longestMatch(at position: Int, limit: Int) -> (length: Int, offset: Int) {
            insert(upTo: position)
            let sequence = load32(input, position)
            var bestLength = minimumMatchLength - 1
            var bestOffset = 0
            var candidate = Int(heads[hash(sequence)]) - 1
            var attempts = searchDepth
            while candidate >= 0, position - candidate <= maximumOffset, attempts > 0 {
                // A longer match must differ from the best so far at its last byte; test that first.
                if input[candidate + bestLength] == input[position + bestLength], load32(input, candidate) == sequence {
                    let length =
                        minimumMatchLength
                        + commonPrefixCount(
                            input,
                            position + minimumMatchLength,
                            candidate + minimumMatchLength,
                            limit: limit
                        )
                    if length > bestLength {
                        bestLength = length
                        bestOffset = position - candidate
                        if position + length == limit { break }
                    }
                }
                let link = Int(links[candidate & linkMask])
                if link == 0 { break }
                candidate -= link
                attempts -= 1
            }
            return bestLength >= minimumMatchLength ? (bestLength, bestOffset) : (0, 0)
        }
    }

    /// Greedy parsing with one step of lazy matching: at each position take the longest match, unless
    /// the next position has a longer one, in which case this byte becomes a literal.
    private static func compress(
        _ input: UnsafePointer<UInt8>,
        count: Int,
        into output: UnsafeMutablePointer<UInt8>,
        finder: inout MatchFinder
    ) -> Int {
        let matchStartLimit = count - matchStartMargin  // the last position a match may start at
        let matchEndLimit = count - lastLiteralCount  // matches end before the last literals
        var written = 0
        var anchor = 0  // the first byte not yet written
        var position = 0
        while position <= matchStartLimit {
            var match = finder.longestMatch(at: position, limit: matchEndLimit)
            if match.length == 0 {
                // Every position is searched (no LZ4-style skipping ahead): a bundle's payload often
                // opens with kilobytes that do not compress (the string table, sets) before the
                // repetitive flags, and skipping would step over those too. Compression runs at build
                // time, where this costs little.
                position += 1
                continue
            }
            while position < matchStartLimit {
                let next = finder.longestMatch(at: position + 1, limit: matchEndLimit)
                guard next.length > match.length else { break }
                position += 1
                match = next
            }
            written = writeSequence(
                literals: input + anchor,
                literalCount: position - anchor,
                offset: match.offset,
                matchLength: match.length,
                to: output,
                at: written
            )
            position += match.length
            anchor = position
        }
        return writeLastLiterals(input + anchor, count: count - anchor, to: output, at: written)
    }

    @inline(__always)
    private static func load32(_ base: UnsafePointer<UInt8>, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    private static func load64(_ base: UnsafePointer<UInt8>, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// How many bytes at `position` equal those at the earlier `candidate`, not reading at or past `limit`.
    @inline(__always)
    private static func commonPrefixCount(
        _ base: UnsafePointer<UInt8>,
        _ position: Int,
        _ candidate: Int,
        limit: Int
    ) -> Int {
        var current = position
        var earlier = candidate
        while current <= limit - 8 {
            let difference = load64(base, current) ^ load64(base, earlier)
            if difference != 0 { return current - position + difference.trailingZeroBitCount >> 3 }
            current += 8
            earlier += 8
        }
        while current < limit, base[current] == base[earlier] {
            current += 1
            earlier += 1
        }
        return current - position
    }

    /// Writes one sequence and returns the new output length.
    @inline(__always)
    private static func writeSequence(
        literals: UnsafePointer<UInt8>,
        literalCount: Int,
        offset: Int,
        matchLength: Int,
        to output: UnsafeMutablePointer<UInt8>,
        at start: Int
    ) -> Int {
        let tokenPosition = start
        var written = start + 1
        let literalField = Swift.min(literalCount, lengthFieldMaximum)
        if literalCount >= lengthFieldMaximum {
            written = writeLengthExtension(literalCount - lengthFieldMaximum, to: output, at: written)
        }
        (output + written).initialize(from: literals, count: literalCount)
        written += literalCount
        output[written] = UInt8(truncatingIfNeeded: offset)
        output[written + 1] = UInt8(truncatingIfNeeded: offset >> 8)
        written += 2
        let matchField = Swift.min(matchLength - minimumMatchLength, lengthFieldMaximum)
        if matchField == lengthFieldMaximum {
            written = writeLengthExtension(
                matchLength - minimumMatchLength - lengthFieldMaximum,
                to: output,
                at: written
            )
        }
        output[tokenPosition] = UInt8(truncatingIfNeeded: literalField << 4 | matchField)
        return written
    }

    /// Writes the final, literals-only sequence and returns the new output length.
    private static func writeLastLiterals(
        _ literals: UnsafePointer<UInt8>?,
        count: Int,
        to output: UnsafeMutablePointer<UInt8>,
        at start: Int
    ) -> Int {
        output[start] = UInt8(truncatingIfNeeded: Swift.min(count, lengthFieldMaximum) << 4)
        var written = start + 1
        if count >= lengthFieldMaximum {
            written = writeLengthExtension(count - lengthFieldMaximum, to: output, at: written)
        }
        if let literals, count > 0 {
            (output + written).initialize(from: literals, count: count)
        }
        return written + count
    }

    /// The bytes after a token for a length whose field is 15: 255s, then the rest (0...254).
    @inline(__always)
    private static func writeLengthExtension(
        _ value: Int,
        to output: UnsafeMutablePointer<UInt8>,
        at start: Int
    ) -> Int {
        var rest = value
        var written = start
        while rest >= 255 {
            output[written] = 255
            written += 1
            rest -= 255
        }
        output[written] = UInt8(truncatingIfNeeded: rest)
        return written + 1
    }
}
