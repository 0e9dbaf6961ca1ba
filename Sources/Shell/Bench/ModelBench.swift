import Foundation
import Runtime

/// `sft bench load|prefill|decode|train`: SmolLM2-135M-Instruct from the model cache, end to
/// end, on 1 and N threads. Decode runs twice: with the weights dequantized to Float32 and with
/// the GGUF blocks kept packed (`model load ... weights=packed`); each is compared with the
/// memory-bandwidth bound of the bytes it reads per token, with the read bandwidth measured in
/// the same run. Training is LoRA r=16 on q_proj,v_proj, batch 4 x 256 tokens, AdamW, as in
/// scripts/bench/model_ref.py (transformers + PEFT).
enum ModelBench {
    static let promptTokens = 128
    static let decodeTokens = 64
    static let trainBatch = 4, trainLength = 256, trainSteps = 2
    /// Read bandwidth of this machine when idle (docs/FACTS): the bound uses the larger of it and
    /// the figure measured in the run, which a loaded host drags down.
    static let idleBandwidth = 12e9

    static var modelURL: URL { ModelCache.smolLM2 }

    static func run(_ names: [String], threads: Int) -> String {
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            return "\nSmolLM2 benchmarks skipped: \(modelURL.path) absent (scripts/fetch-model smollm2-135m-instruct)"
        }
        var rows: [[String]] = []
        let counts = threads > 1 ? [1, threads] : [1]
        do {
            var (model, seconds) = try timedLoad()
            if names.contains("load") { rows.append(["load (checkpoint + weights)", "-", BenchReport.fixed(seconds, 2) + " s", ""]) }
            if names.contains("prefill") || names.contains("decode") {
                let bandwidth = readBandwidth()
                rows.append(["read bandwidth (measured now)", "1", BenchReport.fixed(bandwidth / 1e9, 1) + " GB/s", ""])
                let (packed, packedSeconds) = try timedLoad(packed: true)
                if names.contains("load") {
                    rows.append(["load, weights packed", "-", BenchReport.fixed(packedSeconds, 2) + " s", ""])
                }
                for t in counts {
                    ThreadPolicy.setMaxThreads(t)
                    if names.contains("prefill") {
                        rows.append(["prefill \(promptTokens) tokens", "\(t)", BenchReport.fixed(prefillRate(model)) + " tok/s", ""])
                    }
                    guard names.contains("decode") else { continue }
                    for (weights, network) in [("fp32", model), ("packed", packed)] {
                        let (rate, cpu) = decodeRate(network), bytes = Double(decodeWeightBytes(of: network))
                        let bound = max(bandwidth, idleBandwidth) / bytes
                        rows.append(["decode \(decodeTokens) tokens, \(weights)", "\(t)", BenchReport.fixed(rate) + " tok/s",
                                     "\(BenchReport.fixed(100 * rate / bound, 0))% of bound \(BenchReport.fixed(bound)) tok/s "
                                        + "(\(BenchReport.fixed(bytes / 1e6)) MB/token), main thread "
                                        + "\(BenchReport.fixed(cpu * 1e3, 1)) ms CPU/token"])
                    }
                }
            }
            if names.contains("train") {
                try applyLoRA(LoRAConfig(r: 16, alpha: 32, targetModules: ["q_proj", "v_proj"]), to: model)
                for t in counts {
                    ThreadPolicy.setMaxThreads(t)
                    rows.append(["LoRA train \(trainBatch)x\(trainLength)", "\(t)", BenchReport.fixed(trainRate(model)) + " tok/s", ""])
                }
                (model, _) = try timedLoad()
            }
        } catch {
            return "\nSmolLM2 benchmarks failed: \(error)"
        }
        return BenchReport.table("SmolLM2-135M-Instruct (\(modelURL.lastPathComponent); fp32: weights dequantized, packed: GGUF blocks kept)",
                                 ["what", "threads", "speed", "note"], rows)
    }

    private static func timedLoad(packed: Bool = false) throws -> (any CausalLM, Double) {
        let start = Date()
        let checkpoint = try ModelCheckpoint.load(from: modelURL)
        let model = packed ? try loadCausalLMKeepingQuantizedWeights(checkpoint).model : try loadCausalLM(checkpoint)
        return (model, Date().timeIntervalSince(start))
    }

    private static func tokens(_ count: Int, vocab: Int, seed: UInt64 = 3) -> [Int] {
        BenchReport.randomFloats(count, seed: seed).map { Int(abs($0) * Float(vocab - 1)) }
    }

    /// Prompt tokens per second of a prefill into a fresh cache (the last position's logits included).
    private static func prefillRate(_ model: any CausalLM) -> Double {
        let prompt = tokens(promptTokens, vocab: model.config.vocabSize)
        let seconds = BenchReport.bestSeconds(minSeconds: 1, maxRepeats: 3) {
            let cache = KVCache(config: model.config, capacity: promptTokens)
            withNoGrad { _ = nextToken(model, prompt, cache: cache) }
        }
        return Double(promptTokens) / seconds
    }

    /// Greedy tokens per second after a 16-token prompt, each step one token through the cache,
    /// and the calling thread's CPU seconds per token (the least of the runs): on a shared host
    /// the wall-clock rate falls when another process takes the cores, the CPU time much less.
    private static func decodeRate(_ model: any CausalLM) -> (tokensPerSecond: Double, cpuSecondsPerToken: Double) {
        let prompt = tokens(16, vocab: model.config.vocabSize)
        var cpu = Double.infinity
        let seconds = BenchReport.bestSeconds(minSeconds: 1, maxRepeats: 2) {
            let cache = KVCache(config: model.config, capacity: prompt.count + decodeTokens)
            let start = threadCPUSeconds()
            withNoGrad {
                var token = nextToken(model, prompt, cache: cache)
                for _ in 0..<decodeTokens { token = nextToken(model, [token], cache: cache) }
            }
            cpu = min(cpu, threadCPUSeconds() - start)
        }
        // Both include one short prefill: a slight underestimate of the rate.
        return (Double(decodeTokens) / seconds, cpu / Double(decodeTokens))
    }

    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Runs `ids` after the cached tokens and returns the argmax of the last position's logits.
    private static func nextToken(_ model: any CausalLM, _ ids: [Int], cache: KVCache) -> Int {
        let logits = nextTokenLogits(model, tokens: ids, cache: cache)
        return logits.indices.max { logits[$0] < logits[$1] } ?? 0
    }

    /// Trained tokens per second: forward, backward and an AdamW step per batch.
    private static func trainRate(_ model: any CausalLM) -> Double {
        let n = trainBatch * trainLength
        let input = ModelInput(ids: tokens(n, vocab: model.config.vocabSize, seed: 9), batch: trainBatch, length: trainLength)
        var optimizer = AdamW()
        let seconds = BenchReport.bestSeconds(minSeconds: 0, maxRepeats: trainSteps) {
            let loss = model.loss(input, labels: input.ids)
            let gradients = (loss.sum * (1 / Float(max(loss.count, 1)))).backward()
            optimizer.step(model: model, gradients: gradients, learningRate: 1e-4)
        }
        return Double(n) / seconds
    }

    /// Bytes per second of one thread summing a 256 MB buffer (the decode bound's denominator).
    private static func readBandwidth() -> Double {
        let count = 64 << 20
        let buffer = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: count / 8)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: SIMD8(repeating: 1), count: count / 8)
        var sink = SIMD8<Float>()
        let seconds = BenchReport.bestSeconds(minSeconds: 0.5, maxRepeats: 4) {
            var a = SIMD8<Float>(), b = SIMD8<Float>(), c = SIMD8<Float>(), d = SIMD8<Float>()
            for i in stride(from: 0, to: count / 8, by: 4) {
                a += buffer[i]; b += buffer[i + 1]; c += buffer[i + 2]; d += buffer[i + 3]
            }
            sink += a + b + c + d
        }
        if sink.sum() == -1 { print("") }  // keeps the loop from being optimized away
        return Double(count * 4) / seconds
    }
}
