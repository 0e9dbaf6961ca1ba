import Runtime
import TestSupport
import XCTest

/// A two-level tree shaped like a transformer's, to exercise dotted names and substitution.
private final class Block: Module {
    var qProj: any LinearLayer { child("q_proj") }
    var norm: RMSNorm { child("input_layernorm") }
    init(_ c: Int, generator: inout SeededGenerator) {
        super.init()
        setChild("q_proj", Linear(c, c, bias: true, generator: &generator))
        setChild("input_layernorm", RMSNorm(c))
    }
    func callAsFunction(_ x: Tensor) -> Tensor { qProj(norm(x)) }
}

private final class TinyModel: Module {
    var layers: ModuleList { child("layers") }
    init(generator: inout SeededGenerator) {
        super.init()
        let inner = Module()
        inner.setChild("embed_tokens", Embedding(10, 4, generator: &generator))
        inner.setChild("layers", ModuleList([Block(4, generator: &generator), Block(4, generator: &generator)]))
        setChild("model", inner)
    }
    func callAsFunction(_ ids: [Int]) -> Tensor {
        let inner: Module = child("model")
        var h = inner.child("embed_tokens", as: Embedding.self)(ids)
        let layers: ModuleList = inner.child("layers")
        for i in 0..<layers.count { h = layers[i, as: Block.self](h) }
        return h
    }
}

/// A stand-in wrapper like LoRALinear: base output plus a trainable extra term.
private final class ScaledLinear: Module, LinearLayer {
    let base: any LinearLayer
    var inFeatures: Int { base.inFeatures }
    var outFeatures: Int { base.outFeatures }
    init(_ base: any LinearLayer) {
        self.base = base
        super.init()
        setChild("base_layer", base)
        setParameter("gain", .ones([1], requiresGrad: true))
    }
    func callAsFunction(_ x: Tensor) -> Tensor { base(x) * parameter("gain")! }
}

final class ModuleTests: XCTestCase {
    func testDottedNames() {
        var g = SeededGenerator()
        let m = TinyModel(generator: &g)
        XCTAssertEqual(m.namedParameters().map(\.name), [
            "model.embed_tokens.weight",
            "model.layers.0.q_proj.weight", "model.layers.0.q_proj.bias", "model.layers.0.input_layernorm.weight",
            "model.layers.1.q_proj.weight", "model.layers.1.q_proj.bias", "model.layers.1.input_layernorm.weight",
        ])
        XCTAssertEqual(m.parameterCount(), 40 + 2 * (16 + 4 + 4))
        XCTAssertTrue(m.parameter(at: "model.layers.1.q_proj.bias") === (m.module(at: "model.layers.1.q_proj") as! Linear).bias)
        XCTAssertNil(m.module(at: "model.layers.7"))
        XCTAssertEqual(m.noWeightDecayNames(), ["model.layers.0.q_proj.bias", "model.layers.0.input_layernorm.weight",
                                                 "model.layers.1.q_proj.bias", "model.layers.1.input_layernorm.weight"])
    }

    func testFreezeByPattern() {
        var g = SeededGenerator()
        let m = TinyModel(generator: &g)
        XCTAssertEqual(m.freeze(), 7)
        XCTAssertTrue(m.trainableParameters().isEmpty)
        XCTAssertEqual(m.unfreeze(matching: "model.layers.*.q_proj.*"), 4)
        XCTAssertEqual(m.trainableParameters().map(\.name), ["model.layers.0.q_proj.weight", "model.layers.0.q_proj.bias",
                                                             "model.layers.1.q_proj.weight", "model.layers.1.q_proj.bias"])
        XCTAssertEqual(m.parameterCount(trainableOnly: true), 40)
        XCTAssertTrue(globMatches("a.?.c", "a.1.c"))
        XCTAssertFalse(globMatches("a.*.c", "a.1.d"))
    }

