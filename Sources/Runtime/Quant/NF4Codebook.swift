import Foundation

// The two code books of QLoRA's storage, as bitsandbytes defines them.

/// NF4: sixteen quantiles of N(0, 1) scaled to [-1, 1] (bitsandbytes' `get_4bit_type("nf4")`;
/// these are float32 values, printed with enough digits to round-trip).
public let nf4Codebook: [Float] = [
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]

/// Decision bounds between neighbouring NF4 codes, (c[i] + c[i+1]) / 2 in Float32: a scaled
/// value takes the code of the number of bounds strictly below it (torch.bucketize, so a value
/// exactly on a bound takes the lower code), as bitsandbytes' quantize_4bit does.
let nf4Bounds: [Float] = (0..<15).map { (nf4Codebook[$0] + nf4Codebook[$0 + 1]) / 2 }

/// bitsandbytes' signed 8-bit dynamic map (`create_dynamic_map()`): for exponent e = 0...6,
/// 2^e fraction values 10^(e-6) * mean of neighbouring points of linspace(0.1, 1, 2^e + 1),
/// both signs, plus 0 and 1; 256 values ascending. It quantizes the NF4 absmaxes (double
/// quantization). Every step is Float32 as in torch (the power of ten too: a Python scalar
/// times a Float32 tensor is a Float32 product).
public let dynamicQuantizationMap: [Float] = {
    var data: [Float] = [0, 1]
    for e in 0..<7 {
        let points = float32Linspace(0.1, 1, count: (1 << e) + 1)
        let power = Float(pow(10.0, Double(e - 6)))
        for i in 0..<(points.count - 1) {
            let mean = (points[i] + points[i + 1]) / 2
            data.append(power * mean)
            data.append(-power * mean)
        }
    }
    return data.sorted()
}()

/// torch.linspace in Float32 on the CPU (its vectorized kernel): the first half counts up from
/// `start`, the second half down from `end`, with step (end - start) / (count - 1), each point
/// one fused multiply-add (checked against torch for every size the map uses).
private func float32Linspace(_ start: Float, _ end: Float, count: Int) -> [Float] {
    let step = (end - start) / Float(count - 1)
    let half = count / 2
    return (0..<count).map { i in
        i < half ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(count - 1 - i))
    }
}

/// Decision bounds of the dynamic map, midpoints of neighbouring codes in Float32.
let dynamicMapBounds: [Float] = (0..<255).map { (dynamicQuantizationMap[$0] + dynamicQuantizationMap[$0 + 1]) / 2 }

/// torch.bucketize(x, bounds): the number of bounds strictly below x (sorted bounds), so a
/// value exactly on a bound takes the lower code.
@inline(__always)
func bucket(_ x: Float, _ bounds: UnsafeBufferPointer<Float>) -> UInt8 {
    var low = 0, high = bounds.count   // answer in low...high
    while low < high {
        let mid = (low + high) / 2
        if bounds[mid] < x { low = mid + 1 } else { high = mid }
    }
    return UInt8(low)
}
