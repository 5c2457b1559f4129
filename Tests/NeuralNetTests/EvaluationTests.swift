import Probability
import Testing

@testable import NeuralNet

/// `vae show`'s losses, against the network's own forward pass and GaussianKL.
struct EvaluationTests {
  let configuration = VAEConfiguration(inputs: 6, hidden: 5, latent: 3, likelihood: .bernoulli, beta: 2)

  func model() -> VAE<Double> {
    var generator = Xoshiro256StarStar(seed: 4)
    return VAE<Double>(configuration, generator: &generator)
  }

  func rows(_ count: Int) -> [Double] {
    var generator = Xoshiro256StarStar(seed: 9)
    return (0..<(count * configuration.inputs)).map { _ in generator.nextUniform() }
  }

  /// 300 examples go in two batches (256 and 44); one forward pass over all
  /// of them with the same eps gives the same per-example averages.
  @Test func theBatchingDoesNotChangeTheNumbers() throws {
    let model = model()
    let x = rows(300)
    let evaluation = try Evaluation(model, rows: x, count: 300)
    var generator = Xoshiro256StarStar(seed: Evaluation.noiseSeed)
    let noise = (0..<(300 * configuration.latent)).map { _ in NormalSampler.next(using: &generator) }
    let whole = model.forward(x, noise: noise)
    #expect(abs(evaluation.reconstruction - whole.reconstruction) <= 1e-12 * whole.reconstruction)
    #expect(abs(evaluation.kl - whole.kl) <= 1e-12 * whole.kl)
    #expect(abs(evaluation.objective - (whole.reconstruction + 2 * whole.kl)) <= 1e-12 * evaluation.objective)
    #expect(evaluation.negativeELBO == evaluation.reconstruction + evaluation.kl)
  }

  /// The KL per dimension, from GaussianKL on the encoder's outputs, sums to
  /// the KL of the network's inline formula, and averages the examples' KLs.
  @Test func theKLPerDimensionSumsToTheNetworksKL() throws {
    let model = model()
    let x = rows(40)
    let evaluation = try Evaluation(model, rows: x, count: 40)
    #expect(abs(evaluation.klPerDimension.reduce(0, +) - evaluation.kl) <= 1e-12 * evaluation.kl)
    let (mu, logvar) = model.encode(x)
    let l = configuration.latent
    for dimension in 0..<l {
      let mean =
        (0..<40).map { GaussianKL.divergence(mean: mu[$0 * l + dimension], logVariance: logvar[$0 * l + dimension]) }
        .reduce(0, +) / 40
      #expect(abs(evaluation.klPerDimension[dimension] - mean) <= 1e-12 * mean)
    }
  }

  /// Active units count the dimensions whose encoder mean varies by more than
  /// 0.01 across the examples; only the first 2048 examples are used.
  @Test func activeUnitsAndTheExampleLimit() throws {
    let model = model()
    let x = rows(2100)
    let evaluation = try Evaluation(model, rows: x, count: 2100)
    #expect(try evaluation == Evaluation(model, rows: Array(x.prefix(2048 * configuration.inputs)), count: 2048))
    let (mu, _) = model.encode(Array(x.prefix(2048 * configuration.inputs)))
    let l = configuration.latent
    let active = (0..<l).filter { d in RunningMoments((0..<2048).map { mu[$0 * l + d] }).variance > 0.01 }.count
    #expect(evaluation.activeUnits == active)
  }

  /// Ctrl-C is heard between batches of 256: 2048 examples are 8 batches, and
  /// a stop asked at the third ends the evaluation there.
  @Test func stopsBetweenBatches() {
    let model = model()
    let x = rows(2048)
    var asked = 0
    #expect(throws: Interrupted.self) {
      try Evaluation(model, rows: x, count: 2048) {
        asked += 1
        return asked == 3
      }
    }
    #expect(asked == 3)
  }
}
