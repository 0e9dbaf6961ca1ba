/// The character classes the known pre-tokenizer regexes test (`\p{L}`, `\p{N}`, `\s`, `[\r\n]`),
/// computed once per scalar with an ASCII table in front of Unicode.Scalar.Properties.
struct CharacterClass: OptionSet, Sendable {
    let rawValue: UInt8
    static let letter = CharacterClass(rawValue: 1)      // \p{L}
    static let number = CharacterClass(rawValue: 2)      // \p{N}
    static let space = CharacterClass(rawValue: 4)       // \s (White_Space)
    static let newline = CharacterClass(rawValue: 8)     // \r or \n
    static let mark = CharacterClass(rawValue: 16)       // \p{M}
    static let connector = CharacterClass(rawValue: 32)  // \p{Pc}, part of \w
    static let upper = CharacterClass(rawValue: 64)      // \p{Lu} \p{Lt}
    static let lower = CharacterClass(rawValue: 128)     // \p{Ll}

    private static let ascii: [CharacterClass] = (0..<128).map { classify(Unicode.Scalar(UInt8($0))) }

    @inline(__always)
    static func of(_ value: UInt32) -> CharacterClass {
        if value < 128 { return ascii[Int(value)] }
        return classify(Unicode.Scalar(value) ?? "\u{FFFD}")
    }

    static func classify(_ scalar: Unicode.Scalar) -> CharacterClass {
        var c: CharacterClass = []
        let p = scalar.properties
        switch p.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: c.formUnion([.letter, .upper])
        case .lowercaseLetter: c.formUnion([.letter, .lower])
        case .modifierLetter, .otherLetter: c.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber: c.insert(.number)
        case .nonspacingMark, .spacingMark, .enclosingMark: c.insert(.mark)
        case .connectorPunctuation: c.insert(.connector)
        default: break
        }
        if p.isWhitespace { c.insert(.space) }
        if scalar == "\r" || scalar == "\n" { c.insert(.newline) }
        return c
    }

    /// Regex `\w`: letters, marks, decimal digits, connector punctuation (Unicode word characters).
    static func isWord(_ value: UInt32) -> Bool {
        let c = of(value)
        if !c.isDisjoint(with: [.letter, .mark, .connector]) { return true }
        guard c.contains(.number), let s = Unicode.Scalar(value) else { return false }
        return s.properties.generalCategory == .decimalNumber
    }
}

/// Decodes the scalar starting at `i` of valid UTF-8 (our buffers come from Swift strings).
/// Returns the scalar value and its length in bytes.
@inline(__always)
func decodeScalar(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (value: UInt32, length: Int) {
    let b0 = UInt32(p[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F), 2) }
    if b0 < 0xF0 {
        return ((b0 & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F), 3)
    }
    return ((b0 & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6
            | UInt32(p[i + 3] & 0x3F), 4)
}

/// Start of the scalar that ends just before byte `i` (walks back over continuation bytes).
@inline(__always)
func previousScalarStart(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
    var j = i - 1
    while j > 0 && p[j] & 0xC0 == 0x80 { j -= 1 }
    return j
}
