import Foundation
import Runtime
import TestSupport
import XCTest

/// Bad files give errors that name the file and the problem; none crashes.
final class CheckpointRobustnessTests: XCTestCase {
    /// A safetensors image: length prefix, `header`, then `dataBytes` zero bytes.
    private func safetensors(_ header: String, dataBytes: Int = 16, declaredLength: UInt64? = nil) -> Data {
        var data = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header.utf8)
        data.append(Data(count: dataBytes))
        return data
    }

    /// `parse` throws a CheckpointError whose text names `fileName` and holds every fragment.
    private func assertRefused(_ fileName: String, _ fragments: [String], line: UInt, _ parse: (String) throws -> Any) {
        XCTAssertThrowsError(try parse(fileName), line: line) { error in
            XCTAssertTrue(error is CheckpointError, "\(error)", line: line)
            let text = "\(error)"
            XCTAssertTrue(text.contains(fileName), text, line: line)
            for fragment in fragments { XCTAssertTrue(text.contains(fragment), "'\(fragment)' not in: \(text)", line: line) }
        }
    }

    private func assertSafetensorsError(_ bytes: Data, _ fragments: String..., line: UInt = #line) {
        assertRefused("bad.safetensors", fragments, line: line) { try SafetensorsFile(store: HeapBytes(bytes), fileName: $0) }
    }

    func testSafetensorsErrors() throws {
        assertSafetensorsError(Data([1, 2, 3]), "truncated")
        assertSafetensorsError(safetensors("{}", declaredLength: 4096), "truncated", "4104")
        assertSafetensorsError(safetensors("{}", declaredLength: 1 << 40), "exceeds")
        assertSafetensorsError(safetensors("{\"a\": {\"dtype\": \"F32\""), "header JSON")
        assertSafetensorsError(safetensors("[1, 2]"), "header JSON")
        assertSafetensorsError(safetensors(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 24]}}"#), "'a'", "outside the data section")
        assertSafetensorsError(safetensors(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}"#), "'a'", "outside")
        assertSafetensorsError(safetensors(#"{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#), "'a'", "needs 12")
        assertSafetensorsError(safetensors(#"{"a": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}"#), "unsupported dtype 'F8_E4M3'")
        assertSafetensorsError(safetensors(#"{"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#), "invalid shape")
        assertSafetensorsError(safetensors(#"{"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}}"#), "invalid shape")
        assertSafetensorsError(safetensors(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}"#), "data_offsets")
        assertSafetensorsError(safetensors(#"{"a": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}"#), "header JSON")
        assertSafetensorsError(safetensors(#"{"a": {"dtype": "F32", "shape": [2]}}"#), "data_offsets")
        assertSafetensorsError(safetensors(#"{"__metadata__": {"k": 1}}"#), "__metadata__")
        assertSafetensorsError(safetensors(#"""
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
             "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}
            """#), "'b'", "overlaps tensor 'a'")
        // A real file cut short: its header now points past the end.
        let whole = try Data(contentsOf: fixtureURL("checkpoint/dtypes.safetensors"))
        assertSafetensorsError(whole.prefix(whole.count - 3), "outside the data section")
        // Empty and zero-size tensors are fine.
        let empty = try SafetensorsFile(store: HeapBytes(safetensors(#"{"e": {"dtype": "F32", "shape": [0, 5], "data_offsets": [0, 0]}}"#, dataBytes: 0)),
                                        fileName: "ok.safetensors")
        XCTAssertEqual(try empty.tensor("e").floats(), [])
    }

    private func assertGGUFError(_ bytes: Data, _ fragments: String..., line: UInt = #line) {
        assertRefused("bad.gguf", fragments, line: line) { try GGUFFile(store: HeapBytes(bytes), fileName: $0) }
    }

    /// Byte offset of the tensor info whose name is `name` (its length prefix).
    private func tensorInfoOffset(_ bytes: Data, _ name: String) -> Int {
        var needle = Data()
        withUnsafeBytes(of: UInt64(name.utf8.count).littleEndian) { needle.append(contentsOf: $0) }
        needle.append(contentsOf: name.utf8)
        needle.append(contentsOf: [2, 0, 0, 0])  // two dimensions follow
        return bytes.range(of: needle)!.lowerBound
    }

    func testGGUFErrors() throws {
        let good = try Data(contentsOf: fixtureURL("gguf/types.gguf"))
        var bytes = good
        bytes[0] = UInt8(ascii: "X")
        assertGGUFError(bytes, "not a GGUF file")
        assertGGUFError(Data("GGU".utf8), "truncated")

        // Every cut before the end of the last tensor is refused.
        let file = try GGUFFile(url: fixtureURL("gguf/types.gguf"))
        for cut in stride(from: 0, to: good.count, by: 7) where cut < file.dataOffset + file.tensorInfos.map({ $0.offset + $0.byteCount }).max()! {
            XCTAssertThrowsError(try GGUFFile(store: HeapBytes(good.prefix(cut)), fileName: "cut.gguf"), "cut at \(cut)")
        }
        assertGGUFError(good.prefix(file.dataOffset + 10), "truncated")

        // The type field follows name, rank and two u64 dimensions.
        let typeAt = tensorInfoOffset(good, "q4_0") + 8 + 4 + 4 + 16
        bytes = good
        bytes[typeAt] = 99
        assertGGUFError(bytes, "'q4_0'", "unknown tensor type 99")
        bytes[typeAt] = 6  // Q5_0: a real ggml type the file can hold but we cannot dequantize
        let q5 = try GGUFFile(store: HeapBytes(bytes), fileName: "q5.gguf")
        XCTAssertEqual(q5.info("q4_0")?.type.name, "Q5_0")
        XCTAssertThrowsError(try q5.tensor("q4_0")) { error in
            XCTAssertTrue("\(error)".contains("Q5_0 is not supported"), "\(error)")
        }
        bytes = good
        bytes[typeAt + 4] &+= 1  // offset no longer a multiple of the alignment
        assertGGUFError(bytes, "'q4_0'", "alignment")
        bytes = good
        bytes[typeAt - 16] = 33  // row length 33 is not a whole number of 32-value blocks
        assertGGUFError(bytes, "'q4_0'", "block size")
        bytes = good
        bytes[typeAt - 1] = 0x40  // second dimension ~2^62: runs past the end
        assertGGUFError(bytes, "'q4_0'")
        XCTAssertThrowsError(try GGUFFile(url: fixtureURL("gguf/absent.gguf"))) { XCTAssertTrue("\($0)".contains("absent.gguf"), "\($0)") }
        XCTAssertThrowsError(try file.modelConfig()) { XCTAssertTrue("\($0)".contains("architecture 'test'"), "\($0)") }
    }

    /// Seeded random byte flips and truncations of valid files: parsing either throws a
    /// CheckpointError or succeeds, and whatever it accepts decodes without going out of bounds.
    func testFuzzedHeadersNeverCrash() throws {
        var rng = FuzzGenerator(seed: 42)
        let cases: [(String, Data, Int)] = try [
            ("checkpoint/dtypes.safetensors", 0), ("gguf/types.gguf", 1), ("gguf/tiny-llama-tied.gguf", 1), ("gguf/tiny-qwen2.gguf", 1),
        ].map { path, kind in
            let data = try Data(contentsOf: fixtureURL(path))
            let headerEnd = kind == 0 ? 8 + Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
                                      : try GGUFFile(store: HeapBytes(data), fileName: path).dataOffset
            return (path, data, headerEnd)
        }
        var accepted = 0, refused = 0
        for (path, original, headerEnd) in cases {
            for _ in 0..<150 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let at = Int.random(in: 0..<headerEnd, using: &rng)
                    bytes[at] = Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : bytes[at] ^ (1 << UInt8.random(in: 0...7, using: &rng))
                }
                if Int.random(in: 0..<4, using: &rng) == 0 { bytes = bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)) }
                do {
                    let tensors: [StoredTensor]
                    if path.hasSuffix(".safetensors") {
                        tensors = Array(try SafetensorsFile(store: HeapBytes(bytes), fileName: path).tensors.values)
                    } else {
                        let file = try GGUFFile(store: HeapBytes(bytes), fileName: path)
                        if let config = try? file.modelConfig(), let mapped = try? file.hfTensors(config: config) {
                            _ = mapped.values.map { $0.floats() }
                        }
                        tensors = file.tensorInfos.compactMap { try? file.tensor($0.name) }
                    }
                    for t in tensors where t.elementCount <= 1 << 20 { _ = t.floats() }
                    accepted += 1
                } catch is CheckpointError {
                    refused += 1
                }
            }
        }
        XCTAssertEqual(accepted + refused, 600)
        XCTAssertGreaterThan(refused, 0)
        XCTAssertGreaterThan(accepted, 0)
    }
}
