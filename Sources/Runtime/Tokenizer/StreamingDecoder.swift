/// Turns ids into text one id at a time during generation, never emitting half a UTF-8
/// character (byte-level and byte-fallback tokens may split one) and keeping the spacing the
/// whole-sequence decode gives. It re-decodes a short window: the ids since the last emitted
/// text plus the token before them as context (HF `DecodeStream`).
///
/// ```swift
/// var stream = StreamingDecoder(tokenizer: tok)
/// for id in generated { output += stream.push(id) }
/// output += stream.finish()
/// ```
public struct StreamingDecoder: Sendable {
    public let tokenizer: Tokenizer
    public let skipSpecialTokens: Bool
    private var window: [Int] = []
    /// Decoded text of the context part of the window (the first `contextCount` ids).
    private var prefix = ""
    private var contextCount = 0

    /// A stream that decodes like `tokenizer.decode(_:skipSpecialTokens:)`.
    public init(tokenizer: Tokenizer, skipSpecialTokens: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecialTokens = skipSpecialTokens
    }

    /// The text `id` completes; empty while a character is still incomplete.
    public mutating func push(_ id: Int) -> String {
        window.append(id)
        let text = tokenizer.decode(window, skipSpecialTokens: skipSpecialTokens)
        guard text.utf8.count > prefix.utf8.count, !text.hasSuffix("\u{FFFD}") else { return "" }
        let fresh = Self.suffix(of: text, after: prefix)
        // Keep only the newly emitted ids: the next push decodes them as context.
        window.removeFirst(contextCount)
        contextCount = window.count
        prefix = tokenizer.decode(window, skipSpecialTokens: skipSpecialTokens)
        return fresh
    }

    /// Whatever is still held back (an incomplete character comes out as U+FFFD, as in `decode`).
    public mutating func finish() -> String {
        let text = tokenizer.decode(window, skipSpecialTokens: skipSpecialTokens)
        let rest = text.utf8.count > prefix.utf8.count ? Self.suffix(of: text, after: prefix) : ""
        window = []; prefix = ""; contextCount = 0
        return rest
    }

    /// `text` without `prefix`; when a decoder rewrote the prefix, without their common part.
    private static func suffix(of text: String, after prefix: String) -> String {
        let t = Array(text.utf8), p = Array(prefix.utf8)
        var k = 0
        while k < p.count && k < t.count && t[k] == p[k] { k += 1 }
        return String(decoding: t[k...], as: UTF8.self)
    }
}
