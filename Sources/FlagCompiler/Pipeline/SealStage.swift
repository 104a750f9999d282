import FlagRuntime

extension Pipeline {
    /// Stage 5: compresses and encrypts the payload, seals its key to every recipient and signs
    /// the whole (`BundleWriter`). `input` carries the header's fields and the keys.
    package static func seal(_ input: BundleWriter.Input) throws(BuildError) -> [UInt8] {
        do {
            return try BundleWriter.write(input)
        } catch {
            throw .sealing(target: input.target, reason: error.description)
        }
    }
}
