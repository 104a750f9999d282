internal import CSodium
import FlagRuntime
import Foundation

/// SHA-256 (libsodium's `crypto_hash_sha256`): the digest in-toto, DSSE consumers and the audit
/// log name files and entries by.
package enum SHA256 {
    package static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        _ = bytes.withUnsafeBufferPointer { input in
            crypto_hash_sha256(&output, input.baseAddress, UInt64(input.count))
        }
        return output
    }

    /// The digest as 64 lower-case hex digits.
    package static func hex(_ bytes: [UInt8]) -> String { Sodium.hex(digest(bytes)) }
}

/// The canonical JSON form the audit log hashes: no whitespace, object members sorted by the
/// UTF-8 bytes of their keys, strings escaped as `JSONValue.jsonText` escapes them, numbers in
/// their shortest form (the log only writes integers). Parsing a line and writing it canonically
/// gives the same bytes back exactly when the line is canonical.
package enum CanonicalJSON {
    package static func text(_ value: JSONValue) -> String { sorted(value).jsonText }

    private static func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items): return .array(items.map(sorted))
        case .object(let members):
            return .object(
                members.map { JSONMember($0.key, sorted($0.value)) }
                    .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            )
        default: return value
        }
    }
}

extension JSONValue {
    /// The member named `key` of an object.
    package subscript(member key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    package var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// An integral number.
    package var integerValue: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value):
            guard value.rounded() == value, abs(value) < 9.007_199_254_740_992e15 else { return nil }
            return Int64(value)
        default: return nil
        }
    }

    package var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}

/// Standard base64 with padding, as DSSE envelopes and signed notes write it; decoding also takes
/// the URL-safe alphabet and missing padding (DSSE verifiers must accept both).
package enum Base64 {
    package static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var standard = String(text).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
