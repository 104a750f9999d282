import FlagRuntime
import Foundation

/// Keeps secret key texts (`flagc-root-secret:…`, `flagc-signing-secret:…`,
/// `flagc-recipient-secret:…`) out of what flagc prints: the command line refuses them where no
/// secret belongs, and every message it prints passes through `redact`.
public enum SecretRedaction {
    /// What a secret is replaced with.
    public static let placeholder = "<secret key text>"

    /// The prefixes of the secret key texts, `flagc-root-secret:` and so on.
    static let prefixes: [String] = KeyKind.allCases.filter(\.isSecret).map { $0.rawValue + ":" }

    /// Whether `text` holds a secret key prefix anywhere (ASCII case ignored).
    public static func containsSecret(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return prefixes.contains { lowered.contains($0) }
    }

    /// `message` with every one of `arguments` that holds a secret replaced by the placeholder, then
    /// every secret prefix and the key characters after it (URL-safe base64) too.
    public static func redact(_ message: String, arguments: [String] = []) -> String {
        var result = message
        for argument in arguments.filter(containsSecret).sorted(by: { $0.count > $1.count }) {
            result = result.replacingOccurrences(of: argument, with: placeholder)
        }
        guard containsSecret(result) else { return result }
        var output = ""
        var rest = Substring(result)
        while let range = firstPrefix(in: rest) {
            output += rest[..<range.lowerBound]
            output += placeholder
            rest = rest[range.upperBound...].drop { $0.isASCII && ($0.isLetter || $0.isNumber || "-_=+/".contains($0)) }
        }
        return output + rest
    }

    private static func firstPrefix(in text: Substring) -> Range<Substring.Index>? {
        prefixes.compactMap { text.range(of: $0, options: .caseInsensitive) }.min { $0.lowerBound < $1.lowerBound }
    }

    /// The index of the first argument that holds a secret where none belongs: anywhere but as the
    /// value of `--key` (which takes a recipient secret key text or file).
    public static func misplacedSecret(in arguments: [String]) -> Int? {
        for (index, argument) in arguments.enumerated() where containsSecret(argument) {
            let isKeyValue = argument.hasPrefix("--key=") || (index > 0 && arguments[index - 1] == "--key")
            if !isKeyValue { return index }
        }
        return nil
    }
}
