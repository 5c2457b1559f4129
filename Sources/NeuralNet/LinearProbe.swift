import Foundation
import Probability

/// A linear probe (Alain and Bengio, "Understanding intermediate layers using
/// linear classifier probes", 2016): the best linear function of a
/// representation for predicting a property of the examples, fitted on training
/// examples and scored on held-out ones. A high held-out score says the
/// property can be read off the representation linearly.
///
/// Features are standardised with the training examples' mean and standard
/// deviation (a constant feature becomes 0). For classes the probe is
/// multinomial logistic regression, minimising the mean cross-entropy
/// (1/N) sum_i [log sum_k exp(s_ik) - s_iy_i], s_i = W^T x_i + b; for a
/// continuous target it is least squares on the standardised target,
/// (1/2N) sum_i (w.x_i + b - y_i)^2. Both add the ridge penalty
/// (lambda/2) ||W||^2 (not on b), which keeps the weights finite when classes
/// separate, and both are minimised by L-BFGS to a gradient of 1e-6.
public struct LinearProbe: Sendable {
  /// What the probe predicts: a class index in 0..<count, or a real value.
  public enum Target: Sendable, Equatable {
    case classes(count: Int)
    case continuous
  }

  /// lambda, the ridge penalty's weight.
  public static let penalty = 1e-3

  public let target: Target
  /// The number of features.
  public let dimension: Int
  let featureMeans: [Double]
  let featureScales: [Double]
  /// Row-major `dimension` x `outputs` weights, then `outputs` biases.
  let parameters: [Double]
  /// The continuous target's training mean and standard deviation.
  let targetMean: Double
  let targetScale: Double
  /// How the minimisation ended.
  public let fit: LBFGS.Result

  /// The scores per example: one per class, or the one predicted value.
  var outputs: Int { Self.outputs(for: target) }
  static func outputs(for target: Target) -> Int {
    if case .classes(let count) = target { max(count, 1) } else { 1 }
  }

  /// Fits the probe to examples whose features are the rows of `features`
  /// (row-major, `dimension` each) and whose targets are `values` (class
  /// indexes as numbers, for classes); as many examples as both hold.
  public init(
    features: [Double], dimension: Int, values: [Double], target: Target, penalty: Double = LinearProbe.penalty,
    shouldStop: () -> Bool = { false }
  ) throws(Interrupted) {
    self.target = target
    self.dimension = dimension
    let count = min(values.count, features.count / max(dimension, 1))
    let values = Array(values.prefix(count))
    /// A standard deviation to divide by; 1 for a constant, or values whose
    /// spread is below 1e-12 of their size (rounding, not variation). Relative,
    /// so that a probe's fit does not depend on the units: a label of size 1e-13
    /// is standardised as one of size 1.
    func scale(_ moments: RunningMoments) -> Double {
      let deviation = moments.populationVariance.squareRoot()
      return deviation.isNormal && deviation > 1e-12 * abs(moments.mean) ? deviation : 1
    }
    let columns = RunningMoments.columns(of: Array(features.prefix(count * dimension)), width: dimension)
    let (means, scales) = (columns.map(\.mean), columns.map(scale))
    (featureMeans, featureScales) = (means, scales)
    let targets = RunningMoments(values)
    if case .continuous = target {
      (targetMean, targetScale) = (targets.mean, scale(targets))
    } else {
      (targetMean, targetScale) = (0, 1)
    }
    let x = Self.standardised(features, means: means, scales: scales, dimension: dimension)
    let (shift, scale) = (targetMean, targetScale)
    let y = target == .continuous ? values.map { ($0 - shift) / scale } : values
    let objective = Objective(
      x: x, y: y, count: count, dimension: dimension, outputs: Self.outputs(for: target), penalty: penalty)
    fit = try LBFGS.minimise(
      from: [Double](repeating: 0, count: (dimension + 1) * Self.outputs(for: target)), shouldStop: shouldStop
    ) { [isClassifier = target != .continuous] in objective.evaluate($0, isClassifier: isClassifier) }
    parameters = fit.x
  }

  /// (x - mean) / scale, feature by feature, for `features.count / dimension` rows.
  static func standardised(_ features: [Double], means: [Double], scales: [Double], dimension: Int) -> [Double] {
    guard dimension > 0 else { return [] }
    var x = features
    for index in x.indices {
      let j = index % dimension
      x[index] = (x[index] - means[j]) / scales[j]
    }
    return x
  }

