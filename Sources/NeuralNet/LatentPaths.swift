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
}
