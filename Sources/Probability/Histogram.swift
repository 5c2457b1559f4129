/// Counts of values in `binCount` equal-width bins over [lower, upper), with the
/// values below and at-or-above the range counted separately.
public struct Histogram: Sendable, Equatable {
  public let lower: Double
  public let upper: Double
  public private(set) var counts: [Int]
  public private(set) var below = 0
  public private(set) var above = 0

  public init(lower: Double, upper: Double, binCount: Int) {
    precondition(lower < upper && binCount > 0, "a histogram needs lower < upper and at least one bin")
    self.lower = lower
    self.upper = upper
    counts = Array(repeating: 0, count: binCount)
  }

  public var binCount: Int { counts.count }
  public var binWidth: Double { (upper - lower) / Double(binCount) }
  public var total: Int { counts.reduce(below + above, +) }

  /// Edges of bin `index`: [lower + index * width, lower + (index + 1) * width).
  public func edges(of index: Int) -> (lower: Double, upper: Double) {
    (lower + Double(index) * binWidth, lower + Double(index + 1) * binWidth)
  }

  @inline(__always)
  public mutating func add(_ value: Double) {
    if value < lower {
      below += 1
    } else if value >= upper || value.isNaN {
      above += 1
    } else {
      // The clamp guards the last bin against rounding of (value - lower) / width.
      let index = Int((value - lower) / binWidth)
      counts[min(index, binCount - 1)] += 1
    }
  }
}

extension Histogram {
  /// The expected count of each bin when the histogram's `total` values are
  /// drawn from `density`: n P(lower <= z < upper), each probability a
  /// difference of the normal's CDF, or of its upper tail right of the mean
  /// (`NormalDistribution.probability`), so that far bins keep their digits.
  /// They sum to n less the expected counts below and above the range.
  public func expectedCounts(under density: NormalDistribution) -> [Double] {
    let n = Double(total)
    return (0..<binCount).map { bin in
      let (lower, upper) = edges(of: bin)
      return n * density.probability(from: lower, to: upper)
    }
  }
}
