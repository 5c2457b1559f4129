import NeuralNet
import Probability

/// A VAE under study: its data, its trainer, and the losses of every step so far.
/// Lives in the session; commands train it and look at it.
public final class VAEWorkbench: @unchecked Sendable {
  public let data: Dataset
  public let trainer: Trainer<Float>
  public let seed: UInt64
  /// The CSV label column left out of the data, if any, so a checkpoint can reopen it.
  public let label: String?
  /// Per-example training losses of each step taken.
  public private(set) var history: [VAE<Float>.Losses] = []

  public var model: VAE<Float> { trainer.model }
  public var configuration: VAEConfiguration { model.configuration }

  init(data: Dataset, trainer: Trainer<Float>, seed: UInt64, label: String? = nil) {
    self.data = data
    self.trainer = trainer
    self.seed = seed
    self.label = label
  }

  func record(_ losses: VAE<Float>.Losses) { history.append(losses) }

  /// Per-example averages over a set of examples, with one reparameterised sample
  /// each from a fixed seed, so the same model always reports the same numbers.
  struct Evaluation {
    var reconstruction: Double
    var kl: Double
    /// KL per latent dimension, averaged over the examples.
    var klPerDimension: [Double]
    /// Dimensions whose encoder mean varies across examples (variance above 0.01).
    var activeUnits: Int
    /// reconstruction + beta KL, what training minimises.
    var objective: Double
    var negativeELBO: Double { reconstruction + kl }
  }

  static let evaluationLimit = 2048

  func evaluate(_ rows: [Float], count: Int) -> Evaluation {
    let (d, l) = (configuration.inputs, configuration.latent)
    let used = min(count, Self.evaluationLimit)
    var generator = Xoshiro256StarStar(seed: 0x5EED)
    var reconstruction = 0.0
    var kl = 0.0
    var klPerDimension = [Double](repeating: 0, count: l)
    var means = [RunningMoments](repeating: RunningMoments(), count: l)
    let batch = 256
    var start = 0
    while start < used {
      let rowsHere = min(batch, used - start)
      let x = Array(rows[(start * d)..<((start + rowsHere) * d)])
      let noise = (0..<(rowsHere * l)).map { _ in Float(NormalSampler.next(using: &generator)) }
      let losses = model.forward(x, noise: noise)
      reconstruction += losses.reconstruction * Double(rowsHere)
      kl += losses.kl * Double(rowsHere)
      let (mu, logvar) = model.encode(x)
      for dimension in 0..<l {
        let column = (0..<rowsHere).map { Double(mu[$0 * l + dimension]) }
        means[dimension].merge(RunningMoments(column))
        if configuration.kind == .vae {
          for row in 0..<rowsHere {
            klPerDimension[dimension] += GaussianKL.divergence(
              mean: Double(mu[row * l + dimension]), logVariance: Double(logvar[row * l + dimension]))
          }
        }
      }
      start += rowsHere
    }
    let n = Double(max(used, 1))
    return Evaluation(
      reconstruction: reconstruction / n, kl: kl / n, klPerDimension: klPerDimension.map { $0 / n },
      activeUnits: means.filter { $0.variance > 0.01 }.count,
      objective: (reconstruction + configuration.beta * kl) / n)
  }
}
