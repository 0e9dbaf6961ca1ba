import Foundation
import Runtime
import TestSupport
import XCTest

final class SafetensorsTests: XCTestCase {
    private struct Expected: Decodable {
        struct Tensor: Decodable { var dtype: String; var shape: [Int]; var values: [Double] }
        var tensors: [String: Tensor]
        var metadata: [String: String]
    }

    /// Every dtype written by the reference library reads back to the exact stored values.
    func testReadsEveryDtypeWrittenByTheReferenceLibrary() throws {
        let file = try SafetensorsFile(url: fixtureURL("checkpoint/dtypes.safetensors"))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixtureURL("checkpoint/dtypes-expected.json")))
        XCTAssertEqual(file.metadata, expected.metadata)
        XCTAssertEqual(Set(file.tensorNames), Set(expected.tensors.keys))
        let dtypes = ["float32": "F32", "float16": "F16", "bfloat16": "BF16", "float64": "F64", "int64": "I64",
                      "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL"]
        for (name, want) in expected.tensors {
            let tensor = try file.tensor(name)
            XCTAssertEqual(tensor.dtype.rawValue, dtypes[want.dtype], name)
            XCTAssertEqual(tensor.shape, want.shape, name)
            if tensor.dtype.isInteger {
                XCTAssertEqual(tensor.integers(), want.values.map { Int($0) }, name)
            } else if tensor.dtype == .f64 {
                assertClose(tensor.floats(), want.values.map { Float($0) }, rtol: 0, atol: 0, name)
            } else {
                XCTAssertEqual(tensor.floats(), want.values.map { Float($0) }, name)  // exact
            }
        }
        XCTAssertNil(try file.tensor("f32").integers())
        XCTAssertThrowsError(try file.tensor("nope")) { error in
            XCTAssertTrue("\(error)".contains("dtypes.safetensors") && "\(error)".contains("nope"), "\(error)")
        }
    }

    func testWriterRoundTripsAndPadsTheHeaderLikeTheReference() throws {
        let folder = try temporaryFolder(self)
        let url = folder.appendingPathComponent("out.safetensors")
        let weights: [Float] = [1.5, -2, 3.25, 0, .greatestFiniteMagnitude, -0.0]
        let bf16 = Data([0x80, 0x3F, 0x00, 0xC0])  // 1.0, -2.0
        try SafetensorsWriter.write([
            SafetensorsEntry(name: "w \"quoted\"", shape: [2, 3], floats: weights),
            SafetensorsEntry(name: "ids", shape: [3], int64: [5, -1, 1 << 40]),
            SafetensorsEntry(name: "half", dtype: .bf16, shape: [2], bytes: bf16),
            SafetensorsEntry(name: "none", shape: [0, 3], floats: []),
        ], metadata: ["format": "pt", "k": "✓"], to: url)
        let raw = try Data(contentsOf: url)
        let headerLength = raw.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(headerLength % 8, 0, "data must start 8-byte aligned")
        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.metadata, ["format": "pt", "k": "✓"])
        XCTAssertEqual(file.tensorNames, ["w \"quoted\"", "ids", "half", "none"])
        XCTAssertEqual(try file.tensor("w \"quoted\"").floats(), weights)
        XCTAssertEqual(try file.tensor("w \"quoted\"").shape, [2, 3])
        XCTAssertEqual(try file.tensor("ids").integers(), [5, -1, 1 << 40])
        XCTAssertEqual(try file.tensor("half").floats(), [1, -2])
        XCTAssertEqual(try file.tensor("none").floats(), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.safetensors"], "no temporary left behind")
    }

    func testShardedCheckpointGivesTheSameTensorsAsTheSingleFile() throws {
        let sharded = try ModelCheckpoint.load(from: fixtureURL("checkpoint/sharded"))
        let single = try ModelCheckpoint.load(from: fixtureURL("models/llama-tied"))
        XCTAssertEqual(sharded.config, single.config)
        XCTAssertEqual(Set(sharded.tensors.keys), Set(single.tensors.keys))
        for (name, tensor) in single.tensors {
            let other = try sharded.tensor(name)
            XCTAssertEqual(other.shape, tensor.shape, name)
            XCTAssertEqual(other.floats(), tensor.floats(), name)
        }
        XCTAssertNil(sharded.generation)
        XCTAssertEqual(single.generation?.eosTokenIds, [2])
        XCTAssertEqual(single.generation?.bosTokenId, 1)
    }

    func testDecodesBFloat16AndFloat16LikeTheReferenceOnAModel() throws {
        // qwen2's fixture stores bfloat16; the float64 reference gradients were taken at these
        // exact values, so the decoded weights must be exactly representable in bfloat16.
        let qwen = try ModelCheckpoint.load(from: fixtureURL("models/qwen2"))
        let bias = try qwen.tensor("model.layers.0.self_attn.q_proj.bias")
        XCTAssertEqual(bias.dtype, .bf16)
        XCTAssertEqual(bias.shape, [32])
        let values = bias.floats()
        XCTAssertTrue(values.contains { $0 != 0 })
        XCTAssertEqual(values, values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) })
    }
}

final class SafetensorsHalfWriterTests: XCTestCase {
    /// Writing float32 as F16/BF16 rounds like PyTorch: the reference file's f16/bf16 tensors
    /// (rounded by torch from float32) come back bit for bit when their values are re-encoded.
    func testHalfPrecisionWritingRoundsToNearestEven() throws {
        let folder = try temporaryFolder(self)
        let url = folder.appendingPathComponent("half.safetensors")
        // Expected values are torch's `.to(dtype)` of the same floats.
        // 1 + 2^-8 lies exactly between two bfloat16 values: ties go to the even one (1.0);
        // 1 + 3 * 2^-8 rounds up to 1 + 2^-6 (even); 1e-8 is below half the smallest float16
        // subnormal (so 0) but has a bfloat16 neighbour.
        let values: [Float] = [1 + 1 / 256, 1 + 3 / 256, -3.140625, 65504, 1e-8, .infinity, Float.leastNormalMagnitude]
        try SafetensorsWriter.write([
            SafetensorsEntry(name: "bf16", shape: [7], floats: values, as: .bf16),
            SafetensorsEntry(name: "f16", shape: [7], floats: values, as: .f16),
        ], to: url)
        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(try file.tensor("bf16").floats(), [1, 1 + 4 / 256, -3.140625, 65536, 1.0011717677116394e-08, .infinity, Float.leastNormalMagnitude])
        XCTAssertEqual(try file.tensor("f16").floats(), [1 + 1 / 256, 1 + 3 / 256, -3.140625, 65504, 0, .infinity, 0])

        let reference = try SafetensorsFile(url: fixtureURL("checkpoint/dtypes.safetensors"))
        for name in ["bf16", "f16"] {
            let t = try reference.tensor(name)
            let again = folder.appendingPathComponent("\(name).safetensors")
            try SafetensorsWriter.write([SafetensorsEntry(name: name, shape: t.shape, floats: t.floats(), as: t.dtype),
                                         SafetensorsEntry(t, name: "copy")], to: again)
            let back = try SafetensorsFile(url: again)
            XCTAssertEqual(Array(try back.tensor(name).bytes), Array(t.bytes), name)
            XCTAssertEqual(Array(try back.tensor("copy").bytes), Array(t.bytes), name)
        }
    }
}
