/// What the data pipeline, generation and evaluation need of a tokenizer. `Tokenizer` (built
/// from tokenizer.json, vocab.json + merges.txt or GGUF metadata) conforms; tests may use
/// small conforming types of their own.
public protocol TextTokenizer: Sendable {
    /// Token ids of `text`. With `addSpecialTokens`, the post-processor's BOS/EOS are added
    /// exactly as HF `tokenizer(text)` would; special tokens written inside `text` are
    /// recognized either way.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int]
    /// The text of `ids`; with `skipSpecialTokens`, special tokens are left out.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String
    var vocabularySize: Int { get }
    var bosTokenId: Int? { get }
    var eosTokenId: Int? { get }
    var padTokenId: Int? { get }
    /// The id of a token given by its exact string (special tokens like `<|im_end|>`), if any.
    func tokenId(_ token: String) -> Int?
}
