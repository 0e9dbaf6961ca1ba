import Foundation
import Runtime

/// `sft bench quant`: weight bytes, peak resident memory and step time of one forward and
/// backward through a stack of frozen linear layers, Float32 next to NF4 and LLM.int8.
enum QuantBench {
    static func run(_ arguments: [String]) -> Int32 {
        let (layers, features, tokens) = (8, 1024, 256)
        print("frozen base: \(layers) layers x \(features) features, \(tokens) tokens, one forward + backward")
        print("format   weights (MB)   peak RSS increase (MB)   step (ms)")
        for format in [nil, BaseQuantization.nf4(), BaseQuantization.int8()] as [BaseQuantization?] {
            let r = measureFrozenBaseMemory(layers: layers, features: features, tokens: tokens, format: format)
            print(String(format: "%-8@ %12.1f %24.1f %11.1f", r.format as NSString, Double(r.weightBytes) / 1e6,
                         Double(r.peakResidentIncrease) / 1e6, r.stepSeconds * 1000))
        }
        return 0
    }
}
