import Probability

/// Backpropagation checked against central finite differences,
///
///     n = (L(w + h) - L(w - h)) / 2h,   h = 1e-6,
///
/// for the loss L = reconstruction + beta KL of a double-precision model on a
/// batch with fixed noise (so L is a deterministic function of the weights).
/// The difference's own error is about h^2 |L'''| / 6 from truncation plus
/// eps |L| / h from rounding (near 1e-8 for these losses): a backpropagated
/// gradient a that is right lands within that of n. An entry agrees when
///
///     |a - n| <= 1e-5 (|a| + |n|) + 100 eps |L| / h,
///
/// relative agreement for gradients the differences resolve, and for the
/// smallest (an untrained model's latent biases) agreement to within a
/// hundred times the differences' rounding, which their relative error alone
/// would misread as disagreement.
/// `vae gradcheck` shows it for a trained model; the tests run it on every
/// configuration.
public enum GradientCheck {
  public static let step = 1e-6
  /// The relative error |a - n| / (|a| + |n|) within which gradients agree.
  public static let tolerance = 1e-5

  /// One weight: its backpropagated and its finite-difference gradient.
  public struct Entry: Sendable {
    public var index: Int
    public var analytic: Double
    public var numeric: Double
    /// 100 eps |L| / h: what the differences' rounding alone may put between a and n.
    public var roundingAllowance: Double

    public init(index: Int, analytic: Double, numeric: Double, roundingAllowance: Double = 0) {
      (self.index, self.analytic, self.numeric, self.roundingAllowance) = (index, analytic, numeric, roundingAllowance)
    }

    /// |a - n| / (|a| + |n|), or 0 where both are below 1e-10 (there the
    /// ratio would measure the differences' rounding, not the gradient).
    public var relativeError: Double {
      let scale = abs(analytic) + abs(numeric)
      return scale < 1e-10 ? 0 : abs(analytic - numeric) / scale
    }

    public var agrees: Bool {
      abs(analytic - numeric) <= tolerance * (abs(analytic) + abs(numeric)) + roundingAllowance
    }
  }

  /// One tensor's checked entries, e.g. `fc1.weight`.
  public struct Tensor: Sendable {
    public var name: String
    public var entries: [Entry]
    public var largestRelativeError: Double { entries.map(\.relativeError).max() ?? 0 }
    public var agrees: Bool { entries.allSatisfy(\.agrees) }
  }

  /// Every tensor of `model` (weights, then bias, layer by layer), checked at
  /// its `largest` entries of largest backpropagated gradient (all when nil):
  /// tiny gradients sit below the differences' rounding. Asks `shouldStop`
  /// before each tensor.
  public static func tensors(
    of model: VAE<Double>, x: [Double], noise: [Double], largest: Int? = nil, shouldStop: () -> Bool = { false }
  ) throws(Interrupted) -> [Tensor] {
    _ = model.lossAndGradients(x, noise: noise)
    // What training minimises: reconstruction + beta KL, with the schedule's weight and free bits.
    func loss() -> Double { model.forward(x, noise: noise).objective }
    var tensors: [Tensor] = []
    for (name, layer) in model.layers {
      for isWeight in [true, false] {
        if shouldStop() { throw Interrupted() }
        let analytic = isWeight ? layer.weightGradient : layer.biasGradient
        let indexes = largest.map { indexesOfLargest($0, in: analytic) } ?? Array(analytic.indices)
        let entries = indexes.map { index in
          func nudge(_ delta: Double) {
            if isWeight { layer.weight[index] += delta } else { layer.bias[index] += delta }
          }
          nudge(step)
          let plus = loss()
          nudge(-2 * step)
          let minus = loss()
          nudge(step)
          return Entry(
            index: index, analytic: analytic[index], numeric: (plus - minus) / (2 * step),
            roundingAllowance: 100 * Double.ulpOfOne * max(abs(plus), abs(minus)) / step)
        }
        tensors.append(Tensor(name: "\(name).\(isWeight ? "weight" : "bias")", entries: entries))
      }
    }
    return tensors
  }

  /// The indexes of the `count` values of largest magnitude, in increasing
  /// order; of equal magnitudes the lower index goes first, as in a stable sort
  /// by magnitude. One pass that keeps the best so far, so a layer of a million
  /// weights is not sorted to find twelve.
  static func indexesOfLargest(_ count: Int, in values: [Double]) -> [Int] {
    guard count < values.count else { return Array(values.indices) }
    var best: [Int] = []  // by magnitude, largest first; equal ones in index order
    best.reserveCapacity(count + 1)
    for index in values.indices {
      let magnitude = abs(values[index])
      if best.count == count, let last = best.last, !(magnitude > abs(values[last])) { continue }
      var position = best.count
      while position > 0 && abs(values[best[position - 1]]) < magnitude { position -= 1 }
      best.insert(index, at: position)
      if best.count > count { best.removeLast() }
    }
    return best.sorted()
  }
}
