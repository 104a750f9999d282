import FlagRuntime

/// The diagnostics of the history stages, one factory per message.
package enum HistoryMessages {
    /// The audit log's checkpoint was signed by a key the keyring no longer lists, or revokes; the
    /// build signs the history anew with its own key.
    package static func checkpointResigned(log: String, _ problem: String, by key: KeyID) -> Diagnostic {
        .warning(
            "\(log): the checkpoint's key no longer vouches for it (\(problem)); this build signs the history with key \(key): "
                + "review the entries since the key's rotation before trusting them",
            at: nil
        )
    }
}
