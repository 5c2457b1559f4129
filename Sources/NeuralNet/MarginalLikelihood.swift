import Probability

import func Foundation.exp
import func Foundation.log
import func Foundation.pow

/// log p(x) = log ∫ p(x|z) p(z) dz for one example x, and the bounds below it:
///
///     log p(x) = ELBO + KL(q(z|x) || p(z|x)),   ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)),
///
/// so ELBO <= IWAE_k <= log p(x), with IWAE_k = E[log (1/k) sum_i p(x, z_i) / q(z_i|x)],
/// z_i ~ q, non-decreasing in k (Burda, Grosse and Salakhutdinov 2016, theorem 1).
/// Everything is read from log p(x|z) at batches of latent points, so the same
/// code serves a trained VAE and a decoder with a closed-form p(x) (the tests').
public struct MarginalLikelihood {
  /// log p(x|z) at `count` latent points, row-major in `z` (count x latent).
  public typealias LogLikelihood = (_ z: [Double], _ count: Int) -> [Double]

  public var latent: Int
  public var logLikelihood: LogLikelihood
  /// The encoder's q(z|x) = N(mean, diag exp(logVariance)).
  public var mean: [Double]
  public var logVariance: [Double]

  public init(mean: [Double], logVariance: [Double], logLikelihood: @escaping LogLikelihood) {
    latent = mean.count
    self.mean = mean
    self.logVariance = logVariance
    self.logLikelihood = logLikelihood
  }

  /// Whether q(z|x)'s mean and log-variance are all finite, as every
  /// computation here needs.
  public var isFinite: Bool { mean.allSatisfy(\.isFinite) && logVariance.allSatisfy(\.isFinite) }

  /// log N(z; 0, I) - log N(z; mean, diag exp(logVariance)) for one point.
  func logPriorOverPosterior(_ z: ArraySlice<Double>) -> Double {
    var total = 0.0
    for (d, value) in z.enumerated() {
      let standardised = (value - mean[d]) * exp(-logVariance[d] / 2)
      total += -value * value / 2 + standardised * standardised / 2 + logVariance[d] / 2
    }
    return total
  }

  /// `replicates` independent estimates of IWAE_k, each from k fresh draws
  /// z = mean + sigma * eps: their mean is the bound's estimate and their
  /// standard error its Monte Carlo error. k = 1 is the one-sample ELBO.
  public func importanceWeighted(
    k: Int, replicates: Int, using generator: inout Xoshiro256StarStar, shouldStop: () -> Bool = { false }
  ) throws(Interrupted) -> RunningMoments {
    let standardDeviation = logVariance.map { exp($0 / 2) }
    var moments = RunningMoments()
    // Latent points in batches of at most 4096, so memory stays small for large k.
    let batch = 4096
    for _ in 0..<replicates {
      var logWeights: [Double] = []
      logWeights.reserveCapacity(k)
      while logWeights.count < k {
        if shouldStop() { throw Interrupted() }
        let count = min(batch, k - logWeights.count)
        var z = [Double](repeating: 0, count: count * latent)
        for i in 0..<(count * latent) {
          let d = i % latent
          z[i] = mean[d] + standardDeviation[d] * NormalSampler.next(using: &generator)
        }
        let likelihoods = logLikelihood(z, count)
        for row in 0..<count {
          logWeights.append(likelihoods[row] + logPriorOverPosterior(z[(row * latent)..<((row + 1) * latent)]))
        }
      }
      moments.merge(RunningMoments([Self.logSumExp(logWeights) - log(Double(k))]))
    }
    return moments
  }

  static func logSumExp(_ values: [Double]) -> Double {
    guard let largest = values.max(), largest.isFinite else { return values.max() ?? -.infinity }
    return largest + log(values.reduce(0) { $0 + exp($1 - largest) })
  }
}

extension MarginalLikelihood {
  /// A value found by summing over a grid on the latent line or plane, with
  /// the grid stated and an error estimate: the change when the step is halved.
  public struct GridEstimate: Sendable {
    public var value: Double
    public var error: Double
    /// The box summed over: per latent dimension, its lower and upper end.
    public var region: [ClosedRange<Double>]
    /// The finest step used.
    public var step: Double
    /// Points of the finest grid.
    public var points: Int
  }

  public enum GridError: Error, Equatable, Sendable {
    case interrupted
    /// Quadrature over the latent space is done for 1 or 2 dimensions only.
    case tooManyDimensions(Int)
    /// The grid would need more points than the budget to resolve the posterior
    /// (a count, or more than an Int holds: a Double).
    case tooFine(points: Double)
    /// q(z|x) has a mean or log-variance that is NaN or infinite, log p(x|z)
    /// is NaN or +infinity somewhere, or p(x|z) p(z) is 0 in double precision
    /// all over the prior's box: an example or weights so large that the model
    /// overflows, with no value to compute.
    case notFinite
  }

