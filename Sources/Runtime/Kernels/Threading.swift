import CBLAS
import Dispatch
import Foundation
import Synchronization

/// The one place that decides how many threads a kernel uses.
///
/// Measured on this machine (docs/benchmarks.md): two OpenBLAS threads give 1.6-2x on large
/// matmuls when the host is idle, lose under contention, and lose about 3x on single-row
/// products (GEMV), whose cost is reading the weights, not arithmetic. So BLAS gets one thread for
/// row-vector and small products and `maxThreads` for large ones; our own row-parallel loops
/// split across `maxThreads` and force BLAS to one thread while they run, so the two kinds of
/// parallelism never nest.
///
/// Configure with the environment variable `SFT_THREADS` (read once, at first use) or
/// `ThreadPolicy.setMaxThreads(_:)`. `SFT_THREADS=1` makes every kernel single-threaded.
public enum ThreadPolicy {
    /// How a matrix product `[m,k] x [k,n]` is treated when choosing BLAS threads.
    public enum MatmulClass: Sendable, Equatable {
        /// One row or one column (GEMV-like): bandwidth bound; extra threads only add overhead.
        case rowVector
        /// Too little arithmetic to amortize waking a second thread.
        case small
        /// Compute bound: worth every thread allowed.
        case large
    }

    /// Products with fewer multiply-adds than this stay on one BLAS thread. 2^21 FMAs is about
    /// 50 us on one core here; the OpenBLAS thread wake-up and split cost is of that order.
    public static let largeProductFMAs = 1 << 21

    private static let configured = Atomic<Int>(0)      // 0: not yet read from the environment
    private static let blasThreadsSet = Atomic<Int>(0)  // last value given to OpenBLAS, 0: unknown
    private static let parallelDepth = Atomic<Int>(0)   // > 0 while our own parallel loop runs

    /// Threads kernels may use: `SFT_THREADS` if set to a positive integer, else the number of
    /// active processors (2 here; measured to be fastest on an idle host).
    public static var maxThreads: Int {
        let current = configured.load(ordering: .relaxed)
        if current > 0 { return current }
        let fromEnvironment = ProcessInfo.processInfo.environment["SFT_THREADS"].flatMap { Int($0) }
        let chosen = max(1, fromEnvironment ?? ProcessInfo.processInfo.activeProcessorCount)
        configured.store(chosen, ordering: .relaxed)
        return chosen
    }

    /// Threads a loop started here can use: `maxThreads`, or 1 inside another loop's body, which
    /// already occupies every thread (data-parallel training shards call kernels that loop too).
    /// Kernels that split work per thread size their splits by this, not by `maxThreads`.
    public static var availableThreads: Int { parallelDepth.load(ordering: .relaxed) > 0 ? 1 : maxThreads }

    /// Overrides `SFT_THREADS` for the rest of the process (tests, `sft bench`, the shell's
    /// `set threads`). `count` must be at least 1.
    public static func setMaxThreads(_ count: Int) {
        precondition(count >= 1, "ThreadPolicy.setMaxThreads: count must be >= 1, got \(count)")
        configured.store(count, ordering: .relaxed)
    }

    /// The class of the product `[m,k] x [k,n]`.
    public static func matmulClass(m: Int, n: Int, k: Int) -> MatmulClass {
        if m <= 1 || n <= 1 { return .rowVector }
        return m * n * k < largeProductFMAs ? .small : .large
    }

    /// BLAS threads for the product `[m,k] x [k,n]`; always 1 inside our own parallel loops.
    public static func blasThreads(m: Int, n: Int, k: Int) -> Int {
        if parallelDepth.load(ordering: .relaxed) > 0 { return 1 }
        return matmulClass(m: m, n: n, k: k) == .large ? maxThreads : 1
    }

    /// Sets OpenBLAS's thread count for a product `[m,k] x [k,n]`. Call right before each
    /// `cblas_sgemm`/`cblas_sgemv`; it only calls into OpenBLAS when the count changes.
    public static func prepareBLAS(m: Int, n: Int, k: Int) {
        let threads = blasThreads(m: m, n: n, k: k)
        setBLASThreads(threads)
        if threads > 1 { WorkerPool.shared.park() }
    }

    /// Sets OpenBLAS's thread count regardless of shape. For measuring (`sft bench`); kernels
    /// call `prepareBLAS(m:n:k:)` instead.
    public static func setBLASThreads(_ count: Int) {
        precondition(count >= 1, "ThreadPolicy.setBLASThreads: count must be >= 1, got \(count)")
        if blasThreadsSet.exchange(count, ordering: .relaxed) != count {
            openblas_set_num_threads(Int32(count))
        }
    }

    /// Weight bytes one thread should read at least in a bandwidth-bound product of packed
    /// rows (decode from quantized blocks): below it, waking a second thread costs more than it
    /// saves. Measured with `sft bench gemv`.
    public static let rowVectorBytesPerTask = 48 * 1024

    /// The `parallelFor` grain, in rows, for a row-by-row product over rows of `rowBytes` bytes.
    public static func rowVectorGrain(rowBytes: Int) -> Int {
        max(1, rowVectorBytesPerTask / max(1, rowBytes))
    }

    /// Runs `body` over `0..<count` split into contiguous ranges, one task per thread allowed.
    /// Ranges hold at least `grain` items so tiny loops stay on the calling thread. Bodies may call
    /// BLAS: it is held at one thread while the loop runs. Bodies must write disjoint memory.
    /// A loop started inside another one's body runs on its caller's thread (`availableThreads`).
    public static func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let tasks = min(availableThreads, max(1, count / max(1, grain)))
        if tasks == 1 {
            body(0..<count)
            return
        }
        parallelDepth.add(1, ordering: .relaxed)
        setBLASThreads(1)
        withoutActuallyEscaping(body) { body in
            let shared = DisjointWork(run: body)
            let task: @Sendable (Int) -> Void = { t in shared.run((t * count / tasks)..<((t + 1) * count / tasks)) }
            // The pool's awake workers start within a microsecond; Dispatch when it is busy.
            if !WorkerPool.shared.run(tasks: tasks, task) {
                DispatchQueue.concurrentPerform(iterations: tasks, execute: task)
            }
        }
        parallelDepth.subtract(1, ordering: .relaxed)
    }
}

/// A loop body shared across the threads of `ThreadPolicy.parallelFor`. Unchecked because the
/// bodies capture raw pointers; it is sound because each task writes a disjoint range and the
/// loop returns only after every task has finished.
private struct DisjointWork: @unchecked Sendable {
    let run: (Range<Int>) -> Void
}
