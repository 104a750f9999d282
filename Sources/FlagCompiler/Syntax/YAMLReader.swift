internal import CYAML
import FlagRuntime

/// Reads one YAML file into a ``YAMLNode`` tree with libyaml, enforcing flagc's YAML rules.
///
/// The rules: YAML 1.2 core schema for plain scalars (only `true`/`false` are booleans, so `on`, `off`, `yes`
/// and `no` are strings); one document per file; no anchors, aliases or tags; no duplicate or non-scalar mapping
/// keys; bounded input size, nesting depth and node count. Input must be UTF-8 (a leading byte-order mark is
/// allowed) without NUL or other control characters.
public enum YAMLReader {
    /// Bounds that keep reading fast and small on hostile input.
    public struct Limits: Sendable {
        /// Largest accepted input, checked before parsing. Default 16 MiB.
        public var maximumInputBytes: Int
        /// Deepest accepted nesting of lists and mappings; the root collection is level 1. Default 64.
        /// Reading stops as soon as this is exceeded, so very deep input costs almost nothing.
        public var maximumDepth: Int
        /// Most nodes (scalars, lists and mappings, keys not counted) in one file. Default 2,000,000.
        public var maximumNodes: Int
        /// Reading stops after this many diagnostics. Default 100.
        public var maximumDiagnostics: Int

        /// Creates limits; every parameter defaults to flagc's standard bound.
        public init(
            maximumInputBytes: Int = 16 * 1024 * 1024,
            maximumDepth: Int = 64,
            maximumNodes: Int = 2_000_000,
            maximumDiagnostics: Int = 100
        ) {
            self.maximumInputBytes = maximumInputBytes
            self.maximumDepth = maximumDepth
            self.maximumNodes = maximumNodes
            self.maximumDiagnostics = maximumDiagnostics
        }
    }

    /// Reads the single YAML document in `bytes`.
    ///
    /// Independent problems (several duplicate keys, several tags) are all reported; a syntax error, an
    /// encoding error, or exceeding a limit ends reading. Never crashes and never expands aliases.
    ///
    /// - Parameters:
    ///   - bytes: the file's content, UTF-8.
    ///   - file: the path used in every diagnostic's location.
    ///   - limits: bounds on size, depth and node count.
    /// - Returns: the root node, or `nil` when the file holds no document (only whitespace and comments).
    /// - Throws: every problem found, each an error with its `file:line:column`.
    public static func read(
        _ bytes: [UInt8],
        file: String,
        limits: Limits = .init()
    ) throws(DiagnosticList) -> YAMLNode? {
        guard bytes.count <= limits.maximumInputBytes else {
            let start = SourceLocation(file: file, line: 1, column: 1)
            throw DiagnosticList([
                .error(Message.inputTooLarge(bytes.count, limit: limits.maximumInputBytes), at: start)
            ])
        }
        // A UTF-8 byte-order mark is allowed; dropping it keeps the columns of line 1 right.
        let hasByteOrderMark = bytes.starts(with: [0xEF, 0xBB, 0xBF])
        let text = bytes[(hasByteOrderMark ? 3 : 0)...]
        if let problem = text.withUnsafeBufferPointer(EncodingCheck.firstProblem) {
            let location = TextPosition.location(ofByte: problem.offset, in: text, file: file)
            throw DiagnosticList([.error(problem.message, at: location)])
        }
        var reader = TreeReader(text: text, file: file, limits: limits)
        return try reader.read()
    }

    /// Like `read`, but keeps the tree when every problem found was local (a duplicate key, an
    /// anchor, an alias, a tag: the offending value is dropped and reading went on to the end), so
    /// that a checker can go on to report the rest of the file's problems too. `root` is nil when
    /// reading stopped early (a syntax error, a limit) or the file is empty.
    public static func readRecovering(
        _ bytes: [UInt8],
        file: String,
        limits: Limits = .init()
    ) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        do {
            return (try read(bytes, file: file, limits: limits), [])
        } catch {
            guard bytes.count <= limits.maximumInputBytes else { return (nil, error.diagnostics) }
            let text = bytes[(bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0)...]
            var reader = TreeReader(text: text, file: file, limits: limits)
            let root = reader.readToEnd()
            return (root, error.diagnostics)
        }
    }
}

// MARK: - Messages

