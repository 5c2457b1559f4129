import Foundation
import Probability
import Testing

@testable import NeuralNet

/// A linear-Gaussian decoder p(x|z) = N(W z + b, s^2 I), whose marginal and
/// posterior have closed forms: p(x) = N(b, W W^T + s^2 I) and
/// p(z|x) = N(S W^T (x - b) / s^2, S) with S = (I + W^T W / s^2)^-1.
struct LinearGaussian {
  var w: [[Double]]  // D x L
  var b: [Double]
  var variance: Double
  var x: [Double]

  var inputs: Int { b.count }
  var latent: Int { w[0].count }

  func logLikelihood(_ z: [Double], _ count: Int) -> [Double] {
    (0..<count).map { row in
      var total = 0.0
      for j in 0..<inputs {
        var mean = b[j]
        for l in 0..<latent { mean += w[j][l] * z[row * latent + l] }
        total -= ((x[j] - mean) * (x[j] - mean) / variance + log(2 * Double.pi * variance)) / 2
      }
      return total
    }
  }

  /// log N(x; b, W W^T + s^2 I), by a Cholesky factor.
  var logMarginal: Double {
    var c = (0..<inputs).map { i in
      (0..<inputs).map { j in (0..<latent).reduce(i == j ? variance : 0) { $0 + w[i][$1] * w[j][$1] } }
    }
    let r = zip(x, b).map { $0 - $1 }
    let (solved, logDeterminant) = Self.choleskySolve(&c, r)
    let quadratic = zip(r, solved).reduce(0) { $0 + $1.0 * $1.1 }
    return -(quadratic + logDeterminant + Double(inputs) * log(2 * Double.pi)) / 2
  }

  /// The posterior's mean and covariance.
  var posterior: (mean: [Double], covariance: [[Double]]) {
    var precision = (0..<latent).map { i in
      (0..<latent).map { j in (0..<inputs).reduce(i == j ? 1 : 0) { $0 + w[$1][i] * w[$1][j] / variance } }
    }
    let covariance = Self.inverse(precision)
    let projected = (0..<latent).map { l in (0..<inputs).reduce(0) { $0 + w[$1][l] * (x[$1] - b[$1]) / variance } }
    let mean = (0..<latent).map { i in (0..<latent).reduce(0) { $0 + covariance[i][$1] * projected[$1] } }
    precision = []
    return (mean, covariance)
  }

  /// KL(N(m, diag v) || posterior).
  func klFromPosterior(mean m: [Double], variances v: [Double]) -> Double {
    let (mp, sp) = posterior
    let precision = Self.inverse(sp)
    var trace = 0.0
    for i in 0..<latent { trace += precision[i][i] * v[i] }
    let d = zip(mp, m).map { $0 - $1 }
    var quadratic = 0.0
    for i in 0..<latent { for j in 0..<latent { quadratic += d[i] * precision[i][j] * d[j] } }
    let logDetPosterior = latent == 1 ? log(sp[0][0]) : log(sp[0][0] * sp[1][1] - sp[0][1] * sp[1][0])
    return (trace + quadratic - Double(latent) + logDetPosterior - v.map(log).reduce(0, +)) / 2
  }

  static func inverse(_ a: [[Double]]) -> [[Double]] {
    if a.count == 1 { return [[1 / a[0][0]]] }
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
    return [[a[1][1] / det, -a[0][1] / det], [-a[1][0] / det, a[0][0] / det]]
  }

  static func choleskySolve(_ a: inout [[Double]], _ r: [Double]) -> ([Double], Double) {
    let n = r.count
    var l = Array(repeating: Array(repeating: 0.0, count: n), count: n)
    for i in 0..<n {
      for j in 0...i {
        var sum = a[i][j]
        for k in 0..<j { sum -= l[i][k] * l[j][k] }
        l[i][j] = i == j ? sum.squareRoot() : sum / l[j][j]
      }
    }
    var y = [Double](repeating: 0, count: n)
    for i in 0..<n { y[i] = (r[i] - (0..<i).reduce(0) { $0 + l[i][$1] * y[$1] }) / l[i][i] }
    var solution = [Double](repeating: 0, count: n)
    for i in (0..<n).reversed() {
      solution[i] = (y[i] - ((i + 1)..<n).reduce(0) { $0 + l[$1][i] * solution[$1] }) / l[i][i]
    }
    return (solution, 2 * (0..<n).reduce(0) { $0 + log(l[$1][$1]) })
  }
}

