/// Renders a conversation to text the way a model's own chat template does. The data pipeline
/// reaches the chat-template engine only through this; the lead connects `ChatTemplate` to it.
public protocol ConversationRenderer: Sendable {
    /// The text of `turns`; with `addGenerationPrompt`, followed by the opening of an assistant
    /// turn (what the model sees before it answers). Throws when the template refuses the turns.
    func render(_ turns: [ConversationTurn], addGenerationPrompt: Bool) throws -> String
}

/// One piece of rendered text and whether the model is trained to produce it.
public struct TextSegment: Sendable, Equatable {
    public var text: String
    /// True for completion text (assistant turns, outputs): the tokens get labels.
    public var supervised: Bool

    public init(_ text: String, supervised: Bool) {
        self.text = text
        self.supervised = supervised
    }
}

enum ConversationSegmenter {
    /// Splits a rendered conversation into segments: every assistant turn is supervised. Its span
    /// is the text between rendering the turns before it with the generation prompt and rendering
    /// the turns up to it, so it comes from the template itself, never from searching the text.
    /// Requires the template to render each prefix of the conversation as a prefix of the whole
    /// (true of ordinary chat templates); throws naming the row otherwise.
    static func segments(_ turns: [ConversationTurn], renderer: any ConversationRenderer,
                         file: String, line: Int) throws -> [TextSegment] {
        let whole = Array(try renderer.render(turns, addGenerationPrompt: false).unicodeScalars)
        var segments: [TextSegment] = []
        var done = 0  // scalars of `whole` already placed into segments
        func take(upTo end: Int, supervised: Bool) {
            guard end > done else { return }
            let text = String(String.UnicodeScalarView(whole[done..<end]))
            if let last = segments.last, last.supervised == supervised {
                segments[segments.count - 1].text += text
            } else {
                segments.append(TextSegment(text, supervised: supervised))
            }
            done = end
        }
        for (k, turn) in turns.enumerated() where turn.role == "assistant" {
            let before = Array(try renderer.render(Array(turns[..<k]), addGenerationPrompt: true).unicodeScalars)
            let through = Array(try renderer.render(Array(turns[...k]), addGenerationPrompt: false).unicodeScalars)
            guard before.count >= done, whole.starts(with: before), whole.starts(with: through), through.count >= before.count else {
                throw DataError(file: file, line: line, key: "messages[\(k)]",
                                "the chat template renders the conversation before this assistant turn differently from "
                                    + "the whole conversation, so the turn's span cannot be taken from the template")
            }
            take(upTo: before.count, supervised: false)
            take(upTo: through.count, supervised: true)
        }
        take(upTo: whole.count, supervised: false)
        return segments
    }
}