extension YAMLReader {
    /// Every message the reader emits: lower case, names quoted, the fix stated where there is one.
    enum Message {
        static func inputTooLarge(_ count: Int, limit: Int) -> String {
            "file is too large (\(count) bytes; the limit is \(limit) bytes); split it into several files"
        }
        static let utf16 = "file is UTF-16 or UTF-32 encoded; save it as UTF-8"
        static let nulByte =
            "file contains a NUL byte; save it as UTF-8 text (binary and UTF-16 files are not supported)"
        static func invalidUTF8(_ byte: UInt8) -> String {
            "invalid UTF-8 (byte 0x\(hex(byte))); save the file as UTF-8"
        }
        static func controlCharacter(_ value: UInt32) -> String {
            "control character U+\(hex(value, width: 4)) is not allowed; remove it"
        }
        static func syntax(
            _ problem: String,
            context: String?,
            contextLocation: SourceLocation?,
            hint: String?
        )
            -> String
        {
            var message = problem
            if let context {
                message += " \(context)"
                if let contextLocation {
                    message += " (started at line \(contextLocation.line), column \(contextLocation.column))"
                }
            }
            if let hint { message += "; \(hint)" }
            return message
        }
        static let tabHint = "indent with spaces, not tabs"
        static let reservedIndicatorHint = "quote the value"
        static let colonHint = "quote the value if it contains ': '"
        static func anchor(_ name: String) -> String {
            "anchors and aliases are not supported; remove '&\(name)' and repeat the value where it is used"
        }
        static func alias(_ name: String) -> String {
            "anchors and aliases are not supported; replace '*\(name)' with a copy of the value"
        }
        static func tag(_ tag: String) -> String {
            let fix = tag == "!!str" ? " (quote a value to keep it a string)" : ""
            return "tags are not supported; remove '\(tag)'\(fix)"
        }
        static func duplicateKey(_ key: String, firstLine: Int) -> String {
            "duplicate key '\(key)' (first defined on line \(firstLine))"
        }
        static func nonScalarKey(_ kindName: String) -> String {
            "\(kindName) cannot be a mapping key; use a string"
        }
        static func tooDeep(limit: Int) -> String {
            "nesting is too deep (more than \(limit) levels); flatten the structure"
        }
        static func tooManyNodes(limit: Int) -> String {
            "file has too many values (more than \(limit)); split it into several files"
        }
        static func integerTooLarge(_ text: String) -> String {
            "integer '\(text)' is too large (the range is \(Int64.min) to \(Int64.max)); quote it to keep it a string"
        }
        static func floatTooLarge(_ text: String) -> String {
            "number '\(text)' is too large; write '.inf' for infinity or quote it to keep it a string"
        }
        static let multipleDocuments = "file has more than one document; put each document in its own file"
        static func tooManyDiagnostics(limit: Int) -> String {
            "too many errors (more than \(limit)); stopping here"
        }

        /// Two hex digits for a byte, at least four (Unicode style) for a scalar value.
        private static func hex(_ value: some BinaryInteger, width: Int = 2) -> String {
            let digits = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
        }
    }
}

// MARK: - Positions

/// Converts libyaml marks and byte offsets to 1-based ``SourceLocation``s.
enum TextPosition {
    /// The only place where libyaml's 0-based marks become 1-based locations.
    static func location(of mark: yaml_mark_t, file: String) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// The location of a byte offset, counting columns in Unicode scalars like libyaml does
    /// (line breaks: `\n`, `\r\n`, `\r`).
    static func location(ofByte offset: Int, in text: ArraySlice<UInt8>, file: String) -> SourceLocation {
        text.withUnsafeBufferPointer { bytes in
            let end = Swift.min(Swift.max(offset, 0), bytes.count)
            var line = 1
            var column = 1
            var index = 0
            while index < end {
                let byte = bytes[index]
                if byte == 0x0A || (byte == 0x0D && (index + 1 >= bytes.count || bytes[index + 1] != 0x0A)) {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 && byte != 0x0D {
                    column += 1
                }
                index += 1
            }
            return SourceLocation(file: file, line: line, column: column)
        }
    }

    /// The first byte of the Unicode scalar at a 1-based line and column, if there is one.
    static func byte(atLine line: Int, column: Int, in text: ArraySlice<UInt8>) -> UInt8? {
        text.withUnsafeBufferPointer { bytes in
            var currentLine = 1
            var currentColumn = 1
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if currentLine == line && currentColumn == column && byte & 0xC0 != 0x80 { return byte }
                if currentLine > line { return nil }
                if byte == 0x0A || (byte == 0x0D && (index + 1 >= bytes.count || bytes[index + 1] != 0x0A)) {
                    currentLine += 1
                    currentColumn = 1
                } else if byte & 0xC0 != 0x80 && byte != 0x0D {
                    currentColumn += 1
                }
                index += 1
            }
            return nil
        }
    }
}

