/// Renders progress snapshots: on a terminal one bar redrawn in place (at most every
/// `redrawInterval` seconds), elsewhere a plain log line every `logInterval` seconds, plus the
/// first and the last. Time is the snapshots' `elapsed`, so output is deterministic.
final class ProgressReporter {
    private let output: Output
    private let label: String
    private let width: Int
    private let logInterval: Double
    private let redrawInterval: Double
    private var lastShown: Double?
    private var lastStep: Int?
    private var barShown = false

    init(output: Output, label: String, width: Int = 80, logInterval: Double = 10, redrawInterval: Double = 0.1) {
        self.output = output
        self.label = label
        self.width = width
        self.logInterval = logInterval
        self.redrawInterval = redrawInterval
    }

    /// Reports a snapshot; shows it if enough time passed since the last one shown.
    func update(_ snapshot: ProgressSnapshot) {
        let interval = output.isTerminal ? redrawInterval : logInterval
        if let last = lastShown, snapshot.elapsed - last < interval, snapshot.step < snapshot.totalSteps { return }
        show(snapshot)
    }

    /// Reports the final snapshot (always shown) and ends the bar's line.
    func finish(_ snapshot: ProgressSnapshot) {
        let barWasCleared = output.isTerminal && !barShown
        if barWasCleared || lastStep != snapshot.step || lastShown != snapshot.elapsed { show(snapshot) }
        if output.isTerminal && barShown { output.write("\n") }
        barShown = false
    }

    /// Writes a line above the bar (eval results, checkpoint saved) without breaking it.
    func note(_ text: String) {
        if output.isTerminal && barShown {
            output.write("\r\u{1B}[K")
            barShown = false
        }
        output.line(text)
    }

    private func show(_ snapshot: ProgressSnapshot) {
        lastShown = snapshot.elapsed
        lastStep = snapshot.step
        if output.isTerminal {
            output.write("\r\u{1B}[K" + ProgressFormat.bar(snapshot, label: label, width: width))
            barShown = true
        } else {
            output.line(ProgressFormat.logLine(snapshot, label: label))
        }
    }
}
