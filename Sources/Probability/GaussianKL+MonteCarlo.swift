extension GaussianKL {
  /// Monte Carlo estimate of KL(q || p) = E_q[log q(z) - log p(z)] from `count`
  /// draws z = m_q + s_q * eps. Per draw and dimension the log-ratio is
  ///
  ///     0.5 * (lv_p - lv_q) - 0.5 * eps^2 + 0.5 * (z - m_p)^2 / s_p^2,
  ///
  /// the normalising constants cancelling. Returns the moments of the per-draw
  /// log-ratio: their mean is the estimate, their standard error its uncertainty.
  public static func monteCarlo(
    _ q: DiagonalGaussian, from p: DiagonalGaussian, count: Int,
    using generator: inout Xoshiro256StarStar, shouldStop: () -> Bool = { false }
  ) throws(Interrupted) -> RunningMoments {
    precondition(q.dimension == p.dimension, "dimensions must agree")
    let dimension = q.dimension
    let qStandardDeviation = q.standardDeviation
    let pPrecision = p.logVariance.map { Double.exp(-$0) }
    let constant = (0..<dimension).reduce(0.0) { $0 + 0.5 * (p.logVariance[$1] - q.logVariance[$1]) }
    var moments = RunningMoments()
    var logRatios = [Double]()
    try NormalBatches.forEach(
      rows: count, dimension: dimension, using: &generator, shouldStop: shouldStop
    ) { batch, rowCount in
      logRatios.removeAll(keepingCapacity: true)
      for row in 0..<rowCount {
        var logRatio = constant
        for d in 0..<dimension {
          let epsilon = batch[row * dimension + d]
          let offset = q.mean[d] + qStandardDeviation[d] * epsilon - p.mean[d]
          logRatio += 0.5 * (offset * offset * pPrecision[d] - epsilon * epsilon)
        }
        logRatios.append(logRatio)
      }
      moments.merge(RunningMoments(logRatios))
    }
    return moments
  }
}