  /// The prior's box: N(0, 1) puts less than e^-32 of its density beyond 8.
  static let priorBound = 8.0
  /// The most points of a grid (in 2-D, 2048 x 2048).
  public static let largestGrid = 1 << 22

  /// log p(x) = log ∫ p(x|z) p(z) dz by the trapezoid rule on a grid, which for
  /// an integrand this smooth and this fast-decaying converges faster than any
  /// power of the step. The region comes from the prior and the posterior: a
  /// coarse scan of the prior's box [-8, 8]^L finds where p(x|z) p(z) is within
  /// 40 nats of its largest value, joined with q's mean +- 8 sigma; the step is
  /// a quarter of q's smallest sigma (at most 0.1), halved until two estimates
  /// agree to `tolerance` nats or the grid reaches `largestGrid`.
  public func logMarginal(tolerance: Double = 1e-4, shouldStop: () -> Bool = { false }) throws(GridError)
    -> GridEstimate
  {
    guard latent <= 2 else { throw .tooManyDimensions(latent) }
    guard isFinite else { throw .notFinite }
    let logJoint = { (z: [Double], count: Int) -> [Double] in
      let likelihoods = self.logLikelihood(z, count)
      return (0..<count).map { row in
        var prior = 0.0
        for d in 0..<self.latent { prior -= z[row * self.latent + d] * z[row * self.latent + d] / 2 }
        return likelihoods[row] + prior - Double(self.latent) * log(2 * Double.pi) / 2
      }
    }
    // The coarse scan of the prior's box.
    let coarseStep = latent == 1 ? 0.05 : 0.2
    let coarse = try grid(
      region: Array(repeating: -Self.priorBound...Self.priorBound, count: latent), step: coarseStep,
      shouldStop: shouldStop, evaluate: logJoint)
    // No point of the prior's box where p(x|z) p(z) is above 0 in double precision: no region to refine.
    guard let largest = coarse.values.max(), largest.isFinite else { throw .notFinite }
    let standardDeviation = logVariance.map { exp($0 / 2) }
    var region = (0..<latent).map { d in (mean[d] - 8 * standardDeviation[d])...(mean[d] + 8 * standardDeviation[d]) }
    for (index, value) in coarse.values.enumerated() where value > largest - 40 {
      for d in 0..<latent {
        let z = coarse.points[index * latent + d]
        region[d] = min(region[d].lowerBound, z - coarseStep)...max(region[d].upperBound, z + coarseStep)
      }
    }
    // Within the prior's box, even where q's mean +- 8 sigma lies outside it.
    region = region.map {
      let lower = min(max($0.lowerBound, -Self.priorBound), Self.priorBound)
      return lower...max(min($0.upperBound, Self.priorBound), lower)
    }
    var step = min(0.1, (standardDeviation.min() ?? 1) / 4)
    // A sigma that underflows to 0 (a log-variance below about -1490) has no grid fine enough.
    guard step > 0 else { throw .tooFine(points: .infinity) }
    func estimate(_ step: Double) throws(GridError) -> (value: Double, points: Int) {
      let fine = try grid(region: region, step: step, shouldStop: shouldStop, evaluate: logJoint)
      return (Self.logSumExp(fine.values) + Double(latent) * log(step), fine.values.count)
    }
    var previous = try estimate(step)
    while true {
      let pointsNext = region.map { Int(($0.upperBound - $0.lowerBound) / (step / 2)) + 1 }.reduce(1, *)
      guard pointsNext <= Self.largestGrid else {
        throw .tooFine(points: Double(pointsNext))
      }
      step /= 2
      let next = try estimate(step)
      let error = abs(next.value - previous.value)
      if error <= tolerance || pointsNext * (1 << latent) > Self.largestGrid {
        return GridEstimate(value: next.value, error: error, region: region, step: step, points: next.points)
      }
      previous = next
    }
  }

  /// The ELBO's exact expectation, E_q[log p(x|z)] - KL(q || p), with the
  /// first term by the trapezoid rule over q (`expectations`) and the KL in
  /// closed form (GaussianKL).
  public func expectedELBO(shouldStop: () -> Bool = { false }) throws(GridError) -> GridEstimate {
    let kl = (0..<latent).map { GaussianKL.divergence(mean: mean[$0], logVariance: logVariance[$0]) }.reduce(0, +)
    let (coarse, fine) = try expectations(shouldStop: shouldStop)
    return GridEstimate(
      value: fine.values[0] - kl, error: abs(fine.values[0] - coarse.values[0]), region: qRegion,
      step: Self.unitSteps.fine, points: fine.points)
  }