  /// The scores s = X W + b of standardised rows `x`, row-major, `k` per row.
  static func scores(_ x: [Double], count: Int, dimension: Int, outputs k: Int, parameters: [Double]) -> [Double] {
    var s = [Double](repeating: 0, count: count * k)
    for row in 0..<count {
      for c in 0..<k { s[row * k + c] = parameters[dimension * k + c] }
    }
    product(x, transposeA: false, parameters, m: count, n: k, k: dimension, into: &s, beta: 1)
    return s
  }

  /// c = op(a) b + beta c for row-major arrays, op(a) m x k and b k x n
  /// (through BLAS); nothing when any of them is empty.
  static func product(
    _ a: [Double], transposeA: Bool, _ b: [Double], m: Int, n: Int, k: Int, into c: inout [Double], beta: Double
  ) {
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeMutableBufferPointer { c in
          guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress, m > 0, n > 0, k > 0 else { return }
          Double.blasGEMM(
            transposeA: transposeA, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: transposeA ? m : k,
            b: b, ldb: n, beta: beta, c: c, ldc: n)
        }
      }
    }
  }

  /// The penalised loss and its gradient, on standardised features and targets.
  struct Objective {
    var x: [Double]
    var y: [Double]
    var count: Int
    var dimension: Int
    var outputs: Int
    var penalty: Double

    func evaluate(_ parameters: [Double], isClassifier: Bool) -> (value: Double, gradient: [Double]) {
      let (n, d, k) = (count, dimension, outputs)
      var residual = LinearProbe.scores(x, count: n, dimension: d, outputs: k, parameters: parameters)
      var loss = 0.0
      for row in 0..<n {
        if isClassifier {
          // softmax(s) - onehot(y), and log sum exp(s) - s_y, shifted by max(s).
          let base = row * k
          var largest = -Double.infinity
          for c in 0..<k { largest = max(largest, residual[base + c]) }
          var total = 0.0
          for c in 0..<k {
            residual[base + c] = Foundation.exp(residual[base + c] - largest)
            total += residual[base + c]
          }
          let label = min(max(Int(exactly: y[row].rounded()) ?? 0, 0), k - 1)
          loss += Foundation.log(total) - Foundation.log(max(residual[base + label], .leastNonzeroMagnitude))
          for c in 0..<k { residual[base + c] /= total }
          residual[base + label] -= 1
        } else {
          residual[row] -= y[row]
          loss += residual[row] * residual[row] / 2
        }
      }
      for index in residual.indices { residual[index] /= Double(max(n, 1)) }
      var gradient = [Double](repeating: 0, count: (d + 1) * k)
      LinearProbe.product(x, transposeA: true, residual, m: d, n: k, k: n, into: &gradient, beta: 0)
      var squaredWeights = 0.0
      for index in 0..<(d * k) {
        gradient[index] += penalty * parameters[index]
        squaredWeights += parameters[index] * parameters[index]
      }
      for row in 0..<n {
        for c in 0..<k { gradient[d * k + c] += residual[row * k + c] }
      }
      return (loss / Double(max(n, 1)) + penalty / 2 * squaredWeights, gradient)
    }
  }

  /// The probe's predictions for rows of `features`: class indexes (as
  /// numbers), or values in the target's units.
  public func predictions(_ features: [Double]) -> [Double] {
    let count = features.count / max(dimension, 1)
    let x = Self.standardised(features, means: featureMeans, scales: featureScales, dimension: dimension)
    let k = outputs
    let s = Self.scores(x, count: count, dimension: dimension, outputs: k, parameters: parameters)
    guard case .classes = target else { return s.map { $0 * targetScale + targetMean } }
    return (0..<count).map { row in
      var best = 0
      for c in 1..<k where s[row * k + c] > s[row * k + best] { best = c }
      return Double(best)
    }
  }

  /// The held-out score: for classes, the share predicted right; for a
  /// continuous target, R^2 = 1 - sum (y - yhat)^2 / sum (y - mean y)^2 with the
  /// mean of these `values` (below 0 when worse than that mean). Nil for no
  /// examples, or for R^2 of values that are all equal (it is 0 / 0).
  public func score(features: [Double], values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let predicted = predictions(features)
    if case .classes = target {
      return Double(zip(predicted, values).count { $0 == $1 }) / Double(values.count)
    }
    let mean = values.reduce(0, +) / Double(values.count)
    let total = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    guard total > 0 else { return nil }
    let residual = zip(predicted, values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    return 1 - residual / total
  }
}