// MARK: - Encoding

/// Finds the first byte that libyaml's reader would refuse, so the error can say what is wrong in plain words.
enum EncodingCheck {
    struct Problem {
        var offset: Int
        var message: String
    }

    /// The first NUL, control character or invalid UTF-8 sequence, or a UTF-16/UTF-32 byte-order mark.
    static func firstProblem(_ bytes: UnsafeBufferPointer<UInt8>) -> Problem? {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            return Problem(offset: 0, message: YAMLReader.Message.utf16)
        }
        let count = bytes.count
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7F || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                index += 1
                continue
            }
            if byte == 0 { return Problem(offset: index, message: YAMLReader.Message.nulByte) }
            if byte < 0x80 {
                return Problem(offset: index, message: YAMLReader.Message.controlCharacter(UInt32(byte)))
            }
            guard let (scalar, length) = decode(bytes, at: index) else {
                return Problem(offset: index, message: YAMLReader.Message.invalidUTF8(byte))
            }
            // libyaml accepts NEL but no other C1 control, and no noncharacter U+FFFE or U+FFFF.
            if (scalar >= 0x80 && scalar <= 0x9F && scalar != 0x85) || scalar == 0xFFFE || scalar == 0xFFFF {
                return Problem(offset: index, message: YAMLReader.Message.controlCharacter(scalar))
            }
            index += length
        }
        return nil
    }

    /// Decodes one multi-byte UTF-8 sequence (shortest form, no surrogates, at most U+10FFFF).
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int)? {
        let lead = bytes[index]
        let length: Int
        var scalar: UInt32
        var lowest: UInt8 = 0x80
        var highest: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF:
            length = 2
            scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF:
            length = 3
            scalar = UInt32(lead & 0x0F)
            if lead == 0xE0 { lowest = 0xA0 }
            if lead == 0xED { highest = 0x9F }
        case 0xF0...0xF4:
            length = 4
            scalar = UInt32(lead & 0x07)
            if lead == 0xF0 { lowest = 0x90 }
            if lead == 0xF4 { highest = 0x8F }
        default:
            return nil
        }
        guard index + length <= bytes.count else { return nil }
        for offset in 1..<length {
            let continuation = bytes[index + offset]
            let (low, high) = offset == 1 ? (lowest, highest) : (0x80, 0xBF)
            guard continuation >= low && continuation <= high else { return nil }
            scalar = scalar << 6 | UInt32(continuation & 0x3F)
        }
        return (scalar, length)
    }
}

// MARK: - Building the tree

/// Pulls libyaml events and builds the tree with an explicit stack, collecting diagnostics.
private struct TreeReader {
    /// A list or mapping being read.
    struct Frame {
        var isMapping: Bool
        var location: SourceLocation
        var items: [YAMLNode] = []
        var entries: [YAMLMappingEntry] = []
        var pendingKey: PendingKey = .none
        /// Entry index by key, built once a mapping is large enough that a linear search would be slow.
        /// Keys compare by code points (`"é"` and `"e\u{301}"` are different keys), as everything in flagc does.
        var keyIndex: [CodePointString: Int]? = nil
    }

    enum PendingKey {
        /// The next node is a key.
        case none
        /// The next node is the value of this key.
        case key(String, SourceLocation)
        /// The node being read is a list or mapping used as a key (reported): drop it, then drop its value.
        case invalidKey
        /// The next node is the value of an invalid or duplicate key: read it, then drop it.
        case discard
    }

    /// Reading ends early (the diagnostics say why).
    struct Stop: Error {}

    static let linearSearchLimit = 12

    let text: ArraySlice<UInt8>
    let file: String
    let limits: YAMLReader.Limits
    var stack: [Frame] = []
    var root: YAMLNode? = nil
    var diagnostics: [Diagnostic] = []
    var nodeCount = 0
    var documentCount = 0

    init(text: ArraySlice<UInt8>, file: String, limits: YAMLReader.Limits) {
        self.text = text
        self.file = file
        self.limits = limits
    }

    mutating func read() throws(DiagnosticList) -> YAMLNode? {
        readEventsCollecting()
        if !diagnostics.isEmpty { throw DiagnosticList(diagnostics) }
        return root
    }

    /// The tree when reading reached the end of the input (only local problems, if any), else nil.
    mutating func readToEnd() -> YAMLNode? {
        readEventsCollecting() ? root : nil
    }

