import Foundation
import Runtime

/// `sft bench [peak|matmul|attention|xent ...] [--threads N]`: the microbenchmarks behind
/// `make bench` (scripts/bench/run). With no names it runs them all. Figures are meant to be
/// compared as ratios inside one run (the host is shared); performance is never asserted.
enum BenchCommand {
    /// The benchmarks `sft bench` runs by name, in order; all of them when none is named.
    static let benchmarkNames = ["peak", "matmul", "gemv", "attention", "xent", "load", "prefill", "decode", "train", "finetune"]

    static let usage = """
        usage: sft bench [peak|matmul|gemv|attention|xent|load|prefill|decode|train|finetune ...] [--threads N]
               sft bench tokenizer [...]   (encode throughput next to Rust tokenizers)
               sft bench quant             (frozen-base memory: Float32, NF4, int8)
               sft bench startup           (launch to a ready prompt, ms)
          peak       fp32 FMA peak of this machine, 1 and N threads
          matmul     GFLOP/s of the Linear shapes of a 135M model and GPT-2 124M, vs the peak
          gemv       one row x W (decode): fp32 sgemv vs GGUF Q4_1 / Q8_0 blocks, GB/s
          attention  causal/packed attention forward and backward, vs the naive twin
          xent       fused output projection + cross-entropy, vs the naive twin
          load       SmolLM2-135M-Instruct: GGUF to a ready model, seconds
          prefill    SmolLM2: prompt tokens/s (128-token prompt)
          decode     SmolLM2: greedy tokens/s, vs the memory-bandwidth bound of its weights
          train      SmolLM2: LoRA r=16 (q_proj,v_proj) training tokens/s, batch 4 x 256 random tokens
          finetune   SmolLM2: LoRA on recipe data: padded, padding-free, packed, QLoRA; tokens/s
                     and peak memory (run from the repository root)
          --threads  the most threads to use (default: SFT_THREADS or the core count)
        """

    static func main(_ arguments: [String]) -> Int32 {
        if arguments.first == "tokenizer" { return TokenizerBench.run(Array(arguments.dropFirst())) }
        if arguments.first == "quant" { return QuantBench.run(Array(arguments.dropFirst())) }
        if arguments.first == "startup" { return StartupBench.run(Array(arguments.dropFirst())) }
        if arguments.first == "finetune-mode", arguments.count >= 2 {  // one mode in a child process
            let threads = arguments.count >= 4 ? Int(arguments[3]) ?? ThreadPolicy.maxThreads : ThreadPolicy.maxThreads
            return TrainBench.runMode(arguments[1], threads: threads)
        }
        var names: [String] = []
        var threads = ThreadPolicy.maxThreads
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--threads":
                guard let value = rest.popFirst().flatMap({ Int($0) }), value >= 1 else {
                    print("sft bench: --threads needs a positive integer\n\(usage)")
                    return 2
                }
                threads = value
            case let name where benchmarkNames.contains(name):
                names.append(name)
            case "-h", "--help", "help":
                print(usage)
                return 0
            default:
                print("sft bench: unknown benchmark '\(argument)'\n\(usage)")
                return 2
            }
        }
        if names.isEmpty { names = benchmarkNames }
        let saved = ThreadPolicy.maxThreads
        defer { ThreadPolicy.setMaxThreads(saved) }
        print(BenchReport.header(threads: threads))
        if names.contains("peak") { print(PeakMeasurement.run(threads: threads).table()) }
        if names.contains("matmul") { print(MatmulBench.run(threads: threads)) }
        if names.contains("gemv") { print(GemvBench.run(threads: threads)) }
        if names.contains("attention") { print(AttentionBench.run(threads: threads)) }
        if names.contains("xent") { print(CrossEntropyBench.run(threads: threads)) }
        let modelBenches = names.filter { ["load", "prefill", "decode", "train"].contains($0) }
        if !modelBenches.isEmpty { print(ModelBench.run(modelBenches, threads: threads)) }
        if names.contains("finetune") { print(TrainBench.run(threads: threads)) }
        return 0
    }
}
