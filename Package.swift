// swift-tools-version: 6.1
import PackageDescription

/// The numeric modules are optimised in debug builds too: their tests train
/// networks and integrate over latent planes (thousands of steps, millions of
/// points), which unoptimised SIMD and loops make a hundred times slower.
/// Checks stay on (-O keeps preconditions and overflow traps).
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
  name: "vaelab",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "vaelab", targets: ["vaelab"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
  ],
  targets: [
    // GNU readline and history (Debian: libreadline-dev), plus the SIGINT helper the prompt needs.
    .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
    // OpenBLAS's CBLAS interface (Debian: libopenblas-dev).
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
    // zlib for gzipped data files (Debian: zlib1g-dev).
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    // Pure math: seeded RNG, normal sampling, Gaussian KL, summary statistics, quadrature. No I/O.
    .target(
      name: "Probability",
      dependencies: [
        .product(name: "RealModule", package: "swift-numerics"),
        .product(name: "HeapModule", package: "swift-collections"),
      ],
      swiftSettings: optimisedInDebug
    ),
    // Tensors on BLAS, layers, the VAE, optimisers, data sets and loaders, checkpoints. No terminal code.
    .target(name: "NeuralNet", dependencies: ["CBLAS", "CZlib", "Probability"], swiftSettings: optimisedInDebug),
    // The shell engine: command specs, parsing, session state, rendering, transcripts.
    // Takes a line, returns output; knows nothing of readline.
    .target(name: "Lab", dependencies: ["Probability", "NeuralNet"]),
    // The thin executable: terminal front end and command-line modes.
    .executableTarget(
      name: "vaelab",
      dependencies: [
        "Lab", "CReadline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "ProbabilityTests",
      dependencies: [
        "Probability", .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Probability"]),
    // Corpus/: the bad-input corpus (a lesson of refused commands) and its malformed files.
    // Golden/: the renderers' expected text and SVG.
    .testTarget(name: "LabTests", dependencies: ["Lab"], exclude: ["Corpus", "Golden"]),
    // End-to-end tests of the built binary (pipes, -c, run, check, and a pseudo-terminal).
    .testTarget(name: "EndToEndTests", dependencies: ["vaelab"]),
  ]
)

// libFuzzer targets, built only for fuzzing (libFuzzer supplies their main):
// VAELAB_FUZZ=1 swift build -c release -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz
// Tests/Fuzz/run builds them and runs each for a given time.
if Context.environment["VAELAB_FUZZ"] != nil {
  package.targets.append(
    .executableTarget(
      name: "vaelab-fuzz", dependencies: ["Lab", "NeuralNet", "Probability"],
      swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
