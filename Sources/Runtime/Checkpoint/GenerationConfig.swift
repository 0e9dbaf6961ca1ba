import Foundation

/// The generation defaults an HF folder may ship in `generation_config.json`. Only the fields
/// generation uses; all optional, as in HF.
public struct GenerationConfig: Codable, Sendable, Equatable {
    public var bosTokenId: Int?
    /// One id or a list in the file; always a list here.
    public var eosTokenIds: [Int]
    public var padTokenId: Int?
    public var doSample: Bool?
    public var temperature: Double?
    public var topK: Int?
    public var topP: Double?
    public var repetitionPenalty: Double?
    public var maxNewTokens: Int?
    public var maxLength: Int?

    public init(bosTokenId: Int? = nil, eosTokenIds: [Int] = [], padTokenId: Int? = nil, doSample: Bool? = nil,
                temperature: Double? = nil, topK: Int? = nil, topP: Double? = nil, repetitionPenalty: Double? = nil,
                maxNewTokens: Int? = nil, maxLength: Int? = nil) {
        self.bosTokenId = bosTokenId
        self.eosTokenIds = eosTokenIds
        self.padTokenId = padTokenId
        self.doSample = doSample
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.maxNewTokens = maxNewTokens
        self.maxLength = maxLength
    }

    enum CodingKeys: String, CodingKey {
        case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id", padTokenId = "pad_token_id", doSample = "do_sample"
        case temperature, topK = "top_k", topP = "top_p", repetitionPenalty = "repetition_penalty"
        case maxNewTokens = "max_new_tokens", maxLength = "max_length"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        bosTokenId = try c.decodeIfPresent(Int.self, forKey: .bosTokenId)
        eosTokenIds = try c.decodeTokenIds(.eosTokenId)
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId)
        doSample = try c.decodeIfPresent(Bool.self, forKey: .doSample)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        topK = try c.decodeIfPresent(Int.self, forKey: .topK)
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        repetitionPenalty = try c.decodeIfPresent(Double.self, forKey: .repetitionPenalty)
        maxNewTokens = try c.decodeIfPresent(Int.self, forKey: .maxNewTokens)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(bosTokenId, forKey: .bosTokenId)
        try c.encodeTokenIds(eosTokenIds, forKey: .eosTokenId)
        try c.encodeIfPresent(padTokenId, forKey: .padTokenId)
        try c.encodeIfPresent(doSample, forKey: .doSample)
        try c.encodeIfPresent(temperature, forKey: .temperature)
        try c.encodeIfPresent(topK, forKey: .topK)
        try c.encodeIfPresent(topP, forKey: .topP)
        try c.encodeIfPresent(repetitionPenalty, forKey: .repetitionPenalty)
        try c.encodeIfPresent(maxNewTokens, forKey: .maxNewTokens)
        try c.encodeIfPresent(maxLength, forKey: .maxLength)
    }

    /// Reads `generation_config.json`; an invalid field is an error naming the file and key.
    public static func load(from url: URL) throws -> GenerationConfig {
        try decodeJSONFile(GenerationConfig.self, at: url)
    }
}
