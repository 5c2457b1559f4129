import Foundation
import NeuralNet
import Probability
import Testing

/// L-BFGS against closed forms, and the linear probes against independent references.
struct LinearProbeTests {
  /// Gaussian elimination with partial pivoting: the reference solution of A x = b.
  static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
    var (a, b) = (a, b)
    let n = b.count
    for column in 0..<n {
      let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) } ?? column
      a.swapAt(column, pivot)
      b.swapAt(column, pivot)
      for row in (column + 1)..<n {
        let factor = a[row][column] / a[column][column]
        for k in column..<n { a[row][k] -= factor * a[column][k] }
        b[row] -= factor * b[column]
      }
    }
    var x = [Double](repeating: 0, count: n)
    for row in (0..<n).reversed() {
      let rest = ((row + 1)..<n).reduce(0) { $0 + a[row][$1] * x[$1] }
      x[row] = (b[row] - rest) / a[row][row]
    }
    return x
  }

  /// f(x) = x^T A x / 2 - b^T x with A symmetric positive definite: minimum at A^-1 b.
  @Test func lbfgsFindsTheMinimumOfAQuadratic() throws {
    let a: [[Double]] = [[4, 1, 0, 0.5], [1, 3, 0.2, 0], [0, 0.2, 10, 1], [0.5, 0, 1, 0.5]]
    let b: [Double] = [1, -2, 3, 0.25]
    let result = try LBFGS.minimise(from: [0, 0, 0, 0], gradientTolerance: 1e-10) { x in
      let ax = a.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
      let value = zip(x, ax).reduce(0) { $0 + $1.0 * $1.1 } / 2 - zip(b, x).reduce(0) { $0 + $1.0 * $1.1 }
      return (value, zip(ax, b).map { $0 - $1 })
    }
    #expect(result.converged)
    for (found, exact) in zip(result.x, Self.solve(a, b)) { #expect(abs(found - exact) < 1e-9) }
  }

  /// Rosenbrock's valley, f = (1 - x)^2 + 100 (y - x^2)^2, from (-1.2, 1): minimum at (1, 1).
  @Test func lbfgsFollowsRosenbrocksValley() throws {
    let result = try LBFGS.minimise(from: [-1.2, 1], gradientTolerance: 1e-9) { p in
      let (x, y) = (p[0], p[1])
      let value = (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
      return (value, [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    }
    #expect(result.converged)
    #expect(abs(result.x[0] - 1) < 1e-7 && abs(result.x[1] - 1) < 1e-7, "\(result)")
    #expect(result.iterations < 100)
  }

  @Test func lbfgsStopsWhenAsked() {
    #expect(throws: Interrupted.self) {
      try LBFGS.minimise(from: [1], shouldStop: { true }) { x in (x[0] * x[0], [2 * x[0]]) }
    }
  }

  /// Least squares with a ridge penalty, against the normal equations
  /// (X^T X / N + lambda I) w = X^T y / N on standardised features and target
  /// (centred, so the bias is 0), solved by elimination.
  @Test func theRegressionProbeIsRidgeRegression() throws {
    var generator = Xoshiro256StarStar(seed: 3)
    let (n, d) = (60, 3)
    var features = [Double](repeating: 0, count: n * d)
    features.withUnsafeMutableBufferPointer { NormalSampler.fill($0, using: &generator) }
    for row in 0..<n { features[row * d + 2] = 5 + 3 * features[row * d + 2] }  // a shifted, scaled feature
    let values = (0..<n).map { row in
      2 * features[row * d] - features[row * d + 1] + 0.5 * features[row * d + 2]
        + NormalSampler.next(using: &generator)
    }
    let lambda = 0.1
    let probe = try LinearProbe(features: features, dimension: d, values: values, target: .continuous, penalty: lambda)
    #expect(probe.fit.converged)

    // The reference, from the same standardisation.
    func standardise(_ v: [Double]) -> (values: [Double], mean: Double, scale: Double) {
      let mean = v.reduce(0, +) / Double(v.count)
      let scale = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)).squareRoot()
      return (v.map { ($0 - mean) / scale }, mean, scale)
    }
    let columns = (0..<d).map { j in standardise((0..<n).map { features[$0 * d + j] }) }
    let y = standardise(values)
    let gram = (0..<d).map { i in
      (0..<d).map { j in
        zip(columns[i].values, columns[j].values).reduce(0) { $0 + $1.0 * $1.1 } / Double(n) + (i == j ? lambda : 0)
      }
    }
    let right = (0..<d).map { j in zip(columns[j].values, y.values).reduce(0) { $0 + $1.0 * $1.1 } / Double(n) }
    let w = Self.solve(gram, right)
    let point: [Double] = [0.3, -1.2, 7]
    let standardised = (0..<d).map { (point[$0] - columns[$0].mean) / columns[$0].scale }
    let expected = zip(w, standardised).reduce(0) { $0 + $1.0 * $1.1 } * y.scale + y.mean
    let predicted = probe.predictions(point)
    #expect(abs(predicted[0] - expected) < 1e-6 * abs(expected), "\(predicted[0]) against \(expected)")
  }

  /// R^2 is 1 for an exact linear relation (up to the penalty's shrinkage of
  /// 1 / (1 + lambda)), near 0 for noise, and undefined for constant values.
  @Test func rSquaredOfExactNoiseAndConstantTargets() throws {
    let x = (0..<100).map { Double($0) / 10 }
    let exact = try LinearProbe(features: x, dimension: 1, values: x.map { 3 - 2 * $0 }, target: .continuous)
    let score = try #require(exact.score(features: x, values: x.map { 3 - 2 * $0 }))
    #expect(abs(score - 1) < 1e-5)
    var generator = Xoshiro256StarStar(seed: 4)
    let noise = (0..<2000).map { _ in NormalSampler.next(using: &generator) }
    let features = (0..<2000).map { _ in NormalSampler.next(using: &generator) }
    let probe = try LinearProbe(
      features: Array(features[..<1000]), dimension: 1, values: Array(noise[..<1000]), target: .continuous)
    let heldOut = try #require(probe.score(features: Array(features[1000...]), values: Array(noise[1000...])))
    #expect(heldOut < 0.01 && heldOut > -0.02, "\(heldOut)")
    #expect(probe.score(features: [1, 2, 3], values: [5, 5, 5]) == nil)
  }

  /// R^2 does not depend on the units of the features or the target: scaled
  /// by 1e-13, the same data fit the same (the target was left unstandardised
  /// below a spread of 1e-12, and R^2 came out 0).
  @Test(arguments: [1e-13, 1e-8, 1e13])
  func rSquaredDoesNotDependOnTheUnits(scale: Double) throws {
    var generator = Xoshiro256StarStar(seed: 9)
    let features = (0..<400).flatMap { _ in
      [NormalSampler.next(using: &generator), NormalSampler.next(using: &generator)]
    }
    let values = (0..<400).map {
      2 * features[2 * $0] - features[2 * $0 + 1] + 0.3 * NormalSampler.next(using: &generator)
    }
    func score(_ featureScale: Double, _ valueScale: Double) throws -> Double {
      let x = features.map { $0 * featureScale }
      let y = values.map { $0 * valueScale }
      let probe = try LinearProbe(features: x, dimension: 2, values: y, target: .continuous)
      return try #require(probe.score(features: x, values: y))
    }
    let reference = try score(1, 1)
    #expect(reference > 0.95)
    #expect(abs(try score(1, scale) - reference) < 1e-9)
    #expect(abs(try score(scale, 1) - reference) < 1e-9)
  }

  /// Two classes, N(-1, 1) and N(+1, 1), equally likely: the best rule
  /// (x > 0) is right with probability Phi(1) = 0.8413, and logistic
  /// regression finds it. On 20000 held-out points the standard error of an
  /// accuracy is 0.0026; the tolerance is 0.01.
  @Test func theClassifierReachesTheBayesAccuracy() throws {
    var generator = Xoshiro256StarStar(seed: 5)
    func draw(_ count: Int) -> (x: [Double], y: [Double]) {
      let labels = (0..<count).map { _ in Double(generator.next() % 2) }
      return (labels.map { 2 * $0 - 1 + NormalSampler.next(using: &generator) }, labels)
    }
    let training = draw(5000)
    let heldOut = draw(20000)
    let probe = try LinearProbe(
      features: training.x, dimension: 1, values: training.y, target: .classes(count: 2))
    #expect(probe.fit.converged)
    let accuracy = try #require(probe.score(features: heldOut.x, values: heldOut.y))
    let bayes = 0.5 * (1 + erf(1 / 2.0.squareRoot()))
    #expect(abs(accuracy - bayes) < 0.01, "\(accuracy) against \(bayes)")
  }

  /// Three classes separated along different features are all found; with
  /// labels unrelated to the features, accuracy falls to about a third.
  @Test func threeClassesAndRandomLabels() throws {
    var generator = Xoshiro256StarStar(seed: 6)
    var features: [Double] = []
    var labels: [Double] = []
    for _ in 0..<900 {
      let label = Int(generator.next() % 3)
      let centre: [Double] = [[4, 0], [0, 4], [-4, -4]][label]
      features += centre.map { $0 + NormalSampler.next(using: &generator) }
      labels.append(Double(label))
    }
    let train = 600
    let probe = try LinearProbe(
      features: Array(features[..<(train * 2)]), dimension: 2, values: Array(labels[..<train]),
      target: .classes(count: 3))
    let accuracy = try #require(
      probe.score(features: Array(features[(train * 2)...]), values: Array(labels[train...])))
    #expect(accuracy > 0.99)
    let shuffled = labels.map { _ in Double(generator.next() % 3) }
    let blind = try LinearProbe(
      features: Array(features[..<(train * 2)]), dimension: 2, values: Array(shuffled[..<train]),
      target: .classes(count: 3))
    let guess = try #require(
      blind.score(features: Array(features[(train * 2)...]), values: Array(shuffled[train...])))
    #expect(abs(guess - 1.0 / 3) < 0.1, "\(guess)")
  }

  /// On `shapes`, a trained VAE's 8 encoder means hold each factor better than
  /// 8 random projections of the pixels, and the position better than a linear
  /// read of all 256 pixels. Measured (x86-64, OpenBLAS): shape accuracy 0.57
  /// (random projections, seeds 1-6: 0.40 to 0.49; chance 0.30); R^2 for x,
  /// y, scale 0.89, 0.86, 0.77 against the pixels' 0.81, 0.77, 0.71 and the
  /// random projections' at most 0.70, 0.69, 0.55.
  @Test func aVAEsCodesBeatARandomProjectionOfTheSameSize() throws {
    let data = LatentSpaceQualityTests.data
    var generator = Xoshiro256StarStar(seed: 1)
    let probes = try RepresentationProbes(
      model: LatentSpaceQualityTests.trained(.vae), data: data, factors: data.factors, generator: &generator)
    #expect(probes.dimensions == [8, 256, 8])
    #expect(probes.factors.map(\.name) == ["shape", "x", "y", "scale"])
    for factor in probes.factors {
      let (codes, raw, random) = (factor.scores[0] ?? -1, factor.scores[1] ?? -1, factor.scores[2] ?? -1)
      let margin = factor.name == "shape" ? 0.05 : 0.15
      #expect(codes > random + margin, "\(factor.name): codes \(codes), random projection \(random)")
      if factor.name == "x" || factor.name == "y" {
        #expect(codes > raw + 0.05, "\(factor.name): codes \(codes), raw inputs \(raw)")
      }
      if factor.name == "shape" { #expect(codes > (factor.chance ?? 1) + 0.2, "\(factor)") }
    }
  }
}
