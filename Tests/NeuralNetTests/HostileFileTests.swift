import Foundation
import Testing

@testable import NeuralNet
@testable import Probability

/// Sizes read from a file never overflow the arithmetic done with them, and
/// values that are not finite are refused: each of these trapped or loaded
/// garbage before (issue 9, defect 3).
struct HostileFileTests {
  /// An NPY file, version 1.0, with the header padded to 64 bytes.
  static func npy(descr: String, shape: String, data: [UInt8] = []) -> [UInt8] {
    var header = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }".utf8)
    while (10 + header.count + 1) % 64 != 0 { header.append(UInt8(ascii: " ")) }
    header.append(UInt8(ascii: "\n"))
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header + data
  }

  static func float64s(_ values: [Double]) -> [UInt8] {
    values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
  }

  @Test(arguments: [
    (
      "i-idx2-ubyte", [0, 0, 8, 2, 255, 255, 255, 255, 255, 255, 255, 255] as [UInt8],
      "i-idx2-ubyte: the header's dimensions [4294967295, 4294967295] multiply beyond any file's size"
    ),
    (
      "i-idx3-ubyte", [0, 0, 8, 3] + [UInt8](repeating: 255, count: 12),
      "i-idx3-ubyte: the header's dimensions [4294967295, 4294967295, 4294967295] multiply beyond any file's size"
    ),
    (
      "d-idx2-ubyte", [0, 0, 0x0E, 2, 64, 0, 0, 0, 64, 0, 0, 0],
      "d-idx2-ubyte: the header's dimensions [1073741824, 1073741824] multiply beyond any file's size"
    ),
    (
      "a.npy", npy(descr: "<f4", shape: "(4294967296, 4294967296)"),
      "a.npy: shape [4294967296, 4294967296] multiplies beyond any file's size"
    ),
    (
      "b.npy", npy(descr: "<f8", shape: "(1152921504606846976, 2)"),
      "b.npy: shape [1152921504606846976, 2] multiplies beyond any file's size"
    ),
    (
      "c.npy", npy(descr: "<f4", shape: "(99999999999999999999, 4)"),
      "c.npy: shape element '99999999999999999999' is not a whole number that fits in 64 bits"
    ),
    (
      "n.npy", npy(descr: "<f8", shape: "(2, 2)", data: float64s([1, 2, .nan, 4])),
      "n.npy: value 0 of example 1 is not a finite number (NaN, infinite, or beyond float32's 3.4e38)"
    ),
    (
      "e.npy", npy(descr: "<f8", shape: "(2, 2)", data: float64s([1, 1e300, 3, 4])),
      "e.npy: value 1 of example 0 is not a finite number (NaN, infinite, or beyond float32's 3.4e38)"
    ),
    // Found by the fuzzer (Tests/Fuzz/run): no examples, and dimensions after
    // the first whose product overflows (a trap before).
    (
      "z-idx4-ubyte", [0, 0, 0x0E, 4, 0, 0, 0, 0, 0, 0, 0, 0xF9, 0x96, 0x96, 0xFF, 0xDF, 0xFF, 0xFB, 0xFF, 0],
      "z-idx4-ubyte: it holds no examples"
    ),
    // Found by the fuzzer: a ')' before the '(' of the shape (a range trap before).
    (
      "p.npy", npy(descr: "<f4", shape: ")2 ,, (3"),
      "p.npy: NPY header has no shape"
    ),
  ])
  func sizesAreCheckedAndValuesFinite(name: String, bytes: [UInt8], message: String) {
    #expect {
      try DataLoader.load(name, bytes: bytes)
    } throws: { error in
      (error as? DataFileError)?.description == message
    }
  }

  /// A checkpoint with `data_offsets` that would overflow, or a configuration
  /// vae new would never build, is refused with the reason.
  @Test(arguments: [
    (#""data_offsets":[0,"#, #""data_offsets":[1,-9223372036854775808],"xx":["#),
    (#""data_offsets":[0,"#, #""data_offsets":[9223372036854775000,9223372036854775032],"xx":["#),
  ])
  func offsetsCannotOverflow(pattern: String, replacement: String) throws {
    var generator = Xoshiro256StarStar(seed: 7)
    let model = VAE<Float>(VAEConfiguration(inputs: 6, hidden: 5, latent: 2), generator: &generator)
    let bytes = Safetensors.encode(model)
    let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
    let range = try #require(header.range(of: pattern))
    // Replace the first tensor's offsets, keeping the JSON valid: the old end goes into a dummy key.
    let edited = Array(header.replacingCharacters(in: range, with: replacement).utf8)
    let rebuilt =
      withUnsafeBytes(of: UInt64(edited.count).littleEndian) { Array($0) } + edited + bytes[(8 + length)...]
    #expect {
      try Safetensors.decode(rebuilt)
    } throws: { error in
      (error as? CheckpointError)?.reason.hasSuffix("data_offsets do not fit the file (is it truncated?)") == true
    }
  }

  /// The same model gives the same bytes in every process: the configuration's
  /// keys are sorted (they came in the hash order of the run before).
  @Test func checkpointsAreByteForByteReproducible() {
    var generator = Xoshiro256StarStar(seed: 1)
    let model = VAE<Float>(VAEConfiguration(inputs: 3, hidden: [2], latent: 1), generator: &generator)
    let bytes = Safetensors.encode(model)
    let length = Int(bytes[0]) | Int(bytes[1]) << 8
    let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
    #expect(
      header.contains(
        #"{\"activation\":\"relu\",\"beta\":1,\"hidden\":[2],\"inputs\":3,\"kind\":\"vae\",\"latent\":1,\"likelihood\":\"bernoulli\",\"variance\":1}"#
      ), "\(header)")
  }

  @Test func aConfigurationBeyondVaeNewIsRefused() throws {
    var generator = Xoshiro256StarStar(seed: 7)
    let model = VAE<Float>(VAEConfiguration(inputs: 6, hidden: 5, latent: 2), generator: &generator)
    let bytes = Safetensors.encode(model)
    let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
    let edited = Array(header.replacingOccurrences(of: #"\"hidden\":[5]"#, with: #"\"hidden\":[100000]"#).utf8)
    #expect(edited.count != length)
    let rebuilt =
      withUnsafeBytes(of: UInt64(edited.count).littleEndian) { Array($0) } + edited + bytes[(8 + length)...]
    #expect {
      try Safetensors.decode(rebuilt)
    } throws: { error in
      (error as? CheckpointError)?.reason.hasPrefix("its vaelab_config is not a configuration vae new would build")
        == true
    }
  }
}
