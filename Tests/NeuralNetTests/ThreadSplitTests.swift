import Foundation
import Probability
import Testing

@testable import NeuralNet

/// The two-thread paths of a training step: the Bernoulli loss (Float, 2^15
/// values or more) and Adam's update (tensors of 2^16 values or more) split
/// their work between two threads. Each is checked bit for bit against the
/// same arithmetic done on one thread. CI also runs these under Thread
/// Sanitizer (.ci/run), which is what catches a data race between the halves.
struct ThreadSplitTests {
  /// Logits and targets as the loss sees them: both signs, exact 0s and 1s.
  static func lossInputs(count: Int, seed: UInt64) -> (logits: [Float], targets: [Float]) {
    var generator = Xoshiro256StarStar(seed: seed)
    let logits = (0..<count).map { _ in Float(40 * generator.nextUniform() - 20) }
    let targets = (0..<count).map { i in i % 3 == 0 ? Float(i % 2) : Float(generator.nextUniform()) }
    return (logits, targets)
  }

  /// The split loss equals its two halves computed one after the other on
  /// this thread and added in the same order, and every gradient is the one
  /// the kernel writes on one thread. 50,001 = 16 x 3125 + 1 is a count whose
  /// last value a split at count / 2 (rounded down) left out, and so is
  /// 2^20 + 1. The split runs several times, and on 2^20 values takes long
  /// enough, that the second thread takes its half at least once even on a
  /// busy machine (Thread Sanitizer sees a race only between threads that ran;
  /// when the second thread starts late, the first takes both halves).
  @Test(arguments: [1 << 15, 40_003, 50_001, (1 << 20) + 1])
  func splitLossEqualsTheSerialHalves(count: Int) {
    let (logits, targets) = Self.lossInputs(count: count, seed: 7)
    let scale: Float = 1 / 128
    var reference = [Float](repeating: .nan, count: count)
    let expected = logits.withUnsafeBufferPointer { l in
      targets.withUnsafeBufferPointer { x in
        reference.withUnsafeMutableBufferPointer { g in
          // Where the split falls: half the values, rounded up to whole SIMD8 vectors.
          let half = ((count + 1) / 2 + 7) & ~7
          let (l, x, g) = (l.baseAddress!, x.baseAddress!, g.baseAddress!)
          let first = Likelihood.bernoulliFloat(l, x, count: half, scale: scale, gradient: g)
          let second = Likelihood.bernoulliFloat(
            l + half, x + half, count: count - half, scale: scale, gradient: g + half)
          return 0 + first + second
        }
      }
    }
    for _ in 0..<10 {
      let (total, gradient) = Likelihood.bernoulliLoss(logits: logits, targets: targets, scale: scale)
      #expect(total.bitPattern == expected.bitPattern, "\(total) vs \(expected)")
      #expect(firstDifference(gradient, reference) == nil)
    }
  }

  /// Adam's update of a layer over three steps, against the same update on one
  /// thread: weights and biases bit for bit. 257 x 257 = 16 x 4128 + 1 weights,
  /// a count whose last value a split at count / 2 (rounded down) left out.
  @Test func splitAdamEqualsTheSerialUpdate() {
    var generator = Xoshiro256StarStar(seed: 3)
    let layer = Linear<Float>(inputs: 257, outputs: 257, generator: &generator)
    #expect(layer.weight.count >= 1 << 16)
    let optimizer = Optimizer<Float>(.adam, learningRate: 1e-3)
    let reference = SerialAdam(optimizer, tensors: [layer])
    for _ in 0..<3 {
      layer.weightGradient = layer.weightGradient.map { _ in Float(generator.nextUniform() - 0.5) }
      layer.biasGradient = layer.biasGradient.map { _ in Float(generator.nextUniform() - 0.5) }
      optimizer.update([layer])
      reference.update(gradients: [layer])
      #expect(firstDifference(layer.weight, reference.values[0]) == nil)
      #expect(firstDifference(layer.bias, reference.values[1]) == nil)
    }
  }

  /// Steps of a model big enough that both the loss (65 x 513 values) and
  /// Adam (fc1 and fc4, 513 x 129 weights each) split, with counts of 16k + 1
  /// values: after each step every layer equals serial Adam applied to the
  /// step's gradients, bit for bit.
  @Test func stepsOfASplittingModelMatchTheSerialUpdate() throws {
    var generator = Xoshiro256StarStar(seed: 11)
    let configuration = VAEConfiguration(inputs: 513, hidden: 129, latent: 4)
    let batch = 65
    let model = VAE<Float>(configuration, generator: &generator)
    let layers = model.layers.map(\.layer)
    #expect(batch * configuration.inputs >= 1 << 15 && layers[0].weight.count >= 1 << 16)
    let examples = (0..<(2 * batch * configuration.inputs)).map { _ in Float(generator.nextUniform()) }
    let trainer = Trainer(
      model: model, optimizer: Optimizer(.adam, learningRate: 1e-3), examples: examples, batchSize: batch,
      generator: generator)
    let reference = SerialAdam(trainer.optimizer, tensors: layers)
    for _ in 0..<3 {
      let losses = try trainer.step()
      #expect(losses.reconstruction.isFinite && losses.reconstruction > 0)
      reference.update(gradients: layers)
      for (index, layer) in layers.enumerated() {
        #expect(firstDifference(layer.weight, reference.values[2 * index]) == nil, "layer \(index)")
        #expect(firstDifference(layer.bias, reference.values[2 * index + 1]) == nil, "layer \(index)")
      }
    }
  }
}

/// The first index where two arrays differ in their bits (or in length, the
/// shorter count), nil if none: a short failure message for long arrays.
/// memcmp first, as this unoptimised test code compares millions of values.
private func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
  let same = a.withUnsafeBytes { x in
    b.withUnsafeBytes { y in x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
  }
  if same { return nil }
  let common = min(a.count, b.count)
  return (0..<common).first { a[$0].bitPattern != b[$0].bitPattern } ?? common
}

/// Adam on the calling thread alone: `Optimizer.adam` over each whole tensor
/// (weights, then biases, layer by layer), with `update`'s constants.
private final class SerialAdam {
  let optimizer: Optimizer<Float>
  private(set) var values: [[Float]]
  private var first: [[Float]]
  private var second: [[Float]]
  private var step = 0

  /// Starts from the layers' current weights and biases, with zero moments.
  init(_ optimizer: Optimizer<Float>, tensors layers: [Linear<Float>]) {
    self.optimizer = optimizer
    values = layers.flatMap { [$0.weight, $0.bias] }
    first = values.map { [Float](repeating: 0, count: $0.count) }
    second = first
  }

  /// One step from the layers' gradients.
  func update(gradients layers: [Linear<Float>]) {
    step += 1
    let stepSize = Float(optimizer.learningRate / (1 - Double.pow(optimizer.beta1, Double(step))))
    let correction = Float(1 / (1 - Double.pow(optimizer.beta2, Double(step))).squareRoot())
    let constants = (Float(optimizer.beta1), Float(optimizer.beta2), Float(optimizer.epsilon), stepSize, correction)
    let gradients = layers.flatMap { [$0.weightGradient, $0.biasGradient] }
    for slot in values.indices {
      values[slot].withUnsafeMutableBufferPointer { w in
        gradients[slot].withUnsafeBufferPointer { g in
          first[slot].withUnsafeMutableBufferPointer { m in
            second[slot].withUnsafeMutableBufferPointer { v in
              Optimizer<Float>.adam(values: w, gradient: g, first: m, second: v, constants: constants)
            }
          }
        }
      }
    }
  }
}