struct MarginalLikelihoodTests {
  static let decoders = [
    LinearGaussian(w: [[1.2], [-0.7], [0.4]], b: [0.1, 0.3, -0.2], variance: 0.5, x: [1.5, -0.4, 0.9]),
    LinearGaussian(
      w: [[1.2, 0.3], [-0.7, 0.9], [0.4, -1.1]], b: [0.1, 0.3, -0.2], variance: 0.3, x: [1.5, -0.4, 0.9]),
  ]

  /// A q that misses the posterior: shifted by 0.3 and 1.5 times as wide.
  func mismatched(_ decoder: LinearGaussian) -> MarginalLikelihood {
    let (mean, covariance) = decoder.posterior
    return MarginalLikelihood(
      mean: mean.map { $0 + 0.3 }, logVariance: (0..<decoder.latent).map { log(1.5 * 1.5 * covariance[$0][$0]) },
      logLikelihood: decoder.logLikelihood)
  }

  @Test(arguments: decoders)
  func theQuadratureMatchesTheClosedForm(decoder: LinearGaussian) throws {
    let marginal = try mismatched(decoder).logMarginal()
    #expect(abs(marginal.value - decoder.logMarginal) < 1e-6, "\(marginal.value) vs \(decoder.logMarginal)")
    #expect(marginal.error < 1e-4)
  }

  /// ELBO = log p(x) - KL(q || p(z|x)), each side from its own closed form.
  @Test(arguments: decoders)
  func theExpectedELBOFallsShortByTheKLFromThePosterior(decoder: LinearGaussian) throws {
    let q = mismatched(decoder)
    let elbo = try q.expectedELBO()
    let gap = decoder.klFromPosterior(mean: q.mean, variances: q.logVariance.map { exp($0) })
    #expect(gap > 0.05)
    #expect(abs(elbo.value - (decoder.logMarginal - gap)) < 1e-6, "\(elbo.value) vs \(decoder.logMarginal - gap)")
  }

  /// With q the exact posterior (1-D, where it is diagonal), the bound is tight:
  /// ELBO = log p(x), and every importance weight is p(x), so IWAE has no spread.
  @Test func theExactPosteriorClosesTheGap() throws {
    let decoder = Self.decoders[0]
    let (mean, covariance) = decoder.posterior
    let q = MarginalLikelihood(mean: mean, logVariance: [log(covariance[0][0])], logLikelihood: decoder.logLikelihood)
    #expect(abs(try q.expectedELBO().value - decoder.logMarginal) < 1e-6)
    var generator = Xoshiro256StarStar(seed: 1)
    let iwae = try q.importanceWeighted(k: 10, replicates: 5, using: &generator)
    #expect(abs(iwae.mean - decoder.logMarginal) < 1e-9 && iwae.standardError < 1e-9)
  }

  /// ELBO <= IWAE_1 ... <= IWAE_k <= log p(x), within Monte Carlo error, and
  /// IWAE at k = 5000 reaches log p(x) within its error.
  @Test(arguments: decoders)
  func theImportanceWeightedBoundsClimbToLogPx(decoder: LinearGaussian) throws {
    let q = mismatched(decoder)
    var generator = Xoshiro256StarStar(seed: 7)
    let elbo = try q.expectedELBO().value
    let one = try q.importanceWeighted(k: 1, replicates: 4000, using: &generator)
    #expect(abs(one.mean - elbo) < 4 * one.standardError)
    var previous = one
    for k in [10, 100, 1000] {
      let bound = try q.importanceWeighted(k: k, replicates: 200, using: &generator)
      #expect(bound.mean > previous.mean - 3 * (bound.standardError + previous.standardError), "k = \(k)")
      #expect(bound.mean < decoder.logMarginal + 3 * bound.standardError)
      previous = bound
    }
    let large = try q.importanceWeighted(k: 5000, replicates: 20, using: &generator)
    #expect(abs(large.mean - decoder.logMarginal) < 4 * large.standardError + 1e-3)
  }

