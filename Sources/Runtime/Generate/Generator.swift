import Foundation

/// Why generation ended.
public enum FinishReason: String, Sendable, Codable { case stopToken = "stop", stopString = "stop_string", length, cancelled }

/// The result of one generation.
public struct Generation: Sendable {
    public var tokens: [Int]
    public var text: String
    public var finishReason: FinishReason
    public var promptTokens: Int
    public var prefillSeconds: Double
    public var decodeSeconds: Double
}

/// Generates a continuation of `prompt` (token ids) with a KV cache: the prompt is run once
/// (prefill), then one token at a time (decode). `onText` receives each new piece of text as
/// soon as it is whole UTF-8 and may answer false to stop (a client went away).
public func generate(_ model: any CausalLM, tokenizer: any TextTokenizer, prompt: [Int], options: SamplingOptions,
                     onText: (String) -> Bool = { _ in true }) -> Generation {
    precondition(!prompt.isEmpty, "generate: empty prompt")
    let capacity = min(prompt.count + options.maxNewTokens, model.config.maxPositionEmbeddings)
    let cache = KVCache(config: model.config, capacity: max(capacity, prompt.count))
    var sampler = TokenSampler(options: options)
    var context = prompt
    var generated: [Int] = []
    var emitted = ""
    var reason = FinishReason.length
    let stopIds = Set(options.stopTokenIds)
    let start = Date()
    var prefillSeconds = 0.0
    var next = withNoGrad { nextTokenLogits(model, tokens: prompt, cache: cache) }
    prefillSeconds = Date().timeIntervalSince(start)
    while generated.count < options.maxNewTokens {
        let token = sampler.next(logits: next, context: context)
        if stopIds.contains(token) { reason = .stopToken; break }
        generated.append(token)
        context.append(token)
        var text = tokenizer.decode(generated, skipSpecialTokens: true)
        if let cut = options.stopStrings.compactMap({ text.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            text = String(text[..<cut.lowerBound])
            if text.count > emitted.count, text.hasPrefix(emitted) { _ = onText(String(text.dropFirst(emitted.count))) }
            emitted = text
            reason = .stopString
            break
        }
        // Hold back text that ends in a replacement character: the next token may complete it.
        if !text.hasSuffix("\u{FFFD}"), text.hasPrefix(emitted), text.count > emitted.count {
            let piece = String(text.dropFirst(emitted.count))
            emitted = text
            if !onText(piece) { reason = .cancelled; break }
        }
        guard cache.fits(1) else { reason = .length; break }
        next = withNoGrad { nextTokenLogits(model, tokens: [token], cache: cache) }
    }
    if reason != .stopString { emitted = tokenizer.decode(generated, skipSpecialTokens: true) }
    let total = Date().timeIntervalSince(start)
    return Generation(tokens: generated, text: emitted, finishReason: reason, promptTokens: prompt.count,
                      prefillSeconds: prefillSeconds, decodeSeconds: total - prefillSeconds)
}

/// Runs `tokens` after the cached ones and returns the logits of the last position [V], through
/// the packed head when the model keeps one.
public func nextTokenLogits(_ model: any CausalLM, tokens: [Int], cache: KVCache) -> [Float] {
    let past = cache.length
    let input = ModelInput(ids: tokens, batch: 1, length: tokens.count, positions: Array(past..<(past + tokens.count)))
    let hidden = model.hiddenStates(input, cache: cache)
    let last = hidden.reshaped([tokens.count, model.config.hiddenSize]).rows((tokens.count - 1)..<tokens.count)
    if let head = model.packedHead { return packedLinear(last, weight: head).scalars }
    return matmul(last, model.headWeight, transposeB: true).scalars
}
