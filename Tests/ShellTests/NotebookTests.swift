import Foundation
import XCTest
import TestSupport
@testable import Shell

/// `sft notebook run`: notebooks/quickstart.ipynb on the tiny fixture model, and error cells.
final class NotebookTests: XCTestCase {
    private var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func testQuickstartNotebookRunsAndWritesNbformat4() throws {
        let dir = try temporaryFolder(self)
        var runner = NotebookRunner()
        let overrides = ["model": fixtureURL("workbench/tiny-llama").path, "rows": "12", "test_rows": "2", "steps": "2", "max_len": "64",
                         "out": dir.appendingPathComponent("out").path]
        runner.overrides = overrides.map { ($0.key, $0.value, SourceLocation(file: "<test>", line: 1, column: 1)) }
        let result = try runner.run(path: root.appendingPathComponent("notebooks/quickstart.ipynb").path)
        let outputPath = dir.appendingPathComponent("out.ipynb").path
        try NotebookFile.write(result.notebook, to: outputPath)
        XCTAssertEqual(result.failedCells, 0, errorText(result.notebook))

        let notebook = try NotebookFile.read(outputPath)
        XCTAssertEqual(notebook["nbformat"] as? Int, 4)
        let cells = try XCTUnwrap(notebook["cells"] as? [[String: Any]])
        let code = cells.filter { $0["cell_type"] as? String == "code" }
        XCTAssertEqual(code.compactMap { $0["execution_count"] as? Int }, Array(1...code.count))
        let outputs = code.flatMap { $0["outputs"] as? [[String: Any]] ?? [] }
        for output in outputs {
            let type = try XCTUnwrap(output["output_type"] as? String)
            XCTAssertTrue(["stream", "display_data"].contains(type), "unexpected \(type)")
            if type == "stream" {
                XCTAssertTrue(["stdout", "stderr"].contains(output["name"] as? String))
                XCTAssertNotNil(output["text"] as? String)
            } else {
                XCTAssertNotNil(output["metadata"] as? [String: Any])
                XCTAssertNotNil((output["data"] as? [String: Any])?["text/plain"] as? String)
            }
        }
        let data = outputs.compactMap { $0["data"] as? [String: Any] }
        XCTAssertTrue(data.contains { ($0["image/svg+xml"] as? String)?.hasPrefix("<svg") ?? false }, "no loss curve")
        XCTAssertTrue(data.contains { ($0["text/html"] as? String)?.contains("eval_loss_after") ?? false }, "no metrics table")
        let text = outputs.compactMap { $0["text"] as? String }.joined()
        XCTAssertTrue(text.contains("loaded tiny-llama"), text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/adapter/adapter_config.json").path))
        try validateWithNbformat(outputPath)
    }

    func testErrorCellsStopOrContinuePerTheFlag() throws {
        let dir = try temporaryFolder(self)
        let source = """
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
             {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null, "outputs": [], "source": ["echo one"]},
             {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": null, "outputs": [], "source": "model load /nope"},
             {"cell_type": "markdown", "id": "c", "metadata": {}, "source": "text"},
             {"cell_type": "code", "id": "d", "metadata": {}, "execution_count": null, "outputs": [], "source": "echo three"}]}
            """
        let path = try writeFile(source, "errors.ipynb", in: dir)
        let stopped = try NotebookRunner().run(path: path)
        XCTAssertEqual(stopped.failedCells, 1)
        var cells = stopped.notebook["cells"] as! [[String: Any]]
        let error = (cells[1]["outputs"] as! [[String: Any]])[0]
        XCTAssertEqual(error["output_type"] as? String, "error")
        XCTAssertTrue((error["evalue"] as? String)?.contains("errors.ipynb cell 2:1:") ?? false, "\(error)")
        XCTAssertNotNil(error["traceback"] as? [String])
        XCTAssertTrue((cells[3]["outputs"] as! [[String: Any]]).isEmpty, "stops at the failing cell")
        XCTAssertTrue(cells[3]["execution_count"] is NSNull)

        let continued = try NotebookRunner(continueOnError: true).run(path: path)
        cells = continued.notebook["cells"] as! [[String: Any]]
        XCTAssertEqual((cells[3]["outputs"] as! [[String: Any]]).first?["text"] as? String, "three\n")
        XCTAssertEqual(cells[3]["execution_count"] as? Int, 3)
        let out = dir.appendingPathComponent("out.ipynb").path
        try NotebookFile.write(continued.notebook, to: out)
        try validateWithNbformat(out)
    }

    func testNotANotebookIsNamed() throws {
        let dir = try temporaryFolder(self)
        let path = try writeFile("{\"cells\": []}", "old.ipynb", in: dir)
        XCTAssertThrowsError(try NotebookRunner().run(path: path)) { error in
            XCTAssertTrue(String(describing: error).contains("old.ipynb: expected \"nbformat\": 4"), "\(error)")
        }
    }

    private func errorText(_ notebook: [String: Any]) -> String {
        let cells = notebook["cells"] as? [[String: Any]] ?? []
        return cells.flatMap { $0["outputs"] as? [[String: Any]] ?? [] }.compactMap { $0["evalue"] as? String }.joined(separator: "\n")
    }

    /// Validates against the nbformat 4 schema with Python's `nbformat` when it is installed.
    private func validateWithNbformat(_ path: String) throws {
        let candidates = [ProcessInfo.processInfo.environment["SFT_PYTHON"], root.appendingPathComponent(".venv-ref/bin/python").path,
                          "/work/main/.venv-ref/bin/python", "/usr/bin/python3"].compactMap { $0 }
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", "import sys, nbformat\nnb = nbformat.read(sys.argv[1], as_version=4)\nnbformat.validate(nb)", path]
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            process.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if message.contains("No module named 'nbformat'") { continue }
            XCTAssertEqual(process.terminationStatus, 0, "nbformat rejects \(path): \(message)")
            return
        }
        print("NotebookTests: skipped nbformat validation (no Python with nbformat; set SFT_PYTHON)")
    }
}