  @Test func moreThanTwoDimensionsAreRefusedForQuadrature() {
    let q = MarginalLikelihood(mean: [0, 0, 0], logVariance: [0, 0, 0]) { _, count in Array(repeating: 0, count: count)
    }
    #expect(throws: MarginalLikelihood.GridError.tooManyDimensions(3)) { try q.logMarginal() }
  }

  /// A q narrower than any grid allows is refused before a grid is made: a
  /// sigma of 6e-73 (which trapped, counting 3.6e71 points in an Int), one of
  /// 4.5e-5 in 2-D (which would have allocated 10^11 points), and one that
  /// underflows to 0.
  @Test(arguments: [([0.0], [-333.0]), ([0.0, 0.0], [-20.0, -20.0]), ([0.0], [-1600.0])])
  func aPosteriorTooNarrowForAnyGridIsRefused(mean: [Double], logVariance: [Double]) throws {
    let q = MarginalLikelihood(mean: mean, logVariance: logVariance) { z, count in
      (0..<count).map { row in -z[(row * mean.count)..<((row + 1) * mean.count)].reduce(0) { $0 + $1 * $1 } }
    }
    do {
      _ = try q.logMarginal()
      Issue.record("a grid of a sigma of exp(\(logVariance[0] / 2)) was made")
    } catch {
      guard case .tooFine(let points) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(points > Double(MarginalLikelihood.largestGrid))
    }
  }

  /// No value where q or log p(x|z) is NaN or infinite: refused in words (a NaN
  /// mean trapped in a ClosedRange; a NaN likelihood gave a NaN log p(x)).
  @Test func aModelWithoutFiniteValuesIsRefused() {
    let finite: MarginalLikelihood.LogLikelihood = { _, count in Array(repeating: -1, count: count) }
    let nanLikelihood: MarginalLikelihood.LogLikelihood = { _, count in Array(repeating: .nan, count: count) }
    for q in [
      MarginalLikelihood(mean: [.nan], logVariance: [0], logLikelihood: finite),
      MarginalLikelihood(mean: [0, 0], logVariance: [0, .infinity], logLikelihood: finite),
      MarginalLikelihood(mean: [0], logVariance: [0], logLikelihood: nanLikelihood),
      // Data of 1e18 with fresh weights: q far outside the prior's box, p(x|z) 0 everywhere (trapped clamping the region).
      MarginalLikelihood(mean: [2.7e17], logVariance: [0]) { _, count in Array(repeating: -.infinity, count: count) },
    ] {
      #expect(throws: MarginalLikelihood.GridError.notFinite) { try q.logMarginal() }
      #expect(throws: MarginalLikelihood.GridError.notFinite) { try q.expectedELBO() }
      var generator = Xoshiro256StarStar(seed: 1)
      #expect(throws: MarginalLikelihood.GridError.notFinite) {
        try q.bounds(ks: [10], replicates: { _ in 2 }, using: &generator)
      }
    }
  }
}

/// The bound on a trained VAE with a 2-D latent space.
struct VAEMarginalLikelihoodTests {
  /// log p(x|z) from the decoder is the training loss's reconstruction term, negated.
  @Test(arguments: [Likelihood.bernoulli, .gaussian])
  func theDecodersLogLikelihoodIsTheNegatedReconstruction(likelihood: Likelihood) {
    let configuration = VAEConfiguration(inputs: 5, hidden: 4, latent: 2, likelihood: likelihood, variance: 0.3)
    let (model, x, noise) = smallProblem(configuration, batch: 1)
    let reconstruction = model.forward(x, noise: noise).reconstruction
    let (mu, logvar) = model.encode(x)
    let z = (0..<2).map { mu[$0] + exp(logvar[$0] / 2) * noise[$0] }
    let logLikelihood = model.marginalLikelihood(of: x).logLikelihood(z, 1)
    #expect(abs(logLikelihood[0] + reconstruction) <= 1e-12 * abs(reconstruction))
  }

