import Foundation
import XCTest
@testable import Runtime
import TestSupport

final class ThreadingTests: XCTestCase {
    func testMatmulClassesFollowTheMeasuredRules() {
        XCTAssertEqual(ThreadPolicy.matmulClass(m: 1, n: 49152, k: 576), .rowVector)
        XCTAssertEqual(ThreadPolicy.matmulClass(m: 512, n: 1, k: 576), .rowVector)
        XCTAssertEqual(ThreadPolicy.matmulClass(m: 8, n: 8, k: 8), .small)
        XCTAssertEqual(ThreadPolicy.matmulClass(m: 512, n: 576, k: 576), .large)
        XCTAssertEqual(ThreadPolicy.blasThreads(m: 1, n: 49152, k: 576), 1, "GEMV must stay on one thread")
    }

    func testSetMaxThreadsDrivesLargeProductsAndLoops() {
        let saved = ThreadPolicy.maxThreads
        defer { ThreadPolicy.setMaxThreads(saved) }
        ThreadPolicy.setMaxThreads(3)
        XCTAssertEqual(ThreadPolicy.blasThreads(m: 512, n: 576, k: 576), 3)
        ThreadPolicy.setMaxThreads(1)
        XCTAssertEqual(ThreadPolicy.blasThreads(m: 512, n: 576, k: 576), 1)
    }

    func testParallelForCoversEveryIndexOnceAndHoldsBLASToOneThread() {
        let saved = ThreadPolicy.maxThreads
        defer { ThreadPolicy.setMaxThreads(saved) }
        ThreadPolicy.setMaxThreads(2)
        for count in [0, 1, 7, 33, 513] {
            var hits = [Int](repeating: 0, count: count)
            var insideThreads = [Int](repeating: 0, count: count)
            hits.withUnsafeMutableBufferPointer { hitBuffer in
                insideThreads.withUnsafeMutableBufferPointer { blasBuffer in
                    ThreadPolicy.parallelFor(count) { range in
                        for i in range {
                            hitBuffer[i] += 1
                            blasBuffer[i] = ThreadPolicy.blasThreads(m: 512, n: 512, k: 512)
                        }
                    }
                }
            }
            XCTAssertEqual(hits, [Int](repeating: 1, count: count), "count \(count)")
            if count > 1 { XCTAssertEqual(Set(insideThreads), [1], "BLAS must not nest inside our loop (count \(count))") }
        }
        XCTAssertEqual(ThreadPolicy.blasThreads(m: 512, n: 512, k: 512), 2, "the loop must restore large-product threads")
    }

    func testLoopsInsideALoopRunOnTheirCallersThread() {
        let saved = ThreadPolicy.maxThreads
        defer { ThreadPolicy.setMaxThreads(saved) }
        ThreadPolicy.setMaxThreads(2)
        XCTAssertEqual(ThreadPolicy.availableThreads, 2)
        var available = [Int](repeating: 0, count: 2), sameThread = [Bool](repeating: false, count: 2)
        var inner = [Int](repeating: 0, count: 2 * 100)
        available.withUnsafeMutableBufferPointer { available in
            sameThread.withUnsafeMutableBufferPointer { sameThread in
                inner.withUnsafeMutableBufferPointer { inner in
                    ThreadPolicy.parallelFor(2) { outer in
                        for o in outer {
                            available[o] = ThreadPolicy.availableThreads
                            let caller = pthread_self()
                            var allHere = true
                            ThreadPolicy.parallelFor(100) { range in
                                for i in range { inner[o * 100 + i] += 1 }
                                if pthread_equal(pthread_self(), caller) == 0 { allHere = false }
                            }
                            sameThread[o] = allHere
                        }
                    }
                }
            }
        }
        XCTAssertEqual(available, [1, 1], "a loop's body has one thread to itself")
        XCTAssertEqual(sameThread, [true, true], "the inner loop ran on the outer task's thread")
        XCTAssertEqual(inner, [Int](repeating: 1, count: 200), "every inner index once")
        XCTAssertEqual(ThreadPolicy.availableThreads, 2)
    }

    func testGradientCheckRejectsAWrongGradient() {
        // f(x) = sum x_i^3: the check accepts 3x^2 and rejects it with one entry nudged.
        let x: [Double] = [0.3, -1.2, 0.7]
        let numeric = centralDifferenceGradient(at: x) { $0.reduce(0) { $0 + $1 * $1 * $1 } }
        let exact = x.map { 3 * $0 * $0 }
        XCTAssertLessThan(gradientMismatch(exact, numeric), 1e-7)
        var wrong = exact
        wrong[1] += 1e-3
        XCTAssertGreaterThan(gradientMismatch(wrong, numeric), 1e-5)
    }
}

// MARK: - Shared by the kernel tests

/// SplitMix64: the same uniform numbers in [-1, 1) on every machine.
struct KernelsTestRNG {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }

    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in next() * scale }
    }
}

/// Central differences of f at x with step eps (float64).
func centralDifferenceGradient(at x: [Double], eps: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var probe = x
    return x.indices.map { i in
        probe[i] = x[i] + eps
        let up = f(probe)
        probe[i] = x[i] - eps
        let down = f(probe)
        probe[i] = x[i]
        return (up - down) / (2 * eps)
    }
}

/// Largest |analytic - numeric| / max(1, |numeric|).
func gradientMismatch(_ analytic: [Double], _ numeric: [Double]) -> Double {
    precondition(analytic.count == numeric.count, "gradientMismatch: \(analytic.count) vs \(numeric.count)")
    return zip(analytic, numeric).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
}

/// Sum of a * b (the scalar loss whose gradient w.r.t. b's producer is the backward given dOut = a).
func weightedSum(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
}

/// A committed JSON fixture under Tests/Fixtures/kernels.
struct KernelsFixture {
    let values: [String: Any]

    init(_ name: String) throws {
        let data = try Data(contentsOf: fixtureURL("kernels/\(name)"))
        values = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func int(_ key: String) -> Int { (values[key] as! NSNumber).intValue }
    func double(_ key: String) -> Double { (values[key] as! NSNumber).doubleValue }
    func floats(_ key: String) -> [Float] { (values[key] as! [NSNumber]).map { $0.floatValue } }
    func ints(_ key: String) -> [Int] { (values[key] as! [NSNumber]).map { $0.intValue } }
}
