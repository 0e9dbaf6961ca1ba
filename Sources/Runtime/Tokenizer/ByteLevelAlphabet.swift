/// GPT-2's byte-to-character table: every byte gets a printable character, so byte-level
/// vocabularies can be stored as strings. Printable Latin-1 bytes map to themselves; the other
/// 68 bytes map to U+0100 and upwards, in byte order.
enum ByteLevelAlphabet {
    /// `character[b]` is the scalar that spells byte `b`.
    static let character: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar spells, or nil for scalars outside the alphabet.
    static let byte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, c) in character.enumerated() { map[c.value] = UInt8(b) }
        return map
    }()

    /// The alphabet spelling of raw bytes.
    static func spell<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(character[Int(b)]) }
        return String(s)
    }

    /// The bytes of a token spelled in the alphabet; nil when any scalar is outside it.
    static func bytes(of token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for c in token.unicodeScalars {
            guard let b = byte[c.value] else { return nil }
            out.append(b)
        }
        return out
    }
}
