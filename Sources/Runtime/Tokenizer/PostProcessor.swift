/// What `encode(addSpecialTokens: true)` puts around the ids (HF post-processors). Only single
/// sequences are supported; pairs are not part of SFT.
indirect enum PostProcessor: Sendable {
    /// A template: token ids and `$A` in order (`TemplateProcessing.single`).
    case template([TemplatePiece])
    /// `<s> $A </s>` (RobertaProcessing / BertProcessing).
    case wrap(prefix: Int, suffix: Int)
    /// Changes offsets only (ByteLevel); ids pass through.
    case none
    case sequence([PostProcessor])

    enum TemplatePiece: Sendable, Equatable { case sequence, tokens([Int]) }

    func apply(_ ids: [Int]) -> [Int] {
        switch self {
        case .template(let pieces):
            var out: [Int] = []
            out.reserveCapacity(ids.count + 2)
            for piece in pieces {
                switch piece {
                case .sequence: out += ids
                case .tokens(let t): out += t
                }
            }
            return out
        case .wrap(let prefix, let suffix): return [prefix] + ids + [suffix]
        case .none: return ids
        case .sequence(let steps): return steps.reduce(ids) { $1.apply($0) }
        }
    }
}
