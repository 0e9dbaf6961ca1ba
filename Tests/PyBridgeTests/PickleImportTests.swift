import Foundation
import PyBridge
import TestSupport
import XCTest

/// The pickled-checkpoint import against tensors dumped by torch (scripts/fixtures/pickles.py).
final class PickleImportTests: XCTestCase {
    struct Expected: Decodable { var dtype: String; var shape: [Int]; var hex: String; var values: [Double] }

    static let expected: [String: Expected] = {
        let data = try! Data(contentsOf: fixtureURL("pickles/expected.json"))
        return try! JSONDecoder().decode([String: Expected].self, from: data)
    }()

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }

    func checkMatchesTorch(_ checkpoint: PickleCheckpoint, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(checkpoint.tensors.map(\.name)), Set(Self.expected.keys), file: file, line: line)
        for tensor in checkpoint.tensors {
            guard let e = Self.expected[tensor.name] else { continue }
            XCTAssertEqual(tensor.dtype.rawValue, e.dtype, tensor.name, file: file, line: line)
            XCTAssertEqual(tensor.shape, e.shape, tensor.name, file: file, line: line)
            let raw: [UInt8]
            switch tensor.values {
            case .float32(let v): raw = v.withUnsafeBytes { Array($0) }
            case .raw(let b): raw = b
            }
            XCTAssertEqual(raw, Self.bytes(hex: e.hex), "bytes of \(tensor.name)", file: file, line: line)
            // Exactly: every stored value is representable in Float except the large int64s.
            let tolerance = tensor.dtype == .i64 ? 1e-7 : 0
            assertClose(tensor.floatValues(), e.values, rtol: tolerance, atol: 0, tensor.name, file: file, line: line)
        }
    }

    func testZipCheckpointGivesTorchsTensors() throws {
        #if PythonBridge
        let checkpoint = try PickleCheckpoint.load(contentsOf: fixtureURL("pickles/tiny.bin"))
        checkMatchesTorch(checkpoint)
        XCTAssertEqual(checkpoint.tensors.first?.name, "0.weight", "pickle order is kept")
        if case .float32 = checkpoint["shared.column"]!.values {} else { XCTFail("f32 should arrive as [Float]") }
        XCTAssertEqual(checkpoint["extra.scalar"]!.shape, [])
        XCTAssertEqual(checkpoint.skipped, [])
        #endif
    }

    func testConcurrentCallersAreServedOneAtATimeOnThePythonThread() throws {
        #if PythonBridge
        let reference = try PickleCheckpoint.load(contentsOf: fixtureURL("pickles/tiny.bin"))
        let url = fixtureURL("pickles/tiny.bin")
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 6) { i in
            let file = i % 2 == 0 ? url : fixtureURL("pickles/tiny-legacy.bin")
            if (try? PickleCheckpoint.load(contentsOf: file)) != reference { mismatches.increment() }
        }
        XCTAssertEqual(mismatches.value, 0)
        #endif
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func increment() { lock.lock(); count += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }

    func testLegacyCheckpointGivesTorchsTensors() throws {
        #if PythonBridge
        checkMatchesTorch(try PickleCheckpoint.load(contentsOf: fixtureURL("pickles/tiny-legacy.bin")))
        #endif
    }

    func testNestedCheckpointIsFlattenedAndNonTensorsAreListed() throws {
        #if PythonBridge
        let checkpoint = try PickleCheckpoint.load(contentsOf: fixtureURL("pickles/nested.bin"))
        XCTAssertEqual(checkpoint.tensors.map(\.name), ["model.0.weight", "model.1.weight", "model.1.bias"])
        XCTAssertEqual(checkpoint.skipped, ["epoch", "note"])
        assertClose(checkpoint["model.1.bias"]!.floatValues(), Self.expected["1.bias"]!.values, rtol: 0, atol: 0)
        #endif
    }

    func testMaliciousPicklesAreRefusedAndNeverRun() throws {
        #if PythonBridge
        let marker = "/tmp/sft-malicious-pickle-ran"
        for (file, module) in [("pickles/malicious.bin", "posix"), ("pickles/malicious-proto4.pkl", "posix")] {
            try? FileManager.default.removeItem(atPath: marker)
            XCTAssertThrowsError(try PickleCheckpoint.load(contentsOf: fixtureURL(file))) { error in
                guard case let .refusedGlobal(path, m, name)? = error as? PickleCheckpointError else {
                    return XCTFail("\(file): expected a refused global, got \(error)")
                }
                XCTAssertTrue(path.hasSuffix(file))
                XCTAssertEqual(m, module)
                XCTAssertEqual(name, "system")
                XCTAssertTrue("\(error)".contains("refused to unpickle posix.system"), "\(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "\(file) ran its command")
        }
        #endif
    }

    /// Reads an F32 safetensors file the simple way: 8-byte header length, JSON header, bytes.
    static func safetensorsFloats(_ url: URL) throws -> [String: (shape: [Int], values: [Float])] {
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as! [String: Any]
        var out: [String: (shape: [Int], values: [Float])] = [:]
        for (name, info) in header where name != "__metadata__" {
            let info = info as! [String: Any]
            XCTAssertEqual(info["dtype"] as? String, "F32")
            let offsets = info["data_offsets"] as! [Int]
            let bytes = data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
            out[name] = (info["shape"] as! [Int], bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        }
        return out
    }

    func testTransformersBinEqualsItsSafetensorsTwin() throws {
        #if PythonBridge
        let checkpoint = try PickleCheckpoint.load(contentsOf: fixtureURL("pickles/gpt2/pytorch_model.bin"))
        let twin = try Self.safetensorsFloats(fixtureURL("pickles/gpt2/model.safetensors"))
        XCTAssertEqual(Set(checkpoint.tensors.map(\.name)), Set(twin.keys))
        XCTAssertGreaterThan(twin.count, 10)
        for tensor in checkpoint.tensors {
            guard let t = twin[tensor.name] else { continue }
            XCTAssertEqual(tensor.shape, t.shape, tensor.name)
            XCTAssertEqual(tensor.floatValues(), t.values, tensor.name)
        }
        #endif
    }

    func testViewsRunningPastTheirStorageAreRefused() throws {
        #if PythonBridge
        XCTAssertThrowsError(try PickleCheckpoint.load(contentsOf: fixtureURL("pickles/oversized.bin"))) { error in
            guard case let .malformed(_, reason)? = error as? PickleCheckpointError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("w: a tensor of size [2, 30]"), reason)
        }
        #endif
    }

    func testBadFilesGiveErrorsNamingTheFile() throws {
        #if PythonBridge
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pickles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tiny = try Data(contentsOf: fixtureURL("pickles/tiny.bin"))
        let legacy = try Data(contentsOf: fixtureURL("pickles/tiny-legacy.bin"))
        let cases: [(String, Data, String)] = [
            ("text.bin", Data("hello, not a pickle".utf8), "neither a zip archive"),
            ("empty.bin", Data(), "neither a zip archive"),
            ("truncated-zip.bin", tiny.prefix(tiny.count / 2), "zip archive is truncated"),
            ("truncated-legacy.bin", legacy.prefix(legacy.count - 10), "legacy storage"),
            ("legacy-pickle-only.bin", legacy.prefix(200), "damaged pickle"),
        ]
        for (name, data, expectedReason) in cases {
            let url = dir.appendingPathComponent(name)
            try data.write(to: url)
            XCTAssertThrowsError(try PickleCheckpoint.load(contentsOf: url), name) { error in
                guard case let .malformed(path, reason)? = error as? PickleCheckpointError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertEqual(path, url.path)
                XCTAssertFalse(reason.isEmpty)
                XCTAssertTrue(reason.contains(expectedReason), "\(name): \(reason)")
            }
        }
        XCTAssertThrowsError(try PickleCheckpoint.load(contentsOf: dir.appendingPathComponent("missing.bin")))
        #endif
    }

    func testWithoutTheBridgeLoadingSaysHowToEnableIt() {
        #if !PythonBridge
        XCTAssertThrowsError(try PickleCheckpoint.load(contentsOf: fixtureURL("pickles/tiny.bin"))) { error in
            XCTAssertTrue("\(error)".contains("--disable-default-traits"), "\(error)")
        }
        #endif
    }
}
