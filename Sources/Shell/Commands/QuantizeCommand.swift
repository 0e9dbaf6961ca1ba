import Foundation
import Runtime

/// `quantize nf4|int8`: stores the model's frozen linear layers quantized (QLoRA's NF4 or an
/// LLM.int8 base), before `lora` wraps them with trainable adapters.
enum QuantizeCommand {
    static let definition = CommandDefinition(
        spec: CommandSpec(
            verb: "quantize",
            summary: "Store the base model's linear layers (all but the output head) as NF4 (QLoRA) or int8, frozen; apply LoRA afterwards.",
            positionals: [.required("format", .choice(["nf4", "int8"]), "nf4: 4-bit NormalFloat blocks of 64 (bitsandbytes' format); int8: LLM.int8 rows with outlier columns.")],
            options: [.optional("double_quant", .bool, default: "true", "NF4: quantize the block scales too (QLoRA's double quantization)."),
                      .optional("threshold", .float, default: "6", range: 0...1_000_000, "int8: input columns above this magnitude stay in full precision.")],
            examples: ["quantize nf4", "quantize int8 threshold=6"]),
        run: { arguments, context in
            let model = try context.session.requireModel()
            guard model.lora == nil else {
                throw ArgumentProblem(message: "quantize the base before `lora`: the adapter is already applied", location: arguments.location(of: "format"))
            }
            let format: BaseQuantization = arguments.string("format") == "nf4"
                ? .nf4(doubleQuantize: arguments.bool("double_quant")!) : .int8(threshold: Float(arguments.double("threshold")!))
            let summary = quantizeBase(model.network, as: format)
            context.output.line("quantized \(summary.quantizedPaths.count) layers to \(arguments.string("format")!): "
                + "\(formatNumber(Double(summary.floatBytes) / 1e6)) MB -> \(formatNumber(Double(summary.packedBytes) / 1e6)) MB")
        })
}
