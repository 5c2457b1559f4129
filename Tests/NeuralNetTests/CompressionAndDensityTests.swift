import Foundation
import NeuralNet
import Probability
import Testing

/// A VAE as a compressor and as a density model, against a collapsed one and
/// against references computed here by other routes.
struct CompressionAndDensityTests {
  static let data = LatentSpaceQualityTests.data

  /// beta = 200 drives every unit to the prior: a model that ignores its input.
  static func collapsed() throws -> VAE<Float> {
    var configuration = VAEConfiguration(inputs: 256, hidden: 128, latent: 8)
    configuration.beta = 200
    var generator = Xoshiro256StarStar(seed: 1)
    let model = VAE<Float>(configuration, generator: &generator)
    let trainer = Trainer(
      model: model, optimizer: Optimizer(.adam, learningRate: 1e-3), examples: data.training, batchSize: 64,
      generator: generator)
    #expect(try trainer.train(1500, shouldStop: { false }) == nil)
    return model
  }

  /// The trained model's code is a few per cent of the raw bits and leaves
  /// little of the variance; the collapsed model's code is empty and leaves
  /// all of it (its decode is the mean image). Measured (x86-64): trained,
  /// 13.9 bits and 6.8% of the variance; collapsed, 0.0 bits and 100%.
  @Test func rateAgainstDistortion() throws {
    let trained = try Compression(model: try LatentSpaceQualityTests.trained(.vae), data: Self.data)
    #expect(trained.rawBits == 2048 && trained.rawBitsPerValue == 8 && trained.examples == 410)
    // The rate in Double from the closed form per dimension, against the Float forward pass's KL.
    let evaluation = try Evaluation(try LatentSpaceQualityTests.trained(.vae), rows: Self.data.heldOut, count: 410)
    #expect(abs(evaluation.kl - trained.rate) < 1e-4 * trained.rate)
    #expect(trained.rateBits > 8 && trained.rateBits < 40, "\(trained)")
    #expect(trained.meanSquaredError < 0.15 * trained.dataVariance, "\(trained)")
    let collapsed = try Compression(model: try Self.collapsed(), data: Self.data)
    #expect(collapsed.rateBits < 0.1, "\(collapsed)")
    #expect(abs(collapsed.meanSquaredError / collapsed.dataVariance - 1) < 0.05, "\(collapsed)")
    #expect(collapsed.distortion > trained.distortion + 30)
  }

  /// The baseline's log-density, recomputed from p_j directly:
  /// sum_j x_j log p_j + (1 - x_j) log(1 - p_j).
  @Test func theBaselineIsIndependentBernoulli() throws {
    let d = 256
    let independent = IndependentDensity(training: Self.data.training, dimension: d, likelihood: .bernoulli)
    let n = Double(Self.data.trainingCount)
    var generator = Xoshiro256StarStar(seed: 2)
    let density = try HeldOutDensity(
      model: try Self.collapsed(), data: Self.data, count: 20, k: 200, generator: &generator)
    var expected = RunningMoments()
    for example in 0..<20 {
      var total = 0.0
      for j in 0..<d {
        let sum = (0..<Self.data.trainingCount).reduce(0.0) { $0 + Double(Self.data.training[$1 * d + j]) }
        let p = (sum + 0.5) / (n + 1)
        #expect(abs(independent.means[j] - p) < 1e-12)
        let x = Double(Self.data.heldOut[example * d + j])
        total += x * log(p) + (1 - x) * log(1 - p)
      }
      expected.merge(RunningMoments([total]))
    }
    #expect(abs(density.baseline.mean - expected.mean) < 1e-9 * abs(expected.mean))
    // A collapsed model is the baseline, give or take how well it learned the mean image.
    #expect(abs(density.improvement.mean) < 1, "\(density.improvement.mean)")
    #expect(density.logMarginal.mean >= density.elbo.mean - 3 * density.elbo.standardError)
  }

  /// By hand: training values 0 and 2 give mean 1 and variance 1 (divided by
  /// N), so x = 1 has density 1 / sqrt(2 pi) and x = 3 one e^-2 times that; a
  /// constant dimension gets the floor, 1e-3 of the mean variance 0.5.
  @Test func theGaussianBaselineByHand() {
    let gaussian = IndependentDensity(training: [0, 5, 2, 5], dimension: 2, likelihood: .gaussian)
    #expect(gaussian.means == [1, 5] && gaussian.variances == [1, 5e-4] && gaussian.flooredCount == 1)
    let floor = -log(2 * Double.pi * 5e-4) / 2
    #expect(abs(gaussian.logDensity([1, 5]) - (-log(2 * Double.pi) / 2 + floor)) < 1e-12)
    #expect(abs(gaussian.logDensity([3, 5]) - (-log(2 * Double.pi) / 2 - 2 + floor)) < 1e-12)
    #expect(gaussian.isDefined)
  }

  /// Training values that do not vary (one example, or all alike) leave the
  /// Gaussian no variance to floor at: no density (it gave -inf, or +1059.8
  /// nats from a floor of 2.2e-308). A Bernoulli is always defined.
  @Test func aGaussianBaselineOfValuesThatDoNotVaryIsUndefined() {
    #expect(!IndependentDensity(training: [1, 2, 3], dimension: 3, likelihood: .gaussian).isDefined)
    #expect(!IndependentDensity(training: [0.5, 0.5, 0.5, 0.5], dimension: 2, likelihood: .gaussian).isDefined)
    #expect(IndependentDensity(training: [0.5, 0.5], dimension: 2, likelihood: .bernoulli).isDefined)
  }

  /// For a 1-D latent, log p(x) by quadrature agrees with IWAE at large k (a
  /// different algorithm); even a 1-D latent trained 400 steps gains over the
  /// baseline (measured: 12.5 nats on the first 5 held-out examples).
  @Test func quadratureAndImportanceSamplingAgree() throws {
    let configuration = VAEConfiguration(inputs: 256, hidden: 64, latent: 1)
    var generator = Xoshiro256StarStar(seed: 3)
    let model = VAE<Float>(configuration, generator: &generator)
    let trainer = Trainer(
      model: model, optimizer: Optimizer(.adam, learningRate: 1e-3), examples: Self.data.training, batchSize: 64,
      generator: generator)
    _ = try trainer.train(400, shouldStop: { false })
    var draws = Xoshiro256StarStar(seed: 4)
    let first = try HeldOutDensity(model: model, data: Self.data, count: 1, k: 1, generator: &draws)
    #expect(first.method == .quadrature)
    let q = model.marginalLikelihood(of: Array(Self.data.heldOut[0..<256]))
    let sampled = try q.importanceWeighted(k: 20000, replicates: 4, using: &draws)
    #expect(abs(sampled.mean - first.logMarginal.mean) < 0.02, "\(sampled.mean) against \(first.logMarginal.mean)")
    let exact = try HeldOutDensity(model: model, data: Self.data, count: 5, k: 1, generator: &draws)
    #expect(exact.improvement.mean > 8, "\(exact.improvement.mean)")
  }
}