    /// Reads every event; false when reading stopped early.
    @discardableResult
    private mutating func readEventsCollecting() -> Bool {
        do {
            let handle = try YAMLParserHandle(copying: text)
            try readEvents(from: handle)
            return true
        } catch let failure as YAMLParserHandle.Failure {
            report(failure)
        } catch {
            // Stop: the reason is already among the diagnostics.
        }
        return false
    }

    private mutating func readEvents(from handle: YAMLParserHandle) throws {
        while true {
            let event = try handle.nextEvent()
            let start = TextPosition.location(of: event.pointee.start_mark, file: file)
            switch event.pointee.type {
            case YAML_STREAM_END_EVENT, YAML_NO_EVENT:
                return
            case YAML_DOCUMENT_START_EVENT:
                documentCount += 1
                if documentCount > 1 {
                    try stop(Message.multipleDocuments, at: start)
                }
            case YAML_SCALAR_EVENT:
                let scalar = event.pointee.data.scalar
                try countNode(at: start)
                try checkProperties(anchor: scalar.anchor, tag: scalar.tag, at: start)
                let bytes = UnsafeBufferPointer(start: scalar.value, count: scalar.length)
                let isPlain = scalar.style == YAML_PLAIN_SCALAR_STYLE
                try addScalar(bytes, isPlain: isPlain, at: start)
            case YAML_SEQUENCE_START_EVENT:
                let sequence = event.pointee.data.sequence_start
                try countNode(at: start)
                try checkProperties(anchor: sequence.anchor, tag: sequence.tag, at: start)
                try push(isMapping: false, at: start)
            case YAML_MAPPING_START_EVENT:
                let mapping = event.pointee.data.mapping_start
                try countNode(at: start)
                try checkProperties(anchor: mapping.anchor, tag: mapping.tag, at: start)
                try push(isMapping: true, at: start)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { break }
                let kind: YAMLNode.Kind = frame.isMapping ? .mapping(frame.entries) : .sequence(frame.items)
                try place(YAMLNode(kind, at: frame.location))
            case YAML_ALIAS_EVENT:
                try countNode(at: start)
                try report(Message.alias(Self.string(event.pointee.data.alias.anchor)), at: start)
                try place(nil)
            default:
                // Stream start, document end.
                break
            }
        }
    }

    // MARK: Nodes

    private mutating func addScalar(
        _ bytes: UnsafeBufferPointer<UInt8>,
        isPlain: Bool,
        at location: SourceLocation
    )
        throws(Stop)
    {
        let text = String(decoding: bytes, as: UTF8.self)
        if isKeyPosition {
            try addKey(text, at: location)
            return
        }
        var value = YAMLScalar.Value.string(text)
        if isPlain {
            switch YAMLScalar.resolvePlain(bytes: bytes, text: text) {
            case .resolved(let resolved): value = resolved
            case .integerOverflow: try report(Message.integerTooLarge(text), at: location)
            case .floatOverflow: try report(Message.floatTooLarge(text), at: location)
            }
        }
        try place(YAMLNode(.scalar(YAMLScalar(text: text, isPlain: isPlain, value: value)), at: location))
    }

    private var isKeyPosition: Bool {
        // Indexing reads the two fields in place; `stack.last` would copy (and retain) the whole frame.
        let top = stack.count - 1
        guard top >= 0, stack[top].isMapping, case .none = stack[top].pendingKey else { return false }
        return true
    }

    private mutating func addKey(_ key: String, at location: SourceLocation) throws(Stop) {
        let top = stack.count - 1
        if let first = firstEntryIndex(forKey: key) {
            stack[top].pendingKey = .discard
            let firstLine = stack[top].entries[first].keyLocation.line
            try report(Message.duplicateKey(key, firstLine: firstLine), at: location)
        } else {
            stack[top].pendingKey = .key(key, location)
        }
    }

    private mutating func firstEntryIndex(forKey key: String) -> Int? {
        let top = stack.count - 1
        if let index = stack[top].keyIndex { return index[CodePointString(key)] }
        let entries = stack[top].entries
        if entries.count < Self.linearSearchLimit {
            return entries.firstIndex { TextMatching.equals($0.key, key) }
        }
        var index = [CodePointString: Int](minimumCapacity: entries.count * 2)
        for (position, entry) in entries.enumerated() { index[CodePointString(entry.key)] = position }
        stack[top].keyIndex = index
        return index[CodePointString(key)]
    }

