import Foundation
import TestSupport
import XCTest
@testable import Shell

/// `plot` on a trainer_state.json written by the Hugging Face Trainer (scripts/fixtures/shell.py).
final class PlotTests: XCTestCase {
    let state = fixtureURL("shell/trainer_state.json").path

    func testReadsTrainAndEvalLossFromTrainerState() throws {
        let series = try LossHistory.read(state)
        XCTAssertEqual(series.map(\.name), ["train", "eval"])
        XCTAssertEqual(series[0].points.map(\.x), [1, 2, 3, 4, 5, 6, 7, 8])
        assertClose(series[0].points.first!.y, 4.579390525817871)
        assertClose(series[0].points.last!.y, 4.266996383666992)
        XCTAssertEqual(series[1].points.map(\.x), [4, 8])
        assertClose(series[1].points.map(\.y), [4.299956798553467, 4.067181587219238])
    }

    func testPlotVerbDrawsAndWritesSVG() throws {
        let folder = try temporaryFolder(self)
        let svg = folder.appendingPathComponent("loss.svg").path
        let harness = ShellHarness()
        XCTAssertNil(harness.run("plot \(state) svg=\(svg) width=40 height=6"))
        let lines = harness.text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[0], "loss")
        XCTAssertEqual(lines[1].prefix(8), "4.579 ┤⠑", "highest loss (step 1) at the top left")
        XCTAssertTrue(lines.contains { $0.hasSuffix("⠤ train   • eval") })
        XCTAssertEqual(lines.last(where: { !$0.isEmpty }), "wrote \(svg)")
        let document = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertEqual(document.components(separatedBy: "<polyline").count - 1, 2)
    }

    func testPlotOfAFileThatIsNotATrainerState() throws {
        let folder = try temporaryFolder(self)
        let file = try writeFile("{\"global_step\": 3}", "x.json", in: folder)
        let harness = ShellHarness()
        XCTAssertEqual(harness.run("plot \(file)"),
                       "<test>:1:1: error: plot: \(file): expected a key 'log_history' holding a list of objects (a trainer_state.json)")
    }
}
