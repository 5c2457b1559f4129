import Probability

/// Points in the latent space to decode, for looking at what a decoder has
/// learned between and around encodings.
public enum LatentPaths {
  /// `steps` points evenly spaced on the segment from `a` to `b`, both ends
  /// included: (1 - t) a + t b for t = 0, 1 / (steps - 1), ..., 1 (steps >= 2).
  public static func line(from a: [Double], to b: [Double], steps: Int) -> [[Double]] {
    precondition(a.count == b.count && steps >= 2, "a line needs two points of one dimension and two steps")
    return (0..<steps).map { step in
      let t = Double(step) / Double(steps - 1)
      return zip(a, b).map { (1 - t) * $0 + t * $1 }
    }
  }

  /// `centre` with coordinate `dimension` replaced by each of `values`, the
  /// others fixed: a traversal of one latent dimension.
  public static func traversal(around centre: [Double], dimension: Int, values: [Double]) -> [[Double]] {
    precondition(centre.indices.contains(dimension), "the dimension must be one of the centre's")
    return values.map { value in
      var point = centre
      point[dimension] = value
      return point
    }
  }

  /// `steps` values evenly spaced from `low` to `high`, both included (steps >= 2).
  public static func evenlySpaced(from low: Double, to high: Double, steps: Int) -> [Double] {
    line(from: [low], to: [high], steps: steps).map { $0[0] }
  }

  /// The inverse-CDF grid axis of Kingma and Welling (2014, fig. 4): `count`
  /// evenly spaced probabilities (k + 1/2) / count, k = 0 ..< count, through
  /// the standard normal's quantile. Each cell holds an equal share, 1 / count,
  /// of the prior's mass in that coordinate, so the grid covers where the
  /// prior puts its samples.
  public static func inverseCDFAxis(count: Int) -> [Double] {
    let standard = NormalDistribution(mean: 0, standardDeviation: 1)
    return (0..<count).map { standard.quantile((Double($0) + 0.5) / Double(count)) }
  }

  /// An axis.count x axis.count grid across the plane of latent dimensions
  /// `dimensions` (the others at 0, the prior's mean), row-major as a figure
  /// reads: the column gives the first dimension its axis value, left to
  /// right, and the row gives the second its value from the top (largest)
  /// down, as a plot's vertical axis runs.
  public static func grid(axis: [Double], latent: Int, dimensions: (Int, Int)) -> [[Double]] {
    precondition(
      dimensions.0 != dimensions.1 && (0..<latent).contains(dimensions.0) && (0..<latent).contains(dimensions.1),
      "the grid's plane needs two different latent dimensions")
    return axis.reversed().flatMap { vertical in
      axis.map { horizontal in
        var point = [Double](repeating: 0, count: latent)
        point[dimensions.0] = horizontal
        point[dimensions.1] = vertical
        return point
      }
    }
  }
}
