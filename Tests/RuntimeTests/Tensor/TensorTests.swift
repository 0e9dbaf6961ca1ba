import Foundation
import Runtime
import TestSupport
import XCTest

final class TensorTests: XCTestCase {
    func testCreation() {
        XCTAssertEqual(Tensor.zeros([2, 3]).scalars, [Float](repeating: 0, count: 6))
        XCTAssertEqual(Tensor.ones([4]).scalars, [1, 1, 1, 1])
        XCTAssertEqual(Tensor.full(2.5, [2]).scalars, [2.5, 2.5])
        XCTAssertEqual(Tensor.arange(4).scalars, [0, 1, 2, 3])
        XCTAssertEqual(Tensor.arange(start: 1, end: 2, step: 0.25).scalars, [1, 1.25, 1.5, 1.75])
        XCTAssertEqual(Tensor.arange(start: 3, end: 0, step: -1).scalars, [3, 2, 1])
        let t = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(t.rank, 2)
        XCTAssertEqual(t.count, 6)
        XCTAssertEqual(t.rowCount, 2)
        XCTAssertEqual(Tensor(scalar: 3).shape, [])
        XCTAssertEqual(Tensor(scalar: 3).item, 3)
    }

    func testViewsShareStorage() {
        let t = Tensor((0..<12).map(Float.init), shape: [4, 3])
        let r = t.reshaped([2, -1])
        XCTAssertEqual(r.shape, [2, 6])
        XCTAssertTrue(r.storage === t.storage)
        let s = t.rows(1..<3)
        XCTAssertEqual(s.shape, [2, 3])
        XCTAssertEqual(s.scalars, [3, 4, 5, 6, 7, 8])
        s.withUnsafeMutableBufferPointer { $0[0] = 100 }
        XCTAssertEqual(t.scalars[3], 100, "a slice is a view")
        let c = t.copy()
        c.withUnsafeMutableBufferPointer { $0[0] = -1 }
        XCTAssertEqual(t.scalars[0], 0, "a copy is not")
    }

    func testSkippedRandomInitializationDrawsNothing() {
        var generator = SeededGenerator(seed: 5)
        let skipped = RandomInitialization.skipping {
            XCTAssertTrue(RandomInitialization.isSkipped)
            return (Tensor.randn([4, 3], generator: &generator, requiresGrad: true), Tensor.uniform([2], generator: &generator))
        }
        XCTAssertFalse(RandomInitialization.isSkipped)
        XCTAssertEqual(generator.counter, 0, "no values drawn")
        XCTAssertEqual(skipped.0.shape, [4, 3])
        XCTAssertTrue(skipped.0.requiresGrad)
        _ = Tensor.randn([4, 3], generator: &generator)
        XCTAssertEqual(generator.counter, 24, "outside the scope values are drawn (two per normal)")
    }

