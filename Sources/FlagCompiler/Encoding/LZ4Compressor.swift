/// The raw LZ4 block format (not the frame format): a sequence of tokens, each a run of literals
/// followed by a match that copies earlier output, the last one literals only.
///
/// See https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md. Blocks written here decode with
/// the reference library's `LZ4_decompress_safe`, and this decoder reads the reference compressor's
/// blocks. The block carries no size: the caller stores the decompressed size beside it.
package enum LZ4Block {
    /// The shortest match the format can express.
    private static let minimumMatchLength = 4
    /// The last bytes of a block are always literals (`LASTLITERALS`).
    private static let lastLiteralCount = 5
    /// The last match starts at least this many bytes before the end (`MFLIMIT`).
    private static let matchStartMargin = 12
    /// Matches reach back at most this far (the offset is 16 bits and never 0).
    private static let maximumOffset = 65_535
    /// A token's 4-bit length field holds 0...14 directly; 15 means "read more length bytes".
    private static let lengthFieldMaximum = 15

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

    // MARK: - Decompression

    /// Decompresses one block that must expand to exactly `decompressedCount` bytes.
    ///
    /// The input is treated as hostile: every literal run and match is checked against the input and
    /// the output before it is copied, so no input makes this read or write out of bounds, trap, or
    /// loop; it does one allocation, the result. The caller bounds `decompressedCount` (it is the size
    /// the output is allocated at); a count above LZ4's maximum expansion of the input
    /// (`input.count * 255 + 16`) is refused before anything is allocated. The end-of-block rules
    /// (last 5 bytes literals, last match 12 bytes before the end) are not enforced.
    ///
    /// - Throws: `DecodingError` naming what was wrong (`"compressed block: …"`) when the block is
    ///   truncated, a match offset is 0 or reaches before the start of the output, or the block expands
    ///   to more or fewer than `decompressedCount` bytes.
    package static func decompress(
        _ input: UnsafeBufferPointer<UInt8>,
        decompressedCount: Int
    ) throws(DecodingError) -> [UInt8] {
        guard decompressedCount >= 0 else { throw .negativeDecompressedCount }
        let (expansionLimit, overflow) = input.count.multipliedReportingOverflow(by: 255)
        guard overflow || decompressedCount - 16 <= expansionLimit else { throw .impossibleExpansion }
        guard let source = input.baseAddress, !input.isEmpty else { throw .blockTruncated }

        var failure: DecodingError?
        // At least one byte, so the buffer always has a base address.
        let output = [UInt8](unsafeUninitializedCapacity: Swift.max(decompressedCount, 1)) { buffer, initializedCount in
            do throws(DecodingError) {
                try decompress(source, count: input.count, into: buffer.baseAddress!, count: decompressedCount)
                initializedCount = decompressedCount
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return output
    }

    /// The decoding loop. `ip` and `op` are the input and output positions; every copy is preceded by
    /// the checks that keep it in bounds. Short literal runs and matches far enough from the ends of
    /// both buffers are copied in whole 8- or 16-byte words ("wild copies" that may write past the run
    /// into output not yet produced, which later sequences overwrite), the rest with exact copies.
    private static func decompress(
        _ source: UnsafePointer<UInt8>,
        count sourceCount: Int,
        into output: UnsafeMutablePointer<UInt8>,
        count outputCount: Int
    ) throws(DecodingError) {
        var ip = 0
        var op = 0
        while true {
            guard ip < sourceCount else { throw .blockTruncated }
            let token = source[ip]
            ip += 1

            // Literals.
            var literalCount = Int(token >> 4)
            if literalCount == lengthFieldMaximum {
                literalCount = try readLength(source, &ip, sourceCount, base: lengthFieldMaximum, limit: outputCount)
            }
            guard literalCount <= sourceCount - ip else { throw .literalsPastInput }
            guard literalCount <= outputCount - op else { throw .outputTooLong }
            if literalCount <= sourceCount - ip - 16 && literalCount <= outputCount - op - 16 {
                wildCopy16(from: source + ip, to: output + op, count: literalCount)
            } else {
                (output + op).initialize(from: source + ip, count: literalCount)
            }
            ip += literalCount
            op += literalCount
            if ip == sourceCount {
                guard op == outputCount else { throw .outputTooShort }
                return
            }

            // Match.
            guard sourceCount - ip >= 2 else { throw .blockTruncated }
            let offset = Int(source[ip]) | Int(source[ip + 1]) << 8
            ip += 2
            guard offset != 0 else { throw .zeroOffset }
            guard offset <= op else { throw .offsetOutOfRange }
            var matchLength = Int(token & 0x0F)
            if matchLength == lengthFieldMaximum {
                matchLength = try readLength(source, &ip, sourceCount, base: lengthFieldMaximum, limit: outputCount)
            }
            matchLength += minimumMatchLength
            guard matchLength <= outputCount - op else { throw .outputTooLong }
            copyMatch(in: output, at: op, offset: offset, count: matchLength, room: outputCount - op)
            op += matchLength
        }
    }

    /// A length whose token field is 15: `base` plus bytes up to and including the first that is not
    /// 255. Refused once it passes `limit` (so a run of 255s cannot overflow) or the input ends.
    @inline(__always)
    private static func readLength(
        _ source: UnsafePointer<UInt8>,
        _ ip: inout Int,
        _ sourceCount: Int,
        base: Int,
        limit: Int
    ) throws(DecodingError) -> Int {
        var length = base
        while true {
            guard ip < sourceCount else { throw .blockTruncated }
            let byte = source[ip]
            ip += 1
            length += Int(byte)
            guard length <= limit else { throw .lengthTooLarge }
            if byte != 255 { return length }
        }
    }

    /// Copies `count` bytes from `offset` bytes back to `position`, as if byte by byte (a match may
    /// overlap its own output). `room` is how much output there is from `position` on (≥ `count`).
    @inline(__always)
    private static func copyMatch(
        in output: UnsafeMutablePointer<UInt8>,
        at position: Int,
        offset: Int,
        count: Int,
        room: Int
    ) {
        let target = output + position
        let origin = target - offset
        if room - count >= 16 {
            if offset >= 16 {
                wildCopy16(from: origin, to: target, count: count)
                return
            }
            if offset >= 8 {
                wildCopy8(from: origin, to: target, count: count)
                return
            }
        }
        if offset >= count {
            target.initialize(from: origin, count: count)
        } else if offset == 1 {
            target.initialize(repeating: origin.pointee, count: count)
        } else {
            // A short repeating pattern: copy whole periods, doubling each time (offset, 2×, 4×…).
            var copied = 0
            while copied < count {
                let chunk = Swift.min(offset + copied, count - copied)
                (target + copied).initialize(from: origin, count: chunk)
                copied += chunk
            }
        }
    }

    /// Copies 16-byte words until `count` bytes are copied; may write up to 15 bytes past them.
    /// `from` must be at least 16 bytes before `to` or not overlap it.
    @inline(__always)
    private static func wildCopy16(
        from source: UnsafePointer<UInt8>,
        to target: UnsafeMutablePointer<UInt8>,
        count: Int
    ) {
        var copied = 0
        repeat {
            copy16(from: source + copied, to: target + copied)
            copied += 16
        } while copied < count
    }

    /// Copies 8-byte words until `count` bytes are copied; may write up to 7 bytes past them.
    /// `from` must be at least 8 bytes before `to` or not overlap it.
    @inline(__always)
    private static func wildCopy8(
        from source: UnsafePointer<UInt8>,
        to target: UnsafeMutablePointer<UInt8>,
        count: Int
    ) {
        var copied = 0
        repeat {
            let word = UnsafeRawPointer(source + copied).loadUnaligned(as: UInt64.self)
            UnsafeMutableRawPointer(target + copied).storeBytes(of: word, as: UInt64.self)
            copied += 8
        } while copied < count
    }

    @inline(__always)
    private static func copy16(from source: UnsafePointer<UInt8>, to target: UnsafeMutablePointer<UInt8>) {
        let raw = UnsafeRawPointer(source)
        let low = raw.loadUnaligned(as: UInt64.self)
        let high = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        UnsafeMutableRawPointer(target).storeBytes(of: low, as: UInt64.self)
        UnsafeMutableRawPointer(target).storeBytes(of: high, toByteOffset: 8, as: UInt64.self)
    }
}

extension DecodingError {
    fileprivate static let negativeDecompressedCount = DecodingError("compressed block: negative decompressed size")
    fileprivate static let impossibleExpansion = DecodingError(
        "compressed block: decompressed size exceeds LZ4's maximum expansion of the input"
    )
    fileprivate static let blockTruncated = DecodingError("compressed block: truncated")
    fileprivate static let literalsPastInput = DecodingError("compressed block: literal run past end of input")
    fileprivate static let lengthTooLarge = DecodingError("compressed block: length exceeds decompressed size")
    fileprivate static let outputTooLong = DecodingError("compressed block: expands past decompressed size")
    fileprivate static let outputTooShort = DecodingError("compressed block: expands to less than decompressed size")
    fileprivate static let zeroOffset = DecodingError("compressed block: match offset 0")
    fileprivate static let offsetOutOfRange = DecodingError("compressed block: match offset out of range")
}
