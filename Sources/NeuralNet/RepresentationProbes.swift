import Probability

/// What a model's codes make linearly readable: for each factor of the data
/// (a label, or a generating factor of the built-in data), a `LinearProbe` on
/// three representations of the same examples, fitted on the training set and
/// scored on the held-out set:
/// - the model's codes, the encoder means mu(x) (L numbers per example);
/// - the raw inputs (D numbers);
/// - a random projection of the raw inputs to L numbers, x R with R a D x L
///   matrix of independent N(0, 1) entries: what L numbers give with no
///   learning.
/// The codes earn their keep when they score near the raw inputs with far
/// fewer numbers, and above the random projection of the same size.
public struct RepresentationProbes: Sendable {
  /// The representations, in the order of `Factor.scores`.
  public enum Representation: String, CaseIterable, Sendable {
    case codes
    case raw
    case randomProjection = "random_projection"
  }

  public struct Factor: Sendable {
    public var name: String
    public var target: LinearProbe.Target
    /// Held-out accuracy or R^2 by representation (nil: undefined, as R^2 of
    /// held-out values that are all equal).
    public var scores: [Double?]
    /// Whether each probe's minimisation reached its gradient tolerance.
    public var converged: [Bool]
    /// For classes: the held-out share of the training set's most common class,
    /// what a probe that learned nothing would score.
    public var chance: Double?
  }

  public var factors: [Factor]
  /// The sizes of the representations, in the order of `Representation`.
  public var dimensions: [Int]
  public var trainingCount: Int
  public var heldOutCount: Int

  /// The most training examples a probe is fitted on, and held-out examples it
  /// is scored on (the first ones; the data are shuffled when split).
  public static let exampleLimit = 10_000

  /// The bytes the probes hold at once, about, for `data`, a `latent`-D model
  /// and factors of at most `classes` classes: per example used, the raw
  /// features in double precision three times (as given, standardised, and
  /// in a prediction), the codes and the projection twice each, and the
  /// scores and residuals; and L-BFGS's 10 curvature pairs, iterate, gradient,
  /// trial point and direction, each (D + 1) x classes. Nil beyond any count.
  public static func memoryEstimate(data: Dataset, latent: Int, classes: Int) -> Int? {
    let rows = Double(min(data.trainingCount, exampleLimit) + min(data.heldOutCount, exampleLimit))
    let (d, l, k) = (Double(data.dimension), Double(latent), Double(max(classes, 1)))
    let bytes = 8 * (rows * (3 * d + 4 * l + 2 * k) + 26 * (d + 1) * k)
    return bytes < Double(Int.max) ? Int(bytes) : nil
  }

  /// Probes each of `factors` (the data's own) on `model`'s codes, the raw
  /// inputs, and a random projection drawn from `generator`.
  public init(
    model: VAE<Float>, data: Dataset, factors: [ExampleFactor], generator: inout Xoshiro256StarStar,
    shouldStop: () -> Bool = { false }
  ) throws(Interrupted) {
    let (d, l) = (data.dimension, model.configuration.latent)
    trainingCount = min(data.trainingCount, Self.exampleLimit)
    heldOutCount = min(data.heldOutCount, Self.exampleLimit)
    let training = Array(data.training.prefix(trainingCount * d))
    let heldOut = Array(data.heldOut.prefix(heldOutCount * d))
    var projection = [Double](repeating: 0, count: d * l)
    projection.withUnsafeMutableBufferPointer { NormalSampler.fill($0, using: &generator) }
    func representations(_ rows: [Float], count: Int) -> [[Double]] {
      let raw = rows.map(Double.init)
      var projected = [Double](repeating: 0, count: count * l)
      LinearProbe.product(raw, transposeA: false, projection, m: count, n: l, k: d, into: &projected, beta: 0)
      return [model.encoderMeans(rows).map(Double.init), raw, projected]
    }
    let trainingFeatures = representations(training, count: trainingCount)
    let heldOutFeatures = representations(heldOut, count: heldOutCount)
    dimensions = [l, d, l]

    self.factors = []
    for factor in factors {
      let trainingValues = Array(factor.training.prefix(trainingCount))
      let heldOutValues = Array(factor.heldOut.prefix(heldOutCount))
      guard trainingValues.count == trainingCount, heldOutValues.count == heldOutCount else { continue }
      let target: LinearProbe.Target = factor.classes.map { .classes(count: $0.count) } ?? .continuous
      var scores: [Double?] = []
      var converged: [Bool] = []
      for (index, dimension) in dimensions.enumerated() {
        let probe = try LinearProbe(
          features: trainingFeatures[index], dimension: dimension, values: trainingValues, target: target,
          shouldStop: shouldStop)
        scores.append(probe.score(features: heldOutFeatures[index], values: heldOutValues))
        converged.append(probe.fit.converged)
      }
      var chance: Double?
      if case .classes(let count) = target, !heldOutValues.isEmpty {
        var counts = [Int](repeating: 0, count: count)
        for value in trainingValues where Int(value) >= 0 && Int(value) < count { counts[Int(value)] += 1 }
        let common = Double(counts.indices.max { counts[$0] < counts[$1] } ?? 0)
        chance = Double(heldOutValues.count { $0 == common }) / Double(heldOutValues.count)
      }
      self.factors.append(
        Factor(name: factor.name, target: target, scores: scores, converged: converged, chance: chance))
    }
  }
}
