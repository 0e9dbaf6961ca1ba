import Foundation
import Synchronization

/// Ctrl-C. At the prompt it clears the line; while a command runs it raises a flag that long
/// work polls (pass `{ Interrupt.requested }` as a runtime stop callback) so the command can stop
/// cleanly and the session keeps its state. A third Ctrl-C during one command exits (130).
enum Interrupt {
    private static let flag = Atomic<Bool>(false)
    private static let count = Atomic<Int>(0)
    private static let commandRunning = Atomic<Bool>(false)

    /// Whether Ctrl-C was pressed since the last `clear()`.
    static var requested: Bool { flag.load(ordering: .relaxed) }

    static func clear() {
        flag.store(false, ordering: .relaxed)
        count.store(0, ordering: .relaxed)
    }

    /// Marks that a command is running (Ctrl-C only flags) or that the prompt is up.
    static func setCommandRunning(_ running: Bool) {
        commandRunning.store(running, ordering: .relaxed)
    }

    /// Installs the SIGINT handler (without SA_RESTART, so a blocked read at the prompt returns).
    static func install() {
        clear()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            Interrupt.flag.store(true, ordering: .relaxed)
            let presses = Interrupt.count.add(1, ordering: .relaxed).newValue
            if presses >= 3 && Interrupt.commandRunning.load(ordering: .relaxed) {
                _exit(130)
            }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}
