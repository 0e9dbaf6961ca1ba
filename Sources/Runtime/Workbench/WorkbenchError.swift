/// A workbench step asked for something the session does not have or cannot do; the message
/// says what is missing and which command provides it.
public struct WorkbenchError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
