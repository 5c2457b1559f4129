import Probability

/// A model's losses averaged over a set of examples, as `vae show` reports
/// them: each example's reconstruction and KL from one reparameterised sample
/// z = mu + sigma eps, with eps from a fixed seed, so the same model always
/// reports the same numbers.
public struct Evaluation: Sendable, Equatable {
  /// -log p(x|z) per example, averaged.
  public var reconstruction: Double
  /// KL(q(z|x) || p(z)) per example, averaged (zero for a plain autoencoder).
  public var kl: Double
  /// The KL of each latent dimension, averaged over the examples, in double
  /// precision from the encoder's mu and log sigma^2 (`GaussianKL`).
  public var klPerDimension: [Double]
  /// Active units (Burda, Grosse and Salakhutdinov 2016): latent dimensions
  /// whose encoder mean varies across the examples with variance above 0.01.
  public var activeUnits: Int
  /// reconstruction + beta KL, what training minimises at the full KL weight;
  /// with free bits, KL is the sum over dimensions of max(free bits, that
  /// dimension's KL averaged over the examples).
  public var objective: Double
  /// -ELBO = reconstruction + KL.
  public var negativeELBO: Double { reconstruction + kl }

  /// The most examples evaluated (the first ones), so that `vae show` stays quick.
  public static let exampleLimit = 2048
  /// The seed of eps.
  static let noiseSeed: UInt64 = 0x5EED

  /// `model` on the first min(count, `exampleLimit`) rows of `rows`, in
  /// batches of 256 (the numbers do not depend on the batching: each example
  /// gets the same eps either way). Asks `shouldStop` before each batch.
  public init<S: BLASScalar>(
    _ model: VAE<S>, rows: [S], count: Int, shouldStop: () -> Bool = { false }
  ) throws(Interrupted) {
    let configuration = model.configuration
    let (d, l) = (configuration.inputs, configuration.latent)
    let used = min(count, Self.exampleLimit)
    var generator = Xoshiro256StarStar(seed: Self.noiseSeed)
    var (reconstruction, kl) = (0.0, 0.0)
    var klPerDimension = [Double](repeating: 0, count: l)
    var means = [RunningMoments](repeating: RunningMoments(), count: l)
    let batch = 256
    var start = 0
    while start < used {
      if shouldStop() { throw Interrupted() }
      let rowsHere = min(batch, used - start)
      let x = Array(rows[(start * d)..<((start + rowsHere) * d)])
      let noise = (0..<(rowsHere * l)).map { _ in S(NormalSampler.next(using: &generator)) }
      let losses = model.forward(x, noise: noise)
      reconstruction += losses.reconstruction * Double(rowsHere)
      kl += losses.kl * Double(rowsHere)
      let (mu, logvar) = model.encode(x)
      for dimension in 0..<l {
        means[dimension].merge(RunningMoments((0..<rowsHere).map { Double(mu[$0 * l + dimension]) }))
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
    self.reconstruction = reconstruction / n
    self.kl = kl / n
    self.klPerDimension = klPerDimension.map { $0 / n }
    activeUnits = means.filter { $0.variance > 0.01 }.count
    let penalised =
      configuration.freeBits > 0
      ? self.klPerDimension.reduce(0) { $0 + max(configuration.freeBits, $1) } : self.kl
    objective = self.reconstruction + configuration.beta * penalised
  }
}
