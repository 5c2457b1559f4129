import Foundation
import Probability

/// A VAE as a density model: log p(x) of held-out examples against a baseline
/// density of independent input dimensions, in nats per example.
///
/// The model's log p(x) = log E_p(z) p(x|z) is computed as `vae bound` does:
/// by quadrature over the latent line or plane for 1- or 2-D latents, else
/// estimated by IWAE_k (Burda et al. 2016), a lower bound in expectation whose
/// gap shrinks as k grows. The baseline is `IndependentDensity`, of the
/// decoder's family. Differences are paired, example by example.
public struct HeldOutDensity: Sendable {
  public enum Method: Sendable, Equatable {
    case quadrature
    case importanceWeighted(k: Int)
  }
  public var method: Method
  /// log p(x) per example.
  public var logMarginal: RunningMoments
  /// The one-sample ELBO per example, which log p(x) bounds from above.
  public var elbo: RunningMoments
  /// log p(x) under the baseline, per example.
  public var baseline: RunningMoments
  /// log p(x) - baseline, per example.
  public var improvement: RunningMoments
  /// The baseline's Gaussian variances raised to its floor (0 for Bernoulli).
  public var baselineFloored: Int

  public enum Failure: Error, Equatable, Sendable {
    case interrupted
    /// log p(x) of held-out `example` could not be computed: its grid is too
    /// fine, or the model gives no finite value (`MarginalLikelihood.GridError`).
    case failed(example: Int, MarginalLikelihood.GridError)
    /// The baseline has no density: the training values do not vary
    /// (`IndependentDensity.isDefined`).
    case noBaseline
  }

  /// The first `count` held-out examples of `data` under `model` (a VAE), with
  /// k importance samples where the latent space has more than two dimensions.
  public init(
    model: VAE<Float>, data: Dataset, count: Int, k: Int, generator: inout Xoshiro256StarStar,
    shouldStop: () -> Bool = { false }, progress: (Int) -> Void = { _ in }
  ) throws(Failure) {
    let configuration = model.configuration
    let d = configuration.inputs
    method = configuration.latent <= 2 ? .quadrature : .importanceWeighted(k: k)
    let independent = IndependentDensity(training: data.training, dimension: d, likelihood: configuration.likelihood)
    guard independent.isDefined else { throw .noBaseline }
    baselineFloored = independent.flooredCount
    (logMarginal, elbo, baseline, improvement) = (
      RunningMoments(), RunningMoments(), RunningMoments(), RunningMoments()
    )
    for example in 0..<max(0, min(count, data.heldOutCount)) {
      progress(example)
      let x = Array(data.heldOut[(example * d)..<((example + 1) * d)])
      let q = model.marginalLikelihood(of: x)
      guard q.isFinite else { throw .failed(example: example, .notFinite) }
      guard let oneSample = try? q.importanceWeighted(k: 1, replicates: 1, using: &generator, shouldStop: shouldStop)
      else { throw .interrupted }
      let value: Double
      switch method {
      case .importanceWeighted(let k):
        guard let estimate = try? q.importanceWeighted(k: k, replicates: 1, using: &generator, shouldStop: shouldStop)
        else { throw .interrupted }
        value = estimate.mean
      case .quadrature:
        do { value = try q.logMarginal(shouldStop: shouldStop).value } catch .interrupted { throw .interrupted } catch {
          throw .failed(example: example, error)
        }
      }
      guard value.isFinite && oneSample.mean.isFinite else { throw .failed(example: example, .notFinite) }
      let base = independent.logDensity(x)
      logMarginal.merge(RunningMoments([value]))
      elbo.merge(oneSample)
      baseline.merge(RunningMoments([base]))
      improvement.merge(RunningMoments([value - base]))
    }
  }
}

/// The simplest density of the decoder's family: each input value on its own,
/// with parameters estimated from the training data. Bernoulli with
/// p_j = (sum_i x_ij + 1/2) / (N + 1) (the Krichevsky-Trofimov estimate, never
/// 0 or 1): log p(x) = sum_j x_j log p_j + (1 - x_j) log(1 - p_j); for a
/// Bernoulli decoder this is also the best a decoder that ignores z can do,
/// what a collapsed VAE becomes. Gaussian with mean m_j and variance s_j^2
/// (divided by N), the maximum-likelihood estimates:
/// log p(x) = -sum_j ((x_j - m_j)^2 / s_j^2 + log(2 pi s_j^2)) / 2, with each
/// s_j^2 at least 1e-3 of the values' mean variance, so that a value constant
/// in training keeps a finite density that does not dwarf the others. When no
/// value varies in training (one example, or all alike) the Gaussian has no
/// variance to floor at and no density: `isDefined` is false.
public struct IndependentDensity: Sendable, Equatable {
  public var likelihood: Likelihood
  /// p_j, or m_j.
  public var means: [Double]
  /// s_j^2 for a Gaussian; empty for a Bernoulli.
  public var variances: [Double]
  /// How many of the variances were raised to the floor.
  public var flooredCount: Int
  /// False for a Gaussian whose training values do not vary (their mean
  /// variance is 0, or below the normal doubles): it has no density.
  public var isDefined = true

  /// The floor on s_j^2, as a share of the mean of the s_j^2.
  public static let relativeFloor = 1e-3

  public init(training: [Float], dimension: Int, likelihood: Likelihood) {
    self.likelihood = likelihood
    let count = training.count / max(dimension, 1)
    let moments = RunningMoments.columns(of: training, width: dimension)
    switch likelihood {
    case .bernoulli:
      means = moments.map { ($0.mean * Double(count) + 0.5) / (Double(count) + 1) }
      (variances, flooredCount) = ([], 0)
    case .gaussian:
      means = moments.map(\.mean)
      let estimates = moments.map(\.populationVariance)
      let mean = estimates.reduce(0, +) / Double(max(dimension, 1))
      isDefined = mean.isNormal
      let floor = max(Self.relativeFloor * mean, Double.leastNormalMagnitude)
      variances = estimates.map { max($0, floor) }
      flooredCount = estimates.count { $0 < floor }
    }
  }

  /// log p(x) of one example.
  public func logDensity(_ x: [Float]) -> Double {
    var total = 0.0
    switch likelihood {
    case .bernoulli:
      for (value, p) in zip(x, means) {
        total += Double(value) * Foundation.log(p) + (1 - Double(value)) * Foundation.log(1 - p)
      }
    case .gaussian:
      for ((value, m), v) in zip(zip(x, means), variances) {
        let residual = Double(value) - m
        total -= (residual * residual / v + Foundation.log(2 * Double.pi * v)) / 2
      }
    }
    return total
  }
}
