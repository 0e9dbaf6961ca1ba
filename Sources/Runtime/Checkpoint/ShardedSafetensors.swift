import Foundation

/// The tensors of a checkpoint split over several safetensors files, as listed by
/// `model.safetensors.index.json` (`{"metadata": {...}, "weight_map": {tensor: shard file}}`).
public enum ShardedSafetensors {
    /// Opens every shard the index names (each once) and returns the tensors of the weight
    /// map. A shard that lacks a listed tensor, or a shard path leaving the folder, is an error
    /// naming the index file.
    public static func load(index url: URL) throws -> [String: StoredTensor] {
        struct Index: Decodable {
            var weightMap: [String: String]
            enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
        }
        let index = try decodeJSONFile(Index.self, at: url)
        let folder = url.deletingLastPathComponent()
        var shards: [String: SafetensorsFile] = [:]
        var tensors: [String: StoredTensor] = [:]
        for (name, shard) in index.weightMap.sorted(by: { $0.key < $1.key }) {
            guard !shard.isEmpty, !shard.contains("/"), !shard.contains("\\"), shard != "..", shard != "." else {
                throw CheckpointError.invalidConfig(file: url.path, key: "weight_map.\(name)", reason: "shard '\(shard)' is not a file name in this folder")
            }
            if shards[shard] == nil { shards[shard] = try SafetensorsFile(url: folder.appendingPathComponent(shard)) }
            guard let tensor = shards[shard]?.tensors[name] else {
                throw CheckpointError.invalidConfig(file: url.path, key: "weight_map.\(name)", reason: "shard '\(shard)' has no such tensor")
            }
            tensors[name] = tensor
        }
        return tensors
    }
}
