/// The raw LZ4 block format (not the frame format): a sequence of tokens, each a run of literals
/// followed by a match that copies earlier output, the last one literals only.
///
/// See https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md. Blocks written here decode with
/// the reference library's `LZ4_decompress_safe`, and this decoder reads the reference compressor's
/// blocks. The block carries no size: the caller stores the decompressed size beside it.
///
/// The runtime only decompresses; the compressor is FlagCompiler's (`LZ4Block.compress`).
package enum LZ4Block {
    /// The shortest match the format can express.
    package static let minimumMatchLength = 4
    /// The last bytes of a block are always literals (`LASTLITERALS`).
    package static let lastLiteralCount = 5
    /// The last match starts at least this many bytes before the end (`MFLIMIT`).
    package static let matchStartMargin = 12
    /// Matches reach back at most this far (the offset is 16 bits and never 0).
    package static let maximumOffset = 65_535
    /// A token's 4-bit length field holds 0...14 directly; 15 means "read more length bytes".
    package static let lengthFieldMaximum = 15

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
