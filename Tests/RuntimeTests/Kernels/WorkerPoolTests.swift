import Dispatch
import Synchronization
import XCTest
@testable import Runtime

/// The awake worker pool behind `ThreadPolicy.parallelFor`: every task runs exactly once per
/// loop, loops follow each other without losing or repeating work, and a second caller while
/// the pool is busy falls back instead of waiting or interleaving.
final class WorkerPoolTests: XCTestCase {
    func testEveryTaskRunsOnceInThousandsOfShortLoops() {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        defer { counts.deallocate() }
        for loop in 0..<100_000 {
            let tasks = 1 + loop % 64
            counts.initialize(repeating: 0, count: 64)
            let ran = WorkerPool.shared.run(tasks: tasks) { t in counts[t] += 1 }  // tasks write disjoint slots
            XCTAssertTrue(ran)
            for t in 0..<64 where counts[t] != (t < tasks ? 1 : 0) {
                return XCTFail("loop \(loop): task \(t) ran \(counts[t]) times")
            }
        }
    }

    func testParallelForCoversTheRangeFromTwoCallersAtOnce() {
        ThreadPolicy.setMaxThreads(2)
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for round in 0..<500 {
                let count = 100 + 37 * round % 900
                let marks = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
                marks.initialize(repeating: 0, count: count)
                ThreadPolicy.parallelFor(count, grain: 10) { range in for i in range { marks[i] &+= 1 } }
                if (0..<count).contains(where: { marks[$0] != 1 }) { failures.add(1, ordering: .relaxed) }
                marks.deallocate()
            }
            _ = caller
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
    }
}