  /// On pinwheel after 400 steps: the quadrature log p(x) and IWAE at k = 5000
  /// agree within their errors, the bounds are ordered, and refining the grid
  /// changes log p(x) by less than 1e-3 nats.
  @Test func quadratureAndImportanceWeightingAgreeOnATrainedModel() throws {
    let data = BuiltInData.pinwheel(count: 2048, seed: 3)
    let configuration = VAEConfiguration(
      inputs: 2, hidden: 32, latent: 2, likelihood: .gaussian, variance: 0.02)
    var generator = Xoshiro256StarStar(seed: 5)
    let trainer = Trainer(
      model: VAE<Double>(configuration, generator: &generator), optimizer: Optimizer(.adam, learningRate: 3e-3),
      examples: data.training.map(Double.init), batchSize: 64, generator: generator)
    for _ in 0..<400 { _ = try trainer.step() }
    for example in 0..<3 {
      let x = data.heldOut[(2 * example)..<(2 * example + 2)].map(Double.init)
      let q = trainer.model.marginalLikelihood(of: x)
      let marginal = try q.logMarginal()
      let refined = try q.logMarginal(tolerance: 1e-6)
      #expect(abs(marginal.value - refined.value) < 1e-3)
      let elbo = try q.expectedELBO()
      #expect(elbo.value <= marginal.value + marginal.error + elbo.error)
      var draws = Xoshiro256StarStar(seed: UInt64(example))
      let iwae = try q.importanceWeighted(k: 5000, replicates: 10, using: &draws)
      #expect(
        abs(iwae.mean - marginal.value) < 4 * iwae.standardError + marginal.error + 1e-3,
        "example \(example): IWAE \(iwae.mean) +- \(iwae.standardError), quadrature \(marginal.value)")
      #expect(iwae.mean >= elbo.value - 4 * iwae.standardError)
    }
  }
}

struct PosteriorPictureTests {
  /// On the linear-Gaussian decoder, the picture of p(z|x) is its closed-form
  /// posterior density (scaled), and that of q is q's.
  @Test func thePicturesAreTheDensitiesScaled() throws {
    let decoder = MarginalLikelihoodTests.decoders[1]
    let q = MarginalLikelihood(mean: [0.2, -0.1], logVariance: [-1, -0.5], logLikelihood: decoder.logLikelihood)
    let region = [-2.0...2.0, -1.5...1.5]
    let pictures = try q.densities(over: region, side: 21)
    let (mean, covariance) = decoder.posterior
    let precision = LinearGaussian.inverse(covariance)
    func logPosterior(_ z: [Double]) -> Double {
      let (a, b) = (z[0] - mean[0], z[1] - mean[1])
      let quadratic: Double = a * precision[0][0] * a + 2 * a * precision[0][1] * b + b * precision[1][1] * b
      return -quadratic / 2
    }
    func logQ(_ z: [Double]) -> Double {
      let (a, b) = (z[0] - 0.2, z[1] + 0.1)
      let quadratic: Double = a * a / exp(-1.0) + b * b / exp(-0.5)
      return -quadratic / 2
    }
    let grid: [[Double]] = (0..<21).flatMap { row in
      (0..<21).map { column -> [Double] in [-2 + 0.2 * Double(column), 1.5 - 0.15 * Double(row)] }
    }
    let (largestPosterior, largestQ) = (grid.map(logPosterior).max() ?? 0, grid.map(logQ).max() ?? 0)
    for (index, z) in grid.enumerated() {
      #expect(abs(pictures.posterior[index] - exp(logPosterior(z) - largestPosterior)) < 1e-9)
      #expect(abs(pictures.approximation[index] - exp(logQ(z) - largestQ)) < 1e-12)
    }
    #expect(pictures.posterior.max() == 1 && pictures.approximation.max() == 1)
  }
}
