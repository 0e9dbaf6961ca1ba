import Foundation
import Runtime
import TestSupport
import XCTest

/// A short LoRA run on SmolLM2-135M-Instruct with recipes/data/list-string-tasks.jsonl: the
/// training loss falls, and exact-match accuracy on held-out rows is measured before and after.
/// Sizes are small so `make test` stays quick; a longer run by hand (numbers in
/// docs/benchmarks.md) sets SFT_E2E_LORA_STEPS, SFT_E2E_LORA_TRAIN and SFT_E2E_LORA_EVAL.
final class SmolLM2LoRATests: XCTestCase {
    struct Row: Decodable { var instruction: String; var input: String; var output: String }

    private func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
    }

    func testLoRARaisesTrainingFitAndKeepsExactMatch() throws {
        let steps = setting("SFT_E2E_LORA_STEPS", 8), trainCount = setting("SFT_E2E_LORA_TRAIN", 8)
        let evalCount = setting("SFT_E2E_LORA_EVAL", 8), batchSize = 4
        let smol = try SmolLM2.load()
        let lines = try String(contentsOf: rowsURL, encoding: .utf8).split(separator: "\n")
        let rows = try lines.map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
        // Held-out rows come from the end of the file, training rows from its start.
        let train = Array(rows.prefix(trainCount)), heldOut = Array(rows.suffix(evalCount))
        let eos = try XCTUnwrap(smol.tokenizer.eosTokenId)

        let before = try exactMatches(smol, heldOut, eos: eos)
        try applyLoRA(LoRAConfig(r: 16, alpha: 32, targetModules: ["q_proj", "v_proj"]), to: smol.model, seed: 42)
        defer { _ = unloadLoRA(smol.model) }
        var optimizer = AdamW()
        var losses: [Double] = []
        for step in 0..<steps {
            let batch = (0..<batchSize).map { train[(step * batchSize + $0) % train.count] }
            let (input, labels) = try collate(smol, batch, eos: eos)
            let loss = smol.model.loss(input, labels: labels)
            let mean = loss.sum * (1 / Float(loss.count))
            optimizer.step(model: smol.model, gradients: mean.backward(), learningRate: 1e-3)
            losses.append(Double(mean.item))
        }
        let after = try exactMatches(smol, heldOut, eos: eos)
        print("SmolLM2 LoRA: \(steps) steps, losses \(losses.map { String(format: "%.3f", $0) }); held-out exact match \(before)/\(evalCount) -> \(after)/\(evalCount)")
        let window = max(1, steps / 4)
        let first = losses.prefix(window).reduce(0, +) / Double(window), last = losses.suffix(window).reduce(0, +) / Double(window)
        XCTAssertLessThan(last, 0.7 * first, "loss should fall: \(losses)")
        XCTAssertGreaterThanOrEqual(after, before, "LoRA made held-out exact match worse")
    }

    private var rowsURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("recipes/data/list-string-tasks.jsonl")
    }

    private func prompt(_ smol: SmolLM2, _ row: Row) throws -> [Int] {
        smol.tokenizer.encode(try smol.render(user: row.instruction + "\n" + row.input), addSpecialTokens: false)
    }

    /// Right-padded rows (pad = EOS, unsupervised); labels supervise the answer and its EOS.
    private func collate(_ smol: SmolLM2, _ rows: [Row], eos: Int) throws -> (ModelInput, [Int]) {
        let examples = try rows.map { row -> (ids: [Int], labels: [Int]) in
            let p = try prompt(smol, row), answer = smol.tokenizer.encode(row.output, addSpecialTokens: false) + [eos]
            return (p + answer, [Int](repeating: -100, count: p.count) + answer)
        }
        let length = examples.map(\.ids.count).max()!
        var ids: [Int] = [], labels: [Int] = []
        for e in examples {
            ids += e.ids + [Int](repeating: eos, count: length - e.ids.count)
            labels += e.labels + [Int](repeating: -100, count: length - e.ids.count)
        }
        return (ModelInput(ids: ids, batch: rows.count, length: length), labels)
    }

    private func exactMatches(_ smol: SmolLM2, _ rows: [Row], eos: Int) throws -> Int {
        try rows.filter { row in
            let out = generate(smol.model, tokenizer: smol.tokenizer, prompt: try prompt(smol, row),
                               options: SamplingOptions(maxNewTokens: 24, stopTokenIds: [eos]))
            return out.text.trimmingCharacters(in: .whitespacesAndNewlines) == row.output
        }.count
    }
}

/// Replaces every LoRA layer by its base layer again and unfreezes the model, so the shared
/// model is as loaded for the next test. Returns the paths restored.
private func unloadLoRA(_ model: Module) -> [String] {
    let layers = loraLayers(of: model)
    for (path, layer) in layers { try? model.replace(path: path, with: layer.child("base_layer") as Module) }
    _ = model.unfreeze(matching: "*")
    return layers.map(\.path)
}
