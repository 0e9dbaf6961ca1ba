import XCTest
@testable import Shell

/// Progress bars, log lines and the reporter's pacing, on synthetic snapshots.
final class ProgressTests: XCTestCase {
    let snapshot = ProgressSnapshot(step: 120, totalSteps: 1000, loss: 1.23456, tokensPerSecond: 812.4, elapsed: 60)

    func testBarFillsTheWidthInEighths() {
        let bar = ProgressFormat.bar(snapshot, label: "train", width: 80)
        // 12% of a 22-cell bar is 21 eighths: two full cells and a five-eighths cell.
        XCTAssertEqual(bar, "train  120/1000 [██▋" + String(repeating: " ", count: 19) + "]  12%  loss 1.2346  812 tok/s  ETA 7m20s")
        XCTAssertEqual(bar.count, 80)
    }

    func testBarAtTheEndShowsTotalTime() {
        let done = ProgressSnapshot(step: 10, totalSteps: 10, loss: nil, tokensPerSecond: nil, elapsed: 3725)
        XCTAssertEqual(ProgressFormat.bar(done, label: "eval", width: 40),
                       "eval 10/10 [" + String(repeating: "█", count: 12) + "] 100%  in 1h02m")
        XCTAssertEqual(ProgressFormat.bar(done, label: "eval", width: 40).count, 40)
    }

    func testLogLine() {
        XCTAssertEqual(ProgressFormat.logLine(snapshot, label: "train"),
                       "train step=120/1000 (12%) loss=1.2346 tok/s=812 elapsed=1m00s eta=7m20s")
    }

    func testDurations() {
        XCTAssertEqual(ProgressFormat.duration(44.6), "45s")
        XCTAssertEqual(ProgressFormat.duration(192), "3m12s")
        XCTAssertEqual(ProgressFormat.duration(7500), "2h05m")
        XCTAssertEqual(ProgressFormat.duration(.nan), "?")
        XCTAssertEqual(ProgressFormat.duration(.infinity), "?")
    }

    func testOddSnapshotsDoNotBreakTheBar() {
        let odd = [ProgressSnapshot(step: 0, totalSteps: 0, loss: .nan, tokensPerSecond: nil, elapsed: 0),
                   ProgressSnapshot(step: 12, totalSteps: 10, loss: nil, tokensPerSecond: .infinity, elapsed: .nan),
                   ProgressSnapshot(step: -1, totalSteps: 5, loss: 1, tokensPerSecond: 0, elapsed: 1)]
        for snapshot in odd {
            XCTAssertFalse(ProgressFormat.bar(snapshot, label: "train", width: 80).isEmpty)
            XCTAssertFalse(ProgressFormat.logLine(snapshot, label: "train").isEmpty)
        }
    }

    private func captured(terminal: Bool) -> (Output, () -> String) {
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box()
        return (Output(isTerminal: terminal, text: { box.text += $0 }, error: { _ in }), { box.text })
    }

    func testLogModePrintsFirstEveryIntervalAndLast() {
        let (output, text) = captured(terminal: false)
        let reporter = ProgressReporter(output: output, label: "train", logInterval: 10)
        for (step, elapsed) in [(1, 0.5), (2, 5.0), (3, 10.6), (4, 12.0), (5, 21.0)] {
            reporter.update(ProgressSnapshot(step: step, totalSteps: 6, loss: 2, tokensPerSecond: nil, elapsed: elapsed))
        }
        reporter.finish(ProgressSnapshot(step: 6, totalSteps: 6, loss: 1.5, tokensPerSecond: nil, elapsed: 25))
        XCTAssertEqual(text().split(separator: "\n").map { $0.split(separator: " ")[1] },
                       ["step=1/6", "step=3/6", "step=5/6", "step=6/6"])
    }

    func testTerminalModeRedrawsInPlaceAndEndsTheLine() {
        let (output, text) = captured(terminal: true)
        let reporter = ProgressReporter(output: output, label: "train", width: 60)
        for step in 1...5 {
            reporter.update(ProgressSnapshot(step: step, totalSteps: 5, loss: 1, tokensPerSecond: 100, elapsed: Double(step) * 0.05))
        }
        reporter.note("checkpoint saved")
        reporter.finish(ProgressSnapshot(step: 5, totalSteps: 5, loss: 1, tokensPerSecond: 100, elapsed: 0.25))
        let redraws = text().components(separatedBy: "\r\u{1B}[K").count - 1
        XCTAssertEqual(redraws, 5, "steps 1, 4 and 5 (the last) are drawn, the note clears the bar, finish redraws it")
        XCTAssertTrue(text().contains("checkpoint saved\n"))
        XCTAssertTrue(text().hasSuffix("in 0s\n"))
    }
}
