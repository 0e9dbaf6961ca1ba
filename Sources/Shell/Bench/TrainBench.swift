import Foundation
import Runtime

/// `sft bench finetune`: LoRA training on SmolLM2-135M-Instruct with real SFT data, the setting
/// of the SFT issue (fp32, batch 4, max_len 256, LoRA r=16 on q_proj,v_proj, completion-only
/// loss): 64 rows from four recipe data sets (short list tasks next to long
/// summaries, so lengths are skewed), in one seeded order. Four ways, each in a fresh process so
/// its peak resident memory is its own:
///   padded        rows right-padded to the longest of the batch and computed with their padding
///                 (what TRL's collator hands transformers)
///   padding-free  the same batches with the padding removed and the rows split into one shard
///                 per thread: the trainer's own step (`shardedLossAndGradients`), as are the
///                 three modes below
///   packed        examples best-fit packed into rows of 256 tokens
///   qlora         padding-free over an NF4 base (quantized from the Float32 load)
///   gguf-4bit     padding-free over the GGUF's own Q4_1 blocks (`model load ... weights=packed`)
/// Tokens/s counts real (not padding) tokens. Peak memory is the training phase's: the
/// high-water mark is reset after loading and quantizing (scripts/bench/finetune_ref.py does the
/// same), so a Float32 load that QLoRA quantizes away does not count. The batches are written to
/// `.build/bench/finetune-batches.json` for scripts/bench/finetune_ref.py, which runs
/// transformers + PEFT on exactly the same padded batches.
enum TrainBench {
    static let modes = ["padded", "padding-free", "packed", "qlora", "gguf-4bit"]
    static let rowsPerFile = 64, batchSize = 4, maxLength = 256, steps = 8
    static let batchesFile = URL(fileURLWithPath: ".build/bench/finetune-batches.json")

    /// Runs every mode in a child process and tabulates them.
    static func run(threads: Int) -> String {
        guard FileManager.default.fileExists(atPath: ModelBench.modelURL.path) else {
            return "\nfine-tuning benchmark skipped: \(ModelBench.modelURL.path) absent (scripts/fetch-model smollm2-135m-instruct)"
        }
        var rows: [[String]] = []
        for mode in modes {
            let result = runChild(["bench", "finetune-mode", mode, "--threads", "\(threads)"])
            let fields = result.split(separator: " ")
            guard fields.count == 3, let rate = Double(fields[0]), let peak = Double(fields[1]), let fill = Double(fields[2]) else {
                rows.append([mode, "\(threads)", "failed: \(result)", "", ""])
                continue
            }
            rows.append([mode, "\(threads)", BenchReport.fixed(rate) + " tok/s", BenchReport.fixed(peak / 1e6, 0) + " MB",
                         BenchReport.fixed(100 * fill, 0) + "%"])
        }
        return BenchReport.table("SmolLM2 LoRA r=16 q_proj,v_proj, batch \(batchSize), max_len \(maxLength), \(steps) steps on recipe data "
                                 + "(fill: real tokens over computed positions)",
                                 ["mode", "threads", "speed", "peak RSS", "fill"], rows)
    }

    /// One mode, in this process: prints "tokens/s peakBytes fill".
    static func runMode(_ mode: String, threads: Int) -> Int32 {
        do {
            ThreadPolicy.setMaxThreads(threads)
            let model = try LoadedModel.load(from: ModelBench.modelURL, weights: mode == "gguf-4bit" ? .packed : .float32)
            let dataset = try recipeExamples(model)
            let padId = try paddingTokenId(of: model.tokenizer)
            let schedule = try EpochSchedule(dataset: dataset, batchSize: batchSize, seed: 42, padId: padId,
                                             packCapacity: mode == "packed" ? maxLength : nil)
            let batches = (0..<min(steps + 1, schedule.batchesPerEpoch)).map { schedule.batch(at: DataPosition(epoch: 0, batch: $0)) }
            if mode == "padded" { try writeBatches(batches) }
            if mode == "qlora" { _ = quantizeBase(model.network, as: .nf4()) }
            try model.applyLoRA(LoRAConfig(r: 16, alpha: 32, targetModules: ["q_proj", "v_proj"]))
            resetPeakResident()
            model.network.train(true)
            var optimizer = AdamW()
            func step(_ batch: TokenBatch) {
                let gradients: Gradients
                if mode == "padded" {
                    let input = ModelInput(ids: batch.inputIds, batch: batch.rows, length: batch.length, positions: batch.positionIds)
                    let loss = model.network.loss(input, labels: batch.labels)
                    gradients = (loss.sum * (1 / Float(max(loss.count, 1)))).backward()
                } else {
                    // The trainer's own step: rows without padding, split across threads.
                    gradients = shardedLossAndGradients(model.network, batch, normalizer: supervisedTargets(batch)).gradients
                }
                optimizer.step(model: model.network, gradients: gradients, learningRate: 1e-4)
            }
            step(batches[0])  // warm-up: first-touch of weights and scratch
            let start = Date()
            for batch in batches.dropFirst() { step(batch) }
            let seconds = Date().timeIntervalSince(start)
            let timed = batches.dropFirst()
            let tokens = timed.reduce(0) { $0 + $1.realTokens }
            let computed = timed.reduce(0) { $0 + (mode == "padded" ? $1.rows * $1.length : $1.realTokens) }
            print("\(Double(tokens) / seconds) \(peakResidentBytes()) \(Double(tokens) / Double(max(computed, 1)))")
            return 0
        } catch {
            print("error: \(error)")
            return 1
        }
    }

    /// 64 rows of each recipe data set, tokenized as training sees them, re-indexed as one set.
    private static func recipeExamples(_ model: LoadedModel) throws -> TokenizedDataset {
        let folder = URL(fileURLWithPath: "recipes/data")
        var examples: [TokenizedExample] = []
        var summary = TokenizationSummary()
        for name in ["list-string-tasks", "summarize", "code-gen", "chat"] {
            let data = try WorkingData.load(folder.appendingPathComponent(name + ".jsonl"), limit: rowsPerFile)
            for example in try data.tokenized(.train, model: model, maxLength: maxLength).examples {
                examples.append(TokenizedExample(inputIds: example.inputIds, labels: example.labels, index: examples.count,
                                                 line: example.line))
            }
        }
        summary.rows = examples.count
        summary.kept = examples.count
        return TokenizedDataset(examples: examples, summary: summary)
    }

    /// The padded batches as JSON: [[{"input_ids": [...], "labels": [...]}, ...], ...].
    private static func writeBatches(_ batches: [TokenBatch]) throws {
        let json = batches.map { batch in
            (0..<batch.rows).map { r -> [String: [Int]] in
                let row = (r * batch.length)..<((r + 1) * batch.length)
                let real = row.filter { batch.sequenceIds[$0] >= 0 }
                return ["input_ids": real.map { batch.inputIds[$0] }, "labels": real.map { batch.labels[$0] }]
            }
        }
        try FileManager.default.createDirectory(at: batchesFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: json).write(to: batchesFile, options: .atomic)
    }

    /// Starts the high-water mark again from the current resident set (Linux: clear_refs 5).
    private static func resetPeakResident() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// VmHWM of this process (peak resident set), in bytes; 0 where /proc is absent.
    private static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb * 1024
    }

    /// Runs this executable with `arguments` and returns its last line of output.
    private static func runChild(_ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return "could not start: \(error)" }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return output.split(separator: "\n").last.map(String.init) ?? "no output"
    }
}
