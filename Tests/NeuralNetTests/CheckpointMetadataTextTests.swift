import Foundation
import Testing

@testable import NeuralNet
@testable import Probability

/// A checkpoint's `__metadata__` strings reach the shell's output and its
/// error messages: a line break, a control character or a megabyte of text
/// in one would be printed as it is. Each is refused at load, with the key,
/// what is wrong, and the value made visible and cut short (issue 26, item 7).
struct CheckpointMetadataTextTests {
  /// A small model's checkpoint with `metadata` (as `vae save` writes its own).
  static func checkpoint(_ metadata: [String: String]) -> [UInt8] {
    var generator = Xoshiro256StarStar(seed: 3)
    let model = VAE<Float>(VAEConfiguration(inputs: 4, hidden: [3], latent: 2), generator: &generator)
    return Safetensors.encode(model, metadata: metadata)
  }

  static let rule = "is not one line of at most 1024 printable characters"

  @Test(arguments: [
    (
      "vaelab_data", "shapes\n```\n> save injected.md",
      "its __metadata__ value of vaelab_data \(rule): it holds a line break (U+000A) at character 7: \"shapes\\n```\\n> save injected.md\""
    ),
    (
      "vaelab_label", "\u{1B}[2J\u{1B}[31mlabel",
      "its __metadata__ value of vaelab_label \(rule): it holds a control character (U+001B) at character 1: \"\\u{1B}[2J\\u{1B}[31mlabel\""
    ),
    (
      "vaelab_seed", "1\r2",
      "its __metadata__ value of vaelab_seed \(rule): it holds a line break (U+000D) at character 2: \"1\\r2\""
    ),
    (
      "vaelab_step", "5\u{7F}",
      "its __metadata__ value of vaelab_step \(rule): it holds a control character (U+007F) at character 2: \"5\\u{7F}\""
    ),
    (
      "vaelab_lr", "0.1\u{9B}31m",
      "its __metadata__ value of vaelab_lr \(rule): it holds a control character (U+009B) at character 4: \"0.1\\u{9B}31m\""
    ),
    (
      "vaelab_data", "data\u{202E}vsc.npy",
      "its __metadata__ value of vaelab_data \(rule): it holds an invisible formatting character (U+202E) at character 5: \"data\\u{202E}vsc.npy\""
    ),
    (
      "vaelab_data", "a\u{2028}b",
      "its __metadata__ value of vaelab_data \(rule): it holds a line break (U+2028) at character 2: \"a\\u{2028}b\""
    ),
    (
      "comment", "\0",
      "its __metadata__ value of comment \(rule): it holds a control character (U+0000) at character 1: \"\\u{0}\""
    ),
    (
      "vaelab_data", String(repeating: "a", count: 5000),
      "its __metadata__ value of vaelab_data \(rule): it has 5000 characters: \"\(String(repeating: "a", count: 40))...\""
    ),
  ])
  func aHostileValueIsRefusedAndShownVisibly(key: String, value: String, reason: String) {
    #expect(throws: CheckpointError.malformed(reason)) { try Safetensors.decode(Self.checkpoint([key: value])) }
  }

  @Test func aHostileKeyIsRefused() {
    #expect(
      throws: CheckpointError.malformed(
        "its __metadata__ key \"x\\n> rm\" is not one line of at most 128 printable characters: it holds a line break (U+000A) at character 2"
      )
    ) { try Safetensors.decode(Self.checkpoint(["x\n> rm": "1"])) }
    let long = String(repeating: "k", count: 200)
    #expect(
      throws: CheckpointError.malformed(
        "its __metadata__ key \"\(String(repeating: "k", count: 40))...\" is not one line of at most 128 printable characters: it has 200 characters"
      )
    ) { try Safetensors.decode(Self.checkpoint([long: "1"])) }
  }

  @Test func tooManyKeysAreRefused() {
    let metadata = Dictionary(uniqueKeysWithValues: (0..<100).map { ("key\($0)", "\($0)") })
    #expect(throws: CheckpointError.malformed("its __metadata__ has 102 entries, more than the 64 vaelab reads")) {
      try Safetensors.decode(Self.checkpoint(metadata))
    }
  }

  /// Letters beyond ASCII, spaces, quotes and the longest value allowed load.
  @Test func printableTextLoads() throws {
    let metadata = [
      "vaelab_data": "données/ß 文字 \"quoted\" \\ back.csv", "vaelab_label": String(repeating: "é", count: 1024),
    ]
    #expect(try Safetensors.decode(Self.checkpoint(metadata)).metadata == metadata)
  }

  /// A tensor's dtype comes from the file too, and is shown made visible.
  @Test func aTensorsDtypeIsShownVisibly() throws {
    let bytes = Self.checkpoint([:])
    let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
    // The first tensor in the sorted header is fc1.bias.
    let range = try #require(header.range(of: #""dtype":"F32""#))
    let edited = Array(header.replacingCharacters(in: range, with: #""dtype":"F16\n> x""#).utf8)
    let rebuilt = withUnsafeBytes(of: UInt64(edited.count).littleEndian) { Array($0) } + edited + bytes[(8 + length)...]
    #expect(throws: CheckpointError.malformed("tensor fc1.bias has dtype \"F16\\n> x\"; vaelab reads F32")) {
      try Safetensors.decode(rebuilt)
    }
  }
}
