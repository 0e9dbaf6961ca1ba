import Foundation
import Runtime
import TestSupport
import XCTest

final class EvalReportTests: XCTestCase {
    func testPerplexityCountsWholeSequencesAndCompletionsApart() throws {
        var p = PerplexityAccumulator()
        XCTAssertNil(p.loss)
        try p.add(nll: [1, 2, 3], isCompletion: [false, true, true])
        try p.add(nll: [0.5, 1.5], isCompletion: [false, false])
        assertClose(p.loss!, 8.0 / 5)
        assertClose(p.perplexity!, exp(8.0 / 5))
        assertClose(p.completionLoss!, 2.5)
        assertClose(p.completionPerplexity!, exp(2.5))
        XCTAssertEqual(p.tokenCount, 5)
        XCTAssertEqual(p.completionTokenCount, 2)
        XCTAssertEqual(p.metrics.map(\.name), ["loss", "perplexity", "completion_loss", "completion_perplexity"])
        XCTAssertThrowsError(try p.add(nll: [1], isCompletion: []))
        XCTAssertThrowsError(try p.add(nll: [.nan], isCompletion: [true])) {
            XCTAssertEqual($0 as? EvalInputError, .notFinite(what: "nll", index: 0))
        }
        XCTAssertEqual(p.tokenCount, 5, "a rejected sequence leaves the totals alone")
    }

    func testPerLabelScores() throws {
        let m = try LabelMetrics(predictions: ["a", "b", "a", "c", "caf\u{E9}"], references: ["a", "a", "b", "c", "cafe\u{301}"])
        XCTAssertEqual(m.labels.map(\.label), ["a", "b", "c", "cafe\u{301}", "caf\u{E9}"])
        XCTAssertEqual(m.labels.map(\.f1), [0.5, 0, 1, 0, 0])
        XCTAssertEqual(m.labels.map(\.support), [2, 1, 1, 1, 0])
        XCTAssertEqual(m.accuracy, 0.4)
        assertClose(m.macroF1, 1.5 / 5)
    }

    func testTextMetricsComputeInOrder() throws {
        let m = try TextMetric.compute([.exactMatch, .bleu, .rougeL, .accuracy],
                                       predictions: ["the cat", "a dog"], references: [["The cat"], ["the dog"]])
        XCTAssertEqual(m.map(\.name), ["exact_match", "bleu", "rougeL", "accuracy"])
        XCTAssertEqual(m[0].value, 0.5)
        XCTAssertEqual(m[3].value, 0.5)
        assertClose(m[2].value, 0.75)
    }

    func testEvaluationRunAsksTheModelAndScoresItsAnswers() throws {
        let examples = [EvalExample(prompt: "2+2=", references: ["4"]), EvalExample(prompt: "capital of France?", references: ["Paris"]),
                        EvalExample(prompt: "3+3=", references: ["6"])]
        var seen: [Int] = []
        let result = try Evaluation.run(
            model: "base", dataset: "toy", examples: examples, metrics: [.exactMatch, .tokenF1],
            generate: { $0.hasSuffix("=") ? "4" : "paris" },
            tokenLosses: { TokenLosses(nll: [1, Double($0.prompt.count % 3)], isCompletion: [false, true]) },
            progress: { seen.append($0.done); return true })
        XCTAssertEqual(seen, [1, 2, 3])
        XCTAssertEqual(result.predictions.map(\.prediction), ["4", "paris", "4"])
        XCTAssertEqual(result.report.exampleCount, 3)
        assertClose(result.report["exact_match"]!, 2.0 / 3)
        XCTAssertEqual(result.report.metrics.map(\.name),
                       ["exact_match", "token_f1", "loss", "perplexity", "completion_loss", "completion_perplexity"])
        assertClose(result.report["completion_loss"]!, Double(4 % 3 + 18 % 3 + 4 % 3) / 3)

        let stopped = try Evaluation.run(model: "base", dataset: "toy", examples: examples, metrics: [.exactMatch],
                                         generate: { _ in "4" }, tokenLosses: nil, progress: { $0.done < 2 })
        XCTAssertEqual(stopped.report.exampleCount, 2)
        XCTAssertEqual(stopped.report["exact_match"], 0.5)
        XCTAssertNil(stopped.report["loss"])
    }

    func testReportRoundTripsThroughJSONAndWritesPredictions() throws {
        let report = EvalReport(model: "base", dataset: "data/test.jsonl", exampleCount: 2, metrics: [
            EvalMetric(name: "bleu", value: 12.5),
            EvalMetric(name: "perplexity", value: .infinity, higherIsBetter: false),
        ])
        let json = String(decoding: try report.jsonData(), as: UTF8.self)
        XCTAssertTrue(json.contains("\"perplexity\" : \"inf\""), json)
        XCTAssertTrue(json.contains("\"example_count\" : 2"), json)
        let back = try EvalReport(jsonData: try report.jsonData())
        XCTAssertEqual(back, report)

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("evalreport-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let predictions = [PredictionRecord(index: 0, prompt: "Q: 1+1?", prediction: "2", references: ["2"]),
                           PredictionRecord(index: 1, prompt: "Q: \"hi\"\n", prediction: "héllo", references: ["hello", "hi"])]
        try report.write(to: dir, predictions: predictions)
        let lines = try String(contentsOf: dir.appendingPathComponent("predictions.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let decoded = try lines.map { try JSONDecoder().decode(PredictionRecord.self, from: Data($0.utf8)) }
        XCTAssertEqual(decoded, predictions)
        XCTAssertEqual(try EvalReport(jsonData: Data(contentsOf: dir.appendingPathComponent("metrics.json"))), report)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(leftovers, ["metrics.json", "predictions.jsonl"], "no temporary files remain")
    }

    func testComparisonKnowsWhichWayIsBetter() {
        let base = EvalReport(model: "base", dataset: "d", exampleCount: 3, metrics: [
            EvalMetric(name: "bleu", value: 10), EvalMetric(name: "loss", value: 2.0, higherIsBetter: false),
            EvalMetric(name: "exact_match", value: 0.5),
        ])
        let adapter = EvalReport(model: "adapter", dataset: "d", exampleCount: 3, metrics: [
            EvalMetric(name: "bleu", value: 15), EvalMetric(name: "loss", value: 2.5, higherIsBetter: false),
            EvalMetric(name: "chrf", value: 40),
        ])
        let c = EvalComparison(base: base, candidate: adapter)
        XCTAssertEqual(c.rows.map(\.name), ["bleu", "loss", "exact_match", "chrf"])
        XCTAssertEqual(c.rows[0].delta, 5)
        XCTAssertEqual(c.rows[0].candidateIsBetter, true)
        XCTAssertEqual(c.rows[1].candidateIsBetter, false)
        XCTAssertNil(c.rows[2].candidate)
        XCTAssertNil(c.rows[3].base)
        XCTAssertNil(c.rows[3].candidateIsBetter)
    }
}
