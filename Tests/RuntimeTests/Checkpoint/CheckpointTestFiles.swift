import Foundation
import XCTest
import Runtime

/// A fresh temporary folder per test, removed afterwards.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sft-checkpoint-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// SplitMix64: a tiny seeded generator so fuzz cases are the same on every run.
struct FuzzGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_E5B9_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The SmolLM2 GGUF when it is cached ($SFT_MODEL_CACHE or ~/.cache/sft/models), else nil.
func cachedSmolLM2() -> URL? {
    FileManager.default.fileExists(atPath: ModelCache.smolLM2.path) ? ModelCache.smolLM2 : nil
}
