/// How the gradient of the reconstruction term E_q[f(z)], f(z) = -log p(x|z),
/// reaches the encoder's outputs mu and logvar, one latent dimension at a time,
/// from one draw z = mu + sigma eps, eps ~ N(0, 1) (Mohamed, Rosca, Figurnov
/// and Mnih, "Monte Carlo Gradient Estimation in Machine Learning", JMLR 21,
/// 2020, sections 4, 5 and 7.4; `GradientProblem` states the same for a typed f):
///
///     pathwise:  d/dmu = f'(z),              d/dlogvar = f'(z) eps sigma / 2
///     score:     d/dmu = (f(z) - b) eps / sigma,  d/dlogvar = (f(z) - b) (eps^2 - 1) / 2
///
/// since d log q(z|x) / dmu = eps / sigma and d log q(z|x) / dlogvar = (eps^2 - 1) / 2.
/// The score function's baseline b is 0 for `score`; for `scoreWithBaseline`
/// it is the leave-one-out mean of f over the other draws (of the same example
/// in `EncoderGradientStudy`, of the other examples of the batch in training),
/// which does not depend on the draw it corrects, so the estimate stays unbiased.
/// The KL term, KL(q(z|x) || N(0, I)), has a closed form, and every estimator
/// adds its gradient exactly: mu and (sigma^2 - 1) / 2.
public enum LatentGradientEstimator: String, CaseIterable, Codable, Sendable {
  /// Backpropagation through z = mu + sigma eps: what training uses.
  case pathwise
  case score
  case scoreWithBaseline = "score+baseline"

  /// One draw's gradient of the reconstruction term with respect to mu and
  /// logvar: from the slope f'(z) for `pathwise`, from the value f(z) - b for
  /// the score function (either may carry a common scale, such as 1 / batch).
  @inline(__always)
  public func reconstructionGradient<S: BinaryFloatingPoint>(
    value: S, slope: S, noise eps: S, sigma: S
  ) -> (mu: S, logvar: S) {
    switch self {
    case .pathwise: (slope, slope * eps * sigma / 2)
    case .score, .scoreWithBaseline: (value * eps / sigma, value * (eps * eps - 1) / 2)
    }
  }

  /// The leave-one-out mean baseline of the draw whose f is `value`: the mean
  /// of the other `count - 1` draws' f, whose sum with `value` is `total` (0
  /// when there are no others).
  @inline(__always)
  public static func leaveOneOutMean<S: BinaryFloatingPoint>(excluding value: S, total: S, count: Int) -> S {
    count > 1 ? (total - value) / S(count - 1) : 0
  }
}
