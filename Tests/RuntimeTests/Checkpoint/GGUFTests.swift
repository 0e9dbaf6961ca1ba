import Foundation
import Runtime
import TestSupport
import XCTest

final class GGUFTests: XCTestCase {
    /// Metadata of every GGUF value type, as written by gguf-py in scripts/fixtures/gguf.py.
    func testReadsMetadataOfEveryValueType() throws {
        let file = try GGUFFile(url: fixtureURL("gguf/types.gguf"))
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignment, 64)
        XCTAssertEqual(file.dataOffset % 64, 0)
        XCTAssertEqual(file.architecture, "test")
        let m = file.metadata
        XCTAssertEqual(m["test.u8"], .uint(200))
        XCTAssertEqual(m["test.i8"], .int(-100))
        XCTAssertEqual(m["test.u16"], .uint(60000))
        XCTAssertEqual(m["test.i16"], .int(-30000))
        XCTAssertEqual(m["test.u32"], .uint(4_000_000_000))
        XCTAssertEqual(m["test.i32"], .int(-2_000_000_000))
        XCTAssertEqual(m["test.f32"], .float(0.25))
        XCTAssertEqual(m["test.bool"], .bool(true))
        XCTAssertEqual(m["test.string"], .string("héllo ✓"))
        XCTAssertEqual(m["test.u64"], .uint((1 << 63) + 5))
        XCTAssertEqual(m["test.i64"], .int(-(1 << 62)))
        XCTAssertEqual(m["test.f64"], .float(-1.5e300))
        XCTAssertEqual(m["test.ints"]?.arrayValue?.compactMap(\.intValue), [1, -2, 3])
        XCTAssertEqual(m["test.strings"], .array([.string("a"), .string(""), .string("ccc")]))
    }

    /// Every supported type dequantizes to exactly what gguf-py's `quants.dequantize` gives.
    func testDequantizesEveryTypeExactlyLikeGGUFPy() throws {
        let file = try GGUFFile(url: fixtureURL("gguf/types.gguf"))
        let expected = try SafetensorsFile(url: fixtureURL("gguf/types-expected.safetensors"))
        let types: [String: StoredDType] = ["f32": .f32, "f16": .f16, "bf16": .bf16, "q4_0": .q4_0, "q4_1": .q4_1,
                                            "q8_0": .q8_0, "q4_k": .q4_K, "q6_k": .q6_K]
        XCTAssertEqual(Set(file.tensorInfos.map(\.name)), Set(types.keys))
        for (name, dtype) in types {
            let tensor = try file.tensor(name)
            let want = try expected.tensor(name)
            XCTAssertEqual(tensor.dtype, dtype, name)
            XCTAssertEqual(tensor.shape, want.shape, name)
            XCTAssertEqual(tensor.floats(), want.floats(), "\(name) must agree bit for bit")
            for row in 0..<tensor.rowCount {
                XCTAssertEqual(tensor.row(row), Array(want.floats()[(row * tensor.rowLength)..<((row + 1) * tensor.rowLength)]), name)
                XCTAssertEqual(tensor.rowBytes(row).count, tensor.rowLength / dtype.blockSize * dtype.blockBytes)
            }
        }
    }

    /// Version 2 files differ from version 3 only in what big-endian files may do.
    func testReadsVersion2AndRefusesOtherVersions() throws {
        var bytes = try Data(contentsOf: fixtureURL("gguf/types.gguf"))
        bytes[4] = 2
        let v2 = try GGUFFile(store: HeapBytes(bytes), fileName: "v2.gguf")
        XCTAssertEqual(v2.version, 2)
        XCTAssertEqual(try v2.tensor("q4_1").floats(), try GGUFFile(url: fixtureURL("gguf/types.gguf")).tensor("q4_1").floats())
        bytes[4] = 1
        XCTAssertThrowsError(try GGUFFile(store: HeapBytes(bytes), fileName: "v1.gguf")) { error in
            XCTAssertTrue("\(error)".contains("v1.gguf") && "\(error)".contains("version 1"), "\(error)")
        }
        bytes.replaceSubrange(4..<8, with: [0, 0, 0, 3])
        XCTAssertThrowsError(try GGUFFile(store: HeapBytes(bytes), fileName: "be.gguf")) { error in
            XCTAssertTrue("\(error)".contains("big-endian"), "\(error)")
        }
    }

    /// GGUFs converted the way convert_hf_to_gguf.py does it (for llama, q/k rows permuted)
    /// load back to exactly the HF folders' configs and tensors.
    func testTinyGGUFsLoadToTheHFTensors() throws {
        for name in ["llama-tied", "qwen2"] {
            let gguf = try ModelCheckpoint.load(from: fixtureURL("gguf/tiny-\(name).gguf"))
            let hf = try ModelCheckpoint.load(from: fixtureURL("models/\(name)"))
            XCTAssertEqual(gguf.config, hf.config, name)
            XCTAssertEqual(Set(gguf.tensors.keys), Set(hf.tensors.keys), name)
            for (tensorName, tensor) in hf.tensors {
                let loaded = try gguf.tensor(tensorName)
                XCTAssertEqual(loaded.dtype, tensor.dtype, "\(name) \(tensorName)")
                XCTAssertEqual(loaded.shape, tensor.shape, "\(name) \(tensorName)")
                XCTAssertEqual(loaded.floats(), tensor.floats(), "\(name) \(tensorName)")
            }
        }
        let llama = try ModelCheckpoint.load(from: fixtureURL("gguf/tiny-llama-tied.gguf"))
        XCTAssertTrue(llama.config.tieWordEmbeddings, "no output.weight means a tied head")
        XCTAssertNotNil(llama.tensors["model.layers.1.self_attn.k_proj.weight"]?.rowOrder, "llama k rows are un-permuted")
        let qwen = try ModelCheckpoint.load(from: fixtureURL("gguf/tiny-qwen2.gguf"))
        XCTAssertTrue(qwen.config.qkvBias)
        XCTAssertNil(qwen.tensors["model.layers.1.self_attn.k_proj.weight"]?.rowOrder, "qwen2 is not permuted")
    }

    func testNameMapping() {
        XCTAssertEqual(GGUFTensorNames.hfName("token_embd.weight"), "model.embed_tokens.weight")
        XCTAssertEqual(GGUFTensorNames.hfName("output.weight"), "lm_head.weight")
        XCTAssertEqual(GGUFTensorNames.hfName("output_norm.weight"), "model.norm.weight")
        XCTAssertEqual(GGUFTensorNames.hfName("blk.12.attn_q.bias"), "model.layers.12.self_attn.q_proj.bias")
        XCTAssertEqual(GGUFTensorNames.hfName("blk.0.ffn_down.weight"), "model.layers.0.mlp.down_proj.weight")
        XCTAssertEqual(GGUFTensorNames.hfName("blk.0.attn_norm.weight"), "model.layers.0.input_layernorm.weight")
        XCTAssertEqual(GGUFTensorNames.hfName("blk.0.ffn_norm.weight"), "model.layers.0.post_attention_layernorm.weight")
        XCTAssertNil(GGUFTensorNames.hfName("blk.x.attn_q.weight"))
        XCTAssertNil(GGUFTensorNames.hfName("blk.0.attn_q.scale"))
        XCTAssertNil(GGUFTensorNames.hfName("rope_freqs.weight"))
        // One head of 4 rows: GGUF rows [a0, b0, a1, b1] hold HF rows [a0, a1, b0, b1].
        XCTAssertEqual(GGUFTensorNames.unpermutedRowOrder(rows: 8, heads: 2), [0, 2, 1, 3, 4, 6, 5, 7])
    }

    /// The real SmolLM2 Q4_1 file: config from metadata, and rows of the un-permuted q/k, the
    /// Q8_0 embedding, norms and projections equal to what transformers loads from it.
    func testSmolLM2MatchesTransformers() throws {
        guard let url = cachedSmolLM2() else {
            throw XCTSkip("SmolLM2-135M-Instruct.Q4_1.gguf is not cached (run scripts/fetch-model); skipping the real-model check")
        }
        let checkpoint = try ModelCheckpoint.load(from: url)
        let c = checkpoint.config
        XCTAssertEqual(c.modelType, "llama")
        XCTAssertEqual([c.vocabSize, c.hiddenSize, c.intermediateSize, c.numHiddenLayers, c.numAttentionHeads, c.numKeyValueHeads, c.headDim,
                        c.maxPositionEmbeddings], [49152, 576, 1536, 30, 9, 3, 64, 8192])
        XCTAssertEqual(c.ropeTheta, 100000)
        assertClose(c.normEpsilon, 1e-5, rtol: 1e-6)
        XCTAssertTrue(c.tieWordEmbeddings)
        XCTAssertEqual(c.bosTokenId, 1)
        XCTAssertEqual(c.eosTokenIds, [2])
        XCTAssertEqual(checkpoint.tensors.count, 272)
        XCTAssertEqual(checkpoint.ggufMetadata?["tokenizer.ggml.model"], .string("gpt2"))

        let reference = try SafetensorsFile(url: fixtureURL("gguf/smollm2-rows.safetensors"))
        for name in reference.tensorNames where !name.hasSuffix(".rows") {
            let tensor = try checkpoint.tensor(name)
            let want = try reference.tensor(name)
            if let rows = reference.tensors[name + ".rows"]?.integers() {
                XCTAssertEqual(Array(tensor.shape.dropFirst()), Array(want.shape.dropFirst()), name)
                let got = rows.flatMap { tensor.row($0) }
                XCTAssertEqual(got, want.floats(), "\(name) rows \(rows)")
            } else {
                XCTAssertEqual(tensor.shape, want.shape, name)
                XCTAssertEqual(tensor.floats(), want.floats(), name)
            }
        }
    }
}
