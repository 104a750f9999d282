internal import CYAML

/// The single owner of one libyaml parser, the event it last produced, and its own copy of the input.
///
/// libyaml keeps a pointer to its input and to itself between calls, so the parser, the event and the input
/// all live in memory allocated here (stable addresses) and are released in `deinit`. The event pointer that
/// ``nextEvent()`` returns is valid only until the next call or until the handle goes away.
final class YAMLParserHandle {
    /// An error reported by libyaml, copied out of the parser (its strings are static C strings).
    struct Failure: Error {
        enum Kind {
            /// Bad encoding or a forbidden character; only ``Failure/problemOffset`` locates it.
            case reader
            /// A token could not be scanned; ``Failure/problemMark`` locates it.
            case scanner
            /// The tokens do not form a valid document; ``Failure/problemMark`` locates it.
            case parser
            /// libyaml could not allocate memory.
            case memory
        }

        var kind: Kind
        var problem: String
        /// Where the problem is (0-based, as libyaml reports it); `nil` for reader and memory errors.
        var problemMark: yaml_mark_t?
        /// The byte offset of the problem, for reader errors.
        var problemOffset: Int
        /// The offending character or byte for reader errors, `-1` when none.
        var problemValue: Int
        /// What libyaml was parsing when it failed, e.g. `while parsing a block mapping`.
        var context: String?
        /// Where the context started (0-based).
        var contextMark: yaml_mark_t?
    }

    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let event: UnsafeMutablePointer<yaml_event_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var holdsEvent = false

    /// Creates a parser over a private copy of `bytes`, which must be UTF-8.
    init(copying bytes: ArraySlice<UInt8>) throws(Failure) {
        parser = .allocate(capacity: 1)
        event = .allocate(capacity: 1)
        input = .allocate(capacity: Swift.max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        do {
            try Self.check(yaml_parser_initialize(parser), parser)
        } catch {
            // yaml_parser_initialize cleans up after itself when it fails.
            parser.deallocate()
            event.deallocate()
            input.deallocate()
            throw error
        }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        if let base = input.baseAddress {
            yaml_parser_set_input_string(parser, base, bytes.count)
        }
    }

    deinit {
        if holdsEvent { yaml_event_delete(event) }
        yaml_parser_delete(parser)
        parser.deallocate()
        event.deallocate()
        input.deallocate()
    }

    /// Parses the next event, releasing the previous one.
    ///
    /// - Returns: the event, valid until the next call; after the stream end libyaml returns empty events.
    /// - Throws: ``Failure`` for any libyaml error; the parser cannot go on after one.
    func nextEvent() throws(Failure) -> UnsafePointer<yaml_event_t> {
        if holdsEvent {
            yaml_event_delete(event)
            holdsEvent = false
        }
        try Self.check(yaml_parser_parse(parser, event), parser)
        holdsEvent = true
        return UnsafePointer(event)
    }

    /// Maps a libyaml return code (1 success, 0 failure) to ``Failure``, reading the details from the parser.
    /// Every libyaml call goes through here.
    private static func check(_ result: Int32, _ parser: UnsafeMutablePointer<yaml_parser_t>) throws(Failure) {
        guard result == 0 else { return }
        let state = parser.pointee
        let kind: Failure.Kind
        switch state.error {
        case YAML_READER_ERROR: kind = .reader
        case YAML_SCANNER_ERROR: kind = .scanner
        case YAML_PARSER_ERROR: kind = .parser
        default: kind = .memory
        }
        let hasMarks = kind == .scanner || kind == .parser
        throw Failure(
            kind: kind,
            problem: state.problem.map { String(cString: $0) } ?? (kind == .memory ? "out of memory" : "unknown error"),
            problemMark: hasMarks ? state.problem_mark : nil,
            problemOffset: state.problem_offset,
            problemValue: Int(state.problem_value),
            context: state.context.map { String(cString: $0) },
            contextMark: hasMarks && state.context != nil ? state.context_mark : nil
        )
    }
}
