/// The storage a frozen base's linear layers are converted to.
public enum BaseQuantization: Sendable, Equatable {
    /// QLoRA's NF4, blocks of 64, optionally double-quantized absmaxes (QLoRA's default).
    case nf4(doubleQuantize: Bool = true)
    /// LLM.int8: per-row int8 weights, outlier input columns (|x| >= threshold) in full precision.
    case int8(threshold: Float = 6)
}

/// What `quantizeBase` did, for the shell to show.
public struct QuantizationSummary: Sendable, Equatable {
    /// Paths of the layers now stored quantized.
    public var quantizedPaths: [String]
    /// Bytes of the replaced Float32 weights, and of their packed form.
    public var floatBytes: Int
    public var packedBytes: Int
}

/// Freezes `model` and replaces every plain `Linear` below it except the output head
/// (`lm_head`, which the models' fused loss reads as a Float32 matrix) with its quantized form
/// (bitsandbytes' `load_in_4bit` / `load_in_8bit`). Apply LoRA afterwards to train adapters over
/// the quantized base; layers already wrapped by LoRA are left alone.
@discardableResult
public func quantizeBase(_ model: Module, as format: BaseQuantization) -> QuantizationSummary {
    model.freeze()
    var summary = QuantizationSummary(quantizedPaths: [], floatBytes: 0, packedBytes: 0)
    model.replaceModules { path, module in
        guard let linear = module as? Linear, path.split(separator: ".").last != "lm_head" else { return nil }
        let quantized: any LinearLayer & Module
        let packedBytes: Int
        switch format {
        case .nf4(let double):
            let q = NF4Linear(quantizing: linear, doubleQuantize: double)
            (quantized, packedBytes) = (q, q.weight.byteCount)
        case .int8(let threshold):
            let q = Int8Linear(quantizing: linear, threshold: threshold)
            (quantized, packedBytes) = (q, q.weight.byteCount)
        }
        summary.quantizedPaths.append(path)
        summary.floatBytes += 4 * linear.weight.count
        summary.packedBytes += packedBytes
        return quantized
    }
    model.freeze()
    return summary
}
