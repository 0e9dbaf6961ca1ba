/// A weight in QLoRA's NF4 storage, laid out exactly as bitsandbytes' `quantize_4bit(W,
/// blocksize=64, quant_type="nf4")`: W is flattened row-major and cut into blocks of 64 values
/// (a block may straddle rows when in_features is not a multiple of 64; the last block may be
/// short), each block scaled by its absmax to [-1, 1] and each value stored as the 4-bit index
/// of its NF4 bucket, two per byte, first value in the high nibble (an odd count ends with a
/// pad nibble). Any shape is accepted.
///
/// With double quantization (QLoRA's default, `compress_statistics=True`) the absmaxes
/// themselves are stored as 8-bit dynamic-map codes of (absmax - mean) in blocks of 256.
/// Storage: 0.5 byte per value plus 1/64 byte (double-quantized) or 1/16 byte (plain).
public struct NF4Weight: PackedWeight {
    public static let blockSize = 64
    public static let absmaxBlockSize = 256

    public let outFeatures: Int
    public let inFeatures: Int
    /// Packed codes, ceil(out * in / 2) bytes.
    public let codes: [UInt8]
    public let scales: BlockScales

    /// How the per-block absmaxes are stored.
    public enum BlockScales: Sendable, Equatable {
        case plain([Float])
        /// absmax[b] = map[codes[b]] * scales[b / 256] + offset.
        case doubleQuantized(codes: [UInt8], scales: [Float], offset: Float)
    }

    /// Quantizes a row-major [out, in] weight.
    public init(quantizing values: UnsafeBufferPointer<Float>, outFeatures: Int, inFeatures: Int,
                doubleQuantize: Bool = true) {
        precondition(values.count == outFeatures * inFeatures,
                     "NF4Weight: \(values.count) values for [\(outFeatures), \(inFeatures)]")
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        let (codes, absmax) = quantizeNF4(values)
        self.codes = codes
        scales = doubleQuantize ? quantizeAbsmax(absmax) : .plain(absmax)
    }

    /// Rebuilds a weight from stored parts (e.g. bitsandbytes' state); sizes are checked.
    public init(outFeatures: Int, inFeatures: Int, codes: [UInt8], scales: BlockScales) {
        let n = outFeatures * inFeatures, blocks = (n + Self.blockSize - 1) / Self.blockSize
        precondition(codes.count == (n + 1) / 2, "NF4Weight: \(codes.count) code bytes for \(n) values")
        switch scales {
        case .plain(let a): precondition(a.count == blocks, "NF4Weight: \(a.count) absmaxes for \(blocks) blocks")
        case let .doubleQuantized(c, s, _):
            precondition(c.count == blocks && s.count == (blocks + Self.absmaxBlockSize - 1) / Self.absmaxBlockSize,
                         "NF4Weight: \(c.count) absmax codes and \(s.count) scales for \(blocks) blocks")
        }
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        self.codes = codes
        self.scales = scales
    }

    public var byteCount: Int {
        switch scales {
        case .plain(let a): return codes.count + 4 * a.count
        case let .doubleQuantized(c, s, _): return codes.count + c.count + 4 * s.count + 4
        }
    }

    /// The absmax of block `b`, as bitsandbytes dequantizes it (Float32 ops in its order).
    @inline(__always)
    public func absmax(block b: Int) -> Float {
        switch scales {
        case .plain(let a): return a[b]
        case let .doubleQuantized(c, s, offset):
            return dynamicQuantizationMap[Int(c[b])] * s[b / Self.absmaxBlockSize] + offset
        }
    }

    public func decodeRows(_ rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= outFeatures, "NF4Weight: rows \(rows) of \(outFeatures)")
        decodeValues(from: rows.lowerBound * inFeatures, count: rows.count * inFeatures, into: destination)
    }

    /// Flat values start..<start+count: table[code] * absmax, block by block.
    func decodeValues(from start: Int, count: Int, into destination: UnsafeMutablePointer<Float>) {
        let end = start + count
        var i = start
        codes.withUnsafeBufferPointer { packed in
            while i < end {
                let block = i / Self.blockSize
                let blockEnd = min(end, (block + 1) * Self.blockSize)
                let scale = absmax(block: block)
                // Tables of the 16 products for this block: one lookup per value.
                var table = SIMD16<Float>()
                for k in 0..<16 { table[k] = nf4Codebook[k] * scale }
                while i < blockEnd {
                    let byte = packed[i >> 1]
                    destination[i - start] = table[Int(i & 1 == 0 ? byte >> 4 : byte & 0x0F)]
                    i += 1
                }
            }
        }
    }
}

/// bitsandbytes' blockwise quantization of a flat tensor (its default torch kernels, which
/// its CPU build runs for quantize_4bit and, for the absmaxes, quantize_blockwise): blocks of
/// `blockSize` scaled by their absmax -- full blocks as x * (1 / absmax), the short last block
/// as x / absmax, torch's two code paths -- clamped to [-1, 1] and bucketized against `bounds`.
/// An all-zero block has absmax 0 (scaled through 1e-38, so its values take the code of 0).
func quantizeBlockwise(_ values: UnsafeBufferPointer<Float>, blockSize: Int,
                       bounds: [Float]) -> (indices: [UInt8], absmax: [Float]) {
    let n = values.count
    let blocks = (n + blockSize - 1) / blockSize
    var absmax = [Float](repeating: 0, count: blocks)
    var indices = [UInt8](repeating: 0, count: n)
    bounds.withUnsafeBufferPointer { bounds in
        for b in 0..<blocks {
            let lo = b * blockSize, hi = min(n, lo + blockSize)
            var m: Float = 0
            for i in lo..<hi { m = max(m, abs(values[i])) }
            absmax[b] = m
            let safe = max(m, 1e-38), reciprocal = 1 / safe
            let full = hi - lo == blockSize
            for i in lo..<hi {
                indices[i] = bucket(min(max(full ? values[i] * reciprocal : values[i] / safe, -1), 1), bounds)
            }
        }
    }
    return (indices, absmax)
}

/// NF4 codes (packed two per byte, high nibble first, an odd count padded with the code of 0)
/// and the absmax of every block of 64.
func quantizeNF4(_ values: UnsafeBufferPointer<Float>) -> (codes: [UInt8], absmax: [Float]) {
    var (nibbles, absmax) = quantizeBlockwise(values, blockSize: NF4Weight.blockSize, bounds: nf4Bounds)
    if nibbles.count % 2 == 1 { nibbles.append(7) }   // 7 is the code of 0
    let codes = (0..<(nibbles.count / 2)).map { nibbles[2 * $0] << 4 | nibbles[2 * $0 + 1] }
    return (codes, absmax)
}

/// QLoRA's double quantization: subtract the mean absmax (summed in Double), then 8-bit
/// dynamic-map codes in blocks of 256 with a Float32 absmax each.
func quantizeAbsmax(_ absmax: [Float]) -> NF4Weight.BlockScales {
    let offset = Float(absmax.reduce(0.0) { $0 + Double($1) } / Double(max(absmax.count, 1)))
    let centered = absmax.map { $0 - offset }
    let (codes, scales) = centered.withUnsafeBufferPointer {
        quantizeBlockwise($0, blockSize: NF4Weight.absmaxBlockSize, bounds: dynamicMapBounds)
    }
    return .doubleQuantized(codes: codes, scales: scales, offset: offset)
}
