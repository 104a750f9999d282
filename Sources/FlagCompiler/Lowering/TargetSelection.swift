import FlagRuntime

/// The flags a target keeps: those matching one of its `flags` globs and none of its `exclude` globs.
struct TargetSelection {
    let flags: [FlagDefinition]

    init(target: TargetDefinition, project: FlagProject) {
        flags = project.flags.filter { flag in
            target.flagPatterns.contains { Glob.matches($0, flag.key.value) }
                && !target.excludePatterns.contains { Glob.matches($0, flag.key.value) }
        }
    }
}

/// Shell-style globs over flag keys: `*` any run of characters, `?` one character.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let pattern = Array(pattern.unicodeScalars)
        let text = Array(text.unicodeScalars)
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == "?" || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == "*" {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
