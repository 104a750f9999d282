/// Collects every diagnostic of a run, so one `flagc check` lists all problems, not only the first.
public final class DiagnosticCollector {
    public private(set) var diagnostics: [Diagnostic] = []

    public init() {}

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    public func error(_ message: String, at location: SourceLocation?) {
        diagnostics.append(.error(message, at: location))
    }

    public func warning(_ message: String, at location: SourceLocation?) {
        diagnostics.append(.warning(message, at: location))
    }

    public func append(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }
    public func append(contentsOf list: DiagnosticList) { diagnostics.append(contentsOf: list.diagnostics) }

    /// The diagnostics in file, line, column order (those without a location first).
    public var sorted: [Diagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            switch (lhs.element.location, rhs.element.location) {
            case (nil, nil): return lhs.offset < rhs.offset
            case (nil, _): return true
            case (_, nil): return false
            case (let a?, let b?): return a == b ? lhs.offset < rhs.offset : a < b
            }
        }.map(\.element)
    }

    /// Throws every diagnostic when any is an error.
    public func throwIfErrors() throws(DiagnosticList) {
        if hasErrors { throw DiagnosticList(sorted) }
    }
}

/// Renders diagnostics like a compiler: the message, then the source line and a caret.
public struct DiagnosticRenderer {
    private var sources: [String: [Substring]] = [:]

    public init() {}

    /// Registers a file's text so its lines can be quoted.
    public mutating func addSource(_ text: String, for path: String) {
        sources[path] = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    public func render(_ diagnostic: Diagnostic) -> String {
        var text = diagnostic.description
        guard let location = diagnostic.location, let lines = sources[location.file],
            location.line >= 1, location.line <= lines.count
        else { return text }
        let line = lines[location.line - 1].replacingOccurrences(of: "\t", with: " ")
        guard line.count <= 200 else { return text }
        text += "\n" + line + "\n" + String(repeating: " ", count: max(0, location.column - 1)) + "^"
        return text
    }
}

extension Substring {
    fileprivate func replacingOccurrences(of target: Character, with replacement: String) -> String {
        var result = ""
        for character in self { result += character == target ? replacement : String(character) }
        return result
    }
}
