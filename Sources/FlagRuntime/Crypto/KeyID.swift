/// The short id of a public key: the first 8 bytes of its BLAKE2b-256 hash, shown as 16 hex digits.
/// Ids name keys in keyrings, bundles and file names; they are not secret.
public struct KeyID: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let bytes: [UInt8]

    package init(bytes: [UInt8]) {
        precondition(bytes.count == Sodium.keyIDBytes, "a key id has 8 bytes")
        self.bytes = bytes
    }

    /// The id of `publicKey`.
    package init(of publicKey: [UInt8]) {
        self.init(bytes: Sodium.keyID(of: publicKey))
    }

    /// Parses 16 hex digits.
    public init?(hex: some StringProtocol) {
        guard let bytes = Sodium.bytes(fromHex: hex, count: Sodium.keyIDBytes) else { return nil }
        self.bytes = bytes
    }

    public var description: String { Sodium.hex(bytes) }

    public static func < (lhs: KeyID, rhs: KeyID) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}
