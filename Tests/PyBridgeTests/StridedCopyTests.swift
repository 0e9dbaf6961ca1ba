import XCTest
@testable import PyBridge

/// The gather that copies tensor views out of pickled storages, against naive indexing.
final class StridedCopyTests: XCTestCase {
    func gather(_ storage: [Int32], start: Int, shape: [Int], stride: [Int]) -> [Int32] {
        let n = StridedCopy.elementCount(shape)!
        return storage.withUnsafeBytes { src in
            [Int32](unsafeUninitializedCapacity: n) { buf, count in
                StridedCopy.copy(from: src, start: start * 4, shape: shape, stride: stride, elementSize: 4,
                                 into: UnsafeMutableRawBufferPointer(buf))
                count = n
            }
        }
    }

    func testPermutedAndSlicedViewsMatchNaiveIndexing() {
        let storage = (0..<200).map { Int32($0) }
        // A [2,3,4] view at offset 7 with permuted, stepped strides.
        let shape = [2, 3, 4], stride = [1, 12, 30]
        var expected: [Int32] = []
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { expected.append(storage[7 + i + j * 12 + k * 30]) } } }
        XCTAssertNil(StridedCopy.boundsProblem(storageCount: 800, start: 28, limit: 800, shape: shape, stride: stride, elementSize: 4))
        XCTAssertEqual(gather(storage, start: 7, shape: shape, stride: stride), expected)
        // Contiguous last dimension (stride 1 rows) and a size-1 dimension with an odd stride.
        XCTAssertEqual(gather(storage, start: 2, shape: [2, 1, 3], stride: [10, 99, 1]), [2, 3, 4, 12, 13, 14])
        XCTAssertTrue(StridedCopy.isRowMajor(shape: [2, 1, 3], stride: [3, 99, 1]))
        XCTAssertEqual(gather(storage, start: 5, shape: [], stride: []), [5])
        XCTAssertEqual(gather(storage, start: 0, shape: [0, 3], stride: [3, 1]), [])
    }

    func testOutOfBoundsAndOverflowAreReported() {
        func problem(_ start: Int, _ limit: Int, _ shape: [Int], _ stride: [Int]) -> String? {
            StridedCopy.boundsProblem(storageCount: 64, start: start, limit: limit, shape: shape, stride: stride, elementSize: 4)
        }
        XCTAssertNil(problem(0, 64, [4, 4], [4, 1]))
        XCTAssertNotNil(problem(4, 64, [4, 4], [4, 1]), "one element past the end")
        XCTAssertNotNil(problem(0, 60, [4, 4], [4, 1]), "past the storage limit")
        XCTAssertNotNil(problem(0, 80, [2], [1]), "limit past the bytes read")
        XCTAssertNotNil(problem(0, 64, [2, 2], [1]), "rank mismatch")
        XCTAssertNotNil(problem(0, 64, [Int.max, 4], [1, 1]), "element count overflow")
        XCTAssertNotNil(problem(0, 64, [3], [Int.max / 2]), "offset overflow")
        XCTAssertNil(problem(64, 64, [0, 5], [5, 1]), "empty tensors read nothing")
    }
}
