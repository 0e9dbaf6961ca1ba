import Dispatch
import Foundation
import Synchronization

/// Threads that stay awake for a moment between parallel loops, so a loop of a few tens of
/// microseconds (one decode product) can be split without paying a thread wake-up each time:
/// a decode step runs ~200 such loops per token. After `spinNanoseconds` without work a worker
/// sleeps on its semaphore, so an idle process burns no CPU.
///
/// One loop runs at a time: `run` returns false when another thread is using the pool (the
/// caller then falls back to Dispatch). The caller and the workers claim tasks from one ticket
/// counter, so on a loaded host, where a worker may not get a core, the caller runs the tasks
/// itself instead of waiting. A ticket carries its loop's generation and task count, so a late
/// worker can never claim (or call the body of) a later loop: reading a plain `tasks` of the next
/// loop beside a ticket of the last one let a task run twice (WorkerPoolTests caught it).
final class WorkerPool: @unchecked Sendable {
    /// How long a worker polls for the next loop before it sleeps; decode loops follow each
    /// other within a few microseconds, training's large BLAS calls leave it asleep.
    static let spinNanoseconds: UInt64 = 200_000
    private static let generationMask = (1 << 23) - 1

    /// Helpers for up to `activeProcessorCount` threads in all (the caller is one of them).
    static let shared = WorkerPool(workers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    let workers: Int
    private let generation = Atomic<Int>(0)
    /// (generation mod 2^23) << 40 | task count << 20 | index of the next unclaimed task. The
    /// generation wraps after 8M loops (a decode runs ~200 per token), so it is compared masked.
    private let ticket = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let inUse = Atomic<Bool>(false)
    /// Set when a multi-threaded BLAS call is about to run: polling workers go to sleep at once
    /// instead of taking a core from BLAS's own threads. Cleared by the next loop.
    private let parkRequested = Atomic<Bool>(false)
    /// Bit w set: worker w sleeps (or is about to) and needs its semaphore signalled.
    private let asleep = Atomic<Int>(0)
    private let wakeUps: [DispatchSemaphore]
    // Written by the caller before `generation` is bumped; read only after a successful claim,
    // when its loop cannot end before the claimed task does.
    private var body: ((Int) -> Void)?

    private init(workers: Int) {
        precondition(workers < Int.bitWidth, "WorkerPool: \(workers) workers do not fit the sleep mask")
        self.workers = workers
        wakeUps = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        for w in 0..<workers {
            let thread = Thread { [unowned self] in self.workerLoop(index: w) }
            thread.name = "sft-worker-\(w + 1)"
            thread.start()
        }
    }

    /// Runs `body(t)` for t in 0..<tasks on the calling thread and the awake workers, and
    /// returns when all have finished. False (nothing ran) when the pool is busy with another
    /// caller's loop.
    func run(tasks: Int, _ body: @escaping (Int) -> Void) -> Bool {
        guard tasks >= 1, tasks < 1 << 20,
              inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        self.body = body
        parkRequested.store(false, ordering: .relaxed)
        finished.store(0, ordering: .relaxed)
        let current = generation.load(ordering: .relaxed) + 1
        ticket.store((current & Self.generationMask) << 40 | tasks << 20, ordering: .relaxed)
        generation.store(current, ordering: .sequentiallyConsistent)
        let sleeping = asleep.exchange(0, ordering: .sequentiallyConsistent)
        for w in 0..<workers where sleeping & (1 << w) != 0 { wakeUps[w].signal() }
        runClaimedTasks(of: current)
        var polls = 0
        while finished.load(ordering: .acquiring) < tasks {
            polls += 1
            if polls % 1024 == 0 { sched_yield() }
        }
        self.body = nil
        inUse.store(false, ordering: .releasing)
        return true
    }

    /// Claims and runs tasks of loop `loop` until none are left (or a later loop has begun).
    /// The body is read only after a claim succeeds: its loop cannot end before that task does.
    private func runClaimedTasks(of loop: Int) {
        while true {
            let value = ticket.load(ordering: .acquiring)
            let index = value & 0xF_FFFF, count = (value >> 20) & 0xF_FFFF
            guard (value >> 40) & Self.generationMask == loop & Self.generationMask, index < count else { return }
            guard ticket.compareExchange(expected: value, desired: value + 1, ordering: .acquiringAndReleasing).exchanged
            else { continue }
            body?(index)
            finished.add(1, ordering: .releasing)
        }
    }

    /// Sends polling workers to sleep now (a multi-threaded BLAS call needs the cores).
    func park() {
        if !parkRequested.load(ordering: .relaxed) { parkRequested.store(true, ordering: .relaxed) }
    }

    private func workerLoop(index w: Int) {
        var seen = 0
        while true {
            seen = nextGeneration(after: seen, worker: w)
            runClaimedTasks(of: seen)
        }
    }

    /// Polls for a generation newer than `seen`, then sleeps until woken. The sleeping flag is
    /// set before the last look at `generation` and the caller bumps `generation` before it
    /// looks at the flag (both sequentially consistent), so a new loop is never missed.
    private func nextGeneration(after seen: Int, worker w: Int) -> Int {
        var deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        var polls = 0
        while true {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            polls += 1
            if polls % 256 != 0 { continue }
            if !parkRequested.load(ordering: .relaxed), DispatchTime.now().uptimeNanoseconds < deadline { continue }
            asleep.bitwiseOr(1 << w, ordering: .sequentiallyConsistent)
            if generation.load(ordering: .sequentiallyConsistent) != seen {
                // Work arrived meanwhile: take the bit back, or consume the wake-up already sent.
                let before = asleep.bitwiseAnd(~(1 << w), ordering: .sequentiallyConsistent).oldValue
                if before & (1 << w) == 0 { wakeUps[w].wait() }
                continue
            }
            wakeUps[w].wait()
            deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        }
    }
}
