/// Whether ops record the graph. Inference code wraps its work in `withNoGrad` so no node is
/// built even when weights have `requiresGrad`; backward rules run inside it too.
public enum GradMode {
    @TaskLocal static var isEnabled = true

    /// Whether an op run now would record a node for inputs that require gradients.
    public static var enabled: Bool { isEnabled }
}

/// Runs `body` with graph recording off (the thread's and task's scope, nested freely).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}
