import Testing

@testable import NeuralNet
@testable import Probability

/// Making a large model takes seconds, and Ctrl-C stops it: construction asks
/// `shouldStop` before each layer and every million weights within one, and
/// makes the same weights as before when nobody asks it to stop (issue 26,
/// item 10).
struct ModelConstructionTests {
  static let configuration = VAEConfiguration(inputs: 300, hidden: [2000, 600], latent: 4)

  /// How many times constructing `configuration` asks, when never told to stop.
  static func questions(_ configuration: VAEConfiguration) throws -> Int {
    var asked = 0
    var generator = Xoshiro256StarStar(seed: 1)
    _ = try VAE<Float>(configuration, generator: &generator) {
      asked += 1
      return false
    }
    return asked
  }

  /// Stopped at the k-th question for every k: Interrupted, after exactly k questions.
  @Test func constructionStopsAtEveryQuestion() throws {
    let total = try Self.questions(Self.configuration)
    // 7 layers, each asked before it, before each chunk of 2^20 weights (one, but two
    // for the 2000 x 600 layers) and before its biases; and once at the end.
    #expect(total == 7 * 3 + 2 + 1)
    for k in 1...total {
      var asked = 0
      var generator = Xoshiro256StarStar(seed: 1)
      #expect(throws: Interrupted.self) {
        _ = try VAE<Float>(Self.configuration, generator: &generator) {
          asked += 1
          return asked >= k
        }
      }
      #expect(asked == k)
    }
  }

  /// A layer of more than a million weights is asked about within it.
  @Test func aWideLayerAsksWithin() throws {
    var asked = 0
    var generator = Xoshiro256StarStar(seed: 1)
    let layer = try Linear<Float>(inputs: 3000, outputs: 1000, generator: &generator) {
      asked += 1
      return false
    }
    // 3 million weights in chunks of 2^20: 3 questions, and 1 for the biases.
    #expect(asked == 4)
    #expect(layer.weight.count == 3_000_000)
    var stopped = 0
    #expect(throws: Interrupted.self) {
      _ = try Linear<Float>(inputs: 3000, outputs: 1000, generator: &generator) {
        stopped += 1
        return stopped == 2
      }
    }
  }

  /// Asking changes nothing: the same seed gives the same weights, bit for
  /// bit, and leaves the generator in the same state for the batches after.
  @Test func askingChangesNoWeight() throws {
    var plain = Xoshiro256StarStar(seed: 9)
    var asking = Xoshiro256StarStar(seed: 9)
    let a = VAE<Float>(Self.configuration, generator: &plain)
    let b = try VAE<Float>(Self.configuration, generator: &asking) { false }
    #expect(a.layers.map(\.name) == b.layers.map(\.name))
    for (x, y) in zip(a.layers, b.layers) {
      #expect(x.layer.weight.map(\.bitPattern) == y.layer.weight.map(\.bitPattern))
      #expect(x.layer.bias.map(\.bitPattern) == y.layer.bias.map(\.bitPattern))
    }
    #expect(plain.next() == asking.next())
  }

  /// A checkpoint's model stops the same way.
  @Test func decodingStops() throws {
    var generator = Xoshiro256StarStar(seed: 2)
    let bytes = Safetensors.encode(
      VAE<Float>(VAEConfiguration(inputs: 6, hidden: [5], latent: 2), generator: &generator))
    #expect(throws: CheckpointError.interrupted) { try Safetensors.decode(bytes, shouldStop: { true }) }
    #expect(try Safetensors.decode(bytes).model.parameterCount == 6 * 5 + 5 + 2 * (5 * 2 + 2) + 2 * 5 + 5 + 5 * 6 + 6)
  }
}
