import Foundation
import Probability

/// A VAE as a density model: log p(x) of held-out examples against a baseline
/// density of independent input dimensions, in nats per example.
///
/// The model's log p(x) = log E_p(z) p(x|z) is computed as `vae bound` does:
/// by quadrature over the latent line or plane for 1- or 2-D latents, else
/// estimated by IWAE_k (Burda et al. 2016), a lower bound in expectation whose
/// gap shrinks as k grows. The baseline is the decoder's own distribution with
/// its output held at the training data's per-dimension mean: independent
/// Bernoulli with p_j = (sum_i x_ij + 1/2) / (N + 1) (the Krichevsky-Trofimov
/// estimate, never 0 or 1), or independent Gaussian with mean m_j and the
/// model's fixed variance. It is the best the model could do were z ignored
/// (a collapsed VAE), so the difference is what the latent variable buys.
/// Differences are paired, example by example.
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

  public enum Failure: Error, Equatable, Sendable {
    case interrupted
    /// Quadrature for `example` failed (see `MarginalLikelihood.GridError`).
    case quadrature(example: Int, MarginalLikelihood.GridError)
  }

  /// The decoder outputs of the baseline: logits log(p_j / (1 - p_j)), or the means m_j.
  public static func baselineOutputs(training: [Float], dimension: Int, likelihood: Likelihood) -> [Float] {
    let count = training.count / max(dimension, 1)
    var sums = [Double](repeating: 0, count: dimension)
    for index in 0..<(count * dimension) { sums[index % dimension] += Double(training[index]) }
    switch likelihood {
    case .bernoulli:
      return sums.map { sum in
        let p = (sum + 0.5) / (Double(count) + 1)
        return Float(Foundation.log(p / (1 - p)))
      }
    case .gaussian:
      return sums.map { Float($0 / Double(max(count, 1))) }
    }
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
    let outputs = Self.baselineOutputs(
      training: data.training, dimension: d, likelihood: configuration.likelihood)
    (logMarginal, elbo, baseline, improvement) = (
      RunningMoments(), RunningMoments(), RunningMoments(), RunningMoments()
    )
    for example in 0..<min(count, data.heldOutCount) {
      progress(example)
      let x = Array(data.heldOut[(example * d)..<((example + 1) * d)])
      let q = model.marginalLikelihood(of: x)
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
          throw .quadrature(example: example, error)
        }
      }
      let base = outputs.withUnsafeBufferPointer { output in
        x.withUnsafeBufferPointer { target in
          guard let output = output.baseAddress, let target = target.baseAddress else { return 0.0 }
          return configuration.likelihood.logDensity(
            output: output, target: target, count: d, variance: configuration.variance)
        }
      }
      logMarginal.merge(RunningMoments([value]))
      elbo.merge(oneSample)
      baseline.merge(RunningMoments([base]))
      improvement.merge(RunningMoments([value - base]))
    }
  }
}
