import Runtime

/// The fixtures' tokenizer (scripts/fixtures/data.py): ids 0...6 are the special tokens below,
/// every UTF-8 byte b is 7 + b, and `addSpecialTokens` puts <s> in front. Optional `merges` are
/// extra multi-byte tokens (ids from 263 on, matched greedily, longest first) to make tokens that
/// cross a prompt/completion boundary.
struct ByteTestTokenizer: TextTokenizer {
    static let specials = ["<pad>", "<s>", "</s>", "<start_of_turn>", "<end_of_turn>", "<|im_start|>", "<|im_end|>"]
    var merges: [String] = []
    var addsBOS = true
    var hasPad = true

    private static let specialBytes = specials.map { Array($0.utf8) }

    func encode(_ text: String, addSpecialTokens: Bool) -> [Int] {
        let bytes = Array(text.utf8)
        var ids: [Int] = addSpecialTokens && addsBOS ? [1] : []
        ids.reserveCapacity(bytes.count + 1)
        // Longest first, so a merge never hides a longer one; plain index loops because debug
        // builds make generic slicing slow.
        let mergeBytes = merges.map { Array($0.utf8) }.enumerated().sorted { $0.element.count > $1.element.count }
        func matches(_ token: [UInt8], at i: Int) -> Bool {
            if i + token.count > bytes.count { return false }
            var k = 0
            while k < token.count { if bytes[i + k] != token[k] { return false }; k += 1 }
            return true
        }
        var i = 0
        outer: while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<") {
                for id in 0..<Self.specialBytes.count where matches(Self.specialBytes[id], at: i) {
                    ids.append(id)
                    i += Self.specialBytes[id].count
                    continue outer
                }
            }
            for (k, m) in mergeBytes where matches(m, at: i) {
                ids.append(263 + k)
                i += m.count
                continue outer
            }
            ids.append(7 + Int(bytes[i]))
            i += 1
        }
        return ids
    }

    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            if id < 7 {
                if !skipSpecialTokens { bytes += Array(Self.specials[id].utf8) }
            } else if id < 263 {
                bytes.append(UInt8(id - 7))
            } else {
                bytes += Array(merges[id - 263].utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    var vocabularySize: Int { 263 + merges.count }
    var bosTokenId: Int? { 1 }
    var eosTokenId: Int? { 2 }
    var padTokenId: Int? { hasPad ? 0 : nil }
    func tokenId(_ token: String) -> Int? { Self.specials.firstIndex(of: token) }
}
