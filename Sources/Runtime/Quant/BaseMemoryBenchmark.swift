import Foundation

/// One measurement of `measureFrozenBaseMemory`.
public struct BaseMemoryReport: Sendable, Equatable {
    /// "float32", "nf4" or "int8".
    public var format: String
    /// Bytes the frozen weights occupy in this format.
    public var weightBytes: Int
    /// Peak resident memory during build + forward + backward, minus the resident memory
    /// before the model was built (bytes).
    public var peakResidentIncrease: Int
    /// Wall time of the forward + backward (seconds).
    public var stepSeconds: Double
}

/// Peak-memory benchmark of a frozen base: a stack of `layers` square linear layers
/// (`features` wide, no bias) is built in the given format (nil = Float32; quantized layers
/// are quantized one at a time, so all Float32 weights never coexist), then one forward and
/// backward (gradient for the input only, as under LoRA) runs on `tokens` rows. Peak memory
/// is the kernel's high-water mark (VmHWM, reset through /proc/self/clear_refs before the
/// build); where that cannot be reset, getrusage's lifetime maximum is used, which only
/// grows: then measure the smaller configuration first, or one per process. Before the
/// baseline, one warm-up product runs and freed heap pages are returned to the system.
public func measureFrozenBaseMemory(layers: Int, features: Int, tokens: Int, format: BaseQuantization?,
                                    seed: UInt64 = 42) -> BaseMemoryReport {
    settleMemory(features: features, tokens: tokens)
    let baseline = residentBytes(field: "VmRSS:") ?? 0
    resetPeakResident()
    var generator = SeededGenerator(seed: seed)
    var stack: [any LinearLayer] = []
    var weightBytes = 0
    for _ in 0..<layers {
        let plain = Linear(features, features, bias: false, generator: &generator)
        plain.freeze()
        switch format {
        case nil:
            stack.append(plain); weightBytes += 4 * plain.weight.count
        case .nf4(let double)?:
            let q = NF4Linear(quantizing: plain, doubleQuantize: double)
            stack.append(q); weightBytes += q.weight.byteCount
        case .int8(let threshold)?:
            let q = Int8Linear(quantizing: plain, threshold: threshold)
            stack.append(q); weightBytes += q.weight.byteCount
        }
    }
    let x = Tensor.randn([tokens, features], std: 0.5, generator: &generator)
    x.requiresGrad = true
    let start = Date()
    var h = x
    for layer in stack { h = layer(h).silu() }
    let gradients = h.sum().backward()
    let seconds = Date().timeIntervalSince(start)
    precondition(gradients[x] != nil, "measureFrozenBaseMemory: no input gradient")
    let peak = residentBytes(field: "VmHWM:") ?? peakResidentFromRusage()
    let name: String
    switch format {
    case nil: name = "float32"
    case .nf4?: name = "nf4"
    case .int8?: name = "int8"
    }
    return BaseMemoryReport(format: name, weightBytes: weightBytes, peakResidentIncrease: max(0, peak - baseline),
                            stepSeconds: seconds)
}

/// Makes the baseline honest: one product of the measured shape first, so OpenBLAS's one-time
/// buffer pool is already resident, then freed heap pages are returned to the system
/// (malloc_trim), so earlier measurements' leftovers are not silently reused.
private func settleMemory(features: Int, tokens: Int) {
    var generator = SeededGenerator(seed: 0)
    let layer = Linear(features, features, bias: false, generator: &generator)
    _ = withNoGrad { layer(Tensor.zeros([tokens, features])) }
    // glibc's malloc_trim is not in Swift's Glibc module (malloc.h); look it up at run time.
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
        typealias MallocTrim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }
}

/// A "kB" line of /proc/self/status in bytes (Linux), or nil.
private func residentBytes(field: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
          let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
    return kb * 1024
}

/// Resets VmHWM to the current RSS (Linux: write "5" to /proc/self/clear_refs).
private func resetPeakResident() {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return }
    try? handle.write(contentsOf: Data("5".utf8))
    try? handle.close()
}

private func peakResidentFromRusage() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024   // kilobytes on Linux
}
