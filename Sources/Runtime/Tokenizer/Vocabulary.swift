/// A token string compared byte for byte. Swift's String equality is canonical equivalence, under
/// which distinct vocabulary entries (";" and U+037E, U+0301 and U+0341) would be the same key.
struct TokenKey: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: TokenKey, b: TokenKey) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }

    func hash(into hasher: inout Hasher) {
        var s = text
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Token string -> id, with exact (byte-wise) keys.
struct Vocabulary: Sendable {
    private(set) var ids: [TokenKey: Int32] = [:]

    init() {}

    subscript(token: String) -> Int32? {
        get { ids[TokenKey(token)] }
        set { ids[TokenKey(token)] = newValue }
    }

    var count: Int { ids.count }
    mutating func reserveCapacity(_ n: Int) { ids.reserveCapacity(n) }
}