  /// The exact gradient of the reconstruction term E_q[f], f(z) = -log p(x|z),
  /// with respect to q's mean and log-variance, by Stein's identities
  ///
  ///     d/dmean_d E_q[f] = E_q[f u_d] / sigma_d,   d/dlogvar_d E_q[f] = E_q[f (u_d^2 - 1)] / 2,
  ///
  /// u = (z - mean) / sigma: the score function's expectations, which need f
  /// and not its slope (f is continuous where its slope, through ReLUs, jumps),
  /// by the trapezoid rule (`expectations`). Per dimension, with the change when
  /// the step is halved as the error.
  public struct LatentGradient: Sendable, Equatable {
    /// At the finer step: the values.
    public var mean: [Double]
    public var logVariance: [Double]
    /// The same at the coarser step, for the error and for carrying it through the encoder.
    public var coarseMean: [Double]
    public var coarseLogVariance: [Double]
  }

  public func reconstructionGradient(shouldStop: () -> Bool = { false }) throws(GridError) -> LatentGradient {
    let (coarse, fine) = try expectations(shouldStop: shouldStop)
    func gradients(_ e: [Double]) -> (mean: [Double], logVariance: [Double]) {
      // e holds E[log p], E[log p u_d], E[log p (u_d^2 - 1)]; f = -log p.
      (
        (0..<latent).map { -e[1 + $0] / standardDeviation($0) },
        (0..<latent).map { -e[1 + latent + $0] / 2 }
      )
    }
    let (c, f) = (gradients(coarse.values), gradients(fine.values))
    return LatentGradient(
      mean: f.mean, logVariance: f.logVariance, coarseMean: c.mean, coarseLogVariance: c.logVariance)
  }

  /// The steps of `expectations`, in units of q's sigma.
  static let unitSteps = (coarse: 1.0 / 8, fine: 1.0 / 16)

  /// q's mean +- 8 sigma, the box `expectations` sums over.
  var qRegion: [ClosedRange<Double>] {
    (0..<latent).map { d in (mean[d] - 8 * standardDeviation(d))...(mean[d] + 8 * standardDeviation(d)) }
  }

  /// E_q[log p(x|z) w(u)] for w = 1, then u_d, then u_d^2 - 1 for each dimension d
  /// (u = (z - mean) / sigma), by the trapezoid rule over u in [-8, 8]^L (q's mean
  /// +- 8 sigma) at the steps `unitSteps`, coarse and fine: 1 + 2 L values each.
  func expectations(shouldStop: () -> Bool) throws(GridError) -> (
    coarse: (values: [Double], points: Int), fine: (values: [Double], points: Int)
  ) {
    guard latent <= 2 else { throw .tooManyDimensions(latent) }
    guard isFinite else { throw .notFinite }
    let unitRegion = Array(repeating: -8.0...8.0, count: latent)
    func estimate(_ step: Double) throws(GridError) -> (values: [Double], points: Int) {
      let scan = try grid(region: unitRegion, step: step, shouldStop: shouldStop) { units, count in
        let z = units.enumerated().map { index, u in self.mean[index % self.latent] + self.standardDeviation(index) * u
        }
        return self.logLikelihood(z, count)
      }
      var totals = [Double](repeating: 0, count: 1 + 2 * latent)
      for (index, value) in scan.values.enumerated() {
        var density = 1.0
        for d in 0..<latent {
          let u = scan.points[index * latent + d]
          density *= exp(-u * u / 2) / (2 * Double.pi).squareRoot()
        }
        let weighted = density * value
        totals[0] += weighted
        for d in 0..<latent {
          let u = scan.points[index * latent + d]
          totals[1 + d] += weighted * u
          totals[1 + latent + d] += weighted * (u * u - 1)
        }
      }
      // log p(x|z) of -infinity somewhere (p(x|z) 0 in double precision) leaves no finite expectation.
      guard totals.allSatisfy(\.isFinite) else { throw .notFinite }
      let volume = pow(step, Double(latent))
      return (totals.map { $0 * volume }, scan.values.count)
    }
    return (try estimate(Self.unitSteps.coarse), try estimate(Self.unitSteps.fine))
  }

  func standardDeviation(_ index: Int) -> Double { exp(logVariance[index % latent] / 2) }