    func testReplaceSubstitutesLayersSeenByForward() throws {
        var g = SeededGenerator()
        let m = TinyModel(generator: &g)
        m.freeze()
        let before = m([1, 2, 3]).scalars
        let old = m.module(at: "model.layers.0.q_proj") as! Linear
        try m.replace(path: "model.layers.0.q_proj", with: ScaledLinear(old))
        XCTAssertTrue(m.module(at: "model.layers.0.q_proj") is ScaledLinear)
        XCTAssertEqual(m.trainableParameters().map(\.name), ["model.layers.0.q_proj.gain"])
        XCTAssertTrue(m.parameter(at: "model.layers.0.q_proj.base_layer.weight") === old.weight)
        assertClose(m([1, 2, 3]).scalars, before, "gain 1 keeps the output")
        // Gradients flow to the wrapper's parameter only.
        let grads = m([1, 2, 3]).sum().backward()
        XCTAssertEqual(grads.count, 1)
        XCTAssertNotNil(grads[m.parameter(at: "model.layers.0.q_proj.gain")!])
        XCTAssertThrowsError(try m.replace(path: "model.layers.9.q_proj", with: Module())) {
            XCTAssertEqual($0 as? ModuleError, .noSuchModule("model.layers.9.q_proj"))
        }
        let replaced = m.replaceModules { path, module in
            path.hasSuffix("q_proj") && module is Linear ? ScaledLinear(module as! Linear) : nil
        }
        XCTAssertEqual(replaced, ["model.layers.1.q_proj"])
    }

    func testMappedTrainableWeightsBecomeWritableCopies() throws {
        var g = SeededGenerator()
        let m = TinyModel(generator: &g)
        // A read-only tensor over bytes someone else owns, as a checkpoint loader gives it.
        final class Owner {}
        let values = [Float](repeating: 0.25, count: 40)
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 160, alignment: 16)
        defer { bytes.deallocate() }
        values.withUnsafeBytes { bytes.copyMemory(from: $0) }
        try m.setParameter(path: "model.embed_tokens.weight", Tensor.float32(bytes: UnsafeRawBufferPointer(bytes), shape: [10, 4], owner: Owner()))
        m.parameter(at: "model.embed_tokens.weight")!.requiresGrad = true
        XCTAssertEqual(m.makeTrainableParametersWritable(), ["model.embed_tokens.weight"])
        let w = m.parameter(at: "model.embed_tokens.weight")!
        XCTAssertFalse(w.storage.isReadOnly)
        XCTAssertTrue(w.requiresGrad)
        XCTAssertEqual(w.scalars, values)
    }

    func testLoadParametersByName() throws {
        var g = SeededGenerator()
        let m = TinyModel(generator: &g)
        var state = Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.name, Tensor.full(0.5, $0.tensor.shape)) })
        try m.loadParameters(state)
        XCTAssertEqual(m.parameter(at: "model.embed_tokens.weight")!.scalars.first, 0.5)
        XCTAssertTrue(m.parameter(at: "model.embed_tokens.weight")!.requiresGrad, "keeps requiresGrad")
        state["model.norm.weight"] = Tensor.ones([4])
        XCTAssertThrowsError(try m.loadParameters(state)) { XCTAssertEqual($0 as? ModuleError, .unexpectedParameters(["model.norm.weight"])) }
        XCTAssertEqual(try m.loadParameters(state, strict: false), ["model.norm.weight"])
        state["model.norm.weight"] = nil
        state["model.layers.0.q_proj.bias"] = Tensor.ones([5])
        XCTAssertThrowsError(try m.loadParameters(state)) {
            XCTAssertEqual($0 as? ModuleError, .shapeMismatch(name: "model.layers.0.q_proj.bias", expected: [4], got: [5]))
        }
        state["model.layers.0.q_proj.bias"] = nil
        XCTAssertThrowsError(try m.loadParameters(state)) { XCTAssertEqual($0 as? ModuleError, .missingParameters(["model.layers.0.q_proj.bias"])) }
    }

    func testLayersMatchTheirOps() {
        var g = SeededGenerator(seed: 1)
        let lin = Linear(3, 2, generator: &g)
        let x = Tensor.randn([4, 3], generator: &g)
        assertClose(lin(x).scalars, linear(x, weight: lin.weight, bias: lin.bias).scalars)
        XCTAssertTrue(lin.weight.scalars.allSatisfy { abs($0) <= 1 / (3 as Float).squareRoot() })
        let ln = LayerNorm(3)
        assertClose(ln(x).scalars, layerNorm(x, weight: nil, bias: nil).scalars, rtol: 1e-6, atol: 1e-6)
        let drop = Dropout(0.5, generator: SeededGenerator().derived(3))
        XCTAssertTrue(drop(x) === x, "modules start in eval mode: identity")
        drop.train()
        XCTAssertNotEqual(drop(x).scalars, x.scalars)
        drop.train(false)
        XCTAssertTrue(drop(x) === x)
        XCTAssertNotEqual(SeededGenerator().derived(1).seed, SeededGenerator().derived(2).seed)
    }
}
