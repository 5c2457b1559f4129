/// Reparameterised sampling from a diagonal Gaussian: z = mu + sigma * eps with
/// eps ~ N(0, I) (Kingma and Welling, ICLR 2014, section 2.4). The randomness sits
/// in eps, which does not depend on (mu, sigma), so z is a differentiable function
/// of the parameters.
public enum Reparameterisation {
  /// One drawn pair, the noise and the sample it produced.
  public struct Draw: Sendable, Equatable {
    public var epsilon: [Double]
    public var z: [Double]
  }

  /// What `sample` reports: the first few draws, the moments of z per dimension,
  /// and per dimension a histogram of z over mu +- `histogramHalfWidth` sigma.
  public struct Summary: Sendable, Equatable {
    public var firstDraws: [Draw]
    public var moments: [RunningMoments]
    public var histograms: [Histogram]
  }

  public static let histogramHalfWidth = 4.0

  /// Draws `count` samples, keeping only the first `keep` draws and streaming the
  /// rest into moments and histograms, so memory does not grow with `count`.
  public static func sample(
    mean: [Double], standardDeviation: [Double], count: Int, keep: Int, binCount: Int,
    using generator: inout Xoshiro256StarStar, shouldStop: () -> Bool = { false }
  ) throws(Interrupted) -> Summary {
    precondition(mean.count == standardDeviation.count, "dimensions must agree")
    let dimension = mean.count
    var firstDraws: [Draw] = []
    var moments = Array(repeating: RunningMoments(), count: dimension)
    var histograms = (0..<dimension).map { d in
      Histogram(
        lower: mean[d] - histogramHalfWidth * standardDeviation[d],
        upper: mean[d] + histogramHalfWidth * standardDeviation[d], binCount: binCount)
    }
    var column = [Double]()
    try NormalBatches.forEach(
      rows: count, dimension: dimension, using: &generator, shouldStop: shouldStop
    ) { batch, rowCount in
      for row in 0..<min(rowCount, keep - firstDraws.count) {
        let epsilon = Array(batch[(row * dimension)..<((row + 1) * dimension)])
        let z = (0..<dimension).map { d in mean[d] + standardDeviation[d] * epsilon[d] }
        firstDraws.append(Draw(epsilon: epsilon, z: z))
      }
      for d in 0..<dimension {
        column.removeAll(keepingCapacity: true)
        for row in 0..<rowCount {
          let z = mean[d] + standardDeviation[d] * batch[row * dimension + d]
          column.append(z)
          histograms[d].add(z)
        }
        moments[d].merge(RunningMoments(column))
      }
    }
    return Summary(firstDraws: firstDraws, moments: moments, histograms: histograms)
  }
}