  /// `evaluate` at every point of the grid over `region` with spacing `step`
  /// (row-major, the last dimension fastest), in batches of 4096 points;
  /// refused before anything is allocated when it has more than `largestGrid`
  /// points, and when a value is NaN or +infinity.
  func grid(
    region: [ClosedRange<Double>], step: Double, shouldStop: () -> Bool,
    evaluate: ([Double], Int) -> [Double]
  ) throws(GridError) -> (points: [Double], values: [Double]) {
    // Counted in doubles: a step of 1e-73 over a width of 16 is more points than an Int holds.
    let sizes = region.map { (($0.upperBound - $0.lowerBound) / step).rounded(.down) + 1 }
    let size = sizes.reduce(1, *)
    guard size.isFinite, size <= Double(Self.largestGrid) else { throw .tooFine(points: size) }
    let counts = sizes.map { Int($0) }
    let total = counts.reduce(1, *)
    var points = [Double](repeating: 0, count: total * latent)
    for index in 0..<total {
      var rest = index
      for d in (0..<latent).reversed() {
        points[index * latent + d] = region[d].lowerBound + Double(rest % counts[d]) * step
        rest /= counts[d]
      }
    }
    var values: [Double] = []
    values.reserveCapacity(total)
    var start = 0
    while start < total {
      if shouldStop() { throw .interrupted }
      let count = min(4096, total - start)
      values += evaluate(Array(points[(start * latent)..<((start + count) * latent)]), count)
      start += count
    }
    guard values.allSatisfy({ !$0.isNaN && $0 != .infinity }) else { throw .notFinite }
    return (points, values)
  }
}

extension MarginalLikelihood {
  /// log p(x) for one example: by quadrature where the latent space is a line
  /// or a plane, else estimated by IWAE with a large k (a lower bound whose gap
  /// shrinks as k grows, so an estimate, not a value).
  public enum LogMarginal: Sendable {
    case quadrature(GridEstimate)
    case importanceWeighted(k: Int, RunningMoments)

    public var value: Double {
      switch self {
      case .quadrature(let estimate): estimate.value
      case .importanceWeighted(_, let moments): moments.mean
      }
    }

    /// The quadrature's error estimate, or the Monte Carlo standard error.
    public var error: Double {
      switch self {
      case .quadrature(let estimate): estimate.error
      case .importanceWeighted(_, let moments): moments.standardError
      }
    }
  }

  /// Every bound for one example: the ELBO from one-sample estimates (and its
  /// exact expectation where the latent space is 1- or 2-D), IWAE_k for each k,
  /// and log p(x).
  public struct Bounds: Sendable {
    public var elbo: RunningMoments
    public var expectedELBO: GridEstimate?
    public var importanceWeighted: [(k: Int, moments: RunningMoments)]
    public var logMarginal: LogMarginal

    /// ELBO - log p(x) = -KL(q(z|x) || p(z|x)), from the exact ELBO where there is one.
    public var gap: Double { (expectedELBO?.value ?? elbo.mean) - logMarginal.value }
  }

  /// The k of the IWAE estimate of log p(x) beyond two latent dimensions.
  public static let estimateK = 5000

  /// The bounds, with `replicates(k)` independent IWAE_k estimates for each k
  /// (their spread gives the standard errors); IWAE_1 is the one-sample ELBO.
  public func bounds(
    ks: [Int], replicates: (Int) -> Int, using generator: inout Xoshiro256StarStar, shouldStop: () -> Bool = { false }
  ) throws(GridError) -> Bounds {
    guard isFinite else { throw .notFinite }
    func weighted(_ k: Int, _ count: Int) throws(GridError) -> RunningMoments {
      let moments: RunningMoments
      do { moments = try importanceWeighted(k: k, replicates: count, using: &generator, shouldStop: shouldStop) } catch
      {
        throw .interrupted
      }
      guard moments.mean.isFinite else { throw .notFinite }
      return moments
    }
    let elbo = try weighted(1, replicates(1))
    var bounds: [(k: Int, moments: RunningMoments)] = []
    for k in ks { bounds.append((k, try weighted(k, replicates(k)))) }
    guard latent <= 2 else {
      let estimate = try weighted(Self.estimateK, max(2, replicates(Self.estimateK)))
      return Bounds(
        elbo: elbo, expectedELBO: nil, importanceWeighted: bounds,
        logMarginal: .importanceWeighted(k: Self.estimateK, estimate))
    }
    return Bounds(
      elbo: elbo, expectedELBO: try expectedELBO(shouldStop: shouldStop), importanceWeighted: bounds,
      logMarginal: .quadrature(try logMarginal(shouldStop: shouldStop)))
  }
}
