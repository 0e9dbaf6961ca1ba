import Foundation
import Runtime

/// Connects the bridge to model loading: an HF folder that holds only `pytorch_model.bin`
/// loads like a safetensors folder once `install()` has run (the `sft` executable calls it at
/// start-up in builds with the bridge).
public enum PickleModelImport {
    /// Makes `ModelCheckpoint.load` read pickled checkpoints through this bridge.
    public static func install() {
        ModelCheckpoint.pickleReader = { try storedTensors(contentsOf: $0) }
    }

    /// The checkpoint's tensors, by their state-dict names, as stored tensors over bytes they own
    /// (copied out of Python once). Non-tensor entries are left out.
    public static func storedTensors(contentsOf url: URL) throws -> [String: StoredTensor] {
        let checkpoint = try PickleCheckpoint.load(contentsOf: url)
        var tensors: [String: StoredTensor] = [:]
        for tensor in checkpoint.tensors {
            guard let dtype = StoredDType(rawValue: tensor.dtype.rawValue) else {
                throw PickleCheckpointError.malformed(path: url.path, reason: "tensor '\(tensor.name)' has dtype \(tensor.dtype.rawValue), which the runtime cannot hold")
            }
            let bytes: [UInt8]
            switch tensor.values {
            case .float32(let values): bytes = values.withUnsafeBytes { Array($0) }
            case .raw(let raw): bytes = raw
            }
            tensors[tensor.name] = StoredTensor(name: tensor.name, dtype: dtype, shape: tensor.shape, owning: bytes)
        }
        return tensors
    }
}
