import Dispatch
import Foundation

/// The decoder's distribution p(x|z) and its negative log-likelihood, summed.
public enum Likelihood: String, Codable, Sendable, CaseIterable {
  /// Bernoulli with logits l, for targets in [0, 1]: binary cross-entropy
  /// max(l, 0) - l x + log(1 + exp(-|l|)), which never overflows (the form of
  /// torch.nn.functional.binary_cross_entropy_with_logits).
  case bernoulli
  /// Gaussian with mean the output and a fixed variance s^2:
  /// ((x - m)^2 / s^2 + log(2 pi s^2)) / 2.
  case gaussian

  /// The buffers of a split loss computation, all allocated before the threads
  /// start: each thread reads and writes its own range, and its own slot of
  /// `sums`. No Swift array or class is mutated while they run (two threads
  /// assigning to different elements of one array still race on the array's
  /// uniqueness check and its exclusive access, as Thread Sanitizer reports).
  struct FloatBuffers: @unchecked Sendable {
    let output: UnsafePointer<Float>
    let target: UnsafePointer<Float>
    let gradient: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Double>
  }

  /// The Bernoulli loss and gradient in Float, eight elements at a time with
  /// VectorMath's exp and log1p; the same formulas as the scalar loop.
  static func bernoulliFloat(
    _ output: UnsafePointer<Float>, _ target: UnsafePointer<Float>, count: Int, scale: Float,
    gradient: UnsafeMutablePointer<Float>
  ) -> Double {
    typealias Lanes = SIMD8<Float>
    var total = 0.0
    var i = 0
    while i + 8 <= count {
      var partial = Lanes()
      // Sum a few vectors in Float, then add to the Double total.
      let end = min(count - 7, i + 8 * 32)
      while i < end {
        let l = UnsafeRawPointer(output + i).loadUnaligned(as: Lanes.self)
        let x = UnsafeRawPointer(target + i).loadUnaligned(as: Lanes.self)
        let negative: SIMDMask<SIMD8<Int32>> = l .< 0
        let magnitude: Lanes = l.replacing(with: -l, where: negative)
        let e: Lanes = VectorMath.exp(-magnitude)
        let positivePart: Lanes = l.replacing(with: 0, where: negative)
        // One division serves the log's rounding correction and the sigmoid:
        // sigmoid(l) = 1 / (1 + e) for l >= 0, e / (1 + e) below.
        let reciprocal: Lanes = 1 / (1 + e)
        partial += positivePart - l * x + VectorMath.logOnePlus(e, reciprocal: reciprocal)
        let sigmoid: Lanes = reciprocal.replacing(with: e * reciprocal, where: negative)
        let slope: Lanes = scale * (sigmoid - x)
        UnsafeMutableRawPointer(gradient + i).storeBytes(of: slope, as: Lanes.self)
        i += 8
      }
      total += Double(partial.sum())
    }
    while i < count {
      let (l, x) = (output[i], target[i])
      let e = Float.exp(-abs(l))
      total += Double(max(l, 0) - l * x + Float.logOnePlus(e))
      gradient[i] = scale * ((l >= 0 ? 1 / (1 + e) : e / (1 + e)) - x)
      i += 1
    }
    return total
  }

  /// The summed negative log-likelihood, and its derivative with respect to each
  /// output times `scale`, written to `gradient`: sigmoid(l) - x, or (m - x) / s^2.
  func negativeLogLikelihood<S: BLASScalar>(
    output: UnsafePointer<S>, target: UnsafePointer<S>, count: Int, variance: S, scale: S,
    gradient: UnsafeMutablePointer<S>
  ) -> Double {
    var total = 0.0
    switch self {
    case .bernoulli:
      if S.self == Float.self {
        // Large batches in two halves on two threads; each half writes its own
        // gradients and its own partial sum, added after both finish. The halves
        // are whole SIMD vectors and cover every value (count / parts, rounded
        // down, would leave the last value of a count of 16k + 1 out).
        let parts = count >= 1 << 15 ? 2 : 1
        let chunk = ((count + parts - 1) / parts + 7) & ~7
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: parts) { sums in
          let buffers = FloatBuffers(
            output: UnsafeRawPointer(output).assumingMemoryBound(to: Float.self),
            target: UnsafeRawPointer(target).assumingMemoryBound(to: Float.self),
            gradient: UnsafeMutableRawPointer(gradient).assumingMemoryBound(to: Float.self),
            sums: sums.baseAddress!)
          DispatchQueue.concurrentPerform(iterations: parts) { part in
            let start = part * chunk
            let end = min(count, start + chunk)
            (buffers.sums + part).initialize(
              to: Self.bernoulliFloat(
                buffers.output + start, buffers.target + start, count: end - start, scale: Float(scale),
                gradient: buffers.gradient + start))
          }
          return sums.reduce(0, +)
        }
      }
      for i in 0..<count {
        let (l, x) = (output[i], target[i])
        // e = exp(-|l|) gives both log(1 + e^-|l|) and sigmoid(l) without overflow.
        let e = S.exp(-abs(l))
        total += Double(max(l, 0) - l * x + S.logOnePlus(e))
        let sigmoid = l >= 0 ? 1 / (1 + e) : e / (1 + e)
        gradient[i] = scale * (sigmoid - x)
      }
    case .gaussian:
      let constant = Double.log(2 * Double.pi * Double(variance))
      for i in 0..<count {
        let difference = output[i] - target[i]
        total += 0.5 * (Double(difference * difference) / Double(variance) + constant)
        gradient[i] = scale * difference / variance
      }
    }
    return total
  }

  /// log p(x|z) summed over `count` values, in double precision, from the
  /// decoder's outputs (logits, or the Gaussian's mean): minus the sum of
  /// `negativeLogLikelihood`'s terms, without its gradient.
  /// Specialised: each example's log p(x|z) in the passes and quadrature grids (Float; Double in gradcheck).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  func logDensity<S: BLASScalar>(output: UnsafePointer<S>, target: UnsafePointer<S>, count: Int, variance: Double)
    -> Double
  {
    var total = 0.0
    switch self {
    case .bernoulli:
      for i in 0..<count {
        let (l, x) = (Double(output[i]), Double(target[i]))
        total -= max(l, 0) - l * x + Foundation.log1p(Foundation.exp(-abs(l)))
      }
    case .gaussian:
      let logNormaliser = Foundation.log(2 * Double.pi * variance)
      for i in 0..<count {
        let residual = Double(target[i]) - Double(output[i])
        total -= (residual * residual / variance + logNormaliser) / 2
      }
    }
    return total
  }
}
