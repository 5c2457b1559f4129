import func Foundation.exp

extension MarginalLikelihood {
  /// The true posterior p(z|x) = p(x|z) p(z) / p(x) and q(z|x) on one `side` x `side`
  /// grid over a 2-D latent plane, each scaled so its largest value is 1: two
  /// images to put side by side. Rows run from the top (largest z1) down,
  /// columns from the left (smallest z0).
  public struct Densities: Sendable {
    public var region: [ClosedRange<Double>]
    public var side: Int
    public var posterior: [Double]
    public var approximation: [Double]
  }

  /// The densities over `region` (e.g. the quadrature's).
  public func densities(over region: [ClosedRange<Double>], side: Int, shouldStop: () -> Bool = { false })
    throws(GridError) -> Densities
  {
    guard latent == 2 else { throw .tooManyDimensions(latent) }
    let step = region.map { ($0.upperBound - $0.lowerBound) / Double(side - 1) }
    var points: [Double] = []
    for row in 0..<side {
      for column in 0..<side {
        points += [region[0].lowerBound + Double(column) * step[0], region[1].upperBound - Double(row) * step[1]]
      }
    }
    if shouldStop() { throw .interrupted }
    let likelihoods = logLikelihood(points, side * side)
    var logPosterior: [Double] = []
    var logApproximation: [Double] = []
    for index in 0..<(side * side) {
      let z = points[(2 * index)..<(2 * index + 2)]
      let prior = -z.reduce(0) { $0 + $1 * $1 } / 2
      logPosterior.append(likelihoods[index] + prior)
      // log q = log p(z) - (log p(z) - log q(z)).
      logApproximation.append(prior - logPriorOverPosterior(z))
    }
    func scaled(_ logs: [Double]) -> [Double] {
      let largest = logs.max() ?? 0
      return logs.map { exp($0 - largest) }
    }
    return Densities(
      region: region, side: side, posterior: scaled(logPosterior), approximation: scaled(logApproximation))
  }
}

extension MarginalLikelihood {
  /// A region to draw p(z|x) and q(z|x) on: q's mean +- 3.5 sigma joined with
  /// the posterior's mean +- 3.5 of its standard deviations (each dimension),
  /// the posterior's moments from a 41 x 41 grid over `within` (the quadrature's region).
  public func pictureRegion(within region: [ClosedRange<Double>], shouldStop: () -> Bool = { false }) throws(GridError)
    -> [ClosedRange<Double>]
  {
    let scan = try densities(over: region, side: 41, shouldStop: shouldStop)
    let total = scan.posterior.reduce(0, +)
    var moments = [(mean: Double, square: Double)](repeating: (0, 0), count: 2)
    for row in 0..<41 {
      for column in 0..<41 {
        let weight = scan.posterior[row * 41 + column] / total
        let z = [
          region[0].lowerBound + Double(column) * (region[0].upperBound - region[0].lowerBound) / 40,
          region[1].upperBound - Double(row) * (region[1].upperBound - region[1].lowerBound) / 40,
        ]
        for d in 0..<2 {
          moments[d].mean += weight * z[d]
          moments[d].square += weight * z[d] * z[d]
        }
      }
    }
    return (0..<2).map { d in
      let spread = max(moments[d].square - moments[d].mean * moments[d].mean, 0).squareRoot()
      let sigma = exp(logVariance[d] / 2)
      return min(
        mean[d] - 3.5 * sigma, moments[d].mean - 3.5 * spread)...max(
          mean[d] + 3.5 * sigma, moments[d].mean + 3.5 * spread)
    }
  }
}
