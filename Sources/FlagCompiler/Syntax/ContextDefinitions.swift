/// A flag's `lifecycle:`: its kind, after Unleash's flag types, which sets how long it may live
/// before `flagc stale` reports it (`lifetime-exceeded`).
package enum FlagLifecycle: String, Sendable, CaseIterable {
    case release
    case experiment
    case operational
    case killSwitch = "kill-switch"
    case permission
    case permanent

    /// Days a flag of this kind is expected to live, counted from its creation; nil: no limit.
    package var expectedLifetimeDays: Int? {
        switch self {
        case .release, .experiment: 40
        case .operational: 7
        case .killSwitch, .permission, .permanent: nil
        }
    }
}

/// The type of a declared context attribute.
package enum ContextAttributeType: String, Sendable, CaseIterable {
    case string
    case number
    case boolean
    case version
    case timestamp
    case ip
    case list
}

/// One attribute of a `context:` schema: its name, type and description.
package struct ContextAttributeDefinition: Sendable {
    package var name: Located<String>
    package var type: ContextAttributeType
    package var description: String?
}
