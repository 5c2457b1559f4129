import Foundation

/// A VAE as a compressor: what its code costs and what the decode loses, per
/// held-out example (the first `Evaluation.exampleLimit`).
///
/// The rate is KL(q(z|x) || p(z)), averaged: the expected length of a code
/// for z under the prior, sent by bits-back coding (Hinton and van Camp 1993;
/// Townsend, Bird and Barber 2019), in nats, or bits = nats / ln 2. The
/// distortion is -E_q log p(x|z), also in nats, and, in the data's own units,
/// the mean squared error per value between x and the decode of its encoder
/// mean, beside the data's variance per value (what predicting every value by
/// its mean would cost). Alemi et al. (2018) read the beta trade-off as this
/// rate against this distortion.
public struct Compression: Sendable, Equatable {
  public var examples: Int
  /// The rate in nats per example, and per latent dimension.
  public var rate: Double
  public var ratePerDimension: [Double]
  /// -E_q log p(x|z) in nats per example.
  public var distortion: Double
  /// Mean over the examples and values of (x - decode(mu(x)))^2.
  public var meanSquaredError: Double
  /// The training data's variance per value, averaged over the values.
  public var dataVariance: Double
  /// The values in an example, and the bits one raw value is stored in: 8
  /// for data in [0, 1] (an 8-bit grey level), else 32 (a single-precision float).
  public var dimension: Int
  public var rawBitsPerValue: Int

  public var rateBits: Double { rate / Foundation.log(2) }
  public var rawBits: Int { dimension * rawBitsPerValue }

  public init(model: VAE<Float>, data: Dataset) {
    let evaluation = Evaluation(model, rows: data.heldOut, count: data.heldOutCount)
    let d = data.dimension
    examples = min(data.heldOutCount, Evaluation.exampleLimit)
    rate = evaluation.kl
    ratePerDimension = evaluation.klPerDimension
    distortion = evaluation.reconstruction
    let x = Array(data.heldOut.prefix(examples * d))
    let decodes = model.decode(model.encoderMeans(x))
    let squared = zip(x, decodes).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
    meanSquaredError = squared / Double(max(x.count, 1))
    dataVariance = data.meanVariance
    dimension = d
    rawBitsPerValue = data.isUnitInterval ? 8 : 32
  }
}
