// swift-tools-version:6.1
import PackageDescription

// The ISA flags go on every target of this package through one setting: flags given to one
// target leak into others through cross-module optimization, and without AVX2/FMA SIMD8<Float>
// compiles to SSE with a libm call per lane (FACTS.md).
let isa: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"])]
let cisa: [CSetting] = [.unsafeFlags(["-mavx2", "-mfma", "-mf16c"])]

let package = Package(
    name: "sft",
    products: [
        .executable(name: "sft", targets: ["Shell"]),
        .library(name: "Runtime", targets: ["Runtime"]),
    ],
    traits: [
        .trait(name: "PythonBridge", description: "Import pickled PyTorch checkpoints through embedded CPython"),
        .default(enabledTraits: ["PythonBridge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CEditLine", path: "Sources/CEditLine", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"])]),
        .systemLibrary(name: "CPython", path: "Sources/CPython", pkgConfig: "python3-embed",
                       providers: [.apt(["libpython3-dev"])]),
        .target(name: "Runtime", dependencies: ["CBLAS"], swiftSettings: isa),
        .target(name: "PyBridge",
                dependencies: ["Runtime", .target(name: "CPython", condition: .when(traits: ["PythonBridge"]))],
                swiftSettings: isa),
        .executableTarget(name: "Shell",
                          dependencies: ["Runtime", "CEditLine", .product(name: "Hummingbird", package: "hummingbird"),
                                         .target(name: "PyBridge", condition: .when(traits: ["PythonBridge"]))],
                          swiftSettings: isa),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "TestSupport"], swiftSettings: isa),
        .testTarget(name: "PyBridgeTests", dependencies: ["PyBridge", "Runtime", "TestSupport"], swiftSettings: isa),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "Runtime", "TestSupport"], swiftSettings: isa),
    ]
)
