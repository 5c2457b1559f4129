import Foundation
import Probability

/// A VAE as a lossy compressor: what its code costs and what the decode
/// loses, per held-out example (the first `Evaluation.exampleLimit`).
///
/// The code is one sample z ~ q(z|x), which the receiver decodes. Sending a
/// sample of q with a code shared by both ends costs about KL(q || p) nats,
/// plus a term of order log(KL + 1) (relative entropy coding: Li and El Gamal
/// 2018; Havasi, Peharz and Hernandez-Lobato 2019), so the rate is the
/// average of KL(q(z|x) || p(z)) = sum over latent dimensions of the closed
/// form, in nats or bits = nats / ln 2. The distortion is what that sample
/// costs: -E_q log p(x|z), in nats, and, in the data's own units, the mean
/// squared error per value between x and the decoder's mean at that sample,
/// beside the data's variance per value (the error of sending nothing and
/// decoding the data's mean). Alemi et al. (2018) read the beta trade-off as
/// this rate against this distortion.
public struct Compression: Sendable, Equatable {
  public var examples: Int
  /// The rate in nats per example, and per latent dimension.
  public var rate: Double
  public var ratePerDimension: [Double]
  /// -E_q log p(x|z) in nats per example.
  public var distortion: Double
  /// Mean over the examples and values of (x - decode(z))^2, z ~ q(z|x).
  public var meanSquaredError: Double
  /// The training data's variance per value, averaged over the values.
  public var dataVariance: Double
  /// The values in an example, and the bits one raw value is stored in: 8
  /// for data in [0, 1] (an 8-bit grey level), else 32 (a single-precision float).
  public var dimension: Int
  public var rawBitsPerValue: Int

  public var rateBits: Double { rate / Foundation.log(2) }
  public var rateBitsPerDimension: [Double] { ratePerDimension.map { $0 / Foundation.log(2) } }
  public var rawBits: Int { dimension * rawBitsPerValue }
  /// Raw size over rate; nil when the rate is below 0.01 bits, a code of next to nothing.
  public var ratio: Double? { rateBits >= 0.01 ? Double(rawBits) / rateBits : nil }
  /// The share of the data's variance the decode leaves; nil when the data do not vary.
  public var varianceLeft: Double? { dataVariance > 0 ? meanSquaredError / dataVariance : nil }

  public init(model: VAE<Float>, data: Dataset, shouldStop: () -> Bool = { false }) throws(Interrupted) {
    let evaluation = try Evaluation(model, rows: data.heldOut, count: data.heldOutCount, shouldStop: shouldStop)
    let (d, l) = (data.dimension, model.configuration.latent)
    examples = min(data.heldOutCount, Evaluation.exampleLimit)
    ratePerDimension = evaluation.klPerDimension
    rate = ratePerDimension.reduce(0, +)
    distortion = evaluation.reconstruction
    let x = Array(data.heldOut.prefix(examples * d))
    // One sample z = mu + sigma eps per example, eps from Evaluation's seed.
    let (mu, logvar) = model.encode(x)
    var generator = Xoshiro256StarStar(seed: Evaluation.noiseSeed &+ 1)
    let z = (0..<(examples * l)).map { index in
      mu[index] + Float.exp(logvar[index] / 2) * Float(NormalSampler.next(using: &generator))
    }
    let decodes = model.decode(z)
    let squared = zip(x, decodes).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
    meanSquaredError = squared / Double(max(x.count, 1))
    dataVariance = data.meanVariance
    dimension = d
    rawBitsPerValue = data.isUnitInterval ? 8 : 32
  }
}
