import XCTest
import Runtime
import TestSupport

/// NF4 storage against bitsandbytes (Tests/Fixtures/quant/nf4.safetensors, scripts/fixtures/quant.py).
final class NF4Tests: XCTestCase {
    private func fixture() throws -> [String: StoredTensor] {
        try SafetensorsFile(url: fixtureURL("quant/nf4.safetensors")).tensors
    }

    private func bytes(_ t: StoredTensor?) throws -> [UInt8] {
        try XCTUnwrap(t?.integers()).map { UInt8($0) }
    }

    func testDynamicMapIsBitsandbytes() throws {
        let map = try XCTUnwrap(fixture()["dynamic_map"]).floats()
        XCTAssertEqual(dynamicQuantizationMap.map(\.bitPattern), map.map(\.bitPattern))
    }

    func testDoubleQuantizedCodesAndValuesMatchBitsandbytesExactly() throws {
        let f = try fixture()
        let w = try XCTUnwrap(f["weight"])
        let values = w.floats()
        let q = values.withUnsafeBufferPointer { NF4Weight(quantizing: $0, outFeatures: w.shape[0], inFeatures: w.shape[1]) }
        XCTAssertEqual(q.codes, try bytes(f["codes"]))
        guard case let .doubleQuantized(codes, scales, offset) = q.scales else { return XCTFail("expected double quantization") }
        XCTAssertEqual(offset.bitPattern, try XCTUnwrap(f["offset"]).floats()[0].bitPattern, "offset \(offset)")
        XCTAssertEqual(scales.map(\.bitPattern), try XCTUnwrap(f["absmax_scale"]).floats().map(\.bitPattern))
        XCTAssertEqual(codes, try bytes(f["absmax_codes"]))
        let absmax = try XCTUnwrap(f["absmax"]).floats()
        XCTAssertEqual((0..<absmax.count).map { q.absmax(block: $0).bitPattern }, absmax.map(\.bitPattern))
        let expected = try XCTUnwrap(f["dequantized"]).floats()
        let mismatches = zip(q.dequantized().scalars, expected).filter { $0.bitPattern != $1.bitPattern }.count
        XCTAssertEqual(mismatches, 0, "values that differ from bitsandbytes")
    }

    func testPlainAbsmaxMatchesBitsandbytesExactly() throws {
        let f = try fixture()
        let w = try XCTUnwrap(f["weight"])
        let q = w.floats().withUnsafeBufferPointer {
            NF4Weight(quantizing: $0, outFeatures: w.shape[0], inFeatures: w.shape[1], doubleQuantize: false)
        }
        XCTAssertEqual(q.codes, try bytes(f["plain_codes"]))
        XCTAssertEqual(q.scales, .plain(try XCTUnwrap(f["plain_absmax"]).floats()))
    }

    /// Decoding any row range (blocks straddle rows: 389 is not a multiple of 64) equals the
    /// matching slice of the full decode.
    func testRowRangesDecodeLikeTheWhole() throws {
        let f = try fixture()
        let w = try XCTUnwrap(f["weight"])
        let q = w.floats().withUnsafeBufferPointer { NF4Weight(quantizing: $0, outFeatures: w.shape[0], inFeatures: w.shape[1]) }
        let whole = q.dequantized().scalars
        for rows in [0..<1, 3..<7, 95..<96, 10..<60] {
            var part = [Float](repeating: .nan, count: rows.count * 389)
            part.withUnsafeMutableBufferPointer { q.decodeRows(rows, into: $0.baseAddress!) }
            XCTAssertEqual(part, Array(whole[(rows.lowerBound * 389)..<(rows.upperBound * 389)]), "\(rows)")
        }
    }
}
