/// Weight bytes one decode step reads (one token through every layer and the head): every
/// Float32 parameter and packed weight once, except the embedding table, of which a lookup reads
/// one row; the head is read whole, packed when the model keeps it packed. Divided into the
/// memory read bandwidth it bounds decode speed, since decode is a chain of matrix-vector products.
public func decodeWeightBytes(of model: any CausalLM) -> Int {
    let vocabTable = model.config.vocabSize * model.config.hiddenSize * 4
    var bytes = model.namedParameters().reduce(0) { $0 + $1.tensor.count * 4 }
    for (_, module) in model.namedModules() {
        if let packed = module as? any PackedLinearLayer { bytes += packed.packedWeight.byteCount }
    }
    bytes -= vocabTable  // the embedding table: one row per token
    if let head = model.packedHead {
        bytes += head.byteCount
        if !model.config.tieWordEmbeddings { bytes -= vocabTable }  // the Float32 lm_head copy is not read
    } else if model.config.tieWordEmbeddings {
        bytes += vocabTable
    }
    return bytes
}
