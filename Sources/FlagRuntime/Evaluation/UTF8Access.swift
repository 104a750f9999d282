/// Calls `body` with the UTF-8 bytes of `text`, read in place for native and small strings (a
/// foreign string is copied first). The one way the runtime's parsers read a string's bytes.
@inline(__always)
func withUTF8<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var text = text
    return text.withUTF8(body)
}
