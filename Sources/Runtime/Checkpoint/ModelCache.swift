import Foundation

/// Where `scripts/fetch-model` keeps the models it fetches: `$SFT_MODEL_CACHE`, else
/// `~/.cache/sft/models`, one folder per model. Benchmarks and tests find the real model here.
public enum ModelCache {
    public static var folder: URL {
        ProcessInfo.processInfo.environment["SFT_MODEL_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/sft/models")
    }

    /// SmolLM2-135M-Instruct's Q4_1 GGUF, where `scripts/fetch-model smollm2-135m-instruct` puts
    /// it (the file may be absent).
    public static var smolLM2: URL {
        folder.appendingPathComponent("smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    /// The file at `relativePath` inside the cache, or nil when it has not been fetched.
    public static func file(_ relativePath: String) -> URL? {
        let url = folder.appendingPathComponent(relativePath)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}
