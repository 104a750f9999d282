import FlagRuntime

/// A target's payload, encoded once: what the seal stage compresses and encrypts.
package struct EncodedPayload {
    /// The uncompressed encoding (`PayloadCodec.encode`).
    package let bytes: [UInt8]
    /// How many flags the payload holds (the header repeats it).
    package let flagCount: Int
}

extension Pipeline {
    /// Stage 4: encodes `content`, then decodes the bytes as the runtime does, so a bundle the
    /// runtime would refuse (e.g. a flag too expensive to evaluate) is never written. nil, with an
    /// error at the target, when the runtime would refuse it.
    package static func encode(
        _ content: BundleContent,
        of target: TargetDefinition,
        diagnostics: DiagnosticCollector
    ) -> EncodedPayload? {
        let bytes = PayloadCodec.encode(content)
        do {
            _ = try FlagTables(decoding: bytes)
        } catch {
            diagnostics.append(BuildMessages.targetCannotBeBuilt(target, reason: error.reason))
            return nil
        }
        return EncodedPayload(bytes: bytes, flagCount: content.flags.count)
    }
}
