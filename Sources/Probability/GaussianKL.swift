import RealModule

/// KL divergences between diagonal Gaussians, in nats.
///
/// Both Gaussians are parameterised by mean and log-variance, the encoder's own
/// parameterisation. Per dimension,
///
///     KL(N(m1, s1^2) || N(m2, s2^2)) = log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2
///                                    = 0.5 * (phi(r) + (m1 - m2)^2 / s2^2),
///
/// where r = log s1^2 - log s2^2 and phi(r) = e^r - 1 - r. Against the prior
/// N(0, 1) this is the familiar 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)
/// (Kingma and Welling, "Auto-Encoding Variational Bayes", ICLR 2014, Appendix B).
///
/// Writing the variance term as phi(r) avoids the cancellation in
/// `sigma^2 - 1 - log sigma^2` near sigma = 1, and never forms sigma^2 itself, so a
/// tiny sigma (whose square underflows) still gives the right, large, divergence.
public enum GaussianKL {
  /// The KL divergence of one dimension, KL(N(m1, e^lv1) || N(m2, e^lv2)).
  public static func divergence(
    mean m1: Double, logVariance lv1: Double,
    fromMean m2: Double = 0, logVariance lv2: Double = 0
  ) -> Double {
    let difference = m1 - m2
    return 0.5 * (expMinusOneMinusIdentity(lv1 - lv2) + difference * difference * Double.exp(-lv2))
  }

  /// Per-dimension divergences KL(q || p) of two diagonal Gaussians of equal dimension.
  public static func perDimension(_ q: DiagonalGaussian, from p: DiagonalGaussian) -> [Double] {
    precondition(q.dimension == p.dimension, "dimensions must agree")
    return (0..<q.dimension).map { d in
      divergence(
        mean: q.mean[d], logVariance: q.logVariance[d],
        fromMean: p.mean[d], logVariance: p.logVariance[d])
    }
  }

  /// phi(t) = e^t - 1 - t, accurate for all t: a Taylor series where the
  /// subtraction would cancel (|t| < 0.1; truncation error below 1e-16 relative),
  /// `expm1(t) - t` elsewhere.
  public static func expMinusOneMinusIdentity(_ t: Double) -> Double {
    guard abs(t) < 0.1 else { return Double.expMinusOne(t) - t }
    // sum_{k>=2} t^k / k!, by Horner's rule up to k = 12.
    var sum = 0.0
    for k in stride(from: 12, through: 2, by: -1) {
      sum = (sum + 1) * t / Double(k)
    }
    return sum * t
  }
}

/// A Gaussian with diagonal covariance, N(mean, diag(e^logVariance)).
public struct DiagonalGaussian: Sendable, Equatable {
  public var mean: [Double]
  public var logVariance: [Double]

  public init(mean: [Double], logVariance: [Double]) {
    precondition(mean.count == logVariance.count, "dimensions must agree")
    self.mean = mean
    self.logVariance = logVariance
  }

  public init(mean: [Double], standardDeviation: [Double]) {
    self.init(mean: mean, logVariance: standardDeviation.map { 2 * Double.log($0) })
  }

  /// N(0, I) in `dimension` dimensions.
  public static func standard(dimension: Int) -> DiagonalGaussian {
    DiagonalGaussian(
      mean: Array(repeating: 0, count: dimension), logVariance: Array(repeating: 0, count: dimension))
  }

  public var dimension: Int { mean.count }
  public var standardDeviation: [Double] { logVariance.map { Double.exp(0.5 * $0) } }

  /// log density of `point`, sum over dimensions of -0.5 (log 2 pi + lv + (x - m)^2 / e^lv).
  public func logDensity(_ point: [Double]) -> Double {
    var total = 0.0
    for d in 0..<dimension {
      let difference = point[d] - mean[d]
      total += -0.5 * (Self.logTwoPi + logVariance[d] + difference * difference * Double.exp(-logVariance[d]))
    }
    return total
  }

  static let logTwoPi = Double.log(2 * Double.pi)
}
