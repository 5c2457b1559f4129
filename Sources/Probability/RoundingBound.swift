/// Per-draw rounding radii r_i of an estimator, bounds on |computed draw - exact
/// draw| (exact: f evaluated in real arithmetic at the same z), summed so that
/// they bound what rounding can do to the draws' statistics:
///
///     |mean shift|               <= sum r_i / n
///     |standard deviation shift| <= sqrt(sum r_i^2 / (n - 1))
///
/// the second because centring is a projection, which moves no vector farther
/// than it was (Minkowski's inequality on the centred draws).
public struct RoundingBound: Sendable, Equatable {
  public private(set) var count = 0
  public private(set) var sum = 0.0
  public private(set) var sumOfSquares = 0.0

  public init() {}

  public init(count: Int, sum: Double, sumOfSquares: Double) {
    self.count = count
    self.sum = sum
    self.sumOfSquares = sumOfSquares
  }

  public mutating func merge(_ other: RoundingBound) {
    count += other.count
    sum += other.sum
    sumOfSquares += other.sumOfSquares
  }

  /// The bound for the draws times `factor` (logvar's draws are sigma's times sigma / 2).
  public func scaled(by factor: Double) -> RoundingBound {
    RoundingBound(count: count, sum: sum * abs(factor), sumOfSquares: sumOfSquares * factor * factor)
  }

  /// How far rounding could have moved the mean.
  public var meanShift: Double { count > 0 ? sum / Double(count) : 0 }
  /// How far rounding could have moved the standard deviation (divisor n - 1).
  public var standardDeviationShift: Double { count > 1 ? (sumOfSquares / Double(count - 1)).squareRoot() : 0 }
  /// How far rounding could have moved the variance of draws whose standard
  /// deviation is s: 2 s d + d^2, with d the standard deviation's shift.
  public func varianceShift(standardDeviation s: Double) -> Double {
    let d = standardDeviationShift
    return 2 * s * d + d * d
  }
}