    private mutating func push(isMapping: Bool, at location: SourceLocation) throws(Stop) {
        if stack.count >= limits.maximumDepth {
            try stop(Message.tooDeep(limit: limits.maximumDepth), at: location)
        }
        if isKeyPosition {
            // Read the collection to keep the events in step, then drop it and the value that follows it.
            try report(Message.nonScalarKey(isMapping ? "a mapping" : "a list"), at: location)
            stack[stack.count - 1].pendingKey = .invalidKey
        }
        stack.append(Frame(isMapping: isMapping, location: location))
    }

    /// Puts a completed node where it belongs; `nil` stands for a node that was already reported as an error.
    private mutating func place(_ node: YAMLNode?) throws(Stop) {
        guard !stack.isEmpty else {
            root = node
            return
        }
        let top = stack.count - 1
        guard stack[top].isMapping else {
            if let node { stack[top].items.append(node) }
            return
        }
        switch stack[top].pendingKey {
        case .none:
            // Only aliases reach here in key position; scalar keys go through addKey, collections through push.
            stack[top].pendingKey = .discard
        case .key(let key, let keyLocation):
            stack[top].pendingKey = .none
            guard let node else { return }
            let position = stack[top].entries.count
            if stack[top].keyIndex != nil { stack[top].keyIndex?[CodePointString(key)] = position }
            stack[top].entries.append(YAMLMappingEntry(key: key, keyLocation: keyLocation, value: node))
        case .invalidKey:
            stack[top].pendingKey = .discard
        case .discard:
            stack[top].pendingKey = .none
        }
    }

    // MARK: Checks

    private mutating func countNode(at location: SourceLocation) throws(Stop) {
        nodeCount += 1
        if nodeCount > limits.maximumNodes {
            try stop(Message.tooManyNodes(limit: limits.maximumNodes), at: location)
        }
    }

    private mutating func checkProperties(
        anchor: UnsafeMutablePointer<yaml_char_t>?,
        tag: UnsafeMutablePointer<yaml_char_t>?,
        at location: SourceLocation
    ) throws(Stop) {
        if let anchor { try report(Message.anchor(Self.string(anchor)), at: location) }
        if let tag { try report(Message.tag(Self.shorthand(ofTag: Self.string(tag))), at: location) }
    }

    /// `tag:yaml.org,2002:str` as the user most likely wrote it, `!!str`.
    private static func shorthand(ofTag tag: String) -> String {
        let prefix = "tag:yaml.org,2002:"
        return tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String {
        guard let pointer else { return "" }
        var length = 0
        while pointer[length] != 0 { length += 1 }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    // MARK: Diagnostics

    private mutating func report(_ message: String, at location: SourceLocation) throws(Stop) {
        if diagnostics.count >= limits.maximumDiagnostics {
            diagnostics.append(.error(Message.tooManyDiagnostics(limit: limits.maximumDiagnostics), at: location))
            throw Stop()
        }
        diagnostics.append(.error(message, at: location))
    }

    private mutating func stop(_ message: String, at location: SourceLocation) throws(Stop) -> Never {
        try report(message, at: location)
        throw Stop()
    }

    private mutating func report(_ failure: YAMLParserHandle.Failure) {
        guard let mark = failure.problemMark else {
            // Reader and memory errors: the encoding check catches what the reader would, so this is a fallback.
            let location = TextPosition.location(ofByte: failure.problemOffset, in: text, file: file)
            diagnostics.append(.error(failure.problem, at: location))
            return
        }
        let location = TextPosition.location(of: mark, file: file)
        // The context's start is worth naming only when it is somewhere else.
        let contextLocation = failure.contextMark.map { TextPosition.location(of: $0, file: file) }
            .flatMap { $0 == location ? nil : $0 }
        let message = Message.syntax(
            failure.problem,
            context: failure.context,
            contextLocation: contextLocation,
            hint: hint(for: failure.problem, at: location)
        )
        diagnostics.append(.error(message, at: location))
    }

    private func hint(for problem: String, at location: SourceLocation) -> String? {
        if problem.hasPrefix("mapping values are not allowed") { return Message.colonHint }
        guard problem.hasPrefix("found character that cannot start any token") else { return nil }
        switch TextPosition.byte(atLine: location.line, column: location.column, in: text) {
        case UInt8(ascii: "\t"): return Message.tabHint
        case UInt8(ascii: "@"), UInt8(ascii: "`"): return Message.reservedIndicatorHint
        default: return nil
        }
    }
}

private typealias Message = YAMLReader.Message
