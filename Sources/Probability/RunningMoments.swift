/// Count, mean and sum of squared deviations of a stream of numbers, updated a
/// chunk at a time and merged with the pairwise formula of Chan, Golub and LeVeque
/// ("Algorithms for computing the sample variance", The American Statistician
/// 37(3), 1983), which stays accurate where the textbook sum-of-squares formula
/// cancels.
public struct RunningMoments: Sendable, Equatable {
  public private(set) var count = 0
  public private(set) var mean = 0.0
  /// Sum of (x - mean)^2.
  public private(set) var sumOfSquaredDeviations = 0.0

  public init() {}

  /// Moments known by their sums, e.g. from power sums.
  public init(count: Int, mean: Double, sumOfSquaredDeviations: Double) {
    self.count = count
    self.mean = mean
    self.sumOfSquaredDeviations = sumOfSquaredDeviations
  }

  /// Moments of a chunk by the two-pass algorithm.
  public init<C: Collection>(_ values: C) where C.Element == Double {
    guard !values.isEmpty else { return }
    count = values.count
    mean = values.reduce(0, +) / Double(count)
    let mean = self.mean
    sumOfSquaredDeviations = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
  }

  public mutating func merge(_ other: RunningMoments) {
    guard other.count > 0 else { return }
    guard count > 0 else {
      self = other
      return
    }
    let total = count + other.count
    let delta = other.mean - mean
    mean += delta * Double(other.count) / Double(total)
    sumOfSquaredDeviations +=
      other.sumOfSquaredDeviations + delta * delta * Double(count) * Double(other.count) / Double(total)
    count = total
  }

  /// The moments of each column of a row-major matrix with `width` columns
  /// (a trailing partial row is left out), by the two-pass algorithm, each pass
  /// row by row. Inlinable, so that it is specialised for the caller's
  /// element type: a generic conversion to Double per value costs more than the rest.
  @inlinable
  public static func columns<T: BinaryFloatingPoint>(of values: [T], width: Int) -> [RunningMoments] {
    guard width > 0 else { return [] }
    let rows = values.count / width
    guard rows > 0 else { return [RunningMoments](repeating: RunningMoments(), count: width) }
    var means = [Double](repeating: 0, count: width)
    var squares = means
    for row in 0..<rows {
      for column in 0..<width { means[column] += Double(values[row * width + column]) }
    }
    for column in 0..<width { means[column] /= Double(rows) }
    for row in 0..<rows {
      for column in 0..<width {
        let deviation = Double(values[row * width + column]) - means[column]
        squares[column] += deviation * deviation
      }
    }
    return (0..<width).map {
      RunningMoments(count: rows, mean: means[$0], sumOfSquaredDeviations: squares[$0])
    }
  }

  /// Unbiased sample variance (divisor n - 1); zero for fewer than two values.
  public var variance: Double { count > 1 ? sumOfSquaredDeviations / Double(count - 1) : 0 }
  /// The values' own variance, the maximum-likelihood estimate (divisor n); zero for none.
  public var populationVariance: Double { count > 0 ? sumOfSquaredDeviations / Double(count) : 0 }
  public var standardDeviation: Double { variance.squareRoot() }
  /// Standard error of the mean, s / sqrt(n).
  public var standardError: Double { count > 0 ? (variance / Double(count)).squareRoot() : 0 }
}
