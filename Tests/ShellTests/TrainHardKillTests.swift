import Foundation
import XCTest
import TestSupport
@testable import Shell

/// A run killed with SIGKILL mid-training (no chance to clean up) resumes from its newest whole
/// checkpoint and ends with exactly the losses of a run that was never interrupted: checkpoints
/// appear by rename, so a kill can only lose the step in flight.
final class TrainHardKillTests: XCTestCase {
    private func recipe(out: String, resume: Bool, in folder: URL, name: String) throws -> String {
        try writeFile("""
            model load \(fixtureURL("workbench/tiny-llama").path)
            data load \(fixtureURL("workbench/tasks.jsonl").path)
            data template plain
            data shuffle seed=3
            lora r=2 alpha=4 targets=q_proj,v_proj
            train max_steps=60 lr=1e-2 batch=2 max_len=32 logging=1 save_every=1 keep=3 out=\(out)\(resume ? " resume=\(out)" : "")
            """, name, in: folder)
    }

    private func losses(_ out: String) throws -> [Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/trainer_state.json"))
        let state = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (state["log_history"] as! [[String: Any]]).compactMap { $0["loss"] as? Double }
    }

    func testResumeAfterSIGKILLEqualsTheUninterruptedRun() throws {
        let folder = try temporaryFolder(self)
        let straight = folder.appendingPathComponent("straight").path
        XCTAssertEqual(try runSFT(["run", try recipe(out: straight, resume: false, in: folder, name: "a.sft")], timeout: 120).status, 0)
        let expected = try losses(straight)
        XCTAssertEqual(expected.count, 60)

        let killed = folder.appendingPathComponent("killed").path
        let process = Process()
        process.executableURL = try sftExecutable()
        process.arguments = ["run", try recipe(out: killed, resume: false, in: folder, name: "b.sft")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: killed + "/checkpoint-3") && Date() < deadline && process.isRunning {
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "killed, not finished")
        let saved = try FileManager.default.contentsOfDirectory(atPath: killed).filter { $0.hasPrefix("checkpoint-") }
        XCTAssertFalse(saved.contains("checkpoint-60"), "the kill came before the end: \(saved)")

        let resumed = try runSFT(["run", try recipe(out: killed, resume: true, in: folder, name: "c.sft")], timeout: 120)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try losses(killed), expected)
    }
}