    func testSeededGeneratorIsDeterministicAndResumable() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        let xs = (0..<5).map { _ in a.next() }
        XCTAssertEqual(xs, (0..<5).map { _ in b.next() })
        var c = SeededGenerator(seed: 42, counter: 3)
        XCTAssertEqual(c.next(), xs[3], "the counter resumes the stream")
        var d = SeededGenerator(seed: 43)
        XCTAssertNotEqual(d.next(), xs[0])
        // Pinned numbers, computed from the documented formula in Python: the stream must never
        // change between versions or machines (resumed runs depend on it).
        XCTAssertEqual(xs[0], 0xCE56_1696_AA1A_FE10)
        XCTAssertEqual(xs[1], 0x97A5_D2C1_2EED_C513)
        XCTAssertEqual(xs[2], 0xD341_A3B0_99FB_46BF)
        var u = SeededGenerator(seed: 42)
        XCTAssertEqual(u.nextUniform(), 0.8060010671615601)
    }

    func testRandomDistributions() {
        var g = SeededGenerator()
        let n = Tensor.randn([20000], generator: &g).scalars
        let mean = n.reduce(0, +) / Float(n.count)
        let variance = n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n.count)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        let u = Tensor.uniform([20000], low: -2, high: 2, generator: &g).scalars
        XCTAssertTrue(u.allSatisfy { $0 >= -2 && $0 < 2 })
        XCTAssertEqual(u.reduce(0, +) / Float(u.count), 0, accuracy: 0.05)
    }

    func testExternalStorageIsZeroCopyAndKeepsOwnerAlive() {
        final class Owner { let data: UnsafeMutableRawBufferPointer
            init() { data = .allocate(byteCount: 16, alignment: 16); data.copyMemory(from: [Float(1), 2, 3, 4].withUnsafeBytes { UnsafeRawBufferPointer($0) }) }
            deinit { data.deallocate() }
        }
        var owner: Owner? = Owner()
        weak let weakOwner = owner
        let t = Tensor.float32(bytes: UnsafeRawBufferPointer(owner!.data), shape: [2, 2], owner: owner!)
        XCTAssertEqual(UnsafeRawPointer(t.pointer), UnsafeRawPointer(owner!.data.baseAddress!))
        XCTAssertTrue(t.storage.isReadOnly)
        owner = nil
        XCTAssertNotNil(weakOwner, "the tensor keeps its owner alive")
        XCTAssertEqual(t.scalars, [1, 2, 3, 4])
    }

    func testBFloat16AndFloat16Conversion() {
        // 37 values: crosses the SIMD8 loop and its tail; includes subnormal, inf, negative zero.
        var values: [Float] = [0, -0.0, 1, -2.5, 65504, 6.1e-5, 5.96e-8, .infinity, -.infinity, 0.333]
        var g = SeededGenerator(seed: 5)
        values += (0..<27).map { _ in g.nextNormal() * 100 }
        let half = values.map { Float16($0) }
        let halfBytes = half.withUnsafeBytes { Array($0) }
        let fromHalf = halfBytes.withUnsafeBytes { Tensor.float16(bytes: $0, shape: [values.count]) }
        XCTAssertEqual(fromHalf.scalars.map(\.bitPattern), half.map { Float($0).bitPattern })
        let bf = values.map { UInt16($0.bitPattern >> 16) }
        let bfBytes = bf.withUnsafeBytes { Array($0) }
        // An odd offset proves unaligned input works.
        let shifted = [UInt8(0)] + bfBytes
        let fromBF = shifted.withUnsafeBytes { Tensor.bfloat16(bytes: UnsafeRawBufferPointer(rebasing: $0[1...]), shape: [values.count]) }
        XCTAssertEqual(fromBF.scalars.map(\.bitPattern), bf.map { UInt32($0) << 16 })
    }

    func testEncodingToCheckpointBytesRoundTrips() {
        let t = Tensor([1, -2.5, 3.14159, 1e-3, 65504, .infinity], shape: [2, 3])
        let f32 = t.float32Bytes()
        XCTAssertEqual(f32.withUnsafeBytes { Tensor.float32(bytes: $0, shape: [2, 3], owner: t).scalars }, t.scalars)
        let half = t.float16Bytes().withUnsafeBytes { Tensor.float16(bytes: $0, shape: [6]) }.scalars
        XCTAssertEqual(half, t.scalars.map { Float(Float16($0)) })
        let bf = t.bfloat16Bytes().withUnsafeBytes { Tensor.bfloat16(bytes: $0, shape: [6]) }.scalars
        assertClose(Array(bf.prefix(5)), Array(t.scalars.prefix(5)), rtol: 1.0 / 256, atol: 0)
        XCTAssertEqual(bf[5], .infinity)
        // Ties go to even: 1 + 2^-8 lies halfway between bfloat16 1 and 1 + 2^-7.
        let tie = Tensor([1 + 1.0 / 256, 1 + 3.0 / 256], shape: [2]).bfloat16Bytes()
        XCTAssertEqual(tie.withUnsafeBytes { Tensor.bfloat16(bytes: $0, shape: [2]) }.scalars, [1, 1 + 4.0 / 256])
        XCTAssertTrue(Tensor([.nan], shape: [1]).bfloat16Bytes().withUnsafeBytes { Tensor.bfloat16(bytes: $0, shape: [1]) }.item.isNaN)
    }
}
